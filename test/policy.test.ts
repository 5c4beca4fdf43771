/**
 * The policy pack (policy/): each policy's validate function called directly with resources
 * shaped like the ones the policy runtime passes, then every policy against the resources
 * the program itself registers for the dev and prod stacks.
 */
import * as assert from "assert";
import type {
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as policyRuntime from "@pulumi/policy";
import * as policyProxy from "@pulumi/policy/proxy";
import {
    COMMAND_TYPE,
    DOMAIN_TYPE,
    HELM_RELEASE_TYPE,
    KUBERNETES_PROVIDER_TYPE,
    UNKNOWN_SENTINELS,
    helmReleasePinned,
    kubernetesExplicitProvider,
    makeMastersOddAndHa,
    makePolicies,
    makeProdDomainAutostart,
    sshHostKeyPinned,
    vmMinimumSize,
} from "../policy/policies";
import { buildSite } from "../components/site";
import { stackSite } from "./fixtures";
import { record, Recording, Registration } from "./harness";

type Props = Record<string, unknown>;

// The runtime's unknown sentinels and proxy: stripped from @pulumi/policy's typings (internal).
const sentinels = policyProxy as unknown as Record<string, string>;
const UNKNOWN_OBJECT = sentinels.unknownObjectValue;
const UNKNOWN_STRING = sentinels.unknownStringValue;
const unknownCheckingProxy = (policyRuntime as unknown as { unknownCheckingProxy: <T>(o: T) => T }).unknownCheckingProxy;

const notUsed = (what: string) => (): never => {
    throw new Error(`the policy called ${what}`);
};

/**
 * Arguments as the policy runtime builds them: props behind its unknown-checking proxy, so
 * reading an unknown value throws as it does under `pulumi preview`.
 */
function resourceArgs(type: string, name: string, props: Props, provider?: PolicyProviderResource): ResourceValidationArgs {
    return {
        type,
        name,
        urn: `urn:pulumi:test::kvm-k8s::${type}::${name}`,
        props: unknownCheckingProxy(props),
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        provider,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: notUsed("getConfig"),
        notApplicable: notUsed("notApplicable"),
    };
}

function stackResource(type: string, name: string, props: Props, provider?: PolicyProviderResource): PolicyResource {
    const args = resourceArgs(type, name, props, provider);
    return {
        type,
        name,
        urn: args.urn,
        props: args.props,
        opts: args.opts,
        provider,
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

function stackArgs(resources: PolicyResource[]): StackValidationArgs {
    return { resources, stackTags: new Map(), getConfig: notUsed("getConfig"), notApplicable: notUsed("notApplicable") };
}

function providerRef(type: string, name: string): PolicyProviderResource {
    return { type, name, urn: `urn:pulumi:test::kvm-k8s::${type}::${name}`, props: {} };
}

/** Violation messages (with their URN when a stack policy gives one). */
interface Violation {
    message: string;
    urn?: string;
}

async function validateResource(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<string[]> {
    const found: string[] = [];
    const report: ReportViolation = (message) => found.push(message);
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const v of validations) {
        await v?.(args, report);
    }
    return found;
}

async function validateStack(policy: StackValidationPolicy, resources: PolicyResource[]): Promise<Violation[]> {
    const found: Violation[] = [];
    await policy.validateStack(stackArgs(resources), (message, urn) => found.push(urn === undefined ? { message } : { message, urn }));
    return found;
}

const domain = (name: string, props: Props = {}): Props => ({ name, vcpu: 2, memory: 4096, autostart: true, ...props });
const libvirtProvider = providerRef("pulumi:providers:libvirt", "site1-hv1");
const siteKubernetes = providerRef(KUBERNETES_PROVIDER_TYPE, "site1-apps-kubernetes");
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfTheVm";
const DIRECTOR_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfTheDirector";

describe("policy pack", () => {
    describe("the pack module", () => {
        it("has the six policies, all mandatory, in the order index.ts registers them", () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const mod = require("../policy/policies") as typeof import("../policy/policies");
            const policies = mod.makePolicies(() => "prod");
            assert.deepStrictEqual(
                policies.map((p) => p.name),
                ["masters-odd-and-ha", "vm-minimum-size", "kubernetes-explicit-provider", "helm-release-pinned", "ssh-host-key-pinned", "prod-domain-autostart"],
            );
            assert.deepStrictEqual(policies.map((p) => p.name), [...mod.POLICY_NAMES]);
            for (const p of policies) {
                assert.strictEqual(p.enforcementLevel, "mandatory", `${p.name} is not mandatory`);
                assert.ok(p.description.length > 20, `${p.name} has no description`);
            }
            const stackPolicies = policies.filter((p) => "validateStack" in p).map((p) => p.name);
            assert.deepStrictEqual(stackPolicies, ["masters-odd-and-ha", "kubernetes-explicit-provider"]);
        });

        it("knows every unknown sentinel of the policy runtime", () => {
            assert.strictEqual(UNKNOWN_SENTINELS.size, 7);
            assert.ok(UNKNOWN_SENTINELS.has(UNKNOWN_OBJECT) && UNKNOWN_SENTINELS.has(UNKNOWN_STRING));
        });

        it("reads the stack name when it validates, not when the pack is built", async () => {
            let stack = "dev";
            const policy = makeProdDomainAutostart(() => stack);
            const args = resourceArgs(DOMAIN_TYPE, "site1-worker-1", domain("site1-worker-1", { autostart: false }));
            assert.deepStrictEqual(await validateResource(policy, args), []);
            stack = "prod";
            assert.strictEqual((await validateResource(policy, args)).length, 1);
        });
    });

    describe("masters-odd-and-ha", () => {
        const masters = (n: number): PolicyResource[] =>
            Array.from({ length: n }, (_, i) => stackResource(DOMAIN_TYPE, `vm-master-${i + 1}`, domain(`site1-master-${i + 1}`), libvirtProvider));
        const others = [
            stackResource(DOMAIN_TYPE, "vm-director", domain("site1-director"), libvirtProvider),
            stackResource(DOMAIN_TYPE, "vm-worker-1", domain("site1-worker-1"), libvirtProvider),
            // not a Domain: a volume named like a master does not count
            stackResource("libvirt:index/volume:Volume", "site1-master-9-root", { name: "site1-master-9" }, libvirtProvider),
        ];

        it("passes 3 masters in prod", async () => {
            assert.deepStrictEqual(await validateStack(makeMastersOddAndHa(() => "prod"), [...others, ...masters(3)]), []);
        });

        it("passes a dev stack with 1 master", async () => {
            assert.deepStrictEqual(await validateStack(makeMastersOddAndHa(() => "dev"), [...others, ...masters(1)]), []);
        });

        it("fails a non-dev stack with 1 master", async () => {
            assert.deepStrictEqual(await validateStack(makeMastersOddAndHa(() => "staging"), [...others, ...masters(1)]), [
                {
                    message:
                        'Stack "staging" has 1 master VM (site1-master-1): only the dev stack may run fewer than 3, a site must survive losing one. ' +
                        "Add masters in site.masters (3, on 3 hypervisors).",
                },
            ]);
        });

        it("fails an even number of masters, in dev too", async () => {
            assert.deepStrictEqual(await validateStack(makeMastersOddAndHa(() => "dev"), [...others, ...masters(2)]), [
                {
                    message:
                        'Stack "dev" has 2 master VMs (site1-master-1, site1-master-2): etcd needs an odd number of members to keep quorum. ' +
                        "Add or remove a master in site.masters so there are 1, 3 or 5.",
                },
            ]);
        });

        it("reports both rules for 2 masters in prod, and 4 as even", async () => {
            const two = await validateStack(makeMastersOddAndHa(() => "prod"), masters(2));
            assert.deepStrictEqual(
                two.map((v) => v.message.split(":")[1].trim().split(".")[0]),
                ["etcd needs an odd number of members to keep quorum", "only the dev stack may run fewer than 3, a site must survive losing one"],
            );
            const four = await validateStack(makeMastersOddAndHa(() => "prod"), masters(4));
            assert.strictEqual(four.length, 1);
            assert.match(four[0].message, /^Stack "prod" has 4 master VMs \(site1-master-1, site1-master-2, site1-master-3, site1-master-4\): etcd needs an odd number/);
        });

        it("counts masters by their libvirt name, not the Pulumi resource name", async () => {
            const renamed = [stackResource(DOMAIN_TYPE, "a", domain("site1-master-1")), stackResource(DOMAIN_TYPE, "b-master-2", domain("site1-cp"))];
            const found = await validateStack(makeMastersOddAndHa(() => "dev"), renamed);
            assert.deepStrictEqual(found, []);
        });
    });

    describe("vm-minimum-size", () => {
        const check = (name: string, props: Props) => validateResource(vmMinimumSize, resourceArgs(DOMAIN_TYPE, `vm-${name}`, domain(name, props), libvirtProvider));

        it("passes each role at its minimum", async () => {
            assert.deepStrictEqual(await check("site1-director", { vcpu: 1, memory: 1024 }), []);
            assert.deepStrictEqual(await check("site1-master-1", { vcpu: 2, memory: 2048 }), []);
            assert.deepStrictEqual(await check("site1-worker-3", { vcpu: 1, memory: 1024 }), []);
        });

        it("fails a master with 1 vCPU and 1024 MiB", async () => {
            assert.deepStrictEqual(await check("site1-master-2", { vcpu: 1, memory: 1024 }), [
                'libvirt Domain "site1-master-2" has 1 vCPU, below the minimum of 2 for a master. Raise site.sizes.master.vcpu (or this node\'s vcpu) to at least 2.',
                'libvirt Domain "site1-master-2" has 1024 MiB of memory, below the minimum of 2048 MiB for a master. Raise site.sizes.master.memoryMiB (or this node\'s memoryMiB) to at least 2048.',
            ]);
        });

        it("fails a worker and a director below 1024 MiB", async () => {
            assert.deepStrictEqual(await check("site1-worker-1", { memory: 768 }), [
                'libvirt Domain "site1-worker-1" has 768 MiB of memory, below the minimum of 1024 MiB for a worker. Raise site.sizes.worker.memoryMiB (or this node\'s memoryMiB) to at least 1024.',
            ]);
            assert.deepStrictEqual(await check("site1-director", { memory: 512 }), [
                'libvirt Domain "site1-director" has 512 MiB of memory, below the minimum of 1024 MiB for a director. Raise site.sizes.director.memoryMiB (or this node\'s memoryMiB) to at least 1024.',
            ]);
        });

        it("holds unset sizes to libvirt's defaults (1 vCPU, 512 MiB)", async () => {
            const found = await validateResource(vmMinimumSize, resourceArgs(DOMAIN_TYPE, "vm", { name: "site1-master-1" }));
            assert.deepStrictEqual(found, [
                'libvirt Domain "site1-master-1" has 1 vCPU, below the minimum of 2 for a master. Raise site.sizes.master.vcpu (or this node\'s vcpu) to at least 2.',
                'libvirt Domain "site1-master-1" has 512 MiB of memory, below the minimum of 2048 MiB for a master. Raise site.sizes.master.memoryMiB (or this node\'s memoryMiB) to at least 2048.',
            ]);
        });

        it("holds a VM whose name shows no role to the smallest minimum", async () => {
            assert.deepStrictEqual(await check("site1-cp", { vcpu: 1, memory: 1024 }), []);
            assert.deepStrictEqual(await check("site1-cp", { vcpu: 1, memory: 1000 }), [
                'libvirt Domain "site1-cp" has 1000 MiB of memory, below the minimum of 1024 MiB for any role (its name shows none). Raise site.sizes.<role>.memoryMiB (or this node\'s memoryMiB) to at least 1024.',
            ]);
        });

        it("cannot check a size that is unknown during preview", async () => {
            assert.deepStrictEqual(await check("site1-master-1", { vcpu: sentinels.unknownNumberValue, memory: sentinels.unknownNumberValue }), []);
        });

        it("ignores other resource types", async () => {
            assert.deepStrictEqual(await validateResource(vmMinimumSize, resourceArgs(COMMAND_TYPE, "site1-master-1", { name: "site1-master-1", vcpu: 0 })), []);
        });
    });

    describe("kubernetes-explicit-provider", () => {
        const ns = (provider?: PolicyProviderResource) => stackResource("kubernetes:core/v1:Namespace", "site1-apps-ns-apps", { metadata: { name: "apps" } }, provider);
        const release = (provider?: PolicyProviderResource) => stackResource(HELM_RELEASE_TYPE, "site1-apps-metrics-server", { name: "metrics-server", version: "3.12.2" }, provider);

        it("passes Kubernetes resources on the program's provider, and ignores the rest", async () => {
            const resources = [
                ns(siteKubernetes),
                release(siteKubernetes),
                stackResource(KUBERNETES_PROVIDER_TYPE, "site1-apps-kubernetes", { clusterIdentifier: "site1" }),
                stackResource(COMMAND_TYPE, "site1-cluster-ready", {}, providerRef("pulumi:providers:command", "default_1_2_1")),
            ];
            assert.deepStrictEqual(await validateStack(kubernetesExplicitProvider, resources), []);
        });

        it("fails a Kubernetes resource on a default provider", async () => {
            const r = ns(providerRef(KUBERNETES_PROVIDER_TYPE, "default_4_32_0"));
            assert.deepStrictEqual(await validateStack(kubernetesExplicitProvider, [r, release(siteKubernetes)]), [
                {
                    message:
                        'Kubernetes resource "site1-apps-ns-apps" (kubernetes:core/v1:Namespace) uses the default Kubernetes provider "default_4_32_0", ' +
                        "which reads the ambient kubeconfig (KUBECONFIG, ~/.kube/config) and so could change whichever cluster that points at. " +
                        "Pass the site's Kubernetes provider (AppStack.provider) as the resource's `provider` option.",
                    urn: r.urn,
                },
            ]);
        });

        it("fails a Kubernetes resource with no provider, or with a provider of another package", async () => {
            const none = release();
            const wrong = release(providerRef("pulumi:providers:libvirt", "site1-hv1"));
            assert.deepStrictEqual(await validateStack(kubernetesExplicitProvider, [none, wrong]), [
                {
                    message:
                        'Kubernetes resource "site1-apps-metrics-server" (kubernetes:helm.sh/v3:Release) has no provider: it would use an ambient kubeconfig. ' +
                        "Pass the site's Kubernetes provider (AppStack.provider) as the resource's `provider` option.",
                    urn: none.urn,
                },
                {
                    message:
                        'Kubernetes resource "site1-apps-metrics-server" (kubernetes:helm.sh/v3:Release) uses provider "site1-hv1" of type pulumi:providers:libvirt, not pulumi:providers:kubernetes. ' +
                        "Pass the site's Kubernetes provider (AppStack.provider) as the resource's `provider` option.",
                    urn: wrong.urn,
                },
            ]);
        });

        it("also knows the unversioned default provider name", async () => {
            const found = await validateStack(kubernetesExplicitProvider, [ns(providerRef(KUBERNETES_PROVIDER_TYPE, "default"))]);
            assert.strictEqual(found.length, 1);
            assert.match(found[0].message, /uses the default Kubernetes provider "default"/);
        });
    });

    describe("helm-release-pinned", () => {
        const check = (props: Props) => validateResource(helmReleasePinned, resourceArgs(HELM_RELEASE_TYPE, "site1-apps-app", { chart: "app", ...props }, siteKubernetes));

        it("passes exact versions, with or without v, pre-release and build metadata", async () => {
            for (const version of ["4.11.3", "v1.16.2", "1.0.0-rc.1", "2.3.4+build.7", "0.1.0-alpha-2+sha.5114f85"]) {
                assert.deepStrictEqual(await check({ name: "app", version }), [], version);
            }
        });

        it('fails the range "^1.2.0"', async () => {
            assert.deepStrictEqual(await check({ name: "app", version: "^1.2.0" }), [
                'Helm release "site1-apps-app" has chart version "^1.2.0", which is not an exact version (ranges, \'*\', \'x\' and \'latest\' float). Pin it to one version (e.g. 4.11.3) in site.apps.releases.',
            ]);
        });

        it("fails every other floating version", async () => {
            for (const version of ["~1.2.0", ">=1.0.0", "1.2.x", "1.x", "*", "latest", "1.2", "1.2.3 - 1.4.0", "1.2.3 || 2.0.0", "v1.2.3-"]) {
                const found = await check({ name: "app", version });
                assert.strictEqual(found.length, 1, version);
                assert.ok(found[0].startsWith(`Helm release "site1-apps-app" has chart version "${version}", which is not an exact version`), found[0]);
            }
        });

        it("fails a missing version and a missing release name", async () => {
            assert.deepStrictEqual(await check({}), [
                'Helm release "site1-apps-app" has no chart version, so every install takes whatever the repository serves as the newest. Set an exact version (e.g. 4.11.3) in site.apps.releases.',
                'Helm release "site1-apps-app" has no release name, so Pulumi gives it a random suffix and a re-created release installs a second copy. Set the release\'s name.',
            ]);
            assert.strictEqual((await check({ name: "", version: "" })).length, 2);
        });

        it("fails a name the kubernetes provider's Check made up (the real engine's view of a release without one)", async () => {
            assert.deepStrictEqual(await check({ name: "site1-apps-app-3dfe15d6", version: "1.2.3" }), [
                'Helm release "site1-apps-app" has no release name of its own ("site1-apps-app-3dfe15d6" is the provider\'s random one), so Pulumi gives it a random suffix and a re-created release installs a second copy. Set the release\'s name.',
            ]);
            // a chosen name that merely ends in a word is fine
            assert.deepStrictEqual(await check({ name: "site1-apps-app-frontend", version: "1.2.3" }), []);
        });

        it("cannot check values unknown during preview", async () => {
            assert.deepStrictEqual(await check({ name: UNKNOWN_STRING, version: UNKNOWN_STRING }), []);
        });
    });

    describe("ssh-host-key-pinned", () => {
        const check = (props: Props) => validateResource(sshHostKeyPinned, resourceArgs(COMMAND_TYPE, "site1-master-1-prepare", { create: "true", ...props }));
        const connection = (extra: Props = {}): Props => ({ host: "10.10.0.11", port: 22, user: "ops", privateKey: "KEY", hostKey: HOST_KEY, ...extra });
        const MISSING =
            'Command "site1-master-1-prepare" connects over SSH without a pinned host key (connection.hostKey is empty), so it would trust any host that answers. ' +
            "Set connection.hostKey to the VM's host public key (sshConnection() in components/remote does).";
        const MISSING_PROXY =
            'Command "site1-master-1-prepare" jumps through an SSH proxy without a pinned host key for it (connection.proxy.hostKey is empty), so it would trust any jump host. ' +
            "Set connection.proxy.hostKey to the director's host public key.";

        it("passes a pinned connection, direct and through the director", async () => {
            assert.deepStrictEqual(await check({ connection: connection() }), []);
            assert.deepStrictEqual(await check({ connection: connection({ proxy: { host: "10.10.0.10", user: "ops", hostKey: DIRECTOR_KEY } }) }), []);
        });

        it("fails a known connection without a host key (missing, empty or blank)", async () => {
            assert.deepStrictEqual(await check({ connection: connection({ hostKey: undefined }) }), [MISSING]);
            assert.deepStrictEqual(await check({ connection: connection({ hostKey: "" }) }), [MISSING]);
            assert.deepStrictEqual(await check({ connection: connection({ hostKey: "  \n" }) }), [MISSING]);
        });

        it("fails a proxy without a host key", async () => {
            assert.deepStrictEqual(await check({ connection: connection({ proxy: { host: "10.10.0.10", user: "ops" } }) }), [MISSING_PROXY]);
            assert.deepStrictEqual(await check({ connection: connection({ hostKey: "", proxy: { host: "10.10.0.10", hostKey: "" } }) }), [MISSING, MISSING_PROXY]);
        });

        it("cannot check a connection unknown during preview (unknown, or not there at all)", async () => {
            assert.deepStrictEqual(await check({ connection: UNKNOWN_OBJECT }), []);
            assert.deepStrictEqual(await check({}), []);
        });

        it("cannot check a host key unknown during preview, but still checks what is known", async () => {
            assert.deepStrictEqual(await check({ connection: connection({ hostKey: UNKNOWN_STRING, proxy: { host: "10.10.0.10", hostKey: UNKNOWN_STRING } }) }), []);
            assert.deepStrictEqual(await check({ connection: connection({ hostKey: UNKNOWN_STRING, proxy: UNKNOWN_OBJECT }) }), []);
            assert.deepStrictEqual(await check({ connection: connection({ hostKey: UNKNOWN_STRING, proxy: { host: "10.10.0.10" } }) }), [MISSING_PROXY]);
        });

        it("ignores other resource types", async () => {
            assert.deepStrictEqual(await validateResource(sshHostKeyPinned, resourceArgs("command:local:Command", "x", { create: "true" })), []);
        });
    });

    describe("prod-domain-autostart", () => {
        const check = (stack: string, props: Props) =>
            validateResource(makeProdDomainAutostart(() => stack), resourceArgs(DOMAIN_TYPE, "site1-worker-2-vm", domain("site1-worker-2", props), libvirtProvider));

        it("passes autostart in prod, and anything in dev", async () => {
            assert.deepStrictEqual(await check("prod", { autostart: true }), []);
            assert.deepStrictEqual(await check("dev", { autostart: false }), []);
            assert.deepStrictEqual(await check("dev", { autostart: undefined }), []);
        });

        it("fails a VM that does not start with its hypervisor outside dev", async () => {
            assert.deepStrictEqual(await check("prod", { autostart: false }), [
                'libvirt Domain "site1-worker-2" has autostart false in stack "prod": it would stay off after its hypervisor reboots. Set autostart: true (only the dev stack may leave it off).',
            ]);
            assert.deepStrictEqual(await check("staging", { autostart: undefined }), [
                'libvirt Domain "site1-worker-2" has autostart unset in stack "staging": it would stay off after its hypervisor reboots. Set autostart: true (only the dev stack may leave it off).',
            ]);
        });

        it("cannot check autostart unknown during preview", async () => {
            assert.deepStrictEqual(await check("prod", { autostart: sentinels.unknownBooleanValue }), []);
        });
    });

    describe("the program's own stacks pass every policy", function () {
        this.timeout(120000);
        const recorded: Record<string, Recording> = {};
        before(async () => {
            for (const stack of ["dev", "prod"]) {
                recorded[stack] = await record(() => buildSite(stackSite(stack)), { stack });
            }
        });

        /**
         * What the engine would give a policy: a resource without an explicit provider gets
         * its package's default provider (`default_<version>`).
         */
        function providerOf(rec: Recording, r: Registration): PolicyProviderResource | undefined {
            if (!r.custom) {
                return undefined;
            }
            if (r.provider !== "") {
                const p = rec.byUrn(r.provider);
                return providerRef(p.type, p.name);
            }
            const pkg = r.type.split(":")[0];
            return providerRef(`pulumi:providers:${pkg}`, r.version ? `default_${r.version.replace(/\./g, "_")}` : "default");
        }

        for (const stack of ["dev", "prod"]) {
            it(stack, async () => {
                const rec = recorded[stack];
                const violations: string[] = [];
                const custom = rec.all.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
                assert.ok(custom.some((r) => r.type === DOMAIN_TYPE) && custom.some((r) => r.type === COMMAND_TYPE) && custom.some((r) => r.type === HELM_RELEASE_TYPE));
                for (const policy of makePolicies(() => stack)) {
                    if ("validateStack" in policy) {
                        const resources = rec.all.map((r) => stackResource(r.type, r.name, r.inputs, providerOf(rec, r)));
                        violations.push(...(await validateStack(policy, resources)).map((v) => `${policy.name}: ${v.message}`));
                    } else {
                        for (const r of custom) {
                            const found = await validateResource(policy, resourceArgs(r.type, r.name, r.inputs, providerOf(rec, r)));
                            violations.push(...found.map((m) => `${policy.name}: ${m}`));
                        }
                    }
                }
                assert.deepStrictEqual(violations, []);
            });
        }

        it("the dev site's resources under a non-dev stack name fail the HA rule (the run above is live)", async () => {
            const rec = recorded.dev;
            const resources = rec.all.map((r) => stackResource(r.type, r.name, r.inputs, providerOf(rec, r)));
            assert.deepStrictEqual(await validateStack(makeMastersOddAndHa(() => "prod"), resources), [
                {
                    message:
                        'Stack "prod" has 1 master VM (dev-master-1): only the dev stack may run fewer than 3, a site must survive losing one. ' +
                        "Add masters in site.masters (3, on 3 hypervisors).",
                },
            ]);
        });

        it("and the checks see what they should: masters, pinned host keys through the director", () => {
            const prod = recorded.prod;
            const masters = prod.ofType(DOMAIN_TYPE).filter((r) => /-master-\d+$/.test(String(r.inputs.name)));
            assert.strictEqual(masters.length, 3);
            const proxied = prod.ofType(COMMAND_TYPE).filter((r) => (r.inputs.connection as Props | undefined)?.proxy !== undefined);
            assert.ok(proxied.length > 0, "no command jumps through the director");
        });
    });
});
