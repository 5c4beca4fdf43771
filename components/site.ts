import * as pulumi from "@pulumi/pulumi";
import { allNodes, SiteConfig } from "../stacks";
import { ControlPlane } from "./control-plane";
import { Director } from "./director";
import { Hypervisor } from "./hypervisor";
import { Workers } from "./workers";
import { NodeInfo } from "./vm/group";

/**
 * A whole site: one Hypervisor per libvirt host, then the director, the masters and the
 * workers. Every resource of the stack is a descendant of this component.
 */
export class Site extends pulumi.ComponentResource {
    public readonly hypervisors: Record<string, Hypervisor>;
    public readonly director: Director;
    public readonly controlPlane: ControlPlane;
    public readonly workers: Workers;

    constructor(name: string, config: SiteConfig, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:site:Site", name, {}, opts);
        const nodes = allNodes(config);

        this.hypervisors = {};
        for (const hv of config.hypervisors) {
            const imageNames = nodes.filter((n) => n.hypervisor === hv.name).map((n) => n.image);
            this.hypervisors[hv.name] = new Hypervisor(`${name}-${hv.name}`, { site: config, hypervisor: hv, imageNames }, { parent: this });
        }

        const group = { hypervisors: this.hypervisors, access: config.access, domain: config.domain };
        this.director = new Director(`${name}-director`, { ...group, node: config.director }, { parent: this });
        this.controlPlane = new ControlPlane(`${name}-control-plane`, { ...group, masters: config.masters }, { parent: this });
        this.workers = new Workers(`${name}-workers`, { ...group, workers: config.workers }, { parent: this });

        this.registerOutputs({});
    }

    /** Node names and addresses, shaped for stack outputs. */
    public get nodes(): { director: NodeInfo; masters: NodeInfo[]; workers: NodeInfo[] } {
        return { director: this.director.info, masters: this.controlPlane.masters, workers: this.workers.workers };
    }
}

/** Build the site described by `config`; what index.ts calls and what tests exercise. */
export function buildSite(config: SiteConfig, opts?: pulumi.ComponentResourceOptions): Site {
    return new Site(config.name, config, opts);
}
