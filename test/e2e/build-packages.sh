#!/usr/bin/env bash
# build-packages.sh KUBERNETES_VERSION HELM_VERSION: what an air-gapped site's mirror host
# serves besides Debian, built here from Go modules (the Go module proxy is all this machine
# reaches) and laid out as upstream publishes it:
#
#   kubernetes/core:/stable:/v<minor>/deb/   a signed flat apt repository, as pkgs.k8s.io
#       Release.key, InRelease, Release, Release.gpg, Packages(.gz) and the .debs:
#       kubeadm, kubelet, kubectl <version>-1.1 and kubernetes-cni <cni version>-1.1
#   kvm-k8s/helm-<version>-linux-amd64.tar.gz (+ .sha256sum)   as get.helm.sh
#
# The packages follow upstream's (kubernetes/release, templates/latest: binaries in
# /usr/bin, kubelet's unit with /etc/default/kubelet, kubeadm's kubelet drop-in; since 1.32
# kubeadm and kubectl depend on nothing, kubelet on kubernetes-cni (>= 1.2.0), mount and
# util-linux, recommending iptables). The unit files are written here, from kubeadm's
# documented kubelet integration, not copied.
#
#   test/e2e/build-packages.sh 1.36.3 v4.3.2   the LAST stdout line is the directory to serve
#
# Cached outside the clone, keyed by the versions, this script and the Go toolchain: a warm
# run builds nothing. Each binary set is its own cache entry, so a new Helm does not rebuild
# Kubernetes. Build times go to <entry>/build-times.tsv.
# Environment:
#   KVMK8S_E2E_CACHE  optional  cache root (default /var/cache/kvm-k8s/e2e)
#   KVMK8S_E2E_FIGURES optional run.sh's figures file: each cold build adds a row
#   KVMK8S_CNI_VERSION optional containernetworking/plugins version (default v1.8.0)
# Runs as root or not; needs go, dpkg-deb, dpkg-scanpackages (dpkg-dev), gpg, gzip.
set -euo pipefail

KUBERNETES_VERSION=${1:?usage: build-packages.sh KUBERNETES_VERSION HELM_VERSION (e.g. 1.36.3 v4.3.2)}
HELM_VERSION=${2:?usage: build-packages.sh KUBERNETES_VERSION HELM_VERSION (e.g. 1.36.3 v4.3.2)}
CNI_VERSION=${KVMK8S_CNI_VERSION:-v1.8.0}
CACHE_ROOT=${KVMK8S_E2E_CACHE:-/var/cache/kvm-k8s/e2e}

log() { printf 'build-packages: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ "$KUBERNETES_VERSION" =~ ^1\.([0-9]+)\.[0-9]+$ ]] || die "KUBERNETES_VERSION '$KUBERNETES_VERSION' must look like 1.36.3"
MINOR=${BASH_REMATCH[1]}
[[ "$HELM_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "HELM_VERSION '$HELM_VERSION' must look like v4.3.2"
[[ "$CNI_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "KVMK8S_CNI_VERSION '$CNI_VERSION' must look like v1.8.0"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
for tool in go dpkg-deb dpkg-scanpackages gpg gzip; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev gnupg; go comes with the machine)"
done

export GOPROXY=https://proxy.golang.org # no ",direct": version-control hosts are unreachable
export GOFLAGS="-modcacherw -buildvcs=false -mod=mod"
export GOTOOLCHAIN=local CGO_ENABLED=0
RECIPE=$(cat "$0" <(go version) | sha256sum | cut -c1-12)
BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# cached DIR: true when DIR is a finished entry.
cached() { [[ -f "$1/complete" ]]; }
finish() { # DIR: mark a cache entry finished
    date -u +%Y-%m-%dT%H:%M:%SZ >"$1/complete"
}
timed() { # DIR NAME CMD...: run CMD, append its seconds to DIR/build-times.tsv
    local dir=$1 name=$2 start=$SECONDS
    shift 2
    log "building $name"
    nice -n 10 "$@"
    printf '%s\t%s\n' "$name" "$((SECONDS - start))" >>"$dir/build-times.tsv"
    # run.sh's figures table, when it runs us
    if [[ -n "${KVMK8S_E2E_FIGURES:-}" ]]; then
        printf 'package_build_%s\t%s\tcold\n' "$name" "$((SECONDS - start))" >>"$KVMK8S_E2E_FIGURES"
    fi
}

# ---- Kubernetes: a wrapper module, because k8s.io/kubernetes replaces each staging module with
# a path inside its own tree; as a dependency each becomes the published k8s.io/<name> v0.<minor>.<patch>.
K8S=$CACHE_ROOT/kubernetes-v$KUBERNETES_VERSION-$RECIPE
build_kubernetes() {
    local mod gomod staging
    rm -rf "$K8S"
    mkdir -p "$K8S/src" "$K8S/bin"
    mod=$(cd "$K8S/src" && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION") ||
        die "the Go module proxy does not serve k8s.io/kubernetes@v$KUBERNETES_VERSION"
    gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$mod")
    staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/.*#\1#p' "$gomod")
    [[ -n "$staging" ]] || die "no staging replaces in $gomod: has k8s.io/kubernetes changed its layout?"
    {
        printf 'module kvm-k8s/e2e/kubernetes\n\ngo %s\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' \
            "$(sed -n 's/^go //p' "$gomod")" "$KUBERNETES_VERSION"
        awk -v v="v0.${KUBERNETES_VERSION#1.}" '{ printf "\t%s => %s %s\n", $1, $1, v }' <<<"$staging"
        printf ')\n'
    } >"$K8S/src/go.mod"
    local pkg cmd got ldflags="-s -w" v="v$KUBERNETES_VERSION"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$MINOR -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
    done
    for cmd in kubeadm kubelet kubectl; do
        (cd "$K8S/src" && timed "$K8S" "$cmd" go build -trimpath -ldflags "$ldflags" -o "$K8S/bin/$cmd" "k8s.io/kubernetes/cmd/$cmd")
        case "$cmd" in
        kubeadm) got=$("$K8S/bin/kubeadm" version -o short) ;;
        kubelet) got=$("$K8S/bin/kubelet" --version) ;;
        kubectl) got=$("$K8S/bin/kubectl" version --client | head -n 1) ;;
        esac
        [[ "$got" == *"$v" ]] || die "the built $cmd reports '$got', not $v"
    done
    finish "$K8S"
}
cached "$K8S" || build_kubernetes

# ---- the CNI plugins (kubernetes-cni) and Helm: `go install module/path@version` builds each
# with its own go.mod and go.sum, as upstream's release does.
CNI=$CACHE_ROOT/cni-plugins-$CNI_VERSION-$RECIPE
if ! cached "$CNI"; then
    rm -rf "$CNI" && mkdir -p "$CNI/bin"
    GOBIN=$CNI/bin timed "$CNI" cni-plugins go install -trimpath \
        -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$CNI_VERSION" \
        "github.com/containernetworking/plugins/plugins/main/...@$CNI_VERSION" \
        "github.com/containernetworking/plugins/plugins/ipam/...@$CNI_VERSION" \
        "github.com/containernetworking/plugins/plugins/meta/...@$CNI_VERSION"
    [[ -x "$CNI/bin/bridge" && -x "$CNI/bin/host-local" && -x "$CNI/bin/loopback" && -x "$CNI/bin/portmap" ]] ||
        die "the CNI plugins build gave no bridge, host-local, loopback or portmap"
    finish "$CNI"
fi

HELM=$CACHE_ROOT/helm-$HELM_VERSION-$RECIPE
if ! cached "$HELM"; then
    helm_major=${HELM_VERSION%%.*}
    helm_mod=helm.sh/helm
    [[ "$helm_major" == v2 || "$helm_major" == v1 ]] || helm_mod+=/$helm_major
    rm -rf "$HELM" && mkdir -p "$HELM/bin"
    GOBIN=$HELM/bin timed "$HELM" helm go install -trimpath \
        -ldflags "-s -w -X $helm_mod/internal/version.version=$HELM_VERSION -X $helm_mod/internal/version.gitTreeState=clean" \
        "$helm_mod/cmd/helm@$HELM_VERSION"
    got=$("$HELM/bin/helm" version --template '{{.Version}}')
    [[ "$got" == "$HELM_VERSION" ]] || die "the built helm reports '$got', not $HELM_VERSION"
    finish "$HELM"
fi

# ---- the served tree: cheap to assemble, so assembled whenever one of its inputs is new
key=$(printf '%s\n' "$K8S" "$CNI" "$HELM" "$(cat "$K8S/complete" "$CNI/complete" "$HELM/complete")" | sha256sum | cut -c1-12)
OUT=$CACHE_ROOT/packages-$key
if cached "$OUT"; then
    log "cached: $OUT (kubernetes $KUBERNETES_VERSION, kubernetes-cni $CNI_VERSION, helm $HELM_VERSION)"
    echo "$OUT/www"
    exit 0
fi
WORK=$(mktemp -d "$CACHE_ROOT/.packages-$key.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
chmod 755 "$WORK"
REPO=$WORK/www/kubernetes/core:/stable:/v1.$MINOR/deb
mkdir -p "$REPO" "$WORK/www/kvm-k8s"

deb() { # NAME VERSION DEPENDS RECOMMENDS DESCRIPTION ROOT
    local name=$1 version=$2 depends=$3 recommends=$4 description=$5 root=$6
    mkdir -p "$root/DEBIAN"
    {
        printf 'Package: %s\nVersion: %s\nArchitecture: amd64\n' "$name" "$version"
        printf 'Maintainer: kvm-k8s e2e <e2e@kvm-k8s.internal>\nSection: admin\nPriority: optional\nHomepage: https://kubernetes.io\n'
        [[ -z "$depends" ]] || printf 'Depends: %s\n' "$depends"
        [[ -z "$recommends" ]] || printf 'Recommends: %s\n' "$recommends"
        printf 'Installed-Size: %s\n' "$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
        printf 'Description: %s\n built from Go modules by kvm-k8s test/e2e/build-packages.sh\n' "$description"
    } >"$root/DEBIAN/control"
    dpkg-deb --root-owner-group -Zxz --build "$root" "$REPO/${name}_${version}_amd64.deb" >/dev/null
}

pkg=$WORK/pkg
rev=1.1
install -D -m 0755 "$K8S/bin/kubectl" "$pkg/kubectl/usr/bin/kubectl"
deb kubectl "$KUBERNETES_VERSION-$rev" "" "" "Command-line utility for interacting with a Kubernetes cluster" "$pkg/kubectl"

install -D -m 0755 "$K8S/bin/kubeadm" "$pkg/kubeadm/usr/bin/kubeadm"
# kubelet under kubeadm: the kubeconfigs kubeadm writes, its config file, the flags kubeadm
# works out at init/join (kubeadm-flags.env) and the operator's (/etc/default/kubelet).
install -D -m 0644 /dev/stdin "$pkg/kubeadm/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf" <<'EOF'
# Written by kubeadm's package: kubelet as kubeadm init/join configures it.
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# kubeadm init/join write KUBELET_KUBEADM_ARGS here
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# the operator's KUBELET_EXTRA_ARGS, last so they win
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
EOF
deb kubeadm "$KUBERNETES_VERSION-$rev" "" "" "Command-line utility for administering a Kubernetes cluster" "$pkg/kubeadm"

install -D -m 0755 "$K8S/bin/kubelet" "$pkg/kubelet/usr/bin/kubelet"
install -D -m 0644 /dev/stdin "$pkg/kubelet/usr/lib/systemd/system/kubelet.service" <<'EOF'
[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
EOF
install -D -m 0644 /dev/stdin "$pkg/kubelet/etc/default/kubelet" <<<'KUBELET_EXTRA_ARGS='
echo /etc/default/kubelet >"$pkg/kubelet/DEBIAN.conffiles"
mkdir -p "$pkg/kubelet/var/lib/kubelet" "$pkg/kubelet/etc/kubernetes/manifests"
touch "$pkg/kubelet/var/lib/kubelet/.kubelet-keep" "$pkg/kubelet/etc/kubernetes/manifests/.kubelet-keep"
mkdir -p "$pkg/kubelet/DEBIAN"
mv "$pkg/kubelet/DEBIAN.conffiles" "$pkg/kubelet/DEBIAN/conffiles"
# As upstream's: enabled (and started, where systemd runs) on install; kubeadm gives it its config.
install -m 0755 /dev/stdin "$pkg/kubelet/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable kubelet.service >/dev/null
    systemctl restart kubelet.service || true
fi
EOF
install -m 0755 /dev/stdin "$pkg/kubelet/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl disable --now kubelet.service >/dev/null || true
fi
EOF
deb kubelet "$KUBERNETES_VERSION-$rev" "kubernetes-cni (>= 1.2.0), mount, util-linux" "iptables (>= 1.8.4)" "Node agent for Kubernetes clusters" "$pkg/kubelet"

mkdir -p "$pkg/kubernetes-cni/opt/cni/bin"
install -m 0755 "$CNI"/bin/* "$pkg/kubernetes-cni/opt/cni/bin/"
deb kubernetes-cni "${CNI_VERSION#v}-$rev" "" "" "Binaries required to provision kubernetes container networking" "$pkg/kubernetes-cni"

# Signed as pkgs.k8s.io signs: a detached Release.gpg and a clear-signed InRelease, the
# public key beside them as Release.key (armored). The key is made for this tree.
export GNUPGHOME=$WORK/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "kvm-k8s e2e package repository <e2e@kvm-k8s.internal>" ed25519 sign never
gpg --batch --armor --export >"$REPO/Release.key"
(
    cd "$REPO"
    dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages
    gzip -9nk Packages
    {
        printf 'Origin: kvm-k8s e2e\nLabel: kubernetes core stable v1.%s\nArchitectures: amd64\nDate: %s\n' "$MINOR" "$(date -uR)"
        printf 'SHA256:\n'
        for f in Packages Packages.gz; do printf ' %s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"; done
    } >Release
    gpg --batch --yes --armor --detach-sign -o Release.gpg Release
    gpg --batch --yes --clearsign -o InRelease Release
)
rm -rf "$GNUPGHOME" "$pkg"

tarball=helm-$HELM_VERSION-linux-amd64.tar.gz
mkdir -p "$WORK/helm/linux-amd64"
install -m 0755 "$HELM/bin/helm" "$WORK/helm/linux-amd64/helm"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$WORK/helm" -czf "$WORK/www/kvm-k8s/$tarball" linux-amd64
(cd "$WORK/www/kvm-k8s" && sha256sum "$tarball" >"$tarball.sha256sum")
rm -rf "$WORK/helm"

cat "$K8S/build-times.tsv" "$CNI/build-times.tsv" "$HELM/build-times.tsv" >"$WORK/build-times.tsv"
debs=$(cd "$REPO" && printf '%s ' ./*.deb)
mv "$WORK" "$OUT"
trap - EXIT
finish "$OUT"
# Entries for other versions or recipes are never used again by this tree; the binaries of
# other versions stay (an upgrade test serves two).
find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -name 'packages-*' ! -name "packages-$key" -exec rm -rf {} +
log "built $OUT: ${debs}and $tarball"
echo "$OUT/www"
