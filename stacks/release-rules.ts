/**
 * Rules of a site's releases (`site.apps.releases`, picked from catalogue.ts) that span
 * releases: dependencies must exist, be enabled and not form a cycle; Helm release names
 * must be unique in the site; no release in the cluster's own namespaces, one default
 * StorageClass, no externalIPs nothing announces. Also what the releases decide: the install
 * order, and whether nodes need the NFS client.
 */
import type { ConfigIssue } from "./issues";
import { AppsInput, ReleaseInput } from "./schema";

/** The Helm release name: fixed, from config, never generated. */
export const releaseNameOf = (key: string, release: Pick<ReleaseInput, "name">): string => release.name ?? key;

const path = (...parts: string[]): string => `kvm-k8s:site.apps.releases.${parts.join(".")}`;

/** Namespaces the cluster itself uses: kube-* (Kubernetes) and Calico's. */
const SYSTEM_NAMESPACE = /^(kube-.*|calico-.*|tigera-operator)$/;

/** Platform releases that each install the default StorageClass. */
const DEFAULT_STORAGE = ["local-path", "nfs-storage"];

export function checkApps(apps: AppsInput): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const enabled = Object.entries(apps.releases).filter(([, r]) => r.enabled);
    const known = Object.keys(apps.releases);
    for (const [key, release] of enabled) {
        release.dependsOn.forEach((dep, i) => {
            const at = `${path(key, "dependsOn")}[${i}]`;
            if (!Object.prototype.hasOwnProperty.call(apps.releases, dep)) {
                issues.push({ path: at, message: `'${dep}' is not a release of this site; use one of ${known.join(", ")}` });
            } else if (!apps.releases[dep].enabled) {
                issues.push({ path: at, message: `'${dep}' is disabled; enable it or drop this dependency` });
            } else if (dep === key) {
                issues.push({ path: at, message: "a release cannot depend on itself; remove this entry" });
            }
        });
    }
    for (const cycle of findCycles(apps)) {
        issues.push({
            path: path(cycle[0], "dependsOn"),
            message: `dependency cycle ${[...cycle, cycle[0]].join(" -> ")}; remove one of these dependencies`,
        });
    }
    // Unique across the site, not only per namespace: charts name cluster-scoped objects
    // (ClusterRoles, webhooks, IngressClasses) after the release.
    const seen = new Map<string, string>();
    for (const [key, release] of enabled) {
        const name = releaseNameOf(key, release);
        const first = seen.get(name);
        if (first !== undefined) {
            issues.push({ path: path(key, "name"), message: `release name '${name}' is also used by ${first}; give each release its own name` });
        }
        seen.set(name, path(key));
        if (SYSTEM_NAMESPACE.test(release.namespace) && release.namespace !== "kube-system") {
            issues.push({
                path: path(key, "namespace"),
                message: `'${release.namespace}' belongs to the cluster (Kubernetes or Calico); the program would own it and delete it with the release: use a namespace of its own`,
            });
        }
    }
    const storage = enabled.filter(([key]) => DEFAULT_STORAGE.includes(key)).map(([key]) => key);
    if (storage.length > 1) {
        issues.push({
            path: path(storage[1], "enabled"),
            message: `${storage.join(" and ")} would both install a default StorageClass; keep one (set enabled: false on the other)`,
        });
    }
    for (const [key, release] of enabled) {
        for (const at of externalIpPaths(release.values)) {
            issues.push({
                path: `${path(key, "values")}.${at}`,
                message:
                    "no node answers for a Service's externalIPs here: nothing announces them (no kube-vip services, no BGP), so traffic to them goes nowhere; remove them and expose the Service as type NodePort (reach it on any node's address), or put a load balancer in front",
            });
        }
    }
    return issues;
}

/**
 * Where `values` sets a non-empty `externalIPs` list (Helm charts pass it to a Service), as
 * dotted paths relative to the values, e.g. `service.externalIPs`.
 */
export function externalIpPaths(values: unknown, at = ""): string[] {
    if (Array.isArray(values)) {
        return values.flatMap((v, i) => externalIpPaths(v, `${at}[${i}]`));
    }
    if (typeof values !== "object" || values === null) {
        return [];
    }
    return Object.entries(values).flatMap(([key, value]) => {
        const here = at === "" ? key : `${at}.${key}`;
        if (key === "externalIPs" && Array.isArray(value) && value.length > 0) {
            return [here];
        }
        return externalIpPaths(value, here);
    });
}

/**
 * Charts whose volumes the kubelet mounts over NFS on the node itself, so every node needs the
 * NFS client (`mount.nfs`, Debian's nfs-common): the NFS subdir provisioner hands out `nfs`
 * PersistentVolumes and mounts the export into its own pod the same way. (csi-driver-nfs
 * is not listed: its node plugin mounts from inside its container.)
 */
const NFS_CLIENT_CHARTS = ["nfs-subdir-external-provisioner"];

/** The chart's name: `name` of a repository chart, the last path element of an OCI reference or archive. */
function chartName(release: ReleaseInput): string {
    const { chart } = release;
    if ("name" in chart) {
        return chart.name;
    }
    const last = ("oci" in chart ? chart.oci : chart.path).split("/").pop() ?? "";
    return last.replace(/-v?\d+\.\d+\.\d+.*\.tgz$/, "").replace(/\.tgz$/, "");
}

/**
 * An enabled release whose volumes are mounted over NFS by the nodes: the platform's
 * `nfs-storage`, or any release of a chart in NFS_CLIENT_CHARTS (whatever its key).
 */
export function needsNfsClient(apps: AppsInput): boolean {
    return Object.entries(apps.releases).some(([key, r]) => r.enabled && (key === "nfs-storage" || NFS_CLIENT_CHARTS.includes(chartName(r))));
}

/** Each cycle among enabled releases, once, starting at its smallest key. */
function findCycles(apps: AppsInput): string[][] {
    const deps = (key: string) => apps.releases[key].dependsOn.filter((d) => d !== key && apps.releases[d]?.enabled);
    const cycles = new Map<string, string[]>();
    const visit = (key: string, stack: string[]): void => {
        const at = stack.indexOf(key);
        if (at >= 0) {
            const cycle = stack.slice(at);
            const start = cycle.indexOf([...cycle].sort()[0]);
            const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
            cycles.set(canonical.join(">"), canonical);
            return;
        }
        for (const dep of deps(key)) {
            visit(dep, [...stack, key]);
        }
    };
    for (const [key, release] of Object.entries(apps.releases)) {
        if (release.enabled) {
            visit(key, []);
        }
    }
    return [...cycles.values()];
}

/** Enabled releases in install order: every release after what it depends on; ties by key. */
export function installOrder(apps: AppsInput): string[] {
    const pending = Object.keys(apps.releases)
        .filter((k) => apps.releases[k].enabled)
        .sort();
    const done: string[] = [];
    while (pending.length > 0) {
        const next = pending.find((k) => apps.releases[k].dependsOn.every((d) => done.includes(d)));
        if (next === undefined) {
            throw new Error("installOrder called on a catalogue with a cycle (validation reports it)");
        }
        done.push(next);
        pending.splice(pending.indexOf(next), 1);
    }
    return done;
}
