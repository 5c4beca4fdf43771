import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { createPreparedNodes, NodeGroupArgs, NodeInfo, nodeInfo, PreparedNode } from "../vm/group";

export interface ControlPlaneArgs extends NodeGroupArgs {
    masters: NodeSpec[];
}

/** The masters: one prepared VM each; kubeadm init and joins are the Cluster's (components/cluster). */
export class ControlPlane extends pulumi.ComponentResource {
    public readonly nodes: PreparedNode[];
    public readonly masters: NodeInfo[];

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:cluster:ControlPlane", name, {}, opts);
        this.nodes = createPreparedNodes(this, args.masters, args);
        this.masters = args.masters.map(nodeInfo);
        this.registerOutputs({ masters: this.masters });
    }
}
