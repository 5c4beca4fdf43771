/**
 * The workers, where application pods run: their VMs (this component) and how each joins
 * (join.ts, which runs scripts/join-worker.sh on the node through kubeadm/step.ts). When
 * they join is the cluster's (components/cluster).
 */
import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { createPreparedNodes, NodePoolArgs, PreparedNode } from "../nodes";
import { NodeInfo, nodeInfo } from "../vm/group";

export { joinWorkers, joinWorkerScript } from "./join";

export interface WorkersArgs extends NodePoolArgs {
    workers: NodeSpec[];
}

/** The worker VMs: one each, prepared unless the site stops after its VMs. */
export class Workers extends pulumi.ComponentResource {
    /** Each node's VM prepared; undefined when the director is not (a site that stops after its VMs). */
    public readonly nodes?: PreparedNode[];
    public readonly workers: NodeInfo[];

    constructor(name: string, args: WorkersArgs, opts?: pulumi.ComponentResourceOptions) {
        // The type token predates the folders (this is not under the Cluster component); it is
        // part of every child's URN, so it stays (test/urns.test.ts).
        super("kvmk8s:cluster:Workers", name, {}, opts);
        this.nodes = createPreparedNodes(this, args.workers, args);
        this.workers = args.workers.map(nodeInfo);
        this.registerOutputs({ workers: this.workers });
    }
}
