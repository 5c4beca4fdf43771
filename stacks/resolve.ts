/**
 * Turns a stack's configuration, once validate.ts has passed it, into the `SiteConfig`
 * components build from: every node with its effective size and image and its NICs (each
 * with its MAC), the cluster with what its settings imply, the releases with the director
 * registry filled in and their install order.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConfigIssue } from "./issues";
import { defaultImage, NodeInput, ProfileName, SiteInput } from "./schema";
import { StackConfigInput, validateSite } from "./validate";
import { ClusterConfig, ImageSpec, NicSpec, NodeSpec, Role, SiteConfig } from "./types";
import { has } from "./objects";
import { parseCidr } from "./ipv4";
import { macNode, nicKey, siteMacs } from "./mac";
import { installOrder, needsNfsClient } from "./release-rules";
import { REGISTRY_PLACEHOLDER } from "./airgap";
import { kubeadmImages, sandboxImage } from "./kubeadm-images";

export type ResolveResult = { ok: true; site: SiteConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Validate a stack's configuration and resolve it into a `SiteConfig`. Returns every
 * problem found, never throws on bad input.
 */
export function resolveSite(input: StackConfigInput): ResolveResult {
    const valid = validateSite(input);
    if (!valid.ok) {
        return valid;
    }
    return { ok: true, site: resolveValidSite(valid.profile, valid.site, input.sshPrivateKey.value as string) };
}

function resolveValidSite(profile: ProfileName, site: SiteInput, privateKey: string): SiteConfig {
    const macs = assignMacs(site);
    return {
        profile,
        name: site.name,
        domain: site.domain,
        hypervisors: site.hypervisors,
        networks: site.networks,
        nodeNetwork: site.nodeNetwork,
        storagePool: site.storagePool,
        images: Object.fromEntries(Object.entries(site.images).map(([name, image]) => [name, resolveImage(site, image)])),
        access: {
            user: site.access.user,
            publicKey: site.access.publicKey,
            extraPublicKeys: site.access.extraPublicKeys,
            privateKey: pulumi.secret(privateKey),
        },
        director: resolveNode(site, "director", site.director, macs),
        masters: site.masters.map((n) => resolveNode(site, "master", n, macs)),
        workers: site.workers.map((n) => resolveNode(site, "worker", n, macs)),
        cluster: resolveCluster(site),
        apps: { releases: resolveReleases(site), order: installOrder(site.apps) },
        stopAfter: site.stopAfter,
    };
}

/** Every NIC's MAC, by nicKey: pinned ones kept, the rest derived and none shared (mac.ts). */
function assignMacs(site: SiteInput): Map<string, string> {
    const order = site.networks.map((n) => n.name);
    return siteMacs(site.name, [site.director, ...site.masters, ...site.workers].map((n) => macNode(n, order)));
}

function resolveNode(site: SiteInput, role: Role, node: NodeInput, macs: Map<string, string>): NodeSpec {
    const size = site.sizes[role];
    const hostname = `${site.name}-${node.name}`;
    return {
        role,
        name: node.name,
        hostname,
        fqdn: `${hostname}.${site.domain}`,
        hypervisor: node.hypervisor,
        image: node.image ?? defaultImage(role),
        vcpu: node.vcpu ?? size.vcpu,
        memoryMiB: node.memoryMiB ?? size.memoryMiB,
        diskGiB: node.diskGiB ?? size.diskGiB,
        nics: resolveNics(site, node, macs),
        address: node.addresses[site.nodeNetwork],
        rebuild: node.rebuild ?? 0,
    };
}

/** One NIC per network the node has an address on, in the site's network order. */
function resolveNics(site: SiteInput, node: NodeInput, macs: Map<string, string>): NicSpec[] {
    return site.networks
        .filter((net) => has(node.addresses, net.name))
        .map((net) => ({
            network: net.name,
            bridge: net.bridge,
            mac: macs.get(nicKey(node.name, net.name)) as string,
            address: node.addresses[net.name],
            prefix: parseCidr(net.cidr).prefix,
            gateway: net.gateway,
            dns: net.dns,
        }));
}

function resolveCluster(site: SiteInput): ClusterConfig {
    const { cluster } = site;
    const minor = Number(cluster.kubernetesVersion.split(".")[1]);
    const firstMaster = site.masters[0];
    // validation refused an air-gapped version without kubeadm images in the table
    const derived = cluster.airGapped ? (kubeadmImages(cluster.kubernetesVersion) ?? []) : [];
    return {
        ...cluster,
        sandboxImage: sandboxImage(cluster.kubernetesVersion),
        nodePackages: needsNfsClient(site.apps) ? ["nfs-common"] : [],
        minor,
        endpoint: {
            host: cluster.endpoint.vip ?? firstMaster.addresses[site.nodeNetwork],
            port: cluster.endpoint.port,
            ...(cluster.endpoint.vip !== undefined ? { vip: cluster.endpoint.vip, network: cluster.endpoint.network } : {}),
        },
        aptRepository: cluster.aptRepository.split("{minor}").join(`1.${minor}`),
        registry: {
            ...cluster.registry,
            host: `registry.${site.domain}`,
            address: site.director.addresses[site.nodeNetwork],
            mirrorImages: [...new Set([...derived, ...cluster.registry.mirrorImages])],
        },
    };
}

function resolveImage(site: SiteInput, image: SiteInput["images"][string]): ImageSpec {
    if ("url" in image) {
        return { source: image.url };
    }
    if ("file" in image) {
        return { source: image.file };
    }
    const pool = image.pool ?? site.storagePool.name;
    return { source: `volume:${pool}/${image.volume}`, existing: { name: image.volume, pool } };
}

/** Releases with `{registry}` in their chart reference pointing at the director registry. */
function resolveReleases(site: SiteInput): SiteInput["apps"]["releases"] {
    const registry = `registry.${site.domain}:${site.cluster.registry.port}`;
    const fill = (s: string): string => s.split(REGISTRY_PLACEHOLDER).join(registry);
    return Object.fromEntries(
        Object.entries(site.apps.releases).map(([key, release]) => {
            const { chart } = release;
            const resolved = "oci" in chart ? { oci: fill(chart.oci) } : "repo" in chart ? { ...chart, repo: fill(chart.repo) } : chart;
            return [key, { ...release, chart: resolved }];
        }),
    );
}
