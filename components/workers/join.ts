import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { joinConfigFile, JoinSecrets, KubeadmSite, kubeadmStep, KubeadmSteps } from "../kubeadm";
import { PreparedNode } from "../nodes";
import { filesPayload, loadScript } from "../remote";

export const joinWorkerScript = loadScript("components/workers/scripts/join-worker.sh", {
    KVMK8S_FILES: "required",
    JOIN_TOKEN: "streamed",
    CERTIFICATE_KEY: "streamed",
});

/**
 * How a worker joins, one Command each, side by side (a worker adds no etcd member):
 * 1. its membership (cluster/membership.ts, admit-node.sh on the director) waits for `after`
 *    (the control plane complete: the last master's join) and for `kubeconfig` on the
 *    director, and checks the director can reach the node with its pinned host key;
 * 2. its kubeadm step (kubeadm/step.ts) waits for that membership and its own preparation,
 *    and runs join-node.sh on the director: a 15-minute bootstrap token minted for this
 *    join, streamed with the node's environment to scripts/join-worker.sh over the director's
 *    ops ssh, deleted afterwards;
 * 3. join-worker.sh on the node writes its JoinConfiguration (kubeadm/config.ts: the CA
 *    hash pinned, the token filled in on the node) and runs `kubeadm join`, unless the node
 *    has joined already.
 * Then the readiness gate (cluster/ready.ts) waits for it to be Ready.
 */
export function joinWorkers(
    steps: KubeadmSteps,
    site: KubeadmSite,
    workers: PreparedNode[],
    pki: pulumi.Output<JoinSecrets>,
    after: pulumi.Resource,
    kubeconfig: pulumi.Resource,
): command.remote.Command[] {
    return workers.map((worker) => {
        const env = pki.apply((p) => ({ KVMK8S_FILES: filesPayload([joinConfigFile(site, worker.vm.node, p)]) }));
        return kubeadmStep(steps, "join", worker, joinWorkerScript, env, [after, kubeconfig]);
    });
}
