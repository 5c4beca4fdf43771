/**
 * sdks/libvirt is generated, not written: it must be exactly what Pulumi's Node.js SDK
 * generator (the code behind `pulumi package gen-sdk --language nodejs`, at the CLI's
 * version) writes from the libvirt provider's schema, file for file and byte for byte.
 * Regenerate with test/engine/gen-libvirt-sdk.sh after changing the schema or the CLI version.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, sdkgenBin } from "./harness";

export const SCHEMA = path.resolve(ROOT, "../shared/provider-schemas/libvirt-0.5.4.schema.json");
const SDK = path.join(ROOT, "sdks/libvirt");
/** What `npm ci` adds to the SDK folder (postinstall's `tsc -p sdks/libvirt`), not generated. */
const BUILT = new Set(["bin", "node_modules"]);

function files(dir: string, at = ""): string[] {
    return fs
        .readdirSync(path.join(dir, at), { withFileTypes: true })
        .filter((e) => !(at === "" && BUILT.has(e.name)))
        .flatMap((e) => (e.isDirectory() ? files(dir, path.join(at, e.name)) : [path.join(at, e.name)]))
        .sort();
}

describe("the libvirt SDK (sdks/libvirt)", function () {
    this.timeout(10 * 60 * 1000);

    it("is exactly what the generator writes from the provider's schema", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "kvm-k8s-sdkgen-"));
        try {
            const run = spawnSync(path.join(sdkgenBin(), "libvirt-sdkgen"), ["-schema", SCHEMA, "-version", "0.5.4", "-local", "-out", out], { encoding: "utf8" });
            assert.equal(run.status, 0, run.stderr);
            const generated = files(out);
            assert.ok(generated.includes("package.json") && generated.includes("domain.ts"), `generator wrote: ${generated.join(", ")}`);
            assert.deepEqual(files(SDK), generated, "the committed file list differs from the generated one");
            const differing = generated.filter((f) => !fs.readFileSync(path.join(SDK, f)).equals(fs.readFileSync(path.join(out, f))));
            assert.deepEqual(differing, [], "committed files that differ from the generator's output (run test/engine/gen-libvirt-sdk.sh)");
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
