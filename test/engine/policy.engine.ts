/**
 * The policy pack (policy/) under the real CLI: `--policy-pack policy` loads it through the
 * language host and runs it on the real providers' checked inputs. The project's own stacks
 * pass it (preview.engine.ts); here, for each mandatory policy, a stack made to violate it is
 * refused with that policy's message. The violating stacks are small programs with the real
 * SDKs and plugins (the site's own config validation refuses most of these mistakes before a
 * policy could see them: the pack is the net under that).
 */
import { strict as assert } from "assert";
import * as path from "path";
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as libvirt from "@pulumi/libvirt";
import { resolveSite } from "../../stacks";
import { stackInput } from "../fixtures";
import { pulumi, ROOT, worldSandboxEach } from "./harness";

const POLICY = path.join(ROOT, "policy");
const CHART = path.resolve(ROOT, "../shared/charts/metrics-server-3.13.1.tgz");

function domain(name: string, props: { vcpu?: number; memory?: number; autostart?: boolean }, provider: pulumi.ProviderResource): libvirt.Domain {
    return new libvirt.Domain(name, { name, vcpu: props.vcpu ?? 2, memory: props.memory ?? 2048, autostart: props.autostart ?? true, type: "qemu" }, { provider });
}

const hv = (): libvirt.Provider => new libvirt.Provider("hv", { uri: "qemu:///system" });

/** dev's one master: masters-odd-and-ha counts masters in every stack, and none is an even count. */
const devMaster = (): libvirt.Domain => domain("x-master-1", {}, hv());

/** Kubernetes objects need a cluster only at create: a provider for one on loopback that is not there. */
const offlineCluster = (): k8s.Provider =>
    new k8s.Provider("cluster", {
        kubeconfig: pulumi.secret(
            JSON.stringify({
                apiVersion: "v1",
                kind: "Config",
                clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:1" } }],
                users: [{ name: "u", user: { token: "not-a-secret" } }],
                contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
                "current-context": "c",
            }),
        ),
    });

const violations: { policy: string; stack: string; message: string; program: () => void }[] = [
    {
        policy: "masters-odd-and-ha",
        stack: "prod",
        message: 'Stack "prod" has 2 master VMs (x-master-1, x-master-2): etcd needs an odd number of members',
        program: () => {
            const p = hv();
            domain("x-master-1", {}, p);
            domain("x-master-2", {}, p);
        },
    },
    {
        policy: "vm-minimum-size",
        stack: "dev",
        message: "x-master-1",
        program: () => {
            domain("x-master-1", { vcpu: 1, memory: 1024 }, hv());
        },
    },
    {
        policy: "prod-domain-autostart",
        stack: "prod",
        message: 'libvirt Domain "x-master-2" has autostart false in stack "prod"',
        program: () => {
            const p = hv();
            domain("x-master-1", {}, p);
            domain("x-master-2", { autostart: false }, p);
            domain("x-master-3", {}, p);
        },
    },
    {
        policy: "ssh-host-key-pinned",
        stack: "dev",
        message: 'Command "unpinned" connects over SSH without a pinned host key',
        program: () => {
            devMaster();
            new command.remote.Command("unpinned", { connection: { host: "10.78.0.1", user: "root" }, create: "true" });
        },
    },
    {
        policy: "kubernetes-explicit-provider",
        stack: "dev",
        message: 'Kubernetes resource "ambient" (kubernetes:core/v1:Namespace) uses the default Kubernetes provider',
        program: () => {
            devMaster();
            new k8s.core.v1.Namespace("ambient", { metadata: { name: "ambient" } });
        },
    },
    {
        policy: "helm-release-pinned",
        stack: "dev",
        message: 'Helm release "unnamed" has no release name of its own ("unnamed-',
        program: () => {
            devMaster();
            new k8s.helm.v3.Release("unnamed", { chart: CHART, version: "3.13.1", namespace: "kube-system" }, { provider: offlineCluster() });
        },
    },
];

describe("the policy pack under the real CLI", function () {
    this.timeout(10 * 60 * 1000);
    const sandbox = worldSandboxEach();

    for (const v of violations) {
        it(`refuses a stack that breaks ${v.policy}, with its message`, async () => {
            sandbox().initStack(v.stack, { stackFile: "config: {}\n" });
            const preview = await sandbox().run("preview", v.stack, async () => v.program(), { policyPacks: [POLICY] });
            assert.ok(!preview.ok, `the preview passed:\n${preview.output}`);
            const reported = preview.events.filter((e) => e.policyEvent !== undefined).map((e) => e.policyEvent!);
            const mine = reported.filter((p) => p.policyName === v.policy);
            assert.ok(mine.length > 0, `no ${v.policy} violation; reported: ${JSON.stringify(reported.map((p) => p.policyName))}\n${preview.output}`);
            assert.ok(mine.every((p) => p.enforcementLevel === "mandatory"));
            assert.ok(
                mine.some((p) => p.message.includes(v.message)),
                `${v.policy} said:\n${mine.map((p) => p.message).join("\n")}`,
            );
            // only this policy: each program breaks exactly one
            assert.deepEqual([...new Set(reported.map((p) => p.policyName))], [v.policy]);
        });
    }

    it("sees a floating chart version already resolved by the provider's Check: config validation refuses it first", async () => {
        sandbox().initStack("dev", { stackFile: "config: {}\n" });
        const preview = await sandbox().run(
            "preview",
            "dev",
            async () => {
                devMaster();
                new k8s.helm.v3.Release("floating", { name: "metrics-server", chart: CHART, version: "3.x", namespace: "kube-system" }, { provider: offlineCluster() });
            },
            { policyPacks: [POLICY] },
        );
        // The mocks hand the pack "3.x" (test/policy.test.ts refuses it); the real provider's
        // Check hands it the chart's own version, so the pack passes it.
        assert.ok(preview.ok, preview.output);
        const checked = preview.events.find((e) => e.resourcePreEvent?.metadata.type === "kubernetes:helm.sh/v3:Release")?.resourcePreEvent?.metadata.new?.inputs;
        assert.equal(checked?.version, "3.13.1");
        // So the program's own validation is the guard: the same range in a release's config
        const input = stackInput("dev");
        input.site = { apps: { releases: { "metrics-server": { version: "3.x" } } } };
        const result = resolveSite(input);
        assert.ok(!result.ok && result.issues.some((i) => i.path === "kvm-k8s:site.apps.releases.metrics-server.version" && i.message.includes("must be an exact version")), JSON.stringify(result));
    });

    it("passes the same kind of stack when it keeps every policy", async () => {
        sandbox().initStack("prod", { stackFile: "config: {}\n" });
        const preview = await sandbox().run(
            "preview",
            "prod",
            async () => {
                const p = hv();
                for (const n of [1, 2, 3]) {
                    domain(`x-master-${n}`, {}, p);
                }
            },
            { policyPacks: [POLICY] },
        );
        assert.ok(preview.ok, preview.output);
        assert.deepEqual(preview.events.filter((e) => e.policyEvent !== undefined), []);
    });
});
