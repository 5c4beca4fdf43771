/**
 * containerd's files (components/nodes/containerd.ts): the TOML serializer, read back by a
 * real TOML parser (Python's tomllib); the files of the dev and prod nodes against golden
 * files; hosts.toml byte for byte what prepare-node.sh printed before the files moved to the
 * program (test/legacy/containerd.sh); and prepare-node.sh placing them: config.toml only
 * when containerd loads it, a restart pending only when it changed.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    CERTS_D,
    CONTAINERD_CONFIG_PATH,
    containerdConfig,
    containerdConfigToml,
    containerdFiles,
    ContainerdSite,
    MANAGED_TOML_MARK,
    TomlTable,
    toToml,
    tomlString,
} from "../components/nodes/containerd";
import { prepareNodeEnv } from "../components/nodes";
import { MIRRORED_REGISTRIES, REGISTRY_CA_PATH } from "../components/registry";
import { envPrelude, filesPayload, ManagedFile } from "../components/remote";
import { scriptEnvironment } from "../tools/plan";
import { needTools, ROOT, stackSite } from "./fixtures";
import { assertGolden } from "./golden";
import { expandBase64, MOCK_SECRET } from "./harness";
import { dumpDifferences, flattenDump, isZeroValue, RUNC_OPTIONS } from "./vm/containerd-dump";

const SITE: ContainerdSite = {
    registry: "registry.site1.example:5000",
    caPath: REGISTRY_CA_PATH,
    mirrored: [],
    sandboxImage: "registry.k8s.io/pause:3.10",
};
const CREDENTIALS = { user: "kvmk8s", password: "pa'ss" };
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const decodeFiles = (payload: string): ManagedFile[] =>
    payload.split("\n").map((line) => {
        const [mode, file, content] = line.split(" ");
        return { mode, path: file, content: Buffer.from(content, "base64").toString("utf8") };
    });

/** Parsed by Python's tomllib, as JSON. */
function parseToml(text: string): unknown {
    const r = spawnSync("/usr/bin/python3", ["-c", "import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))"], { input: text, encoding: "utf8" });
    assert.strictEqual(r.status, 0, `tomllib rejects:\n${text}\n${r.stderr}`);
    return JSON.parse(r.stdout);
}

describe("containerd's files", () => {
    describe("TOML serializer", () => {
        it("writes keys before sub-tables, implies tables that only hold tables, leaves undefined out", () => {
            const doc: TomlTable = {
                sub: { deeper: { x: 1 } },
                version: 2,
                skipped: undefined,
                "a.b": { flag: true, list: ["x", "y"], empty: {} },
            };
            assert.strictEqual(
                toToml(doc, "# head"),
                ["# head", "version = 2", "", "[sub.deeper]", "  x = 1", "", '["a.b"]', "  flag = true", '  list = ["x", "y"]', "", '["a.b".empty]', ""].join("\n"),
            );
            assert.strictEqual(toToml({ a: "b" }), 'a = "b"\n');
        });

        it("escapes what TOML basic strings must escape", () => {
            assert.strictEqual(tomlString(`a"b\\c`), `"a\\"b\\\\c"`);
            assert.strictEqual(tomlString("l1\nl2\t\u0001\u007f é"), '"l1\\nl2\\t\\u0001\\u007f é"');
        });

        it("refuses what it does not write: floats, arrays of tables, a comment of two lines", () => {
            assert.throws(() => toToml({ t: { ratio: 0.5 } }), /t\.ratio: 0\.5 is not a TOML value/);
            assert.throws(() => toToml({ n: Number.NaN }), /n: null is not a TOML value/);
            assert.throws(() => toToml({ hosts: [{ a: 1 }] as unknown as string[] }), /hosts: \{"a":1\} is not a TOML value/);
            assert.throws(() => toToml({ a: 1 }, "# one\n# two"), /one line starting with '#'/);
            assert.throws(() => toToml({ a: 1 }, "no hash"), /one line starting with '#'/);
        });

        it("a real TOML parser reads back what it was given (tomllib)", function () {
            needTools(this, "tomllib");
            const doc: TomlTable = {
                title: `quotes " and \\ and\nnewlines\tand \u0001 and ünïcödé`,
                n: -42,
                yes: false,
                list: ["a", 'b"c'],
                nested: { "io.containerd.grpc.v1.cri": { k: "v", deeper: { "https://x:5000": { k: 1 } } }, after: { z: true } },
            };
            assert.deepStrictEqual(parseToml(toToml(doc, "# comment")), JSON.parse(JSON.stringify(doc)));
            for (const file of containerdFiles({ ...SITE, credentials: CREDENTIALS, mirrored: MIRRORED_REGISTRIES })) {
                parseToml(file.content);
            }
            assert.deepStrictEqual(parseToml(containerdConfigToml(containerdConfig("registry.k8s.io/pause:3.10"))), containerdConfig("registry.k8s.io/pause:3.10"));
        });
    });

    describe("the files", () => {
        it("config.toml 0644 first, then hosts.toml for the registry and each upstream once", () => {
            const files = containerdFiles({ ...SITE, mirrored: ["docker.io", "quay.io", "docker.io", SITE.registry] });
            assert.deepStrictEqual(
                files.map((f) => `${f.mode} ${f.path}`),
                [
                    `0644 ${CONTAINERD_CONFIG_PATH}`,
                    `0644 ${CERTS_D}/registry.site1.example:5000/hosts.toml`,
                    `0644 ${CERTS_D}/docker.io/hosts.toml`,
                    `0644 ${CERTS_D}/quay.io/hosts.toml`,
                ],
            );
            for (const f of files.slice(1)) {
                assert.ok(f.content.startsWith(`${MANAGED_TOML_MARK}: `), `${f.path} starts with the mark prepare-node.sh prunes by`);
                assert.doesNotMatch(f.content, /Authorization/);
            }
        });

        it("with pull credentials: a Basic header for the registry host, and every hosts.toml 0600", () => {
            const files = containerdFiles({ ...SITE, credentials: CREDENTIALS, mirrored: ["quay.io"] });
            assert.deepStrictEqual(files.map((f) => f.mode), ["0644", "0600", "0600"]);
            for (const f of files.slice(1)) {
                assert.ok(f.content.endsWith(`[host."https://registry.site1.example:5000".header]\n  Authorization = "Basic ${b64("kvmk8s:pa'ss")}"\n`), f.content);
            }
            assert.doesNotMatch(files[0].content, /Basic|kvmk8s/);
        });

        it("refuses a registry name that is not host[:port] and credentials Basic cannot carry", () => {
            assert.throws(() => containerdFiles({ ...SITE, mirrored: ["../etc"] }), /'\.\.\/etc' is not a registry host\[:port\]/);
            assert.throws(() => containerdFiles({ ...SITE, registry: "registry.site1.example:5000/v2" }), /not a registry host\[:port\]/);
            assert.throws(() => containerdFiles({ ...SITE, credentials: { user: "a:b", password: "x" } }), /a user without ':'/);
            assert.throws(() => containerdFiles({ ...SITE, credentials: { user: "kvmk8s", password: "" } }), /a user without ':' and a password/);
        });

        it("hosts.toml is byte for byte what prepare-node.sh printed before (test/legacy/containerd.sh)", () => {
            for (const credentials of [undefined, CREDENTIALS]) {
                const files = containerdFiles({ ...SITE, credentials, mirrored: [...MIRRORED_REGISTRIES, "registry.example:5000"] });
                const calls = [
                    "legacy_registry_hosts_toml",
                    ...MIRRORED_REGISTRIES.map((u) => `legacy_mirror_hosts_toml ${u}`),
                    "legacy_mirror_hosts_toml registry.example:5000",
                ];
                const script = [
                    `source ${JSON.stringify(path.join(ROOT, "test", "legacy", "containerd.sh"))}`,
                    ...calls.map((c) => `${c}; printf '\\0'`),
                ].join("\n");
                const r = spawnSync("bash", ["-c", script], {
                    encoding: "utf8",
                    env: {
                        PATH: process.env.PATH,
                        REGISTRY: SITE.registry,
                        REGISTRY_CA: SITE.caPath,
                        PULL_AUTH: credentials ? b64(`${credentials.user}:${credentials.password}`) : "",
                        MANAGED_TOML_MARK,
                    },
                });
                assert.strictEqual(r.status, 0, r.stderr);
                const legacy = r.stdout.split("\0").slice(0, -1);
                assert.strictEqual(legacy.length, files.length - 1);
                legacy.forEach((text, i) => assert.strictEqual(files[i + 1].content, text, `${files[i + 1].path}, credentials: ${credentials !== undefined}`));
            }
        });

        it("prepare-node.sh prunes by the same mark the program writes", () => {
            const script = fs.readFileSync(path.join(ROOT, "components", "nodes", "scripts", "prepare-node.sh"), "utf8");
            assert.ok(script.includes(`\nMANAGED_TOML_MARK="${MANAGED_TOML_MARK}"\n`));
            assert.ok(script.includes(`\nCERTS_D=${CERTS_D}\n`) && script.includes(`\nCONTAINERD_CONFIG=${CONTAINERD_CONFIG_PATH}\n`));
        });
    });

    describe("what the dev and prod nodes get (golden files)", () => {
        const password = "golden-test-password";
        const access = { caCertPem: "CA", password, opsPublicKey: "ssh-ed25519 AAAAops" };
        const filesOf = (stack: string): Map<string, ManagedFile> => {
            const site = stackSite(stack);
            const env = prepareNodeEnv(site, site.workers[0], access);
            return new Map(decodeFiles(env.CONTAINERD_FILES).map((f) => [f.path, f]));
        };

        it("dev: config.toml and the registry's hosts.toml (not air-gapped: no upstream mirrored)", () => {
            const files = filesOf("dev");
            const registry = `${CERTS_D}/${stackSite("dev").cluster.registry.host}:5000/hosts.toml`;
            assert.deepStrictEqual([...files.keys()], [CONTAINERD_CONFIG_PATH, registry]);
            assertGolden("dev-containerd-config.toml", files.get(CONTAINERD_CONFIG_PATH)!.content);
            assertGolden("dev-containerd-registry-hosts.toml", files.get(registry)!.content);
            assert.strictEqual(files.get(registry)!.mode, "0600", "it holds the pull credentials");
        });

        it("prod: config.toml, the registry's hosts.toml, and docker.io's pulled through it", () => {
            const site = stackSite("prod");
            const files = filesOf("prod");
            const registry = `${CERTS_D}/${site.cluster.registry.host}:${site.cluster.registry.port}/hosts.toml`;
            assert.deepStrictEqual([...files.keys()], [CONTAINERD_CONFIG_PATH, registry, ...MIRRORED_REGISTRIES.map((u) => `${CERTS_D}/${u}/hosts.toml`)]);
            assertGolden("prod-containerd-config.toml", files.get(CONTAINERD_CONFIG_PATH)!.content);
            assertGolden("prod-containerd-registry-hosts.toml", files.get(registry)!.content);
            assertGolden("prod-containerd-docker.io-hosts.toml", files.get(`${CERTS_D}/docker.io/hosts.toml`)!.content);
            assert.match(files.get(CONTAINERD_CONFIG_PATH)!.content, new RegExp(`^ {2}sandbox_image = "${site.cluster.sandboxImage}"$`, "m"));
            assert.deepStrictEqual([...files.values()].map((f) => f.mode), ["0644", "0600", "0600", "0600", "0600", "0600"]);
        });

        it("the node's environment carries them, and the password only where the secret walks look (base64 layers)", () => {
            const site = stackSite("prod");
            const env = prepareNodeEnv(site, site.workers[0], access);
            for (const gone of ["REGISTRY_HOST", "REGISTRY_PORT", "REGISTRY_USER", "REGISTRY_PASSWORD", "MIRRORED_REGISTRIES", "SANDBOX_IMAGE"]) {
                assert.ok(!(gone in env), `${gone}: prepare-node.sh no longer reads it`);
            }
            assert.ok(!env.CONTAINERD_FILES.includes(password), "not in the clear");
            // plainCopies (test/harness.ts) searches this deep: a plain copy would be found
            assert.ok(expandBase64(env.CONTAINERD_FILES).includes(`kvmk8s:${password}`));
        });

        it("npm run plan shows them one file a line, the ones with credentials redacted", () => {
            const site = stackSite("dev");
            // offline runs make every secret with the mock marker; that is what the plan looks for
            const env = prepareNodeEnv(site, site.workers[0], { ...access, password: `${MOCK_SECRET}-password` });
            const shown = scriptEnvironment(envPrelude(env)).CONTAINERD_FILES.split("\n");
            assert.match(shown[0], /^0644 \/etc\/containerd\/config\.toml \(\d+ bytes\)$/);
            assert.strictEqual(shown[1], `0600 ${CERTS_D}/${site.cluster.registry.host}:5000/hosts.toml [secret content redacted]`);
            assert.strictEqual(shown.length, 2);
        });
    });

    describe("prepare-node.sh places them", () => {
        const SCRIPT = path.join(ROOT, "components", "nodes", "scripts", "prepare-node.sh");
        let dir = "";
        let root = "";
        const config = (sandboxImage: string): string => filesPayload(containerdFiles({ ...SITE, sandboxImage }));

        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-containerd-"));
            root = path.join(dir, "root");
            fs.mkdirSync(root);
            fs.mkdirSync(path.join(dir, "bin"));
            // `containerd --config FILE config dump` as far as this step uses it: the real one
            // exits 1 with "containerd: failed to load TOML: ..." on a file it cannot parse
            fs.writeFileSync(
                path.join(dir, "bin", "containerd"),
                [
                    "#!/usr/bin/env bash",
                    `printf '%s\\n' "$*" >>"${dir}/containerd.calls"`,
                    '[[ "$1" == --config && "$3 $4" == "config dump" ]] || exit 2',
                    `err="$(/usr/bin/python3 -c 'import sys, tomllib; tomllib.load(open(sys.argv[1], "rb"))' "$2" 2>&1)" || { echo "containerd: failed to load TOML: $2: \${err##*$'\\n'}" >&2; exit 1; }`,
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const run = (env: Record<string, string>) => {
            const r = spawnSync("bash", [SCRIPT], {
                encoding: "utf8",
                env: {
                    PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
                    HOME: dir,
                    LANG: "C.UTF-8",
                    KVMK8S_ROOT: root,
                    NODE_NAME: "master-1",
                    NTP_SERVERS: "10.10.0.1",
                    KUBERNETES_VERSION: "1.31.4",
                    KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.31/deb/",
                    ...env,
                },
            });
            return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout, stderr: r.stderr };
        };
        const file = (abs: string) => path.join(root, abs);
        const pending = () => fs.existsSync(file("/var/lib/kvm-k8s/pending/restart-containerd"));

        it("config.toml: written once the installed containerd loads it; a restart pending only when it changed", function () {
            needTools(this, "tomllib");
            const first = run({ KVMK8S_ONLY: "containerd_config", CONTAINERD_FILES: config("registry.k8s.io/pause:3.10") });
            assert.strictEqual(first.status, 0, first.out);
            assert.match(first.stdout, /^changed: wrote \/etc\/containerd\/config\.toml$/m);
            assert.strictEqual(fs.readFileSync(file(CONTAINERD_CONFIG_PATH), "utf8"), containerdConfigToml(containerdConfig("registry.k8s.io/pause:3.10")));
            assert.strictEqual(fs.statSync(file(CONTAINERD_CONFIG_PATH)).mode & 0o777, 0o644);
            assert.ok(pending(), "a new config.toml leaves the containerd restart pending");
            assert.match(fs.readFileSync(path.join(dir, "containerd.calls"), "utf8"), /^--config \S+\/config\.toml config dump$/m);

            // containerd_apply restarts and clears the mark; an unchanged file sets none
            fs.rmSync(file("/var/lib/kvm-k8s/pending/restart-containerd"));
            const second = run({ KVMK8S_ONLY: "containerd_config", CONTAINERD_FILES: config("registry.k8s.io/pause:3.10") });
            assert.strictEqual(second.status, 0, second.out);
            assert.match(second.stdout, /^ok: \/etc\/containerd\/config\.toml already up to date$/m);
            assert.ok(!pending(), "an unchanged config.toml must not restart containerd");

            const changed = run({ KVMK8S_ONLY: "containerd_config", CONTAINERD_FILES: config("registry.k8s.io/pause:3.10.1") });
            assert.strictEqual(changed.status, 0, changed.out);
            assert.match(changed.stdout, /^changed: wrote \/etc\/containerd\/config\.toml$/m);
            assert.ok(pending(), "a changed config.toml restarts containerd");
        });

        it("config.toml that containerd cannot load is not placed: the running one stays", function () {
            needTools(this, "tomllib");
            assert.strictEqual(run({ KVMK8S_ONLY: "containerd_config", CONTAINERD_FILES: config("registry.k8s.io/pause:3.10") }).status, 0);
            fs.rmSync(file("/var/lib/kvm-k8s/pending/restart-containerd"));
            const hosts = config("x").split("\n").slice(1);
            const broken = run({ KVMK8S_ONLY: "containerd_config", CONTAINERD_FILES: [`0644 ${CONTAINERD_CONFIG_PATH} ${b64("version = 2\n[plugins\n")}`, ...hosts].join("\n") });
            assert.notStrictEqual(broken.status, 0);
            assert.match(broken.stderr, /^ERROR: containerd rejects the rendered \/etc\/containerd\/config\.toml, so it is left as it is: containerd: failed to load TOML: /m);
            assert.strictEqual(fs.readFileSync(file(CONTAINERD_CONFIG_PATH), "utf8"), containerdConfigToml(containerdConfig("registry.k8s.io/pause:3.10")));
            assert.ok(!pending());

        });

        it("refuses records that are not containerd's files before any step runs", () => {
            const ok = filesPayload(containerdFiles(SITE)).split("\n");
            for (const [records, message] of [
                [[...ok, `0644 /etc/passwd ${b64("x")}`], /'\/etc\/passwd' is neither \/etc\/containerd\/config\.toml nor \/etc\/containerd\/certs\.d\/HOST\/hosts\.toml/],
                [[...ok, `0644 ${CERTS_D}/../hosts.toml ${b64("x")}`], /'\/etc\/containerd\/certs\.d\/\.\.\/hosts\.toml' is neither/],
                [[ok[0], ...ok], /\/etc\/containerd\/config\.toml is given twice/],
                [ok.slice(1), /has no \/etc\/containerd\/config\.toml record/],
                [ok.slice(0, 1), /has no \/etc\/containerd\/certs\.d\/HOST\/hosts\.toml record/],
                [[`644 ${CONTAINERD_CONFIG_PATH} not-base64!`, ...ok.slice(1)], /expected 'MODE PATH BASE64' records/],
            ] as const) {
                const r = run({ KVMK8S_ONLY: "write_files", CONTAINERD_FILES: records.join("\n") });
                assert.notStrictEqual(r.status, 0, records.join("\n"));
                assert.match(r.stderr, message);
                assert.doesNotMatch(r.stdout, /changed:|ok:/, "no step ran");
            }
        });
    });

    describe("comparing containerd config dumps (the real-VM test's proof)", () => {
        it("flattens sections and keys, and tells apart keys only one side has and changed values", () => {
            const a = ['imports = ["/tmp/a.toml"]', "version = 2", "", "[plugins]", "", `  ${RUNC_OPTIONS}`, '    BinaryName = ""', "    SystemdCgroup = true"].join("\n");
            const b = ['imports = ["/etc/containerd/config.toml"]', "version = 2", "[plugins]", `  ${RUNC_OPTIONS}`, "    SystemdCgroup = true"].join("\n");
            assert.deepStrictEqual(flattenDump(b), new Map([["imports", '["/etc/containerd/config.toml"]'], ["version", "2"], [`${RUNC_OPTIONS} SystemdCgroup`, "true"]]));
            assert.deepStrictEqual(dumpDifferences(a, b), {
                onlyFirst: [[`${RUNC_OPTIONS} BinaryName`, '""']],
                onlySecond: [],
                changed: [["imports", '["/tmp/a.toml"]', '["/etc/containerd/config.toml"]']],
            });
            assert.ok(isZeroValue('""') && isZeroValue("0") && isZeroValue("false") && !isZeroValue("true") && !isZeroValue('"x"'));
            assert.throws(() => flattenDump("[a]\nk = 1\nk = 2"), /\[a\] k twice/);
        });
    });
});
