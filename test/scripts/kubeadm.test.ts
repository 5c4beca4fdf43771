/** init-control-plane.sh, join-control-plane.sh and join-worker.sh on a node, with a stand-in kubeadm. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { b64, ok, Sandbox } from "./runner";

describe("remote scripts: kubeadm steps, with a stand-in kubeadm", () => {
    let box: Sandbox;
    const TOKEN = "abcdef.0123456789abcdef";
    const CERT_KEY = "f".repeat(64);
    beforeEach(() => {
        box = new Sandbox();
        // Prints what real kubeadm prints that must never reach the program's output.
        box.tool(
            "kubeadm",
            `echo "kubeadm $*" >>"$FAKE_CALLS"
case "$1" in
init)
    grep -q 'path: /etc/kubernetes/super-admin.conf' "$KVMK8S_ROOT/etc/kubernetes/manifests/kube-vip.yaml" && echo "kube-vip on super-admin.conf" >>"$FAKE_CALLS"
    echo "You can now join any number of control-plane nodes by running:"
    echo "  kubeadm join k8s.site1.example:6443 --token ${TOKEN} \\\\"
    echo "    --discovery-token-ca-cert-hash sha256:0123 --control-plane --certificate-key ${CERT_KEY}"
    echo "[upload-certs] Using certificate key:"
    echo "${CERT_KEY}"
    echo "[init] harmless progress line"
    [[ "\${FAKE_FAIL:-}" == 1 ]] && exit 1
    mkdir -p "$KVMK8S_ROOT/etc/kubernetes"
    echo "admin kubeconfig" >"$KVMK8S_ROOT/etc/kubernetes/admin.conf" ;;
join)
    # the configuration kubeadm was given (a temporary copy, gone after the run)
    cp "$3" "$FAKE_CALLS.config"; stat -c %a "$3" >"$FAKE_CALLS.mode"
    echo "[preflight] Running pre-flight checks"
    echo "[discovery] using token ${TOKEN}"
    echo "[kubelet-start] harmless progress line"
    [[ "\${FAKE_FAIL:-}" == 1 ]] && { echo "error: could not reach the API" >&2; exit 1; }
    mkdir -p "$KVMK8S_ROOT/etc/kubernetes"
    echo "kubelet kubeconfig" >"$KVMK8S_ROOT/etc/kubernetes/kubelet.conf" ;;
reset) echo "[reset] done" ;;
esac
exit 0
`,
        );
    });
    afterEach(() => box.cleanup());

    const calls = (): string[] => {
        const f = path.join(box.dir, "calls");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n").filter(Boolean) : [];
    };
    // as the program renders it: placeholders, no credential (kubeadm.ts)
    const JOIN_YAML = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    token: "@JOIN_TOKEN@"\n';
    const joinFiles = `0600 /etc/kvm-k8s/kubeadm-join.yaml ${b64(JOIN_YAML)}`;

    it("join-worker.sh joins once, keeps kubeadm's secrets out of its output, and resets a failed join", () => {
        const rel = "components/workers/scripts/join-worker.sh";
        const extra = { FAKE_CALLS: path.join(box.dir, "calls") };

        // without the director's credentials: refused before kubeadm runs
        const direct = box.run(rel, { KVMK8S_FILES: joinFiles }, extra);
        assert.notStrictEqual(direct.status, 0);
        assert.match(direct.stderr, /JOIN_TOKEN is missing or not a bootstrap token: the director's join-node\.sh mints one per join/);
        assert.deepStrictEqual(calls(), []);

        const failed = box.run(rel, { KVMK8S_FILES: joinFiles, JOIN_TOKEN: TOKEN }, { ...extra, FAKE_FAIL: "1" });
        assert.notStrictEqual(failed.status, 0);
        const out = failed.stdout + failed.stderr;
        assert.ok(!out.includes(TOKEN), `the join token leaked:\n${out}`);
        assert.doesNotMatch(out, /--discovery-token|certificate-key/);
        assert.match(failed.stderr, /harmless progress line/, "the log's tail is shown");
        assert.match(failed.stderr, /could not reach the API/);
        assert.match(failed.stderr, /kubeadm reset done/);
        // kubeadm reads a root-only temporary copy with the token; the file on disk keeps the placeholder
        assert.match(calls()[0], /^kubeadm join --config \/\S*kvm-k8s\.\w+\/kubeadm-join\.yaml$/);
        assert.deepStrictEqual(calls().slice(1), ["kubeadm reset --force"]);
        assert.strictEqual(fs.readFileSync(path.join(box.dir, "calls.config"), "utf8"), JOIN_YAML.replace("@JOIN_TOKEN@", TOKEN));
        assert.strictEqual(fs.readFileSync(path.join(box.dir, "calls.mode"), "utf8").trim(), "600");
        assert.strictEqual(box.get("/etc/kvm-k8s/kubeadm-join.yaml"), JOIN_YAML, "no credential on the node's disk");
        assert.ok(!fs.existsSync(calls()[0].split(" ").pop()!), "the copy is removed with the run");
        const log = box.p("/var/log/kvm-k8s/kubeadm-join.log");
        assert.strictEqual(fs.statSync(log).mode & 0o777, 0o600);
        assert.strictEqual(fs.statSync(path.dirname(log)).mode & 0o777, 0o700);
        assert.ok(fs.readFileSync(log, "utf8").includes(TOKEN), "the full output is kept in the root-only log");

        fs.rmSync(path.join(box.dir, "calls"));
        const joined = box.run(rel, { KVMK8S_FILES: joinFiles, JOIN_TOKEN: TOKEN }, extra);
        ok(joined, "join");
        assert.match(joined.stdout, /^changed: joined the cluster as a worker$/m);
        assert.ok(!joined.stdout.includes(TOKEN));
        assert.strictEqual(box.mode("/etc/kvm-k8s/kubeadm-join.yaml"), 0o600);

        fs.rmSync(path.join(box.dir, "calls"));
        const again = box.run(rel, { KVMK8S_FILES: joinFiles }, extra);
        ok(again, "second run");
        assert.match(again.stdout, /^ok: already joined/m);
        assert.doesNotMatch(again.stdout, /changed:/);
        assert.deepStrictEqual(calls(), [], "kubeadm is not run again");
    });

    it("init-control-plane.sh runs kube-vip on super-admin.conf during init, on admin.conf after", () => {
        const rel = "components/control-plane/scripts/init-control-plane.sh";
        const vip = [
            "apiVersion: v1",
            "kind: Pod",
            "metadata:",
            "  name: kube-vip",
            "spec:",
            "  containers:",
            "  - name: kube-vip",
            "    volumeMounts:",
            "    - mountPath: /etc/kubernetes/admin.conf",
            "      name: kubeconfig",
            "  volumes:",
            "  - hostPath:",
            "      path: /etc/kubernetes/admin.conf",
            "    name: kubeconfig",
            "",
        ].join("\n");
        const files = [
            `0600 /etc/kvm-k8s/kubeadm-init.yaml ${b64("kind: InitConfiguration\n")}`,
            joinFiles,
            `0600 /etc/kvm-k8s/kube-vip.yaml ${b64(vip)}`,
        ].join("\n");
        // Nothing listens on 127.0.0.1:1: the API does not answer, so this is a first init.
        const env = { CONTROL_PLANE_ENDPOINT: "127.0.0.1:1", KVMK8S_FILES: files };
        const extra = { FAKE_CALLS: path.join(box.dir, "calls") };

        const first = box.run(rel, env, extra);
        ok(first, "init");
        assert.deepStrictEqual(calls(), [
            // no --upload-certs: each master join uploads them with its own key (join-node.sh)
            `kubeadm init --config ${box.p("/etc/kvm-k8s/kubeadm-init.yaml")} --skip-token-print`,
            "kube-vip on super-admin.conf",
        ]);
        assert.match(first.stdout, /^changed: control plane initialised at 127\.0\.0\.1:1$/m);
        assert.ok(!first.stdout.includes(TOKEN) && !first.stdout.includes(CERT_KEY));
        assert.strictEqual(box.get("/etc/kubernetes/manifests/kube-vip.yaml"), vip, "after init: the manifest as given, on admin.conf");
        assert.strictEqual(box.mode("/etc/kubernetes/manifests/kube-vip.yaml"), 0o600);
        assert.strictEqual(box.get("/root/.kube/config"), "admin kubeconfig\n");
        assert.strictEqual(box.mode("/root/.kube/config"), 0o600);

        fs.rmSync(path.join(box.dir, "calls"));
        const second = box.run(rel, env, extra);
        ok(second, "second run");
        assert.match(second.stdout, /^ok: control plane already initialised/m);
        assert.doesNotMatch(second.stdout, /changed:/);
        assert.deepStrictEqual(calls(), []);
    });
});
