/** The rolling upgrade (upgrade-cluster.sh, upgrade-node.sh) and etcd snapshots, from the director. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { b64, LIB, ok, read } from "./runner";
import { box, extra, lines, MASTERS, nodes, OPS_USER, sshArgs, state, useDirectorStandIns, WORKERS } from "./director-stand-ins";

describe("remote scripts: day-2 operations, with stand-in kubectl and ssh", () => {
    useDirectorStandIns();

    describe("upgrade-cluster.sh", () => {
        const rel = "components/operations/scripts/upgrade-cluster.sh";
        // The director's copy of upgrade-node.sh, as the program installs it: lib.sh, then the script.
        const NODE_SCRIPT = read(LIB) + read("components/operations/scripts/upgrade-node.sh");
        const env = (target: string, more: Record<string, string> = {}) => ({
            TARGET_VERSION: target,
            KUBERNETES_APT_REPO: `https://pkgs.k8s.io/core:/stable:/v${target.split(".").slice(0, 2).join(".")}/deb/`,
            MASTERS, WORKERS, OPS_USER,
            KVMK8S_FILES: `0755 /usr/local/lib/kvm-k8s/upgrade-node.sh ${b64(NODE_SCRIPT)}`,
            ...more,
        });
        const untouched = (): void => {
            assert.deepStrictEqual(lines("events"), [], "no drain, uncordon or ssh");
            assert.deepStrictEqual(lines("ssh-calls"), []);
            assert.ok(!lines("calls").some((l) => / (drain|cordon|uncordon) /.test(l)));
            assert.ok(!fs.existsSync(box.p("/usr/local/lib/kvm-k8s/upgrade-node.sh")), "nothing written before the gate passed");
        };

        it("refuses a skipped minor version with the exact message, touching nothing", () => {
            state("server", "v1.31.4");
            state("nodes", nodes("v1.31.4"));
            const r = box.run(rel, env("1.33.0"), extra());
            assert.notStrictEqual(r.status, 0);
            assert.match(r.stderr, /^ERROR: kvm-k8s:site\.cluster\.kubernetesVersion: 1\.33\.0 skips a minor version \(cluster is at 1\.31\.4\); upgrade one minor at a time: set 1\.32\.<patch> first$/m);
            untouched();
        });

        it("refuses a downgrade, and a cluster that does not answer, touching nothing", () => {
            state("server", "v1.31.4");
            state("nodes", nodes("v1.31.4"));
            for (const target of ["1.30.8", "1.31.3"]) {
                const r = box.run(rel, env(target), extra());
                assert.notStrictEqual(r.status, 0, target);
                assert.match(r.stderr, new RegExp(`kvm-k8s:site\\.cluster\\.kubernetesVersion: ${target.replace(/\./g, "\\.")} is older than the cluster \\(1\\.31\\.4\\): downgrades are not supported`));
                untouched();
            }
            state("api-down", "");
            const down = box.run(rel, env("1.32.0"), extra());
            assert.notStrictEqual(down.status, 0);
            assert.match(down.stderr, /the cluster does not answer \(kubectl version: The connection to the server .* was refused\); not upgrading/);
            untouched();
        });

        it("upgrades masters then workers in order, one at a time, each drained before its kubelet is upgraded; a re-run does nothing", () => {
            state("server", "v1.31.4");
            // master-2 and worker-2 are already at the target (e.g. rebuilt): skipped.
            state("nodes", nodes("v1.31.4", {
                "site1-master-2": "site1-master-2 True v1.32.0 false 10.10.0.12",
                "site1-worker-2": "site1-worker-2 True v1.32.0 false 10.10.0.22",
            }));
            const r = box.run(rel, env("1.32.0"), extra());
            ok(r, "upgrade");
            assert.deepStrictEqual(lines("events"), [
                "drain site1-master-1",
                "upgrade site1-master-1 first-master",
                "uncordon site1-master-1",
                "drain site1-master-3",
                "upgrade site1-master-3 master",
                "uncordon site1-master-3",
                "drain site1-worker-1",
                "upgrade site1-worker-1 worker",
                "uncordon site1-worker-1",
                "drain site1-worker-3",
                "upgrade site1-worker-3 worker",
                "uncordon site1-worker-3",
            ]);
            assert.deepStrictEqual(lines("calls").filter((l) => l.includes(" drain ")), [
                "kubectl drain site1-master-1 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
                "kubectl drain site1-master-3 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
                "kubectl drain site1-worker-1 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
                "kubectl drain site1-worker-3 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
            ]);
            assert.deepStrictEqual(lines("ssh-calls"), ["10.10.0.11", "10.10.0.13", "10.10.0.21", "10.10.0.23"].map((a) => sshArgs(a, "sudo -n bash -s")));
            const prelude = (mode: string) =>
                `export TARGET_VERSION='1.32.0'\nexport KUBERNETES_APT_REPO='https://pkgs.k8s.io/core:/stable:/v1.32/deb/'\nexport MODE='${mode}'\n`;
            assert.strictEqual(state("ssh-stdin-1"), prelude("first-master") + NODE_SCRIPT, "upgrade-node.sh streamed after its prelude");
            assert.strictEqual(state("ssh-stdin-2"), prelude("master") + NODE_SCRIPT);
            assert.strictEqual(state("ssh-stdin-4"), prelude("worker") + NODE_SCRIPT);
            for (const line of [
                /^ok: the cluster is at 1\.31\.4; v1\.32\.0 is a permitted upgrade target$/m,
                /^ok: holding the node-removal lock for the upgrade$/m,
                /^changed: site1-master-1 upgraded to v1\.32\.0 and Ready$/m,
                /^ok: site1-master-2 already at v1\.32\.0$/m,
                /^ok: site1-worker-2 already at v1\.32\.0$/m,
                /^changed: drained site1-worker-3$/m,
                /^ {2}site1-worker-3: changed: upgraded to v1\.32\.0$/m,
                /^ok: all 6 nodes at v1\.32\.0$/m,
            ]) {
                assert.match(r.stdout, line);
            }
            assert.strictEqual(box.mode("/usr/local/lib/kvm-k8s/upgrade-node.sh"), 0o755);
            assert.ok(fs.existsSync(box.p("/run/lock/kvm-k8s-node-removal")), "the node-removal lock");
            assert.doesNotMatch(state("nodes"), / true /, "every node uncordoned");

            state("events", "");
            state("ssh-calls", "");
            state("server", "v1.32.0");
            const again = box.run(rel, env("1.32.0"), extra());
            ok(again, "re-run");
            assert.deepStrictEqual(lines("events"), []);
            assert.deepStrictEqual(lines("ssh-calls"), []);
            assert.doesNotMatch(again.stdout, /changed:/);
        });

        it("a failure on worker 2 stops the run there, leaves worker 3 untouched, and a re-run resumes", () => {
            state("server", "v1.31.4");
            state("nodes", nodes("v1.31.4"));
            const failed = box.run(rel, env("1.32.0"), extra({ FAKE_UPGRADE_FAIL: "10.10.0.22" }));
            assert.notStrictEqual(failed.status, 0);
            assert.match(failed.stderr, /^ERROR: upgrade of site1-worker-2 to v1\.32\.0 failed: upgrade-node\.sh \(worker\) failed on it \(exit 1; see above\); it stays cordoned\. Nodes not touched: site1-worker-3\. Fix the cause and run again: nodes already at v1\.32\.0 are skipped, so the re-run resumes with site1-worker-2$/m);
            assert.match(failed.stdout, /^ {2}site1-worker-2: ERROR: kubeadm upgrade node failed/m, "the node's own error is shown");
            const events = lines("events");
            assert.ok(!events.some((e) => e.includes("site1-worker-3")), `worker 3 was touched:\n${events.join("\n")}`);
            assert.deepStrictEqual(events.slice(-2), ["drain site1-worker-2", "upgrade site1-worker-2 worker"]);
            assert.match(state("nodes"), /^site1-worker-3 True v1\.31\.4 false /m);
            assert.match(state("nodes"), /^site1-worker-2 True v1\.31\.4 true /m, "left cordoned");

            state("events", "");
            const resumed = box.run(rel, env("1.32.0"), extra());
            ok(resumed, "re-run");
            assert.deepStrictEqual(lines("events"), [
                "drain site1-worker-2", "upgrade site1-worker-2 worker", "uncordon site1-worker-2",
                "drain site1-worker-3", "upgrade site1-worker-3 worker", "uncordon site1-worker-3",
            ]);
        });

        it("a blocked drain stops the run with the node cordoned; a NotReady node blocks the next upgrade", () => {
            state("server", "v1.31.4");
            state("nodes", nodes("v1.32.0", { "site1-worker-1": "site1-worker-1 True v1.31.4 false 10.10.0.21", "site1-worker-2": "site1-worker-2 True v1.31.4 false 10.10.0.22" }));
            const blocked = box.run(rel, env("1.32.0"), extra({ FAKE_DRAIN_FAIL: "site1-worker-1" }));
            assert.notStrictEqual(blocked.status, 0);
            assert.match(blocked.stderr, /upgrade of site1-worker-1 to v1\.32\.0 failed: its drain did not finish within 600s .*it stays cordoned\. Nodes not touched: site1-worker-2 site1-worker-3\./);
            assert.match(blocked.stderr, /disruption budget/);
            assert.deepStrictEqual(lines("ssh-calls"), [], "not upgraded after a failed drain");

            state("events", "");
            state("nodes", nodes("v1.32.0", { "site1-worker-1": "site1-worker-1 True v1.31.4 false 10.10.0.21", "site1-master-2": "site1-master-2 False v1.32.0 false 10.10.0.12" }));
            const notReady = box.run(rel, env("1.32.0", { WAIT_TIMEOUT_SECONDS: "0" }), extra());
            assert.notStrictEqual(notReady.status, 0);
            assert.match(notReady.stderr, /upgrade of site1-worker-1 to v1\.32\.0 failed: not upgrading it while other nodes are not Ready \(after 0s: site1-master-2\)\. Nodes not touched: site1-worker-1 site1-worker-2 site1-worker-3\./);
            assert.deepStrictEqual(lines("events"), []);

            // Upgraded, but its kubelet never comes back at the new version.
            state("nodes", nodes("v1.32.0", { "site1-worker-3": "site1-worker-3 True v1.31.4 false 10.10.0.23" }));
            const stuck = box.run(rel, env("1.32.0", { WAIT_TIMEOUT_SECONDS: "0" }), extra({ FAKE_KUBELET_STUCK: "10.10.0.23" }));
            assert.notStrictEqual(stuck.status, 0);
            assert.match(stuck.stderr, /upgrade of site1-worker-3 to v1\.32\.0 failed: not Ready at v1\.32\.0 0s after its upgrade \(kubelet, Ready: v1\.31\.4 True\)\. Nodes not touched: none\./);
            assert.deepStrictEqual(lines("events"), ["drain site1-worker-3", "upgrade site1-worker-3 worker", "uncordon site1-worker-3"]);
        });
    });

    describe("upgrade-node.sh", () => {
        const rel = "components/operations/scripts/upgrade-node.sh";
        const manifest = (v: string) => `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n    image: registry.k8s.io/kube-apiserver:${v}\n`;
        const env = (mode: string) => ({ TARGET_VERSION: "1.32.0", KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.32/deb/", MODE: mode });
        beforeEach(() => box.tool("kubelet", `echo "Kubernetes $FAKE_KUBELET"\n`));

        it("leaves a node already at the target alone; otherwise goes on to the package steps", () => {
            box.put("/etc/kubernetes/manifests/kube-apiserver.yaml", manifest("v1.32.0"), 0o600);
            const done = box.run(rel, env("first-master"), { FAKE_KUBELET: "v1.32.0" });
            ok(done, "already upgraded");
            assert.match(done.stdout, /^ok: kubelet and the control plane already at v1\.32\.0; nothing to upgrade$/m);

            // Streamed the way upgrade-cluster.sh sends it: prelude and the director's copy (lib.sh,
            // then the script) on bash's stdin; no file to source lib.sh from.
            const input = `export KVMK8S_ROOT='${box.root}'\nexport TARGET_VERSION='1.32.0'\nexport KUBERNETES_APT_REPO='https://pkgs.k8s.io/core:/stable:/v1.32/deb/'\nexport MODE='master'\n${read(LIB)}${read(rel)}`;
            const streamed = spawnSync("bash", ["-s"], { input, encoding: "utf8", env: { PATH: `${box.bin}:${process.env.PATH}`, FAKE_KUBELET: "v1.32.0" } });
            assert.strictEqual(streamed.status, 0, streamed.stderr);
            assert.match(streamed.stdout, /^ok: kubelet and the control plane already at v1\.32\.0; nothing to upgrade$/m);

            // The control plane is behind: not done, even though kubelet is at the target.
            box.put("/etc/kubernetes/manifests/kube-apiserver.yaml", manifest("v1.31.4"), 0o600);
            const behind = box.run(rel, env("first-master"), { FAKE_KUBELET: "v1.32.0" });
            assert.notStrictEqual(behind.status, 0);
            assert.match(behind.stdout, /^upgrading this node \(first-master\) to v1\.32\.0$/m);
            assert.match(behind.stderr, /step kubernetes_repo acts on the running system/);

            const worker = box.run(rel, env("worker"), { FAKE_KUBELET: "v1.32.0" });
            ok(worker, "a worker only needs its kubelet at the target");
            assert.match(worker.stdout, /^ok: kubelet already at v1\.32\.0; nothing to upgrade$/m);
            const old = box.run(rel, env("worker"), { FAKE_KUBELET: "v1.31.4" });
            assert.notStrictEqual(old.status, 0);
            assert.match(old.stdout, /^upgrading this node \(worker\) to v1\.32\.0$/m);

            const badMode = box.run(rel, env("leader"), { FAKE_KUBELET: "v1.32.0" });
            assert.notStrictEqual(badMode.status, 0);
            assert.match(badMode.stderr, /MODE must be first-master, master or worker, not 'leader'/);
            const wrongRepo = box.run(rel, { ...env("worker"), KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.31/deb/" }, { FAKE_KUBELET: "v1.32.0" });
            assert.notStrictEqual(wrongRepo.status, 0);
            assert.match(wrongRepo.stderr, /TARGET_VERSION 1\.32\.0 is not served by KUBERNETES_APT_REPO .*\(v1\.31\)/);
        });
    });

    describe("etcd-snapshot.sh", () => {
        const rel = "components/operations/scripts/etcd-snapshot.sh";
        const env = (id: string) => ({ SNAPSHOT_ID: id, SITE: "site1", MASTERS, OPS_USER });
        const SNAPSHOT = Buffer.from([0x00, 0x01, 0xed, 0xda, 0x0c, 0xed, ...Buffer.from("etcd bbolt pages\n".repeat(50))]);
        const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
        const backups = (): string[] => (fs.existsSync(box.p("/var/backups/kvm-k8s")) ? fs.readdirSync(box.p("/var/backups/kvm-k8s")).sort() : []);

        it("takes the snapshot on the first Ready master, keeps it with its sha256, and a second run is a no-op", () => {
            state("nodes", nodes("v1.31.4", { "site1-master-1": "site1-master-1 False v1.31.4 false 10.10.0.11" }));
            fs.writeFileSync(path.join(box.dir, "state", "snapshot-source"), SNAPSHOT);
            const r = box.run(rel, env("3"), extra());
            ok(r, "snapshot");
            const target = "/var/backups/kvm-k8s/etcd-site1-3.db";
            assert.ok(fs.readFileSync(box.p(target)).equals(SNAPSHOT), "the snapshot's exact bytes");
            assert.strictEqual(box.get(`${target}.sha256`), `${sha(SNAPSHOT)}  etcd-site1-3.db\n`);
            assert.strictEqual(box.mode(target), 0o600);
            assert.strictEqual(box.mode(`${target}.sha256`), 0o600);
            assert.strictEqual(box.mode("/var/backups/kvm-k8s"), 0o700);
            assert.deepStrictEqual(backups(), ["etcd-site1-3.db", "etcd-site1-3.db.sha256"], "no temp file left");
            assert.match(r.stdout, new RegExp(`^changed: etcd snapshot 3 taken on site1-master-2: ${target} \\(${SNAPSHOT.length} bytes, sha256 ${sha(SNAPSHOT)}\\)$`, "m"));
            assert.deepStrictEqual(lines("ssh-calls"), [
                sshArgs("10.10.0.12", "sudo -n bash -s"),
                sshArgs("10.10.0.12", "sudo -n cat -- /var/lib/etcd/kvm-k8s-snapshot.db"),
                sshArgs("10.10.0.12", "sudo -n rm -f -- /var/lib/etcd/kvm-k8s-snapshot.db"),
            ]);
            const snippet = state("ssh-stdin-1");
            assert.match(snippet, /crictl ps --name etcd -q \| head -n 1/);
            assert.match(snippet, /exec "\$id" etcdctl --endpoints=https:\/\/127\.0\.0\.1:2379 --cacert=\/etc\/kubernetes\/pki\/etcd\/ca\.crt \\\n\s+--cert=\/etc\/kubernetes\/pki\/etcd\/server\.crt --key=\/etc\/kubernetes\/pki\/etcd\/server\.key \\\n\s+snapshot save "\$snapshot"/);
            assert.match(snippet, /^snapshot=\/var\/lib\/etcd\/kvm-k8s-snapshot\.db$/m);
            assert.ok(!fs.existsSync(path.join(box.dir, "state", "remote-snapshot")), "removed from the master");

            state("ssh-calls", "");
            const again = box.run(rel, env("3"), extra());
            ok(again, "second run");
            assert.match(again.stdout, new RegExp(`^ok: snapshot 3 already taken \\(${target}, ${SNAPSHOT.length} bytes\\)$`, "m"));
            assert.deepStrictEqual(lines("ssh-calls"), [], "no ssh");
        });

        it("an empty or corrupted copy fails and leaves no file behind", () => {
            state("nodes", nodes("v1.31.4"));
            fs.writeFileSync(path.join(box.dir, "state", "snapshot-source"), "");
            const empty = box.run(rel, env("4"), extra());
            assert.notStrictEqual(empty.status, 0);
            assert.match(empty.stderr, /the etcd snapshot copied from site1-master-1 is empty; nothing kept/);
            assert.deepStrictEqual(backups(), [], "no target, no .sha256, no temp file");
            assert.ok(!fs.existsSync(path.join(box.dir, "state", "remote-snapshot")), "removed from the master anyway");

            fs.writeFileSync(path.join(box.dir, "state", "snapshot-source"), SNAPSHOT);
            const corrupt = box.run(rel, env("4"), extra({ FAKE_CORRUPT: "1" }));
            assert.notStrictEqual(corrupt.status, 0);
            assert.match(corrupt.stderr, new RegExp(`the copy's sha256 \\([0-9a-f]{64}\\) is not the snapshot's on site1-master-1 \\(${sha(SNAPSHOT)}\\); nothing kept`));
            assert.deepStrictEqual(backups(), []);

            const unreachable = box.run(rel, env("4"), extra({ FAKE_SSH_FAIL: "10.10.0.11" }));
            assert.notStrictEqual(unreachable.status, 0);
            assert.match(unreachable.stderr, /saving the etcd snapshot on site1-master-1 failed; see \/var\/log\/kvm-k8s\/etcd-snapshot\.log: .*Permission denied/);
            assert.deepStrictEqual(backups(), []);

            state("nodes", "site1-master-1 False v1.31.4 false 10.10.0.11\n");
            const noMaster = box.run(rel, env("4"), extra());
            assert.notStrictEqual(noMaster.status, 0);
            assert.match(noMaster.stderr, /no master is Ready \(masters: site1-master-1 site1-master-2 site1-master-3\); cannot take etcd snapshot 4/);
        });
    });
});
