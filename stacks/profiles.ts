/**
 * The two profiles a stack can select with `kvm-k8s:profile`. A profile gives a complete
 * site; the stack's `kvm-k8s:site` overrides only what differs (objects merge key by key,
 * lists and scalars replace, null removes: overlay.ts), so a new site is one short YAML file.
 * Which releases each profile turns on comes from the catalogue (catalogue.ts).
 */
import { fromSiteRegistry, platformReleases, release } from "./catalogue";
import { ClusterInput, ProfileName, SiteInput, SizeInput } from "./schema";
import { CALICO, calicoImages, DEFAULT_KUBERNETES_VERSION, HELM, KUBE_VIP } from "./versions";

type Role = "director" | "master" | "worker";

/** Rules a profile enforces on top of the schema (checked in validate.ts). */
export interface ProfileRules {
    /** Smallest VM per role; kubeadm preflight needs 2 vCPU and ~1.7 GiB on a control-plane node. */
    minimums: Record<Role, SizeInput>;
    /** Smallest master count (etcd quorum survives one loss only from 3 up). */
    minMasters: number;
    /** Masters on distinct hypervisors, so one host failure never loses etcd quorum. */
    mastersOnDistinctHypervisors: boolean;
}

export interface Profile {
    rules: ProfileRules;
    /** A complete site, before the stack's overrides. Values are plain data: no secrets here. */
    site: SiteInput;
}

/**
 * What both profiles share: pinned versions and the upstream locations of what nodes install.
 * Every version comes from stacks/versions.ts, where each pin says where it was checked and
 * which Kubernetes minors it supports.
 */
const clusterDefaults: Omit<ClusterInput, "endpoint" | "ntpServers" | "airGapped" | "kubelet"> = {
    kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    podSubnet: "10.244.0.0/16",
    serviceSubnet: "10.96.0.0/12",
    certSANs: [],
    aptRepository: "https://pkgs.k8s.io/core:/stable:/v{minor}/deb/",
    registry: { port: 5000, user: "kvmk8s", mirrorImages: [] },
    kubeVip: { image: KUBE_VIP.image },
    calico: { operatorManifest: `https://raw.githubusercontent.com/projectcalico/calico/${CALICO.version}/manifests/tigera-operator.yaml` },
    helm: { version: HELM.version, url: `https://get.helm.sh/helm-${HELM.version}-linux-amd64.tar.gz` },
    etcdSnapshot: 0,
};

const debianCloudImage = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2";

/** One hypervisor, one master, one worker, small sizes: a laptop or lab box. */
const dev: Profile = {
    rules: {
        minimums: {
            director: { vcpu: 1, memoryMiB: 1024, diskGiB: 10 },
            master: { vcpu: 2, memoryMiB: 2048, diskGiB: 20 },
            worker: { vcpu: 1, memoryMiB: 1024, diskGiB: 20 },
        },
        minMasters: 1,
        mastersOnDistinctHypervisors: false,
    },
    site: {
        name: "dev",
        domain: "dev.kvm-k8s.internal",
        hypervisors: [{ name: "hv1", uri: "qemu:///system", domainType: "kvm" }],
        networks: [
            { name: "internal", bridge: "br0", cidr: "192.168.100.0/24", gateway: "192.168.100.1", dns: ["192.168.100.1"] },
        ],
        nodeNetwork: "internal",
        storagePool: { name: "default", create: false },
        // downloaded by the libvirt provider where Pulumi runs, uploaded once per hypervisor
        images: {
            director: { url: debianCloudImage },
            node: { url: debianCloudImage },
        },
        access: { user: "kvmk8s", publicKey: "", extraPublicKeys: [] },
        sizes: {
            director: { vcpu: 1, memoryMiB: 2048, diskGiB: 20 },
            master: { vcpu: 2, memoryMiB: 4096, diskGiB: 30 },
            worker: { vcpu: 2, memoryMiB: 4096, diskGiB: 30 },
        },
        director: { name: "director", hypervisor: "hv1", addresses: { internal: "192.168.100.10" } },
        masters: [{ name: "master-1", hypervisor: "hv1", addresses: { internal: "192.168.100.11" } }],
        workers: [{ name: "worker-1", hypervisor: "hv1", addresses: { internal: "192.168.100.21" } }],
        cluster: {
            ...clusterDefaults,
            // one master: the endpoint is its address, no VIP
            endpoint: { port: 6443 },
            ntpServers: ["0.debian.pool.ntp.org", "1.debian.pool.ntp.org"],
            airGapped: false,
            kubelet: {
                systemReserved: { cpu: "250m", memory: "512Mi" },
                kubeReserved: { cpu: "250m", memory: "512Mi" },
                evictionHard: { "memory.available": "200Mi", "nodefs.available": "10%" },
            },
        },
        // a smaller set: metrics and local storage (ingress-nginx listed, off as in the catalogue)
        apps: {
            releases: {
                "metrics-server": platformReleases["metrics-server"],
                "ingress-nginx": platformReleases["ingress-nginx"],
                "local-path": platformReleases["local-path"],
            },
        },
        stopAfter: "apps",
    },
};

/** Addresses of node `host` on the three reference networks. */
function referenceAddresses(host: number): Record<string, string> {
    return { internal: `10.10.0.${host}`, services: `10.20.0.${host}`, storage: `10.30.0.${host}` };
}

/**
 * The reference site: a director, three masters on svc-1..3, three workers on svc-4..6,
 * three bridged networks (internal, services, storage). Air-gapped: base images are volumes
 * already on each hypervisor; Debian and Kubernetes packages, the Calico manifest and Helm
 * come from the site's mirror host (10.10.0.1, also its gateway, DNS and NTP); charts and
 * images from the director registry.
 */
const prod: Profile = {
    rules: {
        minimums: {
            director: { vcpu: 2, memoryMiB: 4096, diskGiB: 40 },
            master: { vcpu: 2, memoryMiB: 4096, diskGiB: 40 },
            worker: { vcpu: 2, memoryMiB: 4096, diskGiB: 40 },
        },
        minMasters: 3,
        mastersOnDistinctHypervisors: true,
    },
    site: {
        name: "ref",
        domain: "ref.kvm-k8s.internal",
        hypervisors: [1, 2, 3, 4, 5, 6].map((i) => ({ name: `svc-${i}`, uri: `qemu+ssh://root@svc-${i}/system`, domainType: "kvm" as const })),
        networks: [
            { name: "internal", bridge: "br-internal", cidr: "10.10.0.0/24", gateway: "10.10.0.1", dns: ["10.10.0.1"] },
            { name: "services", bridge: "br-services", cidr: "10.20.0.0/24", dns: [] },
            { name: "storage", bridge: "br-storage", cidr: "10.30.0.0/24", dns: [] },
        ],
        nodeNetwork: "internal",
        storagePool: { name: "kvm-k8s", create: true, path: "/var/lib/libvirt/images/kvm-k8s" },
        // staged by hand on every hypervisor in libvirt's `default` pool (/var/lib/libvirt/images):
        // used by name, nothing crosses the connection
        images: {
            director: { volume: "debian-12-genericcloud-amd64.qcow2", pool: "default" },
            node: { volume: "debian-12-genericcloud-amd64.qcow2", pool: "default" },
        },
        access: { user: "kvmk8s", publicKey: "", extraPublicKeys: [] },
        sizes: {
            director: { vcpu: 2, memoryMiB: 4096, diskGiB: 100 },
            master: { vcpu: 4, memoryMiB: 8192, diskGiB: 60 },
            worker: { vcpu: 8, memoryMiB: 16384, diskGiB: 100 },
        },
        director: { name: "director", hypervisor: "svc-1", addresses: referenceAddresses(10) },
        masters: [1, 2, 3].map((i) => ({
            name: `master-${i}`,
            hypervisor: `svc-${i}`,
            addresses: referenceAddresses(10 + i),
        })),
        workers: [1, 2, 3].map((i) => ({
            name: `worker-${i}`,
            hypervisor: `svc-${3 + i}`,
            addresses: referenceAddresses(20 + i),
        })),
        cluster: {
            ...clusterDefaults,
            endpoint: { vip: "10.20.0.5", network: "services", port: 6443 },
            // the site's own time source: reference sites have no route to public NTP
            ntpServers: ["10.10.0.1"],
            airGapped: true,
            // the site's mirror host: nothing below is fetched from the internet
            debianMirror: { url: "http://10.10.0.1/debian", security: "http://10.10.0.1/debian-security" },
            aptRepository: "http://10.10.0.1/kubernetes/core:/stable:/v{minor}/deb/",
            calico: { operatorManifest: `http://10.10.0.1/kvm-k8s/tigera-operator-${CALICO.version}.yaml` },
            helm: { version: HELM.version, url: `http://10.10.0.1/kvm-k8s/helm-${HELM.version}-linux-amd64.tar.gz` },
            registry: {
                port: 5000,
                user: "kvmk8s",
                // the mirror host's registry holds the images the director copies in
                mirrorFrom: "10.10.0.1:5000",
                // what kube-vip and Calico pull (stacks/versions.ts); kubeadm's images are derived
                // from kubernetesVersion (stacks/kubeadm-images.ts) and copied in as well
                mirrorImages: [KUBE_VIP.image, ...calicoImages()],
            },
            kubelet: {
                systemReserved: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" },
                kubeReserved: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" },
                evictionHard: { "memory.available": "500Mi", "nodefs.available": "10%", "imagefs.available": "15%" },
            },
        },
        // air-gapped: every chart from the director registry (pushed there with `helm push`)
        apps: {
            releases: fromSiteRegistry({
                ...platformReleases,
                // local disks are for the nodes; volumes live on the storage network's NFS
                "local-path": { ...platformReleases["local-path"], enabled: false },
                // Consul servers keep their raft data on persistent volumes
                consul: { ...platformReleases.consul, dependsOn: ["nfs-storage"] },
                // the reference deployment's IoT platform: an MQTT broker. Nothing here announces
                // a Service's externalIPs, so it listens on a fixed NodePort of every node.
                "iot-broker": release({
                    chart: { repo: "https://repos.emqx.io/charts", name: "emqx" },
                    version: "5.8.3",
                    namespace: "iot",
                    values: { replicaCount: 3, service: { type: "NodePort", nodePorts: { mqtt: 31883 } } },
                    dependsOn: ["nfs-storage"],
                }),
            }),
        },
        stopAfter: "apps",
    },
};

export const profiles: Record<ProfileName, Profile> = { dev, prod };
