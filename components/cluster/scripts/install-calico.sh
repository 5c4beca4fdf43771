#!/usr/bin/env bash
# install-calico.sh: install Calico with the Tigera operator, from the director: applies the
# operator manifest server-side (its CRDs are too large for client-side apply), waits for the
# Installation and APIServer CRDs to be established, applies the site's Installation and
# APIServer resources, then waits (10 minutes at most) until tigerastatus "calico" is
# Available. Each apply is preceded by a server-side diff, so the output says whether it
# changed anything; re-running changes nothing.
#
# Environment:
#   CALICO_OPERATOR_MANIFEST  required  tigera-operator.yaml: an http(s) URL kubectl fetches, or the
#                                       absolute path of a file staged on the director (air-gapped)
#                                       (e.g. https://raw.githubusercontent.com/projectcalico/calico/v3.29.1/manifests/tigera-operator.yaml)
#   KVMK8S_FILES              required  "MODE PATH BASE64" records (e.g. "0644 /etc/kvm-k8s/calico-installation.yaml YXBp...")
#   KUBECONFIG                optional  kubeconfig to use (e.g. /root/.kube/config, the default)
#   KVMK8S_ROOT               optional  test hook: prefix for every path the script reads or writes (e.g. /tmp/t)
#   KVMK8S_ONLY               optional  test hook: run only this step (e.g. write_files; steps: see STEPS)
set -euo pipefail

: "${CALICO_OPERATOR_MANIFEST:?CALICO_OPERATOR_MANIFEST is required (URL or path of tigera-operator.yaml)}"
: "${KVMK8S_FILES:?KVMK8S_FILES is required (the calico Installation resources)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

export KUBECONFIG="${KUBECONFIG:-/root/.kube/config}"
CALICO_INSTALLATION=/etc/kvm-k8s/calico-installation.yaml
AVAILABLE_TIMEOUT=600

[[ "$CALICO_OPERATOR_MANIFEST" == http://* || "$CALICO_OPERATOR_MANIFEST" == https://* || "$CALICO_OPERATOR_MANIFEST" == /* ]] ||
    die "CALICO_OPERATOR_MANIFEST must be an http(s) URL or an absolute path"

# apply_manifest WHAT SOURCE: server-side apply SOURCE when a server-side diff says it would
# change something (or when the diff cannot tell, e.g. before its CRDs exist).
apply_manifest() {
    local what="$1" src="$2" rc=0
    kubectl diff --server-side --force-conflicts -f "$src" >/dev/null 2>&1 || rc=$?
    if [[ "$rc" -eq 0 ]]; then
        log "ok: $what unchanged (already applied)"
        return 0
    fi
    run_logged calico kubectl apply --server-side --force-conflicts -f "$src" || die "kubectl apply of $what failed"
    log "changed: applied $what"
}

# ---- steps ----

write_files() {
    write_file_records "$KVMK8S_FILES"
}

operator() {
    command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed (prepare-director.sh installs it)"
    local src="$CALICO_OPERATOR_MANIFEST"
    if [[ "$src" == /* ]]; then
        src="$KVMK8S_ROOT$src"
        [[ -f "$src" ]] || die "CALICO_OPERATOR_MANIFEST $CALICO_OPERATOR_MANIFEST is not a file on the director: stage tigera-operator.yaml there first"
    fi
    apply_manifest "the Tigera operator ($CALICO_OPERATOR_MANIFEST)" "$src"
}

crds_established() {
    run_logged calico kubectl wait --for=condition=Established --timeout=180s \
        crd/installations.operator.tigera.io crd/apiservers.operator.tigera.io ||
        die "the operator's Installation/APIServer CRDs were not established within 180s"
    log "ok: Installation and APIServer CRDs established"
}

installation() {
    [[ -f "$KVMK8S_ROOT$CALICO_INSTALLATION" ]] || die "$CALICO_INSTALLATION is missing: the program passes it in KVMK8S_FILES"
    apply_manifest "$CALICO_INSTALLATION" "$KVMK8S_ROOT$CALICO_INSTALLATION"
}

calico_available() {
    local deadline status conditions
    deadline=$((SECONDS + AVAILABLE_TIMEOUT))
    while true; do
        status="$(kubectl get tigerastatus calico --request-timeout=15s \
            -o jsonpath='{.status.conditions[?(@.type=="Available")].status}' 2>/dev/null || true)"
        if [[ "$status" == True ]]; then break; fi
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            conditions="$(kubectl get tigerastatus calico --request-timeout=15s \
                -o jsonpath='{range .status.conditions[*]}{.type}={.status} {.reason} {.message}{"\n"}{end}' 2>&1 || true)"
            printf 'ERROR: timed out after %ss waiting for tigerastatus calico to be Available; its conditions:\n' "$AVAILABLE_TIMEOUT" >&2
            printf '%s\n' "${conditions:-(no tigerastatus calico yet: is the tigera-operator pod running? kubectl -n tigera-operator get pods)}" | sed 's/^/  | /' >&2
            exit 1
        fi
        sleep 10
    done
    log "ok: calico is Available (tigerastatus calico)"
}

STEPS=(write_files operator crds_established installation calico_available)

run_steps "${STEPS[@]}"
