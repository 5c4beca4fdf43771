/** The cluster's director steps (roster, membership, Calico, readiness gate, removal), with a stand-in kubectl. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ok, Sandbox } from "./runner";

describe("remote scripts: cluster steps, with a stand-in kubectl", () => {
    let box: Sandbox;
    // State files: nodes ("name ready unschedulable ip"), etcd members (etcdctl's simple format).
    const KUBECTL = `state="$FAKE_STATE"
echo "kubectl $*" >>"$state/calls"
args=" $* "
node_line() { awk -v n="$1" '$1 == n' "$state/nodes"; }
case "$args" in
*" get nodes "*"-o wide"*) echo "NAME STATUS"; awk '{ print $1, ($2 == "True" ? "Ready" : "NotReady") }' "$state/nodes" ;;
*" get nodes "*) awk '{ print $1, $2 }' "$state/nodes" ;;
*" get node "*" -o name"*) n="$(awk '{ for (i = 1; i <= NF; i++) if ($i == "node") { print $(i + 1); exit } }' <<<"$*")"
    if [[ -n "$(node_line "$n")" ]]; then echo "node/$n"; fi ;;
*" get node "*"unschedulable"*) n="$3"; node_line "$n" | awk '{ print $3 }' ;;
*" get node "*"InternalIP"*) n="$3"; node_line "$n" | awk '{ print $4 }' ;;
*" get node "*"Ready"*) n="$3"; node_line "$n" | awk '{ print $2 }' ;;
*" cordon "*) n="$2"; awk -v n="$n" '$1 == n { $3 = "true" } { print }' "$state/nodes" >"$state/n.tmp"; mv "$state/n.tmp" "$state/nodes"; echo "node/$n cordoned" ;;
*" drain "*) if [[ -n "\${FAKE_DRAIN_FAIL:-}" ]]; then echo "error when evicting pods/web-1: Cannot evict pod as it would violate the pod's disruption budget." >&2; exit 1; fi; echo "node/$2 drained" ;;
*" get pods -l component=etcd "*) awk '$1 ~ /^master-/ { print "etcd-" $1, $1, "Running" }' "$state/nodes" ;;
*" exec "*" member list"*) cat "$state/members" ;;
*" exec "*" member remove "*) id="\${*: -1}"; grep -v "^$id," "$state/members" >"$state/m.tmp"; mv "$state/m.tmp" "$state/members"; echo "Member $id removed" ;;
*" delete node "*) n="$3"; awk -v n="$n" '$1 != n' "$state/nodes" >"$state/n.tmp"; mv "$state/n.tmp" "$state/nodes"; echo "node \\"$n\\" deleted" ;;
*) echo "fake kubectl: unexpected: $*" >&2; exit 99 ;;
esac
`;
    beforeEach(() => {
        box = new Sandbox();
        box.tool("kubectl", KUBECTL);
        fs.mkdirSync(path.join(box.dir, "state"));
    });
    afterEach(() => box.cleanup());

    const state = (name: string, content?: string): string => {
        const f = path.join(box.dir, "state", name);
        if (content !== undefined) fs.writeFileSync(f, content);
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
    };
    const extra = (): Record<string, string> => ({ FAKE_STATE: path.join(box.dir, "state") });
    const kubectlCalls = (): string[] => state("calls").trim().split("\n").filter(Boolean);
    const NODES = "master-1 True false 10.10.0.11\nmaster-2 True false 10.10.0.12\nmaster-3 True false 10.10.0.13\nworker-1 True false 10.10.0.21\n";
    const MEMBERS = [
        "8e9e05c52164694d, started, master-1, https://10.10.0.11:2380, https://10.10.0.11:2379, false",
        "91bc3c398fb3c146, started, master-2, https://10.10.0.12:2380, https://10.10.0.12:2379, false",
        "fd422379fda50e48, started, master-3, https://10.10.0.13:2380, https://10.10.0.13:2379, false",
        "",
    ].join("\n");

    it("wait-nodes-ready.sh passes when all are Ready and names the missing and NotReady ones on timeout", () => {
        const rel = "components/cluster/scripts/wait-nodes-ready.sh";
        state("nodes", NODES);
        const ready = box.run(rel, { EXPECTED_NODES: "master-1 worker-1" }, extra());
        ok(ready, "all Ready");
        assert.match(ready.stdout, /^ok: all 2 expected nodes are Ready$/m);
        assert.match(ready.stdout, /^NAME STATUS$/m, "ends with kubectl get nodes -o wide");

        state("nodes", "master-1 True false 10.10.0.11\nworker-1 False false 10.10.0.21\n");
        const late = box.run(rel, { EXPECTED_NODES: "master-1 worker-1 worker-2", TIMEOUT_SECONDS: "0" }, extra());
        assert.notStrictEqual(late.status, 0);
        assert.match(late.stderr, /timed out after 0s waiting for nodes to be Ready \(not registered: worker-2; not Ready: worker-1\)/);

        const bad = box.run(rel, { EXPECTED_NODES: "master-1", TIMEOUT_SECONDS: "soon" }, extra());
        assert.notStrictEqual(bad.status, 0);
        assert.match(bad.stderr, /TIMEOUT_SECONDS 'soon' is not a number/);
    });

    it("remove-node.sh drains, removes the etcd member and the node; a re-run changes nothing", () => {
        const rel = "components/cluster/scripts/remove-node.sh";
        box.put("/etc/kvm-k8s/roster", "master-1\nmaster-2\nmaster-3\nworker-1\n");
        state("nodes", NODES);
        state("members", MEMBERS);
        const env = { NODE: "master-1", ROLE: "master" };

        const first = box.run(rel, env, extra());
        ok(first, "first removal");
        for (const line of [
            /^ok: the 3 other roster nodes are Ready$/m,
            /^changed: cordoned master-1$/m,
            /^changed: drained master-1$/m,
            /^changed: removed master-1's etcd member 8e9e05c52164694d \(2 members left\)$/m,
            /^changed: deleted node master-1$/m,
        ]) {
            assert.match(first.stdout, line);
        }
        const c = kubectlCalls();
        assert.ok(c.some((l) => /^kubectl drain master-1 --ignore-daemonsets --delete-emptydir-data --timeout=600s$/.test(l)), c.join("\n"));
        const exec = c.find((l) => l.includes("member remove"));
        assert.ok(exec, "etcdctl member remove ran");
        assert.match(exec!, /exec etcd-master-[23] -c etcd .*-- etcdctl --endpoints=https:\/\/127\.0\.0\.1:2379 --cacert=\/etc\/kubernetes\/pki\/etcd\/ca\.crt --cert=\/etc\/kubernetes\/pki\/etcd\/server\.crt --key=\/etc\/kubernetes\/pki\/etcd\/server\.key member remove 8e9e05c52164694d$/);
        assert.ok(!c.some((l) => l.includes("exec etcd-master-1")), "never asks the etcd of the node being removed");
        assert.doesNotMatch(state("members"), /master-1/);
        assert.doesNotMatch(state("nodes"), /master-1 /);

        // A re-run after success (e.g. Pulumi retrying the delete) finds nothing left to do.
        state("calls", "");
        const again = box.run(rel, env, extra());
        ok(again, "re-run");
        assert.match(again.stdout, /^ok: node master-1 not registered; nothing to drain$/m);
        assert.match(again.stdout, /^ok: no etcd member for master-1$/m);
        assert.match(again.stdout, /^ok: node master-1 already absent$/m);
        assert.doesNotMatch(again.stdout, /changed:/);
    });

    it("remove-node.sh waits for roster nodes, fails a blocked drain clearly, refuses to remove the last etcd member", () => {
        const rel = "components/cluster/scripts/remove-node.sh";
        box.put("/etc/kvm-k8s/roster", "master-1\nworker-1\nworker-2\n");
        state("nodes", "master-1 True false 10.10.0.11\nworker-1 True false 10.10.0.21\n");
        const waiting = box.run(rel, { NODE: "worker-1", ROLE: "worker", WAIT_TIMEOUT_SECONDS: "0" }, extra());
        assert.notStrictEqual(waiting.status, 0);
        assert.match(waiting.stderr, /timed out after 0s waiting before removing worker-1, one node at a time, for: worker-2 \(not registered\)/);
        assert.ok(!kubectlCalls().some((l) => /cordon|drain|delete/.test(l)), "nothing is touched while waiting");

        box.put("/etc/kvm-k8s/roster", "master-1\nworker-1\n");
        const blocked = box.run(rel, { NODE: "worker-1", ROLE: "worker" }, { ...extra(), FAKE_DRAIN_FAIL: "1" });
        assert.notStrictEqual(blocked.status, 0);
        assert.match(blocked.stderr, /drain of worker-1 did not finish within 600s/);
        assert.match(blocked.stderr, /disruption budget/);
        assert.match(state("nodes"), /^worker-1 True true /m, "left cordoned");
        assert.ok(!kubectlCalls().some((l) => l.startsWith("kubectl delete")), "not deleted after a failed drain");

        state("nodes", "master-1 True false 10.10.0.11\nmaster-2 True false 10.10.0.12\n");
        state("members", "aaaa, started, master-2, https://10.10.0.12:2380, https://10.10.0.12:2379, false\n");
        box.put("/etc/kvm-k8s/roster", "master-1\nmaster-2\n");
        const last = box.run(rel, { NODE: "master-2", ROLE: "master" }, extra());
        assert.notStrictEqual(last.status, 0);
        assert.match(last.stderr, /refusing to remove master-2's etcd member aaaa: it is the only member left/);
        assert.match(state("nodes"), /^master-2 /m, "the node is kept");
    });
});
