#!/usr/bin/env bash
# join-node.sh: on the director, run a node's kubeadm step (init-control-plane.sh,
# join-control-plane.sh or join-worker.sh, given as NODE_SCRIPT) on that node, over ssh with
# the director's operations key, with join credentials that exist for this one join only:
#   - when the cluster answers and NODE is not yet a Ready member, a bootstrap token with a
#     random id, valid 15 minutes (a bootstrap-token Secret applied from stdin), and for a
#     master a fresh certificate key with which another master uploads the control-plane
#     certificates (`kubeadm init phase upload-certs`, Ready masters first);
#   - streamed to the node on ssh's stdin after NODE_ENV, ahead of the script, never on a
#     command line, in a file or in the program's state;
#   - deleted once the node script has finished, whether it joined or failed: the token's
#     Secret, and for a master the kubeadm-certs Secret.
# On the first build there is no cluster (no kubeconfig, or the API does not answer): the node
# script runs without credentials (kubeadm init makes its own short-lived token). A node
# already joined and Ready gets no credentials either; its script still runs (it keeps its
# files and kube-vip manifest current). A re-run after a failed join mints new credentials.
#
# Environment:
#   NODE             required  the node's name (e.g. site1-worker-3)
#   ROLE             required  master or worker (e.g. worker)
#   ADDRESS          required  the node's address the director reaches it at (e.g. 10.10.0.23)
#   MASTERS          required  space-separated name=address of every master
#                              (e.g. "site1-master-1=10.10.0.11 site1-master-2=10.10.0.12")
#   OPS_USER         required  the user the director logs in to nodes as (e.g. kvmk8s)
#   NODE_SCRIPT      required  base64 of the node script, which loads the library prepare-node.sh
#                              installed (e.g. W1sgLXIgL3Vzci9sb2NhbC9saWIva3ZtLWs4cy9saWIuc2ggXV0g...)
#   NODE_ENV         required  secret for a first master: base64 of the node script's
#                              "export NAME='value'" lines (e.g. ZXhwb3J0IEtWTUs4U19GSUxFUz0n...)
#   KVMK8S_ROOT      optional  test hook: prefix for the kubeconfig, ops key, known_hosts and log paths (e.g. /tmp/t)
#   KVMK8S_ONLY      optional  test hook: run only this step (e.g. cluster_state; steps: see STEPS)
set -euo pipefail

: "${NODE:?NODE is required (the name of the node)}"
: "${ROLE:?ROLE is required (master or worker)}"
: "${ADDRESS:?ADDRESS is required (the address of the node)}"
: "${MASTERS:?MASTERS is required (space-separated name=address of every master)}"
: "${OPS_USER:?OPS_USER is required (the user the director logs in to nodes as)}"
: "${NODE_SCRIPT:?NODE_SCRIPT is required (base64 of the node script)}"
: "${NODE_ENV:?NODE_ENV is required (base64 of the environment of the node script)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

[[ "$OPS_USER" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "OPS_USER '$OPS_USER' is not a user name"
[[ "$NODE" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ ]] || die "NODE '$NODE' is not a node name"
[[ "$ROLE" == master || "$ROLE" == worker ]] || die "ROLE must be master or worker, not '$ROLE'"
[[ "$ADDRESS" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "ADDRESS '$ADDRESS' is not an IPv4 address"
if ! base64 -d <<<"$NODE_SCRIPT" >"$KVMK8S_TMP/node-script" 2>/dev/null || [[ ! -s "$KVMK8S_TMP/node-script" ]]; then
    die "NODE_SCRIPT is not base64 of a script"
fi
(umask 077 && base64 -d <<<"$NODE_ENV" >"$KVMK8S_TMP/node-env" 2>/dev/null) || die "NODE_ENV is not base64"
parse_nodes MASTERS "$MASTERS"
MASTER_NAMES=("${PARSED[@]}")

ROOT_KUBECONFIG=/root/.kube/config
export KUBECONFIG="$KVMK8S_ROOT$ROOT_KUBECONFIG"
TOKEN_TTL="15 minutes" # the join uses it within seconds; a failed run mints a new one
CLUSTER=0              # the cluster answers (set by cluster_state)
TOKEN_ID=""            # the minted token's id, once its Secret exists
TOKEN=""
CERT_KEY=""

# api_answers: the API server answers /readyz (3 tries, 5s each).
api_answers() {
    local try
    for try in 1 2 3; do
        if kubectl get --raw /readyz --request-timeout=5s >/dev/null 2>&1 </dev/null; then
            return 0
        fi
        if [[ "$try" -lt 3 ]]; then sleep 2; fi
    done
    return 1
}

# b64 VALUE: VALUE base64-encoded, on one line (printf is a builtin: VALUE is on no command line).
b64() { printf '%s' "$1" | base64 -w0; }

# random_chars N: N random characters of [a-z0-9], from the kernel's generator.
random_chars() {
    local out=""
    while [[ "${#out}" -lt "$1" ]]; do
        out+="$(head -c 256 /dev/urandom | tr -dc 'a-z0-9')"
    done
    printf '%s' "${out:0:$1}"
}

# cluster_info_signed: the bootstrap signer has signed cluster-info for the token (kubeadm
# join's discovery checks that signature).
cluster_info_signed() {
    local jws
    jws="$(kubectl -n kube-public get configmap cluster-info --request-timeout=15s \
        -o jsonpath="{.data.jws-kubeconfig-$TOKEN_ID}" </dev/null)" || return 1
    [[ -n "$jws" ]]
}

# api_serves NAME: the kube-apiserver static pod of master NAME is Ready (its /readyz passes;
# the kubelet reports static pods whatever the node's own Ready condition).
api_serves() {
    local ready
    ready="$(kubectl -n kube-system get pod "kube-apiserver-$1" --ignore-not-found --request-timeout=15s \
        -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null </dev/null)" || return 1
    [[ "$ready" == True ]]
}

node_registered() {
    [[ -n "$(kubectl get node "$1" --ignore-not-found --request-timeout=15s -o name 2>/dev/null </dev/null)" ]]
}

# forget_credentials: delete what this run minted (the token's Secret; for a master the
# kubeadm-certs Secret), whatever the join's outcome. Safe to call twice.
forget_credentials() {
    if [[ -n "$TOKEN_ID" ]]; then
        if kubectl -n kube-system delete secret "bootstrap-token-$TOKEN_ID" --ignore-not-found --request-timeout=30s \
            >"$KVMK8S_TMP/delete.out" 2>&1 </dev/null; then
            log "changed: deleted bootstrap token $TOKEN_ID"
        else
            warn "could not delete bootstrap token $TOKEN_ID (it expires by itself within 15 minutes): $(tail -n 1 "$KVMK8S_TMP/delete.out" | redact_secrets)"
        fi
        TOKEN_ID=""
    fi
    if [[ -n "$CERT_KEY" ]]; then
        if kubectl -n kube-system delete secret kubeadm-certs --ignore-not-found --request-timeout=30s \
            >"$KVMK8S_TMP/delete.out" 2>&1 </dev/null; then
            log "changed: deleted the uploaded control-plane certificates (kube-system/kubeadm-certs)"
        else
            warn "could not delete kube-system/kubeadm-certs (kubeadm deletes it 2 h after the upload)"
        fi
        CERT_KEY=""
    fi
    TOKEN=""
}

# Whatever ends the run (a failed wait, upload or join), the minted credentials go with it.
trap 'forget_credentials; rm -rf -- "$KVMK8S_TMP"' EXIT

# ---- steps ----

cluster_state() {
    if [[ ! -f "$KUBECONFIG" ]]; then
        log "ok: no cluster yet ($ROOT_KUBECONFIG absent): no join credentials; kubeadm init makes its own short-lived token"
    elif ! api_answers; then
        log "ok: no cluster yet (the API server does not answer /readyz): no join credentials; kubeadm init makes its own short-lived token"
    elif node_ready "$NODE"; then
        log "ok: $NODE already joined (registered and Ready): no join credentials"
    else
        CLUSTER=1
    fi
}

# A token with a random id, valid TOKEN_TTL, applied from stdin (server-side, so no
# last-applied annotation copies it; data, not stringData).
mint_token() {
    local secret expiration
    if [[ "$CLUSTER" -eq 0 ]]; then return 0; fi
    command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed (prepare-director.sh installs it)"
    TOKEN_ID="$(random_chars 6)"
    secret="$(random_chars 16)"
    TOKEN="$TOKEN_ID.$secret"
    expiration="$(date -u -d "+$TOKEN_TTL" +%Y-%m-%dT%H:%M:%SZ)"
    if ! kubectl apply --server-side --force-conflicts --field-manager=kvm-k8s --request-timeout=30s -f - \
        >"$KVMK8S_TMP/apply.out" 2>&1 <<MANIFEST; then
apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-$TOKEN_ID
  namespace: kube-system
type: bootstrap.kubernetes.io/token
data:
  description: $(b64 "kvm-k8s: join of $NODE (join-node.sh)")
  token-id: $(b64 "$TOKEN_ID")
  token-secret: $(b64 "$secret")
  expiration: $(b64 "$expiration")
  usage-bootstrap-authentication: $(b64 true)
  usage-bootstrap-signing: $(b64 true)
  auth-extra-groups: $(b64 system:bootstrappers:kubeadm:default-node-token)
MANIFEST
        printf 'ERROR: applying the bootstrap-token Secret failed; kubectl said (secrets filtered):\n' >&2
        tail -n 10 "$KVMK8S_TMP/apply.out" | redact_secrets | sed 's/^/  | /' >&2
        TOKEN_ID="" # nothing was created
        exit 1
    fi
    log "changed: bootstrap token $TOKEN_ID for $NODE's join, valid until $expiration"
    wait_until 120 2 "the bootstrap signer to sign cluster-info for token $TOKEN_ID" cluster_info_signed
}

# A fresh certificate key, and the control-plane certificates uploaded with it by another
# master whose API server answers (Ready ones first). The key reaches that master on ssh's
# stdin; its remote shell hands it to kubeadm with $(cat), so it is on that master's kubeadm
# command line for the upload's duration, never on the director's nor in a log.
upload_certs() {
    local name candidates=() serving=()
    if [[ "$CLUSTER" -eq 0 || "$ROLE" != master ]]; then return 0; fi
    for name in "${MASTER_NAMES[@]}"; do
        if [[ "$name" != "$NODE" ]] && node_registered "$name" && api_serves "$name"; then
            if node_ready "$name"; then candidates+=("$name"); else serving+=("$name"); fi
        fi
    done
    candidates+=("${serving[@]}")
    [[ "${#candidates[@]}" -gt 0 ]] ||
        die "no master other than $NODE is registered with an API server that answers (masters: ${MASTER_NAMES[*]}): cannot upload the control-plane certificates $NODE needs to join"
    CERT_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
    require_ops_access
    for name in "${candidates[@]}"; do
        # shellcheck disable=SC2016 # $(cat) is expanded by the remote shell: the key comes from stdin
        if printf '%s\n' "$CERT_KEY" | node_ssh_logged upload-certs "${NODE_ADDRESS[$name]}" \
            'sudo -n kubeadm init phase upload-certs --upload-certs --skip-certificate-key-print --certificate-key "$(cat)"'; then
            log "changed: control-plane certificates uploaded from $name with a key of $NODE's join alone"
            return 0
        fi
        warn "uploading the control-plane certificates from $name failed; trying the next master"
    done
    die "no master could upload the control-plane certificates for $NODE's join (tried: ${candidates[*]})"
}

# The node script, streamed after its environment and this join's credentials; then the
# credentials are deleted, whatever the outcome.
run_on_node() {
    local status=0
    require_ops_access
    {
        cat -- "$KVMK8S_TMP/node-env"
        if [[ -n "$TOKEN" ]]; then printf "export JOIN_TOKEN='%s'\n" "$TOKEN"; fi
        if [[ -n "$CERT_KEY" ]]; then printf "export CERTIFICATE_KEY='%s'\n" "$CERT_KEY"; fi
        cat -- "$KVMK8S_TMP/node-script"
    } | node_ssh "$ADDRESS" sudo -n bash -s 2>&1 | redact_secrets | sed -u "s/^/  $NODE: /" || status=$?
    forget_credentials
    [[ "$status" -eq 0 ]] || die "the node step on $NODE ($ADDRESS) failed (exit $status; see above and /var/log/kvm-k8s on $NODE); run pulumi up again: it mints new credentials"
    log "ok: node step done on $NODE"
}

STEPS=(cluster_state mint_token upload_certs run_on_node)

log "join-node: $NODE ($ROLE, $ADDRESS)"
run_steps "${STEPS[@]}"
