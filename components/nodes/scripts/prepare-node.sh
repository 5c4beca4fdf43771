#!/usr/bin/env bash
# prepare-node.sh: prepare a Debian 12 VM to be a Kubernetes master or worker, so that kubeadm
# init/join can run on it next: waits for cloud-init, points apt at the site's Debian mirror
# (when given), installs what this script uses (ca-certificates, curl) and NODE_PACKAGES,
# turns swap off (now and in /etc/fstab),
# loads and persists the overlay and br_netfilter modules, sets the bridge/forwarding
# sysctls, points chrony at the site's NTP servers only, installs the site files (registry
# CA) and the kvm-k8s block of /etc/hosts, authorizes the director's operations key for
# OPS_USER (from DIRECTOR_ADDRESS only), installs containerd and places the files the program
# renders for it (CONTAINERD_FILES: config.toml with systemd cgroups, certs.d hosts.toml that
# pull through the director's registry), and installs kubelet, kubeadm and kubectl at
# KUBERNETES_VERSION, held, with KUBELET_EXTRA_ARGS. Runs as root (sudo bash),
# non-interactively; every step is idempotent and prints one line.
#
# Environment:
#   NODE_NAME             required  this node's name (e.g. site1-master-1)
#   NTP_SERVERS           required  space-separated NTP servers (e.g. "10.10.0.1 ntp.site1.example")
#   KUBERNETES_VERSION    required  Kubernetes version to install (e.g. 1.36.3)
#   KUBERNETES_APT_REPO   required  Kubernetes apt repo, its Release.key signs it
#                                   (e.g. https://pkgs.k8s.io/core:/stable:/v1.36/deb/)
#   DEBIAN_MIRROR         optional  the site's Debian mirror; apt then uses it only (e.g.
#                                   http://10.10.0.1/debian; empty = the image's own sources)
#   DEBIAN_SECURITY_MIRROR optional the site's mirror of security.debian.org, with DEBIAN_MIRROR
#                                   (e.g. http://10.10.0.1/debian-security; empty = none)
#   NODE_PACKAGES         optional  space-separated Debian packages the site needs on every node
#                                   (e.g. "nfs-common" for NFS volumes; empty = none)
#   CONTAINERD_FILES      required  secret: containerd's files, "MODE PATH BASE64" records rendered by
#                                   the program (components/nodes/containerd.ts): exactly one
#                                   /etc/containerd/config.toml, and /etc/containerd/certs.d/HOST/hosts.toml
#                                   for the site registry and each upstream pulled through it; these
#                                   carry the registry's pull credentials (e.g. "0644
#                                   /etc/containerd/config.toml IyBNYW5hZ2Vk...\n0600
#                                   /etc/containerd/certs.d/registry.site1.example:5000/hosts.toml IyBN...")
#   KUBELET_EXTRA_ARGS    optional  extra kubelet flags for /etc/default/kubelet; the program passes
#                                   none (reservations and eviction are in kubeadm's
#                                   KubeletConfiguration), which also clears flags written before
#                                   (e.g. "--v=2"; empty = no flags)
#   HOSTS_ENTRIES         optional  newline-separated "ip name [name...]" lines for /etc/hosts
#                                   (e.g. "10.10.0.10 registry.site1.example"; empty = no block)
#   LOGIN_USER            optional  the login user (e.g. kvmk8s), with LOGIN_PUBLIC_KEYS
#   LOGIN_PUBLIC_KEYS     optional  newline-separated public keys the login user accepts, and no key
#                                   the program named before (lib.sh login_keys; e.g. "ssh-ed25519 AAAA... ops@laptop";
#                                   empty = as cloud-init wrote them)
#   OPS_USER              optional  the login user the director's operations key logs in as, with
#                                   OPS_PUBLIC_KEY and DIRECTOR_ADDRESS (e.g. kvmk8s; empty = no ops key)
#   OPS_PUBLIC_KEY        optional  the director's operations public key, authorized for OPS_USER
#                                   (e.g. "ssh-ed25519 AAAAC3Nz... kvm-k8s-ops")
#   DIRECTOR_ADDRESS      optional  the only address that key is accepted from (e.g. 10.10.0.10)
#   KVMK8S_ALLOW_OFFLINE  optional  "1": when the Kubernetes repo is unreachable, print SKIPPED for
#                                   the package steps and go on instead of failing (e.g. 1)
#   KVMK8S_FILES          optional  files to install, "MODE PATH BASE64" records (e.g. "0644
#                                   /usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt LS0t...")
#   KVMK8S_ROOT           optional  test hook: prefix for every path the file steps write (e.g. /tmp/t)
#   KVMK8S_ONLY           optional  test hook: run only this step (e.g. hosts_block; steps: see STEPS)
set -euo pipefail

: "${NODE_NAME:?NODE_NAME is required (this node name, e.g. site1-master-1)}"
: "${NTP_SERVERS:?NTP_SERVERS is required (space-separated NTP servers)}"
: "${KUBERNETES_VERSION:?KUBERNETES_VERSION is required (e.g. 1.36.3)}"
: "${KUBERNETES_APT_REPO:?KUBERNETES_APT_REPO is required (e.g. https://pkgs.k8s.io/core:/stable:/v1.36/deb/)}"
: "${CONTAINERD_FILES:?CONTAINERD_FILES is required (the containerd config.toml and hosts.toml the program renders)}"

# shellcheck source=../../remote/scripts/lib.sh
[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"

# The package helpers run apt-get: never a prompt.
export DEBIAN_FRONTEND=noninteractive

REGISTRY_CA=/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt
CONTAINERD_CONFIG=/etc/containerd/config.toml
CERTS_D=/etc/containerd/certs.d
# The first line of the hosts.toml files the program renders (and this script wrote before).
MANAGED_TOML_MARK="# Managed by kvm-k8s prepare-node.sh"
PENDING_ON_CHANGE=(
    [/etc/fstab]=systemd-daemon-reload
    [/etc/sysctl.d/99-kvm-k8s.conf]=apply-sysctl
    [/etc/chrony/chrony.conf]=restart-chrony
    [/etc/chrony/sources.d/*]=reload-chrony-sources
    [/usr/local/share/ca-certificates/*]=update-ca-certificates
    [/etc/containerd/config.toml]=restart-containerd
    [/etc/default/kubelet]=restart-kubelet
)

# containerd's records, checked here and placed by the containerd steps: the config.toml
# record, the hosts.toml records, and the registries those are for.
CONTAINERD_CONFIG_RECORD=""
CONTAINERD_HOSTS_RECORDS=""
declare -A CONTAINERD_HOSTS_WANTED=()
mapfile -t containerd_records <<<"$CONTAINERD_FILES"
for record in "${containerd_records[@]}"; do
    [[ -n "${record//[[:space:]]/}" ]] || continue
    read -r record_mode record_path record_b64 record_extra <<<"$record"
    [[ "$record_mode" =~ ^0?[0-7]{3}$ && "$record_b64" =~ ^[A-Za-z0-9+/]+=*$ && -z "$record_extra" ]] ||
        die "CONTAINERD_FILES: expected 'MODE PATH BASE64' records, got one for '$record_path' with mode '$record_mode'"
    if [[ "$record_path" == "$CONTAINERD_CONFIG" ]]; then
        [[ -z "$CONTAINERD_CONFIG_RECORD" ]] || die "CONTAINERD_FILES: $CONTAINERD_CONFIG is given twice"
        CONTAINERD_CONFIG_RECORD="$record"
    elif [[ "$record_path" =~ ^/etc/containerd/certs\.d/([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?)/hosts\.toml$ ]]; then
        CONTAINERD_HOSTS_WANTED[${BASH_REMATCH[1]}]=1
        CONTAINERD_HOSTS_RECORDS+="$record"$'\n'
    else
        die "CONTAINERD_FILES: '$record_path' is neither $CONTAINERD_CONFIG nor $CERTS_D/HOST/hosts.toml"
    fi
done
[[ -n "$CONTAINERD_CONFIG_RECORD" ]] || die "CONTAINERD_FILES has no $CONTAINERD_CONFIG record"
[[ -n "$CONTAINERD_HOSTS_RECORDS" ]] || die "CONTAINERD_FILES has no $CERTS_D/HOST/hosts.toml record (the site registry's, at least)"
read -r -a NTP_LIST <<<"$NTP_SERVERS"
for ntp in "${NTP_LIST[@]}"; do
    [[ "$ntp" =~ ^[A-Za-z0-9.:-]+$ ]] || die "NTP_SERVERS: '$ntp' is not a host name or address"
done
read -r -a NODE_PACKAGE_LIST <<<"${NODE_PACKAGES:-}"
for pkg in "${NODE_PACKAGE_LIST[@]}"; do
    [[ "$pkg" =~ ^[a-z0-9][a-z0-9.+-]+$ ]] || die "NODE_PACKAGES: '$pkg' is not a Debian package name"
done
for mirror in "${DEBIAN_MIRROR:-}" "${DEBIAN_SECURITY_MIRROR:-}"; do
    [[ -z "$mirror" || "$mirror" =~ ^https?://[A-Za-z0-9._:/~%+-]+$ ]] || die "DEBIAN_MIRROR and DEBIAN_SECURITY_MIRROR must be http(s) URLs, got '$mirror'"
done
if [[ -n "${DEBIAN_SECURITY_MIRROR:-}" && -z "${DEBIAN_MIRROR:-}" ]]; then die "DEBIAN_SECURITY_MIRROR needs DEBIAN_MIRROR"; fi
if [[ "${KUBELET_EXTRA_ARGS:-}" =~ [\"\'\\\$\`] || "${KUBELET_EXTRA_ARGS:-}" == *$'\n'* ]]; then
    die "KUBELET_EXTRA_ARGS must be one line without quotes, backslashes, \$ or backticks"
fi
OPS_USER="${OPS_USER:-}"
# login_keys (lib.sh) reads these two
LOGIN_USER="${LOGIN_USER:-}"
LOGIN_PUBLIC_KEYS="${LOGIN_PUBLIC_KEYS:-}"
OPS_PUBLIC_KEY="$(sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' <<<"${OPS_PUBLIC_KEY:-}")"
DIRECTOR_ADDRESS="${DIRECTOR_ADDRESS:-}"
if [[ -n "$OPS_USER" || -n "$OPS_PUBLIC_KEY" || -n "$DIRECTOR_ADDRESS" ]]; then
    [[ -n "$OPS_USER" && -n "$OPS_PUBLIC_KEY" && -n "$DIRECTOR_ADDRESS" ]] ||
        die "OPS_USER, OPS_PUBLIC_KEY and DIRECTOR_ADDRESS go together"
    [[ "$OPS_USER" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "OPS_USER '$OPS_USER' is not a user name"
    [[ "$OPS_PUBLIC_KEY" =~ ^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521))\ [A-Za-z0-9+/]+={0,2}(\ [A-Za-z0-9@._:+-]+)*$ ]] ||
        die "OPS_PUBLIC_KEY is not one OpenSSH public key line ('ssh-ed25519 AAAA... [comment]', no options)"
    [[ "$DIRECTOR_ADDRESS" =~ ^[0-9A-Fa-f.:]+$ && "$DIRECTOR_ADDRESS" =~ [.:] ]] ||
        die "DIRECTOR_ADDRESS '$DIRECTOR_ADDRESS' is not an IP address"
fi
OPS_BEGIN="# BEGIN kvm-k8s-ops"
OPS_END="# END kvm-k8s-ops"

# ---- steps ----

wait_for_cloud_init() { wait_cloud_init; }

debian_sources() {
    configure_debian_mirror "${DEBIAN_MIRROR:-}" "${DEBIAN_SECURITY_MIRROR:-}"
}

# What the later steps run (curl for the Kubernetes key, CA certificates for https) is not in
# every cloud image; NODE_PACKAGES are what the site's workloads need from the node itself.
install_prerequisites() {
    require_live
    apt_install_missing ca-certificates curl "${NODE_PACKAGE_LIST[@]}"
}

# Comment out the active swap entries of /etc/fstab.
swap_fstab() {
    local mode owner
    if [[ ! -e "$KVMK8S_ROOT/etc/fstab" ]]; then
        log "ok: no /etc/fstab, so no swap entries in it"
        return 0
    fi
    read -r mode owner <<<"$(file_mode_owner /etc/fstab)"
    awk '/^[[:space:]]*#/ { print; next } $3 == "swap" { print "#kvm-k8s swap off# " $0; next } { print }' \
        "$KVMK8S_ROOT/etc/fstab" >"$KVMK8S_TMP/fstab"
    write_if_changed /etc/fstab "$mode" "$owner" <"$KVMK8S_TMP/fstab"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: commented out the swap entries of /etc/fstab"
    else
        log "ok: /etc/fstab already has no active swap entry"
    fi
}

swap_off() {
    require_live
    if [[ -n "$(swapon --show --noheadings)" ]]; then
        swapoff -a
        log "changed: turned swap off"
    else
        log "ok: swap already off"
    fi
    if is_pending systemd-daemon-reload; then
        systemctl daemon-reload
        clear_pending systemd-daemon-reload
        log "changed: systemd reloaded (fstab swap units gone)"
    fi
}

kernel_modules() {
    require_live
    local m loaded=()
    put_file /etc/modules-load.d/kvm-k8s.conf 0644 <<<$'overlay\nbr_netfilter'
    for m in overlay br_netfilter; do
        if [[ ! -d "/sys/module/$m" ]]; then
            modprobe "$m"
            loaded+=("$m")
        fi
    done
    if [[ "${#loaded[@]}" -gt 0 ]]; then log "changed: loaded ${loaded[*]}"; else log "ok: overlay and br_netfilter already loaded"; fi
}

sysctl_settings() {
    require_live
    local key stale=0
    put_file /etc/sysctl.d/99-kvm-k8s.conf 0644 <<'SYSCTL'
# Managed by kvm-k8s prepare-node.sh: Kubernetes networking needs bridged traffic to pass
# iptables and IPv4 forwarding on.
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
SYSCTL
    for key in net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.ip_forward; do
        if [[ "$(sysctl -n "$key" 2>/dev/null || true)" != 1 ]]; then stale=1; fi
    done
    if [[ "$stale" -eq 1 ]] || is_pending apply-sysctl; then
        run_logged sysctl sysctl -p /etc/sysctl.d/99-kvm-k8s.conf || die "applying /etc/sysctl.d/99-kvm-k8s.conf failed"
        clear_pending apply-sysctl
        log "changed: applied /etc/sysctl.d/99-kvm-k8s.conf"
    else
        log "ok: bridge-nf-call and ip_forward sysctls already 1"
    fi
}

install_chrony() {
    require_live
    apt_install_missing chrony
}

chrony_sources() {
    local ntp body="# Managed by kvm-k8s prepare-node.sh: the site's NTP servers (NTP_SERVERS)."
    for ntp in "${NTP_LIST[@]}"; do body+=$'\n'"server $ntp iburst"; done
    put_file /etc/chrony/sources.d/kvm-k8s.sources 0644 <<<"$body"
}

# Comment out the distribution's pool lines (air-gapped sites cannot reach them) and make sure
# chrony reads /etc/chrony/sources.d, where chrony_sources puts the site's servers.
chrony_pools() {
    local conf=/etc/chrony/chrony.conf mode owner
    [[ -f "$KVMK8S_ROOT$conf" ]] || die "$conf not found: is chrony installed?"
    read -r mode owner <<<"$(file_mode_owner "$conf")"
    awk '
        /^[[:space:]]*pool[[:space:]]/ { print "#kvm-k8s: " $0; next }
        /^[[:space:]]*sourcedir[[:space:]]+\/etc\/chrony\/sources\.d\/?[[:space:]]*$/ { found = 1 }
        { print }
        END { if (!found) print "sourcedir /etc/chrony/sources.d" }
    ' "$KVMK8S_ROOT$conf" >"$KVMK8S_TMP/chrony.conf"
    write_if_changed "$conf" "$mode" "$owner" <"$KVMK8S_TMP/chrony.conf"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: $conf uses only the site's NTP servers (default pools commented out)"
    else
        log "ok: $conf already uses only the site's NTP servers"
    fi
}

chrony_apply() {
    require_live
    enable_service chrony
    if is_pending restart-chrony || ! systemctl is-active --quiet chrony; then
        run_logged chrony systemctl restart chrony || die "restarting chrony failed"
        clear_pending restart-chrony
        clear_pending reload-chrony-sources
        log "changed: restarted chrony"
    elif is_pending reload-chrony-sources; then
        run_logged chrony chronyc reload sources || die "chronyc reload sources failed"
        clear_pending reload-chrony-sources
        log "changed: chrony reloaded its sources"
    else
        log "ok: chrony already running with the site's NTP servers"
    fi
}

write_files() {
    write_file_records "${KVMK8S_FILES:-}"
}

update_ca() {
    require_live
    if [[ ! -f "$REGISTRY_CA" ]]; then
        log "ok: no registry CA given ($REGISTRY_CA absent); nothing to trust"
        return 0
    fi
    if is_pending update-ca-certificates || [[ ! -e /etc/ssl/certs/kvm-k8s-registry-ca.pem ]]; then
        if ! command -v update-ca-certificates >/dev/null 2>&1; then apt_install_missing ca-certificates; fi
        run_logged update-ca-certificates update-ca-certificates || die "update-ca-certificates failed"
        clear_pending update-ca-certificates
        log "changed: the system trusts the registry CA (update-ca-certificates)"
    else
        log "ok: the registry CA already trusted"
    fi
}

# The kvm-k8s block of /etc/hosts, from HOSTS_ENTRIES. cloud-init (manage_etc_hosts) rewrites
# /etc/hosts from its template at every boot, so the template gets the same block.
hosts_block() {
    local lines=() line fields=() name body="" n=0
    mapfile -t lines <<<"${HOSTS_ENTRIES:-}"
    for line in "${lines[@]}"; do
        n=$((n + 1))
        read -r -a fields <<<"$line"
        if [[ "${#fields[@]}" -eq 0 ]]; then continue; fi
        [[ "${#fields[@]}" -ge 2 && "${fields[0]}" =~ ^[0-9A-Fa-f:.]+$ && "${fields[0]}" =~ [.:] ]] ||
            die "HOSTS_ENTRIES line $n: expected 'ip name [name...]', got '$line'"
        for name in "${fields[@]:1}"; do
            [[ "$name" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || die "HOSTS_ENTRIES line $n: '$name' is not a host name"
        done
        body+="${body:+$'\n'}${fields[*]}"
    done
    set_managed_block /etc/hosts "$body"
    if [[ -e "$KVMK8S_ROOT/etc/cloud/templates/hosts.debian.tmpl" ]]; then
        set_managed_block /etc/cloud/templates/hosts.debian.tmpl "$body"
    fi
}

# The director's operations key in OPS_USER's authorized_keys: exactly one line, restricted to
# DIRECTOR_ADDRESS and without forwarding, between the "# BEGIN kvm-k8s-ops" and
# "# END kvm-k8s-ops" markers; replaced in place when the key or the address changes, every
# other line kept as it is. ~/.ssh 0700, authorized_keys 0600, both owned by the user.
ops_authorized_key() {
    local file
    if [[ -z "$OPS_PUBLIC_KEY" ]]; then
        log "ok: no OPS_PUBLIC_KEY given; no operations key to authorize"
        return 0
    fi
    user_ssh_dir "$OPS_USER"
    file="$SSH_HOME/.ssh/authorized_keys"
    write_marked_block "$file" \
        "from=\"$DIRECTOR_ADDRESS\",no-agent-forwarding,no-X11-forwarding,no-port-forwarding $OPS_PUBLIC_KEY" \
        "$OPS_BEGIN" "$OPS_END" 0600 "$SSH_OWNER"
    if [[ "$WROTE" -eq 1 ]]; then
        log "changed: $file authorizes the director's operations key (from $DIRECTOR_ADDRESS)"
    else
        log "ok: $file already authorizes the director's operations key (from $DIRECTOR_ADDRESS)"
    fi
}

install_containerd() {
    require_live
    apt_install_missing containerd
}

# /etc/containerd/config.toml as the program rendered it: what the site sets, containerd's
# defaults for the rest. The installed containerd loads it first: a file it rejected would
# stop the node's container runtime at the restart.
containerd_config() {
    local mode path b64
    command -v containerd >/dev/null 2>&1 || die "containerd is not installed"
    read -r mode path b64 <<<"$CONTAINERD_CONFIG_RECORD"
    base64 -d <<<"$b64" >"$KVMK8S_TMP/config.toml" 2>/dev/null || die "CONTAINERD_FILES: the content of $path is not valid base64"
    if ! containerd --config "$KVMK8S_TMP/config.toml" config dump >/dev/null 2>"$KVMK8S_TMP/containerd.err"; then
        die "containerd rejects the rendered $path, so it is left as it is: $(tail -n 1 "$KVMK8S_TMP/containerd.err")"
    fi
    put_file "$path" "$mode" <"$KVMK8S_TMP/config.toml"
}

# certs.d/<host>/hosts.toml as the program rendered them: the site registry's, and one per
# upstream pulled through it. A managed one (MANAGED_TOML_MARK first) of a registry no longer
# among them is removed; files without the mark are not this site's and stay.
containerd_hosts() {
    local dir name file first
    write_file_records "$CONTAINERD_HOSTS_RECORDS"
    for file in "$KVMK8S_ROOT$CERTS_D"/*/hosts.toml; do
        [[ -f "$file" ]] || continue
        dir="$(dirname -- "$file")"
        name="$(basename -- "$dir")"
        if [[ -n "${CONTAINERD_HOSTS_WANTED[$name]:-}" ]]; then continue; fi
        IFS= read -r first <"$file" || true
        if [[ "$first" == "$MANAGED_TOML_MARK"* ]]; then
            rm -f -- "$file"
            rmdir -- "$dir" 2>/dev/null || true
            log "changed: removed $CERTS_D/$name/hosts.toml ($name is no longer mirrored)"
        fi
    done
}

# containerd reads certs.d/*/hosts.toml at every pull; only config.toml needs a restart.
containerd_apply() {
    require_live
    enable_service containerd
    if is_pending restart-containerd || ! systemctl is-active --quiet containerd; then
        run_logged containerd systemctl restart containerd || die "restarting containerd failed (journalctl -u containerd)"
        clear_pending restart-containerd
        log "changed: restarted containerd"
    else
        log "ok: containerd already running with the current config"
    fi
}

kubernetes_repo() {
    check_kubernetes_version "$KUBERNETES_VERSION" "$KUBERNETES_APT_REPO"
    configure_kubernetes_repo "$KUBERNETES_APT_REPO"
    if [[ "$K8S_REPO_REACHABLE" -eq 0 ]]; then
        if [[ "${KVMK8S_ALLOW_OFFLINE:-}" == 1 ]]; then
            log "SKIPPED: Kubernetes apt repo $KUBERNETES_APT_REPO unreachable; repo not refreshed (KVMK8S_ALLOW_OFFLINE=1)"
        else
            die "Kubernetes apt repo $KUBERNETES_APT_REPO unreachable (set KVMK8S_ALLOW_OFFLINE=1 to skip the package steps)"
        fi
    fi
}

kubernetes_packages() {
    require_live
    local p v missing=() pinned=()
    for p in kubelet kubeadm kubectl; do
        v="$(pkg_version "$p")"
        if [[ -z "$v" ]]; then
            missing+=("$p")
            pinned+=("$p=${KUBERNETES_VERSION}-*")
        elif [[ "$v" != "${KUBERNETES_VERSION}-"* ]]; then
            log "ok: $p $v already installed (site wants $KUBERNETES_VERSION); left alone: the upgrade step owns version changes"
        fi
    done
    if [[ "${#missing[@]}" -eq 0 ]]; then
        log "ok: kubelet, kubeadm and kubectl already installed"
    elif [[ "$K8S_REPO_REACHABLE" -eq 0 ]]; then
        log "SKIPPED: ${missing[*]} not installed: the Kubernetes apt repo is unreachable (KVMK8S_ALLOW_OFFLINE=1)"
    else
        apt_update_once
        run_logged apt apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${pinned[@]}" ||
            die "installing ${missing[*]} $KUBERNETES_VERSION failed"
        log "changed: installed ${missing[*]} $KUBERNETES_VERSION"
    fi
    hold_packages kubelet kubeadm kubectl
}

kubelet_args() {
    put_file /etc/default/kubelet 0644 <<<"KUBELET_EXTRA_ARGS=\"${KUBELET_EXTRA_ARGS:-}\""
}

kubelet_apply() {
    require_live
    if [[ -z "$(pkg_version kubelet)" ]]; then
        log "SKIPPED: kubelet is not installed (Kubernetes apt repo unreachable); not enabled"
        return 0
    fi
    enable_service kubelet report
    if is_pending restart-kubelet; then
        if systemctl is-active --quiet kubelet; then
            run_logged kubelet systemctl restart kubelet || die "restarting kubelet failed (journalctl -u kubelet)"
            log "changed: restarted kubelet (KUBELET_EXTRA_ARGS changed)"
        else
            log "ok: kubelet not running yet; it reads KUBELET_EXTRA_ARGS when it starts"
        fi
        clear_pending restart-kubelet
    fi
}

STEPS=(
    wait_for_cloud_init debian_sources install_prerequisites swap_fstab swap_off kernel_modules sysctl_settings
    install_chrony chrony_sources chrony_pools chrony_apply
    write_files update_ca hosts_block login_keys ops_authorized_key
    install_containerd containerd_config containerd_hosts containerd_apply
    kubernetes_repo kubernetes_packages kubelet_args kubelet_apply
)

if [[ -z "${KVMK8S_ONLY:-}" ]]; then
    log "prepare-node: $NODE_NAME (Kubernetes $KUBERNETES_VERSION)"
    if [[ "$(hostname -s)" != "$NODE_NAME" && "$(hostname -s)" != *"-$NODE_NAME" ]]; then
        warn "host name $(hostname -s) does not look like node $NODE_NAME"
    fi
fi
run_steps "${STEPS[@]}"
