#!/usr/bin/env bash
# admit-node.sh: on the director, before a node's kubeadm step, check that the director can
# reach it for its join: NODE is on the roster (/etc/kvm-k8s/roster, write-roster.sh) and a
# host key for ADDRESS is in /etc/kvm-k8s/known_hosts, which join-node.sh's ssh checks. It
# creates no credential: each join mints its own (join-node.sh). Its Command's delete side is
# remove-node.sh (drain and removal).
#
# Environment:
#   NODE          required  the node's name (e.g. site1-worker-3)
#   ADDRESS       required  the node's address (e.g. 10.10.0.23)
#   KVMK8S_ROOT   optional  test hook: prefix for the roster and known_hosts paths (e.g. /tmp/t)
#   KVMK8S_ONLY   optional  test hook: run only this step (e.g. on_roster; steps: see STEPS)
set -euo pipefail

: "${NODE:?NODE is required (the name of the node)}"
: "${ADDRESS:?ADDRESS is required (the address of the node)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

ROSTER_FILE=/etc/kvm-k8s/roster

[[ "$NODE" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ ]] || die "NODE '$NODE' is not a node name"
[[ "$ADDRESS" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "ADDRESS '$ADDRESS' is not an IPv4 address"

# ---- steps ----

on_roster() {
    [[ -f "$KVMK8S_ROOT$ROSTER_FILE" ]] || die "$ROSTER_FILE is missing (write-roster.sh writes it before any node is admitted)"
    grep -qxF -- "$NODE" "$KVMK8S_ROOT$ROSTER_FILE" || die "$NODE is not on the roster $ROSTER_FILE: the site does not expect it"
    log "ok: $NODE is on the roster"
}

host_key_known() {
    [[ -f "$KVMK8S_ROOT$OPS_KNOWN_HOSTS" ]] || die "$OPS_KNOWN_HOSTS is missing (write-roster.sh writes it)"
    awk -v a="$ADDRESS" '$1 == a { found = 1 } END { exit !found }' "$KVMK8S_ROOT$OPS_KNOWN_HOSTS" ||
        die "no host key for $NODE ($ADDRESS) in $OPS_KNOWN_HOSTS: the director could not check the node it joins"
    log "ok: $NODE's host key is known ($ADDRESS); its join mints its own credentials"
}

STEPS=(on_roster host_key_known)

run_steps "${STEPS[@]}"
