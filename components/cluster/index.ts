/**
 * The kubeadm bootstrap and what keeps membership right on later days.
 *
 * Order, each arrow a dependsOn:
 *   director ready -> every node prepared (in parallel)
 *   -> kubeadm init on the first master (once that master is prepared)
 *   -> Calico, right after init as upstream does it: a node is NotReady until a CNI config
 *      exists, so with the CNI first every node turns Ready as it joins
 *   -> the other masters join, one at a time (etcd grows by one member per step)
 *   -> workers join, in parallel
 *   -> readiness gate (every node Ready) -> upgrade (a no-op unless the version moved)
 * Every kubeadm step (init and each join) runs from the director (join-node.sh), which mints
 * credentials for that one join (a 15-minute bootstrap token with a random id; for a master
 * a fresh certificate key and re-uploaded certificates), streams them to the node with the
 * node's script and deletes them afterwards: nothing in state can join a node. Before each
 * join the node's membership Command checks the director can reach it; deleting that
 * Command drains and removes the node. Each membership and each join waits for its own
 * node's preparation directly: a node added or rebuilt on a later day has no other path to it.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NodeSpec, SiteConfig } from "../../stacks";
import { controlPlaneEndpoint, JoinSecrets, kubeadmInitConfig, kubeadmJoinConfig } from "../control-plane/kubeadm";
import { kubeVipManifest } from "../control-plane/kube-vip";
import { Director } from "../director";
import { envPrelude, filesPayload, lifecycleCommand, loadScript, ManagedFile, Script, scriptCommand } from "../remote";
import { SiteSecrets } from "../secrets";
import { PreparedNode } from "../vm/group";
import { calicoInstallation } from "./calico";
import { renderKubeconfig } from "./kubeconfig";

export const scripts = {
    init: loadScript("components/control-plane/scripts/init-control-plane.sh"),
    joinMaster: loadScript("components/control-plane/scripts/join-control-plane.sh"),
    joinWorker: loadScript("components/workers/scripts/join-worker.sh"),
    calico: loadScript("components/cluster/scripts/install-calico.sh"),
    roster: loadScript("components/cluster/scripts/write-roster.sh"),
    removeNode: loadScript("components/cluster/scripts/remove-node.sh"),
    waitReady: loadScript("components/cluster/scripts/wait-nodes-ready.sh"),
    joinNode: loadScript("components/cluster/scripts/join-node.sh"),
    admitNode: loadScript("components/cluster/scripts/admit-node.sh"),
    upgradeCluster: loadScript("components/cluster/scripts/upgrade-cluster.sh"),
    upgradeNode: loadScript("components/cluster/scripts/upgrade-node.sh"),
    etcdSnapshot: loadScript("components/cluster/scripts/etcd-snapshot.sh"),
};

/** `name=address` of each node, in order: how director scripts reach nodes with the ops key. */
export const nodeList = (nodes: NodeSpec[]): string => nodes.map((n) => `${n.hostname}=${n.address}`).join(" ");

export interface ClusterArgs {
    site: SiteConfig;
    secrets: SiteSecrets;
    director: Director;
    masters: PreparedNode[];
    workers: PreparedNode[];
}

/** kubeadm files for one node: its join config, and on masters the kube-vip manifest. */
export function nodeFiles(site: SiteConfig, node: NodeSpec, secrets: JoinSecrets): ManagedFile[] {
    const files: ManagedFile[] = [{ path: "/etc/kvm-k8s/kubeadm-join.yaml", mode: "0600", content: kubeadmJoinConfig(site, node, secrets) }];
    const kubeVip = node.role === "master" ? kubeVipManifest(site.cluster) : undefined;
    if (kubeVip !== undefined) {
        files.push({ path: "/etc/kvm-k8s/kube-vip.yaml", mode: "0600", content: kubeVip });
    }
    return files;
}

/** What the first master gets: the cluster CA (kubeadm uses it rather than making one), init and join configs. */
export function initFiles(site: SiteConfig, secrets: JoinSecrets & { caKeyPem: string }): ManagedFile[] {
    return [
        { path: "/etc/kubernetes/pki/ca.crt", mode: "0644", content: secrets.caCertPem },
        { path: "/etc/kubernetes/pki/ca.key", mode: "0600", content: secrets.caKeyPem },
        { path: "/etc/kvm-k8s/kubeadm-init.yaml", mode: "0600", content: kubeadmInitConfig(site) },
        ...nodeFiles(site, site.masters[0], secrets),
    ];
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
        const child = { parent: this };
        const pki = pulumi.all([secrets.clusterCa.certPem, secrets.clusterCa.keyPem]).apply(([caCertPem, caKeyPem]) => ({ caCertPem, caKeyPem }));
        const endpoint = controlPlaneEndpoint(site.cluster);
        const allPrepared = [...args.masters, ...args.workers].map((n) => n.prepared);
        const opsEnv = { OPS_USER: site.access.user, MASTERS: nodeList(site.masters) };

        const expected = [...site.masters, ...site.workers].map((n) => n.hostname);
        // The nodes the site expects now, and their host keys for the director's ops logins.
        // Node removals read the roster to tell a rebuild (wait for it to come back) from a
        // removal (components/cluster/scripts/remove-node.sh).
        const knownHosts = pulumi
            .all([...args.masters, ...args.workers].map((n) => n.vm.hostPublicKey.apply((k) => `${n.vm.node.address} ${k}`)))
            .apply((lines) => lines.join("\n"));
        const roster = scriptCommand(
            `${name}-roster`,
            {
                connection: director.connection,
                script: scripts.roster,
                env: { ROSTER: expected.join(" "), KNOWN_HOSTS: knownHosts },
                // a rebuilt director needs its roster and known_hosts written again
                triggers: [director.vm.domain.id],
            },
            { ...child, dependsOn: [director.ready] },
        );

        /**
         * A node's membership, from the director. Created before the node joins: checks the
         * director can reach it (roster, host key); it holds no credential. Deleted before the
         * node's VM (its triggers hold the domain id, and it is delete-before-replace): drain,
         * etcd member removal, Node deletion, one node at a time. `deletedWith` the cluster CA:
         * destroying the whole site skips the drains instead of hanging on them.
         */
        const membership = (node: PreparedNode, dependsOn: pulumi.Resource[]) =>
            lifecycleCommand(
                `${node.vm.node.hostname}-membership`,
                {
                    connection: director.connection,
                    onCreate: scripts.admitNode,
                    env: { NODE: node.vm.node.hostname, ADDRESS: node.vm.node.address },
                    onDelete: scripts.removeNode,
                    deleteEnv: { NODE: node.vm.node.hostname, ROLE: node.vm.node.role, DRAIN_TIMEOUT_SECONDS: "600", WAIT_TIMEOUT_SECONDS: "900" },
                    triggers: [node.vm.domain.id],
                },
                // its own node's preparation: the drain talks to that node
                { ...child, dependsOn: [roster, node.prepared, ...dependsOn], deletedWith: secrets.clusterCaKey },
            );

        /**
         * A node's kubeadm step, run from the director (join-node.sh) with credentials minted
         * for this one join. `nodeEnv` is what the node script gets (secret when it holds the
         * CA key); the node script's hash is in the triggers, so an edited script re-runs.
         */
        const kubeadmStep = (node: PreparedNode, nodeScript: Script, nodeEnv: pulumi.Input<Record<string, string>>, dependsOn: pulumi.Resource[]) =>
            scriptCommand(
                `${node.vm.node.hostname}-${node === args.masters[0] ? "init" : "join"}`,
                {
                    connection: director.connection,
                    script: scripts.joinNode,
                    env: pulumi.output(nodeEnv).apply((env) => ({
                        NODE: node.vm.node.hostname,
                        ROLE: node.vm.node.role,
                        ADDRESS: node.vm.node.address,
                        ...opsEnv,
                        // the node loads the library its preparation installed
                        NODE_SCRIPT: Buffer.from(nodeScript.content).toString("base64"),
                        NODE_ENV: Buffer.from(envPrelude(env)).toString("base64"),
                    })),
                    triggers: [nodeScript.hash, node.vm.domain.id],
                },
                // the director reaches the node with its ops key once the roster has its host key
                { ...child, dependsOn: [roster, node.prepared, ...dependsOn] },
            );

        const [first, ...others] = args.masters;
        const firstMembership = membership(first, []);
        // On a fresh site there is no cluster: kubeadm init, with its own 15-minute token.
        // A rebuilt first master joins the running cluster with credentials minted for it.
        this.init = kubeadmStep(
            first,
            scripts.init,
            pki.apply((p) => ({ CONTROL_PLANE_ENDPOINT: endpoint, KVMK8S_FILES: filesPayload(initFiles(site, p)) })),
            [firstMembership],
        );

        this.kubeconfig = pulumi.secret(
            pulumi.all([secrets.clusterCa.certPem, secrets.admin.certPem, secrets.admin.keyPem]).apply(([caCertPem, clientCertPem, clientKeyPem]) =>
                renderKubeconfig({ clusterName: site.name, server: `https://${endpoint}`, caCertPem, clientCertPem, clientKeyPem }),
            ),
        );
        // the director's kubectl and helm use it once the API answers (the script waits)
        const directorKubeconfig = director.installKubeconfig(this.kubeconfig, site, { dependsOn: [this.init, director.ready] });

        // The CNI right after init: nodes turn Ready as they join (no node is Ready before a
        // CNI config exists), so a later master's join finds a Ready control plane.
        this.calico = scriptCommand(
            `${name}-calico`,
            {
                connection: director.connection,
                script: scripts.calico,
                env: {
                    CALICO_OPERATOR_MANIFEST: site.cluster.calico.operatorManifest,
                    KVMK8S_FILES: filesPayload([{ path: "/etc/kvm-k8s/calico-installation.yaml", mode: "0644", content: calicoInstallation(site) }]),
                },
            },
            { ...child, dependsOn: [directorKubeconfig, this.init] },
        );

        // One master at a time: each join adds an etcd member, and two joining at once can
        // leave etcd without quorum.
        this.masterJoins = [];
        let previous: command.remote.Command = this.calico;
        for (const master of others) {
            const admitted = membership(master, [previous, directorKubeconfig]);
            previous = kubeadmStep(master, scripts.joinMaster, pki.apply((p) => ({ KVMK8S_FILES: filesPayload(nodeFiles(site, master.vm.node, p)) })), [admitted]);
            this.masterJoins.push(previous);
        }
        const controlPlaneComplete = previous;

        // Workers only need a working control plane; they join side by side.
        this.workerJoins = args.workers.map((worker) =>
            kubeadmStep(worker, scripts.joinWorker, pki.apply((p) => ({ KVMK8S_FILES: filesPayload(nodeFiles(site, worker.vm.node, p)) })), [
                membership(worker, [controlPlaneComplete, directorKubeconfig]),
            ]),
        );

        const joins = [this.init, ...this.masterJoins, ...this.workerJoins];
        this.ready = scriptCommand(
            `${name}-ready`,
            {
                connection: director.connection,
                script: scripts.waitReady,
                // addresses: each kubelet's serving certificate is approved for exactly its own
                env: { EXPECTED_NODES: expected.join(" "), NODE_ADDRESSES: nodeList([...site.masters, ...site.workers]), TIMEOUT_SECONDS: "900" },
                // checked again whenever a node was rebuilt
                triggers: [...args.masters, ...args.workers].map((n) => n.vm.domain.id),
            },
            { ...child, dependsOn: [this.calico, ...joins] },
        );

        // A changed version replaces this Command (it is in the triggers), which rolls the
        // nodes: masters first, then workers drained one at a time. Its script refuses a
        // skipped minor or a downgrade before touching any node. On a fresh site every node
        // is already at the version and it does nothing.
        this.upgrade = scriptCommand(
            `${name}-upgrade`,
            {
                connection: director.connection,
                script: scripts.upgradeCluster,
                env: {
                    TARGET_VERSION: site.cluster.kubernetesVersion,
                    KUBERNETES_APT_REPO: site.cluster.aptRepository,
                    MASTERS: nodeList(site.masters),
                    WORKERS: nodeList(site.workers),
                    OPS_USER: site.access.user,
                    DRAIN_TIMEOUT_SECONDS: "600",
                    // streamed to nodes over SSH, so it carries the library itself
                    KVMK8S_FILES: filesPayload([{ path: "/usr/local/lib/kvm-k8s/upgrade-node.sh", mode: "0755", content: scripts.upgradeNode.standalone }]),
                },
                triggers: [scripts.upgradeNode.hash, site.cluster.kubernetesVersion],
            },
            // after preparation has pointed every node at the new version's package repository
            { ...child, dependsOn: [this.ready, roster, ...allPrepared] },
        );

        if (site.cluster.etcdSnapshot > 0) {
            // Bumping the counter replaces this Command, which takes one more snapshot.
            scriptCommand(
                `${name}-etcd-snapshot`,
                {
                    connection: director.connection,
                    script: scripts.etcdSnapshot,
                    env: { SNAPSHOT_ID: String(site.cluster.etcdSnapshot), SITE: site.name, BACKUP_DIR: "/var/backups/kvm-k8s", ...opsEnv },
                    triggers: [site.cluster.etcdSnapshot],
                },
                { ...child, dependsOn: [this.ready, roster] },
            );
        }

        this.registerOutputs({ endpoint });
    }
}
