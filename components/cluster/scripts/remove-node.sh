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

# ---- BEGIN kvm-k8s common helpers (identical in every script; keep them in sync) ----
# Output: one line per step, "changed: ..." when it changed something, "ok: ... already ..."
# when it did not, "SKIPPED: ..." when it could not run and was allowed to skip. Noisy or
# secret-bearing command output goes to root-only logs in /var/log/kvm-k8s.
shopt -s inherit_errexit
KVMK8S_ROOT="${KVMK8S_ROOT:-}"
KVMK8S_LOG_DIR="$KVMK8S_ROOT/var/log/kvm-k8s"
KVMK8S_STATE_DIR="$KVMK8S_ROOT/var/lib/kvm-k8s"
CHANGED_PATHS=()                # paths (without KVMK8S_ROOT) written by this run
WROTE=0                         # 1 when the last write_if_changed wrote its file
declare -A FILE_OVERRIDE=()     # path -> "MODE OWNER:GROUP" that write_file_records uses instead
declare -A PENDING_ON_CHANGE=() # path glob -> actions marked pending when a matching file is written

log() { printf '%s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

if [[ -z "$KVMK8S_ROOT" && "$EUID" -ne 0 ]]; then
    die "run this script as root (the program runs it with: sudo bash <file>)"
fi
KVMK8S_TMP="$(mktemp -d -t kvm-k8s.XXXXXX)"
trap 'rm -rf -- "$KVMK8S_TMP"' EXIT

# Steps that act on the running system (packages, services, kernel) refuse to run when
# KVMK8S_ROOT points the file steps at a test directory.
require_live() {
    [[ -z "$KVMK8S_ROOT" ]] || die "step ${FUNCNAME[1]} acts on the running system; it does not run with KVMK8S_ROOT set"
}

# Drop lines that can carry secrets (kubeadm tokens, certificate keys, passwords).
redact_secrets() {
    grep -Eiv 'token|certificate-key|discovery-token|password|[a-z0-9]{6}\.[a-z0-9]{16}|^[[:space:]]*[0-9a-f]{64}[[:space:]]*$' || true
}

# run_logged NAME CMD...: run an external command with its output appended to the root-only
# log $KVMK8S_LOG_DIR/NAME.log; on failure print the last 30 lines (secrets filtered) to
# stderr and return the command's exit code.
run_logged() {
    local name="$1" logfile rc=0
    shift
    logfile="$KVMK8S_LOG_DIR/$name.log"
    (umask 077 && mkdir -p -- "$KVMK8S_LOG_DIR" && touch -- "$logfile")
    chmod 0700 -- "$KVMK8S_LOG_DIR"
    chmod 0600 -- "$logfile"
    printf '==== %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >>"$logfile"
    "$@" >>"$logfile" 2>&1 </dev/null || rc=$?
    if [[ "$rc" -ne 0 ]]; then
        printf 'ERROR: %s failed (exit %s); last lines of %s, secrets filtered:\n' "$name" "$rc" "${logfile#"$KVMK8S_ROOT"}" >&2
        tail -n 30 -- "$logfile" | redact_secrets | sed 's/^/  | /' >&2
    fi
    return "$rc"
}

# wait_until TIMEOUT INTERVAL WHAT CMD...: run CMD every INTERVAL seconds until it succeeds;
# after TIMEOUT seconds fail with "timed out ... waiting for WHAT" and CMD's last output.
wait_until() {
    local timeout="$1" interval="$2" what="$3" deadline out=""
    shift 3
    deadline=$((SECONDS + timeout))
    while true; do
        if out="$("$@" 2>&1 </dev/null)"; then
            return 0
        fi
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            printf 'ERROR: timed out after %ss waiting for %s\n' "$timeout" "$what" >&2
            if [[ -n "$out" ]]; then
                printf '%s\n' "$out" | tail -n 5 | redact_secrets | sed 's/^/  | /' >&2
            fi
            exit 1
        fi
        sleep "$interval"
    done
}

mark_pending() {
    mkdir -p -- "$KVMK8S_STATE_DIR/pending"
    : >"$KVMK8S_STATE_DIR/pending/$1"
}
is_pending() { [[ -e "$KVMK8S_STATE_DIR/pending/$1" ]]; }
clear_pending() { rm -f -- "$KVMK8S_STATE_DIR/pending/$1"; }

path_changed() {
    local p
    for p in "${CHANGED_PATHS[@]}"; do
        if [[ "$p" == "$1" ]]; then return 0; fi
    done
    return 1
}

# write_if_changed PATH MODE [OWNER:GROUP] < CONTENT: write $KVMK8S_ROOT$PATH atomically when
# its content, mode or (as root) owner differ; sets WROTE=1 when it wrote, WROTE=0 otherwise.
# A written path marks the PENDING_ON_CHANGE actions whose glob it matches, so an action
# interrupted by a failure is still done by the next run.
write_if_changed() {
    local path="$1" mode="$2" owner="${3:-root:root}" target dir tmp want pat action
    [[ "$mode" =~ ^0?[0-7]{3}$ ]] || die "write_if_changed $path: mode '$mode' is not octal like 0644"
    [[ "$path" == /* ]] || die "write_if_changed: '$path' is not an absolute path"
    target="$KVMK8S_ROOT$path"
    dir="$(dirname -- "$target")"
    mkdir -p -- "$dir"
    tmp="$(mktemp "$dir/.kvm-k8s.XXXXXX")"
    cat >"$tmp"
    want="$(printf '%o' "$((8#$mode))")"
    WROTE=0
    if [[ -f "$target" && ! -L "$target" ]] && cmp -s -- "$tmp" "$target" &&
        [[ "$(stat -c '%a' -- "$target")" == "$want" ]] &&
        { [[ "$EUID" -ne 0 ]] || [[ "$(stat -c '%U:%G' -- "$target")" == "$owner" ]]; }; then
        rm -f -- "$tmp"
        return 0
    fi
    chmod "$mode" -- "$tmp"
    if [[ "$EUID" -eq 0 ]]; then chown "$owner" -- "$tmp"; fi
    mv -f -- "$tmp" "$target"
    WROTE=1
    CHANGED_PATHS+=("$path")
    for pat in "${!PENDING_ON_CHANGE[@]}"; do
        # shellcheck disable=SC2254 # the keys of PENDING_ON_CHANGE are glob patterns on purpose
        case "$path" in
        $pat)
            for action in ${PENDING_ON_CHANGE[$pat]}; do mark_pending "$action"; done
            ;;
        esac
    done
}

# put_file PATH MODE [OWNER:GROUP] < CONTENT: write_if_changed, then say what happened.
put_file() {
    write_if_changed "$@"
    if [[ "$WROTE" -eq 1 ]]; then log "changed: wrote $1"; else log "ok: $1 already up to date"; fi
}

# file_mode_owner PATH: "MODE OWNER:GROUP" of an existing $KVMK8S_ROOT$PATH (0644 root:root if absent).
file_mode_owner() {
    if [[ -e "$KVMK8S_ROOT$1" ]]; then
        stat -c '0%a %U:%G' -- "$KVMK8S_ROOT$1"
    else
        printf '0644 root:root\n'
    fi
}

# write_file_records RECORDS: RECORDS is the KVMK8S_FILES payload, newline-separated
# "MODE PATH BASE64CONTENT" records; each file is written (put_file) only if it differs.
# FILE_OVERRIDE[PATH]="MODE OWNER:GROUP" replaces the record's mode and the root owner.
write_file_records() {
    local records=() line mode path b64 extra n=0 decoded owner
    mapfile -t records <<<"$1"
    for line in "${records[@]}"; do
        n=$((n + 1))
        [[ -n "${line//[[:space:]]/}" ]] || continue
        read -r mode path b64 extra <<<"$line"
        [[ "$mode" =~ ^0?[0-7]{3}$ ]] || die "KVMK8S_FILES record $n: mode '$mode' is not octal like 0644"
        [[ "$path" == /* && "$path" != *'/../'* && "$path" != *'/..' ]] ||
            die "KVMK8S_FILES record $n: path '$path' must be absolute, without '..'"
        [[ -n "$b64" && -z "$extra" ]] || die "KVMK8S_FILES record $n ($path): expected 'MODE PATH BASE64CONTENT'"
        decoded="$KVMK8S_TMP/record.$n"
        base64 -d <<<"$b64" >"$decoded" 2>/dev/null || die "KVMK8S_FILES record $n ($path): content is not valid base64"
        owner="root:root"
        if [[ -n "${FILE_OVERRIDE[$path]:-}" ]]; then read -r mode owner <<<"${FILE_OVERRIDE[$path]}"; fi
        put_file "$path" "$mode" "$owner" <"$decoded"
        rm -f -- "$decoded"
    done
    if [[ -z "${1//[[:space:]]/}" ]]; then log "ok: no files to write (KVMK8S_FILES is empty)"; fi
}

# set_managed_block PATH BODY: keep exactly BODY between "# BEGIN kvm-k8s" and "# END kvm-k8s"
# in PATH (the block is replaced in place, or appended when absent); all other lines stay
# as they are. An empty BODY removes the block.
set_managed_block() {
    local path="$1" body="$2" target="$KVMK8S_ROOT$1" src=/dev/null begins=0 ends=0 mode owner rc=0
    if [[ -e "$target" ]]; then
        src="$target"
        begins="$(grep -c -x '# BEGIN kvm-k8s' -- "$target" || true)"
        ends="$(grep -c -x '# END kvm-k8s' -- "$target" || true)"
    fi
    [[ "$begins" -le 1 && "$begins" -eq "$ends" ]] ||
        die "$path: the '# BEGIN kvm-k8s' / '# END kvm-k8s' markers are repeated or unbalanced; fix the file by hand"
    read -r mode owner <<<"$(file_mode_owner "$path")"
    KVMK8S_BLOCK="$body" awk '
        function emit() { if (body != "") { print "# BEGIN kvm-k8s"; print body; print "# END kvm-k8s" } }
        BEGIN { body = ENVIRON["KVMK8S_BLOCK"]; state = 0 }
        state == 0 && $0 == "# BEGIN kvm-k8s" { emit(); state = 1; next }
        state == 1 && $0 == "# END kvm-k8s" { state = 2; next }
        state == 1 { next }
        { print }
        END { if (state == 1) exit 3; if (state == 0) emit() }
    ' "$src" >"$KVMK8S_TMP/block" || rc=$?
    [[ "$rc" -eq 0 ]] || die "$path: '# BEGIN kvm-k8s' has no '# END kvm-k8s' after it; fix the file by hand"
    write_if_changed "$path" "$mode" "$owner" <"$KVMK8S_TMP/block"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: updated the kvm-k8s block in $path"
    else
        log "ok: the kvm-k8s block in $path already up to date"
    fi
}

# run_steps STEP...: run every step in order; with KVMK8S_ONLY=STEP (test hook) run only that one.
run_steps() {
    local step
    if [[ -n "${KVMK8S_ONLY:-}" ]]; then
        for step in "$@"; do
            if [[ "$step" == "$KVMK8S_ONLY" ]]; then
                "$step"
                return 0
            fi
        done
        die "KVMK8S_ONLY=$KVMK8S_ONLY is not a step of this script; its steps: $*"
    fi
    for step in "$@"; do "$step"; done
}
# ---- END kvm-k8s common helpers ----

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
