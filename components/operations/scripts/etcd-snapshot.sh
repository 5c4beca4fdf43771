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

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

# The ops helpers (lib.sh) log in to the nodes as OPS_USER.
[[ "$OPS_USER" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "OPS_USER '$OPS_USER' is not a user name"

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
