/**
 * The kvm-k8s policy pack's policies, one exported object (or factory) each so tests can call
 * their validate functions directly. index.ts puts them in the PolicyPack that
 * `pulumi preview --policy-pack policy` runs.
 *
 * The pack reads raw resource properties, so it names types by their tokens instead of
 * importing the program's SDKs (the libvirt SDK is generated locally, and a policy pack must
 * not load provider code it does not need).
 *
 * Unknown values: during `pulumi preview` an input that depends on an output not created yet
 * is unknown. @pulumi/policy hands such a value to a policy as a proxy that throws
 * `UnknownValueError` when it is read; `read()` below turns that (and a missing required input
 * such as a Command's whole `connection`) into "cannot check", never into a violation. The
 * next preview or `pulumi up`, when the value is known, checks it.
 */
import * as policySdk from "@pulumi/policy";
import * as policyProxy from "@pulumi/policy/proxy";
import type {
    Policies,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

export const DOMAIN_TYPE = "libvirt:index/domain:Domain";
export const COMMAND_TYPE = "command:remote:Command";
export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
export const KUBERNETES_PROVIDER_TYPE = "pulumi:providers:kubernetes";

/** The only stack allowed a single master and VMs that do not start with their hypervisor. */
export const DEV_STACK = "dev";

/** Where the stack name comes from: `pulumi.getStack` in the pack, a constant in tests. */
export type StackNameSource = () => string;

/** The names of the pack's policies, in the order index.ts registers them. */
export const POLICY_NAMES = [
    "masters-odd-and-ha",
    "vm-minimum-size",
    "kubernetes-explicit-provider",
    "helm-release-pinned",
    "ssh-host-key-pinned",
    "prod-domain-autostart",
] as const;

// ---------------------------------------------------------------------------------------------
// Reading properties that may be unknown during preview
// ---------------------------------------------------------------------------------------------

/**
 * The sentinels the engine uses for unknown values, one per kind (@pulumi/policy's proxy
 * module; the Node SDK sends the string one for every unknown). The policy runtime throws on
 * reading one through its proxy; a value read out of the proxy's reach may still hold one.
 * The module's typings are stripped (internal), so it is read without them.
 */
export const UNKNOWN_SENTINELS: ReadonlySet<unknown> = new Set(
    Object.entries(policyProxy as unknown as Record<string, unknown>)
        .filter(([key, value]) => /^unknown[A-Z]\w*Value$/.test(key) && typeof value === "string")
        .map(([, value]) => value),
);

/**
 * @pulumi/policy exports UnknownValueError at run time, but its typings strip it (internal), so
 * it is looked up without them. Fallback: the class name, should the export ever move.
 */
const UnknownValueError = (policySdk as unknown as { UnknownValueError?: new (...args: never[]) => Error }).UnknownValueError;

function isUnknownValueError(e: unknown): boolean {
    if (UnknownValueError !== undefined && e instanceof UnknownValueError) {
        return true;
    }
    return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/** A property read: known (possibly `undefined`, i.e. not set) or not known until the update. */
export type Read<T = unknown> = { known: true; value: T } | { known: false };

/** Read through `get`; an unknown value (proxy throw or sentinel) is `{known: false}`. */
export function read<T = unknown>(get: () => T): Read<T> {
    try {
        const value = get();
        return UNKNOWN_SENTINELS.has(value) ? { known: false } : { known: true, value };
    } catch (e) {
        if (isUnknownValueError(e)) {
            return { known: false };
        }
        throw e;
    }
}

const isNonEmptyString = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/** `"name"` for messages; the libvirt domain name if known, else the Pulumi resource name. */
function domainName(props: Record<string, unknown>, resourceName: string): string {
    const name = read(() => props.name);
    return name.known && isNonEmptyString(name.value) ? name.value : resourceName;
}

// ---------------------------------------------------------------------------------------------
// Roles from VM names
// ---------------------------------------------------------------------------------------------

export type Role = "director" | "master" | "worker";

/** A master's libvirt domain name: `<site>-master-N`. */
export const MASTER_NAME = /-master-\d+$/;
const WORKER_NAME = /-worker-\d+$/;
const DIRECTOR_NAME = /-director$/;

/** The VM's role from its name suffix (`-director`, `-master-N`, `-worker-N`), if it has one. */
export function roleOf(domainName: string): Role | undefined {
    if (DIRECTOR_NAME.test(domainName)) {
        return "director";
    }
    if (MASTER_NAME.test(domainName)) {
        return "master";
    }
    if (WORKER_NAME.test(domainName)) {
        return "worker";
    }
    return undefined;
}

/**
 * The smallest VM each role can run on. Masters: kubeadm's preflight (ControlPlaneNumCPU 2,
 * ControlPlaneMem 1700 MB; 2048 MiB leaves room for etcd and the static pods). Workers and the
 * director: 1 vCPU / 1024 MiB, the least a kubelet with containerd (or the tools host) runs on. The program's per-profile sizes are stricter; those
 * are config validation (stacks/), this is the floor no stack may go under.
 */
export const MINIMUM_SIZE: Readonly<Record<Role, { vcpu: number; memoryMiB: number }>> = {
    director: { vcpu: 1, memoryMiB: 1024 },
    master: { vcpu: 2, memoryMiB: 2048 },
    worker: { vcpu: 1, memoryMiB: 1024 },
};

/** A VM whose name shows no role is held to the smallest of the role minimums. */
const ANY_ROLE_MINIMUM = {
    vcpu: Math.min(...Object.values(MINIMUM_SIZE).map((m) => m.vcpu)),
    memoryMiB: Math.min(...Object.values(MINIMUM_SIZE).map((m) => m.memoryMiB)),
};

/** libvirt's defaults when the Domain leaves them unset (the provider's schema). */
const LIBVIRT_DEFAULT_VCPU = 1;
const LIBVIRT_DEFAULT_MEMORY_MIB = 512;

// ---------------------------------------------------------------------------------------------
// 1. masters-odd-and-ha
// ---------------------------------------------------------------------------------------------

/**
 * Masters are etcd members: an even count adds a member without adding fault tolerance (4
 * tolerate one loss, like 3) and a 2-member etcd stops on either loss. Outside dev a site must
 * survive losing a master, so it needs at least 3.
 */
export function makeMastersOddAndHa(getStackName: StackNameSource): StackValidationPolicy {
    return {
        name: "masters-odd-and-ha",
        description:
            "The number of master VMs (libvirt Domains named <site>-master-N) is odd, so etcd keeps quorum, and at least 3 in every stack but dev.",
        enforcementLevel: "mandatory",
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            const stack = getStackName();
            const masters: string[] = [];
            for (const r of args.resources) {
                if (r.type !== DOMAIN_TYPE) {
                    continue;
                }
                const name = domainName(r.props, r.name);
                if (MASTER_NAME.test(name)) {
                    masters.push(name);
                }
            }
            masters.sort();
            const n = masters.length;
            const listed = n === 0 ? "none" : masters.join(", ");
            if (n % 2 === 0) {
                reportViolation(
                    `Stack "${stack}" has ${n} master VM${n === 1 ? "" : "s"} (${listed}): etcd needs an odd number of members to keep quorum. ` +
                        `Add or remove a master in site.masters so there are 1, 3 or 5.`,
                );
            }
            if (stack !== DEV_STACK && n < 3) {
                reportViolation(
                    `Stack "${stack}" has ${n} master VM${n === 1 ? "" : "s"} (${listed}): only the dev stack may run fewer than 3, ` +
                        `a site must survive losing one. Add masters in site.masters (3, on 3 hypervisors).`,
                );
            }
        },
    };
}

// ---------------------------------------------------------------------------------------------
// 2. vm-minimum-size
// ---------------------------------------------------------------------------------------------

export const vmMinimumSize: ResourceValidationPolicy = {
    name: "vm-minimum-size",
    description:
        "Every VM (libvirt Domain) has at least the vCPUs and memory its role needs: director 1 vCPU/1024 MiB, master 2/2048 (kubeadm preflight), worker 1/1024.",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (args.type !== DOMAIN_TYPE) {
            return;
        }
        const name = domainName(args.props, args.name);
        const role = roleOf(name);
        const min = role === undefined ? ANY_ROLE_MINIMUM : MINIMUM_SIZE[role];
        const what = role === undefined ? "any role (its name shows none)" : `a ${role}`;
        const sizeKey = role === undefined ? "site.sizes.<role>" : `site.sizes.${role}`;

        const vcpu = read(() => args.props.vcpu);
        if (vcpu.known) {
            const value = typeof vcpu.value === "number" ? vcpu.value : LIBVIRT_DEFAULT_VCPU;
            if (value < min.vcpu) {
                reportViolation(
                    `libvirt Domain "${name}" has ${value} vCPU${value === 1 ? "" : "s"}, below the minimum of ${min.vcpu} for ${what}. ` +
                        `Raise ${sizeKey}.vcpu (or this node's vcpu) to at least ${min.vcpu}.`,
                );
            }
        }
        const memory = read(() => args.props.memory);
        if (memory.known) {
            const value = typeof memory.value === "number" ? memory.value : LIBVIRT_DEFAULT_MEMORY_MIB;
            if (value < min.memoryMiB) {
                reportViolation(
                    `libvirt Domain "${name}" has ${value} MiB of memory, below the minimum of ${min.memoryMiB} MiB for ${what}. ` +
                        `Raise ${sizeKey}.memoryMiB (or this node's memoryMiB) to at least ${min.memoryMiB}.`,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------
// 3. kubernetes-explicit-provider
// ---------------------------------------------------------------------------------------------

/** A default provider is named `default` or `default_<version>` (e.g. `default_4_32_0`). */
const DEFAULT_PROVIDER_NAME = /^default(_|$)/;

export const kubernetesExplicitProvider: StackValidationPolicy = {
    name: "kubernetes-explicit-provider",
    description:
        "Every Kubernetes resource uses a Kubernetes provider the program creates from the cluster's kubeconfig, never a default provider and its ambient kubeconfig.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        for (const r of args.resources) {
            if (!r.type.startsWith("kubernetes:")) {
                continue;
            }
            const fix = "Pass the site's Kubernetes provider (AppStack.provider) as the resource's `provider` option.";
            const p = r.provider;
            if (p === undefined) {
                reportViolation(`Kubernetes resource "${r.name}" (${r.type}) has no provider: it would use an ambient kubeconfig. ${fix}`, r.urn);
            } else if (p.type !== KUBERNETES_PROVIDER_TYPE) {
                reportViolation(`Kubernetes resource "${r.name}" (${r.type}) uses provider "${p.name}" of type ${p.type}, not ${KUBERNETES_PROVIDER_TYPE}. ${fix}`, r.urn);
            } else if (DEFAULT_PROVIDER_NAME.test(p.name)) {
                reportViolation(
                    `Kubernetes resource "${r.name}" (${r.type}) uses the default Kubernetes provider "${p.name}", which reads the ambient kubeconfig (KUBECONFIG, ~/.kube/config) ` +
                        `and so could change whichever cluster that points at. ${fix}`,
                    r.urn,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------
// 4. helm-release-pinned
// ---------------------------------------------------------------------------------------------

/** An exact chart version: `1.2.3`, `v1.2.3`, with optional pre-release and build metadata. */
export const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

export const helmReleasePinned: ResourceValidationPolicy = {
    name: "helm-release-pinned",
    description:
        "Every Helm release pins an exact chart version (no range, '*', 'x' or 'latest') and a fixed release name (no random suffix).",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (args.type !== HELM_RELEASE_TYPE) {
            return;
        }
        const version = read(() => args.props.version);
        if (version.known) {
            if (!isNonEmptyString(version.value)) {
                reportViolation(
                    `Helm release "${args.name}" has no chart version, so every install takes whatever the repository serves as the newest. ` +
                        `Set an exact version (e.g. 4.11.3) in site.apps.releases.`,
                );
            } else if (!EXACT_VERSION.test(version.value.trim())) {
                reportViolation(
                    `Helm release "${args.name}" has chart version "${version.value}", which is not an exact version (ranges, '*', 'x' and 'latest' float). ` +
                        `Pin it to one version (e.g. 4.11.3) in site.apps.releases.`,
                );
            }
        }
        // Under the real engine the pack sees the provider's checked inputs: pulumi-kubernetes's
        // Check has already given a release without a name its random one, <resource>-<8 hex>
        // (seen with 4.32.0), and resolved a version range to the chart version it found, so
        // config validation (stacks/schema.ts) is where ranges are refused.
        const name = read(() => args.props.name);
        const autonamed = (n: string): boolean => n.startsWith(`${args.name}-`) && /^[0-9a-f]{8}$/.test(n.slice(args.name.length + 1));
        if (name.known && (!isNonEmptyString(name.value) || autonamed(name.value))) {
            const given = isNonEmptyString(name.value) ? ` of its own ("${name.value}" is the provider's random one)` : "";
            reportViolation(
                `Helm release "${args.name}" has no release name${given}, so Pulumi gives it a random suffix and a re-created release installs a second copy. ` +
                    `Set the release's name.`,
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------
// 5. ssh-host-key-pinned
// ---------------------------------------------------------------------------------------------

export const sshHostKeyPinned: ResourceValidationPolicy = {
    name: "ssh-host-key-pinned",
    description:
        "Every remote Command pins the SSH host key of the host it connects to, and of its jump host, so a man in the middle cannot receive the scripts and their secrets.",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (args.type !== COMMAND_TYPE) {
            return;
        }
        // `connection` is required and secret: undefined or unknown here means not known yet.
        const connection = read(() => args.props.connection as unknown);
        if (!connection.known || connection.value === undefined) {
            return;
        }
        const conn = connection.value;
        const get = (key: string): Read => read(() => (typeof conn === "object" && conn !== null ? (conn as Record<string, unknown>)[key] : undefined));
        const hostKey = get("hostKey");
        if (hostKey.known && !isNonEmptyString(hostKey.value)) {
            reportViolation(
                `Command "${args.name}" connects over SSH without a pinned host key (connection.hostKey is empty), so it would trust any host that answers. ` +
                    `Set connection.hostKey to the VM's host public key (sshConnection() in components/remote does).`,
            );
        }
        const proxy = get("proxy");
        if (!proxy.known || proxy.value === undefined || proxy.value === null) {
            return;
        }
        const proxyValue = proxy.value;
        const proxyHostKey = read(() => (typeof proxyValue === "object" ? (proxyValue as Record<string, unknown>).hostKey : undefined));
        if (proxyHostKey.known && !isNonEmptyString(proxyHostKey.value)) {
            reportViolation(
                `Command "${args.name}" jumps through an SSH proxy without a pinned host key for it (connection.proxy.hostKey is empty), so it would trust any jump host. ` +
                    `Set connection.proxy.hostKey to the director's host public key.`,
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------
// 6. prod-domain-autostart
// ---------------------------------------------------------------------------------------------

export function makeProdDomainAutostart(getStackName: StackNameSource): ResourceValidationPolicy {
    return {
        name: "prod-domain-autostart",
        description: "Outside the dev stack every VM (libvirt Domain) starts with its hypervisor, so the site comes back after a host reboot.",
        enforcementLevel: "mandatory",
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (args.type !== DOMAIN_TYPE) {
                return;
            }
            const stack = getStackName();
            if (stack === DEV_STACK) {
                return;
            }
            const autostart = read(() => args.props.autostart);
            if (autostart.known && autostart.value !== true) {
                const shown = autostart.value === undefined ? "unset" : JSON.stringify(autostart.value);
                reportViolation(
                    `libvirt Domain "${domainName(args.props, args.name)}" has autostart ${shown} in stack "${stack}": ` +
                        `it would stay off after its hypervisor reboots. Set autostart: true (only the dev stack may leave it off).`,
                );
            }
        },
    };
}

// ---------------------------------------------------------------------------------------------
// The pack
// ---------------------------------------------------------------------------------------------

/** Every policy of the pack; the stack name decides what counts as dev. */
export function makePolicies(getStackName: StackNameSource): Policies {
    return [
        makeMastersOddAndHa(getStackName),
        vmMinimumSize,
        kubernetesExplicitProvider,
        helmReleasePinned,
        sshHostKeyPinned,
        makeProdDomainAutostart(getStackName),
    ];
}

/** Resources a stack policy sees; re-exported for tests that build them. */
export type { PolicyResource };
