/**
 * Stand-in kubectl, ssh and kubeadm for the director's scripts (join-node.sh, upgrades,
 * snapshots), sharing one state directory, and the helpers their tests read it with. `box`
 * is the current test's Sandbox (set by useDirectorStandIns' beforeEach).
 */
import * as fs from "fs";
import * as path from "path";
import { Sandbox } from "./runner";

export let box: Sandbox;
export const OPS_USER = "kvmk8s";
// State files: nodes ("name kubeletHealthy kubeletVersion unschedulable address"), cni
// (present: a CNI is installed; like the real kubelet, no node is Ready without one),
// apiserver-down (names of masters whose API server does not answer), server (the API
// server's gitVersion), api-down (present: the API does not answer), secret-NAME (a
// bootstrap token's "data.token-secret data.expiration"), events (kubectl and ssh calls that
// change something, in order), remote-snapshot (the file etcdctl saved on the master),
// applied-FILE (server-side applied manifests, for kubectl diff).
export const KUBECTL = `state="$FAKE_STATE"
echo "kubectl $*" >>"$state/calls"
args=" $* "
after() { local want="$1" prev=""; shift; for a in "$@"; do if [[ "$prev" == "$want" ]]; then echo "$a"; return; fi; prev="$a"; done; }
# the Ready condition: a healthy kubelet reports NotReady until a CNI config exists
node_line() { awk -v n="$1" -v cni="$([[ -e "$state/cni" ]] && echo 1)" '$1 == n { if (!cni) $2 = "False"; print }' "$state/nodes"; }
set_field() { awk -v n="$1" -v f="$2" -v v="$3" '$1 == n { $f = v } { print }' "$state/nodes" >"$state/n.tmp"; mv "$state/n.tmp" "$state/nodes"; }
api_down() { [[ -e "$state/api-down" ]]; }
case "$args" in
*" get --raw /readyz "*) if api_down; then echo "The connection to the server k8s.site1.example:6443 was refused" >&2; exit 1; fi; echo ok ;;
*" version -o json "*)
    printf '{\\n  "clientVersion": {\\n    "major": "1",\\n    "gitVersion": "v1.30.9"\\n  },\\n  "kustomizeVersion": "v5.4.2"'
    if api_down; then printf '\\n}\\n'; echo "The connection to the server k8s.site1.example:6443 was refused" >&2; exit 1; fi
    printf ',\\n  "serverVersion": {\\n    "major": "1",\\n    "gitVersion": "%s",\\n    "platform": "linux/amd64"\\n  }\\n}\\n' "$(cat "$state/server")" ;;
*" get nodes "*) awk -v cni="$([[ -e "$state/cni" ]] && echo 1)" '{ print $1, (cni ? $2 : "False") }' "$state/nodes" ;;
*" get node "*)
    n="$(after node "$@")"; l="$(node_line "$n")"
    if [[ -z "$l" ]]; then
        if [[ "$args" == *" --ignore-not-found "* ]]; then exit 0; fi
        echo "Error from server (NotFound): nodes \\"$n\\" not found" >&2; exit 1
    fi
    case "$args" in
    *" -o name "*) echo "node/$n" ;;
    *kubeletVersion*Ready*) awk '{ print $3, $2 }' <<<"$l" ;;
    *kubeletVersion*) awk '{ print $3 }' <<<"$l" ;;
    *Ready*) awk '{ print $2 }' <<<"$l" ;;
    *) echo "fake kubectl: unexpected node query: $*" >&2; exit 99 ;;
    esac ;;
*" get pod kube-apiserver-"*"Ready"*) n="$(after pod "$@")"; n="\${n#kube-apiserver-}"
    # a static pod: the kubelet reports it whether or not the node is Ready
    if [[ -n "$(node_line "$n")" ]]; then if grep -qx "$n" "$state/apiserver-down" 2>/dev/null; then echo False; else echo True; fi; fi ;;
*" get pod kube-apiserver-"*) n="$(after pod "$@")"; l="$(node_line "\${n#kube-apiserver-}")"
    if [[ -n "$l" ]]; then echo "registry.k8s.io/kube-apiserver:$(awk '{ print $3 }' <<<"$l")"; fi ;;
*" drain "*) n="$(after drain "$@")"; echo "drain $n" >>"$state/events"; set_field "$n" 4 true
    if [[ " \${FAKE_DRAIN_FAIL:-} " == *" $n "* ]]; then echo "error when evicting pods/web-1: Cannot evict pod as it would violate the pod's disruption budget." >&2; exit 1; fi
    echo "node/$n drained" ;;
*" uncordon "*) n="$(after uncordon "$@")"; echo "uncordon $n" >>"$state/events"; set_field "$n" 4 false; echo "node/$n uncordoned" ;;
*" get secret "*) n="$(after secret "$@")"; if [[ -f "$state/secret-$n" ]]; then cat "$state/secret-$n"; fi ;;
*" delete secret "*) n="$(after secret "$@")"; echo "delete secret $n" >>"$state/events"; rm -f "$state/secret-$n"; echo "secret \\"$n\\" deleted" ;;
*" apply "*" -f - "*) cat >"$state/applied"; echo "apply" >>"$state/events"
    n="$(awk '$1 == "name:" { print $2; exit }' "$state/applied")"
    awk '$1 == "token-secret:" { s = $2 } $1 == "expiration:" { e = $2 } END { print s, e }' "$state/applied" >"$state/secret-$n"
    echo "secret/$n serverside-applied" ;;
*" get configmap cluster-info "*) echo "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..signature" ;;
*" diff --server-side "*) f="$(after -f "$@")"; cmp -s "$f" "$state/applied-$(basename "$f")" ;;
*" apply --server-side "*" -f /"*) f="$(after -f "$@")"; cp "$f" "$state/applied-$(basename "$f")"; echo "apply $(basename "$f")" >>"$state/events"
    # the Calico Installation: calico-node writes the CNI config on every node
    if grep -q '^kind: Installation$' "$f"; then touch "$state/cni"; fi
    echo "applied $f" ;;
*" wait --for=condition=Established "*) echo "condition met" ;;
*" get tigerastatus calico "*) if [[ -e "$state/cni" ]]; then echo True; fi ;;
*" config view "*) cat "$state/ca-b64" ;;
*" get csr "*"jsonpath={.spec.request}"*) n="$(after csr "$@")"; cat "$state/csr-$n.req" ;;
*" get csr "*) if [[ -f "$state/csrs" ]]; then cat "$state/csrs"; fi ;;
*" certificate approve "*) n="$(after approve "$@")"; echo "approve $n" >>"$state/events"
    awk -v n="$n" '$1 == n { $3 = "Approved" } { print }' "$state/csrs" >"$state/c.tmp"; mv "$state/c.tmp" "$state/csrs"
    # the kubelet picks up its issued certificate
    cp "$state/csr-$n.cert" "$state/serving-$(cat "$state/csr-$n.addr")" ;;
*" certificate deny "*) n="$(after deny "$@")"; echo "deny $n" >>"$state/events"
    awk -v n="$n" '$1 == n { $3 = "Denied" } { print }' "$state/csrs" >"$state/c.tmp"; mv "$state/c.tmp" "$state/csrs" ;;
*) echo "fake kubectl: unexpected: $*" >&2; exit 99 ;;
esac
`;
// Records argv (one line per call) and stdin (ssh-stdin-N); acts like the node would.
export const SSH = `state="$FAKE_STATE"
echo "ssh $*" >>"$state/ssh-calls"
n="$(wc -l <"$state/ssh-calls")"
cat >"$state/ssh-stdin-$n"
address=""; remote=()
for a in "$@"; do
    if [[ -n "$address" ]]; then remote+=("$a"); elif [[ "$a" == *@* ]]; then address="\${a#*@}"; fi
done
node="$(awk -v a="$address" '$5 == a { print $1 }' "$state/nodes")"
if [[ " \${FAKE_SSH_FAIL:-} " == *" $address "* ]]; then echo "kvmk8s@$address: Permission denied (publickey)." >&2; exit 255; fi
case "\${remote[*]}" in
*upload-certs*) echo "upload-certs $node" >>"$state/events"; echo '[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace' ;;
"sudo -n bash -s")
    if grep -q '^# fake node step$' "$state/ssh-stdin-$n"; then
        # a node's kubeadm step, as join-node.sh streams it: env, this join's credentials, script
        t=no; k=no
        if grep -q "^export JOIN_TOKEN='[a-z0-9]\\{6\\}\\.[a-z0-9]\\{16\\}'$" "$state/ssh-stdin-$n"; then t=yes; fi
        if grep -q "^export CERTIFICATE_KEY='[0-9a-f]\\{64\\}'$" "$state/ssh-stdin-$n"; then k=yes; fi
        echo "node-step $address token=$t key=$k" >>"$state/events"
        if [[ " \${FAKE_JOIN_FAIL:-} " == *" $address "* ]]; then echo "ERROR: kubeadm join failed; kubeadm reset done, so the next run starts over" >&2; exit 1; fi
        echo "changed: joined the cluster"
    elif grep -q '^export MODE=' "$state/ssh-stdin-$n"; then
        mode="$(sed -n "s/^export MODE='\\(.*\\)'$/\\1/p" "$state/ssh-stdin-$n")"
        target="$(sed -n "s/^export TARGET_VERSION='\\(.*\\)'$/\\1/p" "$state/ssh-stdin-$n")"
        echo "upgrade $node $mode" >>"$state/events"
        if [[ " \${FAKE_UPGRADE_FAIL:-} " == *" $address "* ]]; then echo "ERROR: kubeadm upgrade node failed; see /var/log/kvm-k8s/kubeadm-upgrade.log" >&2; exit 1; fi
        if [[ " \${FAKE_KUBELET_STUCK:-} " != *" $address "* ]]; then
            awk -v n="$node" -v v="v$target" '$1 == n { $3 = v } { print }' "$state/nodes" >"$state/n.tmp"; mv "$state/n.tmp" "$state/nodes"
        fi
        echo "changed: upgraded to v$target"
    elif grep -q 'snapshot save' "$state/ssh-stdin-$n"; then
        echo "snapshot $node" >>"$state/events"
        cp "$state/snapshot-source" "$state/remote-snapshot"
        echo "Snapshot saved at /var/lib/etcd/kvm-k8s-snapshot.db" >&2
        sha256sum "$state/remote-snapshot" | cut -d " " -f 1
    else
        echo "fake ssh: unexpected script" >&2; exit 99
    fi ;;
"sudo -n cat -- /var/lib/etcd/kvm-k8s-snapshot.db") cat "$state/remote-snapshot"; if [[ -n "\${FAKE_CORRUPT:-}" ]]; then echo corrupt; fi ;;
"sudo -n rm -f -- /var/lib/etcd/kvm-k8s-snapshot.db") echo "rm-snapshot $node" >>"$state/events"; rm -f "$state/remote-snapshot" ;;
*) echo "fake ssh: unexpected remote command: \${remote[*]}" >&2; exit 99 ;;
esac
`;
/** The stand-ins above on PATH, an ops key and known_hosts, a running cluster with its CNI: before each test of the calling describe. */
export function useDirectorStandIns(): void {
    beforeEach(() => {
        box = new Sandbox();
        box.tool("kubectl", KUBECTL);
        box.tool("ssh", SSH);
        box.tool("kubeadm", `echo "kubeadm $*" >>"$FAKE_STATE/events"; exit 1\n`);
        fs.mkdirSync(path.join(box.dir, "state"));
        fs.writeFileSync(path.join(box.dir, "state", "ssh-calls"), "");
        box.put("/root/.ssh/kvm-k8s-ops", "-----BEGIN OPENSSH PRIVATE KEY-----\nops\n-----END OPENSSH PRIVATE KEY-----\n", 0o600);
        box.put("/etc/kvm-k8s/known_hosts", "10.10.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMaster1\n");
        // a running cluster has its CNI; the first-build test below starts without one
        state("cni", "");
    });
    afterEach(() => box.cleanup());
}

export const state = (name: string, content?: string): string => {
    const f = path.join(box.dir, "state", name);
    if (content !== undefined) fs.writeFileSync(f, content);
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
};
export const lines = (name: string): string[] => state(name).split("\n").filter(Boolean);
export const extra = (more: Record<string, string> = {}): Record<string, string> => ({ FAKE_STATE: path.join(box.dir, "state"), ...more });
export const sshArgs = (address: string, remote: string): string =>
    `ssh -i ${box.p("/root/.ssh/kvm-k8s-ops")} -o UserKnownHostsFile=${box.p("/etc/kvm-k8s/known_hosts")} ` +
    `-o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=15 ${OPS_USER}@${address} ${remote}`;
export const MASTERS = "site1-master-1=10.10.0.11 site1-master-2=10.10.0.12 site1-master-3=10.10.0.13";
export const WORKERS = "site1-worker-1=10.10.0.21 site1-worker-2=10.10.0.22 site1-worker-3=10.10.0.23";
export const nodes = (version: string, except: Record<string, string> = {}): string =>
    [...MASTERS.split(" "), ...WORKERS.split(" ")]
        .map((e) => e.split("="))
        .map(([n, a]) => except[n] ?? `${n} True ${version} false ${a}`)
        .join("\n") + "\n";
