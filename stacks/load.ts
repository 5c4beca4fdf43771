/**
 * The only place that reads `pulumi.Config`. Everything else receives the typed SiteConfig.
 */
import * as pulumi from "@pulumi/pulumi";
import { SiteConfig } from "./types";
import { CONFIG_NAMESPACE, ConfigIssue, formatIssues } from "./issues";
import { resolveSite } from "./resolve";
import { StackConfigInput } from "./validate";

/**
 * Raised for bad configuration. A RunError makes the Pulumi CLI print the message alone,
 * without a stack trace or program source.
 */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly issues: ConfigIssue[]) {
        super(formatIssues(issues));
    }
}

/** Keys the CLI marks secret (`secure:` in the stack file), as it hands them to the program. */
function secretKeys(): string[] {
    const raw = process.env["PULUMI_CONFIG_SECRET_KEYS"];
    if (raw === undefined || raw === "") {
        return [];
    }
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((k): k is string => typeof k === "string") : [];
}

/** Read the stack's raw configuration; nothing is interpreted here. */
export function readStackConfig(): StackConfigInput {
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    let site: unknown = undefined;
    const siteText = config.get("site");
    if (siteText !== undefined) {
        try {
            site = JSON.parse(siteText);
        } catch {
            // A bare string is still reported, by validation, as "expected an object".
            site = siteText;
        }
    }
    const secret = secretKeys();
    return {
        keys: Object.keys(pulumi.runtime.allConfig()).filter((k) => k.startsWith(`${CONFIG_NAMESPACE}:`)),
        // the CLI marks the whole key secret when any value inside it is; which one, only the
        // stack file says (the offline plan names it)
        secretSitePaths: secret.includes(`${CONFIG_NAMESPACE}:site`) ? [`${CONFIG_NAMESPACE}:site`] : [],
        profile: config.get("profile"),
        site,
        sshPrivateKey: {
            // Read in plain text only to check its shape; the program only ever uses it through
            // pulumi.secret (see resolveSite).
            value: config.get("sshPrivateKey"),
            secret: secret.includes(`${CONFIG_NAMESPACE}:sshPrivateKey`),
        },
    };
}

/** Load and validate the stack's configuration, or stop with every problem listed. */
export function loadSiteConfig(input: StackConfigInput = readStackConfig()): SiteConfig {
    const result = resolveSite(input);
    if (!result.ok) {
        throw new ConfigError(result.issues);
    }
    return result.site;
}
