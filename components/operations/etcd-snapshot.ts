import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { SiteConfig } from "../../stacks";
import { loadScript, nodeList, OnDirector, scriptCommand } from "../remote";

export const etcdSnapshotScript = loadScript("components/operations/scripts/etcd-snapshot.sh", {
    SNAPSHOT_ID: "required",
    SITE: "required",
    MASTERS: "required",
    OPS_USER: "required",
    BACKUP_DIR: "optional",
});

/**
 * One etcd snapshot, taken on the director from a master, when the site asks for one
 * (`cluster.etcdSnapshot` above 0). Bumping the counter replaces this Command, which takes
 * one more snapshot.
 */
export function etcdSnapshot(
    name: string,
    on: OnDirector,
    site: Pick<SiteConfig, "name" | "access" | "cluster" | "masters">,
    after: pulumi.Resource[],
): command.remote.Command | undefined {
    if (site.cluster.etcdSnapshot <= 0) {
        return undefined;
    }
    return scriptCommand(
        name,
        {
            connection: on.director,
            script: etcdSnapshotScript,
            env: {
                SNAPSHOT_ID: String(site.cluster.etcdSnapshot),
                SITE: site.name,
                BACKUP_DIR: "/var/backups/kvm-k8s",
                OPS_USER: site.access.user,
                MASTERS: nodeList(site.masters),
            },
            triggers: [site.cluster.etcdSnapshot],
        },
        { parent: on.parent, dependsOn: after },
    );
}
