#!/usr/bin/env bash
# etcd-snapshot.sh: on the director, take etcd snapshot SNAPSHOT_ID of the site, on demand
# (the program runs it when site.cluster.etcdSnapshot is bumped). Once a non-empty
# BACKUP_DIR/etcd-SITE-SNAPSHOT_ID.db exists the snapshot is taken and nothing is redone.
# Otherwise, over ssh with the director's operations key, on the first Ready master: etcdctl
# in the running etcd container (crictl exec) saves a snapshot into /var/lib/etcd (a hostPath,
# so the file lands on the host); it is streamed back with sudo cat into a temp file next to
# the target and removed from the master; the copy must be non-empty and match the master's
# sha256; then BACKUP_DIR/etcd-SITE-SNAPSHOT_ID.db.sha256 is written and the copy renamed into
# place (files 0600, BACKUP_DIR 0700: a snapshot holds every Secret of the cluster).
#
# Environment:
#   SNAPSHOT_ID   required  the snapshot's number, site.cluster.etcdSnapshot (e.g. 3)
#   SITE          required  the site's name, in the file name (e.g. site1)
#   MASTERS       required  space-separated name=address of the masters, the first Ready one is used
#                           (e.g. "site1-master-1=10.10.0.11 site1-master-2=10.10.0.12")
#   OPS_USER      required  the user the director logs in to nodes as (e.g. kvmk8s)
#   BACKUP_DIR    optional  where snapshots are kept on the director (e.g. /var/backups/kvm-k8s, the default)
#   KVMK8S_ROOT   optional  test hook: prefix for every path the script reads or writes (e.g. /tmp/t)
#   KVMK8S_ONLY   optional  test hook: run only this step (e.g. take_snapshot; steps: see STEPS)
set -euo pipefail

: "${SNAPSHOT_ID:?SNAPSHOT_ID is required (the snapshot number, e.g. 3)}"
: "${SITE:?SITE is required (the site name, e.g. site1)}"
: "${MASTERS:?MASTERS is required (space-separated name=address of the masters)}"
: "${OPS_USER:?OPS_USER is required (the user the director logs in to nodes as)}"

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

BACKUP_DIR="${BACKUP_DIR:-/var/backups/kvm-k8s}"
export KUBECONFIG="$KVMK8S_ROOT/root/.kube/config"
REMOTE_SNAPSHOT=/var/lib/etcd/kvm-k8s-snapshot.db
NODE_SSH_TIMEOUT=900 # saving or copying a large snapshot

[[ "$SNAPSHOT_ID" =~ ^[0-9]+$ ]] || die "SNAPSHOT_ID '$SNAPSHOT_ID' is not a number"
[[ "$SITE" =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]] || die "SITE '$SITE' is not a site name"
[[ "$BACKUP_DIR" == /* && "$BACKUP_DIR" != *'/../'* && "$BACKUP_DIR" != *'/..' ]] ||
    die "BACKUP_DIR '$BACKUP_DIR' must be an absolute path, without '..'"
BACKUP_DIR="${BACKUP_DIR%/}"
parse_nodes MASTERS "$MASTERS"
MASTER_NAMES=("${PARSED[@]}")
TARGET="$BACKUP_DIR/etcd-$SITE-$SNAPSHOT_ID.db"
SNAPSHOT_TMP="" # the copy being received, removed unless renamed into place
trap 'rm -rf -- "$KVMK8S_TMP"; if [[ -n "$SNAPSHOT_TMP" ]]; then rm -f -- "$SNAPSHOT_TMP"; fi' EXIT

# Run on the master by `sudo -n bash -s`: save the snapshot, print its sha256 (only that, on
# stdout). etcdctl runs in the etcd container (the image has no shell).
# shellcheck disable=SC2016 # expanded on the master
SAVE_SNIPPET='set -euo pipefail
snapshot=/var/lib/etcd/kvm-k8s-snapshot.db
crictl() { command crictl --runtime-endpoint unix:///run/containerd/containerd.sock "$@" </dev/null; }
id="$(crictl ps --name etcd -q | head -n 1)"
if [[ -z "$id" ]]; then echo "no running etcd container on $(hostname)" >&2; exit 1; fi
rm -f -- "$snapshot"
crictl exec "$id" etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt \
    --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key \
    snapshot save "$snapshot" >&2
sha256sum -- "$snapshot" | cut -d " " -f 1'

# ---- steps ----

# The marker: a non-empty target means this snapshot was taken.
check_taken() {
    if [[ -s "$KVMK8S_ROOT$TARGET" ]]; then
        log "ok: snapshot $SNAPSHOT_ID already taken ($TARGET, $(stat -c %s -- "$KVMK8S_ROOT$TARGET") bytes)"
        exit 0
    fi
}

take_snapshot() {
    local name master="" address dir logfile remote_sum sum size
    for name in "${MASTER_NAMES[@]}"; do
        if node_ready "$name"; then
            master="$name"
            break
        fi
    done
    [[ -n "$master" ]] || die "no master is Ready (masters: ${MASTER_NAMES[*]}); cannot take etcd snapshot $SNAPSHOT_ID"
    address="${NODE_ADDRESS[$master]}"
    require_ops_access
    dir="$KVMK8S_ROOT$BACKUP_DIR"
    (umask 077 && mkdir -p -- "$dir")
    chmod 0700 -- "$dir"
    logfile="$KVMK8S_LOG_DIR/etcd-snapshot.log"
    (umask 077 && mkdir -p -- "$KVMK8S_LOG_DIR" && touch -- "$logfile")
    printf '==== %s snapshot %s on %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SNAPSHOT_ID" "$master" >>"$logfile"

    remote_sum="$(node_ssh "$address" sudo -n bash -s <<<"$SAVE_SNIPPET" 2>>"$logfile")" ||
        die "saving the etcd snapshot on $master failed; see ${logfile#"$KVMK8S_ROOT"}: $(tail -n 1 "$logfile" | redact_secrets)"
    SNAPSHOT_TMP="$(mktemp "$dir/.etcd-$SITE-$SNAPSHOT_ID.db.XXXXXX")"
    if ! node_ssh "$address" sudo -n cat -- "$REMOTE_SNAPSHOT" </dev/null >"$SNAPSHOT_TMP" 2>>"$logfile"; then
        node_ssh "$address" sudo -n rm -f -- "$REMOTE_SNAPSHOT" </dev/null >>"$logfile" 2>&1 || true
        die "copying the etcd snapshot from $master failed; see ${logfile#"$KVMK8S_ROOT"}"
    fi
    node_ssh "$address" sudo -n rm -f -- "$REMOTE_SNAPSHOT" </dev/null >>"$logfile" 2>&1 ||
        warn "could not remove $REMOTE_SNAPSHOT on $master; remove it by hand"
    [[ -s "$SNAPSHOT_TMP" ]] || die "the etcd snapshot copied from $master is empty; nothing kept"
    sum="$(sha256sum -- "$SNAPSHOT_TMP" | cut -d ' ' -f 1)"
    [[ "$sum" == "$remote_sum" ]] ||
        die "the copy's sha256 ($sum) is not the snapshot's on $master (${remote_sum:-none}); nothing kept"
    size="$(stat -c %s -- "$SNAPSHOT_TMP")"
    write_if_changed "$TARGET.sha256" 0600 <<<"$sum  $(basename -- "$TARGET")"
    chmod 0600 -- "$SNAPSHOT_TMP"
    mv -f -- "$SNAPSHOT_TMP" "$KVMK8S_ROOT$TARGET"
    SNAPSHOT_TMP=""
    log "changed: etcd snapshot $SNAPSHOT_ID taken on $master: $TARGET ($size bytes, sha256 $sum)"
}

STEPS=(check_taken take_snapshot)

run_steps "${STEPS[@]}"
