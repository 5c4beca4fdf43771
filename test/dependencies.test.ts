import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { ROOT } from "./fixtures";

describe("dependencies", () => {
    it("one copy of @pulumi/pulumi serves the program and every provider SDK", () => {
        // Two copies would mean two runtimes: resources registered through one are invisible
        // to the other, and outputs stop being recognised as outputs.
        const own = fs.realpathSync(require.resolve("@pulumi/pulumi", { paths: [ROOT] }));
        for (const sdk of ["@pulumi/command", "@pulumi/kubernetes", "@pulumi/libvirt"]) {
            const sdkDir = fs.realpathSync(path.dirname(require.resolve(`${sdk}/package.json`, { paths: [ROOT] })));
            const theirs = fs.realpathSync(require.resolve("@pulumi/pulumi", { paths: [sdkDir] }));
            assert.strictEqual(theirs, own, `${sdk} loads its own @pulumi/pulumi`);
        }
    });

    it("TypeScript is 5.x (7 stalls npm install; @pulumi/pulumi declares <7)", () => {
        const ts = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [ROOT] }), "utf8")) as { version: string };
        assert.match(ts.version, /^5\./);
    });
});

describe("CI entry point and the VM image build", () => {
    for (const rel of [".ci/run", "test/vm/build-image.sh"]) {
        it(`${rel} is valid bash and shellcheck-clean`, function () {
            const file = path.join(ROOT, rel);
            const syntax = spawnSync("bash", ["-n", file], { encoding: "utf8" });
            assert.strictEqual(syntax.status, 0, syntax.stderr);
            const check = spawnSync("shellcheck", ["--severity=style", file], { encoding: "utf8" });
            if (check.error) {
                if (process.env.CI) {
                    assert.fail("shellcheck is not installed; .ci/run installs it");
                }
                this.skip();
            }
            assert.strictEqual(check.status, 0, check.stdout);
        });
    }
});
