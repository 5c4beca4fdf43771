/** Stack configurations for tests: the committed stack files plus the secret the CLI would add. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { readStackFile } from "../tools/plan";
import { formatIssues, resolveSite, SiteConfig, StackConfigInput } from "../stacks";

export const ROOT = path.resolve(__dirname, "..");

/** A recognisable key: any test can search for this marker to find a leak. */
export const PRIVATE_KEY_MARKER = "TESTONLYPRIVATEKEYMATERIAL";
/**
 * A real ed25519 key in OpenSSH's format (`ssh-keygen -y` reads it), for tests only: its
 * private half is public, here. Built from a fixed seed with its comment chosen so that the
 * marker shows in the base64 text. Its public half, TEST_PUBLIC_KEY, is the committed stack
 * files' `site.access.publicKey`, so validation's check that the two halves pair holds.
 */
export const TEST_PRIVATE_KEY = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACDqSmxj4pxSCr71UHsTLsX5lUd2rr6+e5JCHuppFEbSLAAAAKAAAAAqAAAAKgAAAAtzc2gtZWQyNTUxOQAAACDqSmxj4pxSCr71UHsTLsX5lUd2rr6+e5JCHuppFEbSLAAAAEAHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHB+pKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIsAAAAF2trttTESTONLYPRIVATEKEYMATERIALAQIDBAUG",
    "-----END OPENSSH PRIVATE KEY-----",
    "",
].join("\n");
export const TEST_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs";

/** `kvm-k8s:*` values of a committed Pulumi.<stack>.yaml: the plan's own reader. */
export { readStackFile };

/** A stack's config as the program sees it after `pulumi config set --secret sshPrivateKey`. */
export function stackInput(stack: string): StackConfigInput {
    const file = readStackFile(stack);
    return { profile: file.profile, site: structuredClone(file.site), sshPrivateKey: { value: TEST_PRIVATE_KEY, secret: true } };
}

export function resolveOrThrow(input: StackConfigInput): SiteConfig {
    const result = resolveSite(input);
    if (!result.ok) {
        throw new Error(formatIssues(result.issues));
    }
    return result.site;
}

export function stackSite(stack: string): SiteConfig {
    return resolveOrThrow(stackInput(stack));
}

/**
 * Real tools some tests run (README, "Tests": what to install). Missing one, a test skips
 * and says which package brings it; under CI=true (.ci/run installs them all) it fails.
 */
export const TOOLS = {
    pyyaml: { probe: ["/usr/bin/python3", "-c", "import yaml"], package: "python3-yaml" },
    cloudInit: { probe: ["/usr/bin/python3", "-c", "import cloudinit.net"], package: "cloud-init" },
    tomllib: { probe: ["/usr/bin/python3", "-c", "import tomllib"], package: "python3" },
    cloudInitCli: { probe: ["cloud-init", "--version"], package: "cloud-init" },
    shellcheck: { probe: ["shellcheck", "--version"], package: "shellcheck" },
    sshKeygen: { probe: ["ssh-keygen", "-V"], package: "openssh-client", anyStatus: true },
} as const;

const toolPresent = new Map<string, boolean>();

export function hasTool(tool: keyof typeof TOOLS): boolean {
    const known = toolPresent.get(tool);
    if (known !== undefined) {
        return known;
    }
    const spec = TOOLS[tool];
    const run = spawnSync(spec.probe[0], spec.probe.slice(1), { encoding: "utf8" });
    const present = run.error === undefined && ("anyStatus" in spec || run.status === 0);
    toolPresent.set(tool, present);
    return present;
}

/** Skip `ctx`'s test, saying why, unless every tool is installed; fail instead under CI. */
export function needTools(ctx: Mocha.Context, ...tools: (keyof typeof TOOLS)[]): void {
    const missing = tools.filter((t) => !hasTool(t));
    if (missing.length === 0) {
        return;
    }
    const packages = [...new Set(missing.map((t) => TOOLS[t].package))].join(" ");
    if (process.env.CI) {
        assert.fail(`${packages} not installed, and CI=true: .ci/run installs it (apt-get install ${packages})`);
    }
    console.log(`      skipped: needs ${packages} (apt-get install ${packages}; see README, "Tests")`);
    ctx.skip();
}
