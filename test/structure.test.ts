/**
 * The layout rules a newcomer relies on (STYLE.md, "The shape"): each folder of components/
 * imports only the folders below it, stacks/ imports no component, and no function is so
 * long that its steps should have been named.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "./fixtures";
import { filesUnder, importCycles, relativeImports } from "./tree";

/**
 * What each folder of components/ may import, top to bottom. A lower folder never imports a
 * higher one: `vm/` knows nothing of Kubernetes, `nodes/` nothing of kubeadm, and the roles
 * (control-plane, workers, operations) nothing of the order that runs them (cluster/).
 */
const MAY_IMPORT: Record<string, string[]> = {
    "site.ts": ["apps", "cluster", "control-plane", "director", "hypervisor", "nodes", "secrets", "vm", "workers"],
    "scripts.ts": ["cluster", "control-plane", "director", "kubeadm", "nodes", "operations", "remote", "workers"],
    apps: ["registry"],
    cluster: ["control-plane", "director", "kubeadm", "nodes", "operations", "remote", "secrets", "workers"],
    "control-plane": ["kubeadm", "nodes", "remote", "vm"],
    workers: ["kubeadm", "nodes", "remote", "vm"],
    operations: ["remote"],
    kubeadm: ["nodes", "remote"],
    director: ["hypervisor", "registry", "remote", "secrets", "vm"],
    nodes: ["hypervisor", "registry", "remote", "vm"],
    vm: ["hypervisor"],
    hypervisor: [],
    registry: [],
    remote: [],
    secrets: [],
};

/** The longest a function, method or constructor may be, in lines, before its steps want names. */
const MAX_FUNCTION_LINES = 80;

/** The program's TypeScript below `dir`, scripts/ folders and declaration files left out. */
const sourceFiles = (dir: string): string[] => filesUnder(dir, ".ts", ["node_modules", "scripts"]).filter((rel) => !rel.endsWith(".d.ts"));

const parse = (rel: string, text = fs.readFileSync(path.join(ROOT, rel), "utf8")): ts.SourceFile => ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);

/** `file:line name: N lines` for each function-like body longer than MAX_FUNCTION_LINES. */
function longFunctions(file: ts.SourceFile): string[] {
    const long: string[] = [];
    const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
            const first = file.getLineAndCharacterOfPosition(node.getStart()).line;
            const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
            if (last - first + 1 > MAX_FUNCTION_LINES) {
                const name = node.name?.getText(file) ?? (ts.isConstructorDeclaration(node) ? "constructor" : "(anonymous)");
                long.push(`${file.fileName}:${first + 1} ${name}: ${last - first + 1} lines`);
            }
        }
        ts.forEachChild(node, visit);
    };
    visit(file);
    return long;
}

/** components/<folder>/… → folder; components/site.ts → site.ts; anything else → its top folder. */
function unitOf(rel: string): string {
    const parts = rel.split("/");
    return parts[0] === "components" ? parts[1] : parts[0];
}

describe("code layout", () => {
    const components = sourceFiles("components");

    it("every folder of components/ has its place in the import table", () => {
        const units = [...new Set(components.map(unitOf))].sort();
        assert.deepStrictEqual(units, Object.keys(MAY_IMPORT).sort(), "add the new folder to MAY_IMPORT, below what imports it");
    });

    it("no folder of components/ imports one above it (or one it has no business with)", () => {
        const wrong: string[] = [];
        for (const rel of components) {
            const from = unitOf(rel);
            for (const spec of relativeImports(fs.readFileSync(path.join(ROOT, rel), "utf8"))) {
                const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
                // `./site` is the file site.ts; `../nodes` is the folder nodes/
                const to = unitOf(fs.existsSync(path.join(ROOT, `${target}.ts`)) && target.split("/").length === 2 ? `${target}.ts` : target);
                if (to !== from && !target.startsWith("stacks") && !MAY_IMPORT[from].includes(to)) {
                    wrong.push(`${rel} imports ${spec} (${from} -> ${to})`);
                }
            }
        }
        assert.deepStrictEqual(wrong, []);
    });

    it("the import table itself has no cycle: it is an order, top to bottom", () => {
        const cycles = importCycles(new Map(Object.entries(MAY_IMPORT))).map((cycle) => cycle.join(" -> "));
        assert.deepStrictEqual(cycles, []);
    });

    it("stacks/ (the config) imports nothing from components/", () => {
        const wrong = sourceFiles("stacks").filter((rel) => relativeImports(fs.readFileSync(path.join(ROOT, rel), "utf8")).some((spec) => spec.includes("components")));
        assert.deepStrictEqual(wrong, []);
    });

    it(`no function, method or constructor of the program is over ${MAX_FUNCTION_LINES} lines`, () => {
        const files = [...components, ...sourceFiles("stacks"), ...sourceFiles("tools"), "index.ts"];
        assert.deepStrictEqual(files.flatMap((rel) => longFunctions(parse(rel))), []);
    });

    it("the length check finds a long constructor and a long arrow function (it can fail)", () => {
        const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `        this.x${i} = ${i};`).join("\n");
        const text = `class A {\n    constructor() {\n${body}\n    }\n}\nconst f = () => {\n${body}\n};\n`;
        assert.deepStrictEqual(longFunctions(parse("synthetic.ts", text)), [
            `synthetic.ts:2 constructor: ${MAX_FUNCTION_LINES + 2} lines`,
            `synthetic.ts:${MAX_FUNCTION_LINES + 5} (anonymous): ${MAX_FUNCTION_LINES + 2} lines`,
        ]);
    });
});
