#!/usr/bin/env bash
# run.sh [MOCHA ARGS...]: `npm run test:e2e`. Builds (or finds cached) the base image and the
# site's Debian mirror on the host, which has Debian's archive; brings the test world up
# (test/e2e/world.sh: namespace, bridge, libvirtd, mirror server); runs the e2e mocha files
# INSIDE the namespace, so SSH to the guests and the Pulumi engine see the site's network and
# nothing else; then takes the world down on every path and checks that nothing of it is left:
# no domain, volume or pool of the site, no namespace. Exit status: mocha's, or 1 when the
# teardown found something left behind.
#
# Figures (seconds per phase) go to $KVMK8S_E2E_FIGURES (default
# /var/cache/kvm-k8s/e2e/figures/<UTC time>.tsv) and are printed at the end.
# Environment: KVMK8S_E2E_CACHE (cache root), and world.sh's variables.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE_ROOT=${KVMK8S_E2E_CACHE:-/var/cache/kvm-k8s/e2e}
NS=${KVMK8S_E2E_NS:-kvmk8s-e2e}
mkdir -p "$CACHE_ROOT/figures"
export KVMK8S_E2E_FIGURES=${KVMK8S_E2E_FIGURES:-$CACHE_ROOT/figures/$(date -u +%Y%m%dT%H%M%SZ).tsv}
printf 'phase\tseconds\tnote\n' >"$KVMK8S_E2E_FIGURES"

log() { printf 'e2e: %s\n' "$*" >&2; }
figure() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$KVMK8S_E2E_FIGURES"; }
timed() { # PHASE NOTE-IF-CACHED CMD...: run CMD, record its time; stdout's last line is echoed
    local phase=$1 t0 out rc=0
    shift
    t0=$(date +%s.%N)
    out=$("$@") || rc=$?
    [[ "$rc" -eq 0 ]] || return "$rc"
    figure "$phase" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" "$KVMK8S_E2E_NOTE"
    tail -n 1 <<<"$out"
}

[[ "$EUID" -eq 0 ]] || { log "run as root (debootstrap, namespaces, libvirtd)"; exit 1; }

# Cold or warm: the recipe's cache entry exists before the build or not.
note_for() { if [[ -f "$1/complete" ]]; then echo warm; else echo cold; fi; }
key=$(sha256sum "$HERE/build-image.sh" | cut -c1-16)
KVMK8S_E2E_NOTE=$(note_for "$CACHE_ROOT/image-$key")
export KVMK8S_E2E_IMAGE_DIR
KVMK8S_E2E_IMAGE_DIR=$(timed image_build "$HERE/build-image.sh")
KVMK8S_E2E_NOTE=""
mirror=$(timed mirror_build "$HERE/build-mirror.sh" "$KVMK8S_E2E_IMAGE_DIR")
# The Kubernetes apt repository and the Helm archive, at the versions the e2e site names.
read -r k8s_version helm_version < <(cd "$ROOT" && node_modules/.bin/ts-node --transpile-only test/e2e/versions.ts)
rows=$(wc -l <"$KVMK8S_E2E_FIGURES")
packages=$(timed packages_build "$HERE/build-packages.sh" "$k8s_version" "$helm_version")
if [[ "$(wc -l <"$KVMK8S_E2E_FIGURES")" -eq "$((rows + 1))" ]]; then
    sed -i '$ s/\t$/\twarm/' "$KVMK8S_E2E_FIGURES"
fi

# What the world serves on port 80: the Debian mirror and the packages, one tree of links.
export KVMK8S_E2E_MIRROR_DIR
KVMK8S_E2E_MIRROR_DIR=$(mktemp -d /run/kvmk8s-e2e-www.XXXXXX)
chmod 755 "$KVMK8S_E2E_MIRROR_DIR"
for d in debian debian-security; do ln -s "$mirror/$d" "$KVMK8S_E2E_MIRROR_DIR/$d"; done
for d in kubernetes kvm-k8s; do ln -s "$packages/$d" "$KVMK8S_E2E_MIRROR_DIR/$d"; done

# A world left over by a killed run would be in the way: start from nothing.
stale=$("$HERE/world.sh" down 2>/dev/null || true)
[[ -z "$stale" ]] || log "removed a previous run's leftovers: $(tr '\n' ' ' <<<"$stale")"

teardown() {
    local rc=$? left
    trap - EXIT INT TERM
    left=$("$HERE/world.sh" down) || true
    if [[ -n "$left" ]]; then
        log "teardown removed what the tests left behind:"
        printf '  %s\n' "$left" >&2
        rc=1
    fi
    if ip netns list | grep -qw "$NS"; then
        log "namespace $NS is still there after teardown"
        rc=1
    fi
    rm -rf -- "$KVMK8S_E2E_MIRROR_DIR"
    log "figures ($KVMK8S_E2E_FIGURES):"
    column -t -s $'\t' "$KVMK8S_E2E_FIGURES" >&2 || cat "$KVMK8S_E2E_FIGURES" >&2
    exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

"$HERE/world.sh" up
[[ -f "${KVMK8S_E2E_STATE:-/run/kvmk8s-e2e}/daemon-times.tsv" ]] &&
    figure daemon_start "$(cut -f2 "${KVMK8S_E2E_STATE:-/run/kvmk8s-e2e}/daemon-times.tsv")"

cd "$ROOT"
# world.e2e.ts (a VM made with virsh, prepared by hand) is the diagnostic for when the
# engine's run fails below libvirt or SSH: `npm run test:e2e -- test/e2e/world.e2e.ts`.
if [[ "$#" -eq 0 ]]; then set -- test/e2e/site.e2e.ts; fi
"$HERE/world.sh" exec "$ROOT/node_modules/.bin/mocha" --no-config -r ts-node/register/transpile-only --extension ts \
    --reporter spec --bail --timeout 3600000 "$@"
