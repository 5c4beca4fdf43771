/**
 * THE ORDER of the kubeadm bootstrap, and what keeps membership right on later days. Each
 * step lives with the role it serves; this file only says what follows what. Every step
 * runs from the director (only it must be reachable from where Pulumi runs). Each arrow is a
 * dependsOn; what runs side by side is said so:
 *
 *   director ready -> each node's SSH wait and preparation, in parallel          (nodes/)
 *   director ready -> roster: expected nodes and their host keys   (membership.ts)
 *   roster + the first master prepared -> kubeadm init on it       (control-plane/init.ts)
 *   -> the admin kubeconfig on the director                        (director/)
 *   -> Calico, right after init                                    (calico.ts)
 *   -> the other masters join, one at a time, each once prepared   (control-plane/join.ts)
 *   -> workers join, side by side, each once prepared              (workers/join.ts)
 *   -> readiness gate: every node Ready                            (ready.ts)
 *   -> an etcd snapshot, when one is asked for                     (operations/etcd-snapshot.ts)
 *   -> rolling upgrade (also after every node's preparation), a no-op unless the version
 *      moved                                                       (operations/upgrade.ts)
 *
 * Before its kubeadm step each node gets a membership (membership.ts): it checks the
 * director can reach the node, and deleting it drains and removes the node. Each kubeadm
 * step mints credentials for that one join on the director (kubeadm/step.ts): nothing in
 * state can join a node.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { SiteConfig } from "../../stacks";
import { ClusterPki, initControlPlane, joinMasters } from "../control-plane";
import { PreparedDirector } from "../director";
import { controlPlaneEndpoint, KubeadmSteps } from "../kubeadm";
import { PreparedNode } from "../nodes";
import { etcdSnapshot, rollingUpgrade } from "../operations";
import { nodeList, OnDirector } from "../remote";
import { SiteSecrets } from "../secrets";
import { joinWorkers } from "../workers";
import { installCalico } from "./calico";
import { renderKubeconfig } from "./kubeconfig";
import { membership, writeRoster } from "./membership";
import { readinessGate } from "./ready";

/** What the cluster reads from the site. */
export type ClusterSite = Pick<SiteConfig, "name" | "access" | "cluster" | "networks" | "nodeNetwork" | "director" | "masters" | "workers">;

export interface ClusterArgs {
    site: ClusterSite;
    secrets: Pick<SiteSecrets, "clusterCa" | "clusterCaKey" | "admin">;
    director: PreparedDirector;
    masters: PreparedNode[];
    workers: PreparedNode[];
}

export class Cluster extends pulumi.ComponentResource {
    /** The admin kubeconfig; a secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly init: command.remote.Command;
    public readonly masterJoins: command.remote.Command[];
    public readonly workerJoins: command.remote.Command[];
    public readonly calico: command.remote.Command;
    /** Every expected node is Ready: what applications wait for. */
    public readonly ready: command.remote.Command;
    /** Rolls the nodes to the pinned version, one at a time; nothing to do on a fresh site. */
    public readonly upgrade: command.remote.Command;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:cluster:Cluster", name, {}, opts);
        const { site, secrets, director } = args;
        const nodes = [...args.masters, ...args.workers];
        const on: OnDirector = { parent: this, director: director.connection };
        const pki: ClusterPki = pulumi.all([secrets.clusterCa.certPem, secrets.clusterCa.keyPem]).apply(([caCertPem, caKeyPem]) => ({ caCertPem, caKeyPem }));

        const roster = writeRoster(`${name}-roster`, on, nodes, { domainId: director.vm.domain.id, ready: director.ready });
        const steps: KubeadmSteps = {
            ...on,
            roster,
            opsEnv: { OPS_USER: site.access.user, MASTERS: nodeList(site.masters) },
            admit: (node, after) => membership(on, roster, secrets.clusterCaKey, node, after),
        };

        const [first, ...others] = args.masters;
        this.init = initControlPlane(steps, site, first, pki);
        this.kubeconfig = this.adminKubeconfig(site, secrets);
        // the director's kubectl and helm use it once the API answers (the script waits)
        const directorKubeconfig = director.installKubeconfig(this.kubeconfig, site, { dependsOn: [this.init, director.ready] });
        this.calico = installCalico(`${name}-calico`, on, site, [directorKubeconfig, this.init]);
        this.masterJoins = joinMasters(steps, site, others, pki, this.calico, directorKubeconfig);
        const controlPlaneComplete = this.masterJoins.at(-1) ?? this.calico;
        this.workerJoins = joinWorkers(steps, site, args.workers, pki, controlPlaneComplete, directorKubeconfig);
        this.ready = readinessGate(`${name}-ready`, on, nodes, [this.calico, this.init, ...this.masterJoins, ...this.workerJoins]);
        const snapshot = etcdSnapshot(`${name}-etcd-snapshot`, on, site, [this.ready, roster]);
        // after preparation has pointed every node at the new version's package repository,
        // and after a snapshot asked for in the same update: the backup comes before the change
        this.upgrade = rollingUpgrade(`${name}-upgrade`, on, site, [this.ready, roster, ...nodes.map((n) => n.prepared), ...(snapshot ? [snapshot] : [])]);

        this.registerOutputs({ endpoint: controlPlaneEndpoint(site.cluster) });
    }

    /** The admin kubeconfig (kubeadm:cluster-admins), from the site's CA and admin credential. */
    private adminKubeconfig(site: ClusterSite, secrets: ClusterArgs["secrets"]): pulumi.Output<string> {
        const server = `https://${controlPlaneEndpoint(site.cluster)}`;
        return pulumi.secret(
            pulumi.all([secrets.clusterCa.certPem, secrets.admin.certPem, secrets.admin.keyPem]).apply(([caCertPem, clientCertPem, clientKeyPem]) =>
                renderKubeconfig({ clusterName: site.name, server, caCertPem, clientCertPem, clientKeyPem }),
            ),
        );
    }
}
