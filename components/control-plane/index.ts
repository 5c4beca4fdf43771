import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { VirtualMachine } from "../vm";
import { createVms, NodeInfo, nodeInfo, VmGroupArgs } from "../vm/group";

export interface ControlPlaneArgs extends VmGroupArgs {
    masters: NodeSpec[];
}

/** The masters: kubeadm control plane and stacked etcd, one VM per master. */
export class ControlPlane extends pulumi.ComponentResource {
    public readonly vms: VirtualMachine[];
    public readonly masters: NodeInfo[];

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:cluster:ControlPlane", name, {}, opts);
        this.vms = createVms(this, args.masters, args);
        this.masters = args.masters.map(nodeInfo);
        this.registerOutputs({ masters: this.masters });
    }
}
