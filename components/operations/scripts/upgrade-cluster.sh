#!/usr/bin/env bash
# upgrade-cluster.sh: on the director, roll the cluster to TARGET_VERSION, one node at a time.
# (a) Before touching anything it reads the API server's version and refuses a downgrade or
# a skipped minor version (kubeadm upgrades one minor at a time). (b) Under the node-removal
# lock (the one remove-node.sh takes, so upgrades and removals never overlap) it upgrades
# the masters in MASTERS' order (the first runs `kubeadm upgrade apply`), then the workers in
# WORKERS' order, each drained first, masters included, as kubeadm's upgrade guide has it
# (a drain evicts pods, not the control plane's static pods nor its etcd member): it streams /usr/local/lib/kvm-k8s/upgrade-node.sh (from KVMK8S_FILES: lib.sh followed
# by upgrade-node.sh) as is to the node over ssh with the director's operations key, uncordons
# it and waits (WAIT_TIMEOUT_SECONDS, 10 minutes by default) until it is Ready with kubelet at
# vTARGET_VERSION. A node is upgraded only once every other listed node is Ready (etcd quorum,
# capacity). A node already at vTARGET_VERSION is skipped, so a fresh site changes nothing and
# a re-run after a failure resumes where it stopped; a failure stops the run, leaving the later
# nodes untouched.
#
# Environment:
#   TARGET_VERSION         required  the Kubernetes version to roll to (e.g. 1.32.0)
#   KUBERNETES_APT_REPO    required  the Kubernetes apt repo serving it (e.g. https://pkgs.k8s.io/core:/stable:/v1.32/deb/)
#   MASTERS                required  space-separated name=address of the masters, in upgrade order; the first
#                                    runs kubeadm upgrade apply (e.g. "site1-master-1=10.10.0.11 site1-master-2=10.10.0.12")
#   WORKERS                optional  space-separated name=address of the workers, in upgrade order
#                                    (e.g. "site1-worker-1=10.10.0.21"; empty = none)
#   OPS_USER               required  the user the director logs in to nodes as (e.g. kvmk8s)
#   KVMK8S_FILES           required  "MODE PATH BASE64" records (e.g. "0755 /usr/local/lib/kvm-k8s/upgrade-node.sh IyEv...")
#                                    holding upgrade-node.sh (lib.sh followed by the script)
#   DRAIN_TIMEOUT_SECONDS  optional  drain timeout of a node, in seconds (e.g. 600, the default)
#   WAIT_TIMEOUT_SECONDS   optional  longest wait, in seconds, for the other nodes to be Ready before a node's
#                                    upgrade, and for the node to be Ready at the new version after it (e.g. 600, the default)
#   KVMK8S_ROOT            optional  test hook: prefix for every path the script reads or writes (e.g. /tmp/t)
#   KVMK8S_ONLY            optional  test hook: run only this step (e.g. version_gate; steps: see STEPS)
set -euo pipefail

: "${TARGET_VERSION:?TARGET_VERSION is required (e.g. 1.32.0)}"
: "${KUBERNETES_APT_REPO:?KUBERNETES_APT_REPO is required (e.g. https://pkgs.k8s.io/core:/stable:/v1.32/deb/)}"
: "${MASTERS:?MASTERS is required (space-separated name=address of the masters)}"
: "${OPS_USER:?OPS_USER is required (the user the director logs in to nodes as)}"
: "${KVMK8S_FILES:?KVMK8S_FILES is required (it holds upgrade-node.sh)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

# The ops helpers (lib.sh) log in to the nodes as OPS_USER.
[[ "$OPS_USER" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "OPS_USER '$OPS_USER' is not a user name"

DRAIN_TIMEOUT_SECONDS="${DRAIN_TIMEOUT_SECONDS:-600}"
export KUBECONFIG="$KVMK8S_ROOT/root/.kube/config"
NODE_SCRIPT=/usr/local/lib/kvm-k8s/upgrade-node.sh
LOCK_FILE=/run/lock/kvm-k8s-node-removal
WAIT_TIMEOUT_SECONDS="${WAIT_TIMEOUT_SECONDS:-600}"
LOCK_WAIT_SECONDS=3600 # the longest wait for a node removal to release the lock
NODE_SSH_TIMEOUT=1800  # one node's upgrade (apt, kubeadm upgrade apply) over ssh

[[ "$TARGET_VERSION" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] ||
    die "TARGET_VERSION '$TARGET_VERSION' must look like 1.32.0 (no leading v)"
TARGET_MAJOR="${BASH_REMATCH[1]}"
TARGET_MINOR="${BASH_REMATCH[2]}"
TARGET_PATCH="${BASH_REMATCH[3]}"
[[ "$KUBERNETES_APT_REPO" =~ ^https?://[A-Za-z0-9./:_~-]+$ ]] ||
    die "KUBERNETES_APT_REPO '$KUBERNETES_APT_REPO' is not an http(s) URL"
if [[ "$KUBERNETES_APT_REPO" =~ /v([0-9]+\.[0-9]+)/ && "$TARGET_VERSION" != "${BASH_REMATCH[1]}".* ]]; then
    die "TARGET_VERSION $TARGET_VERSION is not served by KUBERNETES_APT_REPO $KUBERNETES_APT_REPO (v${BASH_REMATCH[1]})"
fi
[[ "$DRAIN_TIMEOUT_SECONDS" =~ ^[0-9]+$ ]] || die "DRAIN_TIMEOUT_SECONDS '$DRAIN_TIMEOUT_SECONDS' is not a number of seconds"
[[ "$WAIT_TIMEOUT_SECONDS" =~ ^[0-9]+$ ]] || die "WAIT_TIMEOUT_SECONDS '$WAIT_TIMEOUT_SECONDS' is not a number of seconds"
parse_nodes MASTERS "$MASTERS"
MASTER_NAMES=("${PARSED[@]}")
[[ "${#MASTER_NAMES[@]}" -gt 0 ]] || die "MASTERS lists no master"
parse_nodes WORKERS "${WORKERS:-}"
WORKER_NAMES=("${PARSED[@]}")
command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed (prepare-director.sh installs it)"

# node_field NAME JSONPATH: a field of the Node NAME ("" when it is not registered).
node_field() {
    kubectl get node "$1" --ignore-not-found --request-timeout=15s -o jsonpath="$2" 2>"$KVMK8S_TMP/kubectl.err" </dev/null ||
        die "cannot read node $1: $(tail -n 1 "$KVMK8S_TMP/kubectl.err")"
}

kubelet_version() { node_field "$1" '{.status.nodeInfo.kubeletVersion}'; }

# apiserver_version NAME: the image tag of NAME's kube-apiserver static pod ("" if none).
apiserver_version() {
    local image
    image="$(kubectl -n kube-system get pod "kube-apiserver-$1" --ignore-not-found --request-timeout=15s \
        -o jsonpath='{.spec.containers[0].image}' 2>/dev/null </dev/null || true)"
    if [[ "$image" == *:* ]]; then printf '%s\n' "${image##*:}"; fi
}

# node_prelude MODE: the env prelude upgrade-node.sh is streamed with.
node_prelude() {
    printf "export %s='%s'\n" TARGET_VERSION "$TARGET_VERSION" KUBERNETES_APT_REPO "$KUBERNETES_APT_REPO" MODE "$1"
}

# stop NAME WHAT REMAINING...: fail the run at node NAME, saying what the re-run does.
stop() {
    local name="$1" what="$2"
    shift 2
    die "upgrade of $name to v$TARGET_VERSION failed: $what. Nodes not touched: ${*:-none}. Fix the cause and run again: nodes already at v$TARGET_VERSION are skipped, so the re-run resumes with $name"
}

# others_ready NAME: every other listed node is registered and Ready (etcd quorum, capacity).
others_ready() {
    local lines node ready waiting=()
    local -A ready_of=()
    lines="$(kubectl get nodes --request-timeout=15s \
        -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null </dev/null)" ||
        return 1
    while read -r node ready; do
        if [[ -n "$node" ]]; then ready_of[$node]="${ready:-Unknown}"; fi
    done <<<"$lines"
    for node in "${MASTER_NAMES[@]}" "${WORKER_NAMES[@]}"; do
        if [[ "$node" != "$1" && "${ready_of[$node]:-}" != True ]]; then waiting+=("$node"); fi
    done
    if [[ "${#waiting[@]}" -gt 0 ]]; then
        printf '%s\n' "${waiting[*]}"
        return 1
    fi
}

# upgrade_one NAME ROLE MODE REMAINING...: upgrade node NAME unless it is already at the target.
upgrade_one() {
    local name="$1" role="$2" mode="$3" address current apiserver out deadline status last=""
    shift 3
    address="${NODE_ADDRESS[$name]}"
    current="$(kubelet_version "$name")"
    [[ -n "$current" ]] || stop "$name" "node $name is not registered" "$name" "$@"
    if [[ "$current" != "v$TARGET_VERSION" &&
        "$(printf '%s\n' "${current#v}" "$TARGET_VERSION" | sort -V | tail -n 1)" == "${current#v}" ]]; then
        stop "$name" "its kubelet is at $current, newer than v$TARGET_VERSION: downgrades are not supported" "$name" "$@"
    fi
    if [[ "$current" == "v$TARGET_VERSION" ]]; then
        apiserver=""
        if [[ "$role" == master ]]; then apiserver="$(apiserver_version "$name")"; fi
        if [[ "$role" == worker || "$apiserver" == "v$TARGET_VERSION" ]]; then
            log "ok: $name already at v$TARGET_VERSION"
            return 0
        fi
    fi
    deadline=$((SECONDS + WAIT_TIMEOUT_SECONDS))
    while true; do
        if out="$(others_ready "$name")"; then break; fi
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            stop "$name" "not upgrading it while other nodes are not Ready (after ${WAIT_TIMEOUT_SECONDS}s: ${out:-cannot list the nodes})" "$name" "$@"
        fi
        if [[ "$out" != "$last" ]]; then
            log "waiting before upgrading $name (one node at a time) for: ${out:-the API server}"
            last="$out"
        fi
        sleep 5
    done
    log "upgrading $name ($role, kubelet $current) to v$TARGET_VERSION"
    # Drained before its kubelet restarts at the new version, masters as well as workers
    # (kubeadm's upgrade guide): pods move off first instead of dying with the kubelet.
    run_logged drain kubectl drain "$name" --ignore-daemonsets --delete-emptydir-data \
        --timeout="${DRAIN_TIMEOUT_SECONDS}s" ||
        stop "$name" "its drain did not finish within ${DRAIN_TIMEOUT_SECONDS}s (e.g. a PodDisruptionBudget allows no disruption; see above); it stays cordoned" "$@"
    log "changed: drained $name"
    status=0
    { node_prelude "$mode" && cat -- "$KVMK8S_ROOT$NODE_SCRIPT"; } |
        node_ssh "$address" sudo -n bash -s 2>&1 | sed -u "s/^/  $name: /" || status=$?
    if [[ "$status" -ne 0 ]]; then
        stop "$name" "upgrade-node.sh ($mode) failed on it (exit $status; see above); it stays cordoned" "$@"
    fi
    # The API may blink while a master's control plane restarts: retried, bounded.
    deadline=$((SECONDS + WAIT_TIMEOUT_SECONDS))
    while ! kubectl uncordon "$name" --request-timeout=15s >"$KVMK8S_TMP/uncordon.out" 2>&1 </dev/null; do
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            stop "$name" "kubectl uncordon $name failed for ${WAIT_TIMEOUT_SECONDS}s: $(tail -n 1 "$KVMK8S_TMP/uncordon.out")" "$@"
        fi
        sleep 5
    done
    while true; do
        out="$(kubectl get node "$name" --request-timeout=15s \
            -o jsonpath='{.status.nodeInfo.kubeletVersion}{" "}{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null </dev/null || true)"
        if [[ "$out" == "v$TARGET_VERSION True" ]]; then break; fi
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            stop "$name" "not Ready at v$TARGET_VERSION ${WAIT_TIMEOUT_SECONDS}s after its upgrade (kubelet, Ready: ${out:-unknown})" "$@"
        fi
        sleep 5
    done
    log "changed: $name upgraded to v$TARGET_VERSION and Ready"
}

# ---- steps ----

# Before touching anything: one minor at a time, never down.
version_gate() {
    local out server cur_major cur_minor cur_patch current
    out="$(kubectl version -o json --request-timeout=15s 2>"$KVMK8S_TMP/kubectl.err" </dev/null)" ||
        die "the cluster does not answer (kubectl version: $(tail -n 1 "$KVMK8S_TMP/kubectl.err")); not upgrading"
    server="$(tr -d '\n' <<<"$out" | grep -o '"serverVersion": *{[^}]*}' | grep -o '"gitVersion": *"[^"]*"' | cut -d'"' -f4 || true)"
    [[ "$server" =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+) ]] ||
        die "cannot read the API server's version from kubectl version (got '${server:-nothing}'); not upgrading"
    cur_major="${BASH_REMATCH[1]}"
    cur_minor="${BASH_REMATCH[2]}"
    cur_patch="${BASH_REMATCH[3]}"
    current="$cur_major.$cur_minor.$cur_patch"
    if [[ "$TARGET_MAJOR" -ne "$cur_major" ]]; then
        die "kvm-k8s:site.cluster.kubernetesVersion: $TARGET_VERSION changes the major version (cluster is at $current); not supported"
    fi
    if [[ "$TARGET_MINOR" -lt "$cur_minor" || ("$TARGET_MINOR" -eq "$cur_minor" && "$TARGET_PATCH" -lt "$cur_patch") ]]; then
        die "kvm-k8s:site.cluster.kubernetesVersion: $TARGET_VERSION is older than the cluster ($current): downgrades are not supported"
    fi
    if [[ "$TARGET_MINOR" -gt $((cur_minor + 1)) ]]; then
        die "kvm-k8s:site.cluster.kubernetesVersion: $TARGET_VERSION skips a minor version (cluster is at $current); upgrade one minor at a time: set $cur_major.$((cur_minor + 1)).<patch> first"
    fi
    log "ok: the cluster is at $current; v$TARGET_VERSION is a permitted upgrade target"
}

write_files() {
    write_file_records "$KVMK8S_FILES"
    [[ -f "$KVMK8S_ROOT$NODE_SCRIPT" ]] || die "$NODE_SCRIPT is missing: the program passes it in KVMK8S_FILES"
}

acquire_lock() {
    local lock="$KVMK8S_ROOT$LOCK_FILE"
    mkdir -p -- "$(dirname -- "$lock")"
    exec 9>"$lock"
    if ! flock -n 9; then
        log "waiting for a node removal to finish (lock $LOCK_FILE, ${LOCK_WAIT_SECONDS}s at most)"
        flock -w "$LOCK_WAIT_SECONDS" 9 || die "a node removal still holds $LOCK_FILE after ${LOCK_WAIT_SECONDS}s"
    fi
    log "ok: holding the node-removal lock for the upgrade"
}

# Masters in order (the first applies the upgrade), then workers in order; one at a time.
roll_nodes() {
    local all=("${MASTER_NAMES[@]}" "${WORKER_NAMES[@]}") i=0 name role mode
    require_ops_access
    for name in "${all[@]}"; do
        i=$((i + 1))
        if [[ "$i" -le "${#MASTER_NAMES[@]}" ]]; then
            role=master
            mode=master
            if [[ "$i" -eq 1 ]]; then mode=first-master; fi
        else
            role=worker
            mode=worker
        fi
        upgrade_one "$name" "$role" "$mode" "${all[@]:i}"
    done
    log "ok: all ${#all[@]} nodes at v$TARGET_VERSION"
}

STEPS=(version_gate write_files acquire_lock roll_nodes)

log "upgrade-cluster: to v$TARGET_VERSION (masters: ${MASTER_NAMES[*]}; workers: ${WORKER_NAMES[*]:-none})"
run_steps "${STEPS[@]}"
