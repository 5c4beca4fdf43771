/**
 * The real Pulumi engine for tests: the CLI v3.248.0 with its Node.js language host, and the
 * provider plugins, installed from ../shared/plugins by test/engine/install.sh (built from
 * their upstream release tags); a file:// backend and a PULUMI_HOME per sandbox, whose
 * plugins/ is the install's, a passphrase, no plugin download and no plugin on PATH.
 *
 * Two ways to run a program, both through the real CLI and engine:
 * - as a user does: `pulumi preview --stack dev` in a copy of this checkout (`checkout: true`),
 *   the language host starting the TypeScript program (`cli`);
 * - through the Automation API's inline mode, for programs that are not the project's (`run`).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent, LocalWorkspace, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";

export const ROOT = path.resolve(__dirname, "../..");
export const PROJECT = "kvm-k8s";
export const PASSPHRASE = "kvm-k8s engine tests: not a secret";

// Internal to the SDK's typings; it holds the configuration the CLI sent for this run.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore(): { config: Record<string, string | undefined> } };

const lastLines = new Map<string, string>();

/** The last stdout line of a test/engine script (a warm run only checks its cache). */
function scriptOutput(script: string, ...args: string[]): string {
    const key = [script, ...args].join(" ");
    if (!lastLines.has(key)) {
        const run = spawnSync("bash", [path.join(__dirname, script), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        if (run.status !== 0) {
            throw new Error(`test/engine/${key} failed (exit ${run.status})`);
        }
        lastLines.set(key, run.stdout.trim().split("\n").pop() ?? "");
    }
    return lastLines.get(key)!;
}

/** install.sh's cache: bin/ (CLI and language host) and home/plugins (the resource plugins). */
export function engineInstall(): { bin: string; plugins: string } {
    const dir = scriptOutput("install.sh");
    const bin = path.join(dir, "bin");
    if (!fs.existsSync(path.join(bin, "pulumi"))) {
        throw new Error(`install.sh printed '${dir}', which holds no bin/pulumi`);
    }
    return { bin, plugins: path.join(dir, "home", "plugins") };
}

/** The directory holding `pulumi` and the Node.js language host. */
export function engineBin(): string {
    return engineInstall().bin;
}

/** The directory holding `libvirt-sdkgen`, which build.sh builds from Go modules. */
export function sdkgenBin(): string {
    return scriptOutput("build.sh", "libvirt-sdkgen");
}

/**
 * The test world's client side (test/engine/run.sh sets it): a HOME whose .ssh holds the key
 * the hypervisors let in and their pinned host keys, which the libvirt provider reads for
 * `qemu+ssh://` (it takes $HOME/.ssh, not ssh's config).
 */
export const WORLD_HOME = process.env.KVMK8S_WORLD_HOME;

export interface CliResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

export interface RunResult {
    ok: boolean;
    /** Everything the CLI printed (stdout then stderr), or the error's text. */
    output: string;
    events: EngineEvent[];
    seconds: number;
}

/**
 * The language host's contract with a Node.js program: pulumi-language-nodejs starts `node`
 * with the stack's configuration in PULUMI_CONFIG and the secret keys in
 * PULUMI_CONFIG_SECRET_KEYS, and stacks/load.ts reads the latter from process.env. The
 * Automation API's inline runtime keeps both in the SDK's config store only, so put them
 * where the language host would before the program starts.
 */
export function asLanguageHost(program: () => unknown): PulumiFn {
    return async () => {
        const { config } = getStore();
        for (const key of ["PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS"]) {
            process.env[key] = config[key] ?? "";
        }
        return (await program()) as Record<string, unknown> | void;
    };
}

/** The project's own entry point, index.ts, as the inline program. */
export function projectProgram(): PulumiFn {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = require(path.join(ROOT, "index")) as () => Promise<Record<string, unknown>>;
    return asLanguageHost(main);
}

/**
 * One temporary backend, PULUMI_HOME and project directory; `cleanup()` removes them. With
 * `checkout`, the project directory is a copy of this checkout's tracked files (what a user's
 * clone holds) sharing its node_modules, so `pulumi preview` there runs index.ts through the
 * language host and writes stack files into the copy, never into the repository.
 */
export class Sandbox {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvm-k8s-engine-"));
    readonly work = path.join(this.dir, "project");
    readonly state = path.join(this.dir, "state");
    readonly home = path.join(this.dir, "home");
    readonly bin = engineBin();

    constructor(options: { checkout?: boolean } = {}) {
        for (const d of [this.work, this.state, this.home]) {
            fs.mkdirSync(d, { recursive: true });
        }
        fs.symlinkSync(engineInstall().plugins, path.join(this.home, "plugins"));
        if (options.checkout) {
            const listed = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" });
            if (listed.status !== 0) {
                throw new Error(`git ls-files in ${ROOT} failed: ${listed.stderr}`);
            }
            const files = listed.stdout.split("\0").filter((f) => f !== "");
            if (!files.includes("index.ts")) {
                throw new Error(`git ls-files in ${ROOT} lists no index.ts: the checkout copy would be empty`);
            }
            for (const f of files.filter((f) => fs.existsSync(path.join(ROOT, f)))) {
                fs.mkdirSync(path.dirname(path.join(this.work, f)), { recursive: true });
                fs.copyFileSync(path.join(ROOT, f), path.join(this.work, f));
            }
            fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.work, "node_modules"));
        } else {
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(this.work, "Pulumi.yaml"));
        }
    }

    /**
     * What the CLI runs with: only the CLI's directory (with the language host) added to PATH,
     * the plugins from PULUMI_HOME, nothing fetched.
     */
    get env(): Record<string, string> {
        return {
            ...(WORLD_HOME === undefined ? {} : { HOME: WORLD_HOME }),
            PATH: `${this.bin}:${process.env.PATH ?? ""}`,
            PULUMI_HOME: this.home,
            PULUMI_BACKEND_URL: `file://${this.state}`,
            PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        };
    }

    /** Run the CLI in the project directory. */
    cli(args: string[], input?: string): CliResult & { seconds: number } {
        const start = process.hrtime.bigint();
        const run = spawnSync(path.join(this.bin, "pulumi"), [...args, "--non-interactive"], {
            cwd: this.work,
            env: { ...process.env, ...this.env },
            input,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        return { status: run.status, stdout: run.stdout, stderr: run.stderr, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
    }

    cliOk(args: string[], input?: string): string {
        const run = this.cli(args, input);
        if (run.status !== 0) {
            throw new Error(`pulumi ${args.join(" ")} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
        }
        return run.stdout;
    }

    /**
     * `pulumi stack init <stack>` with the given Pulumi.<stack>.yaml text (default: the
     * committed file), then `pulumi config set --secret kvm-k8s:sshPrivateKey` from stdin,
     * as the README tells a user to (a plain `config set` when `secret` is false).
     */
    initStack(stack: string, options: { stackFile?: string; key?: string; secret?: boolean } = {}): void {
        const text = options.stackFile ?? fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
        fs.writeFileSync(this.stackFile(stack), text);
        this.cliOk(["stack", "init", stack]);
        if (options.key !== undefined) {
            this.cliOk(["config", "set", ...(options.secret === false ? [] : ["--secret"]), "kvm-k8s:sshPrivateKey", "--stack", stack], options.key);
        }
    }

    stackFile(stack: string): string {
        return path.join(this.work, `Pulumi.${stack}.yaml`);
    }

    /**
     * `stack` through the Automation API and the real CLI: `program` run inline, or without it
     * the project in the directory (a checkout copy) run by the language host, as `pulumi up`
     * runs it there.
     */
    async stack(stack: string, program?: PulumiFn): Promise<Stack> {
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(this.bin), skipVersionCheck: false });
        const options = { workDir: this.work, pulumiCommand, envVars: this.env };
        return program === undefined
            ? LocalWorkspace.selectStack({ stackName: stack, workDir: this.work }, options)
            : LocalWorkspace.selectStack({ stackName: stack, projectName: PROJECT, program }, options);
    }

    /** `pulumi preview` (or `up`) of `program` on `stack`, through the real CLI. */
    async run(op: "preview" | "up", stack: string, program: PulumiFn, extra: { policyPacks?: string[] } = {}): Promise<RunResult> {
        const s = await this.stack(stack, program);
        const events: EngineEvent[] = [];
        const start = process.hrtime.bigint();
        const seconds = (): number => Number(process.hrtime.bigint() - start) / 1e9;
        try {
            const opts = { onEvent: (e: EngineEvent) => events.push(e), policyPacks: extra.policyPacks };
            const res = op === "preview" ? await s.preview(opts) : await s.up(opts);
            return { ok: true, output: `${res.stdout}\n${res.stderr}`, events, seconds: seconds() };
        } catch (err) {
            return { ok: false, output: String(err), events, seconds: seconds() };
        }
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Resources the engine was asked to register (type and name), from the preview's events. */
export function registered(events: EngineEvent[]): { type: string; name: string; op: string }[] {
    return events
        .filter((e) => e.resourcePreEvent !== undefined)
        .map((e) => {
            const m = e.resourcePreEvent!.metadata;
            return { type: m.type, name: m.urn.split("::").pop() ?? "", op: m.op };
        });
}

/** Diagnostics of a severity ("error", "warning", ...) from the events, message text only. */
export function diagnostics(events: EngineEvent[], severity: string): string[] {
    return events.filter((e) => e.diagnosticEvent?.severity === severity).map((e) => e.diagnosticEvent!.message.trim());
}

/** Every file under `dir` (absolute paths). */
export function walk(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Lines that look like a JavaScript stack frame. */
export function stackFrames(text: string): string[] {
    return text.split("\n").filter((l) => /^\s+at .+(\(|:\d+:\d+)/.test(l));
}

export { pulumi };

/**
 * For a describe() whose tests need the test world's hypervisors: checks the world is there
 * (run.sh started it), and gives each test a fresh Sandbox, removed after it.
 */
export function worldSandboxEach(options: { checkout?: boolean } = {}): () => Sandbox {
    let box: Sandbox | undefined;
    before(() => {
        if (WORLD_HOME === undefined) {
            throw new Error("KVMK8S_WORLD_HOME unset: run these through `npm run test:engine` (test/engine/run.sh), which starts the hypervisors");
        }
    });
    beforeEach(() => {
        box = new Sandbox(options);
    });
    afterEach(() => {
        box?.cleanup();
        box = undefined;
    });
    return () => {
        if (box === undefined) {
            throw new Error("worldSandboxEach: no sandbox outside a test");
        }
        return box;
    };
}
