/**
 * Comparing what containerd makes of two config.toml files: `containerd config dump` prints
 * the effective configuration (the file merged over the compiled-in defaults), one key per
 * line under `[section]` headers, maps sorted. The real-VM test compares the minimal file
 * the program renders with the `containerd config default` output prepare-node.sh used to
 * awk-patch, on the VM's own containerd.
 */

/** The runc options table: free-form in containerd's config, decoded by the shim. */
export const RUNC_OPTIONS = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]';

/** A dump as `[section] key` (`key` alone at the top level) -> the value as written. */
export function flattenDump(dump: string): Map<string, string> {
    const entries = new Map<string, string>();
    let section = "";
    for (const raw of dump.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) {
            continue;
        }
        if (line.startsWith("[")) {
            section = line;
            continue;
        }
        const eq = line.indexOf(" = ");
        if (eq < 0) {
            throw new Error(`not a 'key = value' line of containerd config dump: ${raw}`);
        }
        const key = section ? `${section} ${line.slice(0, eq)}` : line.slice(0, eq);
        if (entries.has(key)) {
            throw new Error(`${key} twice in the dump`);
        }
        entries.set(key, line.slice(eq + 3));
    }
    return entries;
}

export interface DumpDifferences {
    /** Keys only the first dump has, with its value. */
    onlyFirst: [string, string][];
    /** Keys only the second dump has, with its value. */
    onlySecond: [string, string][];
    /** Keys both have, with different values: [key, first, second]. */
    changed: [string, string, string][];
}

export function dumpDifferences(first: string, second: string): DumpDifferences {
    const a = flattenDump(first);
    const b = flattenDump(second);
    return {
        onlyFirst: [...a].filter(([k]) => !b.has(k)),
        onlySecond: [...b].filter(([k]) => !a.has(k)),
        changed: [...a].filter(([k, v]) => b.has(k) && b.get(k) !== v).map(([k, v]) => [k, v, b.get(k)!]),
    };
}

/** A TOML zero value as the dump writes it: what an absent protobuf field decodes to. */
export const isZeroValue = (value: string): boolean => value === '""' || value === "0" || value === "false";
