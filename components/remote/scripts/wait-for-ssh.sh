#!/usr/bin/env bash
# wait-for-ssh.sh: on the director, wait until a VM's sshd answers, so that the commands
# Pulumi runs on it through the director dial once and find it up. pulumi-command retries a
# failed dial through a jump host on the same, possibly dead, connection, and its back-off
# budget is short and silent; this wait is deliberate instead: it connects to HOST's port 22
# every 5 s, succeeds on the first "SSH-" banner, prints a progress line every 30 s, and
# fails after TIMEOUT_SECONDS saying what it last saw (refused, no answer, not an SSH server).
# Changes nothing.
#
# Environment:
#   HOST             required  the VM's address (e.g. 10.10.0.21)
#   NODE             required  the VM's name, for the messages (e.g. site1-worker-1)
#   PORT             optional  the sshd port (e.g. 22, the default)
#   TIMEOUT_SECONDS  optional  how long to wait, in seconds (e.g. 900, the default)
#   KVMK8S_ROOT      optional  test hook: prefix for the paths the helpers write (e.g. /tmp/t)
#   KVMK8S_ONLY      optional  test hook: run only this step (e.g. sshd_answers; steps: see STEPS)
set -euo pipefail

: "${HOST:?HOST is required (the address of the VM)}"
: "${NODE:?NODE is required (the name of the VM)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

PORT="${PORT:-22}"
TIMEOUT_SECONDS="${TIMEOUT_SECONDS:-900}"
PROGRESS_EVERY=30 # seconds between progress lines
[[ "$HOST" =~ ^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$ ]] || die "HOST '$HOST' is not an address"
[[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]] || die "PORT '$PORT' is not a port number"
[[ "$TIMEOUT_SECONDS" =~ ^[0-9]+$ ]] || die "TIMEOUT_SECONDS '$TIMEOUT_SECONDS' is not a number of seconds"

# ssh_banner: connect once (5 s at most) and print the server's first line; fails when the
# connection is refused or nothing answers.
ssh_banner() {
    # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
    timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && IFS= read -r -t 4 line <&3 && printf "%s\n" "$line"' \
        ssh_banner "$HOST" "$PORT" 2>/dev/null
}

# ---- steps ----

sshd_answers() {
    local deadline next banner="" seen="no answer yet"
    deadline=$((SECONDS + TIMEOUT_SECONDS))
    next=$((SECONDS + PROGRESS_EVERY))
    while true; do
        if banner="$(ssh_banner)"; then
            banner="${banner%$'\r'}"
            if [[ "$banner" == SSH-* ]]; then
                log "ok: $NODE's sshd answers on $HOST:$PORT ($banner)"
                return 0
            fi
            seen="$HOST:$PORT answers, but not as an SSH server ('${banner:0:40}')"
        else
            seen="no SSH banner from $HOST:$PORT (refused, or nothing answers)"
        fi
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            die "timed out after ${TIMEOUT_SECONDS}s waiting for $NODE's sshd: $seen; is the VM running and did cloud-init finish? (virsh console $NODE)"
        fi
        if [[ "$SECONDS" -ge "$next" ]]; then
            log "still waiting for $NODE's sshd on $HOST:$PORT ($((TIMEOUT_SECONDS - (deadline - SECONDS)))s of ${TIMEOUT_SECONDS}s; $seen)"
            next=$((SECONDS + PROGRESS_EVERY))
        fi
        sleep 5
    done
}

STEPS=(sshd_answers)

run_steps "${STEPS[@]}"
