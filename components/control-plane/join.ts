import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { KubeadmSite, kubeadmStep, KubeadmSteps } from "../kubeadm";
import { PreparedNode } from "../nodes";
import { filesPayload, loadScript } from "../remote";
import { masterFiles } from "./files";
import { ClusterPki } from "./init";

export const joinMasterScript = loadScript("components/control-plane/scripts/join-control-plane.sh", {
    KVMK8S_FILES: "required",
    JOIN_TOKEN: "streamed",
    CERTIFICATE_KEY: "streamed",
});

/**
 * The other masters join after `after` (the CNI: they find a Ready control plane), one at a
 * time: each join adds an etcd member, and two joining at once can leave etcd without
 * quorum. Each also waits for `kubeconfig` on the director, which join-node.sh uses.
 */
export function joinMasters(
    steps: KubeadmSteps,
    site: KubeadmSite,
    masters: PreparedNode[],
    pki: ClusterPki,
    after: pulumi.Resource,
    kubeconfig: pulumi.Resource,
): command.remote.Command[] {
    const joins: command.remote.Command[] = [];
    let previous = after;
    for (const master of masters) {
        const env = pki.apply((p) => ({ KVMK8S_FILES: filesPayload(masterFiles(site, master.vm.node, p)) }));
        const join = kubeadmStep(steps, "join", master, joinMasterScript, env, [previous, kubeconfig]);
        joins.push(join);
        previous = join;
    }
    return joins;
}
