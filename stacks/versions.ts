/**
 * The Kubernetes versions this program builds and the versions of everything it pins, each
 * with the Kubernetes minors its upstream supports, kept as data next to the pin so that
 * validation can refuse a combination upstream does not support, and a test can fail the
 * day a default goes past its end of life (test/versions.test.ts compares with today).
 *
 * Checked 2026-12-01. Sources are named on each entry; "docs" are the vendors' own pages,
 * found through the project's reference search; kubeadm facts were read from
 * `k8s.io/kubernetes` source at the named tags (proxy.golang.org).
 */

/** A range of Kubernetes minors, both ends included (`to` undefined: upstream publishes no upper bound). */
export interface MinorRange {
    from: number;
    to?: number;
}

/**
 * Kubernetes minors and their end of life (kubernetes.io/releases, 2026-12). Only these can be
 * configured; kubeadm renders `kubeadm.k8s.io/v1beta4` for all of them (v1beta3 was removed in
 * kubeadm 1.37, `v1` appeared there but v1beta4 stays the preferred version: 1.37.2
 * cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go).
 */
export const KUBERNETES_MINORS: Record<number, { eol: string }> = {
    35: { eol: "2027-02-28" },
    36: { eol: "2027-06-28" },
    37: { eol: "2027-10-28" },
};

/**
 * The minor a deployed cluster may be upgraded FROM but not configured at: 1.34 ended
 * 2026-10-27, so a stack may only move off it, one minor up, to 1.35.
 */
export const UPGRADE_SOURCE_MINOR = 34;

/**
 * The default: the newest patch of 1.36 that exists (`go list -m -versions k8s.io/kubernetes`:
 * 1.35.4, 1.36.1, 1.36.3, 1.37.2), whose kubeadm images are in stacks/kubeadm-images.ts. Not
 * 1.37.2: Calico 3.32 and cert-manager 1.21 below are not supported on 1.37 yet.
 */
export const DEFAULT_KUBERNETES_VERSION = "1.36.3";

export function supportedMinors(): number[] {
    return Object.keys(KUBERNETES_MINORS).map(Number).sort((a, b) => a - b);
}

export function inRange(minor: number, range: MinorRange): boolean {
    return minor >= range.from && (range.to === undefined || minor <= range.to);
}

export function describeRange(range: MinorRange): string {
    return range.to === undefined ? `1.${range.from} and later` : range.from === range.to ? `1.${range.from}` : `1.${range.from} to 1.${range.to}`;
}

/**
 * Calico through the Tigera operator. v3.32.1 with operator v1.42.4: the operator's release
 * page (github.com/tigera/operator/releases/tag/v1.42.4, 2026-07-04) names "Calico version:
 * v3.32.1". Calico 3.32 is tested on Kubernetes 1.34 to 1.36 (Tigera's versioned requirements
 * page; 3.33 covers 1.35 to 1.37, but no operator tag for a 3.33 patch could be verified here).
 */
export const CALICO = {
    version: "v3.32.1",
    operator: "v1.42.4",
    kubernetes: { from: 34, to: 36 } as MinorRange,
};

/** Kubernetes support of Calico minors, for a site that pins its own operator manifest. */
export const CALICO_SUPPORT: Record<string, MinorRange> = {
    "3.31": { from: 32, to: 35 },
    "3.32": { from: 34, to: 36 },
    "3.33": { from: 35, to: 37 },
};

/** Every image the operator deploys for `CALICO` (Calico's component-versions page lists them). */
export function calicoImages(calico: { version: string; operator: string } = CALICO): string[] {
    const components = ["cni", "node", "kube-controllers", "typha", "pod2daemon-flexvol", "csi", "node-driver-registrar", "apiserver"];
    return [`quay.io/tigera/operator:${calico.operator}`, ...components.map((c) => `docker.io/calico/${c}:${calico.version}`)];
}

/**
 * kube-vip v1.2.3 (github.com/kube-vip/kube-vip/releases/tag/v1.2.3, 2026-08; built with
 * client-go 0.36.3). kube-vip publishes no Kubernetes support matrix; it uses only Leases and
 * Services, stable since 1.14, so no upper bound is claimed. Since 1.29 it needs
 * super-admin.conf during `kubeadm init` (kube-vip#684, handled in init-control-plane.sh).
 */
export const KUBE_VIP = { image: "ghcr.io/kube-vip/kube-vip:v1.2.3", kubernetes: { from: 29 } as MinorRange };

/**
 * Helm v4.3.2, the newest release the Go module proxy lists (`go list -m -versions
 * helm.sh/helm/v4`: ... v4.3.0 v4.3.1 v4.3.2); its go.mod builds against k8s.io/client-go
 * v0.37.2, and `helm version --template` (prepare-director.sh) is still there
 * (pkg/cmd/version.go). Helm's skew policy (helm.sh/docs/topics/version_skew): a Helm 4 built
 * against 1.N supports 1.N down to 1.N-3, so 1.34 to 1.37. Helm 3 got its last security
 * fixes in 2026-11.
 */
export const HELM = { version: "v4.3.2", kubernetes: { from: 34, to: 37 } as MinorRange };

/**
 * Kubernetes support of each platform chart pin, keyed `<chart name>@<version>`. A release
 * whose chart and version match an entry is checked against the cluster's minor; a site that
 * pins another version takes the responsibility for it.
 */
export const CHART_SUPPORT: Record<string, { kubernetes: MinorRange; source: string }> = {
    // chart 3.14.0 (2026-08-26) ships metrics-server 0.8.x built with Kubernetes 1.36.2
    // libraries; its README's compatibility matrix: metrics.k8s.io/v1beta1, Kubernetes 1.19+
    "metrics-server@3.14.0": { kubernetes: { from: 19 }, source: "github.com/kubernetes-sigs/metrics-server README and releases" },
    // the final release: ingress-nginx was retired 2026-03-24 (repository archived at
    // controller-v1.15.1 / helm-chart-4.15.1, 2026-03-19); its support table ends at 1.35
    "ingress-nginx@4.15.1": { kubernetes: { from: 31, to: 35 }, source: "github.com/kubernetes/ingress-nginx README (archived)" },
    // cert-manager 1.21: supported on Kubernetes 1.33 to 1.36 (cert-manager.io/docs/releases)
    "cert-manager@v1.21.2": { kubernetes: { from: 33, to: 36 }, source: "cert-manager.io/docs/releases" },
    // containeroo's chart of rancher/local-path-provisioner: core/v1 and storage.k8s.io/v1 only,
    // no published range (no newer chart release could be verified here)
    "local-path-provisioner@0.0.32": { kubernetes: { from: 20 }, source: "github.com/containeroo/helm-charts (chart kubeVersion)" },
    // the last chart release (2023); its kubeVersion is ">=1.9.0-0", the project is inactive
    "nfs-subdir-external-provisioner@4.0.18": { kubernetes: { from: 9 }, source: "github.com/kubernetes-sigs/nfs-subdir-external-provisioner Chart.yaml" },
    // consul-k8s 1.9.x (Consul 1.22): Kubernetes 1.30 to 1.34 (developer.hashicorp.com/consul/docs/k8s/compatibility)
    "consul@1.9.3": { kubernetes: { from: 30, to: 34 }, source: "developer.hashicorp.com/consul/docs/k8s/compatibility" },
    // EMQX 5.8, the last Apache-2.0 line; its chart asks for Kubernetes 1.6+ (docs.emqx.com)
    "emqx@5.8.3": { kubernetes: { from: 6 }, source: "docs.emqx.com deploy/kubernetes/chart" },
};
