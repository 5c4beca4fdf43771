// *** Written to match the Pulumi Terraform Bridge (tfgen) Node SDK for pulumi-libvirt v0.5.4. ***
// *** Source of truth: provider schema libvirt-0.5.4.schema.json; checked by test/libvirt-sdk.test.ts. ***

import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

// Export members:
export { CloudInitDisk } from "./cloudInitDisk";
export type { CloudInitDiskArgs, CloudInitDiskState } from "./cloudInitDisk";
export { Domain } from "./domain";
export type { DomainArgs, DomainState } from "./domain";
export { Network } from "./network";
export type { NetworkArgs, NetworkState } from "./network";
export { Pool } from "./pool";
export type { PoolArgs, PoolState } from "./pool";
export { Volume } from "./volume";
export type { VolumeArgs, VolumeState } from "./volume";
export { Provider } from "./provider";
export type { ProviderArgs } from "./provider";

// Export sub-modules:
import * as types from "./types";

export {
    types,
};

import { CloudInitDisk, CloudInitDiskArgs } from "./cloudInitDisk";
import { Domain, DomainArgs } from "./domain";
import { Network, NetworkArgs } from "./network";
import { Pool, PoolArgs } from "./pool";
import { Volume, VolumeArgs } from "./volume";
import { Provider } from "./provider";

// Lets the runtime rehydrate resource references (e.g. from `StackReference`s or
// resource outputs) into instances of these classes.
const _module: pulumi.runtime.ResourceModule = {
    version: utilities.getVersion(),
    construct: (name: string, type: string, urn: string): pulumi.Resource => {
        switch (type) {
            case "libvirt:index/cloudInitDisk:CloudInitDisk":
                return new CloudInitDisk(name, undefined as unknown as CloudInitDiskArgs, { urn });
            case "libvirt:index/domain:Domain":
                return new Domain(name, undefined as unknown as DomainArgs, { urn });
            case "libvirt:index/network:Network":
                return new Network(name, undefined as unknown as NetworkArgs, { urn });
            case "libvirt:index/pool:Pool":
                return new Pool(name, undefined as unknown as PoolArgs, { urn });
            case "libvirt:index/volume:Volume":
                return new Volume(name, undefined as unknown as VolumeArgs, { urn });
            default:
                throw new Error(`unknown resource type ${type}`);
        }
    },
};
pulumi.runtime.registerResourceModule("libvirt", "index/cloudInitDisk", _module);
pulumi.runtime.registerResourceModule("libvirt", "index/domain", _module);
pulumi.runtime.registerResourceModule("libvirt", "index/network", _module);
pulumi.runtime.registerResourceModule("libvirt", "index/pool", _module);
pulumi.runtime.registerResourceModule("libvirt", "index/volume", _module);
pulumi.runtime.registerResourcePackage("libvirt", {
    version: utilities.getVersion(),
    constructProvider: (name: string, type: string, urn: string): pulumi.ProviderResource => {
        if (type !== "pulumi:providers:libvirt") {
            throw new Error(`unknown provider type ${type}`);
        }
        return new Provider(name, undefined, { urn });
    },
});
