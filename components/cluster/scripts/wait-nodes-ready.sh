#!/usr/bin/env bash
# wait-nodes-ready.sh: wait, from the director, until every expected node is registered and
# Ready, then print `kubectl get nodes -o wide`. The wait is bounded by TIMEOUT_SECONDS; on
# timeout it fails naming the nodes that are not registered and those not Ready. Progress
# is printed only when the set of nodes still waited for changes. Changes nothing.
#
# Environment:
#   EXPECTED_NODES   required  space-separated node names (e.g. "master-1 master-2 master-3 worker-1")
#   TIMEOUT_SECONDS  optional  how long to wait, in seconds (e.g. 900, the default)
#   KUBECONFIG       optional  kubeconfig to use (e.g. /root/.kube/config, the default)
#   KVMK8S_ROOT      optional  test hook: prefix for every path the script writes (e.g. /tmp/t)
#   KVMK8S_ONLY      optional  test hook: run only this step (e.g. wait_nodes; steps: see STEPS)
set -euo pipefail

: "${EXPECTED_NODES:?EXPECTED_NODES is required (space-separated node names)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

TIMEOUT_SECONDS="${TIMEOUT_SECONDS:-900}"
export KUBECONFIG="${KUBECONFIG:-/root/.kube/config}"
[[ "$TIMEOUT_SECONDS" =~ ^[0-9]+$ ]] || die "TIMEOUT_SECONDS '$TIMEOUT_SECONDS' is not a number of seconds"
read -r -a EXPECTED <<<"$EXPECTED_NODES"

# ---- steps ----

wait_nodes() {
    local deadline lines err name ready node summary last="" missing=() not_ready=()
    local -A ready_of=()
    command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed (prepare-director.sh installs it)"
    deadline=$((SECONDS + TIMEOUT_SECONDS))
    while true; do
        ready_of=()
        missing=()
        not_ready=()
        err=""
        if ! lines="$(kubectl get nodes --request-timeout=15s \
            -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>"$KVMK8S_TMP/kubectl.err")"; then
            lines=""
            err="$(tail -n 1 "$KVMK8S_TMP/kubectl.err")"
        fi
        while read -r name ready; do
            if [[ -n "$name" ]]; then ready_of[$name]="${ready:-Unknown}"; fi
        done <<<"$lines"
        for node in "${EXPECTED[@]}"; do
            if [[ -z "${ready_of[$node]:-}" ]]; then
                missing+=("$node")
            elif [[ "${ready_of[$node]}" != True ]]; then
                not_ready+=("$node")
            fi
        done
        if [[ -z "$err" && "${#missing[@]}" -eq 0 && "${#not_ready[@]}" -eq 0 ]]; then break; fi
        summary="not registered: ${missing[*]:-none}; not Ready: ${not_ready[*]:-none}${err:+; API error: $err}"
        if [[ "$SECONDS" -ge "$deadline" ]]; then
            printf 'ERROR: timed out after %ss waiting for nodes to be Ready (%s)\n' "$TIMEOUT_SECONDS" "$summary" >&2
            kubectl get nodes -o wide --request-timeout=15s >&2 || true
            exit 1
        fi
        if [[ "$summary" != "$last" ]]; then
            log "waiting for nodes ($summary)"
            last="$summary"
        fi
        sleep 5
    done
    log "ok: all ${#EXPECTED[@]} expected nodes are Ready"
    kubectl get nodes -o wide --request-timeout=15s
}

STEPS=(wait_nodes)

run_steps "${STEPS[@]}"
