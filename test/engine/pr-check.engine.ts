/**
 * The pull-request check as the workflow runs it: tools/pr-check.sh in a copy of this
 * checkout, the real CLI and plugins, the test world's hypervisors. The workflow
 * (.github/workflows/pull-request.yml) only installs, calls the script and posts its comment.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PRIVATE_KEY_MARKER, TEST_PRIVATE_KEY } from "../fixtures";
import { ROOT, Sandbox, walk, worldSandboxEach } from "./harness";
import { planResources } from "./preview";

function prCheck(box: Sandbox, stack: string): { status: number | null; output: string; comment: string } {
    const run = spawnSync("bash", ["tools/pr-check.sh", stack], { cwd: box.work, env: { ...process.env, ...box.env }, encoding: "utf8" });
    const file = path.join(box.work, "out", stack, "comment.md");
    return { status: run.status, output: `${run.stdout}\n${run.stderr}`, comment: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "" };
}

describe("the pull-request check (tools/pr-check.sh), under the real CLI", function () {
    this.timeout(15 * 60 * 1000);
    const sandbox = worldSandboxEach({ checkout: true });

    it("is what the workflow runs for each stack", () => {
        const workflow = fs.readFileSync(path.join(ROOT, ".github/workflows/pull-request.yml"), "utf8");
        assert.match(workflow, /run: tools\/pr-check\.sh \$\{\{ matrix\.stack \}\}/);
        assert.doesNotMatch(workflow, /npm run plan|command: preview/, "the workflow must not run its own copy of the steps");
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: passes, with the plan's artifacts, the preview and a comment that says what will be created`, () => {
            sandbox().initStack(stack, { key: TEST_PRIVATE_KEY });
            const run = prCheck(sandbox(), stack);
            assert.equal(run.status, 0, run.output);
            const out = path.join(sandbox().work, "out", stack);
            for (const f of ["resources.txt", "graph.mmd", "preview.txt", "comment.md"]) {
                assert.ok(fs.existsSync(path.join(out, f)), `out/${stack}/${f} missing`);
            }
            const count = planResources([stack])[stack].resources.length;
            assert.match(run.comment, new RegExp(`\\+ ${count + 1} to create`), run.comment);
            assert.match(run.comment, /Policies:\n\s+✅ kvm-k8s@v0\.1\.0/, run.comment);
            assert.ok(run.comment.includes("```mermaid"), run.comment);
            for (const f of walk(out)) {
                assert.ok(!fs.readFileSync(f, "utf8").includes(PRIVATE_KEY_MARKER), `the login key in plain text in ${path.relative(out, f)}`);
            }
        });
    }

    it("fails on a config mistake at the offline plan, before the site is asked anything, and says so in the comment", () => {
        const file = YAML.parseDocument(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"));
        file.setIn(["config", "kvm-k8s:site", "masters"], [{ name: "master-1", hypervisor: "svc-1", addresses: { internal: "10.10.0.11", services: "10.20.0.11", storage: "10.30.0.11" } }]);
        sandbox().initStack("prod", { stackFile: file.toString(), key: TEST_PRIVATE_KEY });
        const run = prCheck(sandbox(), "prod");
        assert.notEqual(run.status, 0);
        assert.match(run.comment, /^### `prod`: the offline plan failed/);
        assert.match(run.comment, /kvm-k8s:site\.masters/);
        assert.ok(!fs.existsSync(path.join(sandbox().work, "out", "prod", "preview.txt")), "the preview ran after the plan failed");
    });

    it("fails when the real preview does (a hypervisor the runner cannot reach), and says so in the comment", () => {
        // valid config, so the offline plan passes; only the real provider finds svc-9 is not there
        const committed = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
        sandbox().initStack("dev", { stackFile: `${committed}    hypervisors:\n      - { name: hv1, uri: "qemu+ssh://root@svc-9/system" }\n`, key: TEST_PRIVATE_KEY });
        const run = prCheck(sandbox(), "dev");
        assert.notEqual(run.status, 0);
        assert.match(run.comment, /^### `dev`: pulumi preview failed/);
        assert.match(run.comment, /failed to connect/);
        assert.ok(fs.existsSync(path.join(sandbox().work, "out", "dev", "graph.mmd")), "the plan's artifacts are there for the reviewer");
    });
});
