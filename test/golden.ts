/** Golden files: committed expected output, rewritten on purpose only. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./fixtures";

export const GOLDEN = path.join(ROOT, "test", "golden");

/**
 * Compare with a committed golden file. `UPDATE_GOLDEN=1 npm test` rewrites them; review
 * the diff like any other change to what the site gets.
 */
export function assertGolden(name: string, actual: string): void {
    const file = path.join(GOLDEN, name);
    if (process.env.UPDATE_GOLDEN === "1") {
        fs.mkdirSync(GOLDEN, { recursive: true });
        fs.writeFileSync(file, actual);
        return;
    }
    assert.ok(fs.existsSync(file), `missing golden file ${file}; run UPDATE_GOLDEN=1 npm test and review it`);
    assert.strictEqual(actual, fs.readFileSync(file, "utf8"), `${name} differs from its golden file`);
}
