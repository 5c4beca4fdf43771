/**
 * The validated, resolved site: what components build from. Every node carries its
 * effective size, image and NICs, so components never look at defaults or profiles.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppsInput, ClusterInput, NetworkInput, ProfileName, Stage, stages } from "./schema";

export type Role = "director" | "master" | "worker";

export interface NicSpec {
    network: string;
    bridge: string;
    mac: string;
    address: string;
    /** Prefix length of the network, e.g. 24. */
    prefix: number;
    /** Set on the one network that carries the default route. */
    gateway?: string;
    dns: string[];
}

export interface NodeSpec {
    role: Role;
    /** Short name from config, e.g. `master-1`. */
    name: string;
    /** `<site>-<name>`: libvirt domain name and Linux hostname. */
    hostname: string;
    fqdn: string;
    hypervisor: string;
    image: string;
    vcpu: number;
    memoryMiB: number;
    diskGiB: number;
    /** In the order of the site's `networks` list. */
    nics: NicSpec[];
    /** Address on the site's node network (SSH, kubelet). */
    address: string;
    /** Operator's rebuild counter: bumping it rebuilds this VM. */
    rebuild: number;
}

export interface ClusterConfig extends Omit<ClusterInput, "endpoint" | "aptRepository" | "registry"> {
    /** Minor version, e.g. 31 for 1.31.4. */
    minor: number;
    endpoint: {
        /** Address clients use: the VIP, or the single master's node address. */
        host: string;
        port: number;
        /** Set when kube-vip holds the endpoint; `network` then names the masters' interface. */
        vip?: string;
        network?: string;
    };
    /** Apt repository with `{minor}` filled in. */
    aptRepository: string;
    registry: ClusterInput["registry"] & {
        /** `registry.<domain>`: the name nodes use, mapped to the director in /etc/hosts. */
        host: string;
        /** The director's node-network address. */
        address: string;
        /**
         * Everything the director copies in: on air-gapped sites kubeadm's images for
         * `kubernetesVersion` (derived, stacks/kubeadm-images.ts) first, then `mirrorImages`.
         */
        mirrorImages: string[];
    };
    /** containerd's sandbox image: the pause image kubeadm expects for this version. */
    sandboxImage: string;
    /** Extra Debian packages every node needs, e.g. `nfs-common` when an NFS-backed release is enabled. */
    nodePackages: string[];
}

/** A base image, resolved (see `imageSchema` for the three kinds). */
export interface ImageSpec {
    /**
     * For a base volume the program owns, what the libvirt provider reads: an http(s) URL it
     * downloads, or a path on the machine running Pulumi it uploads. For an `existing` volume,
     * `volume:<pool>/<name>`: only its identity in the nodes' rebuild fingerprints.
     */
    source: string;
    /** A volume already on the hypervisor: root volumes are cloned from it by name, nothing is uploaded. */
    existing?: { name: string; pool: string };
}

export interface SiteConfig {
    profile: ProfileName;
    name: string;
    domain: string;
    hypervisors: { name: string; uri: string; domainType: "kvm" | "qemu" }[];
    networks: NetworkInput[];
    nodeNetwork: string;
    storagePool: { name: string; create: boolean; path?: string };
    images: Record<string, ImageSpec>;
    access: {
        user: string;
        publicKey: string;
        /** Accepted beside publicKey (a rotation's next key). */
        extraPublicKeys: string[];
        /** Always a Pulumi secret. */
        privateKey: pulumi.Output<string>;
    };
    director: NodeSpec;
    masters: NodeSpec[];
    workers: NodeSpec[];
    cluster: ClusterConfig;
    apps: {
        releases: AppsInput["releases"];
        /** Enabled releases, each after what it depends on. */
        order: string[];
    };
    /** The last stage built (`stopAfter`); `apps` is the whole site. */
    stopAfter: Stage;
}

/** Whether a site that stops after `stopAfter` builds `stage`: it builds every stage up to its own. */
export function builds(stopAfter: Stage, stage: Stage): boolean {
    return stages.indexOf(stage) <= stages.indexOf(stopAfter);
}

/** Director first, then masters, then workers: the order every list of VMs follows. */
export function allNodes(site: SiteConfig): NodeSpec[] {
    return [site.director, ...site.masters, ...site.workers];
}
