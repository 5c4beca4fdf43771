/**
 * The release catalogue: the platform releases the program knows by name, each with its chart
 * (repository or OCI reference, pinned version), namespace and values, and whether it is on
 * by default; and the same releases taken from the director registry for air-gapped sites.
 * The profiles (profiles.ts) pick from it; the rules that span releases are release-rules.ts.
 */
import { REGISTRY_PLACEHOLDER } from "./airgap";
import { ReleaseInput } from "./schema";

export const release = (r: Omit<ReleaseInput, "enabled" | "dependsOn" | "timeoutSeconds" | "wait"> & Partial<ReleaseInput>): ReleaseInput => ({
    enabled: true,
    dependsOn: [],
    timeoutSeconds: 600,
    wait: true,
    ...r,
});

/**
 * The platform releases the program knows by name, pinned. A site turns one on or off
 * (`enabled`) and overrides values; the profiles below pick the set per stack. The Kubernetes
 * minors each pin supports are in stacks/versions.ts (CHART_SUPPORT); validation refuses an
 * enabled release on a minor outside them.
 */
export const platformReleases = {
    "metrics-server": release({
        chart: { repo: "https://kubernetes-sigs.github.io/metrics-server/", name: "metrics-server" },
        version: "3.14.0",
        namespace: "kube-system",
        // no --kubelet-insecure-tls: kubelets serve certificates the cluster CA signed
        // (serverTLSBootstrap; the readiness gate approves each node's, names checked)
        values: {},
    }),
    "ingress-nginx": release({
        chart: { repo: "https://kubernetes.github.io/ingress-nginx", name: "ingress-nginx" },
        // retired upstream (2026-03): the final release supports Kubernetes up to 1.35 only, so it
        // is off by default; a site on 1.35 may still enable it
        version: "4.15.1",
        namespace: "ingress-nginx",
        enabled: false,
        // no cloud load balancer and nothing announcing externalIPs here: NodePorts
        values: { controller: { service: { type: "NodePort" } } },
    }),
    "cert-manager": release({
        chart: { repo: "https://charts.jetstack.io", name: "cert-manager" },
        version: "v1.21.2",
        namespace: "cert-manager",
        values: { crds: { enabled: true } },
    }),
    "local-path": release({
        chart: { repo: "https://charts.containeroo.ch", name: "local-path-provisioner" },
        version: "0.0.32",
        namespace: "local-path-storage",
        values: { storageClass: { defaultClass: true } },
    }),
    "nfs-storage": release({
        chart: { repo: "https://kubernetes-sigs.github.io/nfs-subdir-external-provisioner/", name: "nfs-subdir-external-provisioner" },
        version: "4.0.18",
        namespace: "nfs-storage",
        values: { nfs: { server: "10.30.0.2", path: "/export/kubernetes" }, storageClass: { defaultClass: true, name: "nfs" } },
    }),
    consul: release({
        chart: { repo: "https://helm.releases.hashicorp.com", name: "consul" },
        // consul-k8s 1.9 is documented for Kubernetes 1.30 to 1.34 only: off until HashiCorp
        // lists a maintained minor; enabling it on 1.35+ is refused by validation
        version: "1.9.3",
        namespace: "consul",
        enabled: false,
        // catalog sync both ways: services on VMs and in Kubernetes find each other
        values: {
            global: { name: "consul", datacenter: "dc1" },
            server: { replicas: 3 },
            syncCatalog: { enabled: true, toConsul: true, toK8S: true, default: true },
            connectInject: { enabled: false },
        },
        timeoutSeconds: 900,
    }),
};

/**
 * The same releases with their charts taken from the director registry
 * (`oci://registry.<domain>:<port>/charts/<chart name>`), for air-gapped sites.
 */
export function fromSiteRegistry(releases: Record<string, ReleaseInput>): Record<string, ReleaseInput> {
    return Object.fromEntries(
        Object.entries(releases).map(([key, r]) => [key, "name" in r.chart ? { ...r, chart: { oci: `oci://${REGISTRY_PLACEHOLDER}/charts/${r.chart.name}` } } : r]),
    );
}
