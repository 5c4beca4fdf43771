#!/usr/bin/env bash
# build-mirror.sh IMAGE_DIR: the e2e site's Debian mirror, a partial mirror of Debian 12 that
# holds exactly what director and node preparation install on the base image in IMAGE_DIR.
#
# Why a partial copy of Debian's own archive and not a repository made with dpkg-scanpackages:
# the program points every VM's apt at the site's mirror with `Signed-By:
# /usr/share/keyrings/debian-archive-keyring.gpg` (lib.sh configure_debian_mirror), as a real
# site's mirror is. So the mirror serves Debian's signed InRelease files unchanged, the
# Packages.xz they name (also under by-hash/, which Debian's InRelease announces), and only the
# pool files the guests will ask for. apt resolves those on this host against the image's
# own dpkg database, from these very indices, so the guests get the same answer.
#
# The packages are read from the preparation scripts (every `apt_install_missing` with literal
# package names), so a package added there lands in the mirror.
#
#   test/e2e/build-mirror.sh IMAGE_DIR   the LAST stdout line is the directory to serve; it
#                                        holds debian/ and debian-security/
# Cached outside the clone, keyed by this file, the package lists and the image's dpkg
# database; rebuilt when a cached suite's Valid-Until is less than a day away.
# Environment:
#   KVMK8S_E2E_CACHE   optional  cache root (default /var/cache/kvm-k8s/e2e)
#   KVMK8S_E2E_UPSTREAM optional Debian host the files come from (default http://deb.debian.org)
# Runs as root; needs apt, gpgv, debian-archive-keyring.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
IMAGE_DIR=${1:?usage: build-mirror.sh IMAGE_DIR (from build-image.sh)}
CACHE_ROOT=${KVMK8S_E2E_CACHE:-/var/cache/kvm-k8s/e2e}
UPSTREAM=${KVMK8S_E2E_UPSTREAM:-http://deb.debian.org}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
APT_HELPER=/usr/lib/apt/apt-helper
# archive suite: what configure_debian_mirror writes (the release, its updates, security).
SUITES=("debian bookworm" "debian bookworm-updates" "debian-security bookworm-security")

log() { printf 'build-mirror: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ -f "$IMAGE_DIR/dpkg-status" ]] || die "$IMAGE_DIR/dpkg-status not found: pass the directory build-image.sh printed"
[[ -f "$KEYRING" ]] || die "$KEYRING missing (apt-get install debian-archive-keyring)"
command -v gpgv >/dev/null || die "gpgv missing (apt-get install gpgv)"

# Package names of `apt_install_missing a b c "${LIST[@]}"` lines (the literal words only).
packages_of() { # SCRIPT
    sed -n 's/^[[:space:]]*apt_install_missing[[:space:]]\+//p' "$1" |
        tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u | tr '\n' ' '
}
NODE_SCRIPT=$ROOT/components/nodes/scripts/prepare-node.sh
DIRECTOR_SCRIPT=$ROOT/components/director/scripts/prepare-director.sh
read -r -a NODE_PACKAGES <<<"$(packages_of "$NODE_SCRIPT")"
read -r -a DIRECTOR_PACKAGES <<<"$(packages_of "$DIRECTOR_SCRIPT")"
[[ "${#NODE_PACKAGES[@]}" -gt 0 && "${#DIRECTOR_PACKAGES[@]}" -gt 0 ]] ||
    die "found no apt_install_missing package in $NODE_SCRIPT or $DIRECTOR_SCRIPT"

key=$( { cat "$HERE/build-mirror.sh" "$IMAGE_DIR/dpkg-status"; echo "${NODE_PACKAGES[*]}"; echo "${DIRECTOR_PACKAGES[*]}"; } | sha256sum | cut -c1-16)
OUT=$CACHE_ROOT/mirror-$key
WWW=$OUT/www

# A cached mirror is good while every suite stays valid for another day.
still_valid() {
    local s archive suite until
    for s in "${SUITES[@]}"; do
        read -r archive suite <<<"$s"
        until=$(sed -n 's/^Valid-Until: //p' "$WWW/$archive/dists/$suite/InRelease")
        if [[ -n "$until" ]] && (($(date -d "$until" +%s) < $(date +%s) + 86400)); then
            log "cached $suite expires $until: refreshing"
            return 1
        fi
    done
}
if [[ -f "$OUT/complete" ]] && still_valid; then
    log "cached: $OUT (built $(cat "$OUT/complete"); node: ${NODE_PACKAGES[*]}; director: ${DIRECTOR_PACKAGES[*]})"
    echo "$WWW"
    exit 0
fi

start=$(date +%s)
mkdir -p "$CACHE_ROOT"
WORK=$(mktemp -d "$CACHE_ROOT/.mirror-$key.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
chmod 755 "$WORK"
NEW=$WORK/www

fetch() { # URL DEST [HASH as TYPE:hex]
    mkdir -p "$(dirname "$2")"
    "$APT_HELPER" -o APT::Sandbox::User=root download-file "$1" "$2" ${3:+"$3"} >/dev/null ||
        die "cannot fetch $1"
}

# The signed indices, verified here as apt will verify them in the guests.
for s in "${SUITES[@]}"; do
    read -r archive suite <<<"$s"
    dists=$NEW/$archive/dists/$suite
    fetch "$UPSTREAM/$archive/dists/$suite/InRelease" "$dists/InRelease"
    gpgv --keyring "$KEYRING" "$dists/InRelease" 2>"$WORK/gpgv.log" ||
        { cat "$WORK/gpgv.log" >&2; die "$archive/dists/$suite/InRelease: bad signature"; }
    # apt asks for each index InRelease lists (the Packages, and the translations its
    # locale wants): the first compressed form listed, by hash, as Acquire-By-Hash says.
    for index in main/binary-amd64/Packages main/i18n/Translation-en; do
        read -r sha file < <(awk -v want="$index" '/^SHA256:/ { in256 = 1; next } /^[^ ]/ { in256 = 0 }
            in256 { for (i = 1; i <= 3; i++) if ($3 == want ext[i] && !(i in got)) got[i] = $1 " " $3 }
            BEGIN { split(".xz .bz2 .gz", ext, " ") }
            END { for (i = 1; i <= 3; i++) if (i in got) { print got[i]; exit } exit 1 }' "$dists/InRelease") ||
            die "$archive/dists/$suite/InRelease lists no compressed $index"
        fetch "$UPSTREAM/$archive/dists/$suite/$file" "$dists/$file" "SHA256:$sha"
        mkdir -p "$(dirname "$dists/$file")/by-hash/SHA256"
        ln "$dists/$file" "$(dirname "$dists/$file")/by-hash/SHA256/$sha"
    done
done

# apt on its own: these indices only, the image's dpkg database, nothing of the host's config.
A=$WORK/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/state" "$A/empty"
for s in "${SUITES[@]}"; do
    read -r archive suite <<<"$s"
    printf 'deb [signed-by=%s] file:%s/%s %s main\n' "$KEYRING" "$NEW" "$archive" "$suite"
done >"$A/sources.list"
cat >"$A/apt.conf" <<EOF
Dir::State "$A/state";
Dir::State::Lists "$A/lists";
Dir::State::status "$IMAGE_DIR/dpkg-status";
Dir::Cache "$A/cache";
Dir::Etc::SourceList "$A/sources.list";
Dir::Etc::SourceParts "$A/empty";
Dir::Etc::Parts "$A/empty";
Dir::Etc::Preferences "$A/empty";
Dir::Etc::PreferencesParts "$A/empty";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::ForceHash "SHA256";
EOF
export APT_CONFIG=$A/apt.conf
apt-get -qq update >"$WORK/update.log" 2>&1 || { cat "$WORK/update.log" >&2; die "apt-get update from the fetched indices failed"; }

# What each preparation would download, as the guest resolves it: 'URI' name size SHA256:x
: >"$WORK/uris"
for set in NODE DIRECTOR; do
    declare -n list="${set}_PACKAGES"
    apt-get -qq --print-uris --no-install-recommends install "${list[@]}" >>"$WORK/uris" 2>"$WORK/resolve.log" ||
        { cat "$WORK/resolve.log" >&2; die "apt cannot resolve ${list[*]} on the image"; }
done
count=0
while read -r uri _name _size hash; do
    uri=${uri//\'/}
    rel=${uri#file:"$NEW"/}
    [[ "$rel" != "$uri" ]] || die "unexpected URI from apt: $uri"
    # on disk as the HTTP server decodes the request: %2b is '+'
    path=$(printf '%b' "${rel//%/\\x}")
    [[ -f "$NEW/$path" ]] && continue
    fetch "$UPSTREAM/$rel" "$NEW/$path" "$hash"
    count=$((count + 1))
done < <(sort -u "$WORK/uris")
[[ "$count" -gt 0 ]] || die "apt wants no package at all: is the image already carrying them?"

rm -rf "$OUT"
mkdir -p "$OUT"
mv "$NEW" "$WWW"
sort -u "$WORK/uris" | awk '{ print $2 }' >"$OUT/debs.txt"
printf 'node\t%s\ndirector\t%s\n' "${NODE_PACKAGES[*]}" "${DIRECTOR_PACKAGES[*]}" >"$OUT/packages.tsv"
printf 'total_s\t%s\n' "$(($(date +%s) - start))" >"$OUT/build-times.tsv"
date -u +%Y-%m-%dT%H:%M:%SZ >"$OUT/complete"
# Mirrors for earlier images or package lists are never used again.
find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -name 'mirror-*' ! -name "mirror-$key" -exec rm -rf {} +
log "built $OUT in $(($(date +%s) - start))s: $count .debs ($(du -sh "$WWW" | cut -f1)) for node: ${NODE_PACKAGES[*]}; director: ${DIRECTOR_PACKAGES[*]}"
echo "$WWW"
