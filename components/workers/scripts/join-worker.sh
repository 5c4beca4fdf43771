#!/usr/bin/env bash
# join-worker.sh: join a worker to the cluster with kubeadm join and
# /etc/kvm-k8s/kubeadm-join.yaml. When /etc/kubernetes/kubelet.conf exists the node has
# joined already and the join is not redone. kubeadm's output goes to /var/log/kvm-k8s (root
# only), never to stdout; a failed join is reset so that the next run starts over.
#
# Environment:
#   KVMK8S_FILES   required  files to install, "MODE PATH BASE64" records (e.g. "0600
#                            /etc/kvm-k8s/kubeadm-join.yaml YXBp...")
#   JOIN_TOKEN     optional  secret: the bootstrap token the director minted for this join (join-node.sh
#                            streams it; needed only when the node joins; e.g. abcdef.0123456789abcdef)
#   CERTIFICATE_KEY optional secret: the key join-node.sh uploaded the control-plane certificates
#                            with, 64 hex digits (a master's join only; e.g. 0f3a...e9, from /dev/urandom)
#   KVMK8S_ROOT    optional  test hook: prefix for every path the script reads or writes (e.g. /tmp/t)
#   KVMK8S_ONLY    optional  test hook: run only this step (e.g. write_files; steps: see STEPS)
set -euo pipefail

: "${KVMK8S_FILES:?KVMK8S_FILES is required (the kubeadm join configuration)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

# This join's credentials, when join-node.sh minted any (lib.sh join_config puts them in
# kubeadm's configuration); a node already joined, or kubeadm init, needs none.
JOIN_TOKEN="${JOIN_TOKEN:-}"
CERTIFICATE_KEY="${CERTIFICATE_KEY:-}"

# ---- steps ----

write_files() {
    write_file_records "$KVMK8S_FILES"
}

join_worker() {
    if [[ -e "$KVMK8S_ROOT/etc/kubernetes/kubelet.conf" ]]; then
        log "ok: already joined (/etc/kubernetes/kubelet.conf exists)"
        return 0
    fi
    require_file "$KUBEADM_JOIN_CONFIG" "kubeadm JoinConfiguration"
    local config
    config="$(join_config)"
    kubeadm_run kubeadm-join join join --config "$config"
    log "changed: joined the cluster as a worker"
}

STEPS=(write_files join_worker)

run_steps "${STEPS[@]}"
