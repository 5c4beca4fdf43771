import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { SiteConfig } from "../../stacks";
import { filesPayload, loadScript, nodeList, OnDirector, scriptCommand } from "../remote";

export const upgradeClusterScript = loadScript("components/operations/scripts/upgrade-cluster.sh", {
    TARGET_VERSION: "required",
    KUBERNETES_APT_REPO: "required",
    MASTERS: "required",
    WORKERS: "optional",
    OPS_USER: "required",
    KVMK8S_FILES: "required",
    DRAIN_TIMEOUT_SECONDS: "optional",
    WAIT_TIMEOUT_SECONDS: "optional",
});
export const upgradeNodeScript = loadScript("components/operations/scripts/upgrade-node.sh", {
    TARGET_VERSION: "required",
    KUBERNETES_APT_REPO: "required",
    MODE: "required",
});

/**
 * A changed version replaces this Command (it is in the triggers), which rolls the nodes:
 * masters first, then workers drained one at a time. Its script refuses a skipped minor or
 * a downgrade before touching any node. On a fresh site every node is already at the
 * version and it does nothing. `after`: every node Ready, and every node's preparation,
 * which points it at the new version's package repository.
 */
export function rollingUpgrade(
    name: string,
    on: OnDirector,
    site: Pick<SiteConfig, "access" | "cluster" | "masters" | "workers">,
    after: pulumi.Resource[],
): command.remote.Command {
    return scriptCommand(
        name,
        {
            connection: on.director,
            script: upgradeClusterScript,
            env: {
                TARGET_VERSION: site.cluster.kubernetesVersion,
                KUBERNETES_APT_REPO: site.cluster.aptRepository,
                MASTERS: nodeList(site.masters),
                WORKERS: nodeList(site.workers),
                OPS_USER: site.access.user,
                DRAIN_TIMEOUT_SECONDS: "600",
                // streamed to nodes over SSH, so it carries the library itself
                KVMK8S_FILES: filesPayload([{ path: "/usr/local/lib/kvm-k8s/upgrade-node.sh", mode: "0755", content: upgradeNodeScript.standalone }]),
            },
            triggers: [upgradeNodeScript.hash, site.cluster.kubernetesVersion],
        },
        { parent: on.parent, dependsOn: after },
    );
}
