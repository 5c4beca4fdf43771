#!/usr/bin/env bash
# world.sh: the e2e test world. A network namespace with the site's bridge and no route out,
# libvirt's daemons started so guests' taps land on that bridge, and the site's Debian mirror
# served on the bridge address. Nothing here reaches beyond this machine: the namespace has no
# default route and no link to the host's network.
#
#   test/e2e/world.sh up        create it (idempotent: an existing world is checked and kept);
#                               on failure everything it made is taken down again
#   test/e2e/world.sh down      take everything down: domains and volumes of the site, its pool,
#                               the daemons, the mirror server, the namespace; idempotent, and
#                               prints one "leftover:" line per libvirt object it had to remove
#   test/e2e/world.sh run CMD.. up, run CMD inside the namespace, down on every path (trap)
#   test/e2e/world.sh exec CMD.. run CMD inside the namespace (network; with hypervisors, also
#                               a private mount namespace whose /etc/hosts names them)
#   test/e2e/world.sh mirror-stop | mirror-start
#                               stop or start (again) the mirror server alone: how a test takes
#                               the site's package sources away and gives them back
#
# Environment (all optional):
#   KVMK8S_E2E_NS        namespace name (default kvmk8s-e2e)
#   KVMK8S_E2E_BRIDGE    bridge name (default br-e2e)
#   KVMK8S_E2E_HOST_IP   the bridge's address, also the mirror's (default 10.77.0.1/24)
#   KVMK8S_E2E_SITE      site name: domains and volumes named <site>-* are the site's (default e2e)
#   KVMK8S_E2E_POOL      libvirt pool of the site (default kvm-k8s-e2e)
#   KVMK8S_E2E_MIRROR_DIR  directory served over HTTP on port 80 (default: none, no mirror)
#   KVMK8S_E2E_STATE     state directory (default /run/kvmk8s-e2e)
#   KVMK8S_E2E_BRIDGES   more bridges to create in the namespace, space-separated (default none):
#                        the bridges a stack's networks name, so its domains can start
#   KVMK8S_E2E_HYPERVISORS  hypervisor names, space-separated (default none). Each gets an
#                        address on the bridge (.101, .102, ... of KVMK8S_E2E_HOST_IP's /24) and
#                        its own sshd there, with its own ed25519 host key, that lets root in with
#                        the world's client key only and forwards to the one libvirtd's socket,
#                        as `qemu+ssh://root@<name>/system` needs. One libvirtd stands behind all
#                        of them. The names resolve only through $KVMK8S_E2E_STATE/hosts, which
#                        `exec` mounts over /etc/hosts in a private mount namespace. The client
#                        side is $KVMK8S_E2E_STATE/home/.ssh (id_ed25519, known_hosts with each
#                        name's host key pinned): run the libvirt provider with HOME there.
# Runs as root; needs iproute2, libvirt-daemon-system, libvirt-clients, python3; with
# hypervisors also openssh-server and openssh-client.
set -euo pipefail

NS=${KVMK8S_E2E_NS:-kvmk8s-e2e}
BRIDGE=${KVMK8S_E2E_BRIDGE:-br-e2e}
HOST_IP=${KVMK8S_E2E_HOST_IP:-10.77.0.1/24}
SITE=${KVMK8S_E2E_SITE:-e2e}
POOL=${KVMK8S_E2E_POOL:-kvm-k8s-e2e}
MIRROR_DIR=${KVMK8S_E2E_MIRROR_DIR:-}
STATE=${KVMK8S_E2E_STATE:-/run/kvmk8s-e2e}
read -r -a BRIDGES <<<"${KVMK8S_E2E_BRIDGES:-}"
read -r -a HYPERVISORS <<<"${KVMK8S_E2E_HYPERVISORS:-}"
QEMU_CONF=/etc/libvirt/qemu.conf
PY=/usr/bin/python3
export LIBVIRT_DEFAULT_URI=qemu:///system

log() { printf 'world: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
in_ns() { nsenter --net="/run/netns/$NS" -- "$@"; }
alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The net namespace a process runs in, as its inode (comparable with /run/netns/<ns>).
netns_of() { stat -L -c '%i' "/proc/$1/ns/net" 2>/dev/null || true; }

check_tools() {
    local t
    for t in ip nsenter libvirtd virtlogd virsh; do
        command -v "$t" >/dev/null || die "$t is missing (apt-get install iproute2 util-linux libvirt-daemon-system libvirt-clients)"
    done
    [[ -x "$PY" ]] || die "$PY is missing (apt-get install python3)"
    if [[ "${#HYPERVISORS[@]}" -gt 0 ]]; then
        [[ -x /usr/sbin/sshd ]] || die "/usr/sbin/sshd is missing (apt-get install openssh-server)"
        command -v ssh-keygen >/dev/null || die "ssh-keygen is missing (apt-get install openssh-client)"
    fi
    [[ "$EUID" -eq 0 ]] || die "run as root (namespaces, libvirtd)"
}

# No systemd on these machines: libvirtd cannot join cgroup controllers (FACTS).
qemu_conf() {
    if ! grep -qx 'cgroup_controllers = \[ \]' "$QEMU_CONF"; then
        printf '\n# kvm-k8s e2e: no systemd or cgroup delegation on this machine\ncgroup_controllers = [ ]\n' >>"$QEMU_CONF"
        log "set cgroup_controllers = [ ] in $QEMU_CONF"
    fi
}

# Where /dev/kvm exists as 600 root:root (kvm-pvm, no udev to apply Debian's rule), libvirtd
# probes QEMU as root and finds KVM, then checks it as libvirt-qemu and does not: its
# capabilities cache is never valid, every call re-probes (8 s), and a Domain create took
# 320-388 s. Debian's udev rule gives kvm:kvm 660; do the same, and put back what was there.
kvm_up() {
    [[ -c /dev/kvm ]] || return 0
    [[ -f "$STATE/kvm-mode" ]] && return 0
    mkdir -p "$STATE"
    stat -c '%a %G' /dev/kvm >"$STATE/kvm-mode"
    getent group kvm >/dev/null || groupadd --system kvm
    chgrp kvm /dev/kvm
    chmod 660 /dev/kvm
    log "/dev/kvm: was $(cat "$STATE/kvm-mode"), now 660 kvm (as Debian's udev rule sets it)"
}

kvm_down() {
    [[ -f "$STATE/kvm-mode" && -c /dev/kvm ]] || return 0
    local mode group
    read -r mode group <"$STATE/kvm-mode"
    chgrp "$group" /dev/kvm
    chmod "$mode" /dev/kvm
    log "/dev/kvm: back to $mode $group"
}

namespace_up() {
    if [[ ! -e "/run/netns/$NS" ]]; then
        ip netns add "$NS"
    fi
    in_ns ip link set lo up
    if ! in_ns ip link show "$BRIDGE" >/dev/null 2>&1; then
        in_ns ip link add "$BRIDGE" type bridge
    fi
    if ! in_ns ip -4 addr show dev "$BRIDGE" | grep -q " ${HOST_IP%/*}/"; then
        in_ns ip addr add "$HOST_IP" dev "$BRIDGE"
    fi
    in_ns ip link set "$BRIDGE" up
    local b
    for b in "${BRIDGES[@]}"; do
        in_ns ip link show "$b" >/dev/null 2>&1 || in_ns ip link add "$b" type bridge
        in_ns ip link set "$b" up
    done
    # The promise of this world: nothing routes off the machine.
    if in_ns ip route show default | grep -q .; then
        die "namespace $NS has a default route; refusing to start guests that could reach out"
    fi
}

daemons_up() {
    local t0 ns_inode pid
    mkdir -p "$STATE"
    ns_inode=$(stat -L -c '%i' "/run/netns/$NS")
    if [[ -f /run/libvirtd.pid ]] && kill -0 "$(cat /run/libvirtd.pid)" 2>/dev/null; then
        pid=$(cat /run/libvirtd.pid)
        [[ "$(netns_of "$pid")" == "$ns_inode" ]] ||
            die "a libvirtd (pid $pid) already runs outside namespace $NS; stop it first (this test starts its own)"
        log "libvirtd already running in $NS (pid $pid)"
        return 0
    fi
    t0=$(now)
    # virtlogd first, or domains fail to start: "Failed to connect socket to
    # '/run/libvirt/virtlogd-sock'" (no systemd socket activation here).
    if ! alive /run/virtlogd.pid; then
        virtlogd -d
    fi
    # nsenter, not `ip netns exec`: the latter's private mount table keeps loop mounts busy.
    in_ns libvirtd -d
    local i
    for i in $(seq 1 100); do
        if virsh -q version >/dev/null 2>&1; then break; fi
        [[ "$i" -lt 100 ]] || die "libvirtd did not answer on qemu:///system within 20 s"
        sleep 0.2
    done
    printf 'daemon_start_s\t%s\n' "$(elapsed "$t0")" >"$STATE/daemon-times.tsv"
    log "libvirtd answering after $(elapsed "$t0") s"
}

mirror_up() {
    [[ -n "$MIRROR_DIR" ]] || return 0
    [[ -d "$MIRROR_DIR" ]] || die "KVMK8S_E2E_MIRROR_DIR=$MIRROR_DIR is not a directory"
    if alive "$STATE/http.pid"; then
        return 0
    fi
    echo "$MIRROR_DIR" >"$STATE/mirror-dir"
    # Bound to the bridge address inside the namespace: only the site's guests reach it.
    (cd "$MIRROR_DIR" && exec nsenter --net="/run/netns/$NS" -- "$PY" -m http.server --bind "${HOST_IP%/*}" 80 \
        >"$STATE/http.log" 2>&1) &
    echo $! >"$STATE/http.pid"
    local i
    for i in $(seq 1 50); do
        if in_ns "$PY" -c "import urllib.request,sys; urllib.request.urlopen('http://${HOST_IP%/*}/', timeout=2)" 2>/dev/null; then
            log "mirror: http://${HOST_IP%/*}/ serves $MIRROR_DIR"
            return 0
        fi
        sleep 0.2
    done
    die "the mirror server did not answer on http://${HOST_IP%/*}/ (log: $STATE/http.log)"
}

# The address of the Nth hypervisor (1-based): .100+N in the bridge's /24.
hv_address() { echo "${HOST_IP%.*/*}.$((100 + $1))"; }

hypervisors_up() {
    [[ "${#HYPERVISORS[@]}" -gt 0 ]] || return 0
    local dir=$STATE/ssh i=0 name addr conf known=""
    mkdir -p "$dir" "$STATE/home/.ssh" /run/sshd
    chmod 700 "$STATE/home/.ssh"
    [[ -f "$STATE/home/.ssh/id_ed25519" ]] || ssh-keygen -q -t ed25519 -N "" -C kvmk8s-world-client -f "$STATE/home/.ssh/id_ed25519"
    cp "$STATE/home/.ssh/id_ed25519.pub" "$dir/authorized_keys"
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$STATE/hosts"
    for name in "${HYPERVISORS[@]}"; do
        i=$((i + 1))
        addr=$(hv_address "$i")
        mkdir -p "$dir/$name"
        [[ -f "$dir/$name/host_ed25519" ]] || ssh-keygen -q -t ed25519 -N "" -C "$name" -f "$dir/$name/host_ed25519"
        in_ns ip -4 addr show dev "$BRIDGE" | grep -q " $addr/" || in_ns ip addr add "$addr/${HOST_IP#*/}" dev "$BRIDGE"
        printf '%s\t%s\n' "$addr" "$name" >>"$STATE/hosts"
        known+="$name $(cut -d' ' -f1,2 "$dir/$name/host_ed25519.pub")"$'\n'
        conf=$dir/$name/sshd_config
        # Root with the world's key only; forwarding on, which qemu+ssh:// needs (the
        # provider forwards to /var/run/libvirt/libvirt-sock); StrictModes off: the files
        # live under a state directory sshd does not own.
        cat >"$conf" <<EOF
ListenAddress $addr:22
HostKey $dir/$name/host_ed25519
PidFile $dir/$name/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
EOF
        alive "$dir/$name/sshd.pid" || in_ns /usr/sbin/sshd -f "$conf" -E "$dir/$name/sshd.log"
    done
    printf '%s' "$known" >"$STATE/home/.ssh/known_hosts"
    # Each answers with its own pinned key, through the names only the world resolves.
    for name in "${HYPERVISORS[@]}"; do
        for i in $(seq 1 50); do
            if with_hosts ssh -q -F none -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$STATE/home/.ssh/known_hosts" \
                -i "$STATE/home/.ssh/id_ed25519" "root@$name" true 2>/dev/null; then
                break
            fi
            [[ "$i" -lt 50 ]] || die "hypervisor $name did not answer SSH with its pinned key (log: $dir/$name/sshd.log)"
            sleep 0.2
        done
    done
    log "hypervisors: ${HYPERVISORS[*]} (an sshd each, one libvirtd; names in $STATE/hosts)"
}

hypervisors_down() {
    local f
    for f in "$STATE"/ssh/*/sshd.pid; do
        [[ -e "$f" ]] || continue
        stop_pidfile "$f" "sshd of $(basename "$(dirname "$f")")"
    done
}

# CMD inside the namespace; with hypervisors, with the world's /etc/hosts in a private mount
# namespace (the host's /etc/hosts is never touched).
with_hosts() {
    if [[ "${#HYPERVISORS[@]}" -gt 0 ]]; then
        # shellcheck disable=SC2016 # expanded by the inner bash
        in_ns unshare --mount --propagation private -- bash -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$STATE/hosts" "$@"
    else
        in_ns "$@"
    fi
}

# Remove every libvirt object of the site; one "leftover:" line per object removed. Only from
# the libvirtd this world started (in its namespace): qemu:///system is a socket on the
# filesystem, and a libvirtd of the machine's own may hold a real site of the same name.
libvirt_clean() {
    alive /run/libvirtd.pid && [[ -e "/run/netns/$NS" ]] &&
        [[ "$(netns_of "$(cat /run/libvirtd.pid)")" == "$(stat -L -c '%i' "/run/netns/$NS")" ]] || return 0
    virsh -q version >/dev/null 2>&1 || return 0
    local d v
    while read -r d; do
        [[ -n "$d" ]] || continue
        echo "leftover: domain $d"
        virsh -q destroy "$d" >/dev/null 2>&1 || true
        virsh -q undefine "$d" --remove-all-storage >/dev/null 2>&1 || virsh -q undefine "$d" >/dev/null 2>&1 || true
    done < <(virsh -q list --all --name | grep -E "^${SITE}-" || true)
    if virsh -q pool-info "$POOL" >/dev/null 2>&1; then
        virsh -q pool-refresh "$POOL" >/dev/null 2>&1 || true
        while read -r v; do
            [[ -n "$v" ]] || continue
            echo "leftover: volume $POOL/$v"
            virsh -q vol-delete --pool "$POOL" "$v" >/dev/null 2>&1 || true
        done < <(virsh -q vol-list "$POOL" 2>/dev/null | awk '{ print $1 }')
        echo "leftover: pool $POOL"
        virsh -q pool-destroy "$POOL" >/dev/null 2>&1 || true
        virsh -q pool-delete "$POOL" >/dev/null 2>&1 || true
        virsh -q pool-undefine "$POOL" >/dev/null 2>&1 || true
    fi
}

stop_pidfile() { # PIDFILE NAME
    local pid i
    alive "$1" || { rm -f "$1"; return 0; }
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
        if [[ "$i" -eq 50 ]]; then kill -9 "$pid" 2>/dev/null || true; fi
    done
    rm -f "$1"
    log "stopped $2 (pid $pid)"
}

down() {
    libvirt_clean
    hypervisors_down
    stop_pidfile "$STATE/http.pid" "the mirror server"
    # Only a libvirtd inside our namespace is ours to stop.
    if alive /run/libvirtd.pid && [[ -e "/run/netns/$NS" ]] &&
        [[ "$(netns_of "$(cat /run/libvirtd.pid)")" == "$(stat -L -c '%i' "/run/netns/$NS")" ]]; then
        stop_pidfile /run/libvirtd.pid libvirtd
        stop_pidfile /run/virtlogd.pid virtlogd
    fi
    kvm_down
    if [[ -e "/run/netns/$NS" ]]; then
        ip netns del "$NS"
        log "removed namespace $NS (and $BRIDGE with it)"
    fi
    rm -rf "$STATE"
}

up_failed() {
    local rc=$?
    if [[ "$rc" -ne 0 ]]; then
        log "up failed (exit $rc): taking the world down"
        down >&2 || true
    fi
}

up() {
    check_tools
    qemu_conf
    trap up_failed EXIT
    namespace_up
    kvm_up
    daemons_up
    hypervisors_up
    mirror_up
    trap - EXIT
    log "up: namespace $NS, bridge $BRIDGE ${HOST_IP}, libvirtd in the namespace"
}

# The mirror directory this world serves: the one `up` was given, kept for mirror-start.
mirror_dir() {
    [[ -f "$STATE/mirror-dir" ]] || die "the world serves no mirror (no $STATE/mirror-dir): was it brought up with KVMK8S_E2E_MIRROR_DIR?"
    cat "$STATE/mirror-dir"
}

cmd=${1:-}
shift || true
case "$cmd" in
up) up ;;
down) down ;;
mirror-stop)
    mirror_dir >/dev/null
    stop_pidfile "$STATE/http.pid" "the mirror server"
    ;;
mirror-start)
    MIRROR_DIR=$(mirror_dir)
    mirror_up
    ;;
exec) with_hosts "$@" ;;
run)
    [[ "$#" -gt 0 ]] || die "usage: world.sh run CMD..."
    up
    trap 'down >&2' EXIT
    with_hosts "$@"
    ;;
*) die "usage: world.sh up | down | run CMD... | exec CMD... | mirror-stop | mirror-start" ;;
esac
