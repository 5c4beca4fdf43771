/**
 * The shape of a site's configuration (`kvm-k8s:site` merged over its profile), checked
 * with zod. Cross-field rules (names that must exist, addresses inside their network,
 * uniqueness) live in validate.ts; this file only says what each field may hold.
 */
import { z } from "zod";
import { parsePublicKey } from "./sshkeys";
import { KUBE_VIP } from "./versions";
import { closest } from "./suggest";
import { libvirtUriProblems } from "./libvirt-uri";
import { describe } from "./issues";

/** A string schema whose refusals come from `problem` (undefined or []: fine), each with its own fix. */
const checked = (problem: (value: string) => string | readonly string[] | undefined, typeError: string) =>
    z.string({ error: typeError }).superRefine((value, ctx) => {
        for (const message of [problem(value) ?? []].flat()) {
            ctx.addIssue({ code: "custom", message });
        }
    });

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const dnsLabel = z
    .string()
    .regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, {
        error: "must be a lowercase DNS label of at most 32 characters (a-z, 0-9, '-'), e.g. 'master-1'",
    });

const ipv4 = z.ipv4({ error: "must be an IPv4 address, e.g. '10.10.0.11'" });

const mac = z
    .string()
    .regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, {
        error: "must be a lowercase MAC address, e.g. '52:54:00:12:34:56'",
    })
    .refine((m) => (parseInt(m.slice(0, 2), 16) & 1) === 0, {
        error: "is a multicast MAC (lowest bit of the first octet set); use a unicast one such as 52:54:00:xx:xx:xx",
    })
    .refine((m) => m !== "00:00:00:00:00:00", { error: "is the all-zero MAC, which no NIC may carry; use one such as 52:54:00:xx:xx:xx, or leave it out to have one derived" })
    .refine((m) => !m.startsWith("fe:"), { error: "starts with fe:, the prefix libvirt gives the host side of every tap device; use 52:54:00:xx:xx:xx" })
    .refine((m) => !/^00:00:5e:00:0[12]:/.test(m), { error: "is a VRRP virtual router MAC (00:00:5e:00:01/02:xx, RFC 5798); use 52:54:00:xx:xx:xx" });

/** Upper bounds that catch a wrong unit (MiB written as KiB, GiB as MiB) before libvirt does. */
export const MAX_SIZE = { vcpu: 255, memoryMiB: 1048576, diskGiB: 16384 };

/** Size of a VM. Every node inherits its role's size from `sizes` and may override any field. */
const size = {
    /** Virtual CPUs. Changing it rebuilds the VM (libvirt Domain `vcpu` forces replacement). */
    vcpu: z
        .int({ error: "must be a whole number of vCPUs, e.g. 2" })
        .positive({ error: "must be at least 1" })
        .max(MAX_SIZE.vcpu, { error: `must be at most ${MAX_SIZE.vcpu}: QEMU's pc machine type, which every VM uses, takes no more vCPUs` }),
    /** Memory in MiB, e.g. 4096. Changing it rebuilds the VM. */
    memoryMiB: z
        .int({ error: "must be a whole number of MiB, e.g. 4096" })
        .positive({ error: "must be at least 1" })
        .max(MAX_SIZE.memoryMiB, { error: `must be at most ${MAX_SIZE.memoryMiB} (1 TiB); the unit is MiB, so 16 GiB is 16384` }),
    /** Root disk in GiB, e.g. 40. Changing it rebuilds the root volume and so the VM. */
    diskGiB: z
        .int({ error: "must be a whole number of GiB, e.g. 40" })
        .positive({ error: "must be at least 1" })
        .max(MAX_SIZE.diskGiB, { error: `must be at most ${MAX_SIZE.diskGiB} (16 TiB); the unit is GiB, so 100 GiB is 100` }),
};

export const sizeSchema = z.strictObject(size);

/**
 * One VM. Example:
 * `{name: master-1, hypervisor: svc-1, addresses: {internal: 10.10.0.11, services: 10.20.0.11}}`
 * The hostname is `<site>-<name>`; the VM gets one NIC per network it has an address on.
 */
export const nodeSchema = z.strictObject({
    /** Short name, unique in the site; the hostname is `<site>-<name>`. */
    name: dnsLabel,
    /** Name of the hypervisor (from `hypervisors`) that runs this VM. */
    hypervisor: z.string().min(1, { error: "must name a hypervisor" }),
    /** Static address per network name; the VM gets a NIC on exactly these networks. */
    addresses: z.record(z.string(), ipv4),
    /** Optional fixed MAC per network (default: derived from site, node and network). */
    macs: z.record(z.string(), mac).optional(),
    /** Base image name from `images` (default: `director` for the director, `node` otherwise). */
    image: z.string({ error: "must name an image of site.images, e.g. 'node'" }).min(1, { error: "must name an image of site.images, e.g. 'node'" }).optional(),
    vcpu: size.vcpu.optional(),
    memoryMiB: size.memoryMiB.optional(),
    diskGiB: size.diskGiB.optional(),
    /** Bump to rebuild this VM from its image (drain and rejoin come with the bootstrap). */
    rebuild: z
        .int({ error: "must be a whole number; bump it by one to rebuild this VM" })
        .nonnegative({ error: "must be 0 or more; bump it by one to rebuild this VM" })
        .optional(),
});

/** The image of a node that names none (see `image` above). */
export const defaultImage = (role: "director" | "master" | "worker"): string => (role === "director" ? "director" : "node");

export const hypervisorSchema = z.strictObject({
    name: dnsLabel,
    /** libvirt connection URI the libvirt provider can dial, e.g. `qemu+ssh://root@svc-1/system` (libvirt-uri.ts). */
    uri: checked(libvirtUriProblems, "must be a libvirt QEMU URI, e.g. 'qemu+ssh://root@svc-1/system' or 'qemu:///system'"),
    /**
     * libvirt domain type: `kvm` (default) for hardware virtualization; `qemu` for software
     * emulation (TCG) on a host without /dev/kvm (a lab in a VM without nested
     * virtualization, a CI machine): 20-30x slower, VMs get QEMU's `maximum` CPU model.
     */
    domainType: z.enum(["kvm", "qemu"], { error: "must be 'kvm' (hardware virtualization) or 'qemu' (software emulation, for a host without /dev/kvm)" }).default("kvm"),
});

export const networkSchema = z.strictObject({
    /** Also the guest's interface name (cloud-init renames the NIC), so at most 15 characters. */
    name: z.string().regex(/^[a-z]([a-z0-9-]{0,13}[a-z0-9])?$/, {
        error: "must be a lowercase DNS label of at most 15 characters (it names the VM's interface), e.g. 'internal'",
    }),
    /** Host bridge every hypervisor has for this network, e.g. `br-internal`. */
    bridge: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, {
        error: "must be a Linux interface name of 1 to 15 characters, e.g. 'br-internal'",
    }),
    cidr: z.cidrv4({ error: "must be an IPv4 CIDR, e.g. '10.10.0.0/24'" }),
    /** Default gateway; at most one network of a site carries the default route. */
    gateway: ipv4.optional(),
    /** DNS servers handed to VMs on this network. */
    dns: z.array(ipv4).default([]),
});

/**
 * Where a base image comes from; exactly one of three. Changing it replaces every VM cloned
 * from it (they are rebuilt one per `pulumi up`, see rollout.ts).
 * - `{url}`: an http(s) URL the libvirt provider downloads (on the machine running Pulumi)
 *   and uploads into each hypervisor's pool, as a base volume the program owns;
 * - `{file}`: an absolute path of a qcow2 on the machine running Pulumi, uploaded once per
 *   hypervisor that runs a VM of this image, as a base volume the program owns;
 * - `{volume, pool?}`: a volume that already exists on every hypervisor that needs it, in
 *   `pool` (default: the site's `storagePool`); used by name, nothing uploaded, no base volume
 *   created or deleted by the program.
 */
export const imageSchema = z.union(
    [
        z.strictObject({ url: z.string().regex(/^https?:\/\/\S+$/, { error: "must be an http(s) URL, e.g. 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2'" }) }),
        z.strictObject({ file: z.string().regex(/^\/\S+$/, { error: "must be an absolute path on the machine running Pulumi, e.g. '/srv/images/debian-12-genericcloud-amd64.qcow2'" }) }),
        z.strictObject({
            volume: z.string().regex(/^[A-Za-z0-9_.+-]+$/, { error: "must be a libvirt volume name, e.g. 'debian-12-genericcloud-amd64.qcow2'" }),
            pool: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: "must be a libvirt pool name, e.g. 'default'" }).optional(),
        }),
    ],
    { error: "must be one of {url} (downloaded by the libvirt provider), {file} (a qcow2 on the machine running Pulumi, uploaded) or {volume, pool?} (already on the hypervisor)" },
);

const POOL_PATH_TYPE = "must be an absolute path, e.g. '/var/lib/libvirt/images/kvm-k8s'";

/** The path libvirt stores for a pool's target (virFileSanitizePath): '/' runs collapsed, no trailing '/', a leading '//' kept. */
function libvirtSanitizedPath(path: string): string {
    const lead = /^\/\/(?!\/)/.test(path) ? "//" : "";
    const rest = path.slice(lead.length).replace(/\/{2,}/g, "/");
    return lead + (rest.length > 1 || lead !== "" ? rest.replace(/\/$/, "") : rest);
}

/**
 * A pool path libvirt would store otherwise: the provider's CustomizeDiff compares the path it
 * reads back with the one given, and forces a new pool (so new volumes and VMs) on every update.
 */
function poolPathProblem(path: string): string | undefined {
    if (!/^\/\S*$/.test(path)) {
        return POOL_PATH_TYPE;
    }
    const stored = libvirtSanitizedPath(path);
    const fix = path.replace(/\/{2,}/g, "/").replace(/(.)\/$/, "$1");
    if (stored !== path) {
        const faults = [/.\/\/|^\/{3}/.test(path) ? "a doubled '/'" : undefined, path.length > 1 && path.endsWith("/") ? "a trailing '/'" : undefined].filter((f) => f !== undefined).join(" and ");
        return `'${path}' has ${faults}: libvirt stores the pool's path as '${stored}', and the libvirt provider (terraform-provider-libvirt 0.8.1) would read that back as a changed path and replace the pool on every later update, and with it every volume and VM in it; write '${fix}'`;
    }
    if (fix !== path) {
        return `'${path}' starts with '//', which POSIX lets a system read as other than '/'; write '${fix}'`;
    }
    return undefined;
}

export const storagePoolSchema = z.strictObject({
    /** libvirt storage pool that holds base images, root disks and cloud-init disks. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: "must be a libvirt pool name, e.g. 'kvm-k8s'" }),
    /** Create the pool (a `dir` pool at `path`) on every hypervisor, or use an existing one. */
    create: z.boolean({ error: "must be true or false" }),
    /** The pool's directory, written as libvirt stores it (no trailing or doubled '/'). */
    path: checked(poolPathProblem, POOL_PATH_TYPE).optional(),
});

const SET_PUBLIC_KEY = "set it with `pulumi config set --path site.access.publicKey \"$(cat ~/.ssh/<key>.pub)\"`";

function publicKeyProblem(line: string): string | undefined {
    if (line.trim() === "") {
        return `missing; every VM lets the login user in with this key only: ${SET_PUBLIC_KEY}`;
    }
    if (/PRIVATE KEY-----/.test(line)) {
        return `is a private key; it must never be in the stack file in plain text: remove it, then ${SET_PUBLIC_KEY} (the .pub file)`;
    }
    const parsed = parsePublicKey(line);
    return parsed.ok ? undefined : `must be a whole OpenSSH public key line, but ${parsed.problem}; ${SET_PUBLIC_KEY}`;
}

function extraPublicKeyProblem(line: string): string | undefined {
    if (/PRIVATE KEY-----/.test(line)) {
        return "is a private key; it must never be in the stack file in plain text: put the .pub file's line here";
    }
    const parsed = parsePublicKey(line);
    return parsed.ok ? undefined : `must be a whole OpenSSH public key line (the .pub file), but ${parsed.problem}`;
}

export const accessSchema = z.strictObject({
    /** Login user created on every VM (passwordless sudo, key-only SSH). */
    user: z
        .string()
        .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: "must be a Linux user name, e.g. 'kvmk8s'" })
        .refine((u) => u !== "root", { error: "must not be 'root'; cloud-init disables root login" }),
    /** The public half of `kvm-k8s:sshPrivateKey`, in OpenSSH format. */
    publicKey: checked(publicKeyProblem, `must be an OpenSSH public key line; ${SET_PUBLIC_KEY}`),
    /**
     * More public keys the login user accepts, beside `publicKey`: how a login key is rotated
     * without losing the VMs (README, Day 2, "Rotate the login key"): add the next key here and run
     * `pulumi up`, then make it the login key.
     */
    extraPublicKeys: z.array(checked(extraPublicKeyProblem, "must be an OpenSSH public key line, e.g. the contents of ~/.ssh/next.pub")).default([]),
});

const quantity = z.string().regex(/^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|%)?$/, {
    error: "must be a Kubernetes quantity, e.g. '500m', '1Gi' or '10%'",
});

/** What is wrong with a Kubernetes version as written, with the fix for that very mistake. */
function kubernetesVersionProblem(version: string): string | undefined {
    const general = "must be a full Kubernetes version such as '1.31.4' (no 'v' prefix, no ranges)";
    if (/^v\d/.test(version)) {
        return `${general}: write '${version.slice(1)}'`;
    }
    const parts = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
    if (parts === null) {
        return general;
    }
    const fixed = parts.slice(1).map((p) => String(Number(p))).join(".");
    if (fixed !== version) {
        return `'${version}' has a leading zero, which apt's version of the packages never has; write '${fixed}'`;
    }
    if (parts[1] !== "1") {
        return `'${version}' is not a Kubernetes release: Kubernetes versions are 1.x.y, e.g. '1.31.4'`;
    }
    return undefined;
}

/** A certificate SAN: a DNS name or an IPv4 address, as kubeadm's certSANs takes them. */
function certSanProblem(san: string): string | undefined {
    const url = /^[a-z][a-z0-9+.-]*:\/\/([^/:\s]+)/i.exec(san);
    if (url !== null) {
        return `'${san}' is a URL; a certificate names hosts: list '${url[1]}'`;
    }
    const hostPort = /^([^:\s]+):(\d+)$/.exec(san);
    if (hostPort !== null) {
        return `'${san}' has a port; a certificate names hosts, not ports: list '${hostPort[1]}' (the API port is cluster.endpoint.port)`;
    }
    if (!HOSTNAME.test(san) && !IPV4.test(san) && !/^\*\.[a-z0-9.-]+$/i.test(san)) {
        return `'${san}' is neither a DNS name nor an IPv4 address; list one, e.g. 'api.example.net' or '10.20.0.5'`;
    }
    return undefined;
}

/** A chrony source: one host name or address; the program writes the options itself. */
function ntpServerProblem(server: string): string | undefined {
    const words = server.trim().split(/\s+/);
    if (words.length > 1 || /^(server|pool)$/.test(words[0])) {
        return `'${server}' has options or keywords; give the server alone ('${words.find((w) => !/^(server|pool)$/.test(w)) ?? words[0]}'): node preparation writes 'server <name> iburst' itself`;
    }
    if (!HOSTNAME.test(server) && !IPV4.test(server)) {
        return `'${server}' is neither a host name nor an IPv4 address, e.g. '10.10.0.1' or '0.debian.pool.ntp.org'`;
    }
    return undefined;
}

/** The tag of the kube-vip image this program pins, for examples in messages. */
const KUBE_VIP_TAG = KUBE_VIP.image.split(":").pop() as string;

/** An image pinned to a version: a tag that is not `latest`, or a digest. */
function pinnedImageProblem(image: string): string | undefined {
    const ref = /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9._/-]+(:([\w][\w.-]{0,127})|@sha256:[0-9a-f]{64})?$/.exec(image);
    if (ref === null) {
        return `'${image}' is not an image reference; e.g. '${KUBE_VIP.image}'`;
    }
    if (ref[3] === undefined && !image.includes("@sha256:")) {
        return `'${image}' has no tag, so every node may run another kube-vip; pin a version, e.g. '${image}:${KUBE_VIP_TAG}'`;
    }
    if (ref[4] === "latest") {
        return `'${image}' floats with each release; pin a version, e.g. '${image.replace(/:latest$/, `:${KUBE_VIP_TAG}`)}'`;
    }
    return undefined;
}

/** Kubernetes and the services around it. */
export const clusterSchema = z.strictObject({
    /** Pinned Kubernetes version, e.g. `1.31.4`; kubelet, kubeadm and kubectl are held at it. */
    kubernetesVersion: checked(kubernetesVersionProblem, "must be a full Kubernetes version such as '1.31.4'"),
    /**
     * The control-plane endpoint. With `vip`, kube-vip holds that address on the masters'
     * interface of `network`; without, the endpoint is the first master's node address
     * (a single-master cluster).
     */
    endpoint: z.strictObject({
        vip: ipv4.optional(),
        network: z.string().min(1, { error: "must name a network of the site, e.g. 'services'" }).optional(),
        port: z.int({ error: "must be a TCP port number, e.g. 6443" }).min(1, { error: "must be a TCP port from 1 to 65535, e.g. 6443" }).max(65535, { error: "must be a TCP port from 1 to 65535, e.g. 6443" }),
    }),
    /** Calico IP pool and kubeadm pod subnet. */
    podSubnet: z.cidrv4({ error: "must be an IPv4 CIDR, e.g. '10.244.0.0/16'" }),
    serviceSubnet: z.cidrv4({ error: "must be an IPv4 CIDR, e.g. '10.96.0.0/12'" }),
    /** Extra names or addresses for the API server certificate. */
    certSANs: z.array(checked(certSanProblem, "must be a DNS name or an IPv4 address, e.g. 'api.example.net'")),
    /** NTP servers for chrony on every node; the distribution's pool is turned off. */
    ntpServers: z.array(checked(ntpServerProblem, "must be a host name or an IPv4 address, e.g. '10.10.0.1'")).min(1, { error: "list at least one NTP server" }),
    /**
     * Debian mirror for the apt sources of every VM (director and nodes): `url` serves the
     * release and its updates, `security` its security suite. Unset: the image's own sources
     * (deb.debian.org). Required on air-gapped sites, on a host of the site.
     */
    debianMirror: z
        .strictObject({
            url: z.string().regex(/^https?:\/\/\S+$/, { error: "must be an http(s) URL of a Debian mirror, e.g. 'http://10.10.0.1/debian'" }),
            security: z.string().regex(/^https?:\/\/\S+$/, { error: "must be an http(s) URL of a Debian security mirror, e.g. 'http://10.10.0.1/debian-security'" }).optional(),
        })
        .optional(),
    /** Kubernetes apt repository; `{minor}` becomes e.g. `1.31`. A mirror for air-gapped sites. */
    aptRepository: z.string().regex(/^https?:\/\/\S+$/, { error: "must be an http(s) URL, e.g. 'https://pkgs.k8s.io/core:/stable:/v{minor}/deb/'" }),
    /**
     * Nothing is fetched from the internet: nodes pull every image through the director
     * registry, and kubeadm's images come from it (imageRepository); the director fills it
     * with kubeadm's images for `kubernetesVersion` and `registry.mirrorImages`. Every other
     * source (Debian and Kubernetes apt, Calico manifest, Helm, charts) must be on the site
     * (validate.ts says which hosts count).
     */
    airGapped: z.boolean({ error: "must be true or false" }),
    registry: z.strictObject({
        port: z.int({ error: "must be a TCP port number, e.g. 5000" }).min(1, { error: "must be a TCP port from 1 to 65535, e.g. 5000" }).max(65535, { error: "must be a TCP port from 1 to 65535, e.g. 5000" }),
        user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: "must be a user name, e.g. 'kvmk8s'" }),
        /**
         * Images the director copies into its registry (skopeo) besides kubeadm's, which are
         * derived from `kubernetesVersion` (stacks/kubeadm-images.ts), e.g. kube-vip's.
         */
        mirrorImages: z.array(z.string().regex(/^[a-z0-9.-]+(:\d+)?\/[^\s:@]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, { error: "must be a full image reference with registry and tag, e.g. 'registry.k8s.io/pause:3.10'" })),
        /**
         * A registry of the site the director copies the images from instead of their public
         * registries: it holds them at the director registry's paths (no upstream host,
         * docker.io's `library/` explicit), anonymously over TLS the director trusts. Required
         * on air-gapped sites, e.g. `10.10.0.1:5000`.
         */
        mirrorFrom: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/, { error: "must be a registry host[:port], e.g. '10.10.0.1:5000'" }).optional(),
    }),
    /** Kubelet reservations so pods cannot starve what else runs on the VM. */
    kubelet: z.strictObject({
        systemReserved: z.partialRecord(z.enum(["cpu", "memory", "ephemeral-storage", "pid"]), quantity),
        kubeReserved: z.partialRecord(z.enum(["cpu", "memory", "ephemeral-storage", "pid"]), quantity),
        evictionHard: z.partialRecord(z.enum(["memory.available", "nodefs.available", "nodefs.inodesFree", "imagefs.available", "pid.available"]), quantity),
    }),
    /** The kube-vip image of the static pod on every master, pinned (a version tag or a digest). */
    kubeVip: z.strictObject({ image: checked(pinnedImageProblem, `must be an image reference, e.g. '${KUBE_VIP.image}'`) }),
    calico: z.strictObject({
        /** tigera-operator.yaml: an http(s) URL the director fetches, or an absolute path of a file staged on the director. */
        operatorManifest: z.string().regex(/^(https?:\/\/|\/)\S+$/, { error: "must be an http(s) URL or an absolute path on the director, e.g. '/srv/kvm-k8s/tigera-operator-v3.29.1.yaml'" }),
    }),
    helm: z.strictObject({
        version: z.string().regex(/^v\d+\.\d+\.\d+$/, { error: "must be a Helm release tag, e.g. 'v3.16.3'" }),
        /** The release tarball: an http(s) URL the director downloads (with `<url>.sha256sum` when served), or an absolute path of a file staged on the director. */
        url: z.string().regex(/^(https?:\/\/|\/)\S+$/, { error: "must be an http(s) URL or an absolute path on the director of the Helm tarball, e.g. 'https://get.helm.sh/helm-v3.16.3-linux-amd64.tar.gz'" }),
    }),
    /** Bump to take an etcd snapshot to the director (/var/backups/kvm-k8s); 0 takes none. */
    etcdSnapshot: z.int({ error: "must be a whole number; bump it by one to take a snapshot" }).nonnegative({ error: "must be 0 or more" }),
});

export type ClusterInput = z.infer<typeof clusterSchema>;

/** Exact chart versions only: a floating version makes two `pulumi up`s install different things. */
const pinnedVersion = z.string({ error: "missing; pin an exact chart version, e.g. '4.11.3'" }).regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, {
    error: "must be an exact version such as '4.11.3' (no ranges, wildcards or 'latest'): pin it",
});

/** Where a chart comes from: exactly one of a repository + chart name, an OCI reference, a local archive. */
export const chartSchema = z.union(
    [
        z.strictObject({ repo: z.string().regex(/^https?:\/\/\S+$/, { error: "must be an http(s) chart repository URL" }), name: z.string({ error: "must be the chart's name in the repository, e.g. 'ingress-nginx'" }).min(1, { error: "must be the chart's name in the repository, e.g. 'ingress-nginx'" }) }),
        z.strictObject({ oci: z.string().regex(/^oci:\/\/\S+$/, { error: "must be an oci:// reference, e.g. 'oci://registry.example/charts/app'" }) }),
        z.strictObject({ path: z.string().regex(/^\S+\.tgz$/, { error: "must be a chart archive (.tgz) path on the machine running Pulumi" }) }),
    ],
    { error: "must be one of {repo, name}, {oci} or {path}" },
);

/** One Helm release of the site's catalogue; platform releases come predefined in the profiles. */
const releaseName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/, {
    error: "must be a Helm release name: lowercase letters, digits and '-', at most 53",
});

export const releaseSchema = z.strictObject({
    /** Helm release name, fixed (never a random suffix); default: the catalogue key. */
    name: releaseName.optional(),
    /** Install it (default). A site turns a profile's release off with `enabled: false`. */
    enabled: z.boolean({ error: "must be true or false" }).default(true),
    chart: chartSchema,
    version: pinnedVersion,
    /** Created if missing. */
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
        error: "must be a Kubernetes namespace name: lowercase letters, digits and '-', at most 63, starting and ending alphanumeric",
    }),
    /** The Helm values: the profile's defaults with the stack's overrides merged in. */
    values: z.record(z.string(), z.unknown(), { error: "must be an object of Helm values (a YAML mapping)" }).default({}),
    /** Releases (by catalogue key) to install first. */
    dependsOn: z.array(z.string()).default([]),
    timeoutSeconds: z.int({ error: "must be a whole number of seconds, e.g. 600" }).positive({ error: "must be at least 1 second, e.g. 600" }).default(600),
    /** Wait until the release's resources are ready before the next one (default). */
    wait: z.boolean({ error: "must be true or false" }).default(true),
});

export const appsSchema = z.strictObject({
    /** The Helm releases by catalogue key (also the release name unless `name` says otherwise). */
    releases: z.record(releaseName, releaseSchema),
});

export type ReleaseInput = z.infer<typeof releaseSchema>;
export type AppsInput = z.infer<typeof appsSchema>;

/**
 * The stages a site is built in, in order; `stopAfter` names the last one built. Each adds
 * resources to the ones before and changes none of theirs.
 */
export const stages = ["vms", "prepared", "cluster", "apps"] as const;
export type Stage = (typeof stages)[number];

function stageProblem(value: unknown): string {
    const allowed = `use one of ${stages.map((s) => `'${s}'`).join(", ")}: the site is built up to and including that stage ('apps', the default, is the whole site)`;
    if (typeof value !== "string") {
        return `${allowed}; got ${describe(value)}`;
    }
    const guess = closest(value, stages);
    return `'${value}' is not a stage; ${guess !== undefined ? `did you mean '${guess}'? Otherwise ` : ""}${allowed}`;
}

export const siteSchema = z.strictObject({
    /** Site name, prefix of every VM and volume name; short so hostnames stay readable. */
    name: z.string().regex(/^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/, {
        error: "must be a lowercase DNS label of at most 20 characters, e.g. 'lab' or 'edge-paris-1'",
    }),
    /** DNS domain of the site; VM FQDNs are `<hostname>.<domain>`. */
    domain: z
        .string()
        .max(190, { error: "must be at most 190 characters so VM FQDNs stay within 253" })
        .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
            error: "must be a DNS domain, e.g. 'lab.example.net'",
        }),
    hypervisors: z.array(hypervisorSchema).min(1, { error: "list at least one hypervisor" }),
    networks: z.array(networkSchema).min(1, { error: "list at least one network" }),
    /** Network whose addresses Kubernetes and SSH use; every VM needs an address on it. */
    nodeNetwork: z.string({ error: "must name a network of the site, e.g. 'internal'" }).min(1, { error: "must name a network of the site, e.g. 'internal'" }),
    storagePool: storagePoolSchema,
    /** Base images by name; VMs pick one with `image` (default `director` / `node`). */
    images: z.record(dnsLabel, imageSchema),
    access: accessSchema,
    /** Size of each role's VMs; a node may override any field. */
    sizes: z.strictObject({ director: sizeSchema, master: sizeSchema, worker: sizeSchema }),
    director: nodeSchema,
    masters: z.array(nodeSchema),
    workers: z.array(nodeSchema),
    cluster: clusterSchema,
    apps: appsSchema,
    /**
     * The last stage to build, so a site can be built in steps: `vms` (the site's secrets,
     * hypervisors and every VM), `prepared` (the director and every node prepared),
     * `cluster` (kubeadm, joins, Calico, the readiness gate, the kubeconfig), `apps` (the
     * Helm releases: the whole site). A resource of an earlier stage is the same in every
     * later one, so raising it only adds resources.
     */
    stopAfter: z.enum(stages, { error: (issue) => stageProblem(issue.input) }).default("apps"),
});

export type SiteInput = z.infer<typeof siteSchema>;
export type NodeInput = z.infer<typeof nodeSchema>;
export type NetworkInput = z.infer<typeof networkSchema>;
export type SizeInput = z.infer<typeof sizeSchema>;

export const profileNames = ["dev", "prod"] as const;
export type ProfileName = (typeof profileNames)[number];
