#!/usr/bin/env bash
# write-roster.sh: record on the director the nodes the site currently expects, one name per
# line, sorted, in /etc/kvm-k8s/roster. remove-node.sh reads it for its one-at-a-time rule
# (before draining a node it waits until every other roster node is Ready). With KNOWN_HOSTS,
# also record the nodes' SSH host keys in /etc/kvm-k8s/known_hosts, which the director's ssh
# logins to nodes with its operations key check (StrictHostKeyChecking=yes). Each file is
# replaced atomically and only when its content changes.
#
# Environment:
#   ROSTER        required  space-separated node names the site expects (e.g. "master-1 master-2 worker-1")
#   KNOWN_HOSTS   optional  newline-separated "ADDRESS HOSTKEY" lines, one per node
#                           (e.g. "10.10.0.11 ssh-ed25519 AAAAC3Nz..."; empty = known_hosts left as it is)
#   KVMK8S_ROOT   optional  test hook: prefix for every path the script writes (e.g. /tmp/t; default empty)
#   KVMK8S_ONLY   optional  test hook: run only this step (e.g. write_roster; steps: see STEPS)
set -euo pipefail

: "${ROSTER:?ROSTER is required (space-separated node names)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

ROSTER_FILE=/etc/kvm-k8s/roster
KNOWN_HOSTS_FILE=/etc/kvm-k8s/known_hosts
KNOWN_HOSTS="${KNOWN_HOSTS:-}"

# ---- steps ----

write_roster() {
    local names=() name body count
    read -r -a names <<<"$ROSTER"
    for name in "${names[@]}"; do
        [[ "$name" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ ]] || die "ROSTER: '$name' is not a node name"
    done
    body="$(printf '%s\n' "${names[@]}" | LC_ALL=C sort -u)"
    count="$(wc -l <<<"$body")"
    write_if_changed "$ROSTER_FILE" 0644 <<<"$body"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: $ROSTER_FILE now lists $count nodes: ${body//$'\n'/ }"
    else
        log "ok: $ROSTER_FILE unchanged (already lists $count nodes)"
    fi
}

# The nodes' host keys, for the director's ssh logins (see the ops helpers in lib.sh).
write_known_hosts() {
    local lines=() line fields=() body="" n=0 count=0
    if [[ -z "${KNOWN_HOSTS//[[:space:]]/}" ]]; then
        log "ok: no KNOWN_HOSTS given; $KNOWN_HOSTS_FILE left as it is"
        return 0
    fi
    mapfile -t lines <<<"$KNOWN_HOSTS"
    for line in "${lines[@]}"; do
        n=$((n + 1))
        read -r -a fields <<<"$line"
        if [[ "${#fields[@]}" -eq 0 ]]; then continue; fi
        [[ "${#fields[@]}" -eq 3 || "${#fields[@]}" -eq 4 ]] ||
            die "KNOWN_HOSTS line $n: expected 'ADDRESS KEYTYPE BASE64 [COMMENT]', got ${#fields[@]} fields"
        [[ "${fields[0]}" =~ ^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$ ]] ||
            die "KNOWN_HOSTS line $n: '${fields[0]}' is not an address"
        [[ "${fields[1]}" =~ ^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521))$ ]] ||
            die "KNOWN_HOSTS line $n: '${fields[1]}' is not an SSH host key type"
        [[ "${fields[2]}" =~ ^[A-Za-z0-9+/]+={0,2}$ ]] || die "KNOWN_HOSTS line $n: the key is not base64"
        body+="${body:+$'\n'}${fields[0]} ${fields[1]} ${fields[2]}"
        count=$((count + 1))
    done
    write_if_changed "$KNOWN_HOSTS_FILE" 0644 <<<"$body"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: $KNOWN_HOSTS_FILE now holds $count host keys"
    else
        log "ok: $KNOWN_HOSTS_FILE unchanged (already holds $count host keys)"
    fi
}

STEPS=(write_roster write_known_hosts)

run_steps "${STEPS[@]}"
