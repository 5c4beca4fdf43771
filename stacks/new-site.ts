/**
 * A new site must be its own world. The prod profile is the reference site, complete down
 * to its hypervisors and addresses, so a stack file that only renames it would deploy a
 * second copy of the reference site: onto the same hosts, with the same VIP and NFS server.
 * These rules make a prod-profile stack state what only it can know, and keep every address
 * it inherits inside its own networks.
 */
import { cidrContains } from "./ipv4";
import type { AppsInput } from "./schema";
import type { ConfigIssue } from "./issues";

const sitePath = (path: readonly (string | number)[]): string =>
    `kvm-k8s:site${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;

function valueAt(value: unknown, path: readonly string[]): unknown {
    let current = value;
    for (const part of path) {
        if (typeof current !== "object" || current === null || Array.isArray(current) || !Object.prototype.hasOwnProperty.call(current, part)) {
            return undefined;
        }
        current = (current as Record<string, unknown>)[part];
    }
    return current;
}

/** A short, readable form of the profile's value, so the message shows what would be inherited. */
function summary(value: unknown): string {
    if (Array.isArray(value)) {
        const names = value.map((v) => (typeof v === "object" && v !== null && "name" in v ? String((v as { name: unknown }).name) : JSON.stringify(v)));
        return names.length > 4 ? `${names.slice(0, 3).join(", ")}, ... (${names.length})` : names.join(", ");
    }
    if (typeof value === "object" && value !== null) {
        return "name" in value ? String((value as { name: unknown }).name) : JSON.stringify(value);
    }
    return JSON.stringify(value);
}

/** What a prod-profile stack must set itself: everything that says where the site is. */
export const MUST_STATE: { path: string[]; what: string }[] = [
    { path: ["name"], what: "the site's name (it prefixes every VM and volume)" },
    { path: ["domain"], what: "the site's DNS domain" },
    { path: ["hypervisors"], what: "the site's own libvirt hosts" },
    { path: ["networks"], what: "the site's own bridges and ranges" },
    { path: ["director"], what: "the director's hypervisor and addresses" },
    { path: ["masters"], what: "the masters' hypervisors and addresses" },
    { path: ["workers"], what: "the workers' hypervisors and addresses (or [] for none)" },
    { path: ["cluster", "endpoint", "vip"], what: "the API server's virtual IP" },
];

/** Releases whose values name the NFS server of the site (server and export path). */
const NFS_SERVER = ["values", "nfs", "server"];

/**
 * Refuse a prod-profile stack that inherits the reference site's location. `overrides` is
 * the stack's own `kvm-k8s:site`, `profileSite` the profile's, `apps` the merged catalogue.
 */
export function checkStatedByStack(overrides: unknown, profileSite: unknown, apps: AppsInput | undefined): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const because = "a new prod site must state it, or it would be a second copy of the reference site; see the README's new-site checklist";
    for (const { path, what } of MUST_STATE) {
        if (valueAt(overrides, path) === undefined) {
            issues.push({ path: sitePath(path), message: `not set by this stack, so it would be the prod profile's (${summary(valueAt(profileSite, path))}): ${because}. Set ${what}` });
        }
    }
    for (const [key, release] of Object.entries(apps?.releases ?? {})) {
        const inherited = valueAt(profileSite, ["apps", "releases", key, ...NFS_SERVER]);
        if (release.enabled && inherited !== undefined && valueAt(overrides, ["apps", "releases", key, ...NFS_SERVER]) === undefined) {
            issues.push({
                path: sitePath(["apps", "releases", key, ...NFS_SERVER]),
                message: `not set by this stack, so it would be the reference site's NFS server (${String(inherited)}): ${because}. Set this site's NFS server (and nfs.path), or turn the release off with enabled: false`,
            });
        }
    }
    return issues;
}

export interface OwnWorldScope {
    domain: string | undefined;
    cidrs: string[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** True for a name under the site's domain or an address inside one of its networks. */
function ownHost(host: string, scope: OwnWorldScope): boolean {
    if (IPV4.test(host)) {
        return scope.cidrs.some((cidr) => cidrContains(cidr, host));
    }
    return scope.domain !== undefined && (host === scope.domain || host.endsWith(`.${scope.domain}`));
}

/**
 * In a prod-profile site every server the nodes depend on is the site's own: NTP servers and
 * NFS servers given as addresses must lie inside its networks (names under its domain count).
 * Addresses of VMs and the VIP are checked against their networks in validate.ts.
 */
export function checkOwnWorld(ntpServers: string[] | undefined, apps: AppsInput | undefined, scope: OwnWorldScope): ConfigIssue[] {
    if (scope.cidrs.length === 0) {
        return [];
    }
    const issues: ConfigIssue[] = [];
    const where = `an address in ${scope.cidrs.join(", ")}${scope.domain !== undefined ? ` or a name under ${scope.domain}` : ""}`;
    (ntpServers ?? []).forEach((server, i) => {
        if (IPV4.test(server) && !ownHost(server, scope)) {
            issues.push({ path: sitePath(["cluster", "ntpServers", i]), message: `${server} is outside this site's networks, so no node may reach it (the reference site's?); use this site's time source: ${where}` });
        }
    });
    for (const [key, release] of Object.entries(apps?.releases ?? {})) {
        const server = valueAt(release, NFS_SERVER);
        if (release.enabled && typeof server === "string" && IPV4.test(server) && !ownHost(server, scope)) {
            issues.push({ path: sitePath(["apps", "releases", key, ...NFS_SERVER]), message: `${server} is outside this site's networks (the reference site's NFS server?); use this site's: ${where}` });
        }
    }
    return issues;
}

/**
 * Masters keep kubeadm's control-plane taint (the program never lifts it), so a site
 * without workers has nowhere to run its releases.
 */
export function checkSomewhereForApps(workers: unknown, apps: AppsInput | undefined): ConfigIssue[] {
    const enabled = Object.entries(apps?.releases ?? {}).filter(([, r]) => r.enabled).map(([k]) => k);
    if (!Array.isArray(workers) || workers.length > 0 || enabled.length === 0) {
        return [];
    }
    return [
        {
            path: sitePath(["workers"]),
            message: `none given, but masters keep kubeadm's control-plane taint, so the enabled releases (${enabled.join(", ")}) would never be scheduled; list at least one worker, or turn the releases off with enabled: false`,
        },
    ];
}
