/**
 * What an air-gapped site may fetch from: only hosts of the site itself. A host counts as the
 * site's when it is an IPv4 address inside one of the site's networks, the site's domain or a
 * name under it (e.g. `mirror.<domain>`, `registry.<domain>`), or the `{registry}` placeholder
 * (the director registry). Everything else, deb.debian.org, pkgs.k8s.io, get.helm.sh, GitHub
 * and public chart repositories included, is the internet.
 */
import { cidrContains } from "./ipv4";
import { kubeadmAddonVersions, knownKubeadmVersions } from "./kubeadm-images";
import { AppsInput, ClusterInput } from "./schema";
import type { ConfigIssue } from "./issues";

/** Stands for `registry.<domain>:<port>` in chart references (`oci://{registry}/charts/<name>`). */
export const REGISTRY_PLACEHOLDER = "{registry}";

export interface SiteScope {
    domain: string;
    cidrs: string[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The host of an http(s) or oci URL, or undefined for anything else (a path). */
function hostOf(url: string): string | undefined {
    const match = /^(?:https?|oci):\/\/(\[[^\]]*\]|[^/:?#]+)/i.exec(url);
    return match === null ? undefined : match[1].toLowerCase();
}

/** True when `url` is a path (nothing fetched) or points at a host of the site. */
export function onSite(url: string, scope: SiteScope): boolean {
    const host = hostOf(url);
    if (host === undefined) {
        return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);
    }
    if (host === REGISTRY_PLACEHOLDER) {
        return true;
    }
    if (IPV4.test(host)) {
        return scope.cidrs.some((cidr) => cidrContains(cidr, host));
    }
    const domain = scope.domain.toLowerCase();
    return host === domain || host.endsWith(`.${domain}`);
}

const site = (...parts: string[]): string => `kvm-k8s:site.${parts.join(".")}`;

function describeScope(scope: SiteScope): string {
    return `an address in ${scope.cidrs.join(", ") || "a site network"} or a name under ${scope.domain}`;
}

/**
 * Every source an air-gapped site would fetch from the internet, and a Kubernetes version whose
 * kubeadm images are not known (so the director could not mirror them).
 */
export function checkAirGapped(cluster: ClusterInput, apps: AppsInput | undefined, scope: SiteScope): ConfigIssue[] {
    if (!cluster.airGapped) {
        return [];
    }
    const issues: ConfigIssue[] = [];
    const where = describeScope(scope);
    const offSite = (path: string, url: string, what: string, fix: string): void => {
        if (!onSite(url, scope)) {
            issues.push({ path, message: `${url} is off the site and cluster.airGapped is true: ${what} would need the internet; ${fix} (a host of the site is ${where})` });
        }
    };
    if (kubeadmAddonVersions(cluster.kubernetesVersion) === undefined) {
        issues.push({
            path: site("cluster", "kubernetesVersion"),
            message: `the images kubeadm ${cluster.kubernetesVersion} pulls are not in stacks/kubeadm-images.ts, so an air-gapped site cannot mirror them; use a listed version (${knownKubeadmVersions()}) or add its CoreDNS, etcd and pause versions there from kubeadm's constants.go`,
        });
    }
    if (cluster.debianMirror === undefined) {
        issues.push({
            path: site("cluster", "debianMirror"),
            message: "missing and cluster.airGapped is true: VMs would install Debian packages from deb.debian.org; set {url, security} to the site's Debian mirror, e.g. {url: 'http://10.10.0.1/debian', security: 'http://10.10.0.1/debian-security'}",
        });
    } else {
        offSite(site("cluster", "debianMirror", "url"), cluster.debianMirror.url, "Debian packages", "point it at the site's Debian mirror");
        if (cluster.debianMirror.security === undefined) {
            issues.push({ path: site("cluster", "debianMirror", "security"), message: "missing and cluster.airGapped is true: VMs would get security updates from security.debian.org; set the site's mirror of it, e.g. 'http://10.10.0.1/debian-security'" });
        } else {
            offSite(site("cluster", "debianMirror", "security"), cluster.debianMirror.security, "Debian security updates", "point it at the site's mirror of security.debian.org");
        }
    }
    if (cluster.registry.mirrorFrom === undefined) {
        issues.push({
            path: site("cluster", "registry", "mirrorFrom"),
            message: "missing and cluster.airGapped is true: the director would copy kubeadm's and registry.mirrorImages' images from docker.io, registry.k8s.io, quay.io and ghcr.io; set a registry of the site that holds them, e.g. '10.10.0.1:5000'",
        });
    } else {
        offSite(site("cluster", "registry", "mirrorFrom"), `https://${cluster.registry.mirrorFrom}`, "the images the director mirrors", "use a registry of the site");
    }
    offSite(site("cluster", "aptRepository"), cluster.aptRepository, "kubelet, kubeadm and kubectl", "mirror pkgs.k8s.io on the site and point this at it (keep '{minor}' in it)");
    offSite(site("cluster", "calico", "operatorManifest"), cluster.calico.operatorManifest, "the Calico operator manifest", "serve tigera-operator.yaml from a site host, or stage it on the director and give its absolute path");
    offSite(site("cluster", "helm", "url"), cluster.helm.url, "the Helm binary", "serve the Helm tarball from a site host, or stage it on the director and give its absolute path");
    for (const [key, release] of Object.entries(apps?.releases ?? {})) {
        if (!release.enabled) {
            continue;
        }
        const { chart } = release;
        const path = site("apps", "releases", key, "chart");
        if ("repo" in chart) {
            offSite(`${path}.repo`, chart.repo, `the chart '${chart.name}'`, `push it to the director registry and use chart: {oci: 'oci://${REGISTRY_PLACEHOLDER}/charts/${chart.name}'}, or a local archive chart: {path}`);
        } else if ("oci" in chart) {
            const name = chart.oci.split("/").pop() ?? "chart";
            offSite(`${path}.oci`, chart.oci, `the chart '${name}'`, `push it to the director registry and use 'oci://${REGISTRY_PLACEHOLDER}/charts/${name}', or a local archive chart: {path}`);
        }
    }
    return issues;
}
