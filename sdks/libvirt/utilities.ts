// *** Written to match the Pulumi Terraform Bridge (tfgen) Node SDK for pulumi-libvirt v0.5.4. ***
// *** Source of truth: provider schema libvirt-0.5.4.schema.json; checked by test/libvirt-sdk.test.ts. ***

import * as pulumi from "@pulumi/pulumi";

/**
 * Version of the libvirt resource plugin this SDK targets. The published SDK reads it from its own
 * package.json at runtime; this copy is compiled to bin/ without one, so the version is pinned here
 * (and checked against package.json by the schema test).
 */
const sdkVersion = "0.5.4";

export function getEnv(...vars: string[]): string | undefined {
    for (const v of vars) {
        const value = process.env[v];
        if (value) {
            return value;
        }
    }
    return undefined;
}

export function getEnvBoolean(...vars: string[]): boolean | undefined {
    const s = getEnv(...vars);
    if (s !== undefined) {
        // NOTE: these values are taken from https://golang.org/src/strconv/atob.go?s=351:391#L1, which is what
        // Terraform uses internally when parsing boolean values.
        if (["1", "t", "T", "true", "TRUE", "True"].find(v => v === s) !== undefined) {
            return true;
        }
        if (["0", "f", "F", "false", "FALSE", "False"].find(v => v === s) !== undefined) {
            return false;
        }
    }
    return undefined;
}

export function getEnvNumber(...vars: string[]): number | undefined {
    const s = getEnv(...vars);
    if (s !== undefined) {
        const f = parseFloat(s);
        if (!isNaN(f)) {
            return f;
        }
    }
    return undefined;
}

export function getVersion(): string {
    let version = sdkVersion;
    // Node allows for the version to be prefixed by a "v", while semver doesn't.
    // If there is a v, strip it off.
    if (version.indexOf('v') === 0) {
        version = version.slice(1);
    }
    return version;
}

/**
 * Default resource options for every resource (and the provider) of this package: the plugin version
 * makes the Pulumi engine load pulumi-resource-libvirt v0.5.4.
 */
export function resourceOptsDefaults(): pulumi.ResourceOptions {
    return { version: getVersion() };
}
