/**
 * kvm-k8s: one Kubernetes site on libvirt/KVM hypervisors. Thin on purpose: load and
 * validate the stack's configuration, refuse a change that would rebuild several nodes at
 * once or skip a Kubernetes minor, build the site, export what operators need.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildSite, nodeFingerprints } from "./components/site";
import { checkLoginKeyChange, checkOneRebuildPerUpdate, checkStageChange, checkVersionChange, ConfigError, Fingerprints, LoginKeys, loadSiteConfig } from "./stacks";

/** What this stack exported last time, read through a reference to itself. */
async function previousDeployment(): Promise<{ fingerprints?: Fingerprints; kubernetesVersion?: string; stopAfter?: string; loginKeys?: LoginKeys }> {
    try {
        const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
        const [fingerprints, version, stopAfter, loginKeys] = await Promise.all(["nodeFingerprints", "kubernetesVersion", "stopAfter", "loginKeys"].map((o) => self.getOutputDetails(o)));
        return {
            fingerprints: fingerprints.value as Fingerprints | undefined,
            kubernetesVersion: version.value as string | undefined,
            stopAfter: stopAfter.value as string | undefined,
            loginKeys: loginKeys.value as LoginKeys | undefined,
        };
    } catch (err) {
        pulumi.log.warn(`could not read this stack's last outputs (${String(err)}); the one-rebuild, version-step, stage and login-key checks are skipped`);
        return {};
    }
}

export = async () => {
    const config = loadSiteConfig();
    const fingerprints = nodeFingerprints(config);
    const previous = await previousDeployment();
    const issues = [
        ...checkOneRebuildPerUpdate(previous.fingerprints, fingerprints),
        ...checkVersionChange(previous.kubernetesVersion, config.cluster.kubernetesVersion),
        ...checkStageChange(previous.stopAfter, config.stopAfter),
        ...checkLoginKeyChange(previous.loginKeys, config.access, config.stopAfter),
    ];
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
        /** Admin kubeconfig: a secret (`pulumi stack output --show-secrets kubeconfig`); only once the site has its cluster. */
        ...(site.cluster !== undefined ? { kubeconfig: site.cluster.kubeconfig } : {}),
        /** What each node was built from, the version and the stage: the next update compares against them. */
        nodeFingerprints: fingerprints,
        kubernetesVersion: config.cluster.kubernetesVersion,
        stopAfter: config.stopAfter,
        /** The public keys the VMs accept: a rotation is checked against them (stacks/rollout.ts). */
        loginKeys: { publicKey: config.access.publicKey, extraPublicKeys: config.access.extraPublicKeys },
    };
};
