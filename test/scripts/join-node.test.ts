/** join-node.sh on the director: per-join credentials, streamed to the node and deleted afterwards. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { calicoInstallation } from "../../components/cluster/calico";
import { filesPayload } from "../../components/remote";
import { stackSite } from "../fixtures";
import { b64, ok, Run } from "./runner";
import { box, extra, lines, MASTERS, nodes, OPS_USER, sshArgs, state, useDirectorStandIns } from "./director-stand-ins";

describe("remote scripts: join-node.sh, with stand-in kubectl and ssh", () => {
    useDirectorStandIns();

    describe("join-node.sh", () => {
        const rel = "components/kubeadm/scripts/join-node.sh";
        const NODE_SCRIPT = "# fake node step\necho node step\n";
        const env = (more: Record<string, string> = {}) => ({
            NODE: "site1-worker-3", ROLE: "worker", ADDRESS: "10.10.0.23", MASTERS, OPS_USER,
            NODE_SCRIPT: b64(NODE_SCRIPT), NODE_ENV: b64("export KVMK8S_FILES='0600 /etc/kvm-k8s/kubeadm-join.yaml eA=='\n"), ...more,
        });
        /** The token and key the run minted, read back from what the stand-ins saw. */
        const minted = (): { id: string; secret: string; key?: string } => {
            const manifest = state("applied");
            const field = (k: string): string => Buffer.from(new RegExp(`^  ${k}: (\\S+)$`, "m").exec(manifest)![1], "base64").toString("utf8");
            const streams = lines("ssh-calls").map((_, i) => state(`ssh-stdin-${i + 1}`)).join("\n");
            const key = /^export CERTIFICATE_KEY='([0-9a-f]{64})'$/m.exec(streams)?.[1];
            return { id: field("token-id"), secret: field("token-secret"), key };
        };
        const noSecrets = (r: Run, secrets: string[]): void => {
            const out = r.stdout + r.stderr;
            const argv = state("calls") + state("ssh-calls");
            for (const secret of secrets.filter(Boolean)) {
                assert.ok(!out.includes(secret) && !out.includes(b64(secret)), `a secret leaked into the output:\n${out}`);
                assert.ok(!argv.includes(secret) && !argv.includes(b64(secret)), `a secret is on a command line:\n${argv}`);
            }
        };

        it("the first build: no cluster, so no credentials; the node step (kubeadm init) runs without any", () => {
            state("nodes", "");
            const fresh = box.run(rel, env({ NODE: "site1-master-1", ROLE: "master", ADDRESS: "10.10.0.11" }), extra());
            ok(fresh, "no kubeconfig");
            assert.match(fresh.stdout, /^ok: no cluster yet \(\/root\/\.kube\/config absent\): no join credentials; kubeadm init makes its own short-lived token$/m);
            assert.deepStrictEqual(lines("calls"), [], "kubectl is not even asked");
            assert.deepStrictEqual(lines("events"), ["node-step 10.10.0.11 token=no key=no"]);
            assert.match(fresh.stdout, /^ {2}site1-master-1: changed: joined the cluster$/m, "the node's output is shown, prefixed");
            assert.ok(state("ssh-stdin-1").startsWith("export KVMK8S_FILES="), "the node's environment first");
            assert.ok(state("ssh-stdin-1").endsWith(NODE_SCRIPT), "then its script");
        });

        it("a worker join: a token of its own (random id, 15 minutes) on ssh's stdin only, deleted once the node has joined", () => {
            box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
            state("nodes", nodes("v1.36.3", { "site1-worker-3": "" }).replace(/\n\n/, "\n"));
            const t0 = Date.now();
            const first = box.run(rel, env(), extra());
            ok(first, "worker join");
            const { id, secret } = minted();
            assert.match(`${id}.${secret}`, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
            noSecrets(first, [secret]);
            assert.deepStrictEqual(lines("events"), ["apply", "node-step 10.10.0.23 token=yes key=no", `delete secret bootstrap-token-${id}`]);
            assert.ok(state("ssh-stdin-1").includes(`export JOIN_TOKEN='${id}.${secret}'\n`), "the node gets the minted token");
            const manifest = state("applied");
            const field = (k: string): string => Buffer.from(new RegExp(`^  ${k}: (\\S+)$`, "m").exec(manifest)![1], "base64").toString("utf8");
            assert.match(manifest, new RegExp(`^  name: bootstrap-token-${id}$`, "m"));
            assert.match(manifest, /^type: bootstrap\.kubernetes\.io\/token$/m);
            assert.strictEqual(field("auth-extra-groups"), "system:bootstrappers:kubeadm:default-node-token");
            assert.strictEqual(field("description"), "kvm-k8s: join of site1-worker-3 (join-node.sh)");
            const expires = Date.parse(field("expiration"));
            assert.ok(expires >= t0 + 14 * 60_000 && expires <= Date.now() + 16 * 60_000, `expiration ${field("expiration")} is not now + 15 minutes`);
            assert.match(first.stdout, new RegExp(`^changed: deleted bootstrap token ${id}$`, "m"));
            assert.strictEqual(state(`secret-bootstrap-token-${id}`), "", "the token's Secret is gone");

            // every join mints its own: a second run gets another id and secret
            state("events", "");
            state("ssh-calls", "");
            const again = box.run(rel, env(), extra());
            ok(again, "another join");
            assert.notStrictEqual(minted().id, id, "a token was reused");
            noSecrets(again, [minted().secret]);
        });

        it("a failed join still deletes its token; the re-run mints a new one", () => {
            box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
            state("nodes", nodes("v1.36.3", { "site1-worker-3": "" }).replace(/\n\n/, "\n"));
            const failed = box.run(rel, env(), extra({ FAKE_JOIN_FAIL: "10.10.0.23" }));
            assert.notStrictEqual(failed.status, 0);
            const { id, secret } = minted();
            noSecrets(failed, [secret]);
            assert.match(failed.stderr, /the node step on site1-worker-3 \(10\.10\.0\.23\) failed \(exit 1; see above and \/var\/log\/kvm-k8s on site1-worker-3\); run pulumi up again: it mints new credentials/);
            assert.deepStrictEqual(lines("events"), ["apply", "node-step 10.10.0.23 token=yes key=no", `delete secret bootstrap-token-${id}`]);
        });

        it("a master join: a fresh certificate key, uploaded by another master from stdin, streamed to the joining master; both Secrets deleted after", () => {
            box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
            // master-1 is NotReady, master-3 (the joining one) is absent: master-2 uploads.
            state("nodes", "site1-master-1 False v1.36.3 false 10.10.0.11\nsite1-master-2 True v1.36.3 false 10.10.0.12\n");
            const r = box.run(rel, env({ NODE: "site1-master-3", ROLE: "master", ADDRESS: "10.10.0.13" }), extra());
            ok(r, "master join");
            const { id, secret, key } = minted();
            assert.match(key ?? "", /^[0-9a-f]{64}$/, "the joining master gets a certificate key");
            noSecrets(r, [secret, key!]);
            assert.match(r.stdout, /^changed: control-plane certificates uploaded from site1-master-2 with a key of site1-master-3's join alone$/m);
            assert.deepStrictEqual(lines("ssh-calls")[0], sshArgs("10.10.0.12", 'sudo -n kubeadm init phase upload-certs --upload-certs --skip-certificate-key-print --certificate-key "$(cat)"'));
            assert.strictEqual(state("ssh-stdin-1"), `${key}\n`, "the uploading master gets the same key, on stdin");
            assert.deepStrictEqual(lines("events"), [
                "apply",
                "upload-certs site1-master-2",
                "node-step 10.10.0.13 token=yes key=yes",
                `delete secret bootstrap-token-${id}`,
                "delete secret kubeadm-certs",
            ]);
            const log = box.p("/var/log/kvm-k8s/upload-certs.log");
            assert.strictEqual(fs.statSync(log).mode & 0o777, 0o600);

            // the next master join: another key
            state("events", "");
            state("ssh-calls", "");
            ok(box.run(rel, env({ NODE: "site1-master-3", ROLE: "master", ADDRESS: "10.10.0.13" }), extra()), "again");
            assert.notStrictEqual(minted().key, key, "a certificate key was reused");
        });

        it("a master join with no other serving master fails before the node is touched, and its token is deleted", () => {
            box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
            state("nodes", "site1-master-1 False v1.36.3 false 10.10.0.11\n");
            state("apiserver-down", "site1-master-1\n");
            const none = box.run(rel, env({ NODE: "site1-master-2", ROLE: "master", ADDRESS: "10.10.0.12" }), extra());
            assert.notStrictEqual(none.status, 0);
            assert.match(none.stderr, /no master other than site1-master-2 is registered with an API server that answers \(masters: site1-master-1 site1-master-2 site1-master-3\): cannot upload the control-plane certificates site1-master-2 needs to join/);
            const { id } = minted();
            assert.deepStrictEqual(lines("events"), ["apply", `delete secret bootstrap-token-${id}`]);
            assert.deepStrictEqual(lines("ssh-calls"), []);
        });

        it("a node already joined and Ready gets no credentials; its step still runs (files, kube-vip)", () => {
            box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
            state("nodes", nodes("v1.36.3"));
            const r = box.run(rel, env(), extra());
            ok(r, "joined");
            assert.match(r.stdout, /^ok: site1-worker-3 already joined \(registered and Ready\): no join credentials$/m);
            assert.deepStrictEqual(lines("events"), ["node-step 10.10.0.23 token=no key=no"]);

            const bad = box.run(rel, env({ ADDRESS: "10.10.0" }), extra());
            assert.notStrictEqual(bad.status, 0);
            assert.match(bad.stderr, /ADDRESS '10\.10\.0' is not an IPv4 address/);
        });
    });

    it("admit-node.sh: the node is on the roster and the director knows its host key; nothing else", () => {
        const rel = "components/cluster/scripts/admit-node.sh";
        box.put("/etc/kvm-k8s/roster", "site1-master-1\nsite1-worker-1\n");
        const r = box.run(rel, { NODE: "site1-master-1", ADDRESS: "10.10.0.11" }, extra());
        ok(r, "admitted");
        assert.match(r.stdout, /^ok: site1-master-1's host key is known \(10\.10\.0\.11\); its join mints its own credentials$/m);
        assert.deepStrictEqual([lines("calls"), lines("ssh-calls"), lines("events")], [[], [], []]);
        const unknown = box.run(rel, { NODE: "site1-worker-1", ADDRESS: "10.10.0.21" }, extra());
        assert.notStrictEqual(unknown.status, 0);
        assert.match(unknown.stderr, /no host key for site1-worker-1 \(10\.10\.0\.21\) in \/etc\/kvm-k8s\/known_hosts/);
        const stranger = box.run(rel, { NODE: "site1-worker-9", ADDRESS: "10.10.0.29" }, extra());
        assert.match(stranger.stderr, /site1-worker-9 is not on the roster/);
    });

    it("a first prod build: the CNI right after init lets master-2's join go ahead, and nodes turn Ready only once install-calico.sh has run", () => {
        // After kubeadm init: master-1 is registered, its kubelet healthy and its API server
        // up, but there is no CNI yet, so it is NotReady, as the real kubelet reports it.
        fs.rmSync(path.join(box.dir, "state", "cni"));
        box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
        state("nodes", "site1-master-1 True v1.31.4 false 10.10.0.11\n");
        const gate = box.run("components/cluster/scripts/wait-nodes-ready.sh", { EXPECTED_NODES: "site1-master-1", TIMEOUT_SECONDS: "0" }, extra());
        assert.notStrictEqual(gate.status, 0, "a node is Ready before any CNI exists");
        assert.match(gate.stderr, /not Ready: site1-master-1/);

        // master-2's join, from the director, has the certificates uploaded by master-1, NotReady but serving.
        const join = box.run("components/kubeadm/scripts/join-node.sh", {
            NODE: "site1-master-2", ROLE: "master", ADDRESS: "10.10.0.12", MASTERS, OPS_USER,
            NODE_SCRIPT: b64("# fake node step\n"), NODE_ENV: b64("export KVMK8S_FILES='x'\n"),
        }, extra());
        ok(join, "join before the CNI");
        assert.match(join.stdout, /^changed: control-plane certificates uploaded from site1-master-1 with a key of site1-master-2's join alone$/m);

        // install-calico.sh, as the program runs it right after init: then master-1 is Ready.
        box.put("/opt/tigera-operator.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tigera-operator\n");
        const calico = {
            CALICO_OPERATOR_MANIFEST: "/opt/tigera-operator.yaml",
            KVMK8S_FILES: filesPayload([{ path: "/etc/kvm-k8s/calico-installation.yaml", mode: "0644", content: calicoInstallation(stackSite("prod")) }]),
        };
        const first = box.run("components/cluster/scripts/install-calico.sh", calico, extra());
        ok(first, "install-calico.sh");
        assert.match(first.stdout, /^changed: applied \/etc\/kvm-k8s\/calico-installation\.yaml$/m);
        assert.match(first.stdout, /^ok: calico is Available \(tigerastatus calico\)$/m);
        const again = box.run("components/cluster/scripts/install-calico.sh", calico, extra());
        ok(again, "install-calico.sh again");
        assert.doesNotMatch(again.stdout, /changed:/);
        ok(box.run("components/cluster/scripts/wait-nodes-ready.sh", { EXPECTED_NODES: "site1-master-1", TIMEOUT_SECONDS: "0" }, extra()), "Ready once the CNI runs");
    });

    it("wait-nodes-ready.sh: each kubelet's serving CSR approved only for exactly its name and address, then checked on port 10250 against the cluster CA", () => {
        const rel = "components/cluster/scripts/wait-nodes-ready.sh";
        // real certificates, made with openssl: the cluster CA, the kubelet's self-signed
        // default, its CSR for exactly its names, and one asking for an extra address
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-csr-"));
        const sh = (cmd: string): void => {
            const r = spawnSync("bash", ["-c", cmd], { cwd: dir, encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
        };
        const ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
        sh(`openssl req -x509 ${ec} -keyout ca.key -out ca.crt -subj /CN=kubernetes -days 2`);
        sh(`openssl req -x509 ${ec} -keyout self.key -out self.crt -subj /CN=site1-worker-1@1700000000 -addext subjectAltName=DNS:site1-worker-1,IP:10.10.0.21 -days 2`);
        const subj = "-subj /O=system:nodes/CN=system:node:site1-worker-1";
        sh(`openssl req -new ${ec} -keyout k.key -out good.csr ${subj} -addext subjectAltName=DNS:site1-worker-1,IP:10.10.0.21`);
        sh(`openssl req -new ${ec} -keyout k2.key -out bad.csr ${subj} -addext subjectAltName=DNS:site1-worker-1,IP:10.10.0.21,IP:10.20.0.99`);
        sh("openssl x509 -req -in good.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out good.crt -days 1 -copy_extensions copy");
        const file = (f: string): string => fs.readFileSync(path.join(dir, f), "utf8");
        box.tool("openssl", `if [[ "$1" == s_client ]]; then
    for a in "$@"; do if [[ "$a" == *:10250 ]]; then addr="\${a%:10250}"; fi; done
    if [[ -f "$FAKE_STATE/serving-$addr" ]]; then echo CONNECTED; cat "$FAKE_STATE/serving-$addr"; exit 0; fi
    echo "connect: Connection refused" >&2; exit 1
fi
exec /usr/bin/openssl "$@"
`);
        box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
        state("nodes", "site1-worker-1 True v1.36.3 false 10.10.0.21\n");
        state("ca-b64", b64(file("ca.crt")));
        state("serving-10.10.0.21", file("self.crt"));
        state("csrs", "csr-bad system:node:site1-worker-1\ncsr-good system:node:site1-worker-1\ncsr-other system:node:site1-worker-2\n");
        state("csr-csr-bad.req", b64(file("bad.csr")));
        state("csr-csr-good.req", b64(file("good.csr")));
        state("csr-csr-good.cert", file("good.crt"));
        state("csr-csr-good.addr", "10.10.0.21");
        const env = { EXPECTED_NODES: "site1-worker-1", NODE_ADDRESSES: "site1-worker-1=10.10.0.21", TIMEOUT_SECONDS: "20" };
        const r = box.run(rel, env, extra());
        fs.rmSync(dir, { recursive: true, force: true });
        ok(r, "serving certificates");
        assert.deepStrictEqual(lines("events"), ["deny csr-bad", "approve csr-good"], "the other node's CSR is not touched");
        assert.match(r.stderr, /denied csr-bad: site1-worker-1 asked for DNS:site1-worker-1, IP:10\.10\.0\.21, IP:10\.20\.0\.99 instead of exactly DNS:site1-worker-1, IP:10\.10\.0\.21/);
        assert.match(r.stdout, /^changed: approved site1-worker-1's kubelet serving certificate \(csr-good: DNS:site1-worker-1, IP:10\.10\.0\.21\)$/m);
        assert.match(r.stdout, /^ok: site1-worker-1's kubelet serves a certificate signed by the cluster CA for 10\.10\.0\.21$/m);
        assert.match(state("csrs"), /^csr-other system:node:site1-worker-2$/m);

        state("events", "");
        const again = box.run(rel, env, extra());
        ok(again, "second run");
        assert.deepStrictEqual(lines("events"), [], "nothing to approve: the kubelet already serves a signed certificate");
        assert.doesNotMatch(again.stdout, /changed:/);

        // a kubelet still on its self-signed certificate, with nothing acceptable pending: fails clearly
        state("serving-10.10.0.21", "");
        const stuck = box.run(rel, { ...env, TIMEOUT_SECONDS: "0" }, extra());
        assert.notStrictEqual(stuck.status, 0);
        assert.match(stuck.stderr, /the kubelet of site1-worker-1 \(10\.10\.0\.21:10250\) serves no certificate the cluster CA signed for 10\.10\.0\.21 after 0s/);
    });
});
