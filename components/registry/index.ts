/**
 * The site registry on the director (Debian's docker-registry): where its files live, its
 * configuration, and which upstream registries nodes pull through it. The director serves
 * it, nodes trust and mirror it, charts' images are rewritten to it: each imports it here.
 */
import * as YAML from "yaml";
import { ClusterConfig } from "../../stacks";

export const REGISTRY_DIR = "/etc/docker/registry";
/** Where the director and every node keep the registry's CA (update-ca-certificates reads it). */
export const REGISTRY_CA_PATH = "/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt";

/** Upstream registries nodes pull through the director on air-gapped sites. */
export const MIRRORED_REGISTRIES = ["docker.io", "registry.k8s.io", "quay.io", "ghcr.io"];

export function registryConfig(cluster: ClusterConfig): string {
    return YAML.stringify(
        {
            version: 0.1,
            log: { fields: { service: "registry" } },
            storage: { filesystem: { rootdirectory: "/var/lib/docker-registry" }, delete: { enabled: false } },
            http: {
                addr: `:${cluster.registry.port}`,
                tls: { certificate: `${REGISTRY_DIR}/tls.crt`, key: `${REGISTRY_DIR}/tls.key` },
                headers: { "X-Content-Type-Options": ["nosniff"] },
            },
            auth: { htpasswd: { realm: "kvm-k8s", path: `${REGISTRY_DIR}/htpasswd` } },
        },
        { lineWidth: 0 },
    );
}
