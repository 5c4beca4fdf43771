/**
 * Running the repo's scripts the way the program does, for the tests in test/scripts/: one
 * uploaded file, an `export NAME='value'` prelude followed by the script, started with
 * `bash <file>`, in a Sandbox whose KVMK8S_ROOT is a temp directory and whose PATH starts
 * with stand-in tools. Also how the contract tests read scripts.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { containerdFiles, ContainerdSite } from "../../components/nodes/containerd";
import { filesPayload } from "../../components/remote";
import { envEntries, headerOf } from "../script-headers";
import { filesUnder } from "../tree";

export const ROOT = path.resolve(__dirname, "..", "..");

/** The shared helpers, prepended by the program to every script; never run alone. */
export const LIB = "components/remote/scripts/lib.sh";

/** The two lines every script loads lib.sh with, right after its required-input checks. */
export const LOADER = [
    "# shellcheck source=../../remote/scripts/lib.sh",
    `[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "\${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"`,
];

export const EXPECTED_SCRIPTS = [
    "components/director/scripts/prepare-director.sh",
    "components/nodes/scripts/prepare-node.sh",
    "components/control-plane/scripts/init-control-plane.sh",
    "components/control-plane/scripts/join-control-plane.sh",
    "components/workers/scripts/join-worker.sh",
    "components/director/scripts/install-kubeconfig.sh",
    "components/cluster/scripts/install-calico.sh",
    "components/cluster/scripts/wait-nodes-ready.sh",
    "components/cluster/scripts/write-roster.sh",
    "components/cluster/scripts/remove-node.sh",
    "components/kubeadm/scripts/join-node.sh",
    "components/cluster/scripts/admit-node.sh",
    "components/operations/scripts/upgrade-node.sh",
    "components/operations/scripts/upgrade-cluster.sh",
    "components/operations/scripts/etcd-snapshot.sh",
    "components/remote/scripts/wait-for-ssh.sh",
];

/** Variables bash or the system provides: not inputs of a script. */
export const STANDARD_VARS = new Set([
    "HOME", "PATH", "EUID", "UID", "SECONDS", "FUNCNAME", "BASH_SOURCE", "BASH_REMATCH", "BASHPID", "LINENO",
    "PWD", "IFS", "TMPDIR", "PIPESTATUS", "RANDOM", "OPTARG", "OPTIND", "HOSTNAME", "USER", "LC_ALL", "LANG",
]);

/** Every components/**\/scripts/*.sh but lib.sh, relative to the repo, with forward slashes. */
export function findScripts(): string[] {
    return filesUnder("components", ".sh").filter((rel) => path.posix.basename(path.posix.dirname(rel)) === "scripts" && rel !== LIB);
}

export const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), "utf8");

export interface VarUse {
    refs: Set<string>;
    defaulted: Set<string>;
    assigned: Set<string>;
}

/** The UPPER_CASE variables the code (comments left out) references, reads with a default/check, assigns. */
export function varUse(text: string): VarUse {
    const code = text
        .split("\n")
        .filter((l) => !/^\s*#/.test(l))
        .join("\n");
    const refs = new Set<string>();
    const defaulted = new Set<string>();
    const assigned = new Set<string>();
    for (const m of code.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)(?![A-Za-z0-9_])/g)) refs.add(m[1]);
    for (const m of code.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(:?[-?=+])/g)) defaulted.add(m[1]);
    const assignment = /(?:^|[\s;(])(?:export\s+|readonly\s+|local\s+(?:-\w+\s+)*|declare\s+(?:-\w+\s+)*)?([A-Z_][A-Z0-9_]*)(?:\[[^\]]*\])?\+?=/gm;
    for (const m of code.matchAll(assignment)) assigned.add(m[1]);
    for (const m of code.matchAll(/\b(?:read|mapfile)\s+(?:-\w+\s+)*([A-Z_][A-Z0-9_]*)\b/g)) assigned.add(m[1]);
    for (const m of code.matchAll(/\bfor\s+([A-Z_][A-Z0-9_]*)\s+in\b/g)) assigned.add(m[1]);
    return { refs, defaulted, assigned };
}

/**
 * The UPPER_CASE variables a script reads from its environment: referenced ($NAME, ${NAME...})
 * and either never assigned (in the script or in lib.sh, whose variables it uses) or read with
 * a default/check (${NAME:-...}, ${NAME:?...}); plus those lib.sh's header says its helpers read
 * for every script (KVMK8S_ROOT, KVMK8S_ONLY). For lib.sh itself: what it reads, by the same rule.
 */
export function envInputs(text: string, lib?: string): string[] {
    const use = varUse(text);
    const libAssigned = lib === undefined ? new Set<string>() : varUse(lib).assigned;
    const inputs = [...use.refs].filter(
        (n) => !STANDARD_VARS.has(n) && (use.defaulted.has(n) || (!use.assigned.has(n) && !libAssigned.has(n))),
    );
    const fromLib = lib === undefined ? [] : envEntries(headerOf(lib)).map((e) => e.name);
    return [...new Set([...inputs, ...fromLib])].sort();
}

/**
 * The functions a bash text defines: `name()` at the start of a line, or `function name()` in
 * the first column (an indented `function name()` is awk's, in a quoted program).
 */
export function functionsDefined(text: string): string[] {
    return [...text.matchAll(/^(?:function[ \t]+|[ \t]*)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(\)/gm)].map((m) => m[1]);
}

/** lib.sh's sections ("common helpers", ...): the functions each defines. */
export function libSections(lib: string): Map<string, string[]> {
    const sections = new Map<string, string[]>();
    for (const m of lib.matchAll(/^# ---- BEGIN kvm-k8s (\w+ helpers)\b[^\n]*\n([\s\S]*?)^# ---- END kvm-k8s \1 ----$/gm)) {
        sections.set(m[1], functionsDefined(m[2]));
    }
    return sections;
}

/** The functions of `names` that the code (comments left out) calls. */
export function callsOf(text: string, names: string[]): string[] {
    const code = text
        .split("\n")
        .filter((l) => !/^\s*#/.test(l))
        .join("\n");
    return names.filter((n) => new RegExp(`(^|[\\s;&|({!])${n}(?=$|[\\s;&|)])`, "m").test(code));
}

// ---------------------------------------------------------------------------------------
// Running scripts the way the program does.

/** `export NAME='value'` lines, `'` escaped as `'\''`, as the program writes them. */
export function prelude(env: Record<string, string>): string {
    return Object.entries(env)
        .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'\n`)
        .join("");
}

export interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

export class Sandbox {
    readonly dir: string;
    readonly root: string;
    readonly bin: string;

    constructor() {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-scripts-"));
        this.root = path.join(this.dir, "root");
        this.bin = path.join(this.dir, "bin");
        fs.mkdirSync(this.root);
        fs.mkdirSync(this.bin);
    }

    /**
     * Upload-and-run: the prelude with `env` (KVMK8S_ROOT added) followed by the script, run
     * with bash. "repo": the file sits at the script's place in a copy of the repo's layout
     * next to a copy of lib.sh, so the loader line sources it, as when run from the repo.
     * "program": the program's upload, lib.sh between the prelude and the script, in a
     * directory with no lib.sh to source.
     */
    run(rel: string, env: Record<string, string>, extra: Record<string, string> = {}, how: "repo" | "program" = "repo"): Run {
        const base = `upload-${path.basename(rel)}`;
        const file = how === "program" ? path.join(this.dir, base) : path.join(this.dir, "repo", path.dirname(rel), base);
        if (how === "repo") {
            const lib = path.join(this.dir, "repo", LIB);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.mkdirSync(path.dirname(lib), { recursive: true });
            fs.copyFileSync(path.join(ROOT, LIB), lib);
        }
        const script = how === "program" ? read(LIB) + read(rel) : read(rel);
        fs.writeFileSync(file, prelude({ KVMK8S_ROOT: this.root, ...env }) + script);
        const res = spawnSync("bash", [file], {
            encoding: "utf8",
            input: "",
            timeout: 50_000,
            env: { PATH: `${this.bin}:${process.env.PATH}`, HOME: this.dir, LANG: "C.UTF-8", ...extra },
        });
        return { status: res.status, stdout: res.stdout, stderr: res.stderr };
    }

    p(abs: string): string {
        return path.join(this.root, abs);
    }

    put(abs: string, content: string, mode = 0o644): void {
        fs.mkdirSync(path.dirname(this.p(abs)), { recursive: true });
        fs.writeFileSync(this.p(abs), content, { mode });
        fs.chmodSync(this.p(abs), mode);
    }

    get(abs: string): string {
        return fs.readFileSync(this.p(abs), "utf8");
    }

    mode(abs: string): number {
        return fs.statSync(this.p(abs)).mode & 0o777;
    }

    mtimeNs(abs: string): bigint {
        return fs.statSync(this.p(abs), { bigint: true }).mtimeNs;
    }

    tool(name: string, body: string): void {
        fs.writeFileSync(path.join(this.bin, name), `#!/usr/bin/env bash\n${body}`, { mode: 0o755 });
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

export const ok = (r: Run, what: string): void =>
    assert.strictEqual(r.status, 0, `${what} failed (exit ${r.status})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);

export const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");

/** containerd's files as the program renders them (components/nodes/containerd.ts). */
export const containerdPayload = (site: Partial<ContainerdSite> = {}): string =>
    filesPayload(containerdFiles({ registry: "registry.site1.example:5000", caPath: "/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt", mirrored: [], sandboxImage: "registry.k8s.io/pause:3.10", ...site }));

// Inputs prepare-node.sh requires before any step runs.
export const NODE_ENV = {
    NODE_NAME: "master-1",
    NTP_SERVERS: "10.10.0.1 ntp.site1.example",
    KUBERNETES_VERSION: "1.31.4",
    KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.31/deb/",
    CONTAINERD_FILES: containerdPayload(),
};
export const PREPARE_NODE = "components/nodes/scripts/prepare-node.sh";

export function sleepMs(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---------------------------------------------------------------------------------------
