/**
 * The project cannot silently go stale: every default version must be a maintained
 * Kubernetes minor on the day the tests run (the real date, not a fixture), and every pin
 * must support it.
 */
import * as assert from "assert";
import { profiles } from "../stacks";
import { checkVersionSupport } from "../stacks/compat";
import { kubeadmImages } from "../stacks/kubeadm-images";
import { CALICO, CHART_SUPPORT, DEFAULT_KUBERNETES_VERSION, HELM, inRange, KUBE_VIP, KUBERNETES_MINORS } from "../stacks/versions";
import { ConfigIssue, resolveSite } from "../stacks";
import { stackInput } from "./fixtures";

type Site = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function issuesFor(stack: string, edit: (site: Site) => void): ConfigIssue[] {
    const input = stackInput(stack);
    input.site = input.site ?? {};
    edit(input.site as Site);
    const result = resolveSite(input);
    assert.ok(!result.ok, "expected the configuration to be rejected");
    return result.issues;
}

function assertIssue(issues: ConfigIssue[], path: string, fragment: string): void {
    assert.ok(issues.some((i) => i.path === path && i.message.includes(fragment)), `no issue at ${path} containing ${fragment}; got:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`);
}

const minorOf = (v: string): number => Number(v.split(".")[1]);

describe("versions: maintained defaults and checked pins", () => {
    for (const [name, profile] of Object.entries(profiles)) {
        it(`${name}: the default Kubernetes version is not past its end of life today (${new Date().toISOString().slice(0, 10)})`, () => {
            const version = profile.site.cluster.kubernetesVersion;
            const entry = KUBERNETES_MINORS[minorOf(version)];
            assert.ok(entry !== undefined, `${version} is not a minor in stacks/versions.ts KUBERNETES_MINORS`);
            const eol = new Date(`${entry.eol}T23:59:59Z`);
            assert.ok(Date.now() <= eol.getTime(), `${version} reached its end of life on ${entry.eol}: move the default to a maintained minor (kubernetes.io/releases) and re-check every pin in stacks/versions.ts`);
        });
    }

    it("the default has kubeadm's images in the table (air-gapped sites can mirror it)", () => {
        assert.ok(kubeadmImages(DEFAULT_KUBERNETES_VERSION) !== undefined);
    });

    it("every pin the profiles use supports the default minor", () => {
        const minor = minorOf(DEFAULT_KUBERNETES_VERSION);
        assert.ok(inRange(minor, CALICO.kubernetes) && inRange(minor, KUBE_VIP.kubernetes) && inRange(minor, HELM.kubernetes));
        for (const [name, profile] of Object.entries(profiles)) {
            assert.deepStrictEqual(checkVersionSupport(profile.site.cluster, profile.site.apps), [], name);
            for (const [key, release] of Object.entries(profile.site.apps.releases).filter(([, r]) => r.enabled)) {
                const chart = "name" in release.chart ? release.chart.name : "oci" in release.chart ? release.chart.oci.split("/").pop() : undefined;
                assert.ok(CHART_SUPPORT[`${chart}@${release.version}`] !== undefined, `${name}: release ${key} (${chart}@${release.version}) has no checked Kubernetes range in CHART_SUPPORT`);
            }
        }
    });

    it("a Kubernetes minor the CNI or an enabled chart does not support is a config error", () => {
        // Calico 3.32 is tested up to 1.36
        assertIssue(issuesFor("dev", (s) => (s.cluster = { kubernetesVersion: "1.37.2" })), "kvm-k8s:site.cluster.kubernetesVersion", "1.37.2 is not supported by Calico 3.32");
        // ingress-nginx (retired) supports up to 1.35, consul-k8s 1.9 up to 1.34
        const issues = issuesFor("prod", (s) => (s.apps = { releases: { "ingress-nginx": { enabled: true }, consul: { enabled: true } } }));
        assertIssue(issues, "kvm-k8s:site.cluster.kubernetesVersion", "not supported by the 'ingress-nginx' release (chart ingress-nginx 4.15.1");
        assertIssue(issues, "kvm-k8s:site.cluster.kubernetesVersion", "not supported by the 'consul' release (chart consul 1.9.3");
    });
});
