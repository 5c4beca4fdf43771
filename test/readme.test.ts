/** The README's configuration examples stay valid: a newcomer copies them as they are. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { profiles, resolveSite, stages } from "../stacks";
import { DIALABLE_TRANSPORTS, SSH_AUTH_METHODS, URI_PARAMETERS } from "../stacks/libvirt-uri";
import { siteSchema } from "../stacks/schema";
import { ROOT, stackInput, TEST_PRIVATE_KEY } from "./fixtures";

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
const block = (needle: string): string => {
    const found = yamlBlocks.filter((b) => b.includes(needle));
    assert.strictEqual(found.length, 1, `expected one yaml block with ${needle} in the README`);
    return found[0];
};

describe("README examples", () => {
    it("the new-site example (Pulumi.paris-1.yaml) resolves, with its own world", () => {
        const config = (YAML.parse(block("name: paris-1")) as { config: Record<string, unknown> }).config;
        const result = resolveSite({ profile: config["kvm-k8s:profile"], site: config["kvm-k8s:site"], sshPrivateKey: { value: TEST_PRIVATE_KEY, secret: true }, keys: Object.keys(config) });
        assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.issues, null, 1));
        assert.deepStrictEqual(result.site.masters.map((m) => m.hypervisor), ["par-1", "par-2", "par-3"]);
        assert.strictEqual(result.site.cluster.endpoint.host, "10.61.0.5");
    });

    it("the stock-laptop overrides of the dev stack (virbr0, 192.168.122.0/24) resolve", () => {
        const overrides = YAML.parse(block("bridge: virbr0")) as Record<string, unknown>;
        const input = stackInput("dev");
        input.site = { ...(input.site as object), ...overrides };
        const result = resolveSite(input);
        assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.issues, null, 1));
        assert.deepStrictEqual(result.site.workers[0].nics.map((n) => [n.bridge, n.address, n.gateway]), [["virbr0", "192.168.122.21", "192.168.122.1"]]);
    });
});

describe("README configuration reference", () => {
    const rows = readme.split("\n").filter((line) => line.startsWith("| `site."));
    const cells = (row: string): string[] => row.split(" | ").map((c) => c.replace(/^\| |\s*\|$/g, ""));

    it("has a row for every key of kvm-k8s:site, so it cannot fall behind the schema", () => {
        const documented = new Set(rows.map((row) => (/^\| `site\.(\w+)/.exec(row) as RegExpExecArray)[1]));
        assert.deepStrictEqual(Object.keys(siteSchema.shape).filter((key) => !documented.has(key)), []);
    });

    it("site.hypervisors names the transports, query parameters and sshauth methods the libvirt provider reads", () => {
        const row = rows.find((r) => r.startsWith("| `site.hypervisors[]` |"));
        assert.ok(row, "no row for site.hypervisors");
        const what = cells(row)[1];
        for (const transport of DIALABLE_TRANSPORTS.filter((t) => t !== "unix")) {
            assert.ok(what.includes(`\`qemu+${transport}://`), `qemu+${transport}:// missing`);
        }
        assert.ok(what.includes("`qemu:///system`"), "qemu:///system missing");
        for (const word of [...Object.values(URI_PARAMETERS).flat(), ...SSH_AUTH_METHODS]) {
            assert.ok(what.includes(`\`${word}\``), `${word} missing`);
        }
    });

    it("site.stopAfter names every stage in order, and each profile's default", () => {
        const row = rows.find((r) => r.startsWith("| `site.stopAfter` |"));
        assert.ok(row, "no row for site.stopAfter");
        const [, what, dev, prod] = cells(row);
        assert.deepStrictEqual([...what.matchAll(/`(\w+)` \(/g)].map((m) => m[1]), [...stages]);
        assert.deepStrictEqual([dev, prod], [`\`${profiles.dev.site.stopAfter}\``, `\`${profiles.prod.site.stopAfter}\``]);
    });
});
