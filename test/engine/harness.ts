/**
 * The real Pulumi engine for tests: the CLI that test/engine/build.sh builds from Go modules,
 * a file:// backend and PULUMI_HOME in a temporary directory, a passphrase, no plugin downloads.
 *
 * Programs run through the Automation API's inline mode: the @pulumi/pulumi SDK serves the
 * language runtime in this process and the CLI attaches to it with `--client`. That is how
 * this machine can run a Node.js program at all: the pulumi-language-nodejs plugin is a Go
 * module the proxy does not serve (see build.sh).
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

let binDir: string | undefined;

/** The directory holding `pulumi` and `libvirt-sdkgen`: build.sh's last line (a warm run just checks its cache). */
export function engineBin(): string {
    if (binDir === undefined) {
        const run = spawnSync("bash", [path.join(__dirname, "build.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        if (run.status !== 0) {
            throw new Error(`test/engine/build.sh failed (exit ${run.status})`);
        }
        const last = run.stdout.trim().split("\n").pop() ?? "";
        if (!fs.existsSync(path.join(last, "pulumi"))) {
            throw new Error(`build.sh printed '${last}', which holds no pulumi binary`);
        }
        binDir = last;
    }
    return binDir;
}

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

/** One temporary backend, PULUMI_HOME and project directory; `cleanup()` removes them. */
export class Sandbox {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvm-k8s-engine-"));
    readonly work = path.join(this.dir, "project");
    readonly state = path.join(this.dir, "state");
    readonly home = path.join(this.dir, "home");
    readonly bin = engineBin();

    constructor() {
        for (const d of [this.work, this.state, this.home]) {
            fs.mkdirSync(d, { recursive: true });
        }
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(this.work, "Pulumi.yaml"));
    }

    /** What the CLI runs with: only our binaries' directory added to PATH, nothing fetched. */
    get env(): Record<string, string> {
        return {
            PATH: `${this.bin}:${process.env.PATH ?? ""}`,
            PULUMI_HOME: this.home,
            PULUMI_BACKEND_URL: `file://${this.state}`,
            PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        };
    }

    /** Run the CLI in the project directory. */
    cli(args: string[], input?: string): CliResult {
        const run = spawnSync(path.join(this.bin, "pulumi"), [...args, "--non-interactive"], {
            cwd: this.work,
            env: { ...process.env, ...this.env },
            input,
            encoding: "utf8",
        });
        return { status: run.status, stdout: run.stdout, stderr: run.stderr };
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

    private async stack(stack: string, program: PulumiFn): Promise<Stack> {
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(this.bin), skipVersionCheck: false });
        return LocalWorkspace.selectStack({ stackName: stack, projectName: PROJECT, program }, { workDir: this.work, pulumiCommand, envVars: this.env });
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

/** Lines that look like a JavaScript stack frame. */
export function stackFrames(text: string): string[] {
    return text.split("\n").filter((l) => /^\s+at .+(\(|:\d+:\d+)/.test(l));
}

export { pulumi };
