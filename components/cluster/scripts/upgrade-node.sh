#!/usr/bin/env bash
# upgrade-node.sh: upgrade this node's Kubernetes to TARGET_VERSION, the kubeadm way. The
# program does not run it directly: upgrade-cluster.sh, on the director, streams it to one
# node at a time over ssh (sudo bash -s, an `export NAME='value'` prelude first), after
# draining a worker. It points apt at KUBERNETES_APT_REPO (keyring refreshed when it
# changed), installs kubeadm at TARGET_VERSION (held); then on the first master runs
# `kubeadm upgrade apply vTARGET_VERSION`, on the other nodes `kubeadm upgrade node`; then
# installs kubelet and kubectl at TARGET_VERSION (held) and restarts kubelet. Each step checks
# first, so a re-run after a failure does the rest, and a node already at TARGET_VERSION is
# left alone. apt and kubeadm output goes to /var/log/kvm-k8s (root only).
#
# Environment:
#   TARGET_VERSION       required  the Kubernetes version to upgrade to (e.g. 1.32.0)
#   KUBERNETES_APT_REPO  required  the Kubernetes apt repo serving it, its Release.key signs it
#                                  (e.g. https://pkgs.k8s.io/core:/stable:/v1.32/deb/)
#   MODE                 required  first-master (runs kubeadm upgrade apply), master or worker (e.g. worker)
#   KVMK8S_ROOT          optional  test hook: prefix for the paths the checks read (e.g. /tmp/t)
#   KVMK8S_ONLY          optional  test hook: run only this step (e.g. check_current; steps: see STEPS)
set -euo pipefail

: "${TARGET_VERSION:?TARGET_VERSION is required (e.g. 1.32.0)}"
: "${KUBERNETES_APT_REPO:?KUBERNETES_APT_REPO is required (e.g. https://pkgs.k8s.io/core:/stable:/v1.32/deb/)}"
: "${MODE:?MODE is required (first-master, master or worker)}"

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

# ---- BEGIN kvm-k8s package helpers (identical in prepare-director.sh, prepare-node.sh and upgrade-node.sh) ----
export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
K8S_REPO_REACHABLE=1
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

# pkg_version PKG: the installed version of PKG, empty when it is not installed.
pkg_version() {
    # shellcheck disable=SC2016 # ${...} here is dpkg-query's format syntax, not the shell's
    dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null | awk '$1 == "installed" { print $2 }' || true
}

apt_update_once() {
    if [[ "$APT_UPDATED" -eq 0 ]]; then
        run_logged apt apt-get "${APT_OPTS[@]}" update || die "apt-get update failed"
        APT_UPDATED=1
    fi
}

# apt_install_missing PKG...: install the packages that are not installed yet.
apt_install_missing() {
    local p missing=()
    for p in "$@"; do
        if [[ -z "$(pkg_version "$p")" ]]; then missing+=("$p"); fi
    done
    if [[ "${#missing[@]}" -eq 0 ]]; then
        log "ok: $* already installed"
        return 0
    fi
    apt_update_once
    run_logged apt apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${missing[@]}" ||
        die "installing ${missing[*]} failed"
    log "changed: installed ${missing[*]}"
}

# hold_packages PKG...: apt-mark hold the installed packages among PKG that are not held yet.
hold_packages() {
    local p held installed=() to_hold=()
    held="$(apt-mark showhold)"
    for p in "$@"; do
        if [[ -n "$(pkg_version "$p")" ]]; then
            installed+=("$p")
            if ! grep -qx -- "$p" <<<"$held"; then to_hold+=("$p"); fi
        fi
    done
    if [[ "${#installed[@]}" -eq 0 ]]; then
        log "ok: $* not installed; nothing to hold"
    elif [[ "${#to_hold[@]}" -eq 0 ]]; then
        log "ok: ${installed[*]} already held"
    else
        run_logged apt apt-mark hold "${to_hold[@]}" || die "apt-mark hold ${to_hold[*]} failed"
        log "changed: held ${to_hold[*]}"
    fi
}

# check_kubernetes_version VERSION REPO: VERSION is x.y.z and the repo (pkgs.k8s.io serves one
# minor per repo) is the one for its minor.
check_kubernetes_version() {
    local version="$1" repo="$2" repo_minor
    [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
        die "KUBERNETES_VERSION '$version' must look like 1.31.4 (no leading v)"
    if [[ "$repo" =~ /v([0-9]+\.[0-9]+)/ ]]; then
        repo_minor="${BASH_REMATCH[1]}"
        [[ "$version" == "$repo_minor".* ]] ||
            die "KUBERNETES_VERSION $version is not served by KUBERNETES_APT_REPO $repo (v$repo_minor)"
    fi
}

# configure_kubernetes_repo REPO: keyring from REPO/Release.key and the apt source for REPO.
# Sets K8S_REPO_REACHABLE=0 (and changes nothing) when the key cannot be fetched.
configure_kubernetes_repo() {
    local repo="${1%/}" key="$KVMK8S_TMP/Release.key" gnupg="$KVMK8S_TMP/gnupg"
    if ! curl -fsSL --retry 2 --connect-timeout 10 --max-time 60 -o "$key" "$repo/Release.key" 2>"$KVMK8S_TMP/curl.err"; then
        K8S_REPO_REACHABLE=0
        warn "cannot fetch $repo/Release.key: $(tail -n 1 "$KVMK8S_TMP/curl.err")"
        return 0
    fi
    mkdir -m 0700 -- "$gnupg"
    gpg --batch --quiet --homedir "$gnupg" --dearmor <"$key" >"$KVMK8S_TMP/keyring.gpg" ||
        die "$repo/Release.key is not an armored OpenPGP key"
    put_file /etc/apt/keyrings/kubernetes-apt-keyring.gpg 0644 <"$KVMK8S_TMP/keyring.gpg"
    put_file /etc/apt/sources.list.d/kubernetes.list 0644 \
        <<<"deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] $repo/ /"
    if path_changed /etc/apt/keyrings/kubernetes-apt-keyring.gpg || path_changed /etc/apt/sources.list.d/kubernetes.list; then
        APT_UPDATED=0
    fi
}

# wait_cloud_init: wait (bounded) for cloud-init to finish its first boot.
wait_cloud_init() {
    require_live
    local out rc=0 status
    if ! command -v cloud-init >/dev/null 2>&1; then
        log "ok: cloud-init is not installed; nothing to wait for"
        return 0
    fi
    out="$(timeout 1200 cloud-init status --wait 2>&1)" || rc=$?
    status="$(sed -n 's/^status: //p' <<<"$out" | tail -n 1)"
    case "$rc" in
    0) log "ok: cloud-init already finished (status: ${status:-done})" ;;
    2) warn "cloud-init finished with recoverable errors (status: ${status:-degraded}); continuing; see: cloud-init status --long" ;;
    124) die "cloud-init still running after 1200s; see /var/log/cloud-init-output.log" ;;
    *) die "cloud-init failed (exit $rc, status: ${status:-unknown}); see: cloud-init status --long, /var/log/cloud-init.log" ;;
    esac
}
# ---- END kvm-k8s package helpers ----

APISERVER_MANIFEST=/etc/kubernetes/manifests/kube-apiserver.yaml

[[ "$TARGET_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "TARGET_VERSION '$TARGET_VERSION' must look like 1.32.0 (no leading v)"
[[ "$MODE" == first-master || "$MODE" == master || "$MODE" == worker ]] ||
    die "MODE must be first-master, master or worker, not '$MODE'"
if [[ "$KUBERNETES_APT_REPO" =~ /v([0-9]+\.[0-9]+)/ && "$TARGET_VERSION" != "${BASH_REMATCH[1]}".* ]]; then
    die "TARGET_VERSION $TARGET_VERSION is not served by KUBERNETES_APT_REPO $KUBERNETES_APT_REPO (v${BASH_REMATCH[1]})"
fi

# kubelet_at_target: the installed kubelet binary is vTARGET_VERSION.
kubelet_at_target() {
    local out
    command -v kubelet >/dev/null 2>&1 || return 1
    out="$(kubelet --version 2>/dev/null </dev/null || true)"
    [[ "$out" == "Kubernetes v$TARGET_VERSION" ]]
}

# control_plane_at_target: this master's kube-apiserver static pod runs vTARGET_VERSION.
control_plane_at_target() {
    local tag="v${TARGET_VERSION//./\\.}"
    [[ -f "$KVMK8S_ROOT$APISERVER_MANIFEST" ]] &&
        grep -Eq "^[[:space:]]*image:[[:space:]]*([^[:space:]]*/)?kube-apiserver:${tag}[[:space:]]*\$" "$KVMK8S_ROOT$APISERVER_MANIFEST"
}

# install_at_target PKG...: install the packages not at TARGET_VERSION yet (apt-mark unhold
# first), then hold them all.
install_at_target() {
    local p v todo=() pinned=()
    for p in "$@"; do
        v="$(pkg_version "$p")"
        if [[ "$v" != "$TARGET_VERSION-"* ]]; then
            todo+=("$p")
            pinned+=("$p=$TARGET_VERSION-*")
        fi
    done
    if [[ "${#todo[@]}" -eq 0 ]]; then
        log "ok: $* already at $TARGET_VERSION"
    else
        apt_update_once
        run_logged apt apt-mark unhold "${todo[@]}" || die "apt-mark unhold ${todo[*]} failed"
        if ! run_logged apt apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${pinned[@]}"; then
            run_logged apt apt-mark hold "${todo[@]}" || true
            die "installing ${todo[*]} $TARGET_VERSION failed (does $KUBERNETES_APT_REPO serve it?)"
        fi
        log "changed: installed ${todo[*]} $TARGET_VERSION"
    fi
    hold_packages "$@"
}

# ---- steps ----

# A node already at TARGET_VERSION is left alone.
check_current() {
    if kubelet_at_target && ! is_pending restart-kubelet &&
        { [[ "$MODE" == worker ]] || control_plane_at_target; }; then
        if [[ "$MODE" == worker ]]; then
            log "ok: kubelet already at v$TARGET_VERSION; nothing to upgrade"
        else
            log "ok: kubelet and the control plane already at v$TARGET_VERSION; nothing to upgrade"
        fi
        exit 0
    fi
    log "upgrading this node ($MODE) to v$TARGET_VERSION"
}

kubernetes_repo() {
    require_live
    configure_kubernetes_repo "$KUBERNETES_APT_REPO"
    [[ "$K8S_REPO_REACHABLE" -eq 1 ]] || die "Kubernetes apt repo $KUBERNETES_APT_REPO unreachable; not upgrading"
}

kubeadm_package() {
    require_live
    install_at_target kubeadm
}

kubeadm_upgrade() {
    require_live
    local version
    case "$MODE" in
    first-master)
        version="$(kubeadm version -o short 2>/dev/null </dev/null || true)"
        if [[ "$version" == "v$TARGET_VERSION" ]] && control_plane_at_target; then
            log "ok: the control plane already at v$TARGET_VERSION (kubeadm upgrade apply done)"
            return 0
        fi
        run_logged kubeadm-upgrade kubeadm upgrade apply "v$TARGET_VERSION" -y ||
            die "kubeadm upgrade apply v$TARGET_VERSION failed; see /var/log/kvm-k8s/kubeadm-upgrade.log"
        log "changed: kubeadm upgrade apply v$TARGET_VERSION (the cluster's control plane is at v$TARGET_VERSION)"
        ;;
    master)
        if control_plane_at_target; then
            log "ok: this master's control plane already at v$TARGET_VERSION (kubeadm upgrade node done)"
            return 0
        fi
        run_logged kubeadm-upgrade kubeadm upgrade node ||
            die "kubeadm upgrade node failed; see /var/log/kvm-k8s/kubeadm-upgrade.log"
        log "changed: kubeadm upgrade node (this master's control plane is at v$TARGET_VERSION)"
        ;;
    worker)
        run_logged kubeadm-upgrade kubeadm upgrade node ||
            die "kubeadm upgrade node failed; see /var/log/kvm-k8s/kubeadm-upgrade.log"
        log "changed: kubeadm upgrade node (kubelet configuration of v$TARGET_VERSION)"
        ;;
    esac
}

kubelet_packages() {
    require_live
    # Marked before the install: a failure between the install and the restart leaves it pending.
    if [[ "$(pkg_version kubelet)" != "$TARGET_VERSION-"* ]]; then mark_pending restart-kubelet; fi
    install_at_target kubelet kubectl
    if is_pending restart-kubelet || ! systemctl is-active --quiet kubelet; then
        run_logged kubelet systemctl daemon-reload || die "systemctl daemon-reload failed"
        run_logged kubelet systemctl restart kubelet || die "restarting kubelet failed (journalctl -u kubelet)"
        clear_pending restart-kubelet
        log "changed: restarted kubelet at v$TARGET_VERSION"
    else
        log "ok: kubelet already running v$TARGET_VERSION"
    fi
}

STEPS=(check_current kubernetes_repo kubeadm_package kubeadm_upgrade kubelet_packages)

# stdin is the rest of this script when it is streamed (bash -s): no command may read it.
run_steps "${STEPS[@]}" </dev/null
