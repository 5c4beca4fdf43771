import * as pulumi from "@pulumi/pulumi";
import { allNodes, builds, Fingerprints, SiteConfig, Stage } from "../stacks";
import { AppStack } from "./apps";
import { Cluster, ClusterArgs } from "./cluster";
import { ControlPlane } from "./control-plane";
import { Director } from "./director";
import { Hypervisor } from "./hypervisor";
import { SiteSecrets } from "./secrets";
import { rebuildFingerprint } from "./vm";
import { NodePoolArgs } from "./nodes";
import { NodeInfo } from "./vm/group";
import { Workers } from "./workers";

/**
 * A whole site: its secrets, one Hypervisor per libvirt host, the director, the masters and
 * the workers, the kubeadm cluster on them, then its applications. Every resource of the
 * stack descends from it. A site that stops after an earlier stage (`stopAfter`) leaves out
 * what the later stages add, and only that: every resource it has is as in the whole site,
 * so raising `stopAfter` only adds resources.
 */
export class Site extends pulumi.ComponentResource {
    public readonly hypervisors: Record<string, Hypervisor>;
    public readonly secrets: SiteSecrets;
    public readonly director: Director;
    public readonly controlPlane: ControlPlane;
    public readonly workers: Workers;
    /** The kubeadm cluster; undefined on a site that stops before it. */
    public readonly cluster?: Cluster;
    /** The applications; undefined on a site that stops before them. */
    public readonly apps?: AppStack;

    constructor(name: string, config: SiteConfig, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:site:Site", name, {}, opts);
        const nodes = allNodes(config);
        const stage = (s: Stage): boolean => builds(config.stopAfter, s);

        this.secrets = new SiteSecrets(`${name}-secrets`, config, { parent: this });

        this.hypervisors = {};
        for (const hv of config.hypervisors) {
            const imageNames = nodes.filter((n) => n.hypervisor === hv.name).map((n) => n.image);
            this.hypervisors[hv.name] = new Hypervisor(`${name}-${hv.name}`, { site: config, hypervisor: hv, imageNames }, { parent: this });
        }

        this.director = new Director(`${name}-director`, { hypervisors: this.hypervisors, site: config, secrets: this.secrets, prepare: stage("prepared") }, { parent: this });
        const pool: NodePoolArgs = {
            hypervisors: this.hypervisors,
            site: config,
            director: { target: this.director.target, ready: this.director.ready },
            directorAccess: pulumi
                .all([this.secrets.registry.caCertPem, this.secrets.registry.password, this.secrets.opsKey.publicKey])
                .apply(([caCertPem, password, opsPublicKey]) => ({ caCertPem, password, opsPublicKey })),
        };
        this.controlPlane = new ControlPlane(`${name}-control-plane`, { ...pool, masters: config.masters }, { parent: this });
        this.workers = new Workers(`${name}-workers`, { ...pool, workers: config.workers }, { parent: this });
        if (stage("cluster")) {
            this.cluster = new Cluster(`${name}-cluster`, { site: config, secrets: this.secrets, ...this.prepared() }, { parent: this });
        }
        // Applications last, once every node is Ready, as at the reference site.
        if (this.cluster !== undefined && stage("apps")) {
            this.apps = new AppStack(
                `${name}-apps`,
                { site: config, kubeconfig: this.cluster.kubeconfig, ready: this.cluster.ready, registryPassword: this.secrets.registry.password },
                { parent: this },
            );
        }

        this.registerOutputs({});
    }

    /** The director and every node, prepared: what the cluster is built on. */
    private prepared(): Pick<ClusterArgs, "director" | "masters" | "workers"> {
        const [director, masters, workers] = [this.director, this.controlPlane.nodes, this.workers.nodes];
        if (!director.isPrepared() || masters === undefined || workers === undefined) {
            throw new Error("the cluster needs the director and every node prepared: stopAfter 'cluster' and later build them");
        }
        return { director, masters, workers };
    }

    /** Node names and addresses, shaped for stack outputs. */
    public get nodes(): { director: NodeInfo; masters: NodeInfo[]; workers: NodeInfo[] } {
        return { director: this.director.info, masters: this.controlPlane.masters, workers: this.workers.workers };
    }
}

/** Rebuild fingerprint of every node (director included), by hostname. */
export function nodeFingerprints(config: SiteConfig): Fingerprints {
    return Object.fromEntries(allNodes(config).map((n) => [n.hostname, rebuildFingerprint(n, config.images[n.image].source)]));
}

/**
 * Build the site described by `config`; what index.ts calls and what tests exercise.
 *
 * The Pulumi SDK records a stack trace for every promise it makes (for its leak report),
 * and the Pulumi CLI source-maps each one: with thousands of resources that was two thirds
 * of the evaluation time (200 workers: 12.6 s, 3.8 s without). Traces are turned off while
 * the graph is constructed and restored right after, so errors later keep theirs.
 */
export function buildSite(config: SiteConfig, opts?: pulumi.ComponentResourceOptions): Site {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return new Site(config.name, config, opts);
    } finally {
        Error.stackTraceLimit = limit;
    }
}
