/**
 * Each SDK asks the engine for exactly its own plugin version, and the engine loads only the
 * plugins installed from ../shared/plugins (automatic acquisition is off): a pin that differs
 * from the tarball there is a run that cannot start. This compares every tarball's version
 * with package.json's pin and with the SDK npm actually installed.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
export const PLUGINS_DIR = process.env.KVMK8S_PLUGINS_DIR ?? path.resolve(ROOT, "../shared/plugins");

export interface PluginTarball {
    kind: "resource" | "language" | "cli";
    name: string;
    version: string;
    file: string;
}

/** The tarballs in ../shared/plugins, read from their names as Pulumi's release archives name them. */
export function pluginTarballs(dir = PLUGINS_DIR): PluginTarball[] {
    return fs
        .readdirSync(dir)
        .flatMap((f): PluginTarball[] => {
            const plugin = /^pulumi-(resource|language)-([a-z-]+)-v(\d+\.\d+\.\d+)-linux-amd64\.tar\.gz$/.exec(f);
            if (plugin) {
                return [{ kind: plugin[1] as "resource" | "language", name: plugin[2], version: plugin[3], file: path.join(dir, f) }];
            }
            const cli = /^pulumi-v(\d+\.\d+\.\d+)-linux-x64\.tar\.gz$/.exec(f);
            return cli ? [{ kind: "cli", name: "pulumi", version: cli[1], file: path.join(dir, f) }] : [];
        })
        .sort((a, b) => a.file.localeCompare(b.file));
}

function readJson(file: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

describe("SDK pins match the plugins in ../shared/plugins", function () {
    before(function () {
        if (!fs.existsSync(PLUGINS_DIR)) {
            // .ci/run has ../shared beside the clone; a GitHub checkout does not (there the
            // engine takes these versions from Pulumi's own plugin downloads).
            if (process.env.CI && process.env.GITHUB_ACTIONS !== "true") {
                assert.fail(`${PLUGINS_DIR} is missing, and CI=true: CI runs with ../shared beside the clone`);
            }
            console.log(`      skipped: ${PLUGINS_DIR} is missing (it comes with ../shared)`);
            this.skip();
        }
    });

    const deps = readJson(path.join(ROOT, "package.json")).dependencies as Record<string, string>;

    it("there is one tarball for each provider the program uses, the language host and the CLI", () => {
        const names = pluginTarballs().map((t) => `${t.kind}:${t.name}`);
        for (const want of ["resource:command", "resource:libvirt", "resource:tls", "resource:random", "resource:kubernetes", "language:nodejs", "cli:pulumi"]) {
            assert.ok(names.includes(want), `no ${want} tarball in ${PLUGINS_DIR} (have ${names.join(", ")})`);
        }
    });

    it("each resource plugin's version is package.json's exact pin and the installed SDK's version", () => {
        const resources = pluginTarballs().filter((t) => t.kind === "resource");
        assert.ok(resources.length >= 5);
        for (const t of resources) {
            const sdk = `@pulumi/${t.name}`;
            // @pulumi/libvirt is the generated SDK in sdks/libvirt (not in the npm registry here)
            const pinned = deps[sdk]?.startsWith("file:") ? (readJson(path.join(ROOT, deps[sdk].slice("file:".length), "package.json")).version as string) : deps[sdk];
            assert.equal(pinned, t.version, `package.json pins ${sdk} ${deps[sdk]}, the plugin is ${path.basename(t.file)}: the engine would look for a plugin that is not installed`);
            const installed = readJson(path.join(ROOT, "node_modules", sdk, "package.json")).version;
            assert.equal(installed, t.version, `node_modules has ${sdk} ${String(installed)}: run npm ci`);
        }
    });

    it("@pulumi/pulumi is the CLI's and the language host's version", () => {
        for (const t of pluginTarballs().filter((p) => p.kind !== "resource")) {
            assert.equal(deps["@pulumi/pulumi"], t.version, `${path.basename(t.file)} against @pulumi/pulumi ${deps["@pulumi/pulumi"]}`);
        }
    });

    it("reads a tarball name the way the checks above do, so a differing pin is seen", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvm-k8s-pins-"));
        try {
            fs.writeFileSync(path.join(dir, "pulumi-resource-tls-v5.6.1-linux-amd64.tar.gz"), "");
            const [t] = pluginTarballs(dir);
            assert.deepEqual({ kind: t.kind, name: t.name, version: t.version }, { kind: "resource", name: "tls", version: "5.6.1" });
            assert.notEqual(deps["@pulumi/tls"], t.version);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
