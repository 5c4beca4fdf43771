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
import { compareWithBaseline, siteSummary } from "../tools/plan-summary";
import * as YAML from "yaml";
import { ROOT, stackInput, resolveOrThrow } from "./fixtures";

/** Run `npm run plan` on a stack file written to a temporary directory; out/ goes there too. */
function planCli(stackFile: string, args: string[], pre?: (dir: string) => void): { status: number | null; stdout: string; stderr: string; dir: string; cleanup: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-plan-"));
    fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), stackFile);
    pre?.(dir);
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/plan.ts", "t", ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, KVMK8S_STACK_DIR: dir, KVMK8S_OUT_DIR: path.join(dir, "out") },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const devFile = (extra = ""): string => fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8") + extra;

const planFor = async (stack: string): Promise<{ rec: Recording; files: Record<string, string> }> => {
    const result = resolveSite(offlineStackInput(stack, { standInKey: true }));
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
            fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8").replace(/    masters:\n(      - .*\n)+/, "    masters: []\n"));
            const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/plan.ts", "broken", "--stand-in-key"], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, KVMK8S_STACK_DIR: dir, KVMK8S_OUT_DIR: path.join(dir, "out") },
            });
            assert.strictEqual(run.status, 1);
            assert.match(run.stderr, /^1 problem in the stack configuration; nothing was created or changed:\n/);
            assert.match(run.stderr, /^ {2}- kvm-k8s:site\.masters: none given; list 3 or 5 masters$/m);
            assert.ok(!fs.existsSync(path.join(dir, "out")));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a stack that stops after a stage (site.stopAfter: vms) plans only that stage: its VMs, no command", function () {
        this.timeout(120000);
        const run = planCli(devFile().replace("    access:\n", "    stopAfter: vms\n    access:\n"), ["--stand-in-key"]);
        try {
            assert.strictEqual(run.status, 0, run.stderr);
            assert.match(run.stdout, /dev-worker-1 {2}\(libvirt:index\/domain:Domain\)/);
            assert.doesNotMatch(run.stdout, /command:remote:Command|kubernetes|kvmk8s:cluster:Cluster/);
            const out = path.join(run.dir, "out", "t");
            assert.ok(fs.existsSync(path.join(out, "vms", "dev-worker-1", "user-data.yaml")));
            assert.ok(!fs.existsSync(path.join(out, "commands")), "a command was planned");
            assert.strictEqual(fs.readFileSync(path.join(out, "graph.mmd"), "utf8"), 'flowchart LR\n  dev_director["VM dev-director"]\n  dev_master_1["VM dev-master-1"]\n  dev_worker_1["VM dev-worker-1"]\n');
        } finally {
            run.cleanup();
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

describe("npm run plan reads and refuses what pulumi up does (issue 10)", function () {
    this.timeout(120000);

    it("a stack without kvm-k8s:sshPrivateKey is refused, as up refuses it, and --stand-in-key plans it anyway", () => {
        const refused = planCli(devFile(), []);
        try {
            assert.strictEqual(refused.status, 1, refused.stderr);
            assert.match(refused.stderr, /kvm-k8s:sshPrivateKey: missing; the program logs in to every VM with it/);
            assert.match(refused.stderr, /npm run plan -- t --stand-in-key/);
        } finally {
            refused.cleanup();
        }
        const planned = planCli(devFile(), ["--stand-in-key"]);
        try {
            assert.strictEqual(planned.status, 0, planned.stderr);
            assert.ok(fs.existsSync(path.join(planned.dir, "out", "t", "site.yaml")));
        } finally {
            planned.cleanup();
        }
    });

    it("unknown kvm-k8s keys and secure values inside the site are refused with their paths; the key's secure value is not decrypted", () => {
        const file = devFile("  kvm-k8s:workers: 3\n  kvm-k8s:sshPrivateKey:\n    secure: v1:AAAA:BBBB\n").replace("    access:\n", "    apps: { releases: { ingress-nginx: { values: { password: { secure: 'v1:CCCC:DDDD' } } } } }\n    access:\n");
        const run = planCli(file, []);
        try {
            assert.strictEqual(run.status, 1, run.stdout);
            assert.match(run.stderr, /kvm-k8s:workers: unknown key, which the program would ignore; did you mean kvm-k8s:site\.workers\?/);
            assert.match(run.stderr, /kvm-k8s:site\.apps\.releases\.ingress-nginx\.values\.password: holds a secret/);
            assert.doesNotMatch(run.stderr, /sshPrivateKey/);
        } finally {
            run.cleanup();
        }
    });

    it("a failed plan removes the stale out/<stack>/ of an earlier one", () => {
        const run = planCli(devFile("  kvm-k8s:sshPrivateKey:\n    secure: v1:AAAA:BBBB\n").replace("kvm-k8s:profile: dev", "kvm-k8s:profile: dev\n  kvm-k8s:sitee: {}"), [], (dir) => {
            fs.mkdirSync(path.join(dir, "out", "t"), { recursive: true });
            fs.writeFileSync(path.join(dir, "out", "t", "graph.mmd"), "flowchart LR\n");
        });
        try {
            assert.strictEqual(run.status, 1);
            assert.ok(!fs.existsSync(path.join(run.dir, "out", "t")), "the earlier plan's files are still there");
        } finally {
            run.cleanup();
        }
    });

    it("user-data shows the host key cut out and the public key on its own line, as YAML", async () => {
        const { files } = await planFor("prod");
        const userData = files["vms/site1-master-1/user-data.yaml"];
        const doc = YAML.parse(userData) as { ssh_keys: Record<string, string> };
        assert.strictEqual(doc.ssh_keys.ed25519_private.trim(), "[host private key redacted]");
        assert.match(doc.ssh_keys.ed25519_public, /^ssh-ed25519 \S+$/);
    });

    it("site.yaml shows each VM's size, placement, image and pool, and each release's chart, version and source", async () => {
        const summary = siteSummary(resolveOrThrow(stackInput("prod")));
        assert.deepStrictEqual(
            { ...summary.nodes["site1-worker-2"], fingerprint: undefined },
            {
                role: "worker",
                hypervisor: "svc-5",
                vcpu: 8,
                memoryMiB: 16384,
                diskGiB: 100,
                image: "node",
                imageSource: "volume:default/debian-12-genericcloud-amd64.qcow2",
                nics: summary.nodes["site1-worker-2"].nics,
                rebuild: 0,
                fingerprint: undefined,
            },
        );
        assert.strictEqual(summary.pool, "kvm-k8s");
        assert.deepStrictEqual(summary.releases["iot-broker"], { enabled: true, chart: "oci://registry.site1.kvm-k8s.internal:5000/charts/emqx", version: "5.8.3", namespace: "iot" });
    });

    it("given a baseline, says which nodes a change rebuilds, and refuses what up refuses (several at once)", () => {
        const base = siteSummary(resolveOrThrow(stackInput("prod")));
        const one = stackInput("prod");
        (one.site as Record<string, Record<string, unknown>[]>).workers[0].memoryMiB = 32768;
        const changes = compareWithBaseline({ fingerprints: Object.fromEntries(Object.entries(base.nodes).map(([k, v]) => [k, v.fingerprint])), nodes: base.nodes }, siteSummary(resolveOrThrow(one)));
        assert.deepStrictEqual(changes.rebuilt, [{ node: "site1-worker-1", what: ["memoryMiB: 16384 -> 32768"] }]);
        assert.deepStrictEqual(changes.issues, []);

        // every worker at once, through the CLI against the last plan's directory
        const baseline = planCli(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"), ["--stand-in-key"]);
        try {
            assert.strictEqual(baseline.status, 0, baseline.stderr);
            const previous = path.join(baseline.dir, "previous");
            fs.renameSync(path.join(baseline.dir, "out", "t"), previous);
            fs.writeFileSync(path.join(baseline.dir, "Pulumi.t.yaml"), fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8") + "    sizes: { worker: { memoryMiB: 32768 } }\n");
            const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/plan.ts", "t", "--stand-in-key", "--baseline", previous], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, KVMK8S_STACK_DIR: baseline.dir, KVMK8S_OUT_DIR: path.join(baseline.dir, "out") },
            });
            assert.strictEqual(run.status, 1, run.stdout);
            assert.match(run.stderr, /rebuild site1-worker-1: memoryMiB: 16384 -> 32768/);
            assert.match(run.stderr, /this change would rebuild 3 VMs at once/);
        } finally {
            baseline.cleanup();
        }
    });

    it("a site with many workers draws them grouped by step, and the graph stays small", async () => {
        const rec = await record(() => buildSite(syntheticSite(40)), { stack: "bench" });
        const graph = deploymentGraph(rec);
        assert.ok(graph.includes('site1_worker___join["site1-worker-*-join (40)"]'), graph.slice(0, 400));
        assert.ok(graph.includes("  site1_worker___join --> site1_cluster_ready\n"));
        assert.ok(graph.split("\n").length < 120, `${graph.split("\n").length} lines`);
    });
});

