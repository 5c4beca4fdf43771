#!/usr/bin/env bash
# run.sh [MOCHA ARGS...]: `npm run test:engine`. Installs the real CLI and plugins from
# ../shared/plugins (install.sh), brings up the hypervisors' test world, runs the engine mocha
# files inside it, and takes the world down on every path.
#
# The world (test/e2e/world.sh with the variables below): a network namespace with no route
# out; one libvirtd inside it; the prod topology's six hypervisors svc-1..svc-6, each an sshd
# with its own pinned host key at its own address, all in front of that one libvirtd (a
# create-only preview asks each hypervisor for nothing but a login: one daemon behind six SSH
# endpoints is what the provider sees of six hosts); the bridges dev's and prod's networks
# name; the names resolved only by the world's own /etc/hosts, mounted in the tests' private
# mount namespace. Exit status: mocha's, or 1 when the teardown found something left behind.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[[ "$EUID" -eq 0 ]] || { echo "engine: run as root (namespaces, libvirtd, sshd)" >&2; exit 1; }

# One run at a time: the world's names, libvirtd and caches are the machine's.
exec 9>/run/kvmk8s-engine.lock
flock -n 9 || { echo "engine: another test:engine run holds /run/kvmk8s-engine.lock" >&2; exit 1; }

export KVMK8S_E2E_NS=kvmk8s-engine
export KVMK8S_E2E_STATE=/run/kvmk8s-engine
export KVMK8S_E2E_BRIDGE=br-engine
export KVMK8S_E2E_HOST_IP=10.78.0.1/24
export KVMK8S_E2E_SITE=dev # the only stack the tests `up`; its leftovers are removed and reported
export KVMK8S_E2E_POOL=kvm-k8s-engine
export KVMK8S_E2E_BRIDGES="br0 br-internal br-services br-storage"
export KVMK8S_E2E_HYPERVISORS="svc-1 svc-2 svc-3 svc-4 svc-5 svc-6"
export KVMK8S_WORLD_HOME=$KVMK8S_E2E_STATE/home
export KVMK8S_WORLD_POOL=$KVMK8S_E2E_POOL

t0=$SECONDS
bash "$HERE/install.sh" >/dev/null
echo "engine: CLI and plugins ready in $((SECONDS - t0)) s" >&2

"$HERE/../e2e/world.sh" down >/dev/null 2>&1 || true
teardown() {
    local rc=$? left
    trap - EXIT INT TERM
    left=$("$HERE/../e2e/world.sh" down) || { echo "engine: the world's teardown failed" >&2; rc=1; }
    if [[ -n "$left" ]]; then
        printf 'engine: teardown removed what the tests left behind:\n%s\n' "$left" >&2
        rc=1
    fi
    exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM
t0=$SECONDS
"$HERE/../e2e/world.sh" up
echo "engine: test world up in $((SECONDS - t0)) s" >&2

cd "$ROOT"
if [[ "$#" -eq 0 ]]; then set -- 'test/engine/*.engine.ts'; fi
"$HERE/../e2e/world.sh" exec "$ROOT/node_modules/.bin/mocha" --no-config -r ts-node/register/transpile-only --extension ts \
    --reporter spec --timeout 1800000 "$@"
