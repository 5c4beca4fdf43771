import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { releaseNameOf, SiteConfig } from "../../stacks";
import { chartSource, releaseValues } from "./render";

export { chartSource, releaseValues, rewriteImageRegistries } from "./render";

/** Namespaces Kubernetes already has: never created, never deleted by this program. */
const BUILT_IN_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

export interface AppStackArgs {
    site: Pick<SiteConfig, "name" | "cluster" | "apps">;
    /** The admin kubeconfig (a secret). */
    kubeconfig: pulumi.Input<string>;
    /** The readiness gate: applications go on only once every node is Ready. */
    ready: pulumi.CustomResource;
    /** Pull credentials for the director registry (air-gapped sites). */
    registryPassword: pulumi.Input<string>;
}

/**
 * The Helm releases of the site's catalogue, last: through one Kubernetes provider built from
 * the cluster's kubeconfig, each after the readiness gate and after the releases it depends on.
 */
export class AppStack extends pulumi.ComponentResource {
    public readonly provider: k8s.Provider;
    public readonly releases: Record<string, k8s.helm.v3.Release>;

    constructor(name: string, args: AppStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:apps:AppStack", name, {}, opts);
        const { site } = args;
        const { releases, order } = site.apps;

        // The kubeconfig is handed over only once the readiness gate has run: pulumi-kubernetes
        // configures a provider as soon as its inputs are known, and if the API does not answer
        // then, it marks the cluster unreachable for the whole run and every create fails. The
        // gate's id resolves when its Command has finished, in this run.
        // clusterIdentifier: an unknown kubeconfig (the first preview) must not plan the
        // replacement of the provider and so of everything it manages.
        const kubeconfig = pulumi.all([args.kubeconfig, args.ready.id]).apply(([config]) => config);
        this.provider = new k8s.Provider(
            `${name}-kubernetes`,
            { kubeconfig: pulumi.secret(kubeconfig), clusterIdentifier: site.name },
            { parent: this },
        );
        const child = { parent: this, provider: this.provider };

        const namespaces = new Map<string, k8s.core.v1.Namespace>();
        for (const key of order) {
            const ns = releases[key].namespace;
            if (!BUILT_IN_NAMESPACES.has(ns) && !namespaces.has(ns)) {
                namespaces.set(ns, new k8s.core.v1.Namespace(`${name}-ns-${ns}`, { metadata: { name: ns } }, { ...child, dependsOn: [args.ready] }));
            }
        }

        this.releases = {};
        const registry = `${site.cluster.registry.host}:${site.cluster.registry.port}`;
        for (const key of order) {
            const release = releases[key];
            const source = chartSource(release, site.cluster);
            const repositoryOpts: k8s.types.input.helm.v3.RepositoryOpts | undefined =
                source.repo !== undefined
                    ? { repo: source.repo }
                    : // the director registry authenticates every pull, air-gapped site or not
                      source.chart.startsWith(`oci://${registry}/`)
                      ? { username: site.cluster.registry.user, password: pulumi.secret(args.registryPassword) }
                      : undefined;
            const namespace = namespaces.get(release.namespace);
            this.releases[key] = new k8s.helm.v3.Release(
                `${name}-${key}`,
                {
                    // fixed, so a re-run finds the same release instead of installing another
                    name: releaseNameOf(key, release),
                    chart: source.chart,
                    version: release.version,
                    repositoryOpts,
                    namespace: release.namespace,
                    values: releaseValues(release, site.cluster),
                    timeout: release.timeoutSeconds,
                    skipAwait: !release.wait,
                    atomic: false,
                    cleanupOnFail: true,
                    maxHistory: 10,
                },
                {
                    ...child,
                    // a renamed or moved release must give up its cluster-scoped objects
                    // (ClusterRoles, webhooks, CRDs) before its successor claims them
                    deleteBeforeReplace: true,
                    dependsOn: [
                        args.ready,
                        ...(namespace !== undefined ? [namespace] : []),
                        ...release.dependsOn.map((dep) => this.releases[dep]),
                    ],
                },
            );
        }

        this.registerOutputs({ releases: order });
    }
}
