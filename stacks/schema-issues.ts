/**
 * The schema's refusals in this program's words: zod words its issues generically
 * ("Invalid input"), and reports unknown keys at the enclosing object; here each names its
 * config path, what was given and the fix, and an unknown key the key it probably meant.
 */
import { z } from "zod";
import { ConfigIssue, describe, PathPart, sitePath } from "./issues";
import { siteSchema } from "./schema";
import { closest, knownKeysAt } from "./suggest";

/** Readable messages for the issues zod words generically (types, unknown keys, missing keys). */
function zodMessage(issue: z.core.$ZodIssue, input: unknown): string {
    switch (issue.code) {
        case "invalid_type": {
            const got = valueAt(input, issue.path);
            // a schema's own wording says what belongs here better than the generic one
            if (!issue.message.startsWith("Invalid input")) {
                return got === undefined ? issue.message : `${issue.message}; got ${describe(got)}`;
            }
            if (got === undefined) {
                return `missing; set a value (${issue.expected}) here`;
            }
            const expected = issue.expected === "int" ? "whole number" : issue.expected;
            return `expected ${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected}, got ${describe(got)}`;
        }
        case "too_small":
            if (issue.message.startsWith("Too small")) {
                return issue.origin === "array" ? `list at least ${String(issue.minimum)}` : issue.origin === "string" ? "must not be empty" : `must be at least ${String(issue.minimum)}`;
            }
            return issue.message;
        case "too_big":
            if (issue.message.startsWith("Too big")) {
                return issue.origin === "array" ? `list at most ${String(issue.maximum)}` : issue.origin === "string" ? `must be at most ${String(issue.maximum)} characters` : `must be at most ${String(issue.maximum)}`;
            }
            return issue.message;
        case "invalid_value":
            return issue.message.startsWith("Invalid") ? `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` : issue.message;
        case "invalid_union":
            return issue.message.startsWith("Invalid") ? "does not have any of the shapes this field takes; see the README's config reference" : issue.message;
        case "invalid_key":
            return `'${String(issue.path[issue.path.length - 1])}' is not a valid name here; use a lowercase DNS label (a-z, 0-9, '-'), e.g. 'node'`;
        default:
            return issue.message;
    }
}

function valueAt(input: unknown, path: readonly PathPart[]): unknown {
    let current: unknown = input;
    for (const part of path) {
        if (typeof current !== "object" || current === null) {
            return undefined;
        }
        current = (current as Record<PathPart, unknown>)[part];
    }
    return current;
}

export function zodIssues(error: z.ZodError, input: unknown, prefix: PathPart[]): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const issue of error.issues) {
        // zod reports unknown keys at the enclosing object; name each key in the path.
        if (issue.code === "unrecognized_keys") {
            const known = knownKeysAt(siteSchema, [...prefix, ...issue.path]);
            for (const key of issue.keys) {
                const guess = closest(key, known.filter((k) => !issue.keys.includes(k)));
                const hint = guess !== undefined ? `: did you mean '${guess}'?` : known.length > 0 && known.length <= 12 ? ` (this object takes ${known.join(", ")})` : "";
                issues.push({ path: sitePath(...prefix, ...issue.path, key), message: `unknown key; remove it or fix its spelling${hint}` });
            }
            continue;
        }
        issues.push({ path: sitePath(...prefix, ...issue.path), message: zodMessage(issue, input) });
    }
    return issues;
}
