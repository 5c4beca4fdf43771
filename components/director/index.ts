import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { VirtualMachine } from "../vm";
import { createVms, NodeInfo, nodeInfo, VmGroupArgs } from "../vm/group";

export interface DirectorArgs extends VmGroupArgs {
    node: NodeSpec;
}

/** The tools host: kubectl, helm, the site registry, and the SSH jump host for every node. */
export class Director extends pulumi.ComponentResource {
    public readonly vm: VirtualMachine;
    public readonly info: NodeInfo;

    constructor(name: string, args: DirectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:cluster:Director", name, {}, opts);
        [this.vm] = createVms(this, [args.node], args);
        this.info = nodeInfo(args.node);
        this.registerOutputs({ info: this.info });
    }
}
