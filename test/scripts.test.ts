/**
 * The remote bash scripts (components/<name>/scripts/*.sh) against their contract: every
 * input comes from the environment and is documented in the header, shellcheck is clean,
 * and the steps that only write files are idempotent. The helpers they share are in one
 * library, components/remote/scripts/lib.sh, which the program prepends to every script; a
 * script run from the repo sources it (its loader line). Scripts run the way the program runs
 * them: one uploaded file, an `export NAME='value'` prelude followed by the script, started
 * with `bash <file>`; the file sits where the loader finds lib.sh, and the program's own
 * upload (prelude, lib.sh, script) is checked to behave the same. File steps are pointed at a
 * temp directory with KVMK8S_ROOT and picked one at a time with KVMK8S_ONLY; kubeadm and
 * kubectl are stand-ins on PATH.
 */
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { calicoInstallation } from "../components/cluster/calico";
import { filesPayload } from "../components/remote";
import { stackSite } from "./fixtures";
import { envEntries, headerOf } from "./script-headers";

const ROOT = path.resolve(__dirname, "..");

/** The shared helpers, prepended by the program to every script; never run alone. */
const LIB = "components/remote/scripts/lib.sh";

/** The two lines every script loads lib.sh with, right after its required-input checks. */
const LOADER = [
    "# shellcheck source=../../remote/scripts/lib.sh",
    `[[ "$(type -t kvmk8s_lib_loaded)" == function ]] || source "$(dirname "\${BASH_SOURCE[0]}")/../../remote/scripts/lib.sh"`,
];

const EXPECTED_SCRIPTS = [
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
const STANDARD_VARS = new Set([
    "HOME", "PATH", "EUID", "UID", "SECONDS", "FUNCNAME", "BASH_SOURCE", "BASH_REMATCH", "BASHPID", "LINENO",
    "PWD", "IFS", "TMPDIR", "PIPESTATUS", "RANDOM", "OPTARG", "OPTIND", "HOSTNAME", "USER", "LC_ALL", "LANG",
]);

/** Every components/**\/scripts/*.sh but lib.sh, relative to the repo, with forward slashes. */
function findScripts(): string[] {
    const found: string[] = [];
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(full);
            } else if (entry.isFile() && entry.name.endsWith(".sh") && path.basename(dir) === "scripts") {
                found.push(path.relative(ROOT, full).split(path.sep).join("/"));
            }
        }
    };
    walk(path.join(ROOT, "components"));
    return found.filter((rel) => rel !== LIB).sort();
}

const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), "utf8");

interface VarUse {
    refs: Set<string>;
    defaulted: Set<string>;
    assigned: Set<string>;
}

/** The UPPER_CASE variables the code (comments left out) references, reads with a default/check, assigns. */
function varUse(text: string): VarUse {
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
function envInputs(text: string, lib?: string): string[] {
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
function functionsDefined(text: string): string[] {
    return [...text.matchAll(/^(?:function[ \t]+|[ \t]*)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(\)/gm)].map((m) => m[1]);
}

/** lib.sh's sections ("common helpers", ...): the functions each defines. */
function libSections(lib: string): Map<string, string[]> {
    const sections = new Map<string, string[]>();
    for (const m of lib.matchAll(/^# ---- BEGIN kvm-k8s (\w+ helpers)\b[^\n]*\n([\s\S]*?)^# ---- END kvm-k8s \1 ----$/gm)) {
        sections.set(m[1], functionsDefined(m[2]));
    }
    return sections;
}

/** The functions of `names` that the code (comments left out) calls. */
function callsOf(text: string, names: string[]): string[] {
    const code = text
        .split("\n")
        .filter((l) => !/^\s*#/.test(l))
        .join("\n");
    return names.filter((n) => new RegExp(`(^|[\\s;&|({!])${n}(?=$|[\\s;&|)])`, "m").test(code));
}

// ---------------------------------------------------------------------------------------
// Running scripts the way the program does.

/** `export NAME='value'` lines, `'` escaped as `'\''`, as the program writes them. */
function prelude(env: Record<string, string>): string {
    return Object.entries(env)
        .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'\n`)
        .join("");
}

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

class Sandbox {
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

const ok = (r: Run, what: string): void =>
    assert.strictEqual(r.status, 0, `${what} failed (exit ${r.status})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);

const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");

// Inputs prepare-node.sh requires before any step runs.
const NODE_ENV = {
    NODE_NAME: "master-1",
    NTP_SERVERS: "10.10.0.1 ntp.site1.example",
    KUBERNETES_VERSION: "1.31.4",
    KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.31/deb/",
    REGISTRY_HOST: "registry.site1.example",
    REGISTRY_PORT: "5000",
};
const PREPARE_NODE = "components/nodes/scripts/prepare-node.sh";

function sleepMs(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---------------------------------------------------------------------------------------

describe("remote scripts", () => {
    const scripts = findScripts();

    it("every script of the bootstrap is present", () => {
        for (const rel of EXPECTED_SCRIPTS) {
            assert.ok(scripts.includes(rel), `missing ${rel}; found: ${scripts.join(", ")}`);
        }
    });

    describe("shellcheck --severity=style, following the scripts' source of lib.sh", () => {
        for (const rel of [...scripts, LIB]) {
            it(`${rel} is clean`, function () {
                const probe = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
                if (probe.error || probe.status !== 0) {
                    if (process.env.CI) {
                        throw new Error("shellcheck is not installed; CI must run it (apt-get install shellcheck)");
                    }
                    console.log("      shellcheck not installed here (apt-get install shellcheck); skipping");
                    this.skip();
                }
                const res = spawnSync(
                    "shellcheck",
                    ["--severity=style", "--shell=bash", "--external-sources", "--source-path=SCRIPTDIR", "--format=gcc", path.join(ROOT, rel)],
                    { encoding: "utf8" },
                );
                assert.strictEqual(res.status, 0, `shellcheck findings in ${rel}:\n${res.stdout}${res.stderr}`);
            });
        }
    });

    describe("contract", () => {
        const lib = read(LIB);
        const sections = libSections(lib);

        for (const rel of scripts) {
            const text = read(rel);

            it(`${rel}: shebang, header, then set -euo pipefail before any command`, () => {
                const lines = text.split("\n");
                assert.strictEqual(lines[0], "#!/usr/bin/env bash");
                const header = headerOf(text);
                assert.ok(header.length >= 3, "a header comment right after the shebang says what the script does");
                const first = lines.slice(1).find((l) => l.trim() !== "" && !l.trim().startsWith("#"));
                assert.strictEqual(first, "set -euo pipefail");
                assert.ok(!/^\s*set\s+[-+]\w*x/m.test(text), "no xtrace: it would print secrets");
            });

            it(`${rel}: the header documents every environment variable it reads, and only those`, () => {
                const entries = envEntries(headerOf(text));
                const documented = entries.map((e) => e.name);
                const inputs = envInputs(text, lib);
                for (const name of inputs) {
                    assert.ok(documented.includes(name), `${name} is read but not in the header's Environment list`);
                }
                for (const entry of entries) {
                    assert.ok(inputs.includes(entry.name), `${entry.name} is documented but the script does not read it`);
                    assert.match(entry.text, /^(required|optional)\s/, `${entry.name}: say required or optional`);
                    assert.match(entry.text, /e\.g\./, `${entry.name}: give an example (e.g. ...)`);
                    const checked = text.includes(`: "\${${entry.name}:?`);
                    assert.strictEqual(checked, entry.text.startsWith("required"), `${entry.name}: required <=> checked up front with \${${entry.name}:?...}`);
                }
            });

            it(`${rel}: non-interactive and bounded`, () => {
                if (/\bapt-get\b/.test(text)) {
                    assert.match(text, /^export DEBIAN_FRONTEND=noninteractive$/m);
                }
                const loops = (text.match(/\bwhile true\b/g) ?? []).length;
                const deadlines = (text.match(/deadline=\$\(\(SECONDS \+/g) ?? []).length;
                assert.ok(loops <= deadlines, `${loops} 'while true' loops but ${deadlines} deadlines`);
                assert.ok(!/\bsh -c\b/.test(text), "no sh -c (the etcd image has no shell; quoting hazards elsewhere)");
            });
        }

        it("lib.sh: shebang, header, the loader's marker defined first", () => {
            const lines = lib.split("\n");
            assert.strictEqual(lines[0], "#!/usr/bin/env bash");
            const header = headerOf(lib);
            assert.ok(header.length >= 3, "a header comment says what lib.sh is and that it is never run alone");
            assert.match(header.join("\n"), /prepends it to every script/);
            const first = lines.slice(1).find((l) => l.trim() !== "" && !l.trim().startsWith("#"));
            assert.strictEqual(first, "kvmk8s_lib_loaded() { :; }");
            assert.ok(!/^\s*set\s+[-+]\w*x/m.test(lib), "no xtrace: it would print secrets");
            for (const name of ["common helpers", "package helpers", "kubeadm helpers", "ops helpers"]) {
                assert.ok((sections.get(name) ?? []).length > 0, `lib.sh has the ${name}, with their functions`);
            }
        });

        it("lib.sh: its header documents the environment its helpers read, and what the scripts set for them", () => {
            const env = envEntries(headerOf(lib));
            const fromScripts = envEntries(headerOf(lib), /^# Set by the scripts/).map((e) => e.name);
            const inputs = envInputs(lib);
            assert.ok(env.length > 0, "an Environment list");
            for (const name of inputs) {
                assert.ok(env.some((e) => e.name === name) || fromScripts.includes(name), `${name} is read but not in lib.sh's header`);
            }
            for (const entry of env) {
                assert.ok(inputs.includes(entry.name), `${entry.name} is documented but lib.sh does not read it`);
                assert.match(entry.text, /^optional\s/, `${entry.name}: lib.sh's own inputs are optional (required ones are the scripts')`);
                assert.match(entry.text, /e\.g\./, `${entry.name}: give an example (e.g. ...)`);
            }
            const code = lib.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
            for (const name of fromScripts) {
                // DEBIAN_FRONTEND is apt-get's, which lib.sh runs.
                const used = name === "DEBIAN_FRONTEND" ? /\bapt-get\b/.test(code) : new RegExp(`\\$\\{?${name}\\b|\\b${name}\\[`).test(code);
                assert.ok(used, `${name} is listed but lib.sh does not use it`);
            }
        });

        it("lib.sh: bounded", () => {
            const loops = (lib.match(/\bwhile true\b/g) ?? []).length;
            const deadlines = (lib.match(/deadline=\$\(\(SECONDS \+/g) ?? []).length;
            assert.ok(loops <= deadlines, `${loops} 'while true' loops but ${deadlines} deadlines`);
            assert.ok(!/\bsh -c\b/.test(lib), "no sh -c");
        });

        it("no script carries a copy of the shared helpers any more", () => {
            for (const rel of scripts) {
                assert.doesNotMatch(read(rel), /BEGIN kvm-k8s [\w ]*helpers/, `${rel} still has a helpers section; they live in ${LIB}`);
            }
        });

        it("every script loads lib.sh with the exact loader lines, right after set -euo pipefail and its required-input checks", () => {
            for (const rel of scripts) {
                const lines = read(rel).split("\n");
                const set = lines.indexOf("set -euo pipefail");
                const at = lines.indexOf(LOADER[0]);
                assert.ok(set > 0 && at > set, `${rel}: the loader lines come after set -euo pipefail`);
                assert.strictEqual(lines[at + 1], LOADER[1], `${rel}: the loader line itself, exactly`);
                assert.strictEqual(lines.filter((l) => l.includes("remote/scripts/lib.sh")).length, 2, `${rel}: loads lib.sh once`);
                for (const line of lines.slice(set + 1, at)) {
                    assert.ok(line.trim() === "" || line.startsWith("#") || /^: "\$\{[A-Z_][A-Z0-9_]*:\?[^"]*\}"$/.test(line),
                        `${rel}: only required-input checks before the loader lines, not: ${line}`);
                }
            }
        });

        it("no script redefines a function of lib.sh", () => {
            const shared = new Set(functionsDefined(lib));
            for (const rel of scripts) {
                const redefined = functionsDefined(read(rel)).filter((f) => shared.has(f));
                assert.deepStrictEqual(redefined, [], `${rel} redefines ${redefined.join(", ")} of ${LIB}`);
            }
        });

        it("every script sets what the lib.sh sections it uses need", () => {
            for (const rel of scripts) {
                const text = read(rel);
                if (callsOf(text, sections.get("package helpers") ?? []).length > 0) {
                    assert.match(text, /^export DEBIAN_FRONTEND=noninteractive$/m, `${rel} uses the package helpers`);
                }
                if (callsOf(text, sections.get("ops helpers") ?? []).length > 0) {
                    assert.ok(text.includes(`[[ "$OPS_USER" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "OPS_USER '$OPS_USER' is not a user name"`),
                        `${rel} uses the ops helpers: it checks OPS_USER`);
                }
            }
        });
    });

    describe("the program's upload (prelude, lib.sh, script) behaves like the script run from the repo", () => {
        let box: Sandbox;
        beforeEach(() => {
            box = new Sandbox();
            // Stand-ins that fail: the runs below stop before any step.
            for (const tool of ["kubectl", "kubeadm", "ssh"]) box.tool(tool, "exit 1\n");
        });
        afterEach(() => box.cleanup());

        const files = `0600 /etc/kvm-k8s/x.yaml ${b64("x: 1\n")}`;
        const nodes = "site1-master-1=10.10.0.11 site1-master-2=10.10.0.12";
        // Valid inputs of each script: its top level runs through, up to run_steps.
        const INPUTS: Record<string, Record<string, string>> = {
            "components/director/scripts/prepare-director.sh": {
                KUBERNETES_VERSION: "1.31.4", KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.31/deb/",
                HELM_URL: "https://get.helm.sh/helm-v3.16.3-linux-amd64.tar.gz", HELM_VERSION: "v3.16.3",
                REGISTRY_HOST: "registry.site1.example", REGISTRY_PORT: "5000", REGISTRY_USER: "kvmk8s",
                REGISTRY_PASSWORD: "secret", DIRECTOR_ADDRESS: "10.10.0.10",
            },
            [PREPARE_NODE]: NODE_ENV,
            "components/control-plane/scripts/init-control-plane.sh": { CONTROL_PLANE_ENDPOINT: "127.0.0.1:1", KVMK8S_FILES: files },
            "components/control-plane/scripts/join-control-plane.sh": { KVMK8S_FILES: files },
            "components/workers/scripts/join-worker.sh": { KVMK8S_FILES: files },
            "components/director/scripts/install-kubeconfig.sh": { KVMK8S_FILES: files, KUBE_USER: "kvmk8s", CONTROL_PLANE_ENDPOINT: "127.0.0.1:1" },
            "components/cluster/scripts/install-calico.sh": { CALICO_OPERATOR_MANIFEST: "https://example.org/tigera-operator.yaml", KVMK8S_FILES: files },
            "components/cluster/scripts/wait-nodes-ready.sh": { EXPECTED_NODES: "site1-master-1" },
            "components/cluster/scripts/write-roster.sh": { ROSTER: "site1-master-1" },
            "components/cluster/scripts/remove-node.sh": { NODE: "site1-worker-1", ROLE: "worker" },
            "components/kubeadm/scripts/join-node.sh": {
                NODE: "site1-master-2", ROLE: "master", ADDRESS: "10.10.0.12", MASTERS: nodes, OPS_USER: "kvmk8s",
                NODE_SCRIPT: b64("echo node\n"), NODE_ENV: b64("export KVMK8S_FILES=''\n"),
            },
            "components/cluster/scripts/admit-node.sh": { NODE: "site1-worker-1", ADDRESS: "10.10.0.21" },
            "components/operations/scripts/upgrade-node.sh": {
                TARGET_VERSION: "1.32.0", KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.32/deb/", MODE: "worker",
            },
            "components/operations/scripts/upgrade-cluster.sh": {
                TARGET_VERSION: "1.32.0", KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.32/deb/", MASTERS: nodes,
                OPS_USER: "kvmk8s", KVMK8S_FILES: files,
            },
            "components/operations/scripts/etcd-snapshot.sh": { SNAPSHOT_ID: "3", SITE: "site1", MASTERS: nodes, OPS_USER: "kvmk8s" },
            "components/remote/scripts/wait-for-ssh.sh": { HOST: "127.0.0.1", NODE: "site1-worker-1", PORT: "22", TIMEOUT_SECONDS: "0" },
        };
        // bash's own messages (${NAME:?...}) name the file and line: the upload differs there.
        const same = (r: Run): Run => ({ ...r, stderr: r.stderr.replace(/^\S*upload-[\w.-]+: line \d+: /gm, "") });

        it("knows valid inputs for every script", () => {
            assert.deepStrictEqual(Object.keys(INPUTS).sort(), [...scripts].sort());
        });

        for (const rel of scripts) {
            it(`${rel}: the same checks and the same steps, bad inputs failing the same way`, () => {
                const inputs = INPUTS[rel];
                assert.ok(inputs, `no inputs for ${rel}`);
                for (const env of [
                    { ...inputs, KVMK8S_ONLY: "no_such_step" },
                    {},
                    ...Object.keys(inputs).map((k) => ({ ...inputs, [k]: "bad value!", KVMK8S_ONLY: "no_such_step" })),
                ]) {
                    const fromRepo = box.run(rel, env, {}, "repo");
                    const uploaded = box.run(rel, env, {}, "program");
                    assert.deepStrictEqual(same(uploaded), same(fromRepo), `inputs ${JSON.stringify(env)}`);
                    assert.notStrictEqual(fromRepo.status, 0);
                }
                const listed = box.run(rel, { ...inputs, KVMK8S_ONLY: "no_such_step" }, {}, "program");
                assert.match(listed.stderr, /^ERROR: KVMK8S_ONLY=no_such_step is not a step of this script; its steps: \w+/m, listed.stderr);
            });
        }

        it("file steps write the same files, and a second run changes nothing", () => {
            const env = { ...NODE_ENV, KVMK8S_ONLY: "write_files", KVMK8S_FILES: `0600 /etc/kvm-k8s/secret.yaml ${b64("password: x\n")}` };
            const first = box.run(PREPARE_NODE, env, {}, "program");
            ok(first, "first run");
            assert.match(first.stdout, /^changed: wrote \/etc\/kvm-k8s\/secret\.yaml$/m);
            assert.strictEqual(box.get("/etc/kvm-k8s/secret.yaml"), "password: x\n");
            assert.strictEqual(box.mode("/etc/kvm-k8s/secret.yaml"), 0o600);
            const second = box.run(PREPARE_NODE, env, {}, "repo");
            ok(second, "second run, from the repo");
            assert.match(second.stdout, /^ok: \/etc\/kvm-k8s\/secret\.yaml already up to date$/m);

            const roster = box.run("components/cluster/scripts/write-roster.sh", { ROSTER: "worker-1 master-1" }, {}, "program");
            ok(roster, "write-roster.sh");
            assert.match(roster.stdout, /^changed: \/etc\/kvm-k8s\/roster now lists 2 nodes: master-1 worker-1$/m);
            assert.deepStrictEqual(fs.readdirSync(box.p("/etc/kvm-k8s")).sort(), ["roster", "secret.yaml"], "no temp file left behind");
        });
    });

    describe("file steps, run twice in a temp root", () => {
        let box: Sandbox;
        beforeEach(() => (box = new Sandbox()));
        afterEach(() => box.cleanup());

        it("write-roster.sh writes the sorted roster once, then leaves it alone", () => {
            const rel = "components/cluster/scripts/write-roster.sh";
            const first = box.run(rel, { ROSTER: "worker-2 master-1  worker-1 master-1" });
            ok(first, "first run");
            assert.match(first.stdout, /^changed: \/etc\/kvm-k8s\/roster /m);
            assert.strictEqual(box.get("/etc/kvm-k8s/roster"), "master-1\nworker-1\nworker-2\n");
            assert.strictEqual(box.mode("/etc/kvm-k8s/roster"), 0o644);
            const mtime = box.mtimeNs("/etc/kvm-k8s/roster");
            sleepMs(20);

            const second = box.run(rel, { ROSTER: "worker-1 worker-2 master-1" });
            ok(second, "second run");
            assert.match(second.stdout, /^ok: \/etc\/kvm-k8s\/roster unchanged/m);
            assert.doesNotMatch(second.stdout, /changed:/);
            assert.strictEqual(box.mtimeNs("/etc/kvm-k8s/roster"), mtime, "an unchanged roster is not rewritten");
            assert.deepStrictEqual(fs.readdirSync(box.p("/etc/kvm-k8s")), ["roster"], "no temp file left behind");

            const third = box.run(rel, { ROSTER: "master-1 worker-1" });
            ok(third, "third run");
            assert.match(third.stdout, /^changed:/m);
            assert.strictEqual(box.get("/etc/kvm-k8s/roster"), "master-1\nworker-1\n");

            const bad = box.run(rel, { ROSTER: "master-1 Bad_Name" });
            assert.notStrictEqual(bad.status, 0);
            assert.match(bad.stderr, /ROSTER: 'Bad_Name' is not a node name/);
            assert.strictEqual(box.get("/etc/kvm-k8s/roster"), "master-1\nworker-1\n");

            const missing = box.run(rel, {});
            assert.notStrictEqual(missing.status, 0);
            assert.match(missing.stderr, /ROSTER is required/);
        });

        it("write-roster.sh writes the nodes' host keys to known_hosts once, rewrites them on change, rejects bad lines", () => {
            const rel = "components/cluster/scripts/write-roster.sh";
            const m1 = "10.10.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMaster1";
            const w1 = "10.10.0.21 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIWorker1";
            const env = { ROSTER: "master-1 worker-1", KNOWN_HOSTS: `${m1}\n\n  ${w1.replace(" ", "   ")}  \n` };
            const first = box.run(rel, env);
            ok(first, "first run");
            assert.match(first.stdout, /^changed: \/etc\/kvm-k8s\/known_hosts now holds 2 host keys$/m);
            assert.strictEqual(box.get("/etc/kvm-k8s/known_hosts"), `${m1}\n${w1}\n`, "one normalised line per node, blank lines dropped");
            assert.strictEqual(box.mode("/etc/kvm-k8s/known_hosts"), 0o644);
            const mtime = box.mtimeNs("/etc/kvm-k8s/known_hosts");
            sleepMs(20);

            const second = box.run(rel, env);
            ok(second, "second run");
            assert.match(second.stdout, /^ok: \/etc\/kvm-k8s\/known_hosts unchanged \(already holds 2 host keys\)$/m);
            assert.doesNotMatch(second.stdout, /changed:/);
            assert.strictEqual(box.mtimeNs("/etc/kvm-k8s/known_hosts"), mtime, "unchanged host keys are not rewritten");
            assert.deepStrictEqual(fs.readdirSync(box.p("/etc/kvm-k8s")).sort(), ["known_hosts", "roster"], "no temp file left behind");

            // A rebuilt worker has a new host key.
            const rebuilt = "10.10.0.21 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIWorker1New";
            const third = box.run(rel, { ...env, KNOWN_HOSTS: `${m1}\n${rebuilt}` });
            ok(third, "third run");
            assert.match(third.stdout, /^changed: \/etc\/kvm-k8s\/known_hosts/m);
            assert.strictEqual(box.get("/etc/kvm-k8s/known_hosts"), `${m1}\n${rebuilt}\n`);

            for (const [line, message] of [
                ["10.10.0.21 AAAAC3NzaC1lZDI1NTE5AAAAIWorker1", /KNOWN_HOSTS line 2: expected 'ADDRESS KEYTYPE BASE64 \[COMMENT\]'/],
                ["10.10.0.21 ssh-dss AAAAB3NzaC1kc3M", /KNOWN_HOSTS line 2: 'ssh-dss' is not an SSH host key type/],
                ["10.10.0.21,evil ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", /KNOWN_HOSTS line 2: '10\.10\.0\.21,evil' is not an address/],
                ["10.10.0.21 ssh-ed25519 AAAA$(reboot)", /KNOWN_HOSTS line 2: the key is not base64/],
            ] as const) {
                const bad = box.run(rel, { ...env, KNOWN_HOSTS: `${m1}\n${line}` });
                assert.notStrictEqual(bad.status, 0, line);
                assert.match(bad.stderr, message);
                assert.strictEqual(box.get("/etc/kvm-k8s/known_hosts"), `${m1}\n${rebuilt}\n`, "a bad list changes nothing");
            }

            const absent = box.run(rel, { ROSTER: "master-1 worker-1" });
            ok(absent, "no KNOWN_HOSTS");
            assert.match(absent.stdout, /^ok: no KNOWN_HOSTS given; \/etc\/kvm-k8s\/known_hosts left as it is$/m);
            assert.strictEqual(box.get("/etc/kvm-k8s/known_hosts"), `${m1}\n${rebuilt}\n`);
        });

        it("prepare-node.sh write_files: changed, then unchanged; modes honoured; content never printed", () => {
            const secret = "kind: Secret\npassword: hunter2"; // no trailing newline on purpose
            const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
            const files = [
                `0600 /etc/kvm-k8s/secret.yaml ${b64(secret)}`,
                "",
                `0644 /usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt ${b64(ca)}`,
            ].join("\n");
            const env = { ...NODE_ENV, KVMK8S_ONLY: "write_files", KVMK8S_FILES: files };

            const first = box.run(PREPARE_NODE, env);
            ok(first, "first run");
            assert.match(first.stdout, /^changed: wrote \/etc\/kvm-k8s\/secret\.yaml$/m);
            assert.match(first.stdout, /^changed: wrote \/usr\/local\/share\/ca-certificates\/kvm-k8s-registry-ca\.crt$/m);
            assert.strictEqual(box.get("/etc/kvm-k8s/secret.yaml"), secret);
            assert.strictEqual(box.get("/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt"), ca);
            assert.strictEqual(box.mode("/etc/kvm-k8s/secret.yaml"), 0o600);
            assert.strictEqual(box.mode("/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt"), 0o644);
            assert.ok(fs.existsSync(box.p("/var/lib/kvm-k8s/pending/update-ca-certificates")), "a new CA leaves update-ca-certificates pending");
            assert.doesNotMatch(first.stdout + first.stderr, /hunter2|MIIB/);
            const mtime = box.mtimeNs("/etc/kvm-k8s/secret.yaml");
            sleepMs(20);

            const second = box.run(PREPARE_NODE, env);
            ok(second, "second run");
            assert.match(second.stdout, /^ok: \/etc\/kvm-k8s\/secret\.yaml already up to date$/m);
            assert.doesNotMatch(second.stdout, /changed:/);
            assert.strictEqual(box.mtimeNs("/etc/kvm-k8s/secret.yaml"), mtime);

            // A mode drift is repaired even when the content is the same.
            fs.chmodSync(box.p("/etc/kvm-k8s/secret.yaml"), 0o644);
            const third = box.run(PREPARE_NODE, env);
            ok(third, "third run");
            assert.match(third.stdout, /^changed: wrote \/etc\/kvm-k8s\/secret\.yaml$/m);
            assert.strictEqual(box.mode("/etc/kvm-k8s/secret.yaml"), 0o600);

            const none = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "write_files", KVMK8S_FILES: "" });
            ok(none, "empty KVMK8S_FILES");
            assert.match(none.stdout, /^ok: no files to write/m);

            const broken = box.run(PREPARE_NODE, { ...env, KVMK8S_FILES: "0600 /etc/kvm-k8s/x.yaml not*base64!" });
            assert.notStrictEqual(broken.status, 0);
            assert.match(broken.stderr, /record 1 \(\/etc\/kvm-k8s\/x\.yaml\): content is not valid base64/);
            assert.ok(!fs.existsSync(box.p("/etc/kvm-k8s/x.yaml")));

            const relative = box.run(PREPARE_NODE, { ...env, KVMK8S_FILES: `0600 etc/x ${b64("x")}` });
            assert.notStrictEqual(relative.status, 0);
            assert.match(relative.stderr, /must be absolute/);
        });

        it("prepare-node.sh hosts_block: inserted once, replaced in place, other lines untouched", () => {
            const before = "127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n";
            const after = "10.99.0.1 kept-after-the-block\n";
            box.put("/etc/hosts", before);
            box.put("/etc/cloud/templates/hosts.debian.tmpl", "## template:jinja\n127.0.0.1 localhost\n");
            const entries = "10.10.0.10  registry.site1.example director\n\n10.10.0.11 master-1\n";

            const first = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: entries });
            ok(first, "first run");
            const block = "# BEGIN kvm-k8s\n10.10.0.10 registry.site1.example director\n10.10.0.11 master-1\n# END kvm-k8s\n";
            assert.strictEqual(box.get("/etc/hosts"), before + block);
            assert.strictEqual(box.get("/etc/cloud/templates/hosts.debian.tmpl"), "## template:jinja\n127.0.0.1 localhost\n" + block,
                "cloud-init rewrites /etc/hosts from its template at boot: the template carries the block too");
            assert.match(first.stdout, /^changed: updated the kvm-k8s block in \/etc\/hosts$/m);

            const mtime = box.mtimeNs("/etc/hosts");
            sleepMs(20);
            const second = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: entries });
            ok(second, "second run");
            assert.doesNotMatch(second.stdout, /changed:/);
            assert.strictEqual(box.mtimeNs("/etc/hosts"), mtime);

            // Someone adds a line after the block; a new entry list replaces the block in place.
            fs.appendFileSync(box.p("/etc/hosts"), after);
            const third = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: "10.10.0.12 registry.site1.example" });
            ok(third, "third run");
            assert.strictEqual(box.get("/etc/hosts"), before + "# BEGIN kvm-k8s\n10.10.0.12 registry.site1.example\n# END kvm-k8s\n" + after);
            assert.strictEqual(box.get("/etc/hosts").split("# BEGIN kvm-k8s").length, 2, "exactly one block");

            const emptied = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: "" });
            ok(emptied, "empty HOSTS_ENTRIES");
            assert.strictEqual(box.get("/etc/hosts"), before + after, "no entries: no block");

            const bad = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: "registry.site1.example 10.10.0.10" });
            assert.notStrictEqual(bad.status, 0);
            assert.match(bad.stderr, /HOSTS_ENTRIES line 1: expected 'ip name \[name\.\.\.\]'/);

            box.put("/etc/hosts", "# BEGIN kvm-k8s\n10.0.0.1 x\n");
            const broken = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: entries });
            assert.notStrictEqual(broken.status, 0);
            assert.match(broken.stderr, /unbalanced/);
            assert.strictEqual(box.get("/etc/hosts"), "# BEGIN kvm-k8s\n10.0.0.1 x\n", "a damaged file is left for a human");
        });

        it("prepare-node.sh swap_fstab: comments out active swap entries once", () => {
            const fstab = [
                "# /etc/fstab: static file system information.",
                "UUID=1234 / ext4 rw,discard,errors=remount-ro 0 1",
                "/swapfile none swap sw 0 0",
                "UUID=abcd\tnone\tswap\tsw\t0\t0",
                "#/old-swap none swap sw 0 0",
                "tmpfs /tmp tmpfs defaults 0 0",
                "",
            ].join("\n");
            box.put("/etc/fstab", fstab);
            const first = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "swap_fstab" });
            ok(first, "first run");
            assert.match(first.stdout, /^changed: commented out the swap entries of \/etc\/fstab$/m);
            const lines = box.get("/etc/fstab").split("\n");
            assert.strictEqual(lines[0], "# /etc/fstab: static file system information.");
            assert.strictEqual(lines[1], "UUID=1234 / ext4 rw,discard,errors=remount-ro 0 1");
            assert.match(lines[2], /^#.*\/swapfile none swap sw 0 0$/);
            assert.match(lines[3], /^#.*UUID=abcd\tnone\tswap\tsw\t0\t0$/);
            assert.strictEqual(lines[4], "#/old-swap none swap sw 0 0", "already commented lines stay as they are");
            assert.strictEqual(lines[5], "tmpfs /tmp tmpfs defaults 0 0");
            assert.ok(fs.existsSync(box.p("/var/lib/kvm-k8s/pending/systemd-daemon-reload")));
            const once = box.get("/etc/fstab");

            const second = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "swap_fstab" });
            ok(second, "second run");
            assert.match(second.stdout, /^ok: \/etc\/fstab already has no active swap entry$/m);
            assert.strictEqual(box.get("/etc/fstab"), once, "not commented twice");
        });

        it("prepare-node.sh chrony_pools: comments out the default pools once and keeps sources.d", () => {
            const conf = [
                "# Welcome to the chrony configuration file.",
                "confdir /etc/chrony/conf.d",
                "pool 2.debian.pool.ntp.org iburst",
                "  pool 0.pool.ntp.org iburst maxsources 2",
                "sourcedir /run/chrony-dhcp",
                "sourcedir /etc/chrony/sources.d",
                "keyfile /etc/chrony/chrony.keys",
                "makestep 1 3",
                "",
            ].join("\n");
            box.put("/etc/chrony/chrony.conf", conf);
            const first = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_pools" });
            ok(first, "first run");
            assert.match(first.stdout, /^changed: /m);
            const result = box.get("/etc/chrony/chrony.conf");
            const lines = result.split("\n");
            assert.ok(!lines.some((l) => /^\s*pool\s/.test(l)), "no active pool line left");
            assert.match(lines[2], /^#.*pool 2\.debian\.pool\.ntp\.org iburst$/);
            assert.match(lines[3], /^#.*pool 0\.pool\.ntp\.org iburst maxsources 2$/);
            for (const keep of [0, 1, 4, 5, 6, 7]) assert.strictEqual(lines[keep], conf.split("\n")[keep]);
            assert.strictEqual(result.split("sourcedir /etc/chrony/sources.d").length, 2, "sources.d not added twice");
            assert.ok(fs.existsSync(box.p("/var/lib/kvm-k8s/pending/restart-chrony")));

            const second = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_pools" });
            ok(second, "second run");
            assert.match(second.stdout, /^ok: /m);
            assert.strictEqual(box.get("/etc/chrony/chrony.conf"), result);

            // A configuration that does not read sources.d gets the directive once.
            box.put("/etc/chrony/chrony.conf", "pool 2.debian.pool.ntp.org iburst\nmakestep 1 3\n");
            ok(box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_pools" }), "without sourcedir");
            ok(box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_pools" }), "without sourcedir, again");
            assert.strictEqual(box.get("/etc/chrony/chrony.conf"),
                "#kvm-k8s: pool 2.debian.pool.ntp.org iburst\nmakestep 1 3\nsourcedir /etc/chrony/sources.d\n");

            const sources = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_sources" });
            ok(sources, "chrony_sources");
            assert.match(box.get("/etc/chrony/sources.d/kvm-k8s.sources"), /^server 10\.10\.0\.1 iburst\nserver ntp\.site1\.example iburst\n$/m);
        });

        it("prepare-node.sh containerd_hosts: one hosts.toml per mirrored upstream, stale ones removed", () => {
            const env = { ...NODE_ENV, KVMK8S_ONLY: "containerd_hosts", MIRRORED_REGISTRIES: "docker.io quay.io" };
            box.put("/etc/containerd/certs.d/example.org/hosts.toml", "server = \"https://example.org\"\n");
            ok(box.run(PREPARE_NODE, env), "first run");
            const docker = box.get("/etc/containerd/certs.d/docker.io/hosts.toml");
            assert.match(docker, /^server = "https:\/\/registry-1\.docker\.io"$/m);
            assert.match(docker, /^\[host\."https:\/\/registry\.site1\.example:5000"\]$/m);
            assert.match(docker, /^ {2}capabilities = \["pull", "resolve"\]$/m);
            assert.match(docker, /^ {2}ca = "\/usr\/local\/share\/ca-certificates\/kvm-k8s-registry-ca\.crt"$/m);
            assert.match(box.get("/etc/containerd/certs.d/quay.io/hosts.toml"), /^server = "https:\/\/quay\.io"$/m);
            assert.match(box.get("/etc/containerd/certs.d/registry.site1.example:5000/hosts.toml"),
                /^server = "https:\/\/registry\.site1\.example:5000"$/m);

            const again = box.run(PREPARE_NODE, env);
            ok(again, "second run");
            assert.doesNotMatch(again.stdout, /changed:/);

            const fewer = box.run(PREPARE_NODE, { ...env, MIRRORED_REGISTRIES: "quay.io" });
            ok(fewer, "docker.io dropped");
            assert.match(fewer.stdout, /^changed: removed \/etc\/containerd\/certs\.d\/docker\.io\/hosts\.toml/m);
            assert.ok(!fs.existsSync(box.p("/etc/containerd/certs.d/docker.io")));
            assert.ok(fs.existsSync(box.p("/etc/containerd/certs.d/example.org/hosts.toml")), "files it did not write stay");

            // With pull credentials: a Basic Authorization header for the registry host only, files 0600.
            const withAuth = box.run(PREPARE_NODE, { ...env, REGISTRY_USER: "kvmk8s", REGISTRY_PASSWORD: "pa'ss" });
            ok(withAuth, "with credentials");
            const quay = box.get("/etc/containerd/certs.d/quay.io/hosts.toml");
            assert.match(quay, new RegExp(`^\\[host\\."https://registry\\.site1\\.example:5000"\\.header\\]\\n {2}Authorization = "Basic ${b64("kvmk8s:pa'ss")}"$`, "m"));
            assert.strictEqual(box.mode("/etc/containerd/certs.d/quay.io/hosts.toml"), 0o600);
            assert.strictEqual(box.mode("/etc/containerd/certs.d/registry.site1.example:5000/hosts.toml"), 0o600);
            assert.doesNotMatch(withAuth.stdout + withAuth.stderr, /pa'ss|cGEnc3M|Basic/);
            const half = box.run(PREPARE_NODE, { ...env, REGISTRY_USER: "kvmk8s" });
            assert.notStrictEqual(half.status, 0);
            assert.match(half.stderr, /REGISTRY_USER and REGISTRY_PASSWORD go together/);
        });

        it("prepare-node.sh kubelet_args: /etc/default/kubelet written once", () => {
            const args = "--system-reserved=cpu=500m,memory=1Gi --eviction-hard=memory.available<500Mi,nodefs.available<10%";
            const env = { ...NODE_ENV, KVMK8S_ONLY: "kubelet_args", KUBELET_EXTRA_ARGS: args };
            ok(box.run(PREPARE_NODE, env), "first run");
            assert.strictEqual(box.get("/etc/default/kubelet"), `KUBELET_EXTRA_ARGS="${args}"\n`);
            assert.ok(fs.existsSync(box.p("/var/lib/kvm-k8s/pending/restart-kubelet")));
            const second = box.run(PREPARE_NODE, env);
            ok(second, "second run");
            assert.doesNotMatch(second.stdout, /changed:/);
            const quoted = box.run(PREPARE_NODE, { ...env, KUBELET_EXTRA_ARGS: "--node-labels='a=b'" });
            assert.notStrictEqual(quoted.status, 0);
            assert.match(quoted.stderr, /KUBELET_EXTRA_ARGS must be one line without quotes/);
        });

        it("prepare-node.sh ops_authorized_key: the director's key once, from its address only; replaced on change; other keys kept", () => {
            const keyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpsKeyA kvm-k8s-ops";
            const keyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpsKeyB kvm-k8s-ops";
            const opts = (address: string) => `from="${address}",no-agent-forwarding,no-X11-forwarding,no-port-forwarding`;
            const block = (address: string, key: string) => `# BEGIN kvm-k8s-ops\n${opts(address)} ${key}\n# END kvm-k8s-ops\n`;
            const file = "/home/kvmk8s/.ssh/authorized_keys";
            const before = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin admin@laptop\n";
            const after = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQLater later@host\n";
            box.put(file, before, 0o644);
            // The program trims the key; a trailing newline is tolerated anyway.
            const env = { ...NODE_ENV, KVMK8S_ONLY: "ops_authorized_key", OPS_USER: "kvmk8s", OPS_PUBLIC_KEY: `${keyA}\n`, DIRECTOR_ADDRESS: "10.10.0.10" };

            const first = box.run(PREPARE_NODE, env);
            ok(first, "first run");
            assert.match(first.stdout, /^changed: \/home\/kvmk8s\/\.ssh\/authorized_keys authorizes the director's operations key \(from 10\.10\.0\.10\)$/m);
            assert.strictEqual(box.get(file), before + block("10.10.0.10", keyA));
            assert.strictEqual(box.mode(file), 0o600);
            assert.strictEqual(box.mode("/home/kvmk8s/.ssh"), 0o700);
            const mtime = box.mtimeNs(file);
            sleepMs(20);

            const second = box.run(PREPARE_NODE, env);
            ok(second, "second run");
            assert.match(second.stdout, /^ok: \/home\/kvmk8s\/\.ssh\/authorized_keys already authorizes/m);
            assert.doesNotMatch(second.stdout, /changed:/);
            assert.strictEqual(box.mtimeNs(file), mtime, "not rewritten");

            // Someone adds a key after the block; a new ops key replaces the block in place.
            fs.appendFileSync(box.p(file), after);
            ok(box.run(PREPARE_NODE, { ...env, OPS_PUBLIC_KEY: keyB }), "new key");
            assert.strictEqual(box.get(file), before + block("10.10.0.10", keyB) + after);
            ok(box.run(PREPARE_NODE, { ...env, OPS_PUBLIC_KEY: keyB, DIRECTOR_ADDRESS: "10.10.0.9" }), "new address");
            assert.strictEqual(box.get(file), before + block("10.10.0.9", keyB) + after);
            assert.strictEqual(box.get(file).split("kvm-k8s-ops\n").length - 1, 3, "one block holding one key line");

            // A fresh node: no authorized_keys yet.
            const fresh = box.run(PREPARE_NODE, { ...env, OPS_USER: "ops2" });
            ok(fresh, "fresh user");
            assert.strictEqual(box.get("/home/ops2/.ssh/authorized_keys"), block("10.10.0.10", keyA));
            assert.strictEqual(box.mode("/home/ops2/.ssh/authorized_keys"), 0o600);
            assert.strictEqual(box.mode("/home/ops2/.ssh"), 0o700);

            const none = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "ops_authorized_key" });
            ok(none, "no ops key");
            assert.match(none.stdout, /^ok: no OPS_PUBLIC_KEY given; no operations key to authorize$/m);

            const kept = before + block("10.10.0.9", keyB) + after;
            for (const [bad, message] of [
                [{ DIRECTOR_ADDRESS: "" }, /OPS_USER, OPS_PUBLIC_KEY and DIRECTOR_ADDRESS go together/],
                [{ OPS_PUBLIC_KEY: `command="/bin/sh" ${keyA}` }, /OPS_PUBLIC_KEY is not one OpenSSH public key line/],
                [{ OPS_PUBLIC_KEY: `${keyA}\n${keyB}` }, /OPS_PUBLIC_KEY is not one OpenSSH public key line/],
                [{ DIRECTOR_ADDRESS: '10.10.0.10",permitopen="*' }, /DIRECTOR_ADDRESS .* is not an IP address/],
                [{ OPS_USER: "../root" }, /OPS_USER '\.\.\/root' is not a user name/],
            ] as const) {
                const r = box.run(PREPARE_NODE, { ...env, ...bad });
                assert.notStrictEqual(r.status, 0, JSON.stringify(bad));
                assert.match(r.stderr, message);
                assert.strictEqual(box.get(file), kept, "a bad input changes nothing");
            }

            box.put(file, "# BEGIN kvm-k8s-ops\nssh-ed25519 AAAAold\n");
            const broken = box.run(PREPARE_NODE, env);
            assert.notStrictEqual(broken.status, 0);
            assert.match(broken.stderr, /the '# BEGIN kvm-k8s-ops' \/ '# END kvm-k8s-ops' markers are repeated or unbalanced/);
            assert.strictEqual(box.get(file), "# BEGIN kvm-k8s-ops\nssh-ed25519 AAAAold\n", "a damaged file is left for a human");
        });

        it("KVMK8S_ONLY names a step; steps that touch the running system refuse a KVMK8S_ROOT", () => {
            const unknown = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "rm_rf" });
            assert.notStrictEqual(unknown.status, 0);
            assert.match(unknown.stderr, /KVMK8S_ONLY=rm_rf is not a step of this script/);
            for (const live of ["swap_off", "kernel_modules", "install_containerd", "kubernetes_packages"]) {
                const r = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: live });
                assert.notStrictEqual(r.status, 0, live);
                assert.match(r.stderr, new RegExp(`step ${live} acts on the running system`));
            }
            const missing = box.run(PREPARE_NODE, { ...NODE_ENV, NTP_SERVERS: "", KVMK8S_ONLY: "write_files" });
            assert.notStrictEqual(missing.status, 0);
            assert.match(missing.stderr, /NTP_SERVERS is required/);
        });

        it("prepare-director.sh hosts_block: the registry name resolves to the director", () => {
            box.put("/etc/hosts", "127.0.0.1 localhost\n");
            const env = {
                KUBERNETES_VERSION: "1.31.4",
                KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.31/deb/",
                HELM_URL: "https://get.helm.sh/helm-v3.16.3-linux-amd64.tar.gz",
                HELM_VERSION: "v3.16.3",
                REGISTRY_HOST: "registry.site1.example",
                REGISTRY_PORT: "5000",
                REGISTRY_USER: "kvmk8s",
                REGISTRY_PASSWORD: "it's-a-secret",
                DIRECTOR_ADDRESS: "10.10.0.10",
                KVMK8S_ONLY: "hosts_block",
            };
            const rel = "components/director/scripts/prepare-director.sh";
            const first = box.run(rel, env);
            ok(first, "first run");
            assert.strictEqual(box.get("/etc/hosts"), "127.0.0.1 localhost\n# BEGIN kvm-k8s\n10.10.0.10 registry.site1.example\n# END kvm-k8s\n");
            const second = box.run(rel, env);
            ok(second, "second run");
            assert.doesNotMatch(second.stdout, /changed:/);
            assert.doesNotMatch(first.stdout + first.stderr + second.stdout + second.stderr, /secret/);
        });
    });

    describe("kubeadm steps, with a stand-in kubeadm", () => {
        let box: Sandbox;
        const TOKEN = "abcdef.0123456789abcdef";
        const CERT_KEY = "f".repeat(64);
        beforeEach(() => {
            box = new Sandbox();
            // Prints what real kubeadm prints that must never reach the program's output.
            box.tool(
                "kubeadm",
                `echo "kubeadm $*" >>"$FAKE_CALLS"
case "$1" in
init)
    grep -q 'path: /etc/kubernetes/super-admin.conf' "$KVMK8S_ROOT/etc/kubernetes/manifests/kube-vip.yaml" && echo "kube-vip on super-admin.conf" >>"$FAKE_CALLS"
    echo "You can now join any number of control-plane nodes by running:"
    echo "  kubeadm join k8s.site1.example:6443 --token ${TOKEN} \\\\"
    echo "    --discovery-token-ca-cert-hash sha256:0123 --control-plane --certificate-key ${CERT_KEY}"
    echo "[upload-certs] Using certificate key:"
    echo "${CERT_KEY}"
    echo "[init] harmless progress line"
    [[ "\${FAKE_FAIL:-}" == 1 ]] && exit 1
    mkdir -p "$KVMK8S_ROOT/etc/kubernetes"
    echo "admin kubeconfig" >"$KVMK8S_ROOT/etc/kubernetes/admin.conf" ;;
join)
    # the configuration kubeadm was given (a temporary copy, gone after the run)
    cp "$3" "$FAKE_CALLS.config"; stat -c %a "$3" >"$FAKE_CALLS.mode"
    echo "[preflight] Running pre-flight checks"
    echo "[discovery] using token ${TOKEN}"
    echo "[kubelet-start] harmless progress line"
    [[ "\${FAKE_FAIL:-}" == 1 ]] && { echo "error: could not reach the API" >&2; exit 1; }
    mkdir -p "$KVMK8S_ROOT/etc/kubernetes"
    echo "kubelet kubeconfig" >"$KVMK8S_ROOT/etc/kubernetes/kubelet.conf" ;;
reset) echo "[reset] done" ;;
esac
exit 0
`,
            );
        });
        afterEach(() => box.cleanup());

        const calls = (): string[] => {
            const f = path.join(box.dir, "calls");
            return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n").filter(Boolean) : [];
        };
        // as the program renders it: placeholders, no credential (kubeadm.ts)
        const JOIN_YAML = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    token: "@JOIN_TOKEN@"\n';
        const joinFiles = `0600 /etc/kvm-k8s/kubeadm-join.yaml ${b64(JOIN_YAML)}`;

        it("join-worker.sh joins once, keeps kubeadm's secrets out of its output, and resets a failed join", () => {
            const rel = "components/workers/scripts/join-worker.sh";
            const extra = { FAKE_CALLS: path.join(box.dir, "calls") };

            // without the director's credentials: refused before kubeadm runs
            const direct = box.run(rel, { KVMK8S_FILES: joinFiles }, extra);
            assert.notStrictEqual(direct.status, 0);
            assert.match(direct.stderr, /JOIN_TOKEN is missing or not a bootstrap token: the director's join-node\.sh mints one per join/);
            assert.deepStrictEqual(calls(), []);

            const failed = box.run(rel, { KVMK8S_FILES: joinFiles, JOIN_TOKEN: TOKEN }, { ...extra, FAKE_FAIL: "1" });
            assert.notStrictEqual(failed.status, 0);
            const out = failed.stdout + failed.stderr;
            assert.ok(!out.includes(TOKEN), `the join token leaked:\n${out}`);
            assert.doesNotMatch(out, /--discovery-token|certificate-key/);
            assert.match(failed.stderr, /harmless progress line/, "the log's tail is shown");
            assert.match(failed.stderr, /could not reach the API/);
            assert.match(failed.stderr, /kubeadm reset done/);
            // kubeadm reads a root-only temporary copy with the token; the file on disk keeps the placeholder
            assert.match(calls()[0], /^kubeadm join --config \/\S*kvm-k8s\.\w+\/kubeadm-join\.yaml$/);
            assert.deepStrictEqual(calls().slice(1), ["kubeadm reset --force"]);
            assert.strictEqual(fs.readFileSync(path.join(box.dir, "calls.config"), "utf8"), JOIN_YAML.replace("@JOIN_TOKEN@", TOKEN));
            assert.strictEqual(fs.readFileSync(path.join(box.dir, "calls.mode"), "utf8").trim(), "600");
            assert.strictEqual(box.get("/etc/kvm-k8s/kubeadm-join.yaml"), JOIN_YAML, "no credential on the node's disk");
            assert.ok(!fs.existsSync(calls()[0].split(" ").pop()!), "the copy is removed with the run");
            const log = box.p("/var/log/kvm-k8s/kubeadm-join.log");
            assert.strictEqual(fs.statSync(log).mode & 0o777, 0o600);
            assert.strictEqual(fs.statSync(path.dirname(log)).mode & 0o777, 0o700);
            assert.ok(fs.readFileSync(log, "utf8").includes(TOKEN), "the full output is kept in the root-only log");

            fs.rmSync(path.join(box.dir, "calls"));
            const joined = box.run(rel, { KVMK8S_FILES: joinFiles, JOIN_TOKEN: TOKEN }, extra);
            ok(joined, "join");
            assert.match(joined.stdout, /^changed: joined the cluster as a worker$/m);
            assert.ok(!joined.stdout.includes(TOKEN));
            assert.strictEqual(box.mode("/etc/kvm-k8s/kubeadm-join.yaml"), 0o600);

            fs.rmSync(path.join(box.dir, "calls"));
            const again = box.run(rel, { KVMK8S_FILES: joinFiles }, extra);
            ok(again, "second run");
            assert.match(again.stdout, /^ok: already joined/m);
            assert.doesNotMatch(again.stdout, /changed:/);
            assert.deepStrictEqual(calls(), [], "kubeadm is not run again");
        });

        it("init-control-plane.sh runs kube-vip on super-admin.conf during init, on admin.conf after", () => {
            const rel = "components/control-plane/scripts/init-control-plane.sh";
            const vip = [
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: kube-vip",
                "spec:",
                "  containers:",
                "  - name: kube-vip",
                "    volumeMounts:",
                "    - mountPath: /etc/kubernetes/admin.conf",
                "      name: kubeconfig",
                "  volumes:",
                "  - hostPath:",
                "      path: /etc/kubernetes/admin.conf",
                "    name: kubeconfig",
                "",
            ].join("\n");
            const files = [
                `0600 /etc/kvm-k8s/kubeadm-init.yaml ${b64("kind: InitConfiguration\n")}`,
                joinFiles,
                `0600 /etc/kvm-k8s/kube-vip.yaml ${b64(vip)}`,
            ].join("\n");
            // Nothing listens on 127.0.0.1:1: the API does not answer, so this is a first init.
            const env = { CONTROL_PLANE_ENDPOINT: "127.0.0.1:1", KVMK8S_FILES: files };
            const extra = { FAKE_CALLS: path.join(box.dir, "calls") };

            const first = box.run(rel, env, extra);
            ok(first, "init");
            assert.deepStrictEqual(calls(), [
                // no --upload-certs: each master join uploads them with its own key (join-node.sh)
                `kubeadm init --config ${box.p("/etc/kvm-k8s/kubeadm-init.yaml")} --skip-token-print`,
                "kube-vip on super-admin.conf",
            ]);
            assert.match(first.stdout, /^changed: control plane initialised at 127\.0\.0\.1:1$/m);
            assert.ok(!first.stdout.includes(TOKEN) && !first.stdout.includes(CERT_KEY));
            assert.strictEqual(box.get("/etc/kubernetes/manifests/kube-vip.yaml"), vip, "after init: the manifest as given, on admin.conf");
            assert.strictEqual(box.mode("/etc/kubernetes/manifests/kube-vip.yaml"), 0o600);
            assert.strictEqual(box.get("/root/.kube/config"), "admin kubeconfig\n");
            assert.strictEqual(box.mode("/root/.kube/config"), 0o600);

            fs.rmSync(path.join(box.dir, "calls"));
            const second = box.run(rel, env, extra);
            ok(second, "second run");
            assert.match(second.stdout, /^ok: control plane already initialised/m);
            assert.doesNotMatch(second.stdout, /changed:/);
            assert.deepStrictEqual(calls(), []);
        });
    });

    describe("waiting for SSH and long silent steps (real sockets on loopback)", () => {
        let box: Sandbox;
        let server: ChildProcess | undefined;
        beforeEach(() => {
            box = new Sandbox();
        });
        afterEach(() => {
            server?.kill();
            server = undefined;
            box.cleanup();
        });

        /** A TCP server on 127.0.0.1 in its own process (the scripts run synchronously), greeting every client with `greeting`. */
        const listen = async (greeting: string): Promise<number> => {
            const code = `const s = require("net").createServer((c) => { c.end(${JSON.stringify(greeting)}); });
                s.listen(0, "127.0.0.1", () => console.log(s.address().port));`;
            server = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
            return new Promise((resolve) => server!.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
        };
        /** A loopback port nothing listens on: bound, then closed. */
        const closedPort = async (): Promise<number> => {
            const s = net.createServer();
            await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
            const port = (s.address() as net.AddressInfo).port;
            await new Promise<void>((resolve) => s.close(() => resolve()));
            return port;
        };
        const rel = "components/remote/scripts/wait-for-ssh.sh";

        it("wait-for-ssh.sh succeeds on an SSH banner and says which", async () => {
            const port = await listen("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
            const r = box.run(rel, { HOST: "127.0.0.1", PORT: String(port), NODE: "site1-worker-1", TIMEOUT_SECONDS: "10" });
            ok(r, "sshd answers");
            assert.match(r.stdout, /^ok: site1-worker-1's sshd answers on 127\.0\.0\.1:\d+ \(SSH-2\.0-OpenSSH_9\.2p1 Debian-2\+deb12u3\)$/m);
        });

        it("wait-for-ssh.sh is bounded and says what it saw: refused, or a port that is not sshd", async () => {
            const refused = box.run(rel, { HOST: "127.0.0.1", PORT: String(await closedPort()), NODE: "site1-worker-1", TIMEOUT_SECONDS: "0" });
            assert.notStrictEqual(refused.status, 0);
            assert.match(refused.stderr, /^ERROR: timed out after 0s waiting for site1-worker-1's sshd: no SSH banner from 127\.0\.0\.1:\d+ \(refused, or nothing answers\); is the VM running/m);
            const port = await listen("HTTP/1.1 400 Bad Request\r\n");
            const http = box.run(rel, { HOST: "127.0.0.1", PORT: String(port), NODE: "site1-worker-1", TIMEOUT_SECONDS: "0" });
            assert.notStrictEqual(http.status, 0);
            assert.match(http.stderr, /127\.0\.0\.1:\d+ answers, but not as an SSH server \('HTTP\/1\.1 400 Bad Request'\)/);
        });

        /** Runs `body` after lib.sh is loaded, its stdout piped through cat: the run ends only when every holder of stdout has closed it. */
        const withLib = (body: string): { res: ReturnType<typeof spawnSync>; ms: number } => {
            const script = path.join(box.dir, "long-step.sh");
            fs.writeFileSync(script, `source ${path.join(ROOT, LIB)}\n${body}`);
            const started = Date.now();
            const res = spawnSync("bash", ["-c", `bash ${script} | cat`], { encoding: "utf8", env: { PATH: `${box.bin}:${process.env.PATH}`, KVMK8S_ROOT: box.root } });
            return { res, ms: Date.now() - started };
        };

        it("a long logged step keeps talking: an idle SSH session can be cut on the way", () => {
            box.tool("slow-tool", "sleep 2.5\necho done >&2\n");
            const { res } = withLib(`HEARTBEAT_SECONDS=1\nrun_logged slow slow-tool\nlog "after"\n`);
            assert.strictEqual(res.status, 0, String(res.stderr));
            assert.deepStrictEqual(String(res.stdout).split("\n").filter(Boolean), [
                "... still running slow (log /var/log/kvm-k8s/slow.log) (1s)",
                "... still running slow (log /var/log/kvm-k8s/slow.log) (2s)",
                "after",
            ]);
            assert.match(box.get("/var/log/kvm-k8s/slow.log"), /^done$/m);
        });

        it("the heartbeat leaves no process holding the output (it would keep the Command open)", () => {
            box.tool("quick-tool", "sleep 1\n");
            // a leftover heartbeat sleep would hold stdout for 20 s
            const { res, ms } = withLib(`HEARTBEAT_SECONDS=20\nrun_logged quick quick-tool\nlog "after"\n`);
            assert.strictEqual(res.status, 0, String(res.stderr));
            assert.strictEqual(String(res.stdout), "after\n");
            assert.ok(ms < 12_000, `the output stayed open ${ms} ms`);
        });
    });

    describe("cluster steps, with a stand-in kubectl", () => {
        let box: Sandbox;
        // State files: nodes ("name ready unschedulable ip"), etcd members (etcdctl's simple format).
        const KUBECTL = `state="$FAKE_STATE"
echo "kubectl $*" >>"$state/calls"
args=" $* "
node_line() { awk -v n="$1" '$1 == n' "$state/nodes"; }
case "$args" in
*" get nodes "*"-o wide"*) echo "NAME STATUS"; awk '{ print $1, ($2 == "True" ? "Ready" : "NotReady") }' "$state/nodes" ;;
*" get nodes "*) awk '{ print $1, $2 }' "$state/nodes" ;;
*" get node "*" -o name"*) n="$(awk '{ for (i = 1; i <= NF; i++) if ($i == "node") { print $(i + 1); exit } }' <<<"$*")"
    if [[ -n "$(node_line "$n")" ]]; then echo "node/$n"; fi ;;
*" get node "*"unschedulable"*) n="$3"; node_line "$n" | awk '{ print $3 }' ;;
*" get node "*"InternalIP"*) n="$3"; node_line "$n" | awk '{ print $4 }' ;;
*" get node "*"Ready"*) n="$3"; node_line "$n" | awk '{ print $2 }' ;;
*" cordon "*) n="$2"; awk -v n="$n" '$1 == n { $3 = "true" } { print }' "$state/nodes" >"$state/n.tmp"; mv "$state/n.tmp" "$state/nodes"; echo "node/$n cordoned" ;;
*" drain "*) if [[ -n "\${FAKE_DRAIN_FAIL:-}" ]]; then echo "error when evicting pods/web-1: Cannot evict pod as it would violate the pod's disruption budget." >&2; exit 1; fi; echo "node/$2 drained" ;;
*" get pods -l component=etcd "*) awk '$1 ~ /^master-/ { print "etcd-" $1, $1, "Running" }' "$state/nodes" ;;
*" exec "*" member list"*) cat "$state/members" ;;
*" exec "*" member remove "*) id="\${*: -1}"; grep -v "^$id," "$state/members" >"$state/m.tmp"; mv "$state/m.tmp" "$state/members"; echo "Member $id removed" ;;
*" delete node "*) n="$3"; awk -v n="$n" '$1 != n' "$state/nodes" >"$state/n.tmp"; mv "$state/n.tmp" "$state/nodes"; echo "node \\"$n\\" deleted" ;;
*) echo "fake kubectl: unexpected: $*" >&2; exit 99 ;;
esac
`;
        beforeEach(() => {
            box = new Sandbox();
            box.tool("kubectl", KUBECTL);
            fs.mkdirSync(path.join(box.dir, "state"));
        });
        afterEach(() => box.cleanup());

        const state = (name: string, content?: string): string => {
            const f = path.join(box.dir, "state", name);
            if (content !== undefined) fs.writeFileSync(f, content);
            return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
        };
        const extra = (): Record<string, string> => ({ FAKE_STATE: path.join(box.dir, "state") });
        const kubectlCalls = (): string[] => state("calls").trim().split("\n").filter(Boolean);
        const NODES = "master-1 True false 10.10.0.11\nmaster-2 True false 10.10.0.12\nmaster-3 True false 10.10.0.13\nworker-1 True false 10.10.0.21\n";
        const MEMBERS = [
            "8e9e05c52164694d, started, master-1, https://10.10.0.11:2380, https://10.10.0.11:2379, false",
            "91bc3c398fb3c146, started, master-2, https://10.10.0.12:2380, https://10.10.0.12:2379, false",
            "fd422379fda50e48, started, master-3, https://10.10.0.13:2380, https://10.10.0.13:2379, false",
            "",
        ].join("\n");

        it("wait-nodes-ready.sh passes when all are Ready and names the missing and NotReady ones on timeout", () => {
            const rel = "components/cluster/scripts/wait-nodes-ready.sh";
            state("nodes", NODES);
            const ready = box.run(rel, { EXPECTED_NODES: "master-1 worker-1" }, extra());
            ok(ready, "all Ready");
            assert.match(ready.stdout, /^ok: all 2 expected nodes are Ready$/m);
            assert.match(ready.stdout, /^NAME STATUS$/m, "ends with kubectl get nodes -o wide");

            state("nodes", "master-1 True false 10.10.0.11\nworker-1 False false 10.10.0.21\n");
            const late = box.run(rel, { EXPECTED_NODES: "master-1 worker-1 worker-2", TIMEOUT_SECONDS: "0" }, extra());
            assert.notStrictEqual(late.status, 0);
            assert.match(late.stderr, /timed out after 0s waiting for nodes to be Ready \(not registered: worker-2; not Ready: worker-1\)/);

            const bad = box.run(rel, { EXPECTED_NODES: "master-1", TIMEOUT_SECONDS: "soon" }, extra());
            assert.notStrictEqual(bad.status, 0);
            assert.match(bad.stderr, /TIMEOUT_SECONDS 'soon' is not a number/);
        });

        it("remove-node.sh drains, removes the etcd member and the node; a re-run changes nothing", () => {
            const rel = "components/cluster/scripts/remove-node.sh";
            box.put("/etc/kvm-k8s/roster", "master-1\nmaster-2\nmaster-3\nworker-1\n");
            state("nodes", NODES);
            state("members", MEMBERS);
            const env = { NODE: "master-1", ROLE: "master" };

            const first = box.run(rel, env, extra());
            ok(first, "first removal");
            for (const line of [
                /^ok: the 3 other roster nodes are Ready$/m,
                /^changed: cordoned master-1$/m,
                /^changed: drained master-1$/m,
                /^changed: removed master-1's etcd member 8e9e05c52164694d \(2 members left\)$/m,
                /^changed: deleted node master-1$/m,
            ]) {
                assert.match(first.stdout, line);
            }
            const c = kubectlCalls();
            assert.ok(c.some((l) => /^kubectl drain master-1 --ignore-daemonsets --delete-emptydir-data --timeout=600s$/.test(l)), c.join("\n"));
            const exec = c.find((l) => l.includes("member remove"));
            assert.ok(exec, "etcdctl member remove ran");
            assert.match(exec!, /exec etcd-master-[23] -c etcd .*-- etcdctl --endpoints=https:\/\/127\.0\.0\.1:2379 --cacert=\/etc\/kubernetes\/pki\/etcd\/ca\.crt --cert=\/etc\/kubernetes\/pki\/etcd\/server\.crt --key=\/etc\/kubernetes\/pki\/etcd\/server\.key member remove 8e9e05c52164694d$/);
            assert.ok(!c.some((l) => l.includes("exec etcd-master-1")), "never asks the etcd of the node being removed");
            assert.doesNotMatch(state("members"), /master-1/);
            assert.doesNotMatch(state("nodes"), /master-1 /);

            // A re-run after success (e.g. Pulumi retrying the delete) finds nothing left to do.
            state("calls", "");
            const again = box.run(rel, env, extra());
            ok(again, "re-run");
            assert.match(again.stdout, /^ok: node master-1 not registered; nothing to drain$/m);
            assert.match(again.stdout, /^ok: no etcd member for master-1$/m);
            assert.match(again.stdout, /^ok: node master-1 already absent$/m);
            assert.doesNotMatch(again.stdout, /changed:/);
        });

        it("remove-node.sh waits for roster nodes, fails a blocked drain clearly, refuses to remove the last etcd member", () => {
            const rel = "components/cluster/scripts/remove-node.sh";
            box.put("/etc/kvm-k8s/roster", "master-1\nworker-1\nworker-2\n");
            state("nodes", "master-1 True false 10.10.0.11\nworker-1 True false 10.10.0.21\n");
            const waiting = box.run(rel, { NODE: "worker-1", ROLE: "worker", WAIT_TIMEOUT_SECONDS: "0" }, extra());
            assert.notStrictEqual(waiting.status, 0);
            assert.match(waiting.stderr, /timed out after 0s waiting before removing worker-1, one node at a time, for: worker-2 \(not registered\)/);
            assert.ok(!kubectlCalls().some((l) => /cordon|drain|delete/.test(l)), "nothing is touched while waiting");

            box.put("/etc/kvm-k8s/roster", "master-1\nworker-1\n");
            const blocked = box.run(rel, { NODE: "worker-1", ROLE: "worker" }, { ...extra(), FAKE_DRAIN_FAIL: "1" });
            assert.notStrictEqual(blocked.status, 0);
            assert.match(blocked.stderr, /drain of worker-1 did not finish within 600s/);
            assert.match(blocked.stderr, /disruption budget/);
            assert.match(state("nodes"), /^worker-1 True true /m, "left cordoned");
            assert.ok(!kubectlCalls().some((l) => l.startsWith("kubectl delete")), "not deleted after a failed drain");

            state("nodes", "master-1 True false 10.10.0.11\nmaster-2 True false 10.10.0.12\n");
            state("members", "aaaa, started, master-2, https://10.10.0.12:2380, https://10.10.0.12:2379, false\n");
            box.put("/etc/kvm-k8s/roster", "master-1\nmaster-2\n");
            const last = box.run(rel, { NODE: "master-2", ROLE: "master" }, extra());
            assert.notStrictEqual(last.status, 0);
            assert.match(last.stderr, /refusing to remove master-2's etcd member aaaa: it is the only member left/);
            assert.match(state("nodes"), /^master-2 /m, "the node is kept");
        });
    });

    describe("director ops scripts, with stand-in kubectl and ssh", () => {
        let box: Sandbox;
        const OPS_USER = "kvmk8s";
        // State files: nodes ("name kubeletHealthy kubeletVersion unschedulable address"), cni
        // (present: a CNI is installed; like the real kubelet, no node is Ready without one),
        // apiserver-down (names of masters whose API server does not answer), server (the API
        // server's gitVersion), api-down (present: the API does not answer), secret-NAME (a
        // bootstrap token's "data.token-secret data.expiration"), events (kubectl and ssh calls that
        // change something, in order), remote-snapshot (the file etcdctl saved on the master),
        // applied-FILE (server-side applied manifests, for kubectl diff).
        const KUBECTL = `state="$FAKE_STATE"
echo "kubectl $*" >>"$state/calls"
args=" $* "
after() { local want="$1" prev=""; shift; for a in "$@"; do if [[ "$prev" == "$want" ]]; then echo "$a"; return; fi; prev="$a"; done; }
# the Ready condition: a healthy kubelet reports NotReady until a CNI config exists
node_line() { awk -v n="$1" -v cni="$([[ -e "$state/cni" ]] && echo 1)" '$1 == n { if (!cni) $2 = "False"; print }' "$state/nodes"; }
set_field() { awk -v n="$1" -v f="$2" -v v="$3" '$1 == n { $f = v } { print }' "$state/nodes" >"$state/n.tmp"; mv "$state/n.tmp" "$state/nodes"; }
api_down() { [[ -e "$state/api-down" ]]; }
case "$args" in
*" get --raw /readyz "*) if api_down; then echo "The connection to the server k8s.site1.example:6443 was refused" >&2; exit 1; fi; echo ok ;;
*" version -o json "*)
    printf '{\\n  "clientVersion": {\\n    "major": "1",\\n    "gitVersion": "v1.30.9"\\n  },\\n  "kustomizeVersion": "v5.4.2"'
    if api_down; then printf '\\n}\\n'; echo "The connection to the server k8s.site1.example:6443 was refused" >&2; exit 1; fi
    printf ',\\n  "serverVersion": {\\n    "major": "1",\\n    "gitVersion": "%s",\\n    "platform": "linux/amd64"\\n  }\\n}\\n' "$(cat "$state/server")" ;;
*" get nodes "*) awk -v cni="$([[ -e "$state/cni" ]] && echo 1)" '{ print $1, (cni ? $2 : "False") }' "$state/nodes" ;;
*" get node "*)
    n="$(after node "$@")"; l="$(node_line "$n")"
    if [[ -z "$l" ]]; then
        if [[ "$args" == *" --ignore-not-found "* ]]; then exit 0; fi
        echo "Error from server (NotFound): nodes \\"$n\\" not found" >&2; exit 1
    fi
    case "$args" in
    *" -o name "*) echo "node/$n" ;;
    *kubeletVersion*Ready*) awk '{ print $3, $2 }' <<<"$l" ;;
    *kubeletVersion*) awk '{ print $3 }' <<<"$l" ;;
    *Ready*) awk '{ print $2 }' <<<"$l" ;;
    *) echo "fake kubectl: unexpected node query: $*" >&2; exit 99 ;;
    esac ;;
*" get pod kube-apiserver-"*"Ready"*) n="$(after pod "$@")"; n="\${n#kube-apiserver-}"
    # a static pod: the kubelet reports it whether or not the node is Ready
    if [[ -n "$(node_line "$n")" ]]; then if grep -qx "$n" "$state/apiserver-down" 2>/dev/null; then echo False; else echo True; fi; fi ;;
*" get pod kube-apiserver-"*) n="$(after pod "$@")"; l="$(node_line "\${n#kube-apiserver-}")"
    if [[ -n "$l" ]]; then echo "registry.k8s.io/kube-apiserver:$(awk '{ print $3 }' <<<"$l")"; fi ;;
*" drain "*) n="$(after drain "$@")"; echo "drain $n" >>"$state/events"; set_field "$n" 4 true
    if [[ " \${FAKE_DRAIN_FAIL:-} " == *" $n "* ]]; then echo "error when evicting pods/web-1: Cannot evict pod as it would violate the pod's disruption budget." >&2; exit 1; fi
    echo "node/$n drained" ;;
*" uncordon "*) n="$(after uncordon "$@")"; echo "uncordon $n" >>"$state/events"; set_field "$n" 4 false; echo "node/$n uncordoned" ;;
*" get secret "*) n="$(after secret "$@")"; if [[ -f "$state/secret-$n" ]]; then cat "$state/secret-$n"; fi ;;
*" delete secret "*) n="$(after secret "$@")"; echo "delete secret $n" >>"$state/events"; rm -f "$state/secret-$n"; echo "secret \\"$n\\" deleted" ;;
*" apply "*" -f - "*) cat >"$state/applied"; echo "apply" >>"$state/events"
    n="$(awk '$1 == "name:" { print $2; exit }' "$state/applied")"
    awk '$1 == "token-secret:" { s = $2 } $1 == "expiration:" { e = $2 } END { print s, e }' "$state/applied" >"$state/secret-$n"
    echo "secret/$n serverside-applied" ;;
*" get configmap cluster-info "*) echo "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..signature" ;;
*" diff --server-side "*) f="$(after -f "$@")"; cmp -s "$f" "$state/applied-$(basename "$f")" ;;
*" apply --server-side "*" -f /"*) f="$(after -f "$@")"; cp "$f" "$state/applied-$(basename "$f")"; echo "apply $(basename "$f")" >>"$state/events"
    # the Calico Installation: calico-node writes the CNI config on every node
    if grep -q '^kind: Installation$' "$f"; then touch "$state/cni"; fi
    echo "applied $f" ;;
*" wait --for=condition=Established "*) echo "condition met" ;;
*" get tigerastatus calico "*) if [[ -e "$state/cni" ]]; then echo True; fi ;;
*" config view "*) cat "$state/ca-b64" ;;
*" get csr "*"jsonpath={.spec.request}"*) n="$(after csr "$@")"; cat "$state/csr-$n.req" ;;
*" get csr "*) if [[ -f "$state/csrs" ]]; then cat "$state/csrs"; fi ;;
*" certificate approve "*) n="$(after approve "$@")"; echo "approve $n" >>"$state/events"
    awk -v n="$n" '$1 == n { $3 = "Approved" } { print }' "$state/csrs" >"$state/c.tmp"; mv "$state/c.tmp" "$state/csrs"
    # the kubelet picks up its issued certificate
    cp "$state/csr-$n.cert" "$state/serving-$(cat "$state/csr-$n.addr")" ;;
*" certificate deny "*) n="$(after deny "$@")"; echo "deny $n" >>"$state/events"
    awk -v n="$n" '$1 == n { $3 = "Denied" } { print }' "$state/csrs" >"$state/c.tmp"; mv "$state/c.tmp" "$state/csrs" ;;
*) echo "fake kubectl: unexpected: $*" >&2; exit 99 ;;
esac
`;
        // Records argv (one line per call) and stdin (ssh-stdin-N); acts like the node would.
        const SSH = `state="$FAKE_STATE"
echo "ssh $*" >>"$state/ssh-calls"
n="$(wc -l <"$state/ssh-calls")"
cat >"$state/ssh-stdin-$n"
address=""; remote=()
for a in "$@"; do
    if [[ -n "$address" ]]; then remote+=("$a"); elif [[ "$a" == *@* ]]; then address="\${a#*@}"; fi
done
node="$(awk -v a="$address" '$5 == a { print $1 }' "$state/nodes")"
if [[ " \${FAKE_SSH_FAIL:-} " == *" $address "* ]]; then echo "kvmk8s@$address: Permission denied (publickey)." >&2; exit 255; fi
case "\${remote[*]}" in
*upload-certs*) echo "upload-certs $node" >>"$state/events"; echo '[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace' ;;
"sudo -n bash -s")
    if grep -q '^# fake node step$' "$state/ssh-stdin-$n"; then
        # a node's kubeadm step, as join-node.sh streams it: env, this join's credentials, script
        t=no; k=no
        if grep -q "^export JOIN_TOKEN='[a-z0-9]\\{6\\}\\.[a-z0-9]\\{16\\}'$" "$state/ssh-stdin-$n"; then t=yes; fi
        if grep -q "^export CERTIFICATE_KEY='[0-9a-f]\\{64\\}'$" "$state/ssh-stdin-$n"; then k=yes; fi
        echo "node-step $address token=$t key=$k" >>"$state/events"
        if [[ " \${FAKE_JOIN_FAIL:-} " == *" $address "* ]]; then echo "ERROR: kubeadm join failed; kubeadm reset done, so the next run starts over" >&2; exit 1; fi
        echo "changed: joined the cluster"
    elif grep -q '^export MODE=' "$state/ssh-stdin-$n"; then
        mode="$(sed -n "s/^export MODE='\\(.*\\)'$/\\1/p" "$state/ssh-stdin-$n")"
        target="$(sed -n "s/^export TARGET_VERSION='\\(.*\\)'$/\\1/p" "$state/ssh-stdin-$n")"
        echo "upgrade $node $mode" >>"$state/events"
        if [[ " \${FAKE_UPGRADE_FAIL:-} " == *" $address "* ]]; then echo "ERROR: kubeadm upgrade node failed; see /var/log/kvm-k8s/kubeadm-upgrade.log" >&2; exit 1; fi
        if [[ " \${FAKE_KUBELET_STUCK:-} " != *" $address "* ]]; then
            awk -v n="$node" -v v="v$target" '$1 == n { $3 = v } { print }' "$state/nodes" >"$state/n.tmp"; mv "$state/n.tmp" "$state/nodes"
        fi
        echo "changed: upgraded to v$target"
    elif grep -q 'snapshot save' "$state/ssh-stdin-$n"; then
        echo "snapshot $node" >>"$state/events"
        cp "$state/snapshot-source" "$state/remote-snapshot"
        echo "Snapshot saved at /var/lib/etcd/kvm-k8s-snapshot.db" >&2
        sha256sum "$state/remote-snapshot" | cut -d " " -f 1
    else
        echo "fake ssh: unexpected script" >&2; exit 99
    fi ;;
"sudo -n cat -- /var/lib/etcd/kvm-k8s-snapshot.db") cat "$state/remote-snapshot"; if [[ -n "\${FAKE_CORRUPT:-}" ]]; then echo corrupt; fi ;;
"sudo -n rm -f -- /var/lib/etcd/kvm-k8s-snapshot.db") echo "rm-snapshot $node" >>"$state/events"; rm -f "$state/remote-snapshot" ;;
*) echo "fake ssh: unexpected remote command: \${remote[*]}" >&2; exit 99 ;;
esac
`;
        beforeEach(() => {
            box = new Sandbox();
            box.tool("kubectl", KUBECTL);
            box.tool("ssh", SSH);
            box.tool("kubeadm", `echo "kubeadm $*" >>"$FAKE_STATE/events"; exit 1\n`);
            fs.mkdirSync(path.join(box.dir, "state"));
            fs.writeFileSync(path.join(box.dir, "state", "ssh-calls"), "");
            box.put("/root/.ssh/kvm-k8s-ops", "-----BEGIN OPENSSH PRIVATE KEY-----\nops\n-----END OPENSSH PRIVATE KEY-----\n", 0o600);
            box.put("/etc/kvm-k8s/known_hosts", "10.10.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMaster1\n");
            // a running cluster has its CNI; the first-build test below starts without one
            state("cni", "");
        });
        afterEach(() => box.cleanup());

        const state = (name: string, content?: string): string => {
            const f = path.join(box.dir, "state", name);
            if (content !== undefined) fs.writeFileSync(f, content);
            return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
        };
        const lines = (name: string): string[] => state(name).split("\n").filter(Boolean);
        const extra = (more: Record<string, string> = {}): Record<string, string> => ({ FAKE_STATE: path.join(box.dir, "state"), ...more });
        const sshArgs = (address: string, remote: string): string =>
            `ssh -i ${box.p("/root/.ssh/kvm-k8s-ops")} -o UserKnownHostsFile=${box.p("/etc/kvm-k8s/known_hosts")} ` +
            `-o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=15 ${OPS_USER}@${address} ${remote}`;
        const MASTERS = "site1-master-1=10.10.0.11 site1-master-2=10.10.0.12 site1-master-3=10.10.0.13";
        const WORKERS = "site1-worker-1=10.10.0.21 site1-worker-2=10.10.0.22 site1-worker-3=10.10.0.23";
        const nodes = (version: string, except: Record<string, string> = {}): string =>
            [...MASTERS.split(" "), ...WORKERS.split(" ")]
                .map((e) => e.split("="))
                .map(([n, a]) => except[n] ?? `${n} True ${version} false ${a}`)
                .join("\n") + "\n";

        describe("join-node.sh", () => {
            const rel = "components/kubeadm/scripts/join-node.sh";
            const NODE_SCRIPT = "# fake node step\necho node step\n";
            const env = (more: Record<string, string> = {}) => ({
                NODE: "site1-worker-3", ROLE: "worker", ADDRESS: "10.10.0.23", MASTERS, OPS_USER,
                NODE_SCRIPT: b64(NODE_SCRIPT), NODE_ENV: b64("export KVMK8S_FILES='0600 /etc/kvm-k8s/kubeadm-join.yaml eA=='\n"), ...more,
            });
            /** The token and key the run minted, read back from what the stand-ins saw. */
            const minted = (): { id: string; secret: string; key?: string } => {
                const manifest = state("applied");
                const field = (k: string): string => Buffer.from(new RegExp(`^  ${k}: (\\S+)$`, "m").exec(manifest)![1], "base64").toString("utf8");
                const streams = lines("ssh-calls").map((_, i) => state(`ssh-stdin-${i + 1}`)).join("\n");
                const key = /^export CERTIFICATE_KEY='([0-9a-f]{64})'$/m.exec(streams)?.[1];
                return { id: field("token-id"), secret: field("token-secret"), key };
            };
            const noSecrets = (r: Run, secrets: string[]): void => {
                const out = r.stdout + r.stderr;
                const argv = state("calls") + state("ssh-calls");
                for (const secret of secrets.filter(Boolean)) {
                    assert.ok(!out.includes(secret) && !out.includes(b64(secret)), `a secret leaked into the output:\n${out}`);
                    assert.ok(!argv.includes(secret) && !argv.includes(b64(secret)), `a secret is on a command line:\n${argv}`);
                }
            };

            it("the first build: no cluster, so no credentials; the node step (kubeadm init) runs without any", () => {
                state("nodes", "");
                const fresh = box.run(rel, env({ NODE: "site1-master-1", ROLE: "master", ADDRESS: "10.10.0.11" }), extra());
                ok(fresh, "no kubeconfig");
                assert.match(fresh.stdout, /^ok: no cluster yet \(\/root\/\.kube\/config absent\): no join credentials; kubeadm init makes its own short-lived token$/m);
                assert.deepStrictEqual(lines("calls"), [], "kubectl is not even asked");
                assert.deepStrictEqual(lines("events"), ["node-step 10.10.0.11 token=no key=no"]);
                assert.match(fresh.stdout, /^ {2}site1-master-1: changed: joined the cluster$/m, "the node's output is shown, prefixed");
                assert.ok(state("ssh-stdin-1").startsWith("export KVMK8S_FILES="), "the node's environment first");
                assert.ok(state("ssh-stdin-1").endsWith(NODE_SCRIPT), "then its script");
            });

            it("a worker join: a token of its own (random id, 15 minutes) on ssh's stdin only, deleted once the node has joined", () => {
                box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
                state("nodes", nodes("v1.36.3", { "site1-worker-3": "" }).replace(/\n\n/, "\n"));
                const t0 = Date.now();
                const first = box.run(rel, env(), extra());
                ok(first, "worker join");
                const { id, secret } = minted();
                assert.match(`${id}.${secret}`, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
                noSecrets(first, [secret]);
                assert.deepStrictEqual(lines("events"), ["apply", "node-step 10.10.0.23 token=yes key=no", `delete secret bootstrap-token-${id}`]);
                assert.ok(state("ssh-stdin-1").includes(`export JOIN_TOKEN='${id}.${secret}'\n`), "the node gets the minted token");
                const manifest = state("applied");
                const field = (k: string): string => Buffer.from(new RegExp(`^  ${k}: (\\S+)$`, "m").exec(manifest)![1], "base64").toString("utf8");
                assert.match(manifest, new RegExp(`^  name: bootstrap-token-${id}$`, "m"));
                assert.match(manifest, /^type: bootstrap\.kubernetes\.io\/token$/m);
                assert.strictEqual(field("auth-extra-groups"), "system:bootstrappers:kubeadm:default-node-token");
                assert.strictEqual(field("description"), "kvm-k8s: join of site1-worker-3 (join-node.sh)");
                const expires = Date.parse(field("expiration"));
                assert.ok(expires >= t0 + 14 * 60_000 && expires <= Date.now() + 16 * 60_000, `expiration ${field("expiration")} is not now + 15 minutes`);
                assert.match(first.stdout, new RegExp(`^changed: deleted bootstrap token ${id}$`, "m"));
                assert.strictEqual(state(`secret-bootstrap-token-${id}`), "", "the token's Secret is gone");

                // every join mints its own: a second run gets another id and secret
                state("events", "");
                state("ssh-calls", "");
                const again = box.run(rel, env(), extra());
                ok(again, "another join");
                assert.notStrictEqual(minted().id, id, "a token was reused");
                noSecrets(again, [minted().secret]);
            });

            it("a failed join still deletes its token; the re-run mints a new one", () => {
                box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
                state("nodes", nodes("v1.36.3", { "site1-worker-3": "" }).replace(/\n\n/, "\n"));
                const failed = box.run(rel, env(), extra({ FAKE_JOIN_FAIL: "10.10.0.23" }));
                assert.notStrictEqual(failed.status, 0);
                const { id, secret } = minted();
                noSecrets(failed, [secret]);
                assert.match(failed.stderr, /the node step on site1-worker-3 \(10\.10\.0\.23\) failed \(exit 1; see above and \/var\/log\/kvm-k8s on site1-worker-3\); run pulumi up again: it mints new credentials/);
                assert.deepStrictEqual(lines("events"), ["apply", "node-step 10.10.0.23 token=yes key=no", `delete secret bootstrap-token-${id}`]);
            });

            it("a master join: a fresh certificate key, uploaded by another master from stdin, streamed to the joining master; both Secrets deleted after", () => {
                box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
                // master-1 is NotReady, master-3 (the joining one) is absent: master-2 uploads.
                state("nodes", "site1-master-1 False v1.36.3 false 10.10.0.11\nsite1-master-2 True v1.36.3 false 10.10.0.12\n");
                const r = box.run(rel, env({ NODE: "site1-master-3", ROLE: "master", ADDRESS: "10.10.0.13" }), extra());
                ok(r, "master join");
                const { id, secret, key } = minted();
                assert.match(key ?? "", /^[0-9a-f]{64}$/, "the joining master gets a certificate key");
                noSecrets(r, [secret, key!]);
                assert.match(r.stdout, /^changed: control-plane certificates uploaded from site1-master-2 with a key of site1-master-3's join alone$/m);
                assert.deepStrictEqual(lines("ssh-calls")[0], sshArgs("10.10.0.12", 'sudo -n kubeadm init phase upload-certs --upload-certs --skip-certificate-key-print --certificate-key "$(cat)"'));
                assert.strictEqual(state("ssh-stdin-1"), `${key}\n`, "the uploading master gets the same key, on stdin");
                assert.deepStrictEqual(lines("events"), [
                    "apply",
                    "upload-certs site1-master-2",
                    "node-step 10.10.0.13 token=yes key=yes",
                    `delete secret bootstrap-token-${id}`,
                    "delete secret kubeadm-certs",
                ]);
                const log = box.p("/var/log/kvm-k8s/upload-certs.log");
                assert.strictEqual(fs.statSync(log).mode & 0o777, 0o600);

                // the next master join: another key
                state("events", "");
                state("ssh-calls", "");
                ok(box.run(rel, env({ NODE: "site1-master-3", ROLE: "master", ADDRESS: "10.10.0.13" }), extra()), "again");
                assert.notStrictEqual(minted().key, key, "a certificate key was reused");
            });

            it("a master join with no other serving master fails before the node is touched, and its token is deleted", () => {
                box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
                state("nodes", "site1-master-1 False v1.36.3 false 10.10.0.11\n");
                state("apiserver-down", "site1-master-1\n");
                const none = box.run(rel, env({ NODE: "site1-master-2", ROLE: "master", ADDRESS: "10.10.0.12" }), extra());
                assert.notStrictEqual(none.status, 0);
                assert.match(none.stderr, /no master other than site1-master-2 is registered with an API server that answers \(masters: site1-master-1 site1-master-2 site1-master-3\): cannot upload the control-plane certificates site1-master-2 needs to join/);
                const { id } = minted();
                assert.deepStrictEqual(lines("events"), ["apply", `delete secret bootstrap-token-${id}`]);
                assert.deepStrictEqual(lines("ssh-calls"), []);
            });

            it("a node already joined and Ready gets no credentials; its step still runs (files, kube-vip)", () => {
                box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
                state("nodes", nodes("v1.36.3"));
                const r = box.run(rel, env(), extra());
                ok(r, "joined");
                assert.match(r.stdout, /^ok: site1-worker-3 already joined \(registered and Ready\): no join credentials$/m);
                assert.deepStrictEqual(lines("events"), ["node-step 10.10.0.23 token=no key=no"]);

                const bad = box.run(rel, env({ ADDRESS: "10.10.0" }), extra());
                assert.notStrictEqual(bad.status, 0);
                assert.match(bad.stderr, /ADDRESS '10\.10\.0' is not an IPv4 address/);
            });
        });

        it("admit-node.sh: the node is on the roster and the director knows its host key; nothing else", () => {
            const rel = "components/cluster/scripts/admit-node.sh";
            box.put("/etc/kvm-k8s/roster", "site1-master-1\nsite1-worker-1\n");
            const r = box.run(rel, { NODE: "site1-master-1", ADDRESS: "10.10.0.11" }, extra());
            ok(r, "admitted");
            assert.match(r.stdout, /^ok: site1-master-1's host key is known \(10\.10\.0\.11\); its join mints its own credentials$/m);
            assert.deepStrictEqual([lines("calls"), lines("ssh-calls"), lines("events")], [[], [], []]);
            const unknown = box.run(rel, { NODE: "site1-worker-1", ADDRESS: "10.10.0.21" }, extra());
            assert.notStrictEqual(unknown.status, 0);
            assert.match(unknown.stderr, /no host key for site1-worker-1 \(10\.10\.0\.21\) in \/etc\/kvm-k8s\/known_hosts/);
            const stranger = box.run(rel, { NODE: "site1-worker-9", ADDRESS: "10.10.0.29" }, extra());
            assert.match(stranger.stderr, /site1-worker-9 is not on the roster/);
        });

        it("a first prod build: the CNI right after init lets master-2's join go ahead, and nodes turn Ready only once install-calico.sh has run", () => {
            // After kubeadm init: master-1 is registered, its kubelet healthy and its API server
            // up, but there is no CNI yet, so it is NotReady, as the real kubelet reports it.
            fs.rmSync(path.join(box.dir, "state", "cni"));
            box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
            state("nodes", "site1-master-1 True v1.31.4 false 10.10.0.11\n");
            const gate = box.run("components/cluster/scripts/wait-nodes-ready.sh", { EXPECTED_NODES: "site1-master-1", TIMEOUT_SECONDS: "0" }, extra());
            assert.notStrictEqual(gate.status, 0, "a node is Ready before any CNI exists");
            assert.match(gate.stderr, /not Ready: site1-master-1/);

            // master-2's join, from the director, has the certificates uploaded by master-1, NotReady but serving.
            const join = box.run("components/kubeadm/scripts/join-node.sh", {
                NODE: "site1-master-2", ROLE: "master", ADDRESS: "10.10.0.12", MASTERS, OPS_USER,
                NODE_SCRIPT: b64("# fake node step\n"), NODE_ENV: b64("export KVMK8S_FILES='x'\n"),
            }, extra());
            ok(join, "join before the CNI");
            assert.match(join.stdout, /^changed: control-plane certificates uploaded from site1-master-1 with a key of site1-master-2's join alone$/m);

            // install-calico.sh, as the program runs it right after init: then master-1 is Ready.
            box.put("/opt/tigera-operator.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tigera-operator\n");
            const calico = {
                CALICO_OPERATOR_MANIFEST: "/opt/tigera-operator.yaml",
                KVMK8S_FILES: filesPayload([{ path: "/etc/kvm-k8s/calico-installation.yaml", mode: "0644", content: calicoInstallation(stackSite("prod")) }]),
            };
            const first = box.run("components/cluster/scripts/install-calico.sh", calico, extra());
            ok(first, "install-calico.sh");
            assert.match(first.stdout, /^changed: applied \/etc\/kvm-k8s\/calico-installation\.yaml$/m);
            assert.match(first.stdout, /^ok: calico is Available \(tigerastatus calico\)$/m);
            const again = box.run("components/cluster/scripts/install-calico.sh", calico, extra());
            ok(again, "install-calico.sh again");
            assert.doesNotMatch(again.stdout, /changed:/);
            ok(box.run("components/cluster/scripts/wait-nodes-ready.sh", { EXPECTED_NODES: "site1-master-1", TIMEOUT_SECONDS: "0" }, extra()), "Ready once the CNI runs");
        });

        it("wait-nodes-ready.sh: each kubelet's serving CSR approved only for exactly its name and address, then checked on port 10250 against the cluster CA", () => {
            const rel = "components/cluster/scripts/wait-nodes-ready.sh";
            // real certificates, made with openssl: the cluster CA, the kubelet's self-signed
            // default, its CSR for exactly its names, and one asking for an extra address
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-csr-"));
            const sh = (cmd: string): void => {
                const r = spawnSync("bash", ["-c", cmd], { cwd: dir, encoding: "utf8" });
                assert.strictEqual(r.status, 0, r.stderr);
            };
            const ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
            sh(`openssl req -x509 ${ec} -keyout ca.key -out ca.crt -subj /CN=kubernetes -days 2`);
            sh(`openssl req -x509 ${ec} -keyout self.key -out self.crt -subj /CN=site1-worker-1@1700000000 -addext subjectAltName=DNS:site1-worker-1,IP:10.10.0.21 -days 2`);
            const subj = "-subj /O=system:nodes/CN=system:node:site1-worker-1";
            sh(`openssl req -new ${ec} -keyout k.key -out good.csr ${subj} -addext subjectAltName=DNS:site1-worker-1,IP:10.10.0.21`);
            sh(`openssl req -new ${ec} -keyout k2.key -out bad.csr ${subj} -addext subjectAltName=DNS:site1-worker-1,IP:10.10.0.21,IP:10.20.0.99`);
            sh("openssl x509 -req -in good.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out good.crt -days 1 -copy_extensions copy");
            const file = (f: string): string => fs.readFileSync(path.join(dir, f), "utf8");
            box.tool("openssl", `if [[ "$1" == s_client ]]; then
    for a in "$@"; do if [[ "$a" == *:10250 ]]; then addr="\${a%:10250}"; fi; done
    if [[ -f "$FAKE_STATE/serving-$addr" ]]; then echo CONNECTED; cat "$FAKE_STATE/serving-$addr"; exit 0; fi
    echo "connect: Connection refused" >&2; exit 1
fi
exec /usr/bin/openssl "$@"
`);
            box.put("/root/.kube/config", "apiVersion: v1\n", 0o600);
            state("nodes", "site1-worker-1 True v1.36.3 false 10.10.0.21\n");
            state("ca-b64", b64(file("ca.crt")));
            state("serving-10.10.0.21", file("self.crt"));
            state("csrs", "csr-bad system:node:site1-worker-1\ncsr-good system:node:site1-worker-1\ncsr-other system:node:site1-worker-2\n");
            state("csr-csr-bad.req", b64(file("bad.csr")));
            state("csr-csr-good.req", b64(file("good.csr")));
            state("csr-csr-good.cert", file("good.crt"));
            state("csr-csr-good.addr", "10.10.0.21");
            const env = { EXPECTED_NODES: "site1-worker-1", NODE_ADDRESSES: "site1-worker-1=10.10.0.21", TIMEOUT_SECONDS: "20" };
            const r = box.run(rel, env, extra());
            fs.rmSync(dir, { recursive: true, force: true });
            ok(r, "serving certificates");
            assert.deepStrictEqual(lines("events"), ["deny csr-bad", "approve csr-good"], "the other node's CSR is not touched");
            assert.match(r.stderr, /denied csr-bad: site1-worker-1 asked for DNS:site1-worker-1, IP:10\.10\.0\.21, IP:10\.20\.0\.99 instead of exactly DNS:site1-worker-1, IP:10\.10\.0\.21/);
            assert.match(r.stdout, /^changed: approved site1-worker-1's kubelet serving certificate \(csr-good: DNS:site1-worker-1, IP:10\.10\.0\.21\)$/m);
            assert.match(r.stdout, /^ok: site1-worker-1's kubelet serves a certificate signed by the cluster CA for 10\.10\.0\.21$/m);
            assert.match(state("csrs"), /^csr-other system:node:site1-worker-2$/m);

            state("events", "");
            const again = box.run(rel, env, extra());
            ok(again, "second run");
            assert.deepStrictEqual(lines("events"), [], "nothing to approve: the kubelet already serves a signed certificate");
            assert.doesNotMatch(again.stdout, /changed:/);

            // a kubelet still on its self-signed certificate, with nothing acceptable pending: fails clearly
            state("serving-10.10.0.21", "");
            const stuck = box.run(rel, { ...env, TIMEOUT_SECONDS: "0" }, extra());
            assert.notStrictEqual(stuck.status, 0);
            assert.match(stuck.stderr, /the kubelet of site1-worker-1 \(10\.10\.0\.21:10250\) serves no certificate the cluster CA signed for 10\.10\.0\.21 after 0s/);
        });

        describe("upgrade-cluster.sh", () => {
            const rel = "components/operations/scripts/upgrade-cluster.sh";
            // The director's copy of upgrade-node.sh, as the program installs it: lib.sh, then the script.
            const NODE_SCRIPT = read(LIB) + read("components/operations/scripts/upgrade-node.sh");
            const env = (target: string, more: Record<string, string> = {}) => ({
                TARGET_VERSION: target,
                KUBERNETES_APT_REPO: `https://pkgs.k8s.io/core:/stable:/v${target.split(".").slice(0, 2).join(".")}/deb/`,
                MASTERS, WORKERS, OPS_USER,
                KVMK8S_FILES: `0755 /usr/local/lib/kvm-k8s/upgrade-node.sh ${b64(NODE_SCRIPT)}`,
                ...more,
            });
            const untouched = (): void => {
                assert.deepStrictEqual(lines("events"), [], "no drain, uncordon or ssh");
                assert.deepStrictEqual(lines("ssh-calls"), []);
                assert.ok(!lines("calls").some((l) => / (drain|cordon|uncordon) /.test(l)));
                assert.ok(!fs.existsSync(box.p("/usr/local/lib/kvm-k8s/upgrade-node.sh")), "nothing written before the gate passed");
            };

            it("refuses a skipped minor version with the exact message, touching nothing", () => {
                state("server", "v1.31.4");
                state("nodes", nodes("v1.31.4"));
                const r = box.run(rel, env("1.33.0"), extra());
                assert.notStrictEqual(r.status, 0);
                assert.match(r.stderr, /^ERROR: kvm-k8s:site\.cluster\.kubernetesVersion: 1\.33\.0 skips a minor version \(cluster is at 1\.31\.4\); upgrade one minor at a time: set 1\.32\.<patch> first$/m);
                untouched();
            });

            it("refuses a downgrade, and a cluster that does not answer, touching nothing", () => {
                state("server", "v1.31.4");
                state("nodes", nodes("v1.31.4"));
                for (const target of ["1.30.8", "1.31.3"]) {
                    const r = box.run(rel, env(target), extra());
                    assert.notStrictEqual(r.status, 0, target);
                    assert.match(r.stderr, new RegExp(`kvm-k8s:site\\.cluster\\.kubernetesVersion: ${target.replace(/\./g, "\\.")} is older than the cluster \\(1\\.31\\.4\\): downgrades are not supported`));
                    untouched();
                }
                state("api-down", "");
                const down = box.run(rel, env("1.32.0"), extra());
                assert.notStrictEqual(down.status, 0);
                assert.match(down.stderr, /the cluster does not answer \(kubectl version: The connection to the server .* was refused\); not upgrading/);
                untouched();
            });

            it("upgrades masters then workers in order, one at a time, each drained before its kubelet is upgraded; a re-run does nothing", () => {
                state("server", "v1.31.4");
                // master-2 and worker-2 are already at the target (e.g. rebuilt): skipped.
                state("nodes", nodes("v1.31.4", {
                    "site1-master-2": "site1-master-2 True v1.32.0 false 10.10.0.12",
                    "site1-worker-2": "site1-worker-2 True v1.32.0 false 10.10.0.22",
                }));
                const r = box.run(rel, env("1.32.0"), extra());
                ok(r, "upgrade");
                assert.deepStrictEqual(lines("events"), [
                    "drain site1-master-1",
                    "upgrade site1-master-1 first-master",
                    "uncordon site1-master-1",
                    "drain site1-master-3",
                    "upgrade site1-master-3 master",
                    "uncordon site1-master-3",
                    "drain site1-worker-1",
                    "upgrade site1-worker-1 worker",
                    "uncordon site1-worker-1",
                    "drain site1-worker-3",
                    "upgrade site1-worker-3 worker",
                    "uncordon site1-worker-3",
                ]);
                assert.deepStrictEqual(lines("calls").filter((l) => l.includes(" drain ")), [
                    "kubectl drain site1-master-1 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
                    "kubectl drain site1-master-3 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
                    "kubectl drain site1-worker-1 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
                    "kubectl drain site1-worker-3 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
                ]);
                assert.deepStrictEqual(lines("ssh-calls"), ["10.10.0.11", "10.10.0.13", "10.10.0.21", "10.10.0.23"].map((a) => sshArgs(a, "sudo -n bash -s")));
                const prelude = (mode: string) =>
                    `export TARGET_VERSION='1.32.0'\nexport KUBERNETES_APT_REPO='https://pkgs.k8s.io/core:/stable:/v1.32/deb/'\nexport MODE='${mode}'\n`;
                assert.strictEqual(state("ssh-stdin-1"), prelude("first-master") + NODE_SCRIPT, "upgrade-node.sh streamed after its prelude");
                assert.strictEqual(state("ssh-stdin-2"), prelude("master") + NODE_SCRIPT);
                assert.strictEqual(state("ssh-stdin-4"), prelude("worker") + NODE_SCRIPT);
                for (const line of [
                    /^ok: the cluster is at 1\.31\.4; v1\.32\.0 is a permitted upgrade target$/m,
                    /^ok: holding the node-removal lock for the upgrade$/m,
                    /^changed: site1-master-1 upgraded to v1\.32\.0 and Ready$/m,
                    /^ok: site1-master-2 already at v1\.32\.0$/m,
                    /^ok: site1-worker-2 already at v1\.32\.0$/m,
                    /^changed: drained site1-worker-3$/m,
                    /^ {2}site1-worker-3: changed: upgraded to v1\.32\.0$/m,
                    /^ok: all 6 nodes at v1\.32\.0$/m,
                ]) {
                    assert.match(r.stdout, line);
                }
                assert.strictEqual(box.mode("/usr/local/lib/kvm-k8s/upgrade-node.sh"), 0o755);
                assert.ok(fs.existsSync(box.p("/run/lock/kvm-k8s-node-removal")), "the node-removal lock");
                assert.doesNotMatch(state("nodes"), / true /, "every node uncordoned");

                state("events", "");
                state("ssh-calls", "");
                state("server", "v1.32.0");
                const again = box.run(rel, env("1.32.0"), extra());
                ok(again, "re-run");
                assert.deepStrictEqual(lines("events"), []);
                assert.deepStrictEqual(lines("ssh-calls"), []);
                assert.doesNotMatch(again.stdout, /changed:/);
            });

            it("a failure on worker 2 stops the run there, leaves worker 3 untouched, and a re-run resumes", () => {
                state("server", "v1.31.4");
                state("nodes", nodes("v1.31.4"));
                const failed = box.run(rel, env("1.32.0"), extra({ FAKE_UPGRADE_FAIL: "10.10.0.22" }));
                assert.notStrictEqual(failed.status, 0);
                assert.match(failed.stderr, /^ERROR: upgrade of site1-worker-2 to v1\.32\.0 failed: upgrade-node\.sh \(worker\) failed on it \(exit 1; see above\); it stays cordoned\. Nodes not touched: site1-worker-3\. Fix the cause and run again: nodes already at v1\.32\.0 are skipped, so the re-run resumes with site1-worker-2$/m);
                assert.match(failed.stdout, /^ {2}site1-worker-2: ERROR: kubeadm upgrade node failed/m, "the node's own error is shown");
                const events = lines("events");
                assert.ok(!events.some((e) => e.includes("site1-worker-3")), `worker 3 was touched:\n${events.join("\n")}`);
                assert.deepStrictEqual(events.slice(-2), ["drain site1-worker-2", "upgrade site1-worker-2 worker"]);
                assert.match(state("nodes"), /^site1-worker-3 True v1\.31\.4 false /m);
                assert.match(state("nodes"), /^site1-worker-2 True v1\.31\.4 true /m, "left cordoned");

                state("events", "");
                const resumed = box.run(rel, env("1.32.0"), extra());
                ok(resumed, "re-run");
                assert.deepStrictEqual(lines("events"), [
                    "drain site1-worker-2", "upgrade site1-worker-2 worker", "uncordon site1-worker-2",
                    "drain site1-worker-3", "upgrade site1-worker-3 worker", "uncordon site1-worker-3",
                ]);
            });

            it("a blocked drain stops the run with the node cordoned; a NotReady node blocks the next upgrade", () => {
                state("server", "v1.31.4");
                state("nodes", nodes("v1.32.0", { "site1-worker-1": "site1-worker-1 True v1.31.4 false 10.10.0.21", "site1-worker-2": "site1-worker-2 True v1.31.4 false 10.10.0.22" }));
                const blocked = box.run(rel, env("1.32.0"), extra({ FAKE_DRAIN_FAIL: "site1-worker-1" }));
                assert.notStrictEqual(blocked.status, 0);
                assert.match(blocked.stderr, /upgrade of site1-worker-1 to v1\.32\.0 failed: its drain did not finish within 600s .*it stays cordoned\. Nodes not touched: site1-worker-2 site1-worker-3\./);
                assert.match(blocked.stderr, /disruption budget/);
                assert.deepStrictEqual(lines("ssh-calls"), [], "not upgraded after a failed drain");

                state("events", "");
                state("nodes", nodes("v1.32.0", { "site1-worker-1": "site1-worker-1 True v1.31.4 false 10.10.0.21", "site1-master-2": "site1-master-2 False v1.32.0 false 10.10.0.12" }));
                const notReady = box.run(rel, env("1.32.0", { WAIT_TIMEOUT_SECONDS: "0" }), extra());
                assert.notStrictEqual(notReady.status, 0);
                assert.match(notReady.stderr, /upgrade of site1-worker-1 to v1\.32\.0 failed: not upgrading it while other nodes are not Ready \(after 0s: site1-master-2\)\. Nodes not touched: site1-worker-1 site1-worker-2 site1-worker-3\./);
                assert.deepStrictEqual(lines("events"), []);

                // Upgraded, but its kubelet never comes back at the new version.
                state("nodes", nodes("v1.32.0", { "site1-worker-3": "site1-worker-3 True v1.31.4 false 10.10.0.23" }));
                const stuck = box.run(rel, env("1.32.0", { WAIT_TIMEOUT_SECONDS: "0" }), extra({ FAKE_KUBELET_STUCK: "10.10.0.23" }));
                assert.notStrictEqual(stuck.status, 0);
                assert.match(stuck.stderr, /upgrade of site1-worker-3 to v1\.32\.0 failed: not Ready at v1\.32\.0 0s after its upgrade \(kubelet, Ready: v1\.31\.4 True\)\. Nodes not touched: none\./);
                assert.deepStrictEqual(lines("events"), ["drain site1-worker-3", "upgrade site1-worker-3 worker", "uncordon site1-worker-3"]);
            });
        });

        describe("upgrade-node.sh", () => {
            const rel = "components/operations/scripts/upgrade-node.sh";
            const manifest = (v: string) => `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n    image: registry.k8s.io/kube-apiserver:${v}\n`;
            const env = (mode: string) => ({ TARGET_VERSION: "1.32.0", KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.32/deb/", MODE: mode });
            beforeEach(() => box.tool("kubelet", `echo "Kubernetes $FAKE_KUBELET"\n`));

            it("leaves a node already at the target alone; otherwise goes on to the package steps", () => {
                box.put("/etc/kubernetes/manifests/kube-apiserver.yaml", manifest("v1.32.0"), 0o600);
                const done = box.run(rel, env("first-master"), { FAKE_KUBELET: "v1.32.0" });
                ok(done, "already upgraded");
                assert.match(done.stdout, /^ok: kubelet and the control plane already at v1\.32\.0; nothing to upgrade$/m);

                // Streamed the way upgrade-cluster.sh sends it: prelude and the director's copy (lib.sh,
                // then the script) on bash's stdin; no file to source lib.sh from.
                const input = `export KVMK8S_ROOT='${box.root}'\nexport TARGET_VERSION='1.32.0'\nexport KUBERNETES_APT_REPO='https://pkgs.k8s.io/core:/stable:/v1.32/deb/'\nexport MODE='master'\n${read(LIB)}${read(rel)}`;
                const streamed = spawnSync("bash", ["-s"], { input, encoding: "utf8", env: { PATH: `${box.bin}:${process.env.PATH}`, FAKE_KUBELET: "v1.32.0" } });
                assert.strictEqual(streamed.status, 0, streamed.stderr);
                assert.match(streamed.stdout, /^ok: kubelet and the control plane already at v1\.32\.0; nothing to upgrade$/m);

                // The control plane is behind: not done, even though kubelet is at the target.
                box.put("/etc/kubernetes/manifests/kube-apiserver.yaml", manifest("v1.31.4"), 0o600);
                const behind = box.run(rel, env("first-master"), { FAKE_KUBELET: "v1.32.0" });
                assert.notStrictEqual(behind.status, 0);
                assert.match(behind.stdout, /^upgrading this node \(first-master\) to v1\.32\.0$/m);
                assert.match(behind.stderr, /step kubernetes_repo acts on the running system/);

                const worker = box.run(rel, env("worker"), { FAKE_KUBELET: "v1.32.0" });
                ok(worker, "a worker only needs its kubelet at the target");
                assert.match(worker.stdout, /^ok: kubelet already at v1\.32\.0; nothing to upgrade$/m);
                const old = box.run(rel, env("worker"), { FAKE_KUBELET: "v1.31.4" });
                assert.notStrictEqual(old.status, 0);
                assert.match(old.stdout, /^upgrading this node \(worker\) to v1\.32\.0$/m);

                const badMode = box.run(rel, env("leader"), { FAKE_KUBELET: "v1.32.0" });
                assert.notStrictEqual(badMode.status, 0);
                assert.match(badMode.stderr, /MODE must be first-master, master or worker, not 'leader'/);
                const wrongRepo = box.run(rel, { ...env("worker"), KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.31/deb/" }, { FAKE_KUBELET: "v1.32.0" });
                assert.notStrictEqual(wrongRepo.status, 0);
                assert.match(wrongRepo.stderr, /TARGET_VERSION 1\.32\.0 is not served by KUBERNETES_APT_REPO .*\(v1\.31\)/);
            });
        });

        describe("etcd-snapshot.sh", () => {
            const rel = "components/operations/scripts/etcd-snapshot.sh";
            const env = (id: string) => ({ SNAPSHOT_ID: id, SITE: "site1", MASTERS, OPS_USER });
            const SNAPSHOT = Buffer.from([0x00, 0x01, 0xed, 0xda, 0x0c, 0xed, ...Buffer.from("etcd bbolt pages\n".repeat(50))]);
            const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
            const backups = (): string[] => (fs.existsSync(box.p("/var/backups/kvm-k8s")) ? fs.readdirSync(box.p("/var/backups/kvm-k8s")).sort() : []);

            it("takes the snapshot on the first Ready master, keeps it with its sha256, and a second run is a no-op", () => {
                state("nodes", nodes("v1.31.4", { "site1-master-1": "site1-master-1 False v1.31.4 false 10.10.0.11" }));
                fs.writeFileSync(path.join(box.dir, "state", "snapshot-source"), SNAPSHOT);
                const r = box.run(rel, env("3"), extra());
                ok(r, "snapshot");
                const target = "/var/backups/kvm-k8s/etcd-site1-3.db";
                assert.ok(fs.readFileSync(box.p(target)).equals(SNAPSHOT), "the snapshot's exact bytes");
                assert.strictEqual(box.get(`${target}.sha256`), `${sha(SNAPSHOT)}  etcd-site1-3.db\n`);
                assert.strictEqual(box.mode(target), 0o600);
                assert.strictEqual(box.mode(`${target}.sha256`), 0o600);
                assert.strictEqual(box.mode("/var/backups/kvm-k8s"), 0o700);
                assert.deepStrictEqual(backups(), ["etcd-site1-3.db", "etcd-site1-3.db.sha256"], "no temp file left");
                assert.match(r.stdout, new RegExp(`^changed: etcd snapshot 3 taken on site1-master-2: ${target} \\(${SNAPSHOT.length} bytes, sha256 ${sha(SNAPSHOT)}\\)$`, "m"));
                assert.deepStrictEqual(lines("ssh-calls"), [
                    sshArgs("10.10.0.12", "sudo -n bash -s"),
                    sshArgs("10.10.0.12", "sudo -n cat -- /var/lib/etcd/kvm-k8s-snapshot.db"),
                    sshArgs("10.10.0.12", "sudo -n rm -f -- /var/lib/etcd/kvm-k8s-snapshot.db"),
                ]);
                const snippet = state("ssh-stdin-1");
                assert.match(snippet, /crictl ps --name etcd -q \| head -n 1/);
                assert.match(snippet, /exec "\$id" etcdctl --endpoints=https:\/\/127\.0\.0\.1:2379 --cacert=\/etc\/kubernetes\/pki\/etcd\/ca\.crt \\\n\s+--cert=\/etc\/kubernetes\/pki\/etcd\/server\.crt --key=\/etc\/kubernetes\/pki\/etcd\/server\.key \\\n\s+snapshot save "\$snapshot"/);
                assert.match(snippet, /^snapshot=\/var\/lib\/etcd\/kvm-k8s-snapshot\.db$/m);
                assert.ok(!fs.existsSync(path.join(box.dir, "state", "remote-snapshot")), "removed from the master");

                state("ssh-calls", "");
                const again = box.run(rel, env("3"), extra());
                ok(again, "second run");
                assert.match(again.stdout, new RegExp(`^ok: snapshot 3 already taken \\(${target}, ${SNAPSHOT.length} bytes\\)$`, "m"));
                assert.deepStrictEqual(lines("ssh-calls"), [], "no ssh");
            });

            it("an empty or corrupted copy fails and leaves no file behind", () => {
                state("nodes", nodes("v1.31.4"));
                fs.writeFileSync(path.join(box.dir, "state", "snapshot-source"), "");
                const empty = box.run(rel, env("4"), extra());
                assert.notStrictEqual(empty.status, 0);
                assert.match(empty.stderr, /the etcd snapshot copied from site1-master-1 is empty; nothing kept/);
                assert.deepStrictEqual(backups(), [], "no target, no .sha256, no temp file");
                assert.ok(!fs.existsSync(path.join(box.dir, "state", "remote-snapshot")), "removed from the master anyway");

                fs.writeFileSync(path.join(box.dir, "state", "snapshot-source"), SNAPSHOT);
                const corrupt = box.run(rel, env("4"), extra({ FAKE_CORRUPT: "1" }));
                assert.notStrictEqual(corrupt.status, 0);
                assert.match(corrupt.stderr, new RegExp(`the copy's sha256 \\([0-9a-f]{64}\\) is not the snapshot's on site1-master-1 \\(${sha(SNAPSHOT)}\\); nothing kept`));
                assert.deepStrictEqual(backups(), []);

                const unreachable = box.run(rel, env("4"), extra({ FAKE_SSH_FAIL: "10.10.0.11" }));
                assert.notStrictEqual(unreachable.status, 0);
                assert.match(unreachable.stderr, /saving the etcd snapshot on site1-master-1 failed; see \/var\/log\/kvm-k8s\/etcd-snapshot\.log: .*Permission denied/);
                assert.deepStrictEqual(backups(), []);

                state("nodes", "site1-master-1 False v1.31.4 false 10.10.0.11\n");
                const noMaster = box.run(rel, env("4"), extra());
                assert.notStrictEqual(noMaster.status, 0);
                assert.match(noMaster.stderr, /no master is Ready \(masters: site1-master-1 site1-master-2 site1-master-3\); cannot take etcd snapshot 4/);
            });
        });
    });
});
