/**
 * The control plane: the masters' VMs (this component), kubeadm init on the first
 * (init.ts), the others joining one at a time (join.ts), and kube-vip holding the API's VIP
 * (kube-vip.ts). The order they run in is the cluster's (components/cluster).
 */
import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { createPreparedNodes, NodePoolArgs, PreparedNode } from "../nodes";
import { NodeInfo, nodeInfo } from "../vm/group";

export { initControlPlane, initScript } from "./init";
export type { ClusterPki } from "./init";
export { joinMasters, joinMasterScript } from "./join";
export { initFiles, masterFiles } from "./files";
export { kubeVipManifest } from "./kube-vip";

export interface ControlPlaneArgs extends NodePoolArgs {
    masters: NodeSpec[];
}

/** The masters: one VM each, prepared unless the site stops after its VMs. */
export class ControlPlane extends pulumi.ComponentResource {
    /** Each node's VM prepared; undefined when the director is not (a site that stops after its VMs). */
    public readonly nodes?: PreparedNode[];
    public readonly masters: NodeInfo[];

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        // The type token predates the folders (this is not under the Cluster component); it is
        // part of every child's URN, so it stays (test/urns.test.ts).
        super("kvmk8s:cluster:ControlPlane", name, {}, opts);
        this.nodes = createPreparedNodes(this, args.masters, args);
        this.masters = args.masters.map(nodeInfo);
        this.registerOutputs({ masters: this.masters });
    }
}
