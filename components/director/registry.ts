/** Configuration of the site registry on the director (Debian's docker-registry). */
import * as YAML from "yaml";
import { ClusterConfig } from "../../stacks";

export const REGISTRY_DIR = "/etc/docker/registry";
export const REGISTRY_CA_PATH = "/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt";

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
