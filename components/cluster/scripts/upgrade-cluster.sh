#!/usr/bin/env bash
# upgrade-cluster.sh: on the director, roll the cluster to TARGET_VERSION, one node at a time.
# (a) Before touching anything it reads the API server's version and refuses a downgrade or
# a skipped minor version (kubeadm upgrades one minor at a time). (b) Under the node-removal
# lock (the one remove-node.sh takes, so upgrades and removals never overlap) it upgrades
# the masters in MASTERS' order (the first runs `kubeadm upgrade apply`; masters are not
# drained: they keep their etcd member), then the workers in WORKERS' order, each drained
# first: it streams /usr/local/lib/kvm-k8s/upgrade-node.sh (from KVMK8S_FILES) to the node
# over ssh with the director's operations key, uncordons it and waits (WAIT_TIMEOUT_SECONDS,
# 10 minutes by default) until it is Ready with kubelet at vTARGET_VERSION. A node is upgraded
# only once every other listed node is Ready (etcd quorum, capacity). A node already at
# vTARGET_VERSION is skipped, so a fresh site changes nothing and a re-run after a failure
# resumes where it stopped; a failure stops the run, leaving the later nodes untouched.
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
#                                    holding upgrade-node.sh
#   DRAIN_TIMEOUT_SECONDS  optional  drain timeout of a worker, in seconds (e.g. 600, the default)
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

# ---- BEGIN kvm-k8s ops helpers (identical in refresh-join.sh, upgrade-cluster.sh, etcd-snapshot.sh) ----
# The director logs in to nodes as OPS_USER with its operations key (prepare-director.sh
# installs it from KVMK8S_FILES), from its own address only (prepare-node.sh authorizes it),
# checking each node's host key against /etc/kvm-k8s/known_hosts (write-roster.sh writes it).
# Secrets go to the remote side on ssh's stdin, never on a command line.
OPS_KEY=/root/.ssh/kvm-k8s-ops
OPS_KNOWN_HOSTS=/etc/kvm-k8s/known_hosts
NODE_SSH_TIMEOUT=600        # the longest one node_ssh call may take, in seconds
declare -A NODE_ADDRESS=()  # node name -> address, filled by parse_nodes
PARSED=()                   # the names of the last parse_nodes list, in order

[[ "$OPS_USER" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "OPS_USER '$OPS_USER' is not a user name"

# parse_nodes WHAT LIST: LIST is "name=address ..." (WHAT names it in errors); sets PARSED to
# its names, in order, and NODE_ADDRESS[name] to each address.
parse_nodes() {
    local what="$1" entry name address entries=()
    PARSED=()
    read -r -a entries <<<"$2"
    for entry in "${entries[@]}"; do
        name="${entry%%=*}"
        address="${entry#*=}"
        [[ "$entry" == *=* && "$name" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ &&
            "$address" =~ ^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$ ]] ||
            die "$what: '$entry' is not name=address (e.g. site1-master-1=10.10.0.11)"
        [[ -z "${NODE_ADDRESS[$name]:-}" ]] || die "$what: node $name is listed twice"
        NODE_ADDRESS[$name]="$address"
        PARSED+=("$name")
    done
}

# require_ops_access: the ops key and the nodes' host keys are in place.
require_ops_access() {
    [[ -f "$KVMK8S_ROOT$OPS_KEY" ]] ||
        die "the director's operations key $OPS_KEY is missing (prepare-director.sh installs it from KVMK8S_FILES)"
    [[ -f "$KVMK8S_ROOT$OPS_KNOWN_HOSTS" ]] ||
        die "$OPS_KNOWN_HOSTS is missing (write-roster.sh writes it from KNOWN_HOSTS): the nodes' host keys are unknown"
}

# node_ssh ADDRESS CMD...: run CMD (one string for the remote shell, "sudo -n ..." for root) on
# the node at ADDRESS, with this function's stdin; fails after NODE_SSH_TIMEOUT seconds.
node_ssh() {
    local address="$1"
    shift
    timeout "$NODE_SSH_TIMEOUT" ssh -i "$KVMK8S_ROOT$OPS_KEY" -o UserKnownHostsFile="$KVMK8S_ROOT$OPS_KNOWN_HOSTS" \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=15 "$OPS_USER@$address" "$@"
}

# node_ssh_logged NAME ADDRESS CMD...: node_ssh with its output appended to the root-only log
# $KVMK8S_LOG_DIR/NAME.log (stdin is passed on, unlike run_logged); on failure print the last
# 30 lines (secrets filtered) to stderr and return ssh's exit code.
node_ssh_logged() {
    local name="$1" logfile rc=0
    shift
    logfile="$KVMK8S_LOG_DIR/$name.log"
    (umask 077 && mkdir -p -- "$KVMK8S_LOG_DIR" && touch -- "$logfile")
    chmod 0700 -- "$KVMK8S_LOG_DIR"
    chmod 0600 -- "$logfile"
    printf '==== %s %s (ssh %s)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$1" >>"$logfile"
    node_ssh "$@" >>"$logfile" 2>&1 || rc=$?
    if [[ "$rc" -ne 0 ]]; then
        printf 'ERROR: %s on %s failed (exit %s); last lines of %s, secrets filtered:\n' "$name" "$1" "$rc" "${logfile#"$KVMK8S_ROOT"}" >&2
        tail -n 30 -- "$logfile" | redact_secrets | sed 's/^/  | /' >&2
    fi
    return "$rc"
}

# node_ready NAME: the Node NAME is registered and Ready.
node_ready() {
    local ready
    ready="$(kubectl get node "$1" --ignore-not-found --request-timeout=15s \
        -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" || return 1
    [[ "$ready" == True ]]
}
# ---- END kvm-k8s ops helpers ----

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
    if [[ "$role" == worker ]]; then
        run_logged drain kubectl drain "$name" --ignore-daemonsets --delete-emptydir-data \
            --timeout="${DRAIN_TIMEOUT_SECONDS}s" ||
            stop "$name" "its drain did not finish within ${DRAIN_TIMEOUT_SECONDS}s (e.g. a PodDisruptionBudget allows no disruption; see above); it stays cordoned" "$@"
        log "changed: drained $name"
    fi
    status=0
    { node_prelude "$mode" && cat -- "$KVMK8S_ROOT$NODE_SCRIPT"; } |
        node_ssh "$address" sudo -n bash -s 2>&1 | sed -u "s/^/  $name: /" || status=$?
    if [[ "$status" -ne 0 ]]; then
        if [[ "$role" == worker ]]; then
            stop "$name" "upgrade-node.sh ($mode) failed on it (exit $status; see above); it stays cordoned" "$@"
        fi
        stop "$name" "upgrade-node.sh ($mode) failed on it (exit $status; see above)" "$@"
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
