#!/usr/bin/env bash
# wait-nodes-ready.sh: wait, from the director, until every expected node is registered and
# Ready, then print `kubectl get nodes -o wide`. The wait is bounded by TIMEOUT_SECONDS; on
# timeout it fails naming the nodes that are not registered and those not Ready. Progress
# is printed only when the set of nodes still waited for changes. With NODE_ADDRESSES, then
# wait until each node's kubelet serves (port 10250) a certificate the cluster CA signed for
# that node's address, approving the kubelet's pending kubernetes.io/kubelet-serving CSRs
# whose requester is that node and whose names are exactly its name and address (and
# denying any other it asked for): kubelets request them (serverTLSBootstrap) and nothing
# else in the cluster approves them.
#
# Environment:
#   EXPECTED_NODES   required  space-separated node names (e.g. "master-1 master-2 master-3 worker-1")
#   NODE_ADDRESSES   optional  space-separated name=address of every expected node, for the serving
#                              certificates (e.g. "master-1=10.10.0.11 worker-1=10.10.0.21"; unset: not checked)
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
NODE_ADDRESSES="${NODE_ADDRESSES:-}"
SERVING_NODES=()
declare -A SERVING_ADDRESS=()
for entry in $NODE_ADDRESSES; do
    [[ "$entry" =~ ^([a-z0-9]([a-z0-9.-]*[a-z0-9])?)=([0-9]{1,3}(\.[0-9]{1,3}){3})$ ]] ||
        die "NODE_ADDRESSES: '$entry' is not name=address (e.g. worker-1=10.10.0.21)"
    SERVING_NODES+=("${BASH_REMATCH[1]}")
    SERVING_ADDRESS[${BASH_REMATCH[1]}]="${BASH_REMATCH[3]}"
done
KUBELET_PORT=10250

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

# cluster_ca: the cluster CA from the kubeconfig, in $KVMK8S_TMP/ca.crt.
cluster_ca() {
    kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' 2>/dev/null |
        base64 -d >"$KVMK8S_TMP/ca.crt" 2>/dev/null && [[ -s "$KVMK8S_TMP/ca.crt" ]]
}

# kubelet_cert_ok NAME ADDRESS: the kubelet at ADDRESS serves a certificate the cluster CA
# signed, valid for ADDRESS.
kubelet_cert_ok() {
    local cert="$KVMK8S_TMP/kubelet-$1.crt"
    timeout 15 openssl s_client -connect "$2:$KUBELET_PORT" -servername "$1" </dev/null 2>/dev/null |
        openssl x509 >"$cert" 2>/dev/null || return 1
    openssl verify -CAfile "$KVMK8S_TMP/ca.crt" "$cert" >/dev/null 2>&1 || return 1
    openssl x509 -in "$cert" -noout -checkip "$2" 2>/dev/null | grep -q 'does match'
}

# csr_names CSR: the sorted subjectAltNames of pending CSR CSR, one per line (DNS:x, IP:y).
csr_names() {
    kubectl get csr "$1" --request-timeout=15s -o jsonpath='{.spec.request}' </dev/null | base64 -d >"$KVMK8S_TMP/req.pem" 2>/dev/null ||
        return 1
    openssl req -in "$KVMK8S_TMP/req.pem" -noout -text 2>/dev/null |
        awk '/X509v3 Subject Alternative Name/ { getline; print; exit }' | tr ',' '\n' |
        sed -e 's/^[[:space:]]*//' -e 's/^IP Address:/IP:/' | sort
}

# review_csrs NAME ADDRESS: approve NAME's pending kubelet-serving CSRs asking for exactly
# NAME and ADDRESS; deny those asking for anything else.
review_csrs() {
    local lines csr user state names want
    want="$(printf 'DNS:%s\nIP:%s\n' "$1" "$2" | sort)"
    lines="$(kubectl get csr --request-timeout=15s \
        -o jsonpath='{range .items[?(@.spec.signerName=="kubernetes.io/kubelet-serving")]}{.metadata.name}{" "}{.spec.username}{" "}{.status.conditions[*].type}{"\n"}{end}' \
        2>/dev/null </dev/null)" || return 0
    while read -r csr user state; do
        if [[ -z "$csr" || "$user" != "system:node:$1" || -n "$state" ]]; then continue; fi
        names="$(csr_names "$csr")" || continue
        if [[ "$names" == "$want" ]]; then
            kubectl certificate approve "$csr" --request-timeout=15s >/dev/null </dev/null ||
                { warn "could not approve $csr for $1"; continue; }
            log "changed: approved $1's kubelet serving certificate ($csr: ${want//$'\n'/, })"
        else
            kubectl certificate deny "$csr" --request-timeout=15s >/dev/null </dev/null || true
            warn "denied $csr: $1 asked for ${names//$'\n'/, } instead of exactly ${want//$'\n'/, }"
        fi
    done <<<"$lines"
}

serving_certs() {
    local name address deadline
    if [[ -z "$NODE_ADDRESSES" ]]; then
        log "ok: no NODE_ADDRESSES: kubelet serving certificates not checked"
        return 0
    fi
    cluster_ca || die "cannot read the cluster CA from $KUBECONFIG"
    deadline=$((SECONDS + TIMEOUT_SECONDS))
    for name in "${SERVING_NODES[@]}"; do
        address="${SERVING_ADDRESS[$name]}"
        until kubelet_cert_ok "$name" "$address"; do
            review_csrs "$name" "$address"
            if kubelet_cert_ok "$name" "$address"; then break; fi
            if [[ "$SECONDS" -ge "$deadline" ]]; then
                die "the kubelet of $name ($address:$KUBELET_PORT) serves no certificate the cluster CA signed for $address after ${TIMEOUT_SECONDS}s; its CSRs: kubectl get csr | grep system:node:$name"
            fi
            sleep 5
        done
        log "ok: $name's kubelet serves a certificate signed by the cluster CA for $address"
    done
}

STEPS=(wait_nodes serving_certs)

run_steps "${STEPS[@]}"
