#!/usr/bin/env bash
# remove-node.sh: take a node out of the cluster, from the director, before its VM is removed
# or rebuilt (the program runs it as a resource's delete command). Under a lock, so that
# removals run one at a time, it (a) waits until every other node of /etc/kvm-k8s/roster is
# registered and Ready, so a second rebuild waits until the first rebuilt node has rejoined;
# (b) cordons and drains the node (a drain that cannot finish in DRAIN_TIMEOUT_SECONDS fails
# and leaves it cordoned); (c) for a master, removes its etcd member through etcdctl in an
# etcd pod on another master; (d) deletes the Node object. Each step checks first, so a
# re-run after a partial failure completes the rest.
#
# Environment:
#   NODE                   required  the node's name (e.g. worker-2)
#   ROLE                   required  master or worker (e.g. master)
#   DRAIN_TIMEOUT_SECONDS  optional  drain timeout in seconds (e.g. 600, the default)
#   WAIT_TIMEOUT_SECONDS   optional  longest wait for the lock, and for the other nodes to be Ready (e.g. 3600, the default)
#   KUBECONFIG             optional  kubeconfig to use (e.g. /root/.kube/config, the default)
#   KVMK8S_ROOT            optional  test hook: prefix for the roster and lock paths (e.g. /tmp/t)
#   KVMK8S_ONLY            optional  test hook: run only this step (e.g. delete_node; steps: see STEPS)
set -euo pipefail

: "${NODE:?NODE is required (the name of the node to remove)}"
: "${ROLE:?ROLE is required (master or worker)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

DRAIN_TIMEOUT_SECONDS="${DRAIN_TIMEOUT_SECONDS:-600}"
WAIT_TIMEOUT_SECONDS="${WAIT_TIMEOUT_SECONDS:-3600}"
export KUBECONFIG="${KUBECONFIG:-/root/.kube/config}"
ROSTER_FILE=/etc/kvm-k8s/roster
LOCK_FILE=/run/lock/kvm-k8s-node-removal
ETCD_PKI=/etc/kubernetes/pki/etcd

[[ "$NODE" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ ]] || die "NODE '$NODE' is not a node name"
[[ "$ROLE" == master || "$ROLE" == worker ]] || die "ROLE must be master or worker, not '$ROLE'"
[[ "$DRAIN_TIMEOUT_SECONDS" =~ ^[0-9]+$ ]] || die "DRAIN_TIMEOUT_SECONDS '$DRAIN_TIMEOUT_SECONDS' is not a number of seconds"
[[ "$WAIT_TIMEOUT_SECONDS" =~ ^[0-9]+$ ]] || die "WAIT_TIMEOUT_SECONDS '$WAIT_TIMEOUT_SECONDS' is not a number of seconds"
command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed (prepare-director.sh installs it)"

# node_exists: NODE is registered.
node_exists() {
    local out
    out="$(kubectl get node "$NODE" --ignore-not-found --request-timeout=15s -o name 2>"$KVMK8S_TMP/kubectl.err")" ||
        die "cannot ask the API server about node $NODE: $(tail -n 1 "$KVMK8S_TMP/kubectl.err")"
    [[ -n "$out" ]]
}

# etcdctl_in POD ARGS...: etcdctl in the etcd container of POD (the image has no shell).
etcdctl_in() {
    local pod="$1"
    shift
    kubectl -n kube-system exec "$pod" -c etcd --request-timeout=30s -- etcdctl \
        --endpoints=https://127.0.0.1:2379 --cacert="$ETCD_PKI/ca.crt" \
        --cert="$ETCD_PKI/server.crt" --key="$ETCD_PKI/server.key" "$@"
}

# ---- steps ----

acquire_lock() {
    local lock="$KVMK8S_ROOT$LOCK_FILE"
    mkdir -p -- "$(dirname -- "$lock")"
    exec 9>"$lock"
    if ! flock -n 9; then
        log "waiting for another node removal to finish (lock $LOCK_FILE, ${WAIT_TIMEOUT_SECONDS}s at most)"
        flock -w "$WAIT_TIMEOUT_SECONDS" 9 ||
            die "another node removal still holds $LOCK_FILE after ${WAIT_TIMEOUT_SECONDS}s"
    fi
    log "ok: holding the node-removal lock for $NODE"
}

# One at a time: every other node of the roster must be registered and Ready first.
wait_roster() {
    local others=() name ready node lines deadline summary last="" waiting=()
    local -A ready_of=()
    if [[ ! -f "$KVMK8S_ROOT$ROSTER_FILE" ]]; then
        warn "no $ROSTER_FILE (write-roster.sh writes it); not waiting for other nodes"
        return 0
    fi
    while read -r name; do
        if [[ -n "$name" && "$name" != "$NODE" ]]; then others+=("$name"); fi
    done <"$KVMK8S_ROOT$ROSTER_FILE"
    deadline=$((SECONDS + WAIT_TIMEOUT_SECONDS))
    while true; do
        ready_of=()
        waiting=()
        lines="$(kubectl get nodes --request-timeout=15s \
            -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null || true)"
        while read -r name ready; do
            if [[ -n "$name" ]]; then ready_of[$name]="${ready:-Unknown}"; fi
        done <<<"$lines"
        for node in "${others[@]}"; do
            if [[ -z "${ready_of[$node]:-}" ]]; then
                waiting+=("$node (not registered)")
            elif [[ "${ready_of[$node]}" != True ]]; then
                waiting+=("$node (not Ready)")
            fi
        done
        if [[ "${#waiting[@]}" -eq 0 ]]; then break; fi
        printf -v summary '%s, ' "${waiting[@]}"
        summary="${summary%, }"
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            die "timed out after ${WAIT_TIMEOUT_SECONDS}s waiting before removing $NODE, one node at a time, for: $summary"
        fi
        if [[ "$summary" != "$last" ]]; then
            log "waiting before removing $NODE (one node at a time) for: $summary"
            last="$summary"
        fi
        sleep 10
    done
    log "ok: the ${#others[@]} other roster nodes are Ready"
}

drain_node() {
    local unschedulable ready extra=()
    if ! node_exists; then
        log "ok: node $NODE not registered; nothing to drain"
        return 0
    fi
    unschedulable="$(kubectl get node "$NODE" --request-timeout=15s -o jsonpath='{.spec.unschedulable}')" ||
        die "cannot read node $NODE"
    if [[ "$unschedulable" == true ]]; then
        log "ok: node $NODE already cordoned"
    else
        run_logged drain kubectl cordon "$NODE" || die "kubectl cordon $NODE failed"
        log "changed: cordoned $NODE"
    fi
    ready="$(kubectl get node "$NODE" --request-timeout=15s -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" ||
        die "cannot read node $NODE"
    if [[ "$ready" != True ]]; then
        # An unreachable kubelet never confirms deletions: do not wait for them forever.
        extra=(--skip-wait-for-delete-timeout=60)
        log "node $NODE is not Ready: its pods are not waited for once deleted for 60s"
    fi
    if ! run_logged drain kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data \
        --timeout="${DRAIN_TIMEOUT_SECONDS}s" "${extra[@]}"; then
        die "drain of $NODE did not finish within ${DRAIN_TIMEOUT_SECONDS}s: some pods cannot be evicted (e.g. a PodDisruptionBudget allows no disruption, or a pod has no controller; see above). $NODE stays cordoned; fix that and run again"
    fi
    log "changed: drained $NODE"
}

remove_etcd_member() {
    local pods pod_name pod_node phase pod="" members="" member_id count node_ip=""
    if [[ "$ROLE" != master ]]; then
        log "ok: $NODE is a worker; it has no etcd member"
        return 0
    fi
    pods="$(kubectl -n kube-system get pods -l component=etcd --request-timeout=15s \
        -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.nodeName}{" "}{.status.phase}{"\n"}{end}')" ||
        die "cannot list the etcd pods in kube-system"
    while read -r pod_name pod_node phase; do
        if [[ -z "$pod_name" || "$pod_node" == "$NODE" || "$phase" != Running ]]; then continue; fi
        if members="$(etcdctl_in "$pod_name" member list 2>"$KVMK8S_TMP/etcdctl.err")"; then
            pod="$pod_name"
            break
        fi
        warn "etcdctl member list in $pod_name failed: $(tail -n 1 "$KVMK8S_TMP/etcdctl.err")"
    done <<<"$pods"
    [[ -n "$pod" ]] || die "no running etcd pod on another master answered; cannot remove $NODE's etcd member"
    # member list lines: ID, STATUS, NAME, PEER ADDRS, CLIENT ADDRS, IS LEARNER
    member_id="$(awk -F', ' -v n="$NODE" '$3 == n { print $1 }' <<<"$members")"
    if [[ -z "$member_id" ]]; then
        # A join that failed half-way leaves an unstarted member without a name: match its peer address.
        node_ip="$(kubectl get node "$NODE" --ignore-not-found --request-timeout=15s \
            -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}' 2>/dev/null || true)"
        if [[ -n "$node_ip" ]]; then
            member_id="$(awk -F', ' -v ip="$node_ip" '$2 == "unstarted" && index($4, "//" ip ":") { print $1 }' <<<"$members")"
        fi
    fi
    if [[ -z "$member_id" ]]; then
        log "ok: no etcd member for $NODE"
        return 0
    fi
    [[ "$member_id" =~ ^[0-9a-f]+$ ]] || die "more than one etcd member matches $NODE: ${member_id//$'\n'/ }"
    count="$(grep -c . <<<"$members")"
    [[ "$count" -gt 1 ]] || die "refusing to remove $NODE's etcd member $member_id: it is the only member left"
    etcdctl_in "$pod" member remove "$member_id" >/dev/null 2>"$KVMK8S_TMP/etcdctl.err" ||
        die "etcdctl member remove $member_id failed: $(tail -n 1 "$KVMK8S_TMP/etcdctl.err")"
    log "changed: removed $NODE's etcd member $member_id ($((count - 1)) members left)"
}

delete_node() {
    if ! node_exists; then
        log "ok: node $NODE already absent"
        return 0
    fi
    # Retried: removing a master's etcd member can move the control-plane VIP for a moment.
    wait_until 120 5 "kubectl delete node $NODE to succeed" \
        kubectl delete node "$NODE" --ignore-not-found --request-timeout=30s
    log "changed: deleted node $NODE"
}

STEPS=(acquire_lock wait_roster drain_node remove_etcd_member delete_node)

log "remove-node: $NODE ($ROLE)"
run_steps "${STEPS[@]}"
