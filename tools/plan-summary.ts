/**
 * What a reviewer needs to see change in a pull request, beside the rendered files: each
 * VM's size, placement, image and pool, each release's chart, version and source, and, given
 * a baseline (the last plan's out/<stack>/ or `pulumi stack output --json`), which nodes the
 * change would rebuild, add or remove.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { nodeFingerprints } from "../components/site";
import { allNodes, checkOneRebuildPerUpdate, ConfigIssue, SiteConfig } from "../stacks";

export interface SiteSummary {
    site: string;
    profile: string;
    kubernetesVersion: string;
    endpoint: string;
    pool: string;
    nodes: Record<string, { role: string; hypervisor: string; vcpu: number; memoryMiB: number; diskGiB: number; image: string; imageSource: string; nics: string[]; rebuild: number; fingerprint: string }>;
    releases: Record<string, { enabled: boolean; chart: string; version: string; namespace: string }>;
}

/** The summary written to out/<stack>/site.yaml: one line per fact, so a diff reads well. */
export function siteSummary(site: SiteConfig): SiteSummary {
    const fingerprints = nodeFingerprints(site);
    return {
        site: site.name,
        profile: site.profile,
        kubernetesVersion: site.cluster.kubernetesVersion,
        endpoint: `${site.cluster.endpoint.host}:${site.cluster.endpoint.port}`,
        pool: site.storagePool.name,
        nodes: Object.fromEntries(
            allNodes(site).map((n) => [
                n.hostname,
                {
                    role: n.role,
                    hypervisor: n.hypervisor,
                    vcpu: n.vcpu,
                    memoryMiB: n.memoryMiB,
                    diskGiB: n.diskGiB,
                    image: n.image,
                    imageSource: site.images[n.image].source,
                    nics: n.nics.map((nic) => `${nic.network} ${nic.address}/${nic.prefix} ${nic.mac} on ${nic.bridge}`),
                    rebuild: n.rebuild,
                    fingerprint: fingerprints[n.hostname],
                },
            ]),
        ),
        releases: Object.fromEntries(
            Object.entries(site.apps.releases).map(([key, r]) => [
                key,
                { enabled: r.enabled, chart: "oci" in r.chart ? r.chart.oci : "repo" in r.chart ? `${r.chart.repo} ${r.chart.name}` : r.chart.path, version: r.version, namespace: r.namespace },
            ]),
        ),
    };
}

/** The fingerprints of a baseline: a plan's directory or site.yaml, or a stack's outputs as JSON. */
export function readBaseline(file: string): { fingerprints: Record<string, string>; nodes?: SiteSummary["nodes"] } {
    const target = fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, "site.yaml") : file;
    if (!fs.existsSync(target)) {
        throw new Error(`no baseline at ${target}: give the out/<stack>/ of an earlier plan, its site.yaml, or \`pulumi stack output --json\` saved to a file`);
    }
    const data = YAML.parse(fs.readFileSync(target, "utf8")) as Partial<SiteSummary> & { nodeFingerprints?: Record<string, string> };
    if (data.nodes !== undefined) {
        return { fingerprints: Object.fromEntries(Object.entries(data.nodes).map(([k, v]) => [k, v.fingerprint])), nodes: data.nodes };
    }
    if (data.nodeFingerprints !== undefined) {
        return { fingerprints: data.nodeFingerprints };
    }
    throw new Error(`${target} has neither nodes (a plan's site.yaml) nor nodeFingerprints (stack outputs)`);
}

export interface Changes {
    rebuilt: { node: string; what: string[] }[];
    added: string[];
    removed: string[];
    /** What `pulumi up` would refuse against this baseline (more than one rebuild). */
    issues: ConfigIssue[];
}

const REBUILDING_FIELDS = ["vcpu", "memoryMiB", "diskGiB", "hypervisor", "image", "imageSource", "nics", "rebuild"] as const;

export function compareWithBaseline(baseline: ReturnType<typeof readBaseline>, current: SiteSummary): Changes {
    const fingerprints = Object.fromEntries(Object.entries(current.nodes).map(([k, v]) => [k, v.fingerprint]));
    const rebuilt = Object.keys(fingerprints)
        .filter((n) => baseline.fingerprints[n] !== undefined && baseline.fingerprints[n] !== fingerprints[n])
        .map((node) => {
            const before = baseline.nodes?.[node];
            const after = current.nodes[node];
            const what = before === undefined ? [] : REBUILDING_FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f])).map((f) => `${f}: ${JSON.stringify(before[f])} -> ${JSON.stringify(after[f])}`);
            return { node, what };
        });
    return {
        rebuilt,
        added: Object.keys(fingerprints).filter((n) => baseline.fingerprints[n] === undefined),
        removed: Object.keys(baseline.fingerprints).filter((n) => fingerprints[n] === undefined),
        issues: checkOneRebuildPerUpdate(baseline.fingerprints, fingerprints),
    };
}

export function formatChanges(changes: Changes): string {
    const lines = ["Against the baseline:"];
    if (changes.rebuilt.length + changes.added.length + changes.removed.length === 0) {
        lines.push("  no VM is rebuilt, added or removed");
    }
    for (const { node, what } of changes.rebuilt) {
        lines.push(`  rebuild ${node}${what.length > 0 ? `: ${what.join("; ")}` : ""}`);
    }
    lines.push(...changes.added.map((n) => `  add     ${n}`), ...changes.removed.map((n) => `  remove  ${n} (drained, then its VM destroyed)`));
    return `${lines.join("\n")}\n`;
}
