import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildSite } from "../components/site";
import { resolveSite } from "../stacks";
import { syntheticSite } from "../tools/bench";
import { deploymentGraph, expandBase64, longestChain, mockOutputs, record, Recording } from "../tools/offline";
import { artifacts, offlineStackInput, scriptEnvironment } from "../tools/plan";
import { ROOT } from "./fixtures";

const planFor = async (stack: string): Promise<{ rec: Recording; files: Record<string, string> }> => {
    const result = resolveSite(offlineStackInput(stack));
    assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.issues));
    const rec = await record(() => buildSite(result.site), { stack });
    return { rec, files: artifacts(rec) };
};

describe("npm run plan", () => {
    it("writes cloud-init per VM, kubeadm configs, script environments and Helm values for prod", async () => {
        const { files } = await planFor("prod");
        for (const vm of ["site1-director", "site1-master-1", "site1-worker-3"]) {
            for (const doc of ["user-data.yaml", "network-config.yaml", "meta-data.yaml"]) {
                assert.ok(files[`vms/${vm}/${doc}`], `missing vms/${vm}/${doc}`);
            }
        }
        assert.match(files["commands/site1-master-1-init/etc/kvm-k8s/kubeadm-init.yaml"], /kind: ClusterConfiguration/);
        assert.match(files["commands/site1-master-3-join/etc/kvm-k8s/kubeadm-join.yaml"], /kind: JoinConfiguration/);
        assert.match(files["commands/site1-master-1-init/etc/kvm-k8s/kube-vip.yaml"], /name: kube-vip/);
        assert.match(files["commands/site1-worker-2-prepare.env"], /^NTP_SERVERS=10\.10\.0\.1$/m);
        assert.match(files["helm/site1-apps-iot-broker.values.yaml"], /replicaCount: 3/);
    });

    it("redacts every secret: host keys, SSH key, CA key, registry password, kubeconfig", async () => {
        for (const stack of ["dev", "prod"]) {
            const { files, rec } = await planFor(stack);
            const siteName = rec.all.find((r) => r.type === "kvmk8s:site:Site")!.name;
            const password = (name: string) => String(mockOutputs("random:index/randomPassword:RandomPassword", `${siteName}-secrets-${name}`).result);
            const needles = ["MOCKSECRET", "mocksecret", password("registry-password")];
            for (const [name, content] of Object.entries(files)) {
                for (const needle of needles) {
                    assert.ok(!expandBase64(content).includes(needle), `${stack} ${name} shows a secret (${needle.slice(0, 12)}...)`);
                }
            }
            assert.match(files[`vms/${siteName}-master-1/user-data.yaml`], /\[host private key redacted\]/);
            // join credentials are minted per join on the director: the plan shows placeholders
            assert.match(files[`commands/${siteName}-master-1-init/etc/kvm-k8s/kubeadm-join.yaml`], /token: "@JOIN_TOKEN@"/);
            assert.match(files[`commands/${siteName}-master-1-init.env`], /^NODE_ENV=\[secret\]$/m, "the first master's env holds the CA key");
        }
    });

    it("script environments show non-secret values and the files they write, with secret files marked", () => {
        const env = scriptEnvironment(
            [
                "export NODE='w-1'",
                "export REGISTRY_PASSWORD='hunter2'",
                `export KVMK8S_FILES='0644 /etc/a ${Buffer.from("hello").toString("base64")}\n0600 /etc/b ${Buffer.from("-----BEGIN PRIVATE KEY-----\nx").toString("base64")}'`,
                "echo script body",
            ].join("\n"),
        );
        assert.deepStrictEqual(env, { NODE: "w-1", REGISTRY_PASSWORD: "[secret]", KVMK8S_FILES: "0644 /etc/a (5 bytes)\n0600 /etc/b [secret content redacted]" });
    });

    it("the deployment graph runs director -> preparation -> init -> Calico -> joins -> gate -> releases", async () => {
        const { rec } = await planFor("prod");
        const graph = deploymentGraph(rec);
        assert.ok(graph.startsWith("flowchart LR\n"));
        for (const edge of [
            "site1_director_prepare --> site1_master_1_ssh",
            "site1_master_1_ssh --> site1_master_1_prepare",
            "site1_master_2_join --> site1_master_3_membership",
            "site1_director_kubeconfig --> site1_cluster_calico",
            "site1_cluster_calico --> site1_master_2_membership",
            "site1_worker_3_join --> site1_cluster_ready",
            "site1_cluster_ready --> site1_apps_metrics_server",
            "site1_apps_nfs_storage --> site1_apps_iot_broker",
        ]) {
            assert.ok(graph.includes(`  ${edge}\n`), `missing edge ${edge}`);
        }
        // transitively reduced: the gate is not drawn straight from the director
        assert.ok(!graph.includes("site1_director_prepare --> site1_cluster_ready\n"));
    });

    it("the README shows the prod graph the plan renders today", async () => {
        const { rec } = await planFor("prod");
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.ok(readme.includes("```mermaid\n" + deploymentGraph(rec) + "```"), "README's graph is stale: run npm run plan -- prod and paste out/prod/graph.mmd");
    });

    it("config errors print the same report as pulumi up, and nothing is written", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-plan-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  kvm-k8s:profile: prod\n  kvm-k8s:site:\n    masters: []\n");
            const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/plan.ts", "broken"], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, KVMK8S_STACK_DIR: dir, KVMK8S_OUT_DIR: path.join(dir, "out") },
            });
            assert.strictEqual(run.status, 1);
            assert.match(run.stderr, /^2 problems in the stack configuration; nothing was created or changed:\n/);
            assert.match(run.stderr, /^ {2}- kvm-k8s:site\.masters: none given; list 3 or 5 masters$/m);
            assert.ok(!fs.existsSync(path.join(dir, "out")));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("npm run bench (shape, on small sizes)", () => {
    it("the longest dependency chain does not grow with workers, and each worker adds the same resources", async () => {
        const sizes = [3, 6, 9];
        const recs = await Promise.all(sizes.map(async (n) => record(() => buildSite(syntheticSite(n)), { stack: "bench" })));
        const chains = recs.map(longestChain);
        assert.deepStrictEqual(chains, [chains[0], chains[0], chains[0]]);
        assert.strictEqual(recs[1].all.length - recs[0].all.length, recs[2].all.length - recs[1].all.length);
        // VM (component, volume, cloud-init disk, domain, host key), wait for its sshd, preparation, membership, join
        assert.strictEqual((recs[1].all.length - recs[0].all.length) / 3, 9, "resources per worker");
    });
});
