/**
 * Helm release arguments from the catalogue: chart sources, air-gapped rewrites, fixed names.
 * Pure, so the rules are tested without the engine.
 */
import { ClusterConfig, ReleaseInput } from "../../stacks";
import { MIRRORED_REGISTRIES } from "../registry";

export interface ChartSource {
    /** `name` with a repository, an `oci://` reference, or a local archive path. */
    chart: string;
    repo?: string;
}

/**
 * Where Helm gets the chart: as configured. On air-gapped sites validation has made sure it is
 * on the site (the director registry, `oci://registry.<domain>:<port>/charts/<name>`, a site
 * host, or a local archive), so nothing is rewritten behind the operator's back.
 */
export function chartSource(release: ReleaseInput, _cluster?: ClusterConfig): ChartSource {
    const { chart } = release;
    if ("path" in chart) {
        return { chart: chart.path };
    }
    if ("oci" in chart) {
        return { chart: chart.oci };
    }
    return { chart: chart.name, repo: chart.repo };
}

type Values = Record<string, unknown>;

const UPSTREAM = new RegExp(`^(${MIRRORED_REGISTRIES.map((r) => r.replace(/\./g, "\\.")).join("|")})/(.+)$`);

/**
 * The path an upstream image has in the director registry (what skopeo copied it to):
 * without the registry host, with Docker Hub's implicit `library/` made explicit.
 */
function mirroredPath(reference: string): string | undefined {
    const match = UPSTREAM.exec(reference);
    if (match === null) {
        return undefined;
    }
    const [, host, rest] = match;
    return host === "docker.io" && !rest.includes("/") ? `library/${rest}` : rest;
}

/**
 * Point every image reference in `values` at `registry`: `registry`/`imageRegistry` keys take
 * it as is; `repository`/`image` strings that start with an upstream registry get it instead
 * (only the path when a sibling `registry` key already names it). Other values are untouched;
 * nothing is added.
 */
export function rewriteImageRegistries(values: unknown, registry: string): unknown {
    if (Array.isArray(values)) {
        return values.map((v) => rewriteImageRegistries(v, registry));
    }
    if (typeof values !== "object" || values === null) {
        return values;
    }
    const hasRegistryKey = typeof (values as Values).registry === "string";
    const out: Values = {};
    for (const [key, value] of Object.entries(values)) {
        const mirrored = typeof value === "string" ? mirroredPath(value) : undefined;
        if (typeof value === "string" && (key === "registry" || key === "imageRegistry")) {
            out[key] = registry;
        } else if (mirrored !== undefined && key === "repository") {
            out[key] = hasRegistryKey ? mirrored : `${registry}/${mirrored}`;
        } else if (mirrored !== undefined && key === "image") {
            out[key] = `${registry}/${mirrored}`;
        } else {
            out[key] = rewriteImageRegistries(value, registry);
        }
    }
    return out;
}

/** The values a release is installed with on this site. */
export function releaseValues(release: ReleaseInput, cluster: ClusterConfig): Values {
    return cluster.airGapped ? (rewriteImageRegistries(release.values, `${cluster.registry.host}:${cluster.registry.port}`) as Values) : release.values;
}
