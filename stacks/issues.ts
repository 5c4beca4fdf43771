/**
 * A problem in the stack's configuration, the config path it names (as `pulumi config set
 * --path` spells it), and the report the user reads. Every check in stacks/ returns these.
 */

export const CONFIG_NAMESPACE = "kvm-k8s";

export interface ConfigIssue {
    /** Full config path, e.g. `kvm-k8s:site.masters[1].hypervisor`. */
    path: string;
    message: string;
}

export type PathPart = string | number | symbol;

export function configPath(key: string, parts: readonly PathPart[] = []): string {
    let path = `${CONFIG_NAMESPACE}:${key}`;
    for (const part of parts) {
        path += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
    }
    return path;
}

export const sitePath = (...parts: PathPart[]): string => configPath("site", parts);

/** A value as a message names what was given in its place: `a list`, `number 3`. */
export function describe(value: unknown): string {
    if (Array.isArray(value)) {
        return "a list";
    }
    if (value === null) {
        return "null";
    }
    return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

/** Each issue once: two checks may find the same problem. */
export function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
    const seen = new Set<string>();
    return issues.filter((i) => {
        const key = `${i.path}\u0000${i.message}`;
        if (seen.has(key)) {
            return false;
        }
        seen.add(key);
        return true;
    });
}

/** The report shown to the user: one line per problem, path first. */
export function formatIssues(issues: ConfigIssue[]): string {
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}`);
    return [`${count} in the stack configuration; nothing was created or changed:`, ...lines].join("\n");
}
