import * as assert from "assert";
import { spawnSync } from "child_process";
import { readStackFile, ROOT, TEST_PRIVATE_KEY } from "./fixtures";

/**
 * index.ts as `pulumi up` runs it: config from the environment the CLI sets, resources
 * under mocks. Its own process, because Pulumi reads PULUMI_CONFIG once per process.
 */
function runIndex(stack: string): { status: number | null; stdout: string; stderr: string } {
    const file = readStackFile(stack);
    const script = `
        const pulumi = require("@pulumi/pulumi");
        const { mockOutputs } = require("./test/harness");
        const types = new Map();
        pulumi.runtime.setMocks({
            newResource: (a) => {
                types.set(a.type, (types.get(a.type) || 0) + 1);
                return { id: a.name + "-id", state: { ...a.inputs, ...mockOutputs(a.type, a.name) } };
            },
            call: () => ({}),
        }, "kvm-k8s", ${JSON.stringify(stack)}, false).then(() => {
            const m = require("./index.ts");
            // registrations are asynchronous: report once the count has been still for 300 ms
            let last = -1, still = 0;
            const poll = setInterval(() => {
                const total = [...types.values()].reduce((a, b) => a + b, 0);
                still = total === last ? still + 1 : 0;
                last = total;
                if (still < 3) return;
                clearInterval(poll);
                console.log(JSON.stringify({
                    siteName: m.siteName, profile: m.profile, director: m.director, masters: m.masters, workers: m.workers,
                    domains: types.get("libvirt:index/domain:Domain"),
                }));
            }, 100);
        });`;
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
        cwd: ROOT,
        encoding: "utf8",
        env: {
            ...process.env,
            PULUMI_CONFIG: JSON.stringify({
                "kvm-k8s:profile": file.profile,
                "kvm-k8s:site": JSON.stringify(file.site),
                "kvm-k8s:sshPrivateKey": TEST_PRIVATE_KEY,
            }),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["kvm-k8s:sshPrivateKey"]),
        },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("index.ts (the program pulumi runs)", function () {
    this.timeout(120000);

    it("prod: builds seven domains and exports node names and addresses per network", () => {
        const run = runIndex("prod");
        assert.strictEqual(run.status, 0, run.stderr);
        const out = JSON.parse(run.stdout);
        assert.strictEqual(out.siteName, "site1");
        assert.strictEqual(out.profile, "prod");
        assert.strictEqual(out.domains, 7);
        assert.deepStrictEqual(out.director, {
            name: "director",
            hostname: "site1-director",
            hypervisor: "svc-1",
            address: "10.10.0.10",
            addresses: { internal: "10.10.0.10", services: "10.20.0.10", storage: "10.30.0.10" },
        });
        assert.deepStrictEqual(out.masters.map((m: { hostname: string }) => m.hostname), ["site1-master-1", "site1-master-2", "site1-master-3"]);
        assert.deepStrictEqual(out.workers.map((w: { address: string }) => w.address), ["10.10.0.21", "10.10.0.22", "10.10.0.23"]);
    });
});
