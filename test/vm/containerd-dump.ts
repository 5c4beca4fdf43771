/**
 * Comparing what containerd makes of two config.toml files: `containerd config dump` prints
 * the effective configuration (the file merged over the compiled-in defaults), one key per
 * line under `[section]` headers, maps sorted. The real-VM test compares the minimal file
 * the program renders with the `containerd config default` output prepare-node.sh used to
 * awk-patch, on the VM's own containerd.
 */

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CERTS_D, CONTAINERD_CONFIG_PATH } from "../../components/nodes/containerd";

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

/**
 * On a prepared node, through `sh` (runs a command as the login user, stdin optional; throws
 * on failure): containerd's effective configuration from the rendered config.toml is the one
 * the awk-patched `containerd config default` of earlier versions gave (test/legacy/
 * containerd.sh, run on the node against its own containerd, with the same sandbox image).
 * Returns a one-line summary.
 */
export function checkEffectiveContainerd(sh: (command: string, input?: string) => string, sandboxImage: string): string {
    const legacyPath = "/tmp/kvmk8s-legacy-config.toml";
    const legacy = fs.readFileSync(path.join(__dirname, "..", "legacy", "containerd.sh"), "utf8");
    sh("sudo -n bash", `set -euo pipefail\nSANDBOX_IMAGE=${JSON.stringify(sandboxImage)}\n${legacy}\ncontainerd config default | legacy_config_toml >${legacyPath}\n`);
    const before = sh(`sudo -n containerd --config ${legacyPath} config dump`);
    const now = sh("sudo -n containerd config dump");
    const version = sh("containerd --version").trim();
    const diff = dumpDifferences(before, now);

    // Every difference is one of these two, and nothing else:
    // 1. `imports` names the file each dump was read from.
    assert.deepStrictEqual(diff.changed, [["imports", `["${legacyPath}"]`, `["${CONTAINERD_CONFIG_PATH}"]`]], `values that differ (${version})`);
    assert.deepStrictEqual(diff.onlySecond, [], `settings only the rendered config.toml gives (${version})`);
    // 2. The old file listed every runc option with its zero value; the rendered one
    // states SystemdCgroup only. containerd keeps the options table as written and the
    // CRI plugin decodes it into the runc shim's Options (a protobuf message), where an
    // absent field and its zero value are the same: runc runs the same either way.
    const extra = diff.onlyFirst.filter(([key, value]) => key.startsWith(`${RUNC_OPTIONS} `) && isZeroValue(value));
    assert.deepStrictEqual(diff.onlyFirst, extra, `settings only the old file gave, other than zero-valued runc options (${version})`);
    assert.ok(extra.length > 0, "the old file's zero-valued runc options are expected in its dump: is the comparison looking at the right section?");
    const effective = flattenDump(now);
    assert.strictEqual(effective.get(`${RUNC_OPTIONS} SystemdCgroup`), "true");
    assert.strictEqual(effective.get('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc] runtime_type'), '"io.containerd.runc.v2"');
    assert.strictEqual(effective.get('[plugins."io.containerd.grpc.v1.cri".registry] config_path'), `"${CERTS_D}"`);
    assert.strictEqual(effective.get('[plugins."io.containerd.grpc.v1.cri"] sandbox_image'), `"${sandboxImage}"`);
    return (
        `${version}: ${flattenDump(before).size} effective settings before, ${effective.size} now; the same but imports (the file read) and ` +
        `${extra.length} zero-valued runc options the old file spelled out (${extra.map(([k]) => k.slice(RUNC_OPTIONS.length + 1)).join(", ")})`
    );
}
