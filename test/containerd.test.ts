/**
 * containerd's files (components/nodes/containerd.ts): the TOML serializer, read back by a
 * real TOML parser (Python's tomllib); hosts.toml byte for byte what prepare-node.sh printed
 * before the files moved to the program (test/legacy/containerd.sh).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
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
import { MIRRORED_REGISTRIES, REGISTRY_CA_PATH } from "../components/registry";
import { needTools, ROOT } from "./fixtures";

const SITE: ContainerdSite = {
    registry: "registry.site1.example:5000",
    caPath: REGISTRY_CA_PATH,
    mirrored: [],
    sandboxImage: "registry.k8s.io/pause:3.10",
};
const CREDENTIALS = { user: "kvmk8s", password: "pa'ss" };
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

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
            assert.ok(script.includes(`\nCERTS_D=${CERTS_D}\n`));
        });
    });
});
