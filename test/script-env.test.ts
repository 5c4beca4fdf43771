/**
 * Each script's environment is declared once, in TypeScript, next to the component that runs
 * it (`loadScript(path, { NAME: "required" | "optional" })`); the script's header documents
 * the same names the same way, and the program cannot run a script with anything else.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkedEnv, loadScript, scriptInput, SCRIPT_LIBRARY } from "../components/remote";
import { scripts } from "../components/scripts";
import { ROOT } from "./fixtures";
import { envEntries, headerOf } from "./script-headers";
import { filesUnder } from "./tree";

/** lib.sh's own inputs (test hooks every script's header repeats): never set by the program. */
const LIBRARY_INPUTS = new Set(envEntries(headerOf(SCRIPT_LIBRARY)).map((e) => e.name));

/**
 * `NAME: required|optional|streamed` as the header lists it, lib.sh's inputs left out: an
 * optional input whose header says join-node.sh streams it is `streamed`.
 */
function headerSpec(rel: string): Record<string, string> {
    const entries = envEntries(headerOf(fs.readFileSync(path.join(ROOT, rel), "utf8")));
    return Object.fromEntries(
        entries
            .filter((e) => !LIBRARY_INPUTS.has(e.name))
            .map((e) => {
                const kind = /^(required|optional)\b/.exec(e.text);
                assert.ok(kind, `${rel}: ${e.name}: the header says neither required nor optional`);
                return [e.name, kind[1] === "optional" && /join-node\.sh (streams|uploaded)/.test(e.text) ? "streamed" : kind[1]];
            }),
    );
}

describe("script environments: declared once, in TypeScript", () => {
    it("lib.sh's own inputs are the test hooks, and only those", () => {
        assert.deepStrictEqual([...LIBRARY_INPUTS].sort(), ["KVMK8S_ONLY", "KVMK8S_ROOT"]);
    });

    it("every script under components/ is loaded by a component, with a declared environment", () => {
        const loaded = Object.values(scripts).map((s) => s.path).sort();
        const onDisk = filesUnder("components", ".sh").filter((rel) => !rel.endsWith("/lib.sh"));
        assert.deepStrictEqual(loaded, onDisk);
    });

    for (const [name, script] of Object.entries(scripts)) {
        it(`${script.path}: the header documents exactly the declared environment (${name})`, () => {
            assert.deepStrictEqual(headerSpec(script.path), { ...script.env });
        });
    }

    it("the declaration is enforced: an undeclared name or a missing required one is refused", () => {
        const script = scripts.waitForSsh;
        assert.throws(
            () => scriptInput(script, { HOST: "10.10.0.21", NODE: "n1", SURPRISE: "x" } as never),
            /components\/remote\/scripts\/wait-for-ssh\.sh: SURPRISE is not in its declared environment/,
        );
        assert.throws(() => checkedEnv(script, { HOST: "10.10.0.21" } as never), /wait-for-ssh\.sh: NODE is required/);
        assert.match(scriptInput(script, { HOST: "10.10.0.21", NODE: "n1" }), /^export HOST='10\.10\.0\.21'\nexport NODE='n1'\n/);
    });

    it("a streamed input (a join's token or certificate key) cannot be set by the program", () => {
        const script = scripts.joinWorker;
        assert.deepStrictEqual([script.env.JOIN_TOKEN, script.env.CERTIFICATE_KEY], ["streamed", "streamed"]);
        assert.throws(
            () => checkedEnv(script, { KVMK8S_FILES: "x", JOIN_TOKEN: "abcdef.0123456789abcdef" } as never),
            /join-worker\.sh: JOIN_TOKEN is streamed by join-node\.sh on the director, never set by the program/,
        );
    });

    it("a header that differs from the declaration is caught (the check can fail)", () => {
        const drifted = loadScript("components/remote/scripts/wait-for-ssh.sh", { HOST: "required", NODE: "optional", PORT: "optional", TIMEOUT_SECONDS: "optional" });
        assert.notDeepStrictEqual(headerSpec(drifted.path), { ...drifted.env });
    });
});
