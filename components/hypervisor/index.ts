import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { SiteConfig } from "../../stacks";

export interface HypervisorArgs {
    site: Pick<SiteConfig, "name" | "storagePool" | "images">;
    hypervisor: { name: string; uri: string; domainType: "kvm" | "qemu" };
    /** Base images the VMs on this hypervisor are cloned from; only these are uploaded. */
    imageNames: string[];
}

/** How a root volume names its base image: the program's base volume, or an existing one by name. */
export type BaseImageRef = { baseVolumeId: pulumi.Output<string> } | { baseVolumeName: string; baseVolumePool: string };

/**
 * One libvirt host: its explicit provider, the storage pool (created or existing) and the
 * base image volumes its VMs are cloned from. Every libvirt resource of the site goes
 * through one of these providers; none uses an ambient `libvirt:uri`.
 *
 * A base image from a URL or a file becomes a Volume with that `source`: provider 0.8.1 opens
 * it on the machine running Pulumi (downloading a URL there) and uploads it over the
 * connection, once per hypervisor. An `existing` image is a volume already in a pool of the
 * hypervisor: nothing is created, uploaded or deleted, root volumes name it.
 */
export class Hypervisor extends pulumi.ComponentResource {
    public readonly name: string;
    /** libvirt domain type of its VMs: `kvm`, or `qemu` (software emulation) on a host without /dev/kvm. */
    public readonly domainType: "kvm" | "qemu";
    public readonly provider: libvirt.Provider;
    /** Pool name; resolves after the pool exists when the program creates it. */
    public readonly poolName: pulumi.Output<string>;
    /** The base volumes the program owns (images from a URL or a file), by image name. */
    public readonly baseImages: Record<string, libvirt.Volume>;
    private readonly existing: Record<string, { name: string; pool: string }>;

    constructor(name: string, args: HypervisorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:infra:Hypervisor", name, {}, opts);
        this.name = args.hypervisor.name;
        this.domainType = args.hypervisor.domainType;
        this.provider = new libvirt.Provider(`${name}-provider`, { uri: args.hypervisor.uri }, { parent: this });
        const child = { parent: this, provider: this.provider };

        const pool = args.site.storagePool;
        if (pool.create) {
            const created = new libvirt.Pool(`${name}-pool`, { name: pool.name, type: "dir", target: { path: pool.path } }, child);
            this.poolName = created.name;
        } else {
            this.poolName = pulumi.output(pool.name);
        }

        this.baseImages = {};
        this.existing = {};
        for (const image of [...new Set(args.imageNames)].sort()) {
            const spec = args.site.images[image];
            if (spec.existing !== undefined) {
                this.existing[image] = spec.existing;
                continue;
            }
            // A fixed volume name cannot exist twice in a pool: delete the old copy before
            // creating its replacement (FACTS: "exists already" otherwise).
            this.baseImages[image] = new libvirt.Volume(
                `${name}-image-${image}`,
                {
                    name: `${args.site.name}-${image}-base.qcow2`,
                    pool: this.poolName,
                    source: spec.source,
                    format: "qcow2",
                },
                { ...child, deleteBeforeReplace: true },
            );
        }

        this.registerOutputs({ poolName: this.poolName });
    }

    /** The Volume inputs a root volume clones image `name` with. */
    public baseImage(name: string): BaseImageRef {
        const existing = this.existing[name];
        if (existing !== undefined) {
            return { baseVolumeName: existing.name, baseVolumePool: existing.pool };
        }
        const owned = this.baseImages[name];
        if (owned === undefined) {
            throw new Error(`image '${name}' is not one of hypervisor ${this.name}'s images (${Object.keys(this.baseImages).join(", ")})`);
        }
        return { baseVolumeId: owned.id };
    }
}
