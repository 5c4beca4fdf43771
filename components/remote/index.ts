/**
 * Running the repo's bash scripts on VMs with @pulumi/command.
 *
 * A stock sshd drops the environment a client sends (no AcceptEnv), so inputs travel on
 * stdin instead: the Command uploads `export NAME='value'` lines followed by the script into
 * a private temp file and runs it with sudo. When any input is a secret, stdin is a secret,
 * and the command line itself never holds a value.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { NodeSpec } from "../../stacks";

/**
 * A script's inputs, declared once: each name and whether the script requires it. The
 * script's header lists the same names the same way (a test holds them equal), and the
 * program can only run a script with an environment of this shape. `streamed`: optional to
 * the script, and set only by join-node.sh on the director, which mints it for one join (a
 * bootstrap token, a certificate key); the program may not set it, so it never reaches
 * state. lib.sh's test hooks (KVMK8S_ROOT, KVMK8S_ONLY) are not part of it either.
 */
export type EnvSpec = Readonly<Record<string, "required" | "optional" | "streamed">>;

type RequiredOf<S extends EnvSpec> = { [K in keyof S as S[K] extends "required" ? K : never]: string };
type OptionalOf<S extends EnvSpec> = { [K in keyof S as S[K] extends "optional" ? K : never]?: string };
/** The environment a script declared with `S` runs with. */
export type ScriptEnv<S extends EnvSpec> = RequiredOf<S> & OptionalOf<S>;
/** The same, with values still to be resolved (secrets, outputs of other resources). */
export type ScriptEnvInput<S extends EnvSpec> = { [K in keyof ScriptEnv<S>]: pulumi.Input<string> };

export interface Script<S extends EnvSpec = EnvSpec> {
    /** Path relative to the repo root, e.g. `components/workers/scripts/join-worker.sh`. */
    path: string;
    /** Its declared environment. */
    env: S;
    /** What is sent: the library or a line that loads its installed copy, then the script. */
    content: string;
    /** The library followed by the script: what runs where no installed copy can be assumed. */
    standalone: string;
    /** sha256 of library and script: in every Command's triggers, so an edit to either re-runs it. */
    hash: string;
}

const ROOT = path.resolve(__dirname, "..", "..");
const read = (relativePath: string): string => fs.readFileSync(path.join(ROOT, relativePath), "utf8");

/**
 * The helpers every script uses. Scripts source it when run from the repo; on a VM it is
 * sent ahead of the script in the same stream, so one upload carries everything.
 */
export const SCRIPT_LIBRARY = read("components/remote/scripts/lib.sh");

/** Where preparation installs the library on every VM. */
export const LIBRARY_PATH = "/usr/local/lib/kvm-k8s/lib.sh";

const LOAD_INSTALLED_LIBRARY =
    `[[ -r ${LIBRARY_PATH} ]] || { echo "ERROR: ${LIBRARY_PATH} is missing: this host has not been prepared" >&2; exit 1; }\n` +
    `# shellcheck source=/dev/null\nsource ${LIBRARY_PATH}\n`;

const LIBRARY_MARKER = "KVMK8S_LIBRARY_EOF";
if (SCRIPT_LIBRARY.split("\n").includes(LIBRARY_MARKER)) {
    throw new Error(`lib.sh contains the heredoc marker ${LIBRARY_MARKER}`);
}

/** Writes the library to LIBRARY_PATH (only when it differs), then loads it. */
const INSTALL_LIBRARY =
    `install -d -m 0755 ${path.posix.dirname(LIBRARY_PATH)}\n` +
    `cat > ${LIBRARY_PATH}.new <<'${LIBRARY_MARKER}'\n${SCRIPT_LIBRARY}${SCRIPT_LIBRARY.endsWith("\n") ? "" : "\n"}${LIBRARY_MARKER}\n` +
    `if cmp -s ${LIBRARY_PATH}.new ${LIBRARY_PATH}; then rm -f ${LIBRARY_PATH}.new; else chmod 0644 ${LIBRARY_PATH}.new && mv ${LIBRARY_PATH}.new ${LIBRARY_PATH}; fi\n` +
    `# shellcheck source=/dev/null\nsource ${LIBRARY_PATH}\n`;

/**
 * A script shipped in this repo. Preparation scripts install the library on their VM (it
 * travels once, in their stdin) and every later script loads that installed copy, so the
 * 22 KB library is not sent, and kept in state, once per command.
 */
export function loadScript<S extends EnvSpec>(relativePath: string, env: S, options: { installsLibrary?: boolean } = {}): Script<S> {
    const body = read(relativePath);
    const standalone = `${SCRIPT_LIBRARY}\n${body}`;
    return {
        path: relativePath,
        env,
        content: `${options.installsLibrary ? INSTALL_LIBRARY : LOAD_INSTALLED_LIBRARY}${body}`,
        standalone,
        hash: createHash("sha256").update(standalone).digest("hex"),
    };
}

/** `'…'`-quote for bash: the value can hold anything, including quotes and newlines. */
export function shellQuote(value: string): string {
    return `'${value.split("'").join(`'\\''`)}'`;
}

/** The env prelude a script is run with, keys sorted so the bytes never depend on call order. */
export function envPrelude(env: Record<string, string>): string {
    return Object.keys(env)
        .sort()
        .map((name) => {
            if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
                throw new Error(`invalid environment variable name ${name}`);
            }
            return `export ${name}=${shellQuote(env[name])}\n`;
        })
        .join("");
}

/** A file a script writes on the VM (see `write_files` in the scripts). */
export interface ManagedFile {
    path: string;
    /** Octal mode, e.g. "0600". */
    mode: string;
    content: string;
}

/** `KVMK8S_FILES`: one `MODE PATH BASE64` record per line, in the order given. */
export function filesPayload(files: ManagedFile[]): string {
    return files.map((f) => `${f.mode} ${f.path} ${Buffer.from(f.content, "utf8").toString("base64")}`).join("\n");
}

/**
 * `env`, checked against what `script` declares: a name it does not declare, or a required
 * one missing, is a bug in the program, caught by any test that builds the graph.
 */
export function checkedEnv<S extends EnvSpec>(script: Script<S>, env: ScriptEnv<S>): Record<string, string> {
    const given = env as Record<string, string | undefined>;
    const unknown = Object.keys(given).filter((name) => !(name in script.env) || script.env[name] === "streamed");
    const missing = Object.keys(script.env).filter((name) => script.env[name] === "required" && given[name] === undefined);
    if (unknown.length > 0 || missing.length > 0) {
        const why = (n: string) => (script.env[n] === "streamed" ? `${n} is streamed by join-node.sh on the director, never set by the program` : `${n} is not in its declared environment`);
        const problems = [...unknown.map(why), ...missing.map((n) => `${n} is required`)];
        throw new Error(`${script.path}: ${problems.join("; ")}`);
    }
    return Object.fromEntries(Object.entries(given).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The whole stdin of a run: prelude (the library reads KVMK8S_ROOT as it loads), then library and script. */
export function scriptInput<S extends EnvSpec>(script: Script<S>, env: ScriptEnv<S>): string {
    return `${envPrelude(checkedEnv(script, env))}${script.content}`;
}

/**
 * Runs on the VM: keep stdin in a private file (a script command that reads stdin, like
 * apt or kubeadm, must not swallow the rest of the script), run it as root, clean up.
 */
export const RUN_STDIN_AS_ROOT = `f="$(mktemp)"; trap 'rm -f "$f"' EXIT; cat > "$f"; sudo -n bash "$f"`;

/** The same, for a delete command, which gets no stdin: the input is embedded as a heredoc. */
export function runEmbeddedAsRoot(input: string): string {
    const marker = "KVMK8S_SCRIPT_EOF";
    if (input.split("\n").includes(marker)) {
        throw new Error(`script input contains the heredoc marker ${marker}`);
    }
    return `f="$(mktemp)"; trap 'rm -f "$f"' EXIT; cat > "$f" <<'${marker}'\n${input}${input.endsWith("\n") ? "" : "\n"}${marker}\nsudo -n bash "$f"`;
}

export type Connection = command.types.input.remote.ConnectionArgs;

/** login_keys (lib.sh): the login user accepts the login key and the extra keys, nothing the program named before. */
export function loginKeysEnv(access: { user: string; publicKey: string; extraPublicKeys: string[] }): { LOGIN_USER: string; LOGIN_PUBLIC_KEYS: string } {
    return { LOGIN_USER: access.user, LOGIN_PUBLIC_KEYS: [access.publicKey, ...access.extraPublicKeys].map((k) => k.trim()).join("\n") };
}

/** `name=address` of each node, in order: how director scripts reach nodes with the ops key. */
export const nodeList = (nodes: Pick<NodeSpec, "hostname" | "address">[]): string => nodes.map((n) => `${n.hostname}=${n.address}`).join(" ");

/** Where a site's director-side steps run: on the director, as children of `parent` (the cluster). */
export interface OnDirector {
    parent: pulumi.Resource;
    director: Connection;
}

export interface ScriptCommandArgs<S extends EnvSpec> {
    connection: pulumi.Input<Connection>;
    script: Script<S>;
    env: pulumi.Input<ScriptEnvInput<S>>;
    /** Extra replacement triggers, e.g. the VM's domain id so a rebuilt VM runs it again. */
    triggers?: pulumi.Input<unknown>[];
    /** The script prints something secret (a kubeconfig): hide and encrypt stdout. */
    secretOutput?: boolean;
}

/**
 * A Command that runs `script` with `env` on the VM behind `connection`. Its triggers hold
 * the script's hash, so editing the script replaces the Command and runs it again; the
 * scripts are idempotent, so a re-run on an unchanged VM changes nothing.
 */
export function scriptCommand<S extends EnvSpec>(name: string, args: ScriptCommandArgs<S>, opts: pulumi.CustomResourceOptions): command.remote.Command {
    // Secret if any value is: secrecy follows the values into the rendered stdin.
    const stdin = pulumi.output(args.env).apply((env) => scriptInput(args.script, env as ScriptEnv<S>));
    return new command.remote.Command(
        name,
        {
            connection: args.connection,
            create: RUN_STDIN_AS_ROOT,
            stdin,
            triggers: [args.script.hash, ...(args.triggers ?? [])],
            logging: args.secretOutput ? "none" : "stdoutAndStderr",
            // an update would otherwise send the previous stdout as PULUMI_COMMAND_STDOUT
            addPreviousOutputInEnv: false,
        },
        {
            ...opts,
            // Scripts print no secret by contract; encrypting their output in state costs
            // nothing and covers a tool that prints one anyway.
            additionalSecretOutputs: ["stdout", "stderr"],
        },
    );
}

export interface LifecycleScriptArgs<C extends EnvSpec, D extends EnvSpec> {
    connection: pulumi.Input<Connection>;
    /** Runs on create and on every update, with `env` on stdin (secret if any value is). */
    onCreate: Script<C>;
    env: pulumi.Input<ScriptEnvInput<C>>;
    /** Runs when the Command is deleted or replaced, with `deleteEnv` stored at creation. */
    onDelete: Script<D>;
    deleteEnv: ScriptEnv<D>;
    triggers: pulumi.Input<unknown>[];
}

/**
 * A Command with work at both ends of a lifecycle (admit a node to the cluster; drain and
 * remove it). Neither script is in its triggers: editing the delete script must not replace,
 * and so run, every node's removal. An edited script reaches each stored Command as an
 * update instead, which runs the create script again (it is idempotent) and stores the new
 * delete script.
 */
export function lifecycleCommand<C extends EnvSpec, D extends EnvSpec>(name: string, args: LifecycleScriptArgs<C, D>, opts: pulumi.CustomResourceOptions): command.remote.Command {
    return new command.remote.Command(
        name,
        {
            connection: args.connection,
            create: RUN_STDIN_AS_ROOT,
            stdin: pulumi.output(args.env).apply((env) => scriptInput(args.onCreate, env as ScriptEnv<C>)),
            delete: runEmbeddedAsRoot(scriptInput(args.onDelete, args.deleteEnv)),
            triggers: args.triggers,
            addPreviousOutputInEnv: false,
        },
        { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["stdout", "stderr"] },
    );
}

/**
 * How long a Command dials the director, which Pulumi reaches directly. A fresh VM boots,
 * runs cloud-init and only then starts sshd with the host key the program gave it.
 * pulumi-command backs off from 100 ms by 1.5x to 5 s between dials, so 80 dials take about
 * 6 minutes while the port refuses (16 s for the first ten, then 5 s each), and up to about
 * 26 minutes when every dial waits out its 15 s because nothing answers at all.
 */
export const DIRECTOR_DIAL = { dialErrorLimit: 80, perDialTimeout: 15 } as const;

/**
 * How long a Command dials a node through the director. Nodes are not waited for by
 * dialing: a wait-for-ssh Command on the director (scripts/wait-for-ssh.sh, bounded, with
 * progress) runs first, because pulumi-command retries a failed dial through a jump host on
 * the same connection. So a few dials (about 10 s of back-off) cover a blip.
 */
export const NODE_DIAL = { dialErrorLimit: 10, perDialTimeout: 15 } as const;

/** wait-for-ssh.sh: run on the director before the first Command that dials a node. */
export const waitForSshScript = loadScript("components/remote/scripts/wait-for-ssh.sh", {
    HOST: "required",
    NODE: "required",
    PORT: "optional",
    TIMEOUT_SECONDS: "optional",
});

/** How long the director waits for a node's sshd, in seconds. */
export const NODE_SSH_WAIT_SECONDS = 900;

export interface SshTarget {
    host: string;
    user: string;
    privateKey: pulumi.Input<string>;
    /** The VM's host public key (`ssh-ed25519 AAAA…`): pinned, never trust-on-first-use. */
    hostKey: pulumi.Input<string>;
}

/** A connection to `target`, through `jump` when given (the director: the only host Pulumi must reach). */
export function sshConnection(target: SshTarget, jump?: SshTarget): Connection {
    const base = (t: SshTarget, dial: { dialErrorLimit: number; perDialTimeout: number }) => ({
        host: t.host,
        port: 22,
        user: t.user,
        privateKey: t.privateKey,
        hostKey: pulumi.output(t.hostKey).apply((k) => k.trim()),
        ...dial,
    });
    return jump === undefined ? base(target, DIRECTOR_DIAL) : { ...base(target, NODE_DIAL), proxy: base(jump, DIRECTOR_DIAL) };
}
