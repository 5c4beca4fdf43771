#!/usr/bin/env bash
# join-control-plane.sh: join masters 2..n to the control plane with kubeadm join and
# /etc/kvm-k8s/kubeadm-join.yaml (a JoinConfiguration with a controlPlane section). When
# /etc/kubernetes/kubelet.conf exists the node has joined already and the join is not redone.
# kube-vip's static pod (from /etc/kvm-k8s/kube-vip.yaml, kubeconfig admin.conf) is put in
# /etc/kubernetes/manifests after the join (kubeadm join refuses a non-empty manifests
# directory), and kept up to date on every run. kubeadm's output goes to /var/log/kvm-k8s
# (root only), never to stdout; a failed join is reset so that the next run starts over.
#
# Environment:
#   KVMK8S_FILES   required  files to install, "MODE PATH BASE64" records (e.g. "0600
#                            /etc/kvm-k8s/kubeadm-join.yaml YXBp..."): kubeadm-join.yaml and
#                            optionally kube-vip.yaml in /etc/kvm-k8s
#   KVMK8S_ROOT    optional  test hook: prefix for every path the script reads or writes (e.g. /tmp/t)
#   KVMK8S_ONLY    optional  test hook: run only this step (e.g. write_files; steps: see STEPS)
set -euo pipefail

: "${KVMK8S_FILES:?KVMK8S_FILES is required (the kubeadm join configuration)}"

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

# ---- BEGIN kvm-k8s kubeadm helpers (identical in init-control-plane.sh, join-control-plane.sh, join-worker.sh) ----
KUBEADM_JOIN_CONFIG=/etc/kvm-k8s/kubeadm-join.yaml
KUBE_VIP_SOURCE=/etc/kvm-k8s/kube-vip.yaml
KUBE_VIP_MANIFEST=/etc/kubernetes/manifests/kube-vip.yaml

# kubeadm_run LOGNAME WHAT ARGS...: run kubeadm ARGS with its output (tokens, certificate key)
# in the root-only log /var/log/kvm-k8s/LOGNAME.log. On failure run kubeadm reset --force
# (logged too) so that the next run starts over instead of finding a half-made node, then fail.
kubeadm_run() {
    local name="$1" what="$2"
    shift 2
    log "running kubeadm $what (output in /var/log/kvm-k8s/$name.log, root only)"
    if ! run_logged "$name" kubeadm "$@"; then
        if run_logged "$name" kubeadm reset --force; then
            die "kubeadm $what failed; kubeadm reset done, so the next run starts over"
        fi
        die "kubeadm $what failed, and so did kubeadm reset; see /var/log/kvm-k8s/$name.log"
    fi
}

# require_file PATH WHAT: fail clearly when the program did not deliver PATH.
require_file() {
    [[ -f "$KVMK8S_ROOT$1" ]] || die "$1 is missing: the program passes it in KVMK8S_FILES ($2)"
}

# install_kube_vip_manifest [KUBECONFIG]: kube-vip's static pod from /etc/kvm-k8s/kube-vip.yaml
# into /etc/kubernetes/manifests, its kubeconfig hostPath switched from
# /etc/kubernetes/admin.conf to KUBECONFIG when given. Nothing when no kube-vip.yaml was given.
install_kube_vip_manifest() {
    local kubeconfig="${1:-/etc/kubernetes/admin.conf}"
    if [[ ! -f "$KVMK8S_ROOT$KUBE_VIP_SOURCE" ]]; then
        log "ok: no kube-vip manifest given ($KUBE_VIP_SOURCE absent)"
        return 0
    fi
    sed -E "s#^([[:space:]]*path:[[:space:]]*)/etc/kubernetes/admin\\.conf[[:space:]]*\$#\\1$kubeconfig#" \
        "$KVMK8S_ROOT$KUBE_VIP_SOURCE" >"$KVMK8S_TMP/kube-vip.yaml"
    grep -Eq "^[[:space:]]*path:[[:space:]]*${kubeconfig}[[:space:]]*\$" "$KVMK8S_TMP/kube-vip.yaml" ||
        die "$KUBE_VIP_SOURCE has no hostPath 'path: /etc/kubernetes/admin.conf' for kube-vip's kubeconfig"
    write_if_changed "$KUBE_VIP_MANIFEST" 0600 <"$KVMK8S_TMP/kube-vip.yaml"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: wrote $KUBE_VIP_MANIFEST (kubeconfig $kubeconfig)"
    else
        log "ok: $KUBE_VIP_MANIFEST already up to date (kubeconfig $kubeconfig)"
    fi
}
# ---- END kvm-k8s kubeadm helpers ----

# ---- steps ----

write_files() {
    write_file_records "$KVMK8S_FILES"
}

join_control_plane() {
    if [[ -e "$KVMK8S_ROOT/etc/kubernetes/kubelet.conf" ]]; then
        log "ok: already joined (/etc/kubernetes/kubelet.conf exists)"
        return 0
    fi
    require_file "$KUBEADM_JOIN_CONFIG" "kubeadm JoinConfiguration"
    kubeadm_run kubeadm-join "join (control plane)" join --config "$KVMK8S_ROOT$KUBEADM_JOIN_CONFIG"
    log "changed: joined the control plane"
}

kube_vip() {
    install_kube_vip_manifest /etc/kubernetes/admin.conf
}

STEPS=(write_files join_control_plane kube_vip)

run_steps "${STEPS[@]}"
