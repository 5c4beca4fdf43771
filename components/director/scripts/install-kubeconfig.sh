#!/usr/bin/env bash
# install-kubeconfig.sh: install the cluster's admin kubeconfig on the director, as
# /root/.kube/config (from KVMK8S_FILES) and as ~KUBE_USER/.kube/config owned by the login
# user (mode 0600, .kube 0700), each written only when it differs, then wait (5 minutes at
# most) until the API server at CONTROL_PLANE_ENDPOINT answers /readyz. Never prints the
# kubeconfig.
#
# Environment:
#   KVMK8S_FILES            required  "MODE PATH BASE64" records (e.g. "0600 /root/.kube/config YXBp...")
#   KUBE_USER               required  the login user who also gets the kubeconfig (e.g. kvmk8s)
#   CONTROL_PLANE_ENDPOINT  required  the API endpoint host:port the kubeconfig points at (e.g. k8s.site1.example:6443)
#   KVMK8S_ROOT             optional  test hook: prefix for every path the script reads or writes (e.g. /tmp/t)
#   KVMK8S_ONLY             optional  test hook: run only this step (e.g. user_kubeconfig; steps: see STEPS)
set -euo pipefail

: "${KVMK8S_FILES:?KVMK8S_FILES is required (the kubeconfig for /root/.kube/config)}"
: "${KUBE_USER:?KUBE_USER is required (the login user, e.g. kvmk8s)}"
: "${CONTROL_PLANE_ENDPOINT:?CONTROL_PLANE_ENDPOINT is required (host:port of the API)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

ROOT_KUBECONFIG=/root/.kube/config

# ---- steps ----

write_files() {
    write_file_records "$KVMK8S_FILES"
}

user_kubeconfig() {
    local entry home group dir
    [[ -f "$KVMK8S_ROOT$ROOT_KUBECONFIG" ]] || die "$ROOT_KUBECONFIG is missing: the program passes it in KVMK8S_FILES"
    entry="$(getent passwd "$KUBE_USER" || true)"
    [[ -n "$entry" ]] || die "KUBE_USER $KUBE_USER is not a user of this host"
    home="$(cut -d: -f6 <<<"$entry")"
    group="$(id -gn -- "$KUBE_USER")"
    [[ "$home" == /* ]] || die "user $KUBE_USER has no home directory"
    dir="$KVMK8S_ROOT$home/.kube"
    if [[ ! -d "$dir" ]]; then
        mkdir -p -- "$dir"
        log "changed: created $home/.kube"
    fi
    if [[ "$(stat -c '%a' -- "$dir")" != 700 ]]; then chmod 0700 -- "$dir"; fi
    if [[ "$EUID" -eq 0 && "$(stat -c '%U:%G' -- "$dir")" != "$KUBE_USER:$group" ]]; then
        chown "$KUBE_USER:$group" -- "$dir"
    fi
    write_if_changed "$home/.kube/config" 0600 "$KUBE_USER:$group" <"$KVMK8S_ROOT$ROOT_KUBECONFIG"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: $home/.kube/config is now the cluster's kubeconfig (owner $KUBE_USER)"
    else
        log "ok: $home/.kube/config already the cluster's kubeconfig"
    fi
}

wait_api() {
    local server
    command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed (prepare-director.sh installs it)"
    server="$(kubectl --kubeconfig "$KVMK8S_ROOT$ROOT_KUBECONFIG" config view -o jsonpath='{.clusters[0].cluster.server}' 2>/dev/null || true)"
    if [[ "$server" != "https://$CONTROL_PLANE_ENDPOINT" ]]; then
        warn "the kubeconfig's server is '$server', not https://$CONTROL_PLANE_ENDPOINT"
    fi
    wait_until 300 5 "the API server at https://$CONTROL_PLANE_ENDPOINT to be ready (/readyz)" \
        kubectl --kubeconfig "$KVMK8S_ROOT$ROOT_KUBECONFIG" --request-timeout=10s get --raw /readyz
    log "ok: the API server at https://$CONTROL_PLANE_ENDPOINT is ready"
}

STEPS=(write_files user_kubeconfig wait_api)

run_steps "${STEPS[@]}"
