/** Reading the repo's own tree: which files there are, and what each imports. */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "./fixtures";

/**
 * Files below `dir` (relative to the repo, forward slashes, sorted) whose names end with
 * `suffix`, not descending into folders named in `skip`.
 */
export function filesUnder(dir: string, suffix: string, skip: readonly string[] = []): string[] {
    return fs
        .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
        .flatMap((e) => {
            const rel = path.posix.join(dir, e.name);
            if (e.isDirectory()) {
                return skip.includes(e.name) ? [] : filesUnder(rel, suffix, skip);
            }
            return e.isFile() && e.name.endsWith(suffix) ? [rel] : [];
        })
        .sort();
}

/** The relative module specifiers a TypeScript text imports or re-exports from (type-only ones too). */
export function relativeImports(text: string): string[] {
    return ts
        .preProcessFile(text, true, true)
        .importedFiles.map((i) => i.fileName)
        .filter((spec) => spec.startsWith("."));
}

/** Cycles of a graph, each as the nodes along it back to the first (`a`, `b`, `a`). */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
    const cycles: string[][] = [];
    const done = new Set<string>();
    const trail: string[] = [];
    const visit = (node: string): void => {
        const at = trail.indexOf(node);
        if (at >= 0) {
            cycles.push([...trail.slice(at), node]);
            return;
        }
        if (done.has(node)) {
            return;
        }
        trail.push(node);
        for (const next of graph.get(node) ?? []) {
            visit(next);
        }
        trail.pop();
        done.add(node);
    };
    for (const node of [...graph.keys()].sort()) {
        visit(node);
    }
    return cycles;
}
