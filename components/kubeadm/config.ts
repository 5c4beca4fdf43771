/**
 * kubeadm configuration, built as objects for the kubeadm API that matches the pinned
 * Kubernetes version, then serialized. Pure: tested with golden files.
 */
import { createHash, X509Certificate } from "crypto";
import * as YAML from "yaml";
import { ClusterConfig, NodeSpec, SiteConfig } from "../../stacks";

/** What kubeadm's documents read from the site. */
export type KubeadmSite = Pick<SiteConfig, "name" | "cluster" | "masters">;

/**
 * kubeadm's config API for the supported minors (1.35 to 1.37, stacks/versions.ts): v1beta4.
 * kubeadm 1.37 removed v1beta3 and added `v1`, but v1beta4 stays its preferred version
 * (cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go at v1.37.2), so one API serves every minor.
 */
export function kubeadmApiVersion(_minor: number): string {
    return "kubeadm.k8s.io/v1beta4";
}

/** v1beta4 writes `extraArgs` as lists of {name, value}. */
function extraArgs(_minor: number, args: Record<string, string>): unknown {
    return Object.entries(args).map(([name, value]) => ({ name, value }));
}

/** What the kubeadm documents need from the program's PKI. */
export interface JoinSecrets {
    /** The cluster CA certificate (PEM) the program generated; joins pin its public key. */
    caCertPem: string;
}

/**
 * Placeholders in the JoinConfiguration on disk: the join credentials exist only for one
 * join, minted on the director (components/kubeadm/scripts/join-node.sh), streamed to the
 * node and substituted into a temporary copy (lib.sh `join_config`). Neither Pulumi state
 * nor the node's files hold a credential that can join a node.
 */
export const JOIN_TOKEN_PLACEHOLDER = "@JOIN_TOKEN@";
export const CERTIFICATE_KEY_PLACEHOLDER = "@CERTIFICATE_KEY@";

/** `sha256:<hex>` of the CA's SubjectPublicKeyInfo, as `--discovery-token-ca-cert-hash` wants. */
export function caCertHash(caCertPem: string): string {
    const spki = new X509Certificate(caCertPem).publicKey.export({ type: "spki", format: "der" });
    return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}

export const CRI_SOCKET = "unix:///var/run/containerd/containerd.sock";

/** Where kubeadm pulls control-plane images: the director registry on air-gapped sites. */
export function imageRepository(cluster: ClusterConfig): string | undefined {
    return cluster.airGapped ? `${cluster.registry.host}:${cluster.registry.port}` : undefined;
}

export function controlPlaneEndpoint(cluster: ClusterConfig): string {
    return `${cluster.endpoint.host}:${cluster.endpoint.port}`;
}

function nodeRegistration(cluster: ClusterConfig, node: NodeSpec): Record<string, unknown> {
    const registration: Record<string, unknown> = {
        name: node.hostname,
        criSocket: CRI_SOCKET,
        // kubelet must announce the node-network address, not whichever NIC has the route
        kubeletExtraArgs: extraArgs(cluster.minor, { "node-ip": node.address }),
    };
    if (node.role === "master" && cluster.endpoint.vip !== undefined) {
        // kube-vip's static pod manifest is placed before init/join
        registration.ignorePreflightErrors = ["DirAvailable--etc-kubernetes-manifests"];
    }
    return registration;
}

/**
 * The token of `kubeadm init` itself: no value, so kubeadm generates it on the master, and
 * 15 minutes of life. Nothing joins with it: every join gets its own (join-node.sh).
 */
function initBootstrapToken(): Record<string, unknown> {
    return {
        ttl: "15m0s",
        usages: ["signing", "authentication"],
        groups: ["system:bootstrappers:kubeadm:default-node-token"],
    };
}

export function clusterConfiguration(site: KubeadmSite): Record<string, unknown> {
    const { cluster } = site;
    const sans = [...new Set([cluster.endpoint.host, ...site.masters.flatMap((m) => [m.address, m.hostname, m.fqdn]), ...cluster.certSANs])];
    const doc: Record<string, unknown> = {
        apiVersion: kubeadmApiVersion(cluster.minor),
        kind: "ClusterConfiguration",
        clusterName: site.name,
        kubernetesVersion: `v${cluster.kubernetesVersion}`,
        controlPlaneEndpoint: controlPlaneEndpoint(cluster),
        networking: { podSubnet: cluster.podSubnet, serviceSubnet: cluster.serviceSubnet, dnsDomain: "cluster.local" },
        apiServer: { certSANs: sans },
    };
    const repository = imageRepository(cluster);
    if (repository !== undefined) {
        doc.imageRepository = repository;
        // With a custom repository kubeadm drops CoreDNS's `coredns/` path; the registry keeps
        // upstream paths (registry.k8s.io/coredns/coredns), so say where it is.
        doc.dns = { imageRepository: `${repository}/coredns` };
    }
    return doc;
}

/**
 * The kubelet's own hard-eviction defaults on Linux (kubelet docs, "Node-pressure eviction").
 * Setting any `evictionHard` threshold sets every unset one to zero, so all four are always
 * written: the site's values over these.
 */
export const EVICTION_HARD_DEFAULTS: Readonly<Record<string, string>> = {
    "memory.available": "100Mi",
    "nodefs.available": "10%",
    "nodefs.inodesFree": "5%",
    "imagefs.available": "15%",
};

/**
 * Reservations and eviction for every node, in the KubeletConfiguration (the
 * `--system-reserved`/`--kube-reserved`/`--eviction-hard` flags are deprecated). kubeadm
 * stores it in the kubelet-config ConfigMap at init, and every join writes it to the node.
 */
export function kubeletConfiguration(cluster: Pick<ClusterConfig, "kubelet">): Record<string, unknown> {
    const { systemReserved, kubeReserved, evictionHard } = cluster.kubelet;
    const doc: Record<string, unknown> = {
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        cgroupDriver: "systemd",
        // a serving certificate from the cluster CA (a kubernetes.io/kubelet-serving CSR), not a
        // self-signed one: metrics-server and the API server can verify kubelets. The readiness
        // gate approves each node's CSR after checking its names (wait-nodes-ready.sh).
        serverTLSBootstrap: true,
    };
    if (Object.keys(systemReserved).length > 0) {
        doc.systemReserved = { ...systemReserved };
    }
    if (Object.keys(kubeReserved).length > 0) {
        doc.kubeReserved = { ...kubeReserved };
    }
    doc.evictionHard = { ...EVICTION_HARD_DEFAULTS, ...evictionHard };
    return doc;
}

const serialize = (docs: Record<string, unknown>[]): string => docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join("---\n");

/** InitConfiguration + ClusterConfiguration + KubeletConfiguration for the first master. */
export function kubeadmInitConfig(site: KubeadmSite): string {
    const node = site.masters[0];
    const init = {
        apiVersion: kubeadmApiVersion(site.cluster.minor),
        kind: "InitConfiguration",
        bootstrapTokens: [initBootstrapToken()],
        // the API server listens on the endpoint's port: kube-vip forwards nothing, it only
        // moves the VIP, so the port clients dial is the port each API server binds
        localAPIEndpoint: { advertiseAddress: node.address, bindPort: site.cluster.endpoint.port },
        nodeRegistration: nodeRegistration(site.cluster, node),
    };
    return serialize([init, clusterConfiguration(site), kubeletConfiguration(site.cluster)]);
}

/** JoinConfiguration for `node`: a control-plane join for masters, a plain one for workers. */
export function kubeadmJoinConfig(site: KubeadmSite, node: NodeSpec, secrets: JoinSecrets): string {
    const join: Record<string, unknown> = {
        apiVersion: kubeadmApiVersion(site.cluster.minor),
        kind: "JoinConfiguration",
        discovery: {
            bootstrapToken: {
                apiServerEndpoint: controlPlaneEndpoint(site.cluster),
                token: JOIN_TOKEN_PLACEHOLDER,
                // the program made the CA, so joins verify it instead of trusting the network
                caCertHashes: [caCertHash(secrets.caCertPem)],
            },
        },
        nodeRegistration: nodeRegistration(site.cluster, node),
    };
    if (node.role === "master") {
        join.controlPlane = { localAPIEndpoint: { advertiseAddress: node.address, bindPort: site.cluster.endpoint.port }, certificateKey: CERTIFICATE_KEY_PLACEHOLDER };
    }
    return serialize([join]);
}
