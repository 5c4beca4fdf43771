/**
 * "Did you mean": the known key closest to a misspelled one, for unknown keys in the stack
 * config (`kvm-k8s:workers`) and inside the site (`site.acess`).
 */
import { z } from "zod";

/** Edit distance (insert, delete, substitute, swap two neighbours). */
function distance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.length][b.length];
}

/** The candidate a typo most likely meant, or undefined when none is close. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
    const lower = word.toLowerCase();
    let best: { name: string; score: number } | undefined;
    for (const name of candidates) {
        const score = name.toLowerCase() === lower ? 0 : distance(lower, name.toLowerCase());
        if (best === undefined || score < best.score) {
            best = { name, score };
        }
    }
    // a third of the word may be wrong, at least one letter
    return best !== undefined && best.score <= Math.max(1, Math.floor(word.length / 3)) ? best.name : undefined;
}

/** Unwrap optional/default/nullable layers to the schema that holds the shape. */
function inner(schema: z.ZodType): z.ZodType {
    let current: z.ZodType = schema;
    for (;;) {
        if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
            current = (current as z.ZodOptional<z.ZodType>).unwrap() as z.ZodType;
        } else {
            return current;
        }
    }
}

/** The keys an object schema knows at `path` inside `schema`, or [] when it is not an object. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[], value?: unknown): string[] {
    let current = inner(schema);
    for (const part of path) {
        if (current instanceof z.ZodObject) {
            const shape = current.shape as Record<string, z.ZodType>;
            if (typeof part !== "string" || shape[part] === undefined) {
                return [];
            }
            current = inner(shape[part]);
        } else if (current instanceof z.ZodArray) {
            current = inner(current.element as z.ZodType);
        } else if (current instanceof z.ZodRecord) {
            current = inner(current.valueType as z.ZodType);
        } else {
            return [];
        }
    }
    if (current instanceof z.ZodUnion) {
        // a union of object shapes (an image, a chart): the keys of all of them
        return [...new Set((current.options as z.ZodType[]).flatMap((o) => knownKeysAt(o, [], value)))];
    }
    return current instanceof z.ZodObject ? Object.keys(current.shape as object) : [];
}
