// Checks the in-repo @pulumi/libvirt SDK (sdks/libvirt) against the pulumi-libvirt v0.5.4 provider schema.
//
// The SDK is generated from that schema by Pulumi's own Node.js generator (test/engine/gen-libvirt-sdk.sh);
// test/engine/libvirt-sdk.engine.ts proves the committed files are, byte for byte, its output. What this
// test adds without the engine build: the sources type-check and bin/ is current, every resource token is
// the schema's, and, under Pulumi mocks, what the compiled package (`@pulumi/libvirt`, i.e.
// sdks/libvirt/bin) sends the engine: type tokens, the plugin version, every schema input, and the
// required inputs enforced.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";

/** The provider's schema, kept beside (not in: that folder is the generator's output) the SDK made from it, so a fresh clone checks it too. */
const SCHEMA_PATH = path.resolve(__dirname, "../sdks/libvirt-0.5.4.schema.json");
const SDK_DIR = path.resolve(__dirname, "../sdks/libvirt");
const PLUGIN_VERSION = "0.5.4";

// ---------------------------------------------------------------------------------------------------
// Schema shapes (only the parts this test reads)

interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
    description?: string;
    deprecationMessage?: string;
    willReplaceOnChanges?: boolean;
}
type SchemaProperties = Record<string, SchemaProperty>;

interface SchemaObjectType {
    type?: string;
    properties?: SchemaProperties;
    required?: string[];
    language?: { nodejs?: { requiredOutputs?: string[] } };
}

interface SchemaResource {
    properties?: SchemaProperties;
    required?: string[];
    inputProperties?: SchemaProperties;
    requiredInputs?: string[];
    stateInputs?: { properties?: SchemaProperties };
}

interface PulumiSchema {
    name: string;
    version?: string;
    provider: SchemaResource;
    resources: Record<string, SchemaResource>;
    types: Record<string, SchemaObjectType>;
}

/** The SDK classes under test, by schema token. `module` is the SDK source file (without .ts). */
interface ResourceUnderTest {
    cls: "Provider" | "Pool" | "Volume" | "CloudInitDisk" | "Network" | "Domain";
    token: string;
    module: string;
}
const RESOURCES: ResourceUnderTest[] = [
    { cls: "Provider", token: "pulumi:providers:libvirt", module: "provider" },
    { cls: "Pool", token: "libvirt:index/pool:Pool", module: "pool" },
    { cls: "Volume", token: "libvirt:index/volume:Volume", module: "volume" },
    { cls: "CloudInitDisk", token: "libvirt:index/cloudInitDisk:CloudInitDisk", module: "cloudInitDisk" },
    { cls: "Network", token: "libvirt:index/network:Network", module: "network" },
    { cls: "Domain", token: "libvirt:index/domain:Domain", module: "domain" },
];

function schemaResource(schema: PulumiSchema, r: ResourceUnderTest): SchemaResource | undefined {
    return r.token === `pulumi:providers:${schema.name}` ? schema.provider : schema.resources[r.token];
}

// ---------------------------------------------------------------------------------------------------
// Reading the SDK sources with the TypeScript compiler API

class SdkModel {
    readonly program: ts.Program;

    constructor(readonly dir: string) {
        const configPath = path.join(dir, "tsconfig.json");
        const config = ts.readConfigFile(configPath, ts.sys.readFile);
        if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
        const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dir);
        this.program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
    }

    /** Own (non-SDK-internal) source files, for whole-SDK checks. */
    ownSourceFiles(): ts.SourceFile[] {
        return this.program.getSourceFiles().filter(f => path.resolve(f.fileName).startsWith(this.dir + path.sep) && !f.isDeclarationFile);
    }

    diagnostics(): string[] {
        return ts.getPreEmitDiagnostics(this.program).map(d => {
            const where = d.file && d.start !== undefined ? `${path.relative(this.dir, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : "";
            return where + ts.flattenDiagnosticMessageText(d.messageText, "\n");
        });
    }
}

function assertNoMismatches(problems: string[]): void {
    assert.ok(problems.length === 0, `${problems.length} mismatch(es) between SDK and schema:\n  ${problems.join("\n  ")}`);
}

// ---------------------------------------------------------------------------------------------------
// Helpers for the runtime checks

/** Reads a field the SDK marks @internal (stripped from the .d.ts), e.g. `__pulumiType`, `__version`. */
function internalField(obj: object, field: string): unknown {
    return Reflect.get(obj, field);
}

function settled<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise(resolve => o.apply(v => {
        resolve(v);
        return v;
    }));
}

/** A value of the right kind for a schema property (nested objects are left empty). */
function sampleValue(p: SchemaProperty): unknown {
    if (p.$ref) return {};
    switch (p.type) {
        case "string":
            return "x";
        case "integer":
        case "number":
            return 1;
        case "boolean":
            return true;
        case "array":
            return [sampleValue(p.items ?? {})];
        case "object":
            return { k: sampleValue(p.additionalProperties ?? {}) };
        default:
            return "x";
    }
}

function sampleArgs(props: SchemaProperties | undefined, except?: string): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(props ?? {})) {
        if (name !== except) args[name] = sampleValue(p);
    }
    return args;
}

type AnyResourceClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.Resource;
/** The compiled SDK's classes, as exported by `@pulumi/libvirt`. */
const SDK_CLASSES: Record<ResourceUnderTest["cls"], AnyResourceClass> = {
    Provider: libvirt.Provider,
    Pool: libvirt.Pool,
    Volume: libvirt.Volume,
    CloudInitDisk: libvirt.CloudInitDisk,
    Network: libvirt.Network,
    Domain: libvirt.Domain,
};

function construct(r: ResourceUnderTest, name: string, args: Record<string, unknown> | undefined, opts?: pulumi.CustomResourceOptions): pulumi.Resource {
    const Cls = SDK_CLASSES[r.cls];
    return new Cls(name, args as never, opts);
}

/**
 * requiredInputs per resource, read at definition time so each gets its own test (mocha needs the
 * list before the `before` hooks run). Empty when the schema is missing; the suite is skipped then.
 */
let schemaAtDefinitionTime: PulumiSchema | null | undefined;
function schemaRequiredInputs(r: ResourceUnderTest): string[] {
    schemaAtDefinitionTime ??= fs.existsSync(SCHEMA_PATH) ? (JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")) as PulumiSchema) : null;
    return schemaAtDefinitionTime ? schemaResource(schemaAtDefinitionTime, r)?.requiredInputs ?? [] : [];
}

// ---------------------------------------------------------------------------------------------------
describe("@pulumi/libvirt SDK vs provider schema 0.5.4", function () {
    this.timeout(60_000);

    let schema: PulumiSchema;
    let sdk: SdkModel;

    before(function () {
        schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")) as PulumiSchema;
        sdk = new SdkModel(SDK_DIR);
    });

    describe("SDK build", () => {
        it("sources type-check cleanly (tsconfig of sdks/libvirt)", () => {
            assertNoMismatches(sdk.diagnostics());
        });

        it("compiled bin/ (what `@pulumi/libvirt` loads) is not older than the sources", () => {
            const stale: string[] = [];
            for (const sf of sdk.ownSourceFiles()) {
                const rel = path.relative(SDK_DIR, sf.fileName);
                const js = path.join(SDK_DIR, "bin", rel.replace(/\.ts$/, ".js"));
                if (!fs.existsSync(js)) stale.push(`${rel}: bin/${path.relative(path.join(SDK_DIR, "bin"), js)} missing`);
                else if (fs.statSync(js).mtimeMs < fs.statSync(sf.fileName).mtimeMs) stale.push(`${rel}: newer than its compiled output`);
            }
            assert.ok(stale.length === 0, `run \`npx tsc -p sdks/libvirt\`:\n  ${stale.join("\n  ")}`);
        });
    });

    describe("resource tokens", () => {
        for (const r of RESOURCES) {
            it(`${r.cls}: ${r.token} is in the schema and is the class's __pulumiType`, () => {
                assert.ok(schemaResource(schema, r), `${r.token} not found in the schema`);
                const declared = internalField(SDK_CLASSES[r.cls], "__pulumiType");
                // Providers declare only the package name; ProviderResource prefixes "pulumi:providers:".
                const effective = r.cls === "Provider" ? `pulumi:providers:${String(declared)}` : declared;
                assert.equal(effective, r.token);
            });
        }
    });

    describe("registration under pulumi mocks", () => {
        interface MockCall { type: string; name: string; inputs: Record<string, unknown>; provider?: string; id?: string }
        interface EngineRequest { op: "register" | "read"; type: string; name: string; version: string }
        interface ResourceRequestLike { getType(): string; getName(): string; getVersion(): string }
        type MonitorMethod = (req: ResourceRequestLike, callback: unknown) => unknown;

        const mockCalls: MockCall[] = [];
        const engineRequests: EngineRequest[] = [];
        const find = (name: string): MockCall => {
            const call = mockCalls.find(c => c.name === name);
            assert.ok(call, `resource ${name} never reached the mocks`);
            return call;
        };

        // Mocks are process-wide: if another test file installed its own, put them back afterwards.
        let previousMocks: { mocks: pulumi.runtime.Mocks; project: string; stack: string; preview: boolean } | undefined;

        before(async () => {
            const previous = pulumi.runtime.getMonitor() as unknown as { mocks?: pulumi.runtime.Mocks } | undefined;
            if (previous?.mocks) {
                previousMocks = { mocks: previous.mocks, project: pulumi.getProject(), stack: pulumi.getStack(), preview: pulumi.runtime.isDryRun() };
            }
            await pulumi.runtime.setMocks(
                {
                    newResource: (args: pulumi.runtime.MockResourceArgs) => {
                        mockCalls.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, id: args.id });
                        return { id: args.id || `${args.name}-id`, state: args.inputs };
                    },
                    call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
                },
                "libvirt-sdk-test",
                "test",
                false,
            );
            // The mock monitor does not pass resource options to `newResource`, so also record what the
            // runtime sends in the RegisterResource/ReadResource requests (that is where `version` travels).
            const monitor = pulumi.runtime.getMonitor() as unknown as Record<"registerResource" | "readResource", MonitorMethod>;
            for (const [method, op] of [["registerResource", "register"], ["readResource", "read"]] as const) {
                const original = monitor[method].bind(monitor);
                monitor[method] = (req, callback) => {
                    engineRequests.push({ op, type: req.getType(), name: req.getName(), version: req.getVersion() });
                    return original(req, callback);
                };
            }
        });

        after(async () => {
            if (previousMocks) {
                await pulumi.runtime.setMocks(previousMocks.mocks, previousMocks.project, previousMocks.stack, previousMocks.preview);
            }
        });

        it("package.json and the SDK agree on plugin version 0.5.4", () => {
            const pkg = JSON.parse(fs.readFileSync(path.join(SDK_DIR, "package.json"), "utf8")) as { version: string; pulumi?: { name?: string; version?: string } };
            assert.equal(pkg.version, PLUGIN_VERSION);
            assert.deepEqual({ name: pkg.pulumi?.name, version: pkg.pulumi?.version }, { name: schema.name, version: PLUGIN_VERSION });
            if (schema.version !== undefined) assert.equal(schema.version, PLUGIN_VERSION);
        });

        it("a Domain and a Volume on an explicit Provider register with their tokens and version 0.5.4", async () => {
            const provider = new libvirt.Provider("kvm-1", { uri: "qemu+ssh://root@kvm-1/system" });
            const volume = new libvirt.Volume("root-disk", { name: "root.qcow2", pool: "default", size: 20 * 1024 ** 3 }, { provider });
            const domain = new libvirt.Domain("vm", {
                name: "vm",
                vcpu: 2,
                memory: 4096,
                disks: [{ volumeId: volume.id }],
                networkInterfaces: [{ networkName: "default", waitForLease: true }],
                cmdlines: [{ console: "ttyS0" }],
            }, { provider });

            assert.equal(await settled(domain.vcpu), 2);
            await Promise.all([settled(volume.urn), settled(domain.urn), settled(provider.urn)]);

            assert.equal(find("vm").type, "libvirt:index/domain:Domain");
            assert.equal(find("root-disk").type, "libvirt:index/volume:Volume");
            assert.equal(find("kvm-1").type, "pulumi:providers:libvirt");
            assert.match(find("vm").provider ?? "", /::pulumi:providers:libvirt::kvm-1::/);
            assert.deepEqual(find("vm").inputs.cmdlines, [{ console: "ttyS0" }]);

            assert.ok(libvirt.Domain.isInstance(domain) && !libvirt.Volume.isInstance(domain));
            assert.ok(libvirt.Provider.isInstance(provider) && !libvirt.Domain.isInstance(provider));

            // The version the engine uses to pick the plugin: on the constructed resources ...
            for (const res of [provider, volume, domain]) assert.equal(internalField(res, "__version"), PLUGIN_VERSION);
            // ... and in the requests actually sent to the (mock) engine.
            for (const name of ["kvm-1", "root-disk", "vm"]) {
                const req = engineRequests.find(r => r.name === name);
                assert.ok(req, `no RegisterResource request for ${name}`);
                assert.equal(req.version, PLUGIN_VERSION, `${name} registered with version '${req.version}'`);
            }
        });

        it("an explicit version in the resource options still wins (mergeOptions order)", async () => {
            const vol = new libvirt.Volume("pinned", { name: "pinned" }, { version: "9.9.9" });
            await settled(vol.urn);
            assert.equal(internalField(vol, "__version"), "9.9.9");
        });

        it("Volume.get reads with the Volume token and version 0.5.4", async () => {
            const existing = libvirt.Volume.get("existing", "/var/lib/libvirt/images/base.qcow2");
            await settled(existing.urn);
            assert.equal(find("existing").type, "libvirt:index/volume:Volume");
            assert.equal(find("existing").id, "/var/lib/libvirt/images/base.qcow2");
            assert.equal(engineRequests.find(r => r.name === "existing")?.op, "read");
            assert.equal(engineRequests.find(r => r.name === "existing")?.version, PLUGIN_VERSION);
        });

        for (const r of RESOURCES) {
            it(`${r.cls}: every schema input reaches the engine, with type ${r.token} and version 0.5.4`, async () => {
                const res = schemaResource(schema, r);
                assert.ok(res);
                const name = `all-inputs-${r.cls}`;
                const resource = construct(r, name, sampleArgs(res.inputProperties));
                await settled(resource.urn);
                const call = find(name);
                assert.equal(call.type, r.token);
                const missing = Object.keys(res.inputProperties ?? {}).filter(k => !(k in call.inputs));
                assert.deepEqual(missing, [], `inputs not forwarded by the ${r.cls} constructor`);
                assert.equal(internalField(resource, "__version"), PLUGIN_VERSION);
            });

            for (const req of schemaRequiredInputs(r)) {
                it(`${r.cls}: constructing without required input '${req}' throws`, () => {
                    const res = schemaResource(schema, r);
                    assert.throws(() => construct(r, `missing-${req}`, sampleArgs(res?.inputProperties, req)), new RegExp(`Missing required property '${req}'`));
                });
            }
        }
    });
});
