/**
 * Base images under the mock engine: what the libvirt provider would be asked to read, upload
 * or clone. Provider 0.8.1 opens a Volume's `source` on the machine running Pulumi
 * (volume_image.go), so an image already on the hypervisor must be named, not sourced.
 */
import * as assert from "assert";
import { buildSite } from "../components/site";
import { allNodes, SiteConfig } from "../stacks";
import { stackSite } from "./fixtures";
import { record, Recording } from "./harness";

const VOLUME = "libvirt:index/volume:Volume";

const baseVolumes = (rec: Recording) => rec.ofType(VOLUME).filter((v) => String(v.inputs.name).endsWith("-base.qcow2"));

describe("base images (pulumi mocks)", () => {
    it("prod: root volumes clone the staged volume by name and pool; no base volume is created, nothing is uploaded", async () => {
        const site = stackSite("prod");
        const rec = await record(() => buildSite(site));
        assert.deepStrictEqual(baseVolumes(rec).map((v) => v.name), []);
        for (const node of allNodes(site)) {
            const root = rec.named(`${node.hostname}-root`, VOLUME).inputs;
            assert.strictEqual(root.baseVolumeName, "debian-12-genericcloud-amd64.qcow2", node.hostname);
            assert.strictEqual(root.baseVolumePool, "default", node.hostname);
            assert.strictEqual(root.baseVolumeId, undefined, node.hostname);
        }
        assert.ok(rec.ofType(VOLUME).every((v) => v.inputs.source === undefined), "no Volume reads a source where Pulumi runs");
    });

    it("a URL or a local file becomes one base volume per hypervisor that uses it; an existing volume sits beside them", async () => {
        const prod = stackSite("prod");
        const site: SiteConfig = {
            ...prod,
            images: {
                director: { source: "https://images.example/director.qcow2" },
                node: { source: "/srv/images/node.qcow2" },
                staged: { source: "volume:images/w.qcow2", existing: { name: "w.qcow2", pool: "images" } },
            },
            workers: prod.workers.map((w, i) => (i === 0 ? { ...w, image: "staged" } : w)),
        };
        const rec = await record(() => buildSite(site));
        const bases = Object.fromEntries(baseVolumes(rec).map((v) => [v.name, v.inputs.source]));
        assert.deepStrictEqual(bases, {
            "site1-svc-1-image-director": "https://images.example/director.qcow2",
            "site1-svc-1-image-node": "/srv/images/node.qcow2",
            "site1-svc-2-image-node": "/srv/images/node.qcow2",
            "site1-svc-3-image-node": "/srv/images/node.qcow2",
            "site1-svc-5-image-node": "/srv/images/node.qcow2",
            "site1-svc-6-image-node": "/srv/images/node.qcow2",
        });
        const staged = rec.named("site1-worker-1-root", VOLUME).inputs;
        assert.deepStrictEqual([staged.baseVolumeName, staged.baseVolumePool, staged.baseVolumeId], ["w.qcow2", "images", undefined]);
        assert.strictEqual(rec.named("site1-worker-2-root", VOLUME).inputs.baseVolumeId, "site1-svc-5-image-node-id");
    });
});
