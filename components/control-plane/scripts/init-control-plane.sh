#!/usr/bin/env bash
# init-control-plane.sh: bootstrap the cluster on the first master. When
# /etc/kubernetes/admin.conf exists the control plane is already initialised and nothing is
# redone. Otherwise, when https://CONTROL_PLANE_ENDPOINT/healthz answers, the cluster exists
# and this is a rebuilt first master: it joins with /etc/kvm-k8s/kubeadm-join.yaml. Otherwise
# it runs kubeadm init with /etc/kvm-k8s/kubeadm-init.yaml (--upload-certs, tokens and the
# certificate key not printed), with kube-vip's static pod using super-admin.conf during init
# (admin.conf has no rights until init has bound them on Kubernetes >= 1.29, kube-vip issue
# #684). Every run then keeps kube-vip's manifest on admin.conf and /root/.kube/config equal
# to admin.conf. kubeadm's output goes to /var/log/kvm-k8s (root only), never to stdout.
#
# Environment:
#   CONTROL_PLANE_ENDPOINT  required  the cluster's API endpoint host:port (e.g. k8s.site1.example:6443)
#   KVMK8S_FILES            required  files to install, "MODE PATH BASE64" records (e.g. "0600
#                                     /etc/kvm-k8s/kubeadm-init.yaml YXBp..."): kubeadm-init.yaml,
#                                     kubeadm-join.yaml and optionally kube-vip.yaml in /etc/kvm-k8s
#   KVMK8S_ROOT             optional  test hook: prefix for every path the script reads or writes (e.g. /tmp/t)
#   KVMK8S_ONLY             optional  test hook: run only this step (e.g. write_files; steps: see STEPS)
set -euo pipefail

: "${CONTROL_PLANE_ENDPOINT:?CONTROL_PLANE_ENDPOINT is required (host:port of the API, e.g. k8s.site1.example:6443)}"
: "${KVMK8S_FILES:?KVMK8S_FILES is required (the kubeadm configuration files)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

KUBEADM_INIT_CONFIG=/etc/kvm-k8s/kubeadm-init.yaml

endpoint_re='^[][A-Za-z0-9.:-]+:[0-9]+$'
[[ "$CONTROL_PLANE_ENDPOINT" =~ $endpoint_re ]] ||
    die "CONTROL_PLANE_ENDPOINT '$CONTROL_PLANE_ENDPOINT' must be host:port"

# api_answers: true when the cluster's API answers /healthz (3 tries, 5s each).
api_answers() {
    local try
    for try in 1 2 3; do
        if curl -fks --max-time 5 -o /dev/null "https://$CONTROL_PLANE_ENDPOINT/healthz" </dev/null; then
            return 0
        fi
        if [[ "$try" -lt 3 ]]; then sleep 2; fi
    done
    return 1
}

# ---- steps ----

write_files() {
    write_file_records "$KVMK8S_FILES"
}

bootstrap() {
    if [[ -e "$KVMK8S_ROOT/etc/kubernetes/admin.conf" ]]; then
        log "ok: control plane already initialised (/etc/kubernetes/admin.conf exists)"
        return 0
    fi
    if api_answers; then
        log "the API at $CONTROL_PLANE_ENDPOINT answers: the cluster exists, this is a rebuilt first master"
        require_file "$KUBEADM_JOIN_CONFIG" "kubeadm JoinConfiguration"
        kubeadm_run kubeadm-join "join (control plane)" join --config "$KVMK8S_ROOT$KUBEADM_JOIN_CONFIG"
        log "changed: joined the existing control plane at $CONTROL_PLANE_ENDPOINT"
        return 0
    fi
    require_file "$KUBEADM_INIT_CONFIG" "kubeadm InitConfiguration/ClusterConfiguration"
    install_kube_vip_manifest /etc/kubernetes/super-admin.conf
    kubeadm_run kubeadm-init init init --config "$KVMK8S_ROOT$KUBEADM_INIT_CONFIG" \
        --upload-certs --skip-token-print --skip-certificate-key-print
    log "changed: control plane initialised at $CONTROL_PLANE_ENDPOINT"
}

# After init (and on every later run) kube-vip uses admin.conf.
kube_vip() {
    install_kube_vip_manifest /etc/kubernetes/admin.conf
}

root_kubeconfig() {
    [[ -f "$KVMK8S_ROOT/etc/kubernetes/admin.conf" ]] || die "/etc/kubernetes/admin.conf is missing after the bootstrap"
    write_if_changed /root/.kube/config 0600 <"$KVMK8S_ROOT/etc/kubernetes/admin.conf"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: /root/.kube/config is now a copy of admin.conf"
    else
        log "ok: /root/.kube/config already a copy of admin.conf"
    fi
}

STEPS=(write_files bootstrap kube_vip root_kubeconfig)

run_steps "${STEPS[@]}"
