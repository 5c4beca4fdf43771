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
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { envEntries, headerOf } from "../script-headers";
import { b64, callsOf, envInputs, EXPECTED_SCRIPTS, findScripts, functionsDefined, LIB, libSections, LOADER, NODE_ENV, ok, PREPARE_NODE, read, ROOT, Run, Sandbox } from "./runner";

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
});
