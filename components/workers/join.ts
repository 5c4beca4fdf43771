import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { joinConfigFile, JoinSecrets, KubeadmSite, kubeadmStep, KubeadmSteps } from "../kubeadm";
import { PreparedNode } from "../nodes";
import { filesPayload, loadScript } from "../remote";

export const joinWorkerScript = loadScript("components/workers/scripts/join-worker.sh", {
    KVMK8S_FILES: "required",
    JOIN_TOKEN: "optional",
    CERTIFICATE_KEY: "optional",
});

/**
 * Workers join once the control plane is complete (`after`: the last master's join), side
 * by side: a worker adds no etcd member. Each also waits for `kubeconfig` on the director,
 * which join-node.sh uses. A worker gets only its JoinConfiguration.
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
