import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { VirtualMachine } from "../vm";
import { createVms, NodeInfo, nodeInfo, VmGroupArgs } from "../vm/group";

export interface WorkersArgs extends VmGroupArgs {
    workers: NodeSpec[];
}

/** The worker VMs, where application pods run. */
export class Workers extends pulumi.ComponentResource {
    public readonly vms: VirtualMachine[];
    public readonly workers: NodeInfo[];

    constructor(name: string, args: WorkersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:cluster:Workers", name, {}, opts);
        this.vms = createVms(this, args.workers, args);
        this.workers = args.workers.map(nodeInfo);
        this.registerOutputs({ workers: this.workers });
    }
}
