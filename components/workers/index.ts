import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { createPreparedNodes, NodeGroupArgs, NodeInfo, nodeInfo, PreparedNode } from "../vm/group";

export interface WorkersArgs extends NodeGroupArgs {
    workers: NodeSpec[];
}

/** The worker VMs, where application pods run: one prepared VM each. */
export class Workers extends pulumi.ComponentResource {
    public readonly nodes: PreparedNode[];
    public readonly workers: NodeInfo[];

    constructor(name: string, args: WorkersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:cluster:Workers", name, {}, opts);
        this.nodes = createPreparedNodes(this, args.workers, args);
        this.workers = args.workers.map(nodeInfo);
        this.registerOutputs({ workers: this.workers });
    }
}
