/**
 * `pulumi preview` as platform teams type it, in a copy of this checkout: the real CLI, the
 * Node.js language host running index.ts, the real command, libvirt, tls, random and
 * kubernetes plugins (installed from ../shared/plugins, none on PATH), a file backend, the key
 * set with `pulumi config set --secret`, and hypervisors that answer: dev's qemu:///system and
 * prod's six `qemu+ssh://root@svc-N/system`, each over real SSH with its pinned host key
 * (test/engine/run.sh's world). The plan the engine makes must be the offline plan's.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { syntheticStackInput } from "../../tools/bench";
import { TEST_PRIVATE_KEY } from "../fixtures";
import { engineInstall, ROOT, Sandbox, worldSandboxEach } from "./harness";
import { planResources, PreviewJson, previewJson, resourceKey, stackFileFor } from "./preview";

describe("pulumi preview, as a user runs it (real CLI, language host, plugins, hypervisors)", function () {
    this.timeout(20 * 60 * 1000);

    const sandbox = worldSandboxEach({ checkout: true });

    it("takes each provider plugin from PULUMI_HOME at the pinned version, none from PATH", () => {
        const onPath = fs.readdirSync(engineInstall().bin).filter((f) => f.startsWith("pulumi-resource-") && f !== "pulumi-resource-pulumi-nodejs");
        assert.deepEqual(onPath, [], "a provider plugin beside the CLI would be used whatever its version");
        const listed = JSON.parse(sandbox().cliOk(["plugin", "ls", "--json"])) as { name: string; kind: string; version: string }[];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const deps = (require(path.join(ROOT, "package.json")) as { dependencies: Record<string, string> }).dependencies;
        for (const name of ["command", "tls", "random", "kubernetes"]) {
            assert.ok(listed.some((p) => p.kind === "resource" && p.name === name && p.version === deps[`@pulumi/${name}`]), `${name} ${deps[`@pulumi/${name}`]} not installed: ${JSON.stringify(listed)}`);
        }
        assert.ok(listed.some((p) => p.name === "libvirt" && p.version === "0.5.4"));
    });

    const sites: { stack: string; plan: string; file: () => string }[] = [
        { stack: "dev", plan: "dev", file: () => fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8") },
        { stack: "prod", plan: "prod", file: () => fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8") },
    ];
    for (const site of sites) {
        it(`${site.stack}: plans exactly the offline plan's resources, no error or warning, and the policy pack passes`, () => {
            sandbox().initStack(site.stack, { stackFile: site.file(), key: TEST_PRIVATE_KEY });
            const preview = previewJson(sandbox(), site.stack, ["--policy-pack", "policy"]);
            assert.equal(preview.status, 0, preview.text);
            assert.deepEqual(preview.diagnostics.filter((d) => d.severity === "error" || d.severity === "warning"), [], preview.text);
            // The pack ran and passed: every policy is mandatory, so a violation fails the
            // preview (the JSON carries no policy events; pr-check.engine.ts reads the ✅)
            const creates = preview.steps.filter((s) => s.op === "create").map(resourceKey).sort();
            const offline = planResources([site.plan])[site.plan].resources.map((r) => `${r.type}::${r.name}`);
            assert.deepEqual(creates, [...offline, `pulumi:pulumi:Stack::kvm-k8s-${site.stack}`].sort());
            // ... and reads its own last outputs (index.ts's self-reference), nothing else
            assert.deepEqual(preview.steps.filter((s) => s.op !== "create").map((s) => `${s.op} ${resourceKey(s)}`), [`read pulumi:pulumi:StackReference::organization/kvm-k8s/${site.stack}`]);
        });
    }

    it("figures: preview of prod and of a 50-worker site, each against a bare program of as many resources, in this run", () => {
        const plans = planResources(["prod", "workers:50"]);
        const floorBox = new Sandbox();
        try {
            const rows: string[] = [];
            for (const [name, plan] of Object.entries(plans)) {
                const stack = name === "prod" ? "prod" : "workers50";
                const file = name === "prod" ? fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8") : stackFileFor(syntheticStackInput(50));
                sandbox().initStack(stack, { stackFile: file, key: TEST_PRIVATE_KEY });
                const real = previewJson(sandbox(), stack);
                assert.equal(real.status, 0, real.text);
                assert.equal(real.steps.filter((s) => s.op === "create").length, plan.resources.length + 1);

                // The floor: a TypeScript project registering as many component resources,
                // previewed by the same CLI and language host.
                const floor = bareProgram(floorBox, plan.resources.length);
                const bare = previewJson(floorBox, floor);
                assert.equal(bare.status, 0, bare.text);
                assert.equal(bare.steps.length, plan.resources.length + 1);
                rows.push(
                    `${name}: ${plan.resources.length} resources; real preview ${real.seconds.toFixed(1)} s, bare program ${bare.seconds.toFixed(1)} s ` +
                        `(${(real.seconds / bare.seconds).toFixed(2)}x); offline plan ${plan.seconds.toFixed(2)} s`,
                );
            }
            console.log(`      [figure] ${rows.join("\n      [figure] ")}`);
        } finally {
            floorBox.cleanup();
        }
    });
});

/** A project in `box.work` whose program registers `n` component resources; returns its stack. */
function bareProgram(box: Sandbox, n: number): string {
    const stack = `floor${n}`;
    fs.writeFileSync(path.join(box.work, "Pulumi.yaml"), YAML.stringify({ name: "floor", runtime: { name: "nodejs", options: { typescript: true } } }));
    fs.writeFileSync(
        path.join(box.work, "index.ts"),
        `import * as pulumi from "@pulumi/pulumi";\nconst n = Number(new pulumi.Config().require("n"));\nfor (let i = 0; i < n; i++) {\n    new pulumi.ComponentResource("kvmk8s:engine:Floor", \`r\${i}\`);\n}\n`,
    );
    fs.writeFileSync(path.join(box.work, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "es2020", module: "commonjs" }, files: ["index.ts"] }));
    if (!fs.existsSync(path.join(box.work, "node_modules"))) {
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(box.work, "node_modules"));
    }
    box.initStack(stack, { stackFile: YAML.stringify({ config: { "floor:n": String(n) } }) });
    return stack;
}

export type { PreviewJson };
