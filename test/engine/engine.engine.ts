/**
 * The program under the real Pulumi CLI and engine (v3.248.0) and the real provider plugins,
 * installed from ../shared/plugins (test/engine/install.sh), a file:// backend and a
 * passphrase; no plugin is ever downloaded. These drive the project's index.ts through the
 * Automation API's inline mode (test/engine/harness.ts) for what needs the engine's events:
 * the CLI's config and secret handling, the backend, the self-StackReference. `pulumi preview`
 * typed as a user does is preview.engine.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { spawnSync } from "child_process";
import * as path from "path";
import * as YAML from "yaml";
import { nodeFingerprints } from "../../components/site";
import { checkOneRebuildPerUpdate, checkVersionChange, formatIssues, loadSiteConfig, resolveSite } from "../../stacks";
import { readStackFile, TEST_PRIVATE_KEY, PRIVATE_KEY_MARKER } from "../fixtures";
import { asLanguageHost, diagnostics, engineBin, projectProgram, pulumi, registered, ROOT, Sandbox, stackFrames, walk } from "./harness";

/** `npm run plan -- <stack>` reading stack files from `dir`: the offline plan as a user runs it. */
function offlinePlan(stack: string, dir: string): { status: number | null; stderr: string } {
    const run = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "tools/plan.ts"), stack], {
        cwd: ROOT,
        env: { ...process.env, KVMK8S_STACK_DIR: dir },
        encoding: "utf8",
    });
    return { status: run.status, stderr: run.stderr };
}

describe("the real Pulumi engine", function () {
    this.timeout(15 * 60 * 1000);

    let box: Sandbox;
    before(() => {
        engineBin();
    });
    beforeEach(() => {
        box = new Sandbox();
    });
    afterEach(() => {
        box.cleanup();
    });

    it("is the CLI version that @pulumi/pulumi in package.json pins", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const sdk = (require(path.join(ROOT, "node_modules/@pulumi/pulumi/package.json")) as { version: string }).version;
        assert.equal(box.cliOk(["version"]).trim(), `v${sdk}`);
    });

    it("refuses a config mistake with the offline plan's words, nothing registered, no stack trace", async () => {
        // prod with a single master: the prod profile needs three
        const file = YAML.parseDocument(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"));
        const site = readStackFile("prod").site as Record<string, unknown>;
        file.setIn(["config", "kvm-k8s:site"], { ...site, masters: [{ name: "master-1", hypervisor: "svc-1", addresses: { internal: "10.10.0.11", services: "10.20.0.11", storage: "10.30.0.11" } }] });
        box.initStack("prod", { stackFile: file.toString(), key: TEST_PRIVATE_KEY });

        const expected = resolveSite({ ...offlineInputFrom(box.stackFile("prod")), sshPrivateKey: { value: TEST_PRIVATE_KEY, secret: true } });
        assert.ok(!expected.ok, "the broken stack file must be invalid offline too");
        const offline = offlinePlan("prod", box.work);
        assert.notEqual(offline.status, 0);

        const real = await box.run("preview", "prod", projectProgram());
        assert.ok(!real.ok, real.output);
        for (const issue of formatIssues(expected.issues).split("\n").filter((l) => l.trim() !== "")) {
            assert.ok(offline.stderr.includes(issue.trim()), `offline plan lacks: ${issue}\n${offline.stderr}`);
            assert.ok(real.output.includes(issue.trim()), `real CLI lacks: ${issue}\n${real.output}`);
        }
        assert.deepEqual(stackFrames(real.output), [], real.output);
        assert.deepEqual(
            registered(real.events).filter((r) => r.type !== "pulumi:pulumi:Stack"),
            [],
        );
    });

    it("stores `config set --secret` encrypted, and the program receives the key as a secret", async () => {
        box.initStack("dev", { key: TEST_PRIVATE_KEY });
        const stackFile = fs.readFileSync(box.stackFile("dev"), "utf8");
        assert.ok(!stackFile.includes(PRIVATE_KEY_MARKER), "plain key in the stack file");
        assert.match(stackFile, /kvm-k8s:sshPrivateKey:\s*\n\s*secure: v1:/);

        // The project's only config reader, under the real CLI's config: what reaches the program.
        const seen: { isSecretOutput?: boolean } = {};
        const up = await box.run(
            "up",
            "dev",
            asLanguageHost(async () => {
                const site = loadSiteConfig();
                const key = site.access.privateKey;
                seen.isSecretOutput = await pulumi.isSecret(key);
                return { key };
            }),
        );
        assert.ok(up.ok, up.output);
        assert.equal(seen.isSecretOutput, true);
        // ... and it stays one: the state, the CLI's output and the export hold ciphertext only
        const exported = box.cliOk(["stack", "export", "--stack", "dev"]);
        assert.ok(!exported.includes(PRIVATE_KEY_MARKER), "plain key in `pulumi stack export`");
        assert.ok(!up.output.includes(PRIVATE_KEY_MARKER), "plain key in the CLI's output");
        assert.ok(!JSON.stringify(up.events).includes(PRIVATE_KEY_MARKER), "plain key in the engine events");
        for (const f of walk(box.state)) {
            assert.ok(!fs.readFileSync(f, "utf8").includes(PRIVATE_KEY_MARKER), `plain key in ${f}`);
        }
        // The value is intact behind the encryption, less one thing: `config set` reading stdin
        // drops the key file's final newline (cmdutil.RemoveTrailingNewline; `--raw` keeps it).
        // The key only reaches Go's x/crypto/ssh (the command provider's connection), which
        // parses it either way.
        assert.equal(JSON.parse(box.cliOk(["stack", "output", "key", "--show-secrets", "--json", "--stack", "dev"])), TEST_PRIVATE_KEY.replace(/\n$/, ""));
    });

    it("refuses a key set without --secret, as the offline plan does", async () => {
        box.initStack("dev", { key: TEST_PRIVATE_KEY, secret: false });
        const offline = offlinePlan("dev", box.work);
        const real = await box.run("preview", "dev", projectProgram());
        const message = "is stored in plain text in the stack file";
        assert.ok(offline.stderr.includes(message), offline.stderr);
        assert.ok(!real.ok && real.output.includes(message), real.output);
        assert.ok(!real.output.includes(PRIVATE_KEY_MARKER), "the plain key was printed");
        assert.deepEqual(stackFrames(real.output), [], real.output);
    });

    it("reads the stack's own last outputs: none on a first run, the previous update's on a later one", async () => {
        box.initStack("dev", { key: TEST_PRIVATE_KEY });
        const warning = "could not read this stack's last outputs";

        // First run: a stack with no update yet. The self-reference answers (no warning), the
        // checks pass, and the program builds the site: the preview succeeds.
        const first = await box.run("preview", "dev", projectProgram());
        assert.ok(first.ok, first.output);
        assert.deepEqual(diagnostics(first.events, "warning").filter((w) => w.includes(warning)), [], first.output);

        // A previous update, written by the real backend: the outputs the program exports for
        // the next run to compare against (index.ts: nodeFingerprints, kubernetesVersion), here
        // from a site whose master and worker were built from other images and one minor older.
        const current = loadSiteConfigFor("dev");
        const before = structuredClone(nodeFingerprints(current));
        const changed = Object.keys(before).filter((n) => /master|worker/.test(n));
        assert.ok(changed.length >= 2, `dev has ${Object.keys(before).join(", ")}`);
        for (const n of changed) {
            before[n] = `${before[n]}-previous`;
        }
        const [major, minor] = current.cluster.kubernetesVersion.split(".");
        const olderVersion = `${major}.${Number(minor) - 1}.0`;
        const previous = await box.run("up", "dev", async () => ({ nodeFingerprints: before, kubernetesVersion: olderVersion }));
        assert.ok(previous.ok, previous.output);

        // Later run: the program must see those outputs, so it refuses two rebuilds at once.
        const expected = [...checkOneRebuildPerUpdate(before, nodeFingerprints(current)), ...checkVersionChange(olderVersion, current.cluster.kubernetesVersion)];
        assert.ok(expected.length > 0, "the previous outputs must make the checks refuse");
        const later = await box.run("preview", "dev", projectProgram());
        assert.ok(!later.ok);
        for (const line of formatIssues(expected).split("\n").filter((l) => l.trim() !== "")) {
            assert.ok(later.output.includes(line.trim()), `missing: ${line}\n${later.output}`);
        }
        assert.deepEqual(registered(later.events).filter((r) => r.type.startsWith("libvirt:")), [], "refused before any VM is planned");

        // And with the previous outputs equal to this config's, the later run passes the checks.
        const same = await box.run("up", "dev", async () => ({ nodeFingerprints: nodeFingerprints(current), kubernetesVersion: current.cluster.kubernetesVersion }));
        assert.ok(same.ok, same.output);
        const again = await box.run("preview", "dev", projectProgram());
        assert.ok(again.ok, again.output);
        assert.deepEqual(diagnostics(again.events, "warning").filter((w) => w.includes(warning)), [], again.output);
    });
});

/** The Pulumi.<stack>.yaml at `file`, as tools/plan.ts's reader turns it into program input. */
function offlineInputFrom(file: string): { profile: unknown; site: unknown } {
    const config = (YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
    return { profile: config["kvm-k8s:profile"], site: config["kvm-k8s:site"] };
}

/** The committed stack's SiteConfig with the test key: what the program loads under the CLI. */
function loadSiteConfigFor(stack: string): ReturnType<typeof loadSiteConfig> {
    const file = readStackFile(stack);
    return loadSiteConfig({ profile: file.profile, site: structuredClone(file.site), sshPrivateKey: { value: TEST_PRIVATE_KEY, secret: true } });
}
