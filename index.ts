/**
 * kvm-k8s: one Kubernetes site on libvirt/KVM hypervisors. Thin on purpose: load and
 * validate the stack's configuration, refuse a change that would rebuild several nodes at
 * once, build the site, export what operators need.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildSite, nodeFingerprints } from "./components/site";
import { checkOneRebuildPerUpdate, ConfigError, Fingerprints, loadSiteConfig } from "./stacks";

/** The node fingerprints this stack exported last time, read through a reference to itself. */
async function previousFingerprints(): Promise<Fingerprints | undefined> {
    try {
        const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
        const details = await self.getOutputDetails("nodeFingerprints");
        return (details.value as Fingerprints | undefined) ?? undefined;
    } catch (err) {
        pulumi.log.warn(`could not read this stack's last node fingerprints (${String(err)}); the one-rebuild-per-update check is skipped`);
        return undefined;
    }
}

export = async () => {
    const config = loadSiteConfig();
    const fingerprints = nodeFingerprints(config);
    const issues = checkOneRebuildPerUpdate(await previousFingerprints(), fingerprints);
    if (issues.length > 0) {
        throw new ConfigError(issues);
    }
    const site = buildSite(config);
    return {
        siteName: config.name,
        profile: config.profile,
        director: site.nodes.director,
        masters: site.nodes.masters,
        workers: site.nodes.workers,
        controlPlaneEndpoint: `https://${config.cluster.endpoint.host}:${config.cluster.endpoint.port}`,
        /** Admin kubeconfig: a secret (`pulumi stack output --show-secrets kubeconfig`). */
        kubeconfig: site.cluster.kubeconfig,
        /** What each node was built from; the next update compares against it. */
        nodeFingerprints: fingerprints,
    };
};
