/**
 * `npm run plan -- <stack>`: evaluate a stack offline (no hypervisor, no cluster, no Pulumi
 * CLI) and show a reviewer what it would build: the resource tree on stdout, and in
 * out/<stack>/ the deployment order as a Mermaid graph plus every rendered artifact
 * (cloud-init per VM, kubeadm configs, script environments with secrets redacted, Helm values).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { buildSite } from "../components/site";
import { formatIssues, resolveSite, StackConfigInput } from "../stacks";
import { compareWithBaseline, formatChanges, readBaseline, siteSummary } from "./plan-summary";
import { deploymentGraph, expandBase64, MOCK_SECRET, record, Recording, Registration, SECRET_SIG, unwrap } from "./offline";

const ROOT = path.resolve(__dirname, "..");
/** Where Pulumi.<stack>.yaml files are read from: the repo, unless a test points elsewhere. */
const STACK_DIR = process.env.KVMK8S_STACK_DIR ?? ROOT;

/** A stand-in for the SSH key: a plan never needs the real one, and never sees it. */
const PLACEHOLDER_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${MOCK_SECRET}PLANPLACEHOLDER\n-----END OPENSSH PRIVATE KEY-----\n`;

/** The `kvm-k8s:*` values of Pulumi.<stack>.yaml, as written (secure values stay encrypted). */
export function readStackFile(stack: string): { profile: unknown; site: unknown; sshPrivateKey: unknown; keys: string[] } {
    const file = path.join(STACK_DIR, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`no stack file ${file}`);
    }
    const config = (YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> }).config ?? {};
    return {
        profile: config["kvm-k8s:profile"],
        site: config["kvm-k8s:site"],
        sshPrivateKey: config["kvm-k8s:sshPrivateKey"],
        keys: Object.keys(config).filter((k) => k.startsWith("kvm-k8s:")),
    };
}

const isSecure = (value: unknown): boolean => typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;

/** Paths of `secure:` values inside the site (`--secret --path`), each replaced by a placeholder. */
function secureSitePaths(value: unknown, at: string, found: string[]): unknown {
    if (isSecure(value)) {
        found.push(at);
        return "[secret]";
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => secureSitePaths(v, `${at}[${i}]`, found));
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secureSitePaths(v, `${at}.${k}`, found)]));
    }
    return value;
}

/**
 * The stack's config as the program would read it; secrets are never decrypted here, which
 * is the one thing the plan checks less than `pulumi up`. A missing key is refused as `up`
 * refuses it, unless `standInKey` (`--stand-in-key`) asks to plan a stack that has none yet.
 */
export function offlineStackInput(stack: string, options: { standInKey?: boolean } = {}): StackConfigInput {
    const { profile, site, sshPrivateKey: key, keys } = readStackFile(stack);
    const secretSitePaths: string[] = [];
    const plainSite = secureSitePaths(site, "kvm-k8s:site", secretSitePaths);
    const sshPrivateKey =
        typeof key === "string"
            ? { value: key, secret: false } // a plain value is reported as the error it is
            : isSecure(key) || (key === undefined && options.standInKey === true)
              ? { value: PLACEHOLDER_KEY, secret: true, encrypted: true }
              : { value: undefined, secret: false };
    return { profile, site: plainSite, sshPrivateKey, keys, secretSitePaths };
}

/** Wire inputs with every secret replaced by a marker, and other values decoded for reading. */
function redact(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(redact);
    }
    if (typeof value === "object" && value !== null) {
        if (SECRET_SIG in value) {
            return "[secret]";
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
    }
    return value;
}

const SECRET_ENV = /^export ([A-Z0-9_]+)='((?:[^']|'\\'')*)'$/gm;

/** Variables that carry "MODE PATH BASE64" file records: shown one file a line, secret ones redacted. */
const FILE_RECORDS = new Set(["KVMK8S_FILES", "CONTAINERD_FILES"]);

/** A script's environment from a Command's stdin, with secret values (and secret files) redacted. */
export function scriptEnvironment(stdin: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const match of stdin.matchAll(SECRET_ENV)) {
        const [, name, quoted] = match;
        const value = quoted.split(`'\\''`).join("'");
        if (FILE_RECORDS.has(name)) {
            env[name] = value
                .split("\n")
                .filter((l) => l.length > 0)
                .map((l) => {
                    const [mode, file, b64] = l.split(" ");
                    const content = Buffer.from(b64, "base64").toString("utf8");
                    return `${mode} ${file} ${looksSecret(content) ? "[secret content redacted]" : `(${content.length} bytes)`}`;
                })
                .join("\n");
        } else {
            env[name] = SECRET_NAMES.test(name) || looksSecret(value) ? "[secret]" : value;
        }
    }
    return env;
}

/** Variables that hold secrets by the scripts' contract (their headers say so). */
const SECRET_NAMES = /TOKEN|PASSWORD|SECRET|PRIVATE|CERTIFICATE_KEY/;

/** Offline runs make every secret with the mock marker, so anything carrying it is one. */
function looksSecret(text: string): boolean {
    return /MOCKSECRET|mocksecret|PRIVATE KEY/.test(expandBase64(text)) || /^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(text) || /^[0-9a-f]{64}$/.test(text);
}

function tree(rec: Recording): string {
    const children = new Map<string, Registration[]>();
    for (const r of rec.all) {
        children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (parent: string, depth: number): void => {
        for (const r of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
            lines.push(`${"  ".repeat(depth)}${r.name}  (${r.type})`);
            walk(r.urn, depth + 1);
        }
    };
    walk("", 0);
    return lines.join("\n");
}

function write(dir: string, name: string, content: string): void {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
}

/** Every rendered artifact of a recording, by relative file name. */
export function artifacts(rec: Recording): Record<string, string> {
    const out: Record<string, string> = {};
    for (const disk of rec.ofType("libvirt:index/cloudInitDisk:CloudInitDisk")) {
        const vm = disk.name.replace(/-cloudinit$/, "");
        const inputs = unwrap(disk.wireInputs) as Record<string, string>;
        // user-data carries the VM's host private key: show it with the key cut out
        // (the line break after the key stays: the next key of the YAML keeps its own line)
        out[`vms/${vm}/user-data.yaml`] = inputs.userData.replace(/-----BEGIN OPENSSH PRIVATE KEY-----[\s\S]*?-----END OPENSSH PRIVATE KEY-----/g, "[host private key redacted]");
        out[`vms/${vm}/network-config.yaml`] = inputs.networkConfig;
        out[`vms/${vm}/meta-data.yaml`] = inputs.metaData;
    }
    for (const command of rec.ofType("command:remote:Command")) {
        const inputs = unwrap(command.wireInputs) as Record<string, string>;
        const stdin = inputs.stdin ?? inputs.delete ?? "";
        const env = scriptEnvironment(stdin);
        out[`commands/${command.name}.env`] = Object.entries(env)
            .map(([k, v]) => `${k}=${v.includes("\n") ? `\n  ${v.split("\n").join("\n  ")}` : v}`)
            .join("\n")
            .concat("\n");
        // a kubeadm step run from the director (join-node.sh) carries the node's env in NODE_ENV
        const nodeEnv = /^export NODE_ENV='([^']*)'$/m.exec(stdin);
        const kubeadm = /^export KVMK8S_FILES='([^']*)'$/m.exec(nodeEnv === null ? stdin : Buffer.from(nodeEnv[1], "base64").toString("utf8"));
        for (const record of kubeadm?.[1].split("\n") ?? []) {
            const [, file, b64] = record.split(" ");
            if (file !== undefined && /kubeadm-(init|join)\.yaml$|kube-vip\.yaml$|calico-installation\.yaml$|registry\/config\.yml$/.test(file)) {
                const content = Buffer.from(b64, "base64").toString("utf8");
                out[`commands/${command.name}${file}`] = content
                    .replace(/(token|certificateKey): (?!"@)\S+/g, "$1: '[secret]'")
                    .replace(/- \S{6}\.\S{16}/g, "- '[secret]'");
            }
        }
    }
    for (const release of rec.ofType("kubernetes:helm.sh/v3:Release")) {
        out[`helm/${release.name}.values.yaml`] = YAML.stringify(redact(release.wireInputs.values) ?? {});
    }
    return out;
}

const USAGE = `usage: npm run plan -- <stack> [--baseline <out/<stack>/ of an earlier plan, or \`pulumi stack output --json\` saved to a file>] [--stand-in-key]
  --stand-in-key  plan a stack whose kvm-k8s:sshPrivateKey is not set yet (pulumi up would refuse it)`;

function parseArgs(argv: string[]): { stack: string; baseline?: string; standInKey: boolean } {
    const rest = [...argv];
    let stack: string | undefined;
    let baseline: string | undefined;
    let standInKey = false;
    while (rest.length > 0) {
        const arg = rest.shift()!;
        if (arg === "--baseline" && rest.length > 0) {
            baseline = rest.shift();
        } else if (arg === "--stand-in-key") {
            standInKey = true;
        } else if (!arg.startsWith("-") && stack === undefined) {
            stack = arg;
        } else {
            console.error(USAGE);
            process.exit(2);
        }
    }
    if (stack === undefined) {
        console.error(USAGE);
        process.exit(2);
    }
    return { stack, baseline, standInKey };
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const dir = path.join(process.env.KVMK8S_OUT_DIR ?? path.join(ROOT, "out"), args.stack);
    // whatever happens next, out/<stack>/ never shows an earlier plan as if it were this one
    fs.rmSync(dir, { recursive: true, force: true });
    const result = resolveSite(offlineStackInput(args.stack, { standInKey: args.standInKey }));
    if (!result.ok) {
        console.error(formatIssues(result.issues));
        if (result.issues.some((i) => i.path === "kvm-k8s:sshPrivateKey" && i.message.startsWith("missing"))) {
            console.error("(to plan the rest before the key is set: npm run plan -- " + args.stack + " --stand-in-key)");
        }
        process.exit(1);
    }
    const summary = siteSummary(result.site);
    const changes = args.baseline === undefined ? undefined : compareWithBaseline(readBaseline(args.baseline), summary);
    if (changes !== undefined && changes.issues.length > 0) {
        console.error(formatChanges(changes) + formatIssues(changes.issues));
        process.exit(1);
    }
    const rec = await record(() => buildSite(result.site), { stack: args.stack, smallEcho: true });
    console.log(tree(rec));
    write(dir, "site.yaml", YAML.stringify(summary));
    write(dir, "graph.mmd", deploymentGraph(rec));
    for (const [name, content] of Object.entries(artifacts(rec))) {
        write(dir, name, content);
    }
    if (changes !== undefined) {
        write(dir, "changes.txt", formatChanges(changes));
        console.log(`\n${formatChanges(changes)}`);
    }
    console.log(`\n${rec.all.length} resources; what each VM and release is in site.yaml, graph and artifacts in ${path.relative(ROOT, dir)}/`);
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
