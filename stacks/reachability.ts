/**
 * What the VMs must reach while they are prepared: package mirrors, the Kubernetes apt
 * repository, NTP, the Calico manifest and Helm (director), the registry images come from.
 * A name needs a DNS server; a host outside every site network needs a default route. A
 * site whose networks give neither would fail on the first `apt-get update`, after every VM
 * is built; refuse it here instead.
 */
import { cidrContains } from "./ipv4";
import type { ClusterInput, NetworkInput } from "./schema";
import type { ConfigIssue } from "./issues";

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The host of an http(s) URL, a host[:port], or undefined for a path. */
function hostOf(source: string): string | undefined {
    if (source.startsWith("/")) {
        return undefined;
    }
    const match = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/:?#\s]+)/i.exec(source);
    return match === null ? undefined : match[1].toLowerCase();
}

/** Every host VMs contact during preparation, with what for. */
export function fetchedHosts(cluster: ClusterInput): { host: string; what: string }[] {
    const sources: [string | undefined, string][] = [
        [cluster.debianMirror?.url ?? "http://deb.debian.org/debian", "Debian packages"],
        [cluster.debianMirror?.security ?? "http://security.debian.org/debian-security", "Debian security updates"],
        [cluster.aptRepository, "the Kubernetes packages"],
        [cluster.calico.operatorManifest, "the Calico manifest"],
        [cluster.helm.url, "Helm"],
        ...cluster.ntpServers.map((s): [string, string] => [s, "time"]),
        ...(cluster.registry.mirrorFrom !== undefined
            ? [[cluster.registry.mirrorFrom, "images"] as [string, string]]
            : cluster.airGapped
              ? []
              : ["registry.k8s.io", "docker.io", "quay.io", "ghcr.io"].map((r): [string, string] => [r, "images"])),
    ];
    return sources.flatMap(([source, what]) => {
        const host = source === undefined ? undefined : hostOf(source);
        return host === undefined ? [] : [{ host, what }];
    });
}

/** Refuse networks that give the VMs no DNS server or no default route when they need one. */
export function checkReachability(cluster: ClusterInput, networks: (NetworkInput & { index: number })[], nodeNetwork: string | undefined, domain: string | undefined): ConfigIssue[] {
    if (networks.length === 0) {
        return [];
    }
    const issues: ConfigIssue[] = [];
    const hosts = fetchedHosts(cluster);
    const at = networks.find((n) => n.name === nodeNetwork) ?? networks[0];
    const path = (field: string): string => `kvm-k8s:site.networks[${at.index}].${field}`;
    const list = (items: { host: string; what: string }[]): string => {
        const unique = [...new Map(items.map((i) => [i.host, i])).values()];
        return unique.slice(0, 4).map((i) => `${i.host} (${i.what})`).join(", ") + (unique.length > 4 ? ", ..." : "");
    };
    const names = hosts.filter((h) => !IPV4.test(h.host));
    if (names.length > 0 && networks.every((n) => n.dns.length === 0)) {
        issues.push({ path: path("dns"), message: `no network gives the VMs a DNS server, but they must resolve ${list(names)}; list the site's DNS server, e.g. dns: ['${at.gateway ?? "10.10.0.1"}'], or give those sources as addresses` });
    }
    const offNet = hosts.filter((h) => (IPV4.test(h.host) ? !networks.some((n) => cidrContains(n.cidr, h.host)) : domain === undefined || !(h.host === domain || h.host.endsWith(`.${domain}`))));
    if (offNet.length > 0 && networks.every((n) => n.gateway === undefined)) {
        issues.push({ path: path("gateway"), message: `missing on every network, but the VMs reach ${list(offNet)} only through a default route; set this network's router as gateway, or point those sources at hosts inside the site's networks` });
    }
    return issues;
}
