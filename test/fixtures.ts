/** Stack configurations for tests: the committed stack files plus the secret the CLI would add. */
import * as path from "path";
import { readStackFile } from "../tools/plan";
import { formatIssues, resolveSite, SiteConfig, StackConfigInput } from "../stacks";

export const ROOT = path.resolve(__dirname, "..");

/** A recognisable fake key: any test can search for this marker to find a leak. */
export const PRIVATE_KEY_MARKER = "TESTONLYPRIVATEKEYMATERIAL";
export const TEST_PRIVATE_KEY = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    `b3BlbnNzaC1rZXktdjEAAAAA${PRIVATE_KEY_MARKER}AAAAAAAAAAAA`,
    "-----END OPENSSH PRIVATE KEY-----",
    "",
].join("\n");

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
