/**
 * Checks a stack's configuration and reports everything wrong with it at once. Pure: no
 * Pulumi engine, so every rule is unit-tested directly. A site that passes is turned into a
 * `SiteConfig` by resolve.ts.
 *
 * Every problem names its config path (as `pulumi config set --path` spells it) and the fix.
 * Cross-field rules run on every section that parsed, so one typo does not hide the rest.
 */
import { z } from "zod";
import { CONFIG_NAMESPACE, ConfigIssue, configPath, dedupe, describe, PathPart, sitePath } from "./issues";
import { defaultImage, hypervisorSchema, networkSchema, nodeSchema, NodeInput, profileNames, ProfileName, siteSchema, SiteInput } from "./schema";
import { zodIssues } from "./schema-issues";
import { Profile, profiles } from "./profiles";
import { overlay } from "./overlay";
import { has, isPlainObject } from "./objects";
import { Role } from "./types";
import { cidrContains, cidrsOverlap, hasHostBits, intToIp, isReservedInCidr, parseCidr } from "./ipv4";
import { macNode, nicKey, siteMacs } from "./mac";
import { checkApps } from "./release-rules";
import { checkAirGapped } from "./airgap";
import { checkVersionSupport } from "./compat";
import { checkOwnWorld, checkSomewhereForApps, checkStatedByStack } from "./new-site";
import { checkReachability } from "./reachability";
import { checkReservations } from "./kubelet";
import { privateKeyPublicHalf, parsePublicKey, publicKeyId } from "./sshkeys";
import { closest } from "./suggest";

/** What the stack's Pulumi config holds, read by load.ts (or written by a test). */
export interface StackConfigInput {
    /** `kvm-k8s:profile` */
    profile: unknown;
    /** `kvm-k8s:site`, overlaid on the profile's site. */
    site: unknown;
    /**
     * `kvm-k8s:sshPrivateKey` and whether the stack stores it as a secret. `encrypted`: the
     * offline plan, which never decrypts, knows only that a `secure:` value is there.
     */
    sshPrivateKey: { value: string | undefined; secret: boolean; encrypted?: boolean };
    /** Every `kvm-k8s:*` key the stack sets (unknown ones are refused); unset: not known. */
    keys?: string[];
    /**
     * Paths inside `kvm-k8s:site` that the stack set as secrets (`pulumi config set --secret
     * --path`); just `kvm-k8s:site` when only that much is known (the CLI marks the whole key).
     */
    secretSitePaths?: string[];
}

export type ValidateResult = { ok: true; profile: ProfileName; site: SiteInput } | { ok: false; issues: ConfigIssue[] };

/**
 * Check a stack's configuration: its profile, its site overlaid on the profile's, and its
 * keys. Returns every problem found, or the site parsed; never throws on bad input.
 */
export function validateSite(input: StackConfigInput): ValidateResult {
    const chosen = chooseProfile(input.profile);
    if (!chosen.ok) {
        // Without a profile the defaults are unknown, so nothing else can be judged yet.
        return { ok: false, issues: [chosen.issue] };
    }
    const { name: profileName, profile } = chosen;
    const issues: ConfigIssue[] = [];
    const merged = overlaySite(profile, input.site, issues);

    checkStackKeys(input.keys, issues);
    checkSiteSecrets(input.secretSitePaths, issues);
    const parsed = siteSchema.safeParse(merged);
    if (!parsed.success) {
        issues.push(...zodIssues(parsed.error, merged, []));
    }
    const parts = soundParts(merged);
    checkNetworks(parts, issues);
    checkMasters(merged, profileName, profile, parts, issues);
    checkSizes(profileName, profile, parts, issues);
    checkNodes(parts.site.name, parts, issues);
    checkCluster(parts, issues);
    if (parts.site.apps !== undefined) {
        issues.push(...checkApps(parts.site.apps));
    }
    checkAirGap(parts, issues);
    if (profileName === "prod") {
        checkNewSite(input.site, profile, parts, issues);
    }
    issues.push(...checkSomewhereForApps(merged.workers, parts.site.apps));
    checkNetworksReach(parts, issues);
    checkReservationsFit(parts, issues);
    checkPrivateKey(input.sshPrivateKey, parts.site.access?.publicKey, issues);

    if (issues.length > 0 || !parsed.success) {
        return { ok: false, issues: dedupe(issues) };
    }
    return { ok: true, profile: profileName, site: parsed.data };
}

/** The profile the stack names. No silent default: a prod site file that lost this line must not deploy dev. */
function chooseProfile(name: unknown): { ok: true; name: ProfileName; profile: Profile } | { ok: false; issue: ConfigIssue } {
    if (typeof name === "string" && (profileNames as readonly string[]).includes(name)) {
        return { ok: true, name: name as ProfileName, profile: profiles[name as ProfileName] };
    }
    const what = name === undefined || name === null ? "missing" : `${typeof name === "string" ? `'${name}'` : describe(name)} is not a profile`;
    return { ok: false, issue: { path: configPath("profile"), message: `${what}; set one of ${profileNames.join(", ")}` } };
}

/** The stack's site overlaid on its profile's; a site that is not an object overrides nothing. */
function overlaySite(profile: Profile, site: unknown, issues: ConfigIssue[]): Record<string, unknown> {
    if (site !== undefined && !isPlainObject(site)) {
        issues.push({ path: configPath("site"), message: `expected an object of overrides, got ${describe(site)}` });
    }
    return overlay(profile.site, isPlainObject(site) ? site : undefined) as Record<string, unknown>;
}

/** Refuse `kvm-k8s:*` keys the program does not read, with the one probably meant. */
function checkStackKeys(keys: string[] | undefined, issues: ConfigIssue[]): void {
    const known = ["profile", "site", "sshPrivateKey"];
    const siteKeys = Object.keys(siteSchema.shape);
    for (const full of keys ?? []) {
        const key = full.slice(CONFIG_NAMESPACE.length + 1);
        if (known.includes(key)) {
            continue;
        }
        const guess = closest(key, known);
        const siteKey = closest(key, siteKeys);
        const hint =
            guess !== undefined
                ? `did you mean ${configPath(guess)}?`
                : siteKey !== undefined
                  ? `did you mean ${sitePath(siteKey)}? Site settings go inside kvm-k8s:site (\`pulumi config set --path site.${siteKey} ...\`)`
                  : `this program reads only ${known.map((k) => configPath(k)).join(", ")}`;
        issues.push({ path: full, message: `unknown key, which the program would ignore; ${hint}. Remove it with \`pulumi config rm ${full}\`` });
    }
}

/** Site values are plain config (they reach Helm values, cloud-init and the plan in plain text). */
function checkSiteSecrets(paths: string[] | undefined, issues: ConfigIssue[]): void {
    for (const path of paths ?? []) {
        issues.push({
            path,
            message:
                "holds a secret (`pulumi config set --secret --path`), but kvm-k8s:site is plain configuration: everything in it reaches Helm values, cloud-init and the plan as plain text. " +
                "Remove it (`pulumi config rm --path " + path.replace(/^kvm-k8s:/, "") + "`); put the secret in a Kubernetes Secret made outside this program and point the chart at it (most charts take an existingSecret value)",
        });
    }
}

/** The sections of the site that are individually sound, for cross-field checks. */
interface SoundParts {
    site: Partial<Omit<SiteInput, "masters" | "workers" | "hypervisors" | "networks" | "director">>;
    /** Names as written, even of entries that failed to parse, so one bad entry does not
     * turn every reference to it into a second, misleading error. */
    hypervisorNames: Set<string>;
    networkNames: Set<string>;
    hypervisors: { name: string; uri: string; index: number }[];
    networks: (z.infer<typeof networkSchema> & { index: number })[];
    nodes: { role: Role; path: PathPart[]; node: NodeInput }[];
}

function soundParts(merged: Record<string, unknown>): SoundParts {
    const rawNames = (key: string): Set<string> =>
        new Set(
            (Array.isArray(merged[key]) ? (merged[key] as unknown[]) : [])
                .map((item) => (isPlainObject(item) ? item.name : undefined))
                .filter((name): name is string => typeof name === "string"),
        );
    const parts: SoundParts = { site: {}, hypervisorNames: rawNames("hypervisors"), networkNames: rawNames("networks"), hypervisors: [], networks: [], nodes: [] };
    const listed = <T extends z.ZodType>(key: string, schema: T): { value: z.infer<T>; index: number }[] => {
        const list = merged[key];
        if (!Array.isArray(list)) {
            return [];
        }
        return list.flatMap((item, index) => {
            const parsed = schema.safeParse(item);
            return parsed.success ? [{ value: parsed.data as z.infer<T>, index }] : [];
        });
    };
    parts.hypervisors = listed("hypervisors", hypervisorSchema).map(({ value, index }) => ({ ...value, index }));
    parts.networks = listed("networks", networkSchema).map(({ value, index }) => ({ ...value, index }));
    // A node whose name is bad is still checked for everything else: the name is reported
    // on its own, and one fix should not reveal the next problem only on the next try.
    const lenientNode = nodeSchema.extend({ name: z.string() });
    const listedNodes = (key: string): { value: NodeInput; index: number }[] => listed(key, lenientNode);
    const director = lenientNode.safeParse(merged.director);
    if (director.success) {
        parts.nodes.push({ role: "director", path: ["director"], node: director.data });
    }
    for (const [key, role] of [["masters", "master"], ["workers", "worker"]] as const) {
        for (const { value, index } of listedNodes(key)) {
            parts.nodes.push({ role, path: [key, index], node: value });
        }
    }
    for (const key of ["name", "domain", "nodeNetwork", "storagePool", "images", "access", "sizes", "cluster", "apps"] as const) {
        const parsed = siteSchema.shape[key].safeParse(merged[key]);
        if (parsed.success) {
            Object.assign(parts.site, { [key]: parsed.data });
        }
    }
    return parts;
}

function duplicates<T>(items: T[], key: (item: T) => string): [T, T][] {
    const seen = new Map<string, T>();
    const pairs: [T, T][] = [];
    for (const item of items) {
        const k = key(item);
        const first = seen.get(k);
        if (first === undefined) {
            seen.set(k, item);
        } else {
            pairs.push([first, item]);
        }
    }
    return pairs;
}

function checkNetworks(parts: SoundParts, issues: ConfigIssue[]): void {
    for (const [, dup] of duplicates(parts.networks, (n) => n.name)) {
        issues.push({ path: sitePath("networks", dup.index, "name"), message: `'${dup.name}' is listed twice; give each network its own name` });
    }
    for (const net of parts.networks) {
        if (hasHostBits(net.cidr)) {
            const { network, prefix } = parseCidr(net.cidr);
            issues.push({ path: sitePath("networks", net.index, "cidr"), message: `'${net.cidr}' has host bits set; use '${intToIp(network)}/${prefix}'` });
        }
        if (net.gateway !== undefined && !cidrContains(net.cidr, net.gateway)) {
            issues.push({ path: sitePath("networks", net.index, "gateway"), message: `${net.gateway} is outside ${net.cidr}; use an address inside the network` });
        }
    }
    for (let i = 0; i < parts.networks.length; i++) {
        for (let j = i + 1; j < parts.networks.length; j++) {
            const [a, b] = [parts.networks[i], parts.networks[j]];
            if (cidrsOverlap(a.cidr, b.cidr)) {
                issues.push({ path: sitePath("networks", b.index, "cidr"), message: `${b.cidr} overlaps network '${a.name}' (${a.cidr}); give each network its own range` });
            }
        }
    }
    const withGateway = parts.networks.filter((n) => n.gateway !== undefined);
    for (const extra of withGateway.slice(1)) {
        issues.push({
            path: sitePath("networks", extra.index, "gateway"),
            message: `only one network may carry the default route and '${withGateway[0].name}' already does; remove this gateway`,
        });
    }
    const nodeNetwork = parts.site.nodeNetwork;
    if (nodeNetwork !== undefined && parts.networkNames.size > 0 && !parts.networkNames.has(nodeNetwork)) {
        issues.push({ path: sitePath("nodeNetwork"), message: `'${nodeNetwork}' is not a network of this site; use one of ${[...parts.networkNames].join(", ")}` });
    }
    const pool = parts.site.storagePool;
    if (pool?.create === true && pool.path === undefined) {
        issues.push({ path: sitePath("storagePool", "path"), message: "missing; a pool the program creates needs a directory, e.g. '/var/lib/libvirt/images/kvm-k8s'" });
    }
}

function checkMasters(merged: Record<string, unknown>, profileName: ProfileName, profile: Profile, parts: SoundParts, issues: ConfigIssue[]): void {
    if (Array.isArray(merged.masters)) {
        const count = merged.masters.length;
        const allowed = [1, 3, 5].filter((n) => n >= profile.rules.minMasters);
        const counts = allowed.join(", ");
        let problem: string | undefined;
        if (count === 0) {
            problem = `none given; list ${counts.replace(/, (\d)$/, " or $1")} masters`;
        } else if (count % 2 === 0) {
            problem = `${count} given; use an odd count (${counts}) for etcd quorum`;
        } else if (count > 5) {
            problem = `${count} given; use 3 or 5 (more members slow every etcd write without adding useful tolerance)`;
        } else if (count < profile.rules.minMasters) {
            problem = `${count} given; the ${profileName} profile needs at least ${profile.rules.minMasters} for a highly available control plane`;
        }
        if (problem !== undefined) {
            issues.push({ path: sitePath("masters"), message: problem });
        }
    }
    if (profile.rules.mastersOnDistinctHypervisors) {
        const masters = parts.nodes.filter((n) => n.role === "master");
        for (const [first, second] of duplicates(masters, (m) => m.node.hypervisor)) {
            issues.push({
                path: sitePath(...second.path, "hypervisor"),
                message: `'${second.node.hypervisor}' already runs ${first.node.name}; in the ${profileName} profile each master needs its own hypervisor so one host failure keeps etcd quorum`,
            });
        }
    }
}

function checkSizes(profileName: ProfileName, profile: Profile, parts: SoundParts, issues: ConfigIssue[]): void {
    const sizes = parts.site.sizes;
    const fields = ["vcpu", "memoryMiB", "diskGiB"] as const;
    const unit: Record<(typeof fields)[number], string> = { vcpu: "vCPU", memoryMiB: "MiB", diskGiB: "GiB" };
    for (const role of ["director", "master", "worker"] as const) {
        for (const field of fields) {
            const min = profile.rules.minimums[role][field];
            if (sizes !== undefined && sizes[role][field] < min) {
                issues.push({ path: sitePath("sizes", role, field), message: `${sizes[role][field]} is below the ${profileName} minimum for a ${role}; use at least ${min} ${unit[field]}` });
            }
        }
    }
    for (const { role, path, node } of parts.nodes) {
        for (const field of fields) {
            const value = node[field];
            const min = profile.rules.minimums[role][field];
            if (value !== undefined && value < min) {
                issues.push({ path: sitePath(...path, field), message: `${value} is below the ${profileName} minimum for a ${role}; use at least ${min} ${unit[field]}` });
            }
        }
    }
}

function checkNodes(siteName: string | undefined, parts: SoundParts, issues: ConfigIssue[]): void {
    for (const [first, dup] of duplicates(parts.nodes, (n) => n.node.name)) {
        issues.push({ path: sitePath(...dup.path, "name"), message: `'${dup.node.name}' is also the name of ${sitePath(...first.path)}; give each VM its own name` });
    }
    for (const [, dup] of duplicates(parts.hypervisors, (h) => h.name)) {
        issues.push({ path: sitePath("hypervisors", dup.index, "name"), message: `'${dup.name}' is listed twice; give each hypervisor its own name` });
    }
    for (const [first, dup] of duplicates(parts.hypervisors, (h) => h.uri)) {
        issues.push({ path: sitePath("hypervisors", dup.index, "uri"), message: `${dup.uri} is also the URI of '${first.name}'; each hypervisor is one libvirt host, list it once` });
    }
    const hypervisors = parts.hypervisorNames;
    const networks = new Map(parts.networks.map((n) => [n.name, n]));
    const images = parts.site.images;
    const nodeNetwork = parts.site.nodeNetwork;
    const addressOwners = new Map<string, string>();
    const macOwners = new Map<string, string>();
    const derived = siteName === undefined ? undefined : siteMacs(siteName, parts.nodes.map(({ node }) => macNode(node, [...parts.networkNames])));
    for (const { role, path, node } of parts.nodes) {
        if (hypervisors.size > 0 && !hypervisors.has(node.hypervisor)) {
            issues.push({ path: sitePath(...path, "hypervisor"), message: `'${node.hypervisor}' is not a hypervisor of this site; use one of ${[...hypervisors].join(", ")}` });
        }
        const image = node.image ?? defaultImage(role);
        if (images !== undefined && !has(images, image)) {
            issues.push({
                path: sitePath(...path, "image"),
                message: `'${image}' is not an image of this site; add it under ${sitePath("images")} or use one of ${Object.keys(images).join(", ") || "(none defined)"}`,
            });
        }
        if (nodeNetwork !== undefined && parts.networkNames.has(nodeNetwork) && !has(node.addresses, nodeNetwork)) {
            issues.push({ path: sitePath(...path, "addresses", nodeNetwork), message: `missing; every VM needs an address on the node network '${nodeNetwork}'` });
        }
        for (const [netName, address] of Object.entries(node.addresses)) {
            const addressPath = sitePath(...path, "addresses", netName);
            if (parts.networkNames.size > 0 && !parts.networkNames.has(netName)) {
                issues.push({ path: addressPath, message: `'${netName}' is not a network of this site; use one of ${[...parts.networkNames].join(", ")}` });
                continue;
            }
            const net = networks.get(netName);
            if (net === undefined) {
                continue; // its network entry is itself broken and reported
            }
            if (!cidrContains(net.cidr, address)) {
                issues.push({ path: addressPath, message: `${address} is outside network '${netName}' (${net.cidr}); use an address inside it` });
            } else if (isReservedInCidr(net.cidr, address)) {
                issues.push({ path: addressPath, message: `${address} is the network or broadcast address of ${net.cidr}; use a host address` });
            } else if (address === net.gateway) {
                issues.push({ path: addressPath, message: `${address} is the gateway of '${netName}'; use another address` });
            }
            const owner = addressOwners.get(address);
            if (owner !== undefined) {
                issues.push({ path: addressPath, message: `${address} is already used by ${owner}; give each VM its own address` });
            } else {
                addressOwners.set(address, addressPath);
            }
        }
        for (const netName of Object.keys(node.macs ?? {})) {
            if (!has(node.addresses, netName)) {
                issues.push({ path: sitePath(...path, "macs", netName), message: `this VM has no address on '${netName}', so no NIC there; remove the MAC or add an address` });
            }
        }
        for (const netName of Object.keys(node.addresses)) {
            const macPath = sitePath(...path, "macs", netName);
            const pinned = node.macs !== undefined && has(node.macs, netName) ? node.macs[netName] : undefined;
            const mac = pinned ?? derived?.get(nicKey(node.name, netName));
            if (mac === undefined) {
                continue;
            }
            const owner = macOwners.get(mac);
            if (owner !== undefined) {
                issues.push({ path: macPath, message: `MAC ${mac} is already used by ${owner}; set a different MAC here, or remove it to have one derived` });
            } else {
                macOwners.set(mac, macPath);
            }
        }
    }
}

function checkCluster(parts: SoundParts, issues: ConfigIssue[]): void {
    const cluster = parts.site.cluster;
    if (cluster === undefined) {
        return;
    }
    // the minor and every pin's published Kubernetes range (stacks/versions.ts)
    issues.push(...checkVersionSupport(cluster, parts.site.apps));
    const networks = new Map(parts.networks.map((n) => [n.name, n]));
    const masters = parts.nodes.filter((n) => n.role === "master");
    const { vip, network } = cluster.endpoint;
    if (vip === undefined) {
        if (network !== undefined) {
            issues.push({
                path: sitePath("cluster", "endpoint", "network"),
                message: `'${network}' is set but there is no vip, so nothing would be announced there and the endpoint is the first master's address; set cluster.endpoint.vip on that network, or remove network`,
            });
        }
        if (masters.length > 1) {
            issues.push({
                path: sitePath("cluster", "endpoint", "vip"),
                message: `missing; ${masters.length} masters need a virtual IP (held by kube-vip) as the control-plane endpoint, e.g. an unused address of the services network`,
            });
        }
    } else if (network === undefined) {
        issues.push({ path: sitePath("cluster", "endpoint", "network"), message: "missing; name the network the VIP lives on, e.g. 'services'" });
    } else if (!parts.networkNames.has(network)) {
        issues.push({ path: sitePath("cluster", "endpoint", "network"), message: `'${network}' is not a network of this site; use one of ${[...parts.networkNames].join(", ")}` });
    } else {
        const net = networks.get(network);
        if (net !== undefined && !cidrContains(net.cidr, vip)) {
            issues.push({ path: sitePath("cluster", "endpoint", "vip"), message: `${vip} is outside the ${network} network (${net.cidr}); pick an unused address inside it` });
        } else if (net !== undefined && (isReservedInCidr(net.cidr, vip) || vip === net.gateway)) {
            issues.push({ path: sitePath("cluster", "endpoint", "vip"), message: `${vip} is the network, broadcast or gateway address of ${net.cidr}; pick an unused host address` });
        }
        for (const { path, node } of parts.nodes) {
            for (const [netName, address] of Object.entries(node.addresses)) {
                if (address === vip) {
                    issues.push({ path: sitePath("cluster", "endpoint", "vip"), message: `${vip} is the address of ${sitePath(...path, "addresses", netName)}; the VIP must be unused` });
                }
            }
        }
        for (const { path, node } of masters) {
            if (!has(node.addresses, network)) {
                issues.push({ path: sitePath(...path, "addresses", network), message: `missing; kube-vip announces the VIP from every master's '${network}' interface` });
            }
        }
    }
    const ranges: [string, string][] = [
        ["podSubnet", cluster.podSubnet],
        ["serviceSubnet", cluster.serviceSubnet],
    ];
    for (const [key, cidr] of ranges) {
        if (hasHostBits(cidr)) {
            const { network: start, prefix } = parseCidr(cidr);
            issues.push({ path: sitePath("cluster", key), message: `'${cidr}' has host bits set; use '${intToIp(start)}/${prefix}'` });
        }
        for (const net of parts.networks) {
            if (cidrsOverlap(cidr, net.cidr)) {
                issues.push({ path: sitePath("cluster", key), message: `${cidr} overlaps network '${net.name}' (${net.cidr}); pick a range no site network uses` });
            }
        }
    }
    if (cidrsOverlap(cluster.podSubnet, cluster.serviceSubnet)) {
        issues.push({ path: sitePath("cluster", "serviceSubnet"), message: `${cluster.serviceSubnet} overlaps the pod subnet ${cluster.podSubnet}; give services their own range` });
    }
}

/** An air-gapped site fetches from its own hosts only (airgap.ts). */
function checkAirGap(parts: SoundParts, issues: ConfigIssue[]): void {
    if (parts.site.cluster !== undefined) {
        const scope = { domain: parts.site.domain ?? "", cidrs: parts.networks.map((n) => n.cidr) };
        issues.push(...checkAirGapped(parts.site.cluster, parts.site.apps, scope));
    }
}

/** A prod-profile stack is a site of its own, not a copy of the reference site (new-site.ts). */
function checkNewSite(stackSite: unknown, profile: Profile, parts: SoundParts, issues: ConfigIssue[]): void {
    issues.push(...checkStatedByStack(isPlainObject(stackSite) ? stackSite : {}, profile.site, parts.site.apps));
    issues.push(...checkOwnWorld(parts.site.cluster?.ntpServers, parts.site.apps, { domain: parts.site.domain, cidrs: parts.networks.map((n) => n.cidr) }));
}

/** The networks give the VMs DNS and a route to what they fetch (reachability.ts). */
function checkNetworksReach(parts: SoundParts, issues: ConfigIssue[]): void {
    if (parts.site.cluster !== undefined) {
        issues.push(...checkReachability(parts.site.cluster, parts.networks, parts.site.nodeNetwork, parts.site.domain));
    }
}

/** The kubelet's reservations leave each master and worker something to run (kubelet.ts). */
function checkReservationsFit(parts: SoundParts, issues: ConfigIssue[]): void {
    const { cluster, sizes } = parts.site;
    if (cluster === undefined || sizes === undefined) {
        return;
    }
    const nodes = parts.nodes
        .filter((n) => n.role !== "director")
        .map(({ role, path, node }) => ({ path: sitePath(...path), name: node.name, vcpu: node.vcpu ?? sizes[role].vcpu, memoryMiB: node.memoryMiB ?? sizes[role].memoryMiB, diskGiB: node.diskGiB ?? sizes[role].diskGiB }));
    issues.push(...checkReservations(cluster.kubelet, nodes));
}

function checkPrivateKey(key: StackConfigInput["sshPrivateKey"], publicKey: string | undefined, issues: ConfigIssue[]): void {
    const path = configPath("sshPrivateKey");
    const setIt = `pulumi config set --secret ${CONFIG_NAMESPACE}:sshPrivateKey < ~/.ssh/<key>`;
    if (key.value === undefined || key.value.trim() === "") {
        issues.push({ path, message: `missing; the program logs in to every VM with it. Set it with \`${setIt}\`` });
        return;
    }
    if (!key.secret) {
        issues.push({ path, message: `is stored in plain text in the stack file; remove it and set it again as a secret with \`${setIt}\`` });
    }
    if (key.encrypted === true) {
        return; // the plan does not decrypt: the rest is checked by `pulumi up` and preview
    }
    const half = privateKeyPublicHalf(key.value);
    if (!half.ok) {
        issues.push({ path, message: `${half.problem}; set it with \`${setIt}\`` });
        return;
    }
    if (half.encrypted) {
        issues.push({ path, message: `is protected by a passphrase, which the program has no way to give; store an unencrypted copy as the secret (\`cp <key> /tmp/k && ssh-keygen -p -N '' -f /tmp/k\`, then \`${setIt.replace("~/.ssh/<key>", "/tmp/k")}\` and remove /tmp/k)` });
        return;
    }
    const site = publicKey === undefined ? undefined : parsePublicKey(publicKey);
    if (site?.ok === true && publicKeyId(site.type, site.blob) !== half.publicKey) {
        issues.push({
            path,
            message: `is not the pair of ${sitePath("access", "publicKey")} (its public half is '${half.publicKey}'), so every VM would refuse the program's logins; set the matching .pub as site.access.publicKey, or set the private key of that public key`,
        });
    }
}
