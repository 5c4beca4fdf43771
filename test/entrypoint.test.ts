import * as assert from "assert";
import { spawnSync } from "child_process";
import { nodeFingerprints } from "../components/site";
import { readStackFile, ROOT, stackSite, TEST_PRIVATE_KEY } from "./fixtures";

/**
 * index.ts as `pulumi up` runs it: config from the environment the CLI sets, resources
 * under mocks, and `previous` as the stack's last exported node fingerprints (read by the
 * program through a reference to its own stack). Its own process, because Pulumi reads
 * PULUMI_CONFIG once per process.
 */
function runIndex(
    stack: string,
    previous?: Record<string, string>,
    previousVersion?: string,
    siteOverrides: Record<string, unknown> = {},
    previousStage = "",
): { status: number | null; stdout: string; stderr: string } {
    const file = readStackFile(stack);
    const script = `
        const pulumi = require("@pulumi/pulumi");
        const { mockOutputs } = require("./test/harness");
        const { ConfigError } = require("./stacks");
        const previous = JSON.parse(process.env.KVMK8S_TEST_PREVIOUS || "null");
        const previousVersion = process.env.KVMK8S_TEST_PREVIOUS_VERSION || "";
        const previousStage = process.env.KVMK8S_TEST_PREVIOUS_STAGE || "";
        const types = new Map();
        pulumi.runtime.setMocks({
            newResource: (a) => {
                types.set(a.type, (types.get(a.type) || 0) + 1);
                if (a.type === "pulumi:pulumi:StackReference") {
                    const outputs = {};
                    if (previous) outputs.nodeFingerprints = previous;
                    if (previousVersion) outputs.kubernetesVersion = previousVersion;
                    if (previousStage) outputs.stopAfter = previousStage;
                    return { id: a.name, state: { name: a.name, outputs } };
                }
                return { id: a.name + "-id", state: { ...a.inputs, ...mockOutputs(a.type, a.name) } };
            },
            call: () => ({}),
        }, "kvm-k8s", ${JSON.stringify(stack)}, false, "organization").then(() => require("./index.ts")()).then((out) => {
            // registrations are asynchronous: report once the count has been still for 300 ms
            let last = -1, still = 0;
            const poll = setInterval(() => {
                const total = [...types.values()].reduce((a, b) => a + b, 0);
                still = total === last ? still + 1 : 0;
                last = total;
                if (still < 3) return;
                clearInterval(poll);
                const { kubeconfig, ...plain } = out;
                console.log(JSON.stringify({ ...plain, hasKubeconfig: "kubeconfig" in out, kubeconfigIsOutput: pulumi.Output.isInstance(kubeconfig), domains: types.get("libvirt:index/domain:Domain"), commands: types.get("command:remote:Command") || 0 }));
            }, 100);
        }, (err) => {
            if (err instanceof ConfigError) { console.error(err.message); process.exit(3); }
            console.error(err); process.exit(1);
        });`;
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
        cwd: ROOT,
        encoding: "utf8",
        env: {
            ...process.env,
            PULUMI_CONFIG: JSON.stringify({
                "kvm-k8s:profile": file.profile,
                "kvm-k8s:site": JSON.stringify({ ...(file.site as object), ...siteOverrides }),
                "kvm-k8s:sshPrivateKey": TEST_PRIVATE_KEY,
            }),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["kvm-k8s:sshPrivateKey"]),
            KVMK8S_TEST_PREVIOUS: JSON.stringify(previous ?? null),
            KVMK8S_TEST_PREVIOUS_VERSION: previousVersion ?? "",
            KVMK8S_TEST_PREVIOUS_STAGE: previousStage,
        },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("index.ts (the program pulumi runs)", function () {
    this.timeout(120000);
    const current = nodeFingerprints(stackSite("prod"));

    it("prod: builds seven domains and exports node names, addresses per network, fingerprints and the kubeconfig", () => {
        const run = runIndex("prod");
        assert.strictEqual(run.status, 0, run.stderr);
        const out = JSON.parse(run.stdout);
        assert.strictEqual(out.siteName, "site1");
        assert.strictEqual(out.profile, "prod");
        assert.strictEqual(out.domains, 7);
        assert.strictEqual(out.controlPlaneEndpoint, "https://10.20.0.5:6443");
        assert.deepStrictEqual(out.director, {
            name: "director",
            hostname: "site1-director",
            hypervisor: "svc-1",
            address: "10.10.0.10",
            addresses: { internal: "10.10.0.10", services: "10.20.0.10", storage: "10.30.0.10" },
        });
        assert.deepStrictEqual(out.masters.map((m: { hostname: string }) => m.hostname), ["site1-master-1", "site1-master-2", "site1-master-3"]);
        assert.deepStrictEqual(out.workers.map((w: { address: string }) => w.address), ["10.10.0.21", "10.10.0.22", "10.10.0.23"]);
        assert.deepStrictEqual(out.nodeFingerprints, current);
        assert.strictEqual(out.kubeconfigIsOutput, true);
        assert.strictEqual(out.hasKubeconfig, true);
    });

    it("a site that stops before its cluster (stopAfter: prepared) exports no kubeconfig, and the nodes, fingerprints and version as ever", () => {
        const run = runIndex("prod", current, undefined, { stopAfter: "prepared" });
        assert.strictEqual(run.status, 0, run.stderr);
        const out = JSON.parse(run.stdout);
        assert.strictEqual(out.hasKubeconfig, false);
        // the director's preparation, and each of the six nodes' SSH wait and preparation
        assert.deepStrictEqual([out.domains, out.commands], [7, 1 + 6 * 2]);
        assert.deepStrictEqual(out.nodeFingerprints, current);
        assert.strictEqual(out.kubernetesVersion, stackSite("prod").cluster.kubernetesVersion);
        assert.deepStrictEqual(out.workers.map((w: { hostname: string }) => w.hostname), ["site1-worker-1", "site1-worker-2", "site1-worker-3"]);
    });

    it("an unchanged site, or one rebuilt node, goes ahead", () => {
        const same = runIndex("prod", current);
        assert.strictEqual(same.status, 0, same.stderr);
        assert.ok(!same.stderr.includes("could not read"), "the program read its previous fingerprints");
        const one = { ...current, "site1-worker-2": "0".repeat(12) };
        const run = runIndex("prod", one);
        assert.strictEqual(run.status, 0, run.stderr);
        assert.strictEqual(JSON.parse(run.stdout).domains, 7);
    });

    it("a stopAfter below the deployed one stops before anything is registered; the same or a later one goes ahead", () => {
        const run = runIndex("dev", undefined, undefined, { stopAfter: "prepared" }, "apps");
        assert.strictEqual(run.status, 3, run.stdout + run.stderr);
        assert.match(run.stderr, /kvm-k8s:site\.stopAfter: 'prepared' is an earlier stage than the deployed 'apps': this update would delete the cluster/);
        assert.strictEqual(run.stdout, "");
        const up = runIndex("dev", undefined, undefined, { stopAfter: "apps" }, "prepared");
        assert.strictEqual(up.status, 0, up.stderr);
        assert.strictEqual(JSON.parse(up.stdout).stopAfter, "apps", "the stage is exported for the next update");
    });

    it("a version that skips a minor from the deployed one stops before anything is registered", () => {
        const run = runIndex("prod", current, "1.34.4");
        assert.strictEqual(run.status, 3, run.stdout + run.stderr);
        assert.match(run.stderr, /kvm-k8s:site\.cluster\.kubernetesVersion: 1\.36\.3 skips a minor version \(the cluster is at 1\.34\.4\); upgrade one minor at a time: set 1\.35\.x first/);
        assert.strictEqual(run.stdout, "");
        assert.strictEqual(runIndex("prod", current, "1.35.4").status, 0, "one minor up is an upgrade");
    });

    it("a change that would rebuild two nodes at once stops before anything is registered", () => {
        const two = { ...current, "site1-worker-1": "0".repeat(12), "site1-master-3": "1".repeat(12) };
        const run = runIndex("prod", two);
        assert.strictEqual(run.status, 3, run.stdout + run.stderr);
        assert.match(run.stderr, /kvm-k8s:site: this change would rebuild 2 VMs at once \(site1-master-3, site1-worker-1\); rebuild one node per `pulumi up`/);
        assert.strictEqual(run.stdout, "", "no resource may be reported after the refusal");
    });
});
