#!/usr/bin/env bash
# lib.sh: the helpers the kvm-k8s remote scripts share (common, package, kubeadm and ops
# helpers), in one copy. It is never run alone: the program prepends it to every script it
# runs (the uploaded stream is the `export NAME='value'` prelude, then this file, then the
# script), and the director's /usr/local/lib/kvm-k8s/upgrade-node.sh, which upgrade-cluster.sh
# streams to the nodes, is this file followed by upgrade-node.sh. Each script has a loader
# line that sources this file only when it is not loaded yet, i.e. when the script is run
# from the repo (as the tests do):
#   [[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"
# Loading it defines functions and variables, and does what the common helpers have always
# done when a script starts: the shell options, the root check (not as root without
# KVMK8S_ROOT: exit 1), KVMK8S_TMP and the EXIT trap that removes it. Nothing else: checks that
# need a script's inputs (e.g. OPS_USER's) are in the scripts. Prepended, this runs before the
# script's own required-input checks; sourced by the loader line, right after them.
#
# Environment (read by every script through these helpers; each script's header lists them):
#   KVMK8S_ROOT   optional  test hook: prefix for every path the helpers read or write (e.g. /tmp/t)
#   KVMK8S_ONLY   optional  test hook: run_steps runs only this step (e.g. write_files)
#
# Set by the scripts that use a section, before they call its functions:
#   DEBIAN_FRONTEND    package helpers: exported as noninteractive (apt-get never prompts)
#   OPS_USER           ops helpers: the user node_ssh logs in as, checked by the script
#   FILE_OVERRIDE      common helpers, optional: path -> "MODE OWNER:GROUP" for write_file_records
#   PENDING_ON_CHANGE  common helpers, optional: path glob -> actions marked pending on a write
#   NODE_SSH_TIMEOUT   ops helpers, optional: overrides the default 600 seconds
#   JOIN_TOKEN         kubeadm helpers (join_config): the token join-node.sh minted for this join
#   CERTIFICATE_KEY    kubeadm helpers (join_config), a master's join: the key it uploaded the certificates with
#   HEARTBEAT_SECONDS  common helpers, optional: seconds between "still ..." lines (default 30)
#   LOGIN_USER         common helpers (login_keys): the login user, from the script's environment
#   LOGIN_PUBLIC_KEYS  common helpers (login_keys): the keys it accepts, from the script's environment

# The marker the scripts' loader line looks for: defined means this file is loaded.
kvmk8s_lib_loaded() { :; }

# What every script sets first; when this file is prepended it runs before the script's own
# `set -euo pipefail`, so its load-time code runs under the same options as in the script.
set -euo pipefail

# ---- BEGIN kvm-k8s common helpers (used by every script) ----
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
# The step run_steps is in: a failure names it, so an operator reading Pulumi's error for
# <node>-prepare knows where on which VM it stopped.
KVMK8S_STEP=""
kvmk8s_exit() {
    local rc=$?
    rm -rf -- "$KVMK8S_TMP"
    if [[ "$rc" -ne 0 && -n "$KVMK8S_STEP" ]]; then
        printf 'ERROR: stopped in step %s on %s (exit %s)\n' "$KVMK8S_STEP" "$(hostname -s 2>/dev/null || echo this host)" "$rc" >&2
    fi
    return "$rc"
}
trap kvmk8s_exit EXIT

# Steps that act on the running system (packages, services, kernel) refuse to run when
# KVMK8S_ROOT points the file steps at a test directory.
require_live() {
    [[ -z "$KVMK8S_ROOT" ]] || die "step ${FUNCNAME[1]} acts on the running system; it does not run with KVMK8S_ROOT set"
}

# Drop lines that can carry secrets (kubeadm tokens, certificate keys, passwords).
redact_secrets() {
    grep -Eiv 'token|certificate-key|discovery-token|password|[a-z0-9]{6}\.[a-z0-9]{16}|^[[:space:]]*[0-9a-f]{64}[[:space:]]*$' || true
}

# open_log NAME: create the root-only log $KVMK8S_LOG_DIR/NAME.log (dir 0700, file 0600) if
# needed and print its path.
open_log() {
    local logfile="$KVMK8S_LOG_DIR/$1.log"
    (umask 077 && mkdir -p -- "$KVMK8S_LOG_DIR" && touch -- "$logfile")
    chmod 0700 -- "$KVMK8S_LOG_DIR"
    chmod 0600 -- "$logfile"
    printf '%s\n' "$logfile"
}

# heartbeat_start WHAT: print "... still WHAT (Ns)" every HEARTBEAT_SECONDS until
# heartbeat_stop. A step whose command logs to a file would otherwise send
# nothing for minutes (apt, kubeadm), and an idle SSH session can be cut on the way: the
# Command's SSH client sends no keepalives.
HEARTBEAT_SECONDS=30
HEARTBEAT_PID=""
heartbeat_start() {
    local every="$HEARTBEAT_SECONDS" what="$1"
    # Its sleep is killed with it: a leftover process holding stdout (or a lock's fd) would
    # keep the SSH session, and the Command, open until it ends.
    (
        trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
        n=0
        # ends when heartbeat_stop kills it (the TERM trap)
        while sleep "$every" >/dev/null 2>&1 9>&- & sleeper=$! && wait "$sleeper"; do
            n=$((n + every))
            printf '... still %s (%ss)\n' "$what" "$n"
        done
    ) &
    HEARTBEAT_PID=$!
}
heartbeat_stop() {
    if [[ -n "$HEARTBEAT_PID" ]]; then
        kill "$HEARTBEAT_PID" 2>/dev/null || true
        wait "$HEARTBEAT_PID" 2>/dev/null || true
        HEARTBEAT_PID=""
    fi
}

# run_logged NAME CMD...: run an external command with its output appended to the root-only
# log $KVMK8S_LOG_DIR/NAME.log, saying it is still running every 30 s (heartbeat_start); on
# failure print the last 30 lines (secrets filtered) to stderr and return the command's exit code.
run_logged() {
    local name="$1" logfile rc=0
    shift
    logfile="$(open_log "$name")"
    printf '==== %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >>"$logfile"
    heartbeat_start "running $name (log ${logfile#"$KVMK8S_ROOT"})"
    "$@" >>"$logfile" 2>&1 </dev/null || rc=$?
    heartbeat_stop
    if [[ "$rc" -ne 0 ]]; then
        printf 'ERROR: %s failed (exit %s); last lines of %s, secrets filtered:\n' "$name" "$rc" "${logfile#"$KVMK8S_ROOT"}" >&2
        tail -n 30 -- "$logfile" | redact_secrets | sed 's/^/  | /' >&2
    fi
    return "$rc"
}

# wait_until TIMEOUT INTERVAL WHAT CMD...: run CMD every INTERVAL seconds until it succeeds,
# saying it still waits every 30 s; after TIMEOUT seconds fail with "timed out ... waiting for
# WHAT" and CMD's last output.
wait_until() {
    local timeout="$1" interval="$2" what="$3" deadline next out=""
    shift 3
    deadline=$((SECONDS + timeout))
    next=$((SECONDS + HEARTBEAT_SECONDS))
    while true; do
        if out="$("$@" 2>&1 </dev/null)"; then
            return 0
        fi
        if [[ "$SECONDS" -ge "$next" && "$SECONDS" -lt "$deadline" ]]; then
            log "... still waiting for $what ($((timeout - (deadline - SECONDS)))s of ${timeout}s)"
            next=$((SECONDS + HEARTBEAT_SECONDS))
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

# write_marked_block PATH BODY BEGIN END MODE OWNER: keep exactly BODY between the marker lines
# BEGIN and END in PATH (replaced in place, or appended when absent), every other line as it
# is; an empty BODY removes the block. Writes with MODE and OWNER only when the content
# changes (WROTE says whether it did); logs nothing, so callers say what the block is.
write_marked_block() {
    local path="$1" body="$2" begin="$3" end="$4" mode="$5" owner="$6" target="$KVMK8S_ROOT$1" src=/dev/null begins=0 ends=0 rc=0
    if [[ -e "$target" ]]; then
        src="$target"
        begins="$(grep -c -x -- "$begin" "$target" || true)"
        ends="$(grep -c -x -- "$end" "$target" || true)"
    fi
    [[ "$begins" -le 1 && "$begins" -eq "$ends" ]] ||
        die "$path: the '$begin' / '$end' markers are repeated or unbalanced; fix the file by hand"
    KVMK8S_BLOCK="$body" KVMK8S_BEGIN="$begin" KVMK8S_END="$end" awk '
        function emit() { if (body != "") { print ENVIRON["KVMK8S_BEGIN"]; print body; print ENVIRON["KVMK8S_END"] } }
        BEGIN { body = ENVIRON["KVMK8S_BLOCK"]; state = 0 }
        state == 0 && $0 == ENVIRON["KVMK8S_BEGIN"] { emit(); state = 1; next }
        state == 1 && $0 == ENVIRON["KVMK8S_END"] { state = 2; next }
        state == 1 { next }
        { print }
        END { if (state == 1) exit 3; if (state == 0) emit() }
    ' "$src" >"$KVMK8S_TMP/block" || rc=$?
    [[ "$rc" -eq 0 ]] || die "$path: '$begin' has no '$end' after it; fix the file by hand"
    write_if_changed "$path" "$mode" "$owner" <"$KVMK8S_TMP/block"
}

# user_ssh_dir USER: make USER's ~/.ssh (0700, owned by the user) and set SSH_HOME (the home
# directory) and SSH_OWNER (user:group) for the file written in it. Under KVMK8S_ROOT the home
# is /home/USER and the owner the caller.
user_ssh_dir() {
    local user="$1" entry group
    if [[ -n "$KVMK8S_ROOT" ]]; then
        SSH_HOME="/home/$user"
        SSH_OWNER="$(id -un):$(id -gn)"
    else
        entry="$(getent passwd "$user" || true)"
        [[ -n "$entry" ]] || die "user $user is not a user of this host"
        SSH_HOME="$(cut -d: -f6 <<<"$entry")"
        [[ "$SSH_HOME" == /* && -d "$SSH_HOME" ]] || die "user $user has no home directory"
        group="$(id -gn -- "$user")"
        SSH_OWNER="$user:$group"
    fi
    mkdir -p -- "$KVMK8S_ROOT$SSH_HOME/.ssh"
    if [[ "$(stat -c '%a' -- "$KVMK8S_ROOT$SSH_HOME/.ssh")" != 700 ]]; then chmod 0700 -- "$KVMK8S_ROOT$SSH_HOME/.ssh"; fi
    if [[ "$EUID" -eq 0 && "$(stat -c '%U:%G' -- "$KVMK8S_ROOT$SSH_HOME/.ssh")" != "$SSH_OWNER" ]]; then
        chown "$SSH_OWNER" -- "$KVMK8S_ROOT$SSH_HOME/.ssh"
    fi
}

# One OpenSSH public key line, no options: 'type base64 [comment]'.
PUBLIC_KEY_LINE='^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,2}( [A-Za-z0-9@._:+-]+)*$'

# login_keys: LOGIN_USER's authorized_keys accepts exactly the program's login keys
# (LOGIN_PUBLIC_KEYS, one per line: site.access.publicKey, then extraPublicKeys), kept
# between "# BEGIN kvm-k8s-login" and "# END kvm-k8s-login". A key the program authorized
# before and no longer names is removed wherever it stands (cloud-init wrote the first one
# outside the block), so a rotated-out key stops working; lines of any other key, and other
# kvm-k8s blocks, stay as they are. The keys it has authorized are remembered in
# /etc/kvm-k8s/login-keys. The key this very run logs in with is among LOGIN_PUBLIC_KEYS (the
# program checks it), so the step never locks the program out.
LOGIN_BEGIN="# BEGIN kvm-k8s-login"
LOGIN_END="# END kvm-k8s-login"
LOGIN_RECORD=/etc/kvm-k8s/login-keys
login_keys() {
    local keys="${LOGIN_PUBLIC_KEYS:-}" user="${LOGIN_USER:-}" line wanted="" known file src=/dev/null rc=0
    if [[ -z "${keys//[[:space:]]/}" ]]; then
        log "ok: no LOGIN_PUBLIC_KEYS given; the login keys stay as cloud-init wrote them"
        return 0
    fi
    [[ "$user" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "LOGIN_USER '$user' is not a user name"
    while IFS= read -r line; do
        line="$(sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' <<<"$line")"
        [[ -n "$line" ]] || continue
        [[ "$line" =~ $PUBLIC_KEY_LINE ]] || die "LOGIN_PUBLIC_KEYS holds a line that is not one OpenSSH public key ('ssh-ed25519 AAAA... [comment]', no options)"
        wanted+="$line"$'\n'
    done <<<"$keys"
    user_ssh_dir "$user"
    file="$SSH_HOME/.ssh/authorized_keys"
    if [[ -f "$KVMK8S_ROOT$file" ]]; then src="$KVMK8S_ROOT$file"; fi
    # every key (type and blob) the program names now or has named before
    known="$(
        { awk 'NF { print $1, $2 }' <<<"$wanted"; [[ ! -f "$KVMK8S_ROOT$LOGIN_RECORD" ]] || cat -- "$KVMK8S_ROOT$LOGIN_RECORD"; } | sort -u
    )"
    KVMK8S_KNOWN="$known" KVMK8S_BLOCK="${wanted%$'\n'}" KVMK8S_BEGIN="$LOGIN_BEGIN" KVMK8S_END="$LOGIN_END" awk '
        function key(   i) { for (i = 1; i < NF; i++) if ($i ~ /^(ssh-|ecdsa-sha2-|sk-)/) return $i " " $(i + 1); return "" }
        function emit() { print ENVIRON["KVMK8S_BEGIN"]; print ENVIRON["KVMK8S_BLOCK"]; print ENVIRON["KVMK8S_END"]; done = 1 }
        BEGIN { n = split(ENVIRON["KVMK8S_KNOWN"], k, "\n"); for (i = 1; i <= n; i++) known[k[i]] = 1 }
        $0 == ENVIRON["KVMK8S_BEGIN"] { emit(); skip = 1; next }
        skip && $0 == ENVIRON["KVMK8S_END"] { skip = 0; next }
        skip { next }
        /^# BEGIN kvm-k8s-/ { other = 1 }
        other { print; if (/^# END kvm-k8s-/) other = 0; next }
        (key() in known) { next }
        { print }
        END { if (skip) exit 3; if (!done) emit() }
    ' "$src" >"$KVMK8S_TMP/authorized_keys" || rc=$?
    [[ "$rc" -eq 0 ]] || die "$file: '$LOGIN_BEGIN' has no '$LOGIN_END' after it; fix the file by hand"
    mkdir -p -- "$(dirname -- "$KVMK8S_ROOT$LOGIN_RECORD")"
    write_if_changed "$LOGIN_RECORD" 0600 <<<"$known"
    write_if_changed "$file" 0600 "$SSH_OWNER" <"$KVMK8S_TMP/authorized_keys"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: $file accepts exactly the program's $(grep -c . <<<"$wanted") login key(s)"
    else
        log "ok: $file already accepts exactly the program's $(grep -c . <<<"$wanted") login key(s)"
    fi
}

# set_managed_block PATH BODY: keep exactly BODY between "# BEGIN kvm-k8s" and "# END kvm-k8s"
# in PATH, keeping the file's mode and owner (see write_marked_block).
set_managed_block() {
    local path="$1" mode owner
    read -r mode owner <<<"$(file_mode_owner "$path")"
    write_marked_block "$path" "$2" "# BEGIN kvm-k8s" "# END kvm-k8s" "$mode" "$owner"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: updated the kvm-k8s block in $path"
    else
        log "ok: the kvm-k8s block in $path already up to date"
    fi
}

# enable_service UNIT [report]: enable UNIT at boot if it is not (saying so); with `report`,
# also say when it already was.
enable_service() {
    if ! systemctl is-enabled --quiet "$1"; then
        systemctl enable --quiet "$1"
        log "changed: enabled $1"
    elif [[ "${2:-}" == report ]]; then
        log "ok: $1 already enabled"
    fi
}

# run_steps STEP...: run every step in order; with KVMK8S_ONLY=STEP (test hook) run only that one.
run_steps() {
    local step
    if [[ -n "${KVMK8S_ONLY:-}" ]]; then
        [[ " $* " == *" $KVMK8S_ONLY "* ]] || die "KVMK8S_ONLY=$KVMK8S_ONLY is not a step of this script; its steps: $*"
        set -- "$KVMK8S_ONLY"
    fi
    for step in "$@"; do
        KVMK8S_STEP=$step
        "$step"
    done
    KVMK8S_STEP=""
}
# ---- END kvm-k8s common helpers ----

# ---- BEGIN kvm-k8s package helpers (used by prepare-director.sh, prepare-node.sh, upgrade-node.sh) ----
# A script that uses them exports DEBIAN_FRONTEND=noninteractive first.
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

# configure_kubernetes_repo REPO: the repo's signing key from REPO/Release.key, kept armored
# in a .asc file (apt reads armored keys from .asc files in signed-by, so no gpg is needed),
# and the apt source for REPO. Removes the dearmored .gpg keyring earlier versions wrote.
# Sets K8S_REPO_REACHABLE=0 (and changes nothing) when the key cannot be fetched.
K8S_KEYRING=/etc/apt/keyrings/kubernetes-apt-keyring.asc
configure_kubernetes_repo() {
    local repo="${1%/}" key="$KVMK8S_TMP/Release.key" old=/etc/apt/keyrings/kubernetes-apt-keyring.gpg
    if ! curl -fsSL --retry 2 --connect-timeout 10 --max-time 60 -o "$key" "$repo/Release.key" 2>"$KVMK8S_TMP/curl.err"; then
        # shellcheck disable=SC2034 # read by the scripts (prepare-node.sh, ...), not in this file
        K8S_REPO_REACHABLE=0
        warn "cannot fetch $repo/Release.key: $(tail -n 1 "$KVMK8S_TMP/curl.err")"
        return 0
    fi
    if ! grep -qx -- '-----BEGIN PGP PUBLIC KEY BLOCK-----' "$key" || ! grep -qx -- '-----END PGP PUBLIC KEY BLOCK-----' "$key"; then
        die "$repo/Release.key is not an armored OpenPGP public key"
    fi
    put_file "$K8S_KEYRING" 0644 <"$key"
    put_file /etc/apt/sources.list.d/kubernetes.list 0644 <<<"deb [signed-by=$K8S_KEYRING] $repo/ /"
    if [[ -e "$KVMK8S_ROOT$old" ]]; then
        rm -f -- "$KVMK8S_ROOT$old"
        log "changed: removed $old (the key is now the armored $K8S_KEYRING)"
    fi
    if path_changed "$K8S_KEYRING" || path_changed /etc/apt/sources.list.d/kubernetes.list; then
        APT_UPDATED=0
    fi
}

# configure_debian_mirror MIRROR SECURITY: this Debian release's apt sources from the site's
# mirror only: MIRROR for <codename> and <codename>-updates, SECURITY (when given) for
# <codename>-security, main, signed by Debian's archive keyring, in
# /etc/apt/sources.list.d/kvm-k8s-debian.sources. The image's own sources
# (/etc/apt/sources.list, sources.list.d/debian.sources) are renamed *.kvm-k8s-disabled so apt
# asks nothing of deb.debian.org. Empty MIRROR: the image's sources stay as they are.
DEBIAN_SOURCES=/etc/apt/sources.list.d/kvm-k8s-debian.sources
configure_debian_mirror() {
    local mirror="${1%/}" security="${2%/}" codename f keyring=/usr/share/keyrings/debian-archive-keyring.gpg body
    if [[ -z "$mirror" ]]; then
        log "ok: no Debian mirror given; the image's apt sources stay"
        return 0
    fi
    [[ -f "$KVMK8S_ROOT/etc/os-release" ]] || die "/etc/os-release not found: cannot tell the Debian release"
    codename="$(sed -n 's/^VERSION_CODENAME=//p' "$KVMK8S_ROOT/etc/os-release" | tr -d '"' | head -n 1)"
    [[ "$codename" =~ ^[a-z]+$ ]] || die "/etc/os-release has no VERSION_CODENAME: cannot tell the Debian release"
    body="# Managed by kvm-k8s: Debian $codename from the site's mirror only."
    body+=$'
'"Types: deb"$'
'"URIs: $mirror/"$'
'"Suites: $codename $codename-updates"
    body+=$'
'"Components: main"$'
'"Signed-By: $keyring"
    if [[ -n "$security" ]]; then
        body+=$'

'"Types: deb"$'
'"URIs: $security/"$'
'"Suites: $codename-security"
        body+=$'
'"Components: main"$'
'"Signed-By: $keyring"
    else
        warn "no Debian security mirror given: this VM gets no security updates from apt"
    fi
    put_file "$DEBIAN_SOURCES" 0644 <<<"$body"
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/debian.sources; do
        if [[ -e "$KVMK8S_ROOT$f" ]]; then
            mv -f -- "$KVMK8S_ROOT$f" "$KVMK8S_ROOT$f.kvm-k8s-disabled"
            CHANGED_PATHS+=("$f")
            log "changed: disabled $f (renamed $f.kvm-k8s-disabled): apt uses the site's mirror only"
        fi
    done
    if path_changed "$DEBIAN_SOURCES" || path_changed /etc/apt/sources.list || path_changed /etc/apt/sources.list.d/debian.sources; then
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

# ---- BEGIN kvm-k8s kubeadm helpers (used by init-control-plane.sh, join-control-plane.sh, join-worker.sh) ----
# shellcheck disable=SC2034 # read by the scripts (join-worker.sh, ...), not in this file
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

# join_config: the path of a root-only copy, in this run's temporary directory (removed on
# exit), of /etc/kvm-k8s/kubeadm-join.yaml with its placeholders @JOIN_TOKEN@ and
# @CERTIFICATE_KEY@ replaced by JOIN_TOKEN and CERTIFICATE_KEY. The director mints both for
# this one join (join-node.sh) and streams them on ssh's stdin: the file on disk and the
# program's state never hold a credential that can join a node.
join_config() {
    local content
    [[ "${JOIN_TOKEN:-}" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] ||
        die "JOIN_TOKEN is missing or not a bootstrap token: the director's join-node.sh mints one per join (join through it, not directly)"
    content="$(<"$KVMK8S_ROOT$KUBEADM_JOIN_CONFIG")"
    if [[ "$content" == *@CERTIFICATE_KEY@* ]]; then
        [[ "${CERTIFICATE_KEY:-}" =~ ^[0-9a-f]{64}$ ]] ||
            die "CERTIFICATE_KEY is missing or not 64 hex digits: a control-plane join needs the key join-node.sh uploaded the certificates with"
        content="${content//@CERTIFICATE_KEY@/$CERTIFICATE_KEY}"
    fi
    content="${content//@JOIN_TOKEN@/$JOIN_TOKEN}"
    (umask 077 && printf '%s\n' "$content" >"$KVMK8S_TMP/kubeadm-join.yaml")
    printf '%s\n' "$KVMK8S_TMP/kubeadm-join.yaml"
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

# ---- BEGIN kvm-k8s ops helpers (used by join-node.sh, upgrade-cluster.sh, etcd-snapshot.sh) ----
# The director logs in to nodes as OPS_USER with its operations key (prepare-director.sh
# installs it from KVMK8S_FILES), from its own address only (prepare-node.sh authorizes it),
# checking each node's host key against /etc/kvm-k8s/known_hosts (write-roster.sh writes it).
# Secrets go to the remote side on ssh's stdin, never on a command line. A script that uses
# them checks OPS_USER first: [[ "$OPS_USER" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "...".
OPS_KEY=/root/.ssh/kvm-k8s-ops
OPS_KNOWN_HOSTS=/etc/kvm-k8s/known_hosts
NODE_SSH_TIMEOUT=600        # the longest one node_ssh call may take, in seconds
declare -A NODE_ADDRESS=()  # node name -> address, filled by parse_nodes
PARSED=()                   # the names of the last parse_nodes list, in order

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
    logfile="$(open_log "$name")"
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
