import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { SiteConfig } from "../../stacks";

export interface HypervisorArgs {
    site: Pick<SiteConfig, "name" | "storagePool" | "images">;
    hypervisor: { name: string; uri: string };
    /** Base images the VMs on this hypervisor are cloned from; only these are downloaded. */
    imageNames: string[];
}

/**
 * One libvirt host: its explicit provider, the storage pool (created or existing) and the
 * base image volumes its VMs are cloned from. Every libvirt resource of the site goes
 * through one of these providers; none uses an ambient `libvirt:uri`.
 */
export class Hypervisor extends pulumi.ComponentResource {
    public readonly name: string;
    public readonly provider: libvirt.Provider;
    /** Pool name; resolves after the pool exists when the program creates it. */
    public readonly poolName: pulumi.Output<string>;
    public readonly baseImages: Record<string, libvirt.Volume>;

    constructor(name: string, args: HypervisorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:infra:Hypervisor", name, {}, opts);
        this.name = args.hypervisor.name;
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
        for (const image of [...new Set(args.imageNames)].sort()) {
            // A fixed volume name cannot exist twice in a pool: delete the old copy before
            // creating its replacement (FACTS: "exists already" otherwise).
            this.baseImages[image] = new libvirt.Volume(
                `${name}-image-${image}`,
                {
                    name: `${args.site.name}-${image}-base.qcow2`,
                    pool: this.poolName,
                    source: args.site.images[image].source,
                    format: "qcow2",
                },
                { ...child, deleteBeforeReplace: true },
            );
        }

        this.registerOutputs({ poolName: this.poolName });
    }
}
