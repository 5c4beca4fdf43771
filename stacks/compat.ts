/**
 * A Kubernetes version every pinned component supports: the cluster's minor must be one this
 * program builds (stacks/versions.ts KUBERNETES_MINORS), and inside the published range of
 * the CNI, kube-vip, Helm and every enabled platform chart whose pin is known.
 */
import { AppsInput, ClusterInput } from "./schema";
import type { ConfigIssue } from "./issues";
import { CALICO_SUPPORT, CHART_SUPPORT, describeRange, HELM, inRange, KUBE_VIP, KUBERNETES_MINORS, MinorRange, supportedMinors, UPGRADE_SOURCE_MINOR } from "./versions";

const VERSION_PATH = "kvm-k8s:site.cluster.kubernetesVersion";

function chartName(chart: AppsInput["releases"][string]["chart"]): string | undefined {
    if ("name" in chart) {
        return chart.name;
    }
    if ("oci" in chart) {
        return chart.oci.split("/").pop();
    }
    return undefined;
}

export function checkVersionSupport(cluster: Pick<ClusterInput, "kubernetesVersion" | "calico" | "kubeVip" | "helm">, apps: AppsInput | undefined): ConfigIssue[] {
    const version = cluster.kubernetesVersion;
    const minor = Number(version.split(".")[1]);
    const minors = supportedMinors();
    if (KUBERNETES_MINORS[minor] === undefined) {
        const hint = minor === UPGRADE_SOURCE_MINOR ? `1.${minor} reached its end of life; a deployed 1.${minor} cluster upgrades by setting a 1.${minor + 1} release` : `use a 1.${minors[0]} to 1.${minors[minors.length - 1]} release`;
        return [{ path: VERSION_PATH, message: `${version} is not supported; ${hint}` }];
    }
    const issues: ConfigIssue[] = [];
    const refuse = (what: string, range: MinorRange, fix: string): void => {
        issues.push({ path: VERSION_PATH, message: `${version} is not supported by ${what} (Kubernetes ${describeRange(range)}, stacks/versions.ts); ${fix}` });
    };
    const calicoMinor = /v(3\.\d+)\.\d+/.exec(cluster.calico.operatorManifest)?.[1];
    const calico = calicoMinor === undefined ? undefined : CALICO_SUPPORT[calicoMinor];
    if (calico !== undefined && !inRange(minor, calico)) {
        refuse(`Calico ${calicoMinor} (site.cluster.calico.operatorManifest)`, calico, "use a Kubernetes minor it supports or a Calico release that supports this one");
    }
    if (cluster.kubeVip.image === KUBE_VIP.image && !inRange(minor, KUBE_VIP.kubernetes)) {
        refuse(`kube-vip ${KUBE_VIP.image}`, KUBE_VIP.kubernetes, "use a kube-vip release that supports it");
    }
    if (cluster.helm.version === HELM.version && !inRange(minor, HELM.kubernetes)) {
        refuse(`Helm ${HELM.version}`, HELM.kubernetes, "use a Helm release built for this minor");
    }
    for (const [key, release] of Object.entries(apps?.releases ?? {})) {
        const name = chartName(release.chart);
        const pin = name === undefined ? undefined : CHART_SUPPORT[`${name}@${release.version}`];
        if (release.enabled && pin !== undefined && !inRange(minor, pin.kubernetes)) {
            refuse(`the '${key}' release (chart ${name} ${release.version}, ${pin.source})`, pin.kubernetes, `disable it (site.apps.releases.${key}.enabled: false), pin a chart version that supports this minor, or use a minor it supports`);
        }
    }
    return issues;
}
