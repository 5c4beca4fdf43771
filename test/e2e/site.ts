/**
 * The e2e site: what `Pulumi.e2e.yaml` says, built from the program's real config keys only
 * (stacks/schema.ts, stacks/profiles.ts, README "Configuration"), and the addresses of the
 * test world (test/e2e/world.sh) it lives in.
 *
 * One hypervisor (this machine's libvirtd at qemu:///system, running inside the test's
 * network namespace), one bridge in that namespace, a director, one master and one worker at
 * the dev profile's minimum sizes (2 cores and 24 GiB here, QEMU under TCG), the base image
 * as a file on this machine, and every source on the site: the Debian mirror, the Kubernetes
 * apt repository and the Helm archive the test serves on the bridge address
 * (build-mirror.sh, build-packages.sh).
 *
 * It stops after preparation (`stopAfter: prepared`): kubeadm, the CNI and the apps are the
 * real-cluster work's. For the same reason it is not `airGapped`: an air-gapped director copies
 * kubeadm's images from `registry.mirrorFrom`, and the registry holding them is built by that
 * work; every URL below is on the site all the same, and the guests have no route out.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { formatIssues, resolveSite, SiteConfig } from "../../stacks";
import { DEFAULT_KUBERNETES_VERSION, HELM } from "../../stacks/versions";

/** The versions the world's package repository must serve for this site. */
export const E2E_VERSIONS = { kubernetes: DEFAULT_KUBERNETES_VERSION, helm: HELM.version } as const;

/** What world.sh sets up; keep in step with its defaults. */
export const WORLD = {
    ns: "kvmk8s-e2e",
    bridge: "br-e2e",
    /** The bridge's address: the mirror, the gateway, DNS and NTP of the site. */
    hostIp: "10.77.0.1",
    cidr: "10.77.0.0/24",
    pool: "kvm-k8s-e2e",
    poolPath: "/var/lib/libvirt/images/kvm-k8s-e2e",
    site: "e2e",
} as const;

export const HERE = __dirname;
export const ROOT = path.resolve(HERE, "../..");

export interface E2eSiteInputs {
    /** The base image's qcow2 (build-image.sh), a file on the machine running Pulumi. */
    imageFile: string;
    /** The login public key (its private half is `kvm-k8s:sshPrivateKey`). */
    publicKey: string;
    /** More workers than worker-1 (the day-2 test adds one). */
    extraWorkers?: number;
    /** `rebuild` counters by node name. */
    rebuild?: Record<string, number>;
    /** `access.extraPublicKeys`: keys authorized beside the login key (a rotation's first step). */
    extraPublicKeys?: string[];
    /** The hypervisor's domain type; `qemu` (TCG) unless a test breaks the VM definition on purpose. */
    domainType?: "kvm" | "qemu";
}

/** `kvm-k8s:site` for the e2e stack (overlaid on the dev profile). */
export function e2eSite(inputs: E2eSiteInputs): Record<string, unknown> {
    const mirror = `http://${WORLD.hostIp}`;
    const rebuild = (name: string) => (inputs.rebuild?.[name] ? { rebuild: inputs.rebuild[name] } : {});
    const workers = Array.from({ length: 1 + (inputs.extraWorkers ?? 0) }, (_, i) => ({
        name: `worker-${i + 1}`,
        hypervisor: "hv1",
        addresses: { internal: `10.77.0.${21 + i}` },
        ...rebuild(`worker-${i + 1}`),
    }));
    return {
        name: WORLD.site,
        stopAfter: "prepared",
        domain: "e2e.kvm-k8s.internal",
        // no /dev/kvm on the machines the test runs on: software emulation
        hypervisors: [{ name: "hv1", uri: "qemu:///system", domainType: inputs.domainType ?? "qemu" }],
        networks: [{ name: "internal", bridge: WORLD.bridge, cidr: WORLD.cidr, gateway: WORLD.hostIp, dns: [WORLD.hostIp] }],
        nodeNetwork: "internal",
        storagePool: { name: WORLD.pool, create: true, path: WORLD.poolPath },
        images: { director: { file: inputs.imageFile }, node: { file: inputs.imageFile } },
        access: { user: "kvmk8s", publicKey: inputs.publicKey, ...(inputs.extraPublicKeys?.length ? { extraPublicKeys: inputs.extraPublicKeys } : {}) },
        // the dev profile's minimums: 4 vCPUs on 2 cores under TCG, 5.5 GiB of 24
        sizes: {
            director: { vcpu: 1, memoryMiB: 1536, diskGiB: 10 },
            master: { vcpu: 2, memoryMiB: 2048, diskGiB: 20 },
            worker: { vcpu: 1, memoryMiB: 1536, diskGiB: 20 },
        },
        director: { name: "director", hypervisor: "hv1", addresses: { internal: "10.77.0.10" }, ...rebuild("director") },
        masters: [{ name: "master-1", hypervisor: "hv1", addresses: { internal: "10.77.0.11" }, ...rebuild("master-1") }],
        workers,
        cluster: {
            kubernetesVersion: E2E_VERSIONS.kubernetes,
            ntpServers: [WORLD.hostIp],
            debianMirror: { url: `${mirror}/debian`, security: `${mirror}/debian-security` },
            aptRepository: `${mirror}/kubernetes/core:/stable:/v{minor}/deb/`,
            calico: { operatorManifest: `${mirror}/kvm-k8s/tigera-operator-v3.29.1.yaml` },
            helm: { version: E2E_VERSIONS.helm, url: `${mirror}/kvm-k8s/helm-${E2E_VERSIONS.helm}-linux-amd64.tar.gz` },
        },
        // The app stack comes after kubeadm, which this site does not reach.
        apps: {
            releases: {
                "metrics-server": { enabled: false },
                "ingress-nginx": { enabled: false },
                "local-path": { enabled: false },
            },
        },
    };
}

/** The stack file's text, as a user would write it (the secret key is set separately). */
export function e2eStackFile(inputs: E2eSiteInputs): string {
    return YAML.stringify({ config: { "kvm-k8s:profile": "dev", "kvm-k8s:site": e2eSite(inputs) } });
}

/** The site as the program resolves it from that stack file and a secret key. */
export function e2eSiteConfig(inputs: E2eSiteInputs, privateKey: string): SiteConfig {
    const result = resolveSite({ profile: "dev", site: e2eSite(inputs), sshPrivateKey: { value: privateKey, secret: true } });
    if (!result.ok) {
        throw new Error(`the e2e stack is not a valid site:\n${formatIssues(result.issues)}`);
    }
    return result.site;
}

/** Write Pulumi.e2e.yaml into `dir` (a temporary copy of the project). */
export function writeStackFile(dir: string, inputs: E2eSiteInputs): string {
    const file = path.join(dir, "Pulumi.e2e.yaml");
    fs.writeFileSync(file, e2eStackFile(inputs));
    return file;
}
