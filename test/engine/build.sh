#!/usr/bin/env bash
# Build Pulumi's Go programs this project needs from Go modules only (the Go module proxy;
# nothing from GitHub or get.pulumi.com), and cache them outside the clone. Idempotent: a warm
# run checks the cached binaries and exits.
#
#   test/engine/build.sh [pulumi] [libvirt-sdkgen]   build what is named (default: both) if
#                                                    needed; the LAST stdout line is the bin directory
#
# What it builds, from test/engine/go (go.mod + go.sum pin every module and its checksum):
#   pulumi          the Pulumi CLI and engine, github.com/pulumi/pulumi/pkg/v3 v3.248.0, which
#                   matches @pulumi/pulumi 3.248.0 in package.json. This is the recipe of the
#                   CLI archive in ../shared/plugins (its manifest/pulumi-cli.txt); the tests
#                   install that archive (install.sh), seconds instead of 15-20 minutes.
#   libvirt-sdkgen  the CLI's Node.js SDK generator (pkg/v3/codegen/nodejs), for sdks/libvirt;
#                   test:engine builds only this one.
# The provider plugins and the Node.js language host are Go modules the proxy refuses (403);
# they come built from their release tags in ../shared/plugins (install.sh installs them).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/go
PULUMI_VERSION=v3.248.0

export GOPROXY=https://proxy.golang.org # no ",direct": version-control hosts are unreachable
# Checksums: go.sum pins every module; sum.golang.org itself does not resolve here, but the go
# command reaches the checksum database through the proxy (/sumdb/), so GOSUMDB stays on.
export GOFLAGS="-modcacherw -buildvcs=false"
export CGO_ENABLED=0 # upstream builds the CLI without cgo (scripts/go-wrapper.sh)
export GOTOOLCHAIN=local

command -v go >/dev/null || { echo "build.sh: go is not on PATH (Go 1.25.11 or later)" >&2; exit 1; }

# The cache key: every input that changes what is built.
key=$(cat "$0" "$SRC/go.mod" "$SRC/go.sum" "$SRC/libvirt-sdkgen/main.go" <(go version) | sha256sum | cut -c1-16)
CACHE=${KVMK8S_ENGINE_CACHE:-/var/cache/kvm-k8s/engine}/$PULUMI_VERSION-$key
BIN=$CACHE/bin

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(pulumi libvirt-sdkgen)
for t in "${targets[@]}"; do
    case "$t" in pulumi | libvirt-sdkgen) ;; *) echo "build.sh: unknown target '$t' (pulumi, libvirt-sdkgen)" >&2; exit 2 ;; esac
done

# Warm: each binary asked for is there (a complete build moved it into bin/), and the CLI, if
# asked for, says it is the version we pin.
missing=()
for t in "${targets[@]}"; do
    [ -x "$BIN/$t" ] || missing+=("$t")
done
if [ -x "$BIN/pulumi" ] && [ "$(PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" version)" != "$PULUMI_VERSION" ]; then
    echo "engine: cached CLI is not $PULUMI_VERSION; rebuilding" >&2
    rm -f "$BIN/pulumi"
    missing=("${targets[@]}")
fi
if [ "${#missing[@]}" -eq 0 ]; then
    echo "engine: ${targets[*]} cached in $BIN" >&2
    echo "$BIN"
    exit 0
fi

rm -rf "$CACHE/partial"
mkdir -p "$CACHE/partial" "$BIN"
times=$CACHE/build-times.tsv
[ -f "$times" ] || printf 'binary\tseconds\n' >"$times"

build() { # name, go package, extra go build arguments...
    local name=$1 pkg=$2 start
    shift 2
    start=$(date +%s)
    echo "engine: building $name ($pkg)" >&2
    # nice: another engineer's tests share the two cores; -p 2 (the default on 2 cores) peaked
    # under 4 GiB for the CLI here.
    (cd "$SRC" && nice -n 10 go build -p 2 -trimpath "$@" -o "$CACHE/partial/$name" "$pkg")
    printf '%s\t%s\n' "$name" "$(($(date +%s) - start))" >>"$times"
}

for t in "${missing[@]}"; do
    case "$t" in
    # The CLI's own flags (pulumi .goreleaser.yml): tags osusergo,grpcnotrace; the version
    # stamp is what the CLI reports to SDKs and plugins, so it must be set.
    pulumi)
        build pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
            -tags osusergo,grpcnotrace \
            -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
        got=$(PULUMI_SKIP_UPDATE_CHECK=true "$CACHE/partial/pulumi" version)
        [ "$got" = "$PULUMI_VERSION" ] || { echo "build.sh: built CLI says '$got', expected $PULUMI_VERSION" >&2; exit 1; }
        ;;
    libvirt-sdkgen) build libvirt-sdkgen ./libvirt-sdkgen -ldflags "-s -w" ;;
    esac
    mv "$CACHE/partial/$t" "$BIN/$t"
done
rmdir "$CACHE/partial"
# Builds for other keys (an older script, go.sum or Go) are dead weight: 134 MiB each.
for old in "${CACHE%/*}"/v*-????????????????; do
    [ "$old" = "$CACHE" ] || [ ! -d "$old" ] || rm -rf "$old"
done
sed 's/^/engine: build time: /' "$times" >&2
echo "$BIN"
