// Checks the in-repo @pulumi/libvirt SDK (sdks/libvirt) against the pulumi-libvirt v0.5.4 provider schema.
//
// The published package could not be installed, so the SDK is hand-maintained; this test is what keeps
// it honest. It compares, property by property:
//   - every XArgs / XState interface and every resource class's output properties with the schema's
//     inputProperties / stateInputs / properties (names, TS types, optionality),
//   - every interface in types/input.ts and types/output.ts with the schema's object types,
// reading the SDK *sources* with the TypeScript compiler API. It then loads the compiled package
// (`@pulumi/libvirt`, i.e. sdks/libvirt/bin) under Pulumi mocks to check type tokens and the plugin
// version that reaches the engine. The comparison functions return lists of mismatch strings, so a
// failure shows every problem at once.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";

const SCHEMA_PATH = path.resolve(__dirname, "../../shared/provider-schemas/libvirt-0.5.4.schema.json");
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

/** "#/types/libvirt:index/DomainDisk:DomainDisk" -> "libvirt:index/DomainDisk:DomainDisk" */
function refToken(ref: string): string {
    return ref.replace(/^#\/types\//, "");
}

/** The SDK interface name for a schema type token: the part after the last ':'. */
function typeName(token: string): string {
    return token.slice(token.lastIndexOf(":") + 1);
}

// ---------------------------------------------------------------------------------------------------
// Schema type -> expected TypeScript type text (the shapes tfgen emits)

/** How a property appears in the SDK. */
type Flavor =
    | "input" //           XArgs, XState, types/input.ts: pulumi.Input<...>, `?` unless required
    | "output" //          types/output.ts: plain types, `?` unless required
    | "resourceOutput"; // resource class properties: pulumi.Output<T> or pulumi.Output<T | undefined>

function describeSchemaType(p: SchemaProperty): string {
    if (p.$ref) return `ref ${typeName(refToken(p.$ref))}`;
    if (p.type === "array") return `array<${p.items ? describeSchemaType(p.items) : "?"}>`;
    if (p.type === "object") return `map<${p.additionalProperties ? describeSchemaType(p.additionalProperties) : "?"}>`;
    return p.type ?? "?";
}

function expectedInputType(p: SchemaProperty): string {
    if (p.$ref) return `pulumi.Input<inputs.${typeName(refToken(p.$ref))}>`;
    switch (p.type) {
        case "string":
            return "pulumi.Input<string>";
        case "integer":
        case "number":
            return "pulumi.Input<number>";
        case "boolean":
            return "pulumi.Input<boolean>";
        case "array":
            return `pulumi.Input<${expectedInputType(p.items ?? {})}[]>`;
        case "object":
            return `pulumi.Input<{[key: string]: ${expectedInputType(p.additionalProperties ?? {})}}>`;
        default:
            return `<unsupported schema type ${describeSchemaType(p)}>`;
    }
}

function expectedPlainType(p: SchemaProperty): string {
    if (p.$ref) return `outputs.${typeName(refToken(p.$ref))}`;
    switch (p.type) {
        case "string":
            return "string";
        case "integer":
        case "number":
            return "number";
        case "boolean":
            return "boolean";
        case "array":
            return `${expectedPlainType(p.items ?? {})}[]`;
        case "object":
            return `{[key: string]: ${expectedPlainType(p.additionalProperties ?? {})}}`;
        default:
            return `<unsupported schema type ${describeSchemaType(p)}>`;
    }
}

function expectedType(p: SchemaProperty, flavor: Flavor, required: boolean): string {
    switch (flavor) {
        case "input":
            return expectedInputType(p);
        case "output":
            return expectedPlainType(p);
        case "resourceOutput":
            return `pulumi.Output<${expectedPlainType(p)}${required ? "" : " | undefined"}>`;
    }
}

// ---------------------------------------------------------------------------------------------------
// The comparison

/** One property as declared in the SDK (interface member or class property). */
interface SdkMember {
    type: string; // canonical type text, see SdkModel.typeText
    optional: boolean;
    readonly: boolean;
}
/** An SDK interface or class: its properties by name, plus anything the reader could not follow. */
interface SdkShape {
    members: Map<string, SdkMember>;
    problems: string[];
}

const counters = { shapes: 0, properties: 0 };

/**
 * Compares one schema object (properties + required list) with one SDK interface/class.
 * Returns mismatches such as `DomainArgs.vcpu: schema integer, SDK pulumi.Input<string> (expected pulumi.Input<number>)`.
 */
function compareShape(
    label: string,
    schemaProps: SchemaProperties | undefined,
    required: Iterable<string>,
    sdk: SdkShape | undefined,
    flavor: Flavor,
): string[] {
    if (!sdk) return [`${label}: missing from the SDK`];
    const problems = sdk.problems.map(p => `${label}: ${p}`);
    const props = schemaProps ?? {};
    const requiredSet = new Set(required);
    counters.shapes++;
    for (const name of requiredSet) {
        if (!(name in props)) problems.push(`${label}.${name}: listed as required in the schema but not a schema property`);
    }
    for (const [name, prop] of Object.entries(props)) {
        counters.properties++;
        const member = sdk.members.get(name);
        if (!member) {
            problems.push(`${label}.${name}: in the schema (${describeSchemaType(prop)}), missing from the SDK`);
            continue;
        }
        const isRequired = requiredSet.has(name);
        const want = expectedType(prop, flavor, isRequired);
        if (member.type !== want) {
            problems.push(`${label}.${name}: schema ${describeSchemaType(prop)}, SDK ${member.type} (expected ${want})`);
        }
        if (flavor === "resourceOutput") {
            if (member.optional) problems.push(`${label}.${name}: output property must not be declared with '?'`);
            if (!member.readonly) problems.push(`${label}.${name}: output property must be readonly`);
        } else if (isRequired && member.optional) {
            problems.push(`${label}.${name}: required in the schema, optional in the SDK`);
        } else if (!isRequired && !member.optional) {
            problems.push(`${label}.${name}: optional in the schema, required in the SDK`);
        }
    }
    for (const name of sdk.members.keys()) {
        if (!(name in props)) problems.push(`${label}.${name}: in the SDK, not in the schema`);
    }
    return problems;
}

/** Schema object types reachable through $refs from the given properties, by token. */
function reachableTypes(schema: PulumiSchema, roots: Array<SchemaProperties | undefined>): Set<string> {
    const found = new Set<string>();
    const visit = (p: SchemaProperty | undefined): void => {
        if (!p) return;
        if (p.$ref) {
            const tok = refToken(p.$ref);
            if (found.has(tok)) return;
            found.add(tok);
            Object.values(schema.types[tok]?.properties ?? {}).forEach(visit);
        }
        visit(p.items);
        visit(p.additionalProperties);
    };
    roots.forEach(props => Object.values(props ?? {}).forEach(visit));
    return found;
}

/** XArgs vs inputProperties, XState vs stateInputs, class properties vs properties. */
function compareResource(schema: PulumiSchema, sdk: SdkModel, r: ResourceUnderTest): string[] {
    const res = schemaResource(schema, r);
    if (!res) return [`${r.cls}: token ${r.token} not in the schema`];
    const problems = [
        ...compareShape(`${r.cls}Args`, res.inputProperties, res.requiredInputs ?? [], sdk.iface(r.module, `${r.cls}Args`), "input"),
        ...compareShape(r.cls, res.properties, res.required ?? [], sdk.classProps(r.module, r.cls), "resourceOutput"),
    ];
    if (res.stateInputs) {
        problems.push(...compareShape(`${r.cls}State`, res.stateInputs.properties, [], sdk.iface(r.module, `${r.cls}State`), "input"));
    }
    return problems;
}

/** types/input.ts or types/output.ts vs the schema object types the resources reach (and nothing more). */
function compareNestedTypes(schema: PulumiSchema, sdk: SdkModel, flavor: "input" | "output"): string[] {
    const roots = RESOURCES.map(r => schemaResource(schema, r)).flatMap(res =>
        flavor === "input" ? [res?.inputProperties, res?.stateInputs?.properties] : [res?.properties],
    );
    const tokens = [...reachableTypes(schema, roots)].sort();
    const module = `types/${flavor}`;
    const problems: string[] = [];
    for (const tok of tokens) {
        const t = schema.types[tok];
        const label = `${flavor}s.${typeName(tok)}`;
        if (!t) {
            problems.push(`${label}: referenced type ${tok} is not defined in the schema`);
            continue;
        }
        const required = [...(t.required ?? []), ...(flavor === "output" ? t.language?.nodejs?.requiredOutputs ?? [] : [])];
        problems.push(...compareShape(label, t.properties, required, sdk.iface(module, typeName(tok)), flavor));
    }
    const expectedNames = new Set(tokens.map(typeName));
    for (const name of sdk.interfaceNames(module)) {
        if (!expectedNames.has(name)) problems.push(`${flavor}s.${name}: in the SDK, not a schema type used by these resources`);
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------------
// Reading the SDK sources with the TypeScript compiler API

class SdkModel {
    readonly program: ts.Program;
    private readonly checker: ts.TypeChecker;

    constructor(readonly dir: string) {
        const configPath = path.join(dir, "tsconfig.json");
        const config = ts.readConfigFile(configPath, ts.sys.readFile);
        if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
        const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dir);
        this.program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
        this.checker = this.program.getTypeChecker();
    }

    sourceFile(module: string): ts.SourceFile | undefined {
        return this.program.getSourceFile(path.join(this.dir, `${module}.ts`));
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

    interfaceNames(module: string): string[] {
        const sf = this.sourceFile(module);
        return sf ? sf.statements.filter(ts.isInterfaceDeclaration).map(i => i.name.text) : [];
    }

    iface(module: string, name: string): SdkShape | undefined {
        const decl = this.sourceFile(module)?.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
        if (!decl) return undefined;
        const shape: SdkShape = { members: new Map(), problems: [] };
        if (!decl.modifiers?.some(m => m.kind === ts.SyntaxKind.ExportKeyword)) shape.problems.push("interface is not exported");
        if (decl.heritageClauses) shape.problems.push("uses 'extends', which this test does not follow");
        for (const m of decl.members) {
            if (ts.isPropertySignature(m) && m.type) {
                shape.members.set(this.memberName(m.name), {
                    type: this.typeText(m.type),
                    optional: m.questionToken !== undefined,
                    readonly: hasModifier(m, ts.SyntaxKind.ReadonlyKeyword),
                });
            } else {
                shape.problems.push(`unsupported member: ${m.getText()}`);
            }
        }
        return shape;
    }

    /** Instance properties of an exported class (the resource's outputs). */
    classProps(module: string, name: string): SdkShape | undefined {
        const decl = this.sourceFile(module)?.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name);
        if (!decl) return undefined;
        const shape: SdkShape = { members: new Map(), problems: [] };
        for (const m of decl.members) {
            if (!ts.isPropertyDeclaration(m) || hasModifier(m, ts.SyntaxKind.StaticKeyword)) continue;
            if (hasModifier(m, ts.SyntaxKind.PrivateKeyword) || hasModifier(m, ts.SyntaxKind.ProtectedKeyword)) continue;
            if (!m.type) {
                shape.problems.push(`property ${m.name.getText()} has no type annotation`);
                continue;
            }
            shape.members.set(this.memberName(m.name), {
                type: this.typeText(m.type),
                optional: m.questionToken !== undefined,
                readonly: hasModifier(m, ts.SyntaxKind.ReadonlyKeyword),
            });
        }
        return shape;
    }

    private memberName(name: ts.PropertyName): string {
        return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : name.getText();
    }

    /**
     * Canonical text of a type: whitespace-normalised, `undefined` last in unions, and references to
     * SDK types spelled `inputs.X` / `outputs.X` according to the file that actually declares them
     * (whatever alias the source used), references into @pulumi/pulumi spelled `pulumi.X`.
     */
    typeText(node: ts.TypeNode): string {
        if (ts.isParenthesizedTypeNode(node)) return this.typeText(node.type);
        if (ts.isArrayTypeNode(node)) {
            const inner = this.typeText(node.elementType);
            return ts.isUnionTypeNode(node.elementType) ? `(${inner})[]` : `${inner}[]`;
        }
        if (ts.isUnionTypeNode(node)) {
            const parts = node.types.map(t => this.typeText(t));
            return [...parts.filter(p => p !== "undefined"), ...parts.filter(p => p === "undefined")].join(" | ");
        }
        if (ts.isTypeReferenceNode(node)) {
            const args = node.typeArguments ? `<${node.typeArguments.map(a => this.typeText(a)).join(", ")}>` : "";
            return this.referenceName(node.typeName) + args;
        }
        if (ts.isTypeLiteralNode(node) && node.members.length === 1 && ts.isIndexSignatureDeclaration(node.members[0])) {
            const sig = node.members[0];
            const key = sig.parameters[0];
            return `{[${key.name.getText()}: ${key.type ? this.typeText(key.type) : "?"}]: ${this.typeText(sig.type)}}`;
        }
        return node.getText().replace(/\s+/g, " ");
    }

    private referenceName(name: ts.EntityName): string {
        const ident = ts.isQualifiedName(name) ? name.right : name;
        let sym = this.checker.getSymbolAtLocation(ident);
        if (sym && sym.flags & ts.SymbolFlags.Alias) sym = this.checker.getAliasedSymbol(sym);
        const file = sym?.declarations?.[0]?.getSourceFile().fileName;
        if (!sym || !file) return `${name.getText()}(unresolved)`;
        const resolved = path.resolve(file);
        if (resolved === path.join(this.dir, "types", "input.ts")) return `inputs.${sym.name}`;
        if (resolved === path.join(this.dir, "types", "output.ts")) return `outputs.${sym.name}`;
        if (resolved.includes(`${path.sep}@pulumi${path.sep}pulumi${path.sep}`)) return `pulumi.${sym.name}`;
        return name.getText();
    }
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
    return ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []).some(m => m.kind === kind) : false;
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
        if (!fs.existsSync(SCHEMA_PATH)) {
            // CI always has shared/ beside the clone: there, a missing schema is a broken setup.
            if (process.env.CI) {
                throw new Error(`provider schema not found at ${SCHEMA_PATH}; CI must check the SDK against it`);
            }
            console.warn(
                `    skipped: provider schema not found at ${SCHEMA_PATH}.\n` +
                `    The shared folder (shared/provider-schemas/) must sit beside the repo checkout.`,
            );
            this.skip();
        }
        schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")) as PulumiSchema;
        sdk = new SdkModel(SDK_DIR);
    });

    after(function () {
        if (counters.properties > 0) {
            console.log(`    (compared ${counters.properties} properties in ${counters.shapes} SDK interfaces/classes with the schema)`);
        }
    });

    describe("SDK build", () => {
        it("sources type-check cleanly (tsconfig of sdks/libvirt)", () => {
            assertNoMismatches(sdk.diagnostics());
        });

        it("has no `any` types", () => {
            const found: string[] = [];
            for (const sf of sdk.ownSourceFiles()) {
                const visit = (n: ts.Node): void => {
                    if (n.kind === ts.SyntaxKind.AnyKeyword) {
                        found.push(`${path.relative(SDK_DIR, sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: any`);
                    }
                    ts.forEachChild(n, visit);
                };
                visit(sf);
            }
            assertNoMismatches(found);
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

    describe("resource inputs, state and outputs", () => {
        for (const r of RESOURCES) {
            it(`${r.cls}${r.cls === "Provider" ? "Args" : "Args, " + r.cls + "State"} and ${r.cls} outputs match the schema`, () => {
                assertNoMismatches(compareResource(schema, sdk, r));
            });
        }
    });

    describe("nested types", () => {
        it("types/input.ts matches the schema object types (properties, types, `required`)", () => {
            assertNoMismatches(compareNestedTypes(schema, sdk, "input"));
        });
        it("types/output.ts matches the schema object types (`required` + nodejs `requiredOutputs`)", () => {
            assertNoMismatches(compareNestedTypes(schema, sdk, "output"));
        });
    });

    describe("comparison self-check (a wrong SDK must fail)", () => {
        it("reports changed types, extra and missing properties, optionality and wrong $refs", () => {
            const saved = { ...counters }; // keep the summary about the real schema only
            const altered = JSON.parse(JSON.stringify(schema)) as PulumiSchema;
            const domain = altered.resources["libvirt:index/domain:Domain"];
            const inputs = domain.inputProperties ?? {};
            inputs.vcpu = { type: "string" }; //                        SDK: pulumi.Input<number>
            inputs.hugepages = { type: "boolean" }; //                   not in the SDK ...
            domain.requiredInputs = ["hugepages", "name"]; //           ... and required; `name` becomes required
            delete inputs.memory; //                                     SDK has an extra property now
            const dns = altered.types["libvirt:index/NetworkDns:NetworkDns"];
            (dns.properties ?? {}).forwarders = { type: "array", items: { $ref: "#/types/libvirt:index/NetworkDnsHost:NetworkDnsHost" } };
            altered.types["libvirt:index/DomainDisk:DomainDisk"].required = ["volumeId"];

            const problems = [
                ...compareResource(altered, sdk, RESOURCES.find(r => r.cls === "Domain")!),
                ...compareNestedTypes(altered, sdk, "input"),
            ];
            const expected = [
                "DomainArgs.vcpu: schema string, SDK pulumi.Input<number> (expected pulumi.Input<string>)",
                "DomainArgs.hugepages: in the schema (boolean), missing from the SDK",
                "DomainArgs.name: required in the schema, optional in the SDK",
                "DomainArgs.memory: in the SDK, not in the schema",
                "inputs.NetworkDns.forwarders: schema array<ref NetworkDnsHost>, SDK pulumi.Input<pulumi.Input<inputs.NetworkDnsForwarder>[]> (expected pulumi.Input<pulumi.Input<inputs.NetworkDnsHost>[]>)",
                "inputs.DomainDisk.volumeId: required in the schema, optional in the SDK",
            ];
            for (const e of expected) {
                assert.ok(problems.includes(e), `expected the comparison to report:\n  ${e}\ngot:\n  ${problems.join("\n  ")}`);
            }
            // A type dropped from the schema shows up as an extra SDK interface.
            const withoutTpm = JSON.parse(JSON.stringify(schema)) as PulumiSchema;
            delete withoutTpm.resources["libvirt:index/domain:Domain"].inputProperties?.tpm;
            delete withoutTpm.resources["libvirt:index/domain:Domain"].stateInputs?.properties?.tpm;
            assert.ok(compareNestedTypes(withoutTpm, sdk, "input").includes("inputs.DomainTpm: in the SDK, not a schema type used by these resources"));
            Object.assign(counters, saved);
        });
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
