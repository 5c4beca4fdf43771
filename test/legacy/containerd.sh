#!/usr/bin/env bash
# legacy/containerd.sh: how prepare-node.sh rendered containerd's files before they moved to
# components/nodes/containerd.ts (issue 13), kept so tests can compare the two: the awk patch
# of `containerd config default` (containerd_config) and the printf'd hosts.toml files
# (registry_host_table, mirror_hosts_toml, registry_hosts_toml), their bodies as they were in
# prepare-node.sh. Never run by the program. Sourced, with the inputs the script computed:
#   REGISTRY           host:port of the site registry (e.g. registry.site1.example:5000)
#   REGISTRY_CA        its CA on the node (e.g. /usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt)
#   PULL_AUTH          base64 of "user:password", empty for anonymous pulls
#   MANAGED_TOML_MARK  "# Managed by kvm-k8s prepare-node.sh"
#   SANDBOX_IMAGE      the pause image, empty for containerd's default
# legacy_config_toml: `containerd config default` on stdin, the old config.toml on stdout.
# legacy_registry_hosts_toml, legacy_mirror_hosts_toml UPSTREAM: the old hosts.toml on stdout.

legacy_config_toml() {
    KVMK8S_SANDBOX="${SANDBOX_IMAGE:-}" awk '
        BEGIN { sandbox = ENVIRON["KVMK8S_SANDBOX"] }
        /^[[:space:]]*\[/ { section = $0; gsub(/^[[:space:]]+|[[:space:]]+$/, "", section) }
        section == "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]" && /^[[:space:]]*SystemdCgroup[[:space:]]*=/ {
            sub(/=.*/, "= true"); cgroup++
        }
        section == "[plugins.\"io.containerd.grpc.v1.cri\".registry]" && /^[[:space:]]*config_path[[:space:]]*=/ {
            sub(/=.*/, "= \"/etc/containerd/certs.d\""); certs++
        }
        sandbox != "" && section == "[plugins.\"io.containerd.grpc.v1.cri\"]" && /^[[:space:]]*sandbox_image[[:space:]]*=/ {
            sub(/=.*/, "= \"" sandbox "\""); pause++
        }
        { print }
        END { if (cgroup != 1 || certs != 1 || (sandbox != "" && pause != 1)) exit 3 }
    '
}

registry_host_table() {
    printf '%s\n' \
        "[host.\"https://$REGISTRY\"]" \
        '  capabilities = ["pull", "resolve"]' \
        "  ca = \"$REGISTRY_CA\""
    if [[ -n "$PULL_AUTH" ]]; then
        printf '%s\n' "" "[host.\"https://$REGISTRY\".header]" "  Authorization = \"Basic $PULL_AUTH\""
    fi
}

legacy_mirror_hosts_toml() {
    local upstream="$1" server="https://$1"
    if [[ "$upstream" == docker.io ]]; then server="https://registry-1.docker.io"; fi
    printf '%s\n' \
        "$MANAGED_TOML_MARK: pull $upstream images through the site registry." \
        "server = \"$server\"" \
        ""
    registry_host_table
}

legacy_registry_hosts_toml() {
    printf '%s\n' \
        "$MANAGED_TOML_MARK: trust the site registry's CA." \
        "server = \"https://$REGISTRY\"" \
        ""
    registry_host_table
}
