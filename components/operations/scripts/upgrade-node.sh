#!/usr/bin/env bash
# upgrade-node.sh: upgrade this node's Kubernetes to TARGET_VERSION, the kubeadm way. The
# program does not run it directly: upgrade-cluster.sh, on the director, streams it to one
# node at a time over ssh (sudo bash -s, an `export NAME='value'` prelude first), after
# draining a worker; the director's copy, /usr/local/lib/kvm-k8s/upgrade-node.sh, is lib.sh
# followed by this script, so the helpers travel with it. It points apt at
# KUBERNETES_APT_REPO (keyring refreshed when it changed), installs kubeadm at TARGET_VERSION
# (held); then on the first master runs `kubeadm upgrade apply vTARGET_VERSION`, on the other
# nodes `kubeadm upgrade node`; then installs kubelet and kubectl at TARGET_VERSION (held) and
# restarts kubelet. Each step checks first, so a re-run after a failure does the rest, and a
# node already at TARGET_VERSION is left alone. apt and kubeadm output goes to
# /var/log/kvm-k8s (root only).
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

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

# The package helpers run apt-get: never a prompt.
export DEBIAN_FRONTEND=noninteractive

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
