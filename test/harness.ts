/**
 * Runs program code under Pulumi mocks and records every registration request as the
 * engine would receive it: type, name, parent, provider, dependencies, options, inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

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
    getObject(): { toJavaScript(): Record<string, unknown> };
}

type Callback = (err: unknown, response: unknown) => void;

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

export class RecordingMonitor extends MockMonitor {
    public readonly registrations: Registration[] = [];
    private pending = 0;

    constructor() {
        super({
            newResource: (args) => ({ id: args.custom ? `${args.name}-id` : undefined, state: args.inputs }),
            call: () => ({}),
        });
    }

    public override async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
        this.pending++;
        try {
            const wireInputs = req.getObject().toJavaScript();
            await super.registerResource(req, (err: unknown, response: unknown) => {
                if (!err) {
                    const urn = (response as { getUrn(): string }).getUrn();
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
                        inputs: unwrap(wireInputs) as Record<string, unknown>,
                        wireInputs,
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
export async function record(program: () => unknown, options: { preview?: boolean; stack?: string } = {}): Promise<Recording> {
    const monitor = new RecordingMonitor();
    const [project, stack, preview] = ["kvm-k8s", options.stack ?? "test", options.preview ?? false];
    // setMocks also switches on the engine features (secrets, resource references) the
    // real engine has; then our recording monitor takes the place of its plain one.
    await pulumi.runtime.setMocks({ newResource: () => ({ id: undefined, state: {} }), call: () => ({}) }, project, stack, preview);
    pulumi.runtime.setMockOptions(monitor, project, stack, preview);
    program();
    await monitor.settle();
    return new Recording(monitor.registrations);
}
