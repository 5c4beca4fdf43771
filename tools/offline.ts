/**
 * Runs program code under Pulumi mocks and records every registration request as the
 * engine would receive it: type, name, parent, provider, dependencies, options, inputs.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
// internal to the SDK's typings, but it is where the engine feature flags live
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore(): Record<string, boolean> };
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/**
 * Every secret the mocked providers make contains this, so a test can search the whole
 * recording for plain-text copies of any of them.
 */
export const MOCK_SECRET = "MOCKSECRET";

/** The host key the mocked tls provider makes for the PrivateKey named `name`. */
export function mockHostKey(name: string): { privateKey: string; publicKey: string } {
    return {
        privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${MOCK_SECRET}${Buffer.from(name).toString("base64")}\n-----END OPENSSH PRIVATE KEY-----\n`,
        publicKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5${Buffer.from(name).toString("base64").replace(/=/g, "")}\n`,
    };
}

/** A fixed CA certificate (tools/offline-ca.crt) so the kubeadm CA hash can be checked. */
export const MOCK_CA_CERT = fs.readFileSync(path.join(__dirname, "offline-ca.crt"), "utf8");

/** What the mocked providers compute, beyond echoing inputs; deterministic per name. */
export function mockOutputs(type: string, name: string): Record<string, unknown> {
    const tag = `${MOCK_SECRET}-${name}`;
    switch (type) {
        case "tls:index/privateKey:PrivateKey": {
            const key = mockHostKey(name);
            return {
                privateKeyOpenssh: key.privateKey,
                privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${tag}\n-----END PRIVATE KEY-----\n`,
                publicKeyOpenssh: key.publicKey,
                publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${name}\n-----END PUBLIC KEY-----\n`,
            };
        }
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { certPem: MOCK_CA_CERT };
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { certPem: `-----BEGIN CERTIFICATE-----\ncert-${name}\n-----END CERTIFICATE-----\n` };
        case "tls:index/certRequest:CertRequest":
            return { certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\ncsr-${name}\n-----END CERTIFICATE REQUEST-----\n` };
        case "random:index/randomString:RandomString":
        case "random:index/randomPassword:RandomPassword":
            return { result: `${MOCK_SECRET.toLowerCase()}${Buffer.from(name).toString("hex")}`.slice(0, 16).padEnd(16, "0") };
        case "random:index/randomId:RandomId":
            return { hex: `${Buffer.from(tag).toString("hex")}`.slice(0, 64).padEnd(64, "0") };
        case "command:remote:Command":
            return { stdout: `stdout-of-${name}`, stderr: "" };
        default:
            return {};
    }
}

export interface Registration {
    type: string;
    name: string;
    urn: string;
    parent: string;
    /** URN of the provider reference, without the `::id` suffix. */
    provider: string;
    dependencies: string[];
    custom: boolean;
    version: string;
    deleteBeforeReplace: boolean;
    replaceOnChanges: string[];
    ignoreChanges: string[];
    /** The replacement trigger as serialized on the wire, or undefined. */
    replacementTrigger: unknown;
    additionalSecretOutputs: string[];
    deletedWith: string;
    /** Which resources each input property depends on: what the engine's delete-first cascade follows. */
    propertyDependencies: Record<string, string[]>;
    /** Inputs with secrets unwrapped, as a provider would see them. */
    inputs: Record<string, unknown>;
    /** Inputs exactly as serialized, secrets still wrapped in their signature objects. */
    wireInputs: Record<string, unknown>;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getDependenciesList(): string[];
    getCustom(): boolean;
    getVersion(): string;
    getDeletebeforereplace(): boolean;
    getReplaceonchangesList(): string[];
    getIgnorechangesList(): string[];
    getReplacementTrigger(): { toJavaScript(): unknown } | undefined;
    getAdditionalsecretoutputsList(): string[];
    getDeletedwith(): string;
    getPropertydependenciesMap(): { forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void };
    getObject(): { toJavaScript(): Record<string, unknown> };
}

type Callback = (err: unknown, response: unknown) => void;

/**
 * The text of a string and of every base64 run inside it, decoded, recursively: secrets
 * travel inside KVMK8S_FILES records and kubeconfig `*-data` fields, so a plain copy can hide
 * one or two base64 layers deep.
 */
export function expandBase64(text: string, depth = 3): string {
    if (depth === 0) {
        return text;
    }
    const decoded = (text.match(/[A-Za-z0-9+/]{24,}={0,2}/g) ?? []).map((run) => Buffer.from(run, "base64").toString("utf8"));
    return [text, ...decoded.map((d) => expandBase64(d, depth - 1))].join("\n");
}

/** Paths in wire-format values where `needle` appears outside a secret wrapper, base64 included. */
export function plainCopies(value: unknown, needle: string, at = ""): string[] {
    if (typeof value === "string") {
        return expandBase64(value).includes(needle) ? [at || "(root)"] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => plainCopies(v, needle, `${at}[${i}]`));
    }
    if (typeof value === "object" && value !== null) {
        if (SECRET_SIG in value) {
            return []; // wrapped: encrypted in state, hidden in logs
        }
        return Object.entries(value).flatMap(([k, v]) => plainCopies(v, needle, at ? `${at}.${k}` : k));
    }
    return [];
}

function propertyDependencies(req: RegisterRequest): Record<string, string[]> {
    const deps: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((value, key) => {
        deps[key] = value.getUrnsList();
    });
    return deps;
}

/** Turn wire values into plain JS: secrets unwrapped, resource references to their URNs. */
export function unwrap(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(unwrap);
    }
    if (typeof value === "object" && value !== null) {
        const obj = value as Record<string, unknown>;
        if (obj[SECRET_SIG] === SECRET_VALUE) {
            return unwrap(obj.value);
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrap(v)]));
    }
    return value;
}

function smallOnly(inputs: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(inputs).filter(([, v]) => typeof v !== "string" || v.length <= 1024));
}

export class RecordingMonitor extends MockMonitor {
    public readonly registrations: Registration[] = [];
    private pending = 0;

    /**
     * `lean`: keep only the graph (names, parents, dependencies), as a benchmark needs.
     * `smallEcho`: record every input but echo only small ones back as state, as `lean`
     * does: the program reads no large output, and echoing each command's 30 KB stdin made a
     * 500-worker plan take minutes.
     */
    constructor(
        private readonly lean = false,
        smallEcho = lean,
    ) {
        super({
            newResource: (args) => ({
                id: args.custom ? `${args.name}-id` : undefined,
                // a real engine's response does not copy a command's 30 KB stdin back into
                // the program either
                state: { ...(smallEcho ? smallOnly(args.inputs) : args.inputs), ...mockOutputs(args.type, args.name) },
            }),
            call: () => ({}),
        });
    }

    public override async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
        this.pending++;
        try {
            const wireInputs = req.getObject().toJavaScript();
            await super.registerResource(req, (err: unknown, response: unknown) => {
                if (!err) {
                    const secretOutputs = req.getAdditionalsecretoutputsList();
                    const res = response as { getUrn(): string; getObject(): { toJavaScript(): Record<string, unknown> }; setObject(o: unknown): void };
                    // The engine, not the SDK, wraps additionalSecretOutputs (the providers'
                    // schemas list their secret outputs there): do what it does.
                    if (secretOutputs.length > 0 && !this.lean) {
                        const state = res.getObject().toJavaScript();
                        for (const key of secretOutputs) {
                            if (key in state && !(typeof state[key] === "object" && state[key] !== null && SECRET_SIG in (state[key] as object))) {
                                state[key] = { [SECRET_SIG]: SECRET_VALUE, value: state[key] };
                            }
                        }
                        res.setObject(Struct.fromJavaScript(state as never));
                    }
                    const urn = res.getUrn();
                    if (this.lean && req.getCustom()) {
                        // the mock engine keeps each resource's state; a real one does not hold it in the program
                        this.resources.set(urn, { urn, id: this.resources.get(urn)?.id ?? null, state: {} });
                    }
                    this.registrations.push({
                        type: req.getType(),
                        name: req.getName(),
                        urn,
                        parent: req.getParent(),
                        provider: req.getProvider().split("::").slice(0, -1).join("::"),
                        dependencies: req.getDependenciesList(),
                        custom: req.getCustom(),
                        version: req.getVersion(),
                        deleteBeforeReplace: req.getDeletebeforereplace(),
                        replaceOnChanges: req.getReplaceonchangesList(),
                        ignoreChanges: req.getIgnorechangesList(),
                        replacementTrigger: req.getReplacementTrigger()?.toJavaScript(),
                        additionalSecretOutputs: secretOutputs,
                        deletedWith: req.getDeletedwith(),
                        propertyDependencies: propertyDependencies(req),
                        inputs: this.lean ? {} : (unwrap(wireInputs) as Record<string, unknown>),
                        wireInputs: this.lean ? {} : wireInputs,
                    });
                }
                callback(err, response);
            });
        } finally {
            this.pending--;
        }
    }

    /** Resolve once no registration has been in flight for a while. */
    public async settle(): Promise<void> {
        for (let idle = 0; idle < 20; ) {
            await new Promise((resolve) => setImmediate(resolve));
            idle = this.pending === 0 ? idle + 1 : 0;
        }
    }
}

/** The registrations of one program run, with lookups that fail loudly. */
export class Recording {
    constructor(public readonly all: Registration[]) {}

    public ofType(type: string): Registration[] {
        return this.all.filter((r) => r.type === type);
    }

    public named(name: string, type?: string): Registration {
        const found = this.all.filter((r) => r.name === name && (type === undefined || r.type === type));
        if (found.length !== 1) {
            throw new Error(`expected one resource named ${name}${type ? ` of type ${type}` : ""}, found ${found.length}`);
        }
        return found[0];
    }

    public byUrn(urn: string): Registration {
        const found = this.all.find((r) => r.urn === urn);
        if (found === undefined) {
            throw new Error(`no resource with URN ${urn}`);
        }
        return found;
    }

    /** Name of the resource's parent, or undefined at the stack root. */
    public parentName(r: Registration): string | undefined {
        return r.parent === "" ? undefined : this.byUrn(r.parent).name;
    }

    /** Name of the provider resource a custom resource uses. */
    public providerName(r: Registration): string | undefined {
        return r.provider === "" ? undefined : this.byUrn(r.provider).name;
    }
}

/**
 * Run `program` under fresh mocks and return what it registered. `preview` makes every
 * output the mocks don't echo back unknown, as in `pulumi preview`.
 */
export async function record(program: () => unknown, options: { preview?: boolean; stack?: string; lean?: boolean; smallEcho?: boolean } = {}): Promise<Recording> {
    const monitor = new RecordingMonitor(options.lean, options.smallEcho ?? options.lean);
    const [project, stack, preview] = ["kvm-k8s", options.stack ?? "test", options.preview ?? false];
    pulumi.runtime.setMockOptions(monitor, project, stack, preview);
    // setMockOptions resets the engine's feature flags to "unsupported": without this the SDK
    // would send secrets unwrapped and reject deletedWith, unlike a real engine.
    const store = getStore();
    store.supportsSecrets = true;
    store.supportsResourceReferences = true;
    store.supportsDeletedWith = true;
    store.supportsReplaceWith = true;
    store.supportsAliasSpecs = true;
    program();
    await monitor.settle();
    return new Recording(monitor.registrations);
}

/**
 * Direct upstream custom resources of each custom resource: its dependencies, with a
 * dependency on a component standing for everything under it (what the engine waits for).
 */
export function dependencyEdges(rec: Recording): Map<string, Set<string>> {
    const children = new Map<string, Registration[]>();
    for (const r of rec.all) {
        children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    }
    const customUnder = (urn: string, acc: Set<string>): Set<string> => {
        for (const child of children.get(urn) ?? []) {
            if (child.custom) {
                acc.add(child.urn);
            }
            customUnder(child.urn, acc);
        }
        return acc;
    };
    const byUrn = new Map(rec.all.map((r) => [r.urn, r]));
    const edges = new Map<string, Set<string>>();
    for (const r of rec.all.filter((x) => x.custom)) {
        const up = new Set<string>();
        for (const dep of r.dependencies) {
            const target = byUrn.get(dep);
            if (target?.custom) {
                up.add(dep);
            } else if (target !== undefined) {
                customUnder(dep, up);
            }
        }
        up.delete(r.urn);
        edges.set(r.urn, up);
    }
    return edges;
}

/** Number of resources on the longest dependency chain. */
export function longestChain(rec: Recording): number {
    const edges = dependencyEdges(rec);
    const memo = new Map<string, number>();
    const depth = (urn: string): number => {
        const known = memo.get(urn);
        if (known !== undefined) {
            return known;
        }
        memo.set(urn, 1); // cycles cannot happen in a registered graph; guard anyway
        const d = 1 + Math.max(0, ...[...(edges.get(urn) ?? [])].map(depth));
        memo.set(urn, d);
        return d;
    };
    return Math.max(0, ...[...edges.keys()].map(depth));
}

const STAGE_TYPES = ["libvirt:index/domain:Domain", "command:remote:Command", "kubernetes:helm.sh/v3:Release"];

/** Above this many workers the graph draws them as one box per step ("VM site-worker-* (500)"). */
export const GRAPH_GROUP_WORKERS_ABOVE = 12;

/**
 * The deployment order as a Mermaid flowchart: VMs, remote commands and Helm releases, each
 * arrow from what must happen first, transitively reduced so the picture stays readable.
 * A site with many workers would draw thousands of boxes no renderer shows (Mermaid stops
 * at 500 edges by default) and no reader follows: its workers are grouped by step, since
 * every worker goes through the same steps in parallel.
 */
export function deploymentGraph(rec: Recording): string {
    const edges = dependencyEdges(rec);
    const stages = rec.all.filter((r) => STAGE_TYPES.includes(r.type));
    const workerVms = stages.filter((r) => r.type === STAGE_TYPES[0] && /-worker-[^-]+$/.test(r.name)).length;
    const grouped = workerVms > GRAPH_GROUP_WORKERS_ABOVE;
    // a stage's box: its own name, or its step among the workers
    const boxOf = (r: Registration): string => (grouped ? r.name.replace(/-worker-\d+(?=-|$)/, "-worker-*") : r.name);
    const members = new Map<string, Registration[]>();
    for (const r of stages) {
        members.set(boxOf(r), [...(members.get(boxOf(r)) ?? []), r]);
    }
    const stageBox = new Map(stages.map((r) => [r.urn, boxOf(r)]));
    // boxes upstream of each resource, reached through non-stage resources too
    const memo = new Map<string, Set<string>>();
    const upstreamBoxes = (urn: string): Set<string> => {
        const known = memo.get(urn);
        if (known !== undefined) {
            return known;
        }
        const acc = new Set<string>();
        memo.set(urn, acc);
        for (const dep of edges.get(urn) ?? []) {
            const box = stageBox.get(dep);
            if (box !== undefined) {
                acc.add(box);
            }
            for (const u of upstreamBoxes(dep)) {
                acc.add(u);
            }
        }
        return acc;
    };
    const boxUps = new Map<string, Set<string>>();
    for (const [box, rs] of members) {
        const ups = new Set<string>();
        for (const r of rs) {
            for (const u of upstreamBoxes(r.urn)) {
                if (u !== box) {
                    ups.add(u);
                }
            }
        }
        boxUps.set(box, ups);
    }
    const id = (box: string) => box.replace(/[^A-Za-z0-9]/g, "_");
    const label = (box: string) => {
        const r = members.get(box)![0];
        const count = members.get(box)!.length;
        const name = r.type === STAGE_TYPES[0] ? `VM ${box}` : r.type === STAGE_TYPES[2] ? `helm ${box}` : box;
        return box.includes("-worker-*") ? `${name} (${count})` : name;
    };
    const lines = ["flowchart LR"];
    for (const box of members.keys()) {
        lines.push(`  ${id(box)}["${label(box)}"]`);
    }
    for (const [box, ups] of boxUps) {
        // keep an arrow only if no other upstream box already leads to it
        for (const u of ups) {
            const implied = [...ups].some((other) => other !== u && boxUps.get(other)!.has(u));
            if (!implied) {
                lines.push(`  ${id(u)} --> ${id(box)}`);
            }
        }
    }
    return `${lines.join("\n")}\n`;
}
