import * as assert from "assert";
import { nodeFingerprints } from "../components/site";
import { checkLoginKeyChange, checkOneRebuildPerUpdate, checkStageChange, checkVersionChange, SiteConfig } from "../stacks";
import { stackSite } from "./fixtures";

describe("rollout guards (compared with the last deployment)", () => {
    const site = stackSite("prod");
    const base = nodeFingerprints(site);
    const withWorkers = (edit: (w: SiteConfig["workers"][number], i: number) => SiteConfig["workers"][number]): SiteConfig => ({ ...site, workers: site.workers.map(edit) });

    it("a node's fingerprint moves with what rebuilds it: size, image, hypervisor, addresses, rebuild counter", () => {
        const changed = (s: SiteConfig) => Object.keys(base).filter((k) => nodeFingerprints(s)[k] !== base[k]);
        assert.deepStrictEqual(changed(withWorkers((w, i) => (i === 0 ? { ...w, memoryMiB: w.memoryMiB * 2 } : w))), ["site1-worker-1"]);
        assert.deepStrictEqual(changed(withWorkers((w, i) => (i === 1 ? { ...w, rebuild: 1 } : w))), ["site1-worker-2"]);
        assert.deepStrictEqual(changed(withWorkers((w, i) => (i === 2 ? { ...w, hypervisor: "svc-1" } : w))), ["site1-worker-3"]);
        assert.deepStrictEqual(changed({ ...site, images: { ...site.images, node: { source: "/images/new.qcow2" } } }), [
            "site1-master-1", "site1-master-2", "site1-master-3", "site1-worker-1", "site1-worker-2", "site1-worker-3",
        ]);
        // site-wide content that does not rebuild VMs
        assert.deepStrictEqual(changed({ ...site, access: { ...site.access, publicKey: "ssh-ed25519 AAAAnew x" } }), []);
    });

    it("allows a first deployment, no change, one rebuild, additions and removals", () => {
        assert.deepStrictEqual(checkOneRebuildPerUpdate(undefined, base), []);
        assert.deepStrictEqual(checkOneRebuildPerUpdate(base, base), []);
        assert.deepStrictEqual(checkOneRebuildPerUpdate(base, { ...base, "site1-worker-1": "x" }), []);
        const { "site1-worker-2": _gone, "site1-worker-3": _alsoGone, ...fewer } = base;
        assert.deepStrictEqual(checkOneRebuildPerUpdate(base, { ...fewer, "site1-worker-9": "new", "site1-worker-8": "new" }), []);
    });

    it("refuses two or more rebuilds, naming them and the way forward", () => {
        const issues = checkOneRebuildPerUpdate(base, { ...base, "site1-worker-1": "x", "site1-master-2": "y" });
        assert.strictEqual(issues.length, 1);
        assert.strictEqual(issues[0].path, "kvm-k8s:site");
        assert.match(issues[0].message, /would rebuild 2 VMs at once \(site1-master-2, site1-worker-1\); rebuild one node per `pulumi up`/);
    });

    it("Kubernetes versions move up one minor (or a patch) at a time, never down", () => {
        assert.deepStrictEqual(checkVersionChange(undefined, "1.36.3"), []);
        assert.deepStrictEqual(checkVersionChange("1.36.1", "1.36.1"), []);
        assert.deepStrictEqual(checkVersionChange("1.36.1", "1.36.3"), []);
        assert.deepStrictEqual(checkVersionChange("1.36.3", "1.37.2"), []);
        // 1.34 (past its end of life) is accepted only as the cluster that moves to 1.35
        assert.deepStrictEqual(checkVersionChange("1.34.4", "1.35.4"), []);
        assert.match(checkVersionChange("1.35.4", "1.37.2")[0].message, /1\.37\.2 skips a minor version \(the cluster is at 1\.35\.4\); upgrade one minor at a time: set 1\.36\.x first/);
        assert.match(checkVersionChange("1.33.6", "1.35.4")[0].message, /upgrades from 1\.34 at the oldest: bring the cluster to 1\.34 with an earlier release of kvm-k8s first/);
        assert.match(checkVersionChange("1.36.3", "1.35.4")[0].message, /older than the deployed 1\.36\.3; kubeadm cannot downgrade/);
        assert.match(checkVersionChange("1.36.3", "1.36.1")[0].message, /older than the deployed/);
        assert.strictEqual(checkVersionChange("1.35.4", "1.37.2")[0].path, "kvm-k8s:site.cluster.kubernetesVersion");
    });

    it("stopAfter may stay or rise on a deployed stack, never fall", () => {
        assert.deepStrictEqual(checkStageChange(undefined, "vms"), [], "a first update, or one from before the stage was exported");
        assert.deepStrictEqual(checkStageChange("vms", "vms"), []);
        assert.deepStrictEqual(checkStageChange("vms", "apps"), []);
        assert.deepStrictEqual(checkStageChange("prepared", "cluster"), []);
        const [issue] = checkStageChange("apps", "prepared");
        assert.strictEqual(issue.path, "kvm-k8s:site.stopAfter");
        assert.strictEqual(
            issue.message,
            "'prepared' is an earlier stage than the deployed 'apps': this update would delete the cluster (each node drained and removed, etcd members with them), the Helm releases (uninstalled); set it back to 'apps' (stages only rise on a built site; `pulumi destroy` takes a site down)",
        );
        assert.strictEqual(checkStageChange("cluster", "vms").length, 1);
    });

    it("a new login key must already be accepted by the VMs: two updates, the next key in extraPublicKeys first", () => {
        const a = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyA a@laptop";
        const b = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyB b@laptop";
        const deployed = { publicKey: a, extraPublicKeys: [] };
        assert.deepStrictEqual(checkLoginKeyChange(undefined, { publicKey: b, extraPublicKeys: [] }, "apps"), [], "a first deployment");
        assert.deepStrictEqual(checkLoginKeyChange(deployed, deployed, "apps"), []);
        assert.deepStrictEqual(checkLoginKeyChange(deployed, { publicKey: `${a.split(" ").slice(0, 2).join(" ")} another-comment`, extraPublicKeys: [] }, "apps"), [], "only the comment changed");
        // step 1: the next key beside the current one; step 2: the next key as the login key
        assert.deepStrictEqual(checkLoginKeyChange(deployed, { publicKey: a, extraPublicKeys: [b] }, "apps"), []);
        assert.deepStrictEqual(checkLoginKeyChange({ publicKey: a, extraPublicKeys: [b] }, { publicKey: b, extraPublicKeys: [] }, "apps"), []);
        // a site that runs no remote command yet may change it at once
        assert.deepStrictEqual(checkLoginKeyChange(deployed, { publicKey: b, extraPublicKeys: [] }, "vms"), []);
        for (const stage of ["prepared", "cluster", "apps"] as const) {
            const [issue, ...more] = checkLoginKeyChange(deployed, { publicKey: b, extraPublicKeys: [] }, stage);
            assert.deepStrictEqual(more, []);
            assert.strictEqual(issue.path, "kvm-k8s:site.access.publicKey");
            assert.match(issue.message, /^the VMs do not accept this key yet \(the last update authorized only the previous login key\).*rotate in two updates.*extraPublicKeys/);
        }
        // a key authorized in the same update it becomes the login key is not accepted yet
        assert.strictEqual(checkLoginKeyChange(deployed, { publicKey: b, extraPublicKeys: [a] }, "apps").length, 1);
    });
});
