/**
 * stacks/ reads one way: issues.ts at the bottom, the checks and the profiles on it,
 * validation on those, resolution on validation, load.ts and index.ts on top. An import
 * cycle means two files share a job, or a helper lives in the wrong one.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./fixtures";
import { importCycles, relativeImports } from "./tree";

const STACKS = path.join(ROOT, "stacks");

/** For each stacks/*.ts file, the stacks/ files it imports or re-exports from (type-only imports too). */
function importGraph(dir: string): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts")).sort()) {
        const local = relativeImports(fs.readFileSync(path.join(dir, file), "utf8")).filter((spec) => spec.startsWith("./"));
        graph.set(file, [...new Set(local.map((spec) => `${spec.slice(2)}.ts`))]);
    }
    return graph;
}

describe("stacks/ imports", () => {
    it("finds a cycle and names every file on it", () => {
        const graph = new Map([
            ["a.ts", ["b.ts"]],
            ["b.ts", ["c.ts"]],
            ["c.ts", ["a.ts", "d.ts"]],
            ["d.ts", []],
            ["e.ts", ["e.ts"]],
        ]);
        assert.deepStrictEqual(importCycles(graph), [
            ["a.ts", "b.ts", "c.ts", "a.ts"],
            ["e.ts", "e.ts"],
        ]);
    });

    it("every relative import names a file of stacks/ (so the graph below misses none)", () => {
        const graph = importGraph(STACKS);
        assert.ok((graph.get("index.ts") ?? []).includes("load.ts"), "index.ts re-exports load.ts: the parser found no imports");
        for (const [file, imports] of graph) {
            for (const imported of imports) {
                assert.ok(graph.has(imported), `stacks/${file} imports ./${imported.replace(/\.ts$/, "")}, which is not a file of stacks/`);
            }
        }
    });

    it("no file of stacks/ imports itself through others", () => {
        const cycles = importCycles(importGraph(STACKS)).map((cycle) => cycle.map((f) => `stacks/${f}`).join(" -> "));
        assert.deepStrictEqual(cycles, [], `import cycles in stacks/:\n  ${cycles.join("\n  ")}`);
    });
});
