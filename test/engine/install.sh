#!/usr/bin/env bash
# Install the real Pulumi CLI, its Node.js language host and the provider plugins from
# ../shared/plugins (built from their upstream release tags; its README), offline, into a cache
# outside the clone keyed by the tarballs' contents. Idempotent: a warm run checks and exits.
#
#   test/engine/install.sh      the LAST stdout line is the cache directory, which holds
#                               bin/   pulumi, pulumi-language-nodejs, pulumi-resource-pulumi-nodejs
#                                      (the CLI archive's layout: the language host beside the CLI)
#                               home/  a PULUMI_HOME whose plugins/ has each resource plugin,
#                                      installed with `pulumi plugin install ... --file`
#
# No provider plugin is put on PATH: the engine then loads exactly the installed version an
# SDK asks for, and a pin that differs is an error instead of a "using ... from $PATH" warning.
#
# Environment: KVMK8S_PLUGINS_DIR (default ../shared/plugins beside the clone),
#              KVMK8S_ENGINE_CACHE (default /var/cache/kvm-k8s/engine).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PLUGINS=${KVMK8S_PLUGINS_DIR:-$(cd "$HERE/../../.." && pwd)/shared/plugins}
[ -d "$PLUGINS" ] || { echo "install.sh: $PLUGINS is missing (../shared/plugins beside the clone)" >&2; exit 1; }

cli=$(find "$PLUGINS" -maxdepth 1 -name 'pulumi-v*-linux-x64.tar.gz' | sort -V | tail -n 1)
[ -n "$cli" ] || { echo "install.sh: no pulumi-v*-linux-x64.tar.gz in $PLUGINS" >&2; exit 1; }
mapfile -t resources < <(find "$PLUGINS" -maxdepth 1 -name 'pulumi-resource-*-linux-amd64.tar.gz' | sort)
[ "${#resources[@]}" -gt 0 ] || { echo "install.sh: no pulumi-resource-*.tar.gz in $PLUGINS" >&2; exit 1; }

# The key: this script and the tarballs' file names and sizes, not their paths (each clone
# has its own ../shared); their bytes are fixed per name, each a release tag's build, and a
# sha256 of 160 MB on every warm run would cost more than it guards.
key=$( { cat "$0"; for f in "$cli" "${resources[@]}"; do echo "${f##*/} $(stat -c %s "$f")"; done; } | sha256sum | cut -c1-16)
CACHE=${KVMK8S_ENGINE_CACHE:-/var/cache/kvm-k8s/engine}/plugins-$key

# One install at a time (another run's tests may be using the entry this one would prune).
mkdir -p "${CACHE%/*}"
exec 9>"${CACHE%/*}/.install.lock"
flock 9
if [ -f "$CACHE/complete" ]; then
    echo "engine: CLI and plugins cached in $CACHE (installed $(cat "$CACHE/complete"))" >&2
    echo "$CACHE"
    exit 0
fi

start=$(date +%s.%N)
rm -rf "$CACHE"
mkdir -p "$CACHE/partial/bin" "$CACHE/partial/home"
# The archive holds pulumi/{pulumi,pulumi-language-nodejs,pulumi-resource-pulumi-nodejs,LICENSE}.
tar -xzf "$cli" -C "$CACHE/partial/bin" --strip-components=1
version=v$(basename "$cli" | sed -E 's/^pulumi-v([0-9.]+)-.*/\1/')
got=$(PULUMI_SKIP_UPDATE_CHECK=true "$CACHE/partial/bin/pulumi" version)
[ "$got" = "$version" ] || { echo "install.sh: $cli holds a CLI that says '$got', not $version" >&2; exit 1; }
[ -x "$CACHE/partial/bin/pulumi-language-nodejs" ] || { echo "install.sh: no pulumi-language-nodejs beside the CLI in $cli" >&2; exit 1; }

export PULUMI_HOME=$CACHE/partial/home PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
for tarball in "${resources[@]}"; do
    base=$(basename "$tarball" -linux-amd64.tar.gz)
    name=${base#pulumi-resource-}
    name=${name%-v*}
    ver=${base##*-v}
    "$CACHE/partial/bin/pulumi" plugin install resource "$name" "$ver" --file "$tarball" --non-interactive >&2
done
listed=$("$CACHE/partial/bin/pulumi" plugin ls --json)
for tarball in "${resources[@]}"; do
    base=$(basename "$tarball" -linux-amd64.tar.gz)
    name=${base#pulumi-resource-}
    name=${name%-v*}
    ver=${base##*-v}
    jq -e --arg n "$name" --arg v "$ver" 'any(.[]; .name == $n and .kind == "resource" and .version == $v)' <<<"$listed" >/dev/null ||
        { echo "install.sh: resource $name $ver is not listed by 'pulumi plugin ls' after its install" >&2; exit 1; }
done

# The home is shared by every test run: nothing in it is written after this (each run gets its
# own PULUMI_HOME whose plugins/ links here).
mv "$CACHE/partial/bin" "$CACHE/bin"
mv "$CACHE/partial/home" "$CACHE/home"
rmdir "$CACHE/partial"
date -u +%Y-%m-%dT%H:%M:%SZ >"$CACHE/complete"
for old in "${CACHE%/*}"/plugins-????????????????; do
    [ "$old" = "$CACHE" ] || [ ! -d "$old" ] || rm -rf "$old"
done
echo "engine: installed the CLI $version and ${#resources[@]} resource plugins in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >&2
echo "$CACHE"
