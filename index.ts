/**
 * kvm-k8s: one Kubernetes site on libvirt/KVM hypervisors. Thin on purpose: load and
 * validate the stack's configuration, build the site, export what operators need.
 */
import { buildSite } from "./components/site";
import { loadSiteConfig } from "./stacks";

const config = loadSiteConfig();
const site = buildSite(config);

export const siteName = config.name;
export const profile = config.profile;
export const director = site.nodes.director;
export const masters = site.nodes.masters;
export const workers = site.nodes.workers;
/** Admin kubeconfig of the cluster: a secret (`pulumi stack output --show-secrets kubeconfig`). */
export const kubeconfig = site.cluster.kubeconfig;
export const controlPlaneEndpoint = `https://${config.cluster.endpoint.host}:${config.cluster.endpoint.port}`;
