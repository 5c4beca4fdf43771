/**
 * Reading what `pulumi preview --json` says, and what the offline plan says, so the two can be
 * compared resource for resource.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT, Sandbox } from "./harness";

export interface PreviewStep {
    op: string;
    urn: string;
    /** The properties that force a replacement, on a replace. */
    keys?: string[];
    diffs?: string[];
    newState?: { type: string };
    oldState?: { type: string };
}

export interface PreviewJson {
    status: number | null;
    seconds: number;
    steps: PreviewStep[];
    /** `--json` carries no policy events (the CLI's display/json.go leaves them out). */
    diagnostics: { urn?: string; message: string; severity: string }[];
    /** stdout and stderr, for assertion messages. */
    text: string;
}

/** `pulumi preview --stack <stack> --json [extra]` in the sandbox's project. */
export function previewJson(box: Sandbox, stack: string, extra: string[] = []): PreviewJson {
    const run = box.cli(["preview", "--stack", stack, "--json", ...extra]);
    let parsed: Partial<PreviewJson> = {};
    try {
        parsed = JSON.parse(run.stdout) as Partial<PreviewJson>;
    } catch {
        // a failure before the engine ran prints no JSON; the text says why
    }
    return {
        status: run.status,
        seconds: run.seconds,
        steps: parsed.steps ?? [],
        diagnostics: parsed.diagnostics ?? [],
        text: `${run.stdout.slice(0, 20000)}\n${run.stderr}`,
    };
}

/** "type::name" of a step's resource, as the offline plan lists them. */
export function resourceKey(step: PreviewStep): string {
    const type = step.newState?.type ?? step.oldState?.type ?? step.urn.split("::")[2].split("$").pop()!;
    return `${type}::${step.urn.split("::").pop()}`;
}

/** A Pulumi.<stack>.yaml holding this stack input's profile and site. */
export function stackFileFor(input: { profile?: unknown; site?: unknown }): string {
    return YAML.stringify({ config: { "kvm-k8s:profile": input.profile, "kvm-k8s:site": input.site } });
}

/** The offline plan's resources and build time for each site (see plan-resources.ts), by site. */
export function planResources(sites: string[]): Record<string, { seconds: number; resources: { type: string; name: string }[] }> {
    const run = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(__dirname, "plan-resources.ts"), ...sites], {
        cwd: ROOT,
        encoding: "utf8",
    });
    if (run.status !== 0) {
        throw new Error(`plan-resources.ts failed: ${run.stderr}`);
    }
    return JSON.parse(run.stdout) as Record<string, { seconds: number; resources: { type: string; name: string }[] }>;
}
