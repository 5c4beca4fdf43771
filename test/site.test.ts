import * as assert from "assert";
import { buildSite } from "../components/site";
import { renderCloudInit } from "../components/vm";
import { allNodes, SiteConfig } from "../stacks";
import { stableMac } from "../stacks/mac";
import { PRIVATE_KEY_MARKER, stackSite } from "./fixtures";
import { mockHostKey, plainCopies, record, Recording, Registration } from "./harness";

const T = {
    provider: "pulumi:providers:libvirt",
    pool: "libvirt:index/pool:Pool",
    volume: "libvirt:index/volume:Volume",
    cloudInit: "libvirt:index/cloudInitDisk:CloudInitDisk",
    domain: "libvirt:index/domain:Domain",
    vm: "kvmk8s:vm:VirtualMachine",
    hypervisor: "kvmk8s:infra:Hypervisor",
};

function countByType(rec: Recording): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of rec.all) {
        counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
    return counts;
}

const build = (site: SiteConfig) => () => buildSite(site);

/** The site's generated secrets and PKI: one set per site, whatever its size. */
const SECRETS = {
    "kvmk8s:cluster:Secrets": 1,
    // the registry password (no join credential: each join mints its own on the director)
    "random:index/randomPassword:RandomPassword": 1,
    "tls:index/selfSignedCert:SelfSignedCert": 2,
    // registry and admin certificates
    "tls:index/certRequest:CertRequest": 2,
    "tls:index/locallySignedCert:LocallySignedCert": 2,
};

describe("site resource graph (pulumi mocks)", () => {
    const stacks: Record<string, { site: SiteConfig; rec: Recording }> = {};

    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const site = stackSite(stack);
            stacks[stack] = { site, rec: await record(build(site)) };
        }
    });

    describe("resource counts", () => {
        it("dev: one hypervisor, three VMs, no pool of its own (uses 'default')", () => {
            assert.deepStrictEqual(countByType(stacks.dev.rec), {
                "kvmk8s:site:Site": 1,
                [T.hypervisor]: 1,
                [T.provider]: 1,
                // director and node images are both fetched to hv1
                [T.volume]: 2 + 3,
                "kvmk8s:cluster:Director": 1,
                "kvmk8s:cluster:ControlPlane": 1,
                "kvmk8s:cluster:Workers": 1,
                [T.vm]: 3,
                [T.cloudInit]: 3,
                [T.domain]: 3,
                ...SECRETS,
                // a host key per VM, plus the cluster CA, registry CA, registry, admin and ops keys
                "tls:index/privateKey:PrivateKey": 3 + 5,
                // director prepare, 2 node prepares, init, 1 worker join, kubeconfig install,
                // Calico, roster, gate, upgrade, 2 memberships (join credentials; drain)
                "command:remote:Command": 14,
                "kvmk8s:cluster:Cluster": 1,
                // metrics-server (kube-system), ingress-nginx, local-path: two new namespaces
                "kvmk8s:apps:AppStack": 1,
                "pulumi:providers:kubernetes": 1,
                // metrics-server (kube-system) and local-path; ingress-nginx is off (retired upstream)
                "kubernetes:core/v1:Namespace": 1,
                "kubernetes:helm.sh/v3:Release": 2,
            });
        });

        it("prod: six hypervisors with a pool each, seven VMs cloned from images already on the hypervisors", () => {
            const { rec } = stacks.prod;
            assert.deepStrictEqual(countByType(rec), {
                "kvmk8s:site:Site": 1,
                [T.hypervisor]: 6,
                [T.provider]: 6,
                [T.pool]: 6,
                // root volumes only: the base images are volumes staged on each hypervisor, used by name
                [T.volume]: 7,
                "kvmk8s:cluster:Director": 1,
                "kvmk8s:cluster:ControlPlane": 1,
                "kvmk8s:cluster:Workers": 1,
                [T.vm]: 7,
                [T.cloudInit]: 7,
                [T.domain]: 7,
                ...SECRETS,
                "tls:index/privateKey:PrivateKey": 7 + 5,
                // director prepare, 6 node prepares, init, 2 master joins, 3 worker joins,
                // kubeconfig install, Calico, roster, gate, upgrade, 6 memberships
                "command:remote:Command": 30,
                "kvmk8s:cluster:Cluster": 1,
                // the platform set (local-path, ingress-nginx and consul off) plus the IoT broker
                "kvmk8s:apps:AppStack": 1,
                "pulumi:providers:kubernetes": 1,
                "kubernetes:core/v1:Namespace": 3,
                "kubernetes:helm.sh/v3:Release": 4,
            });
            assert.deepStrictEqual(rec.ofType(T.volume).filter((v) => String(v.inputs.name).endsWith("-base.qcow2")), []);
        });

        it("prod with images uploaded from files: base volumes only where they are used", async () => {
            const site = stackSite("prod");
            const files: SiteConfig = {
                ...site,
                images: { director: { source: "/srv/images/director.qcow2" }, node: { source: "/srv/images/node.qcow2" } },
            };
            const rec = await record(() => buildSite(files));
            assert.strictEqual(rec.ofType(T.volume).length, 7 + 7);
            const baseImages = rec.ofType(T.volume).filter((v) => String(v.inputs.name).endsWith("-base.qcow2"));
            // svc-1 holds the director and node images, svc-2..6 the node image
            assert.deepStrictEqual(baseImages.map((v) => v.name).sort(), [
                "site1-svc-1-image-director",
                "site1-svc-1-image-node",
                "site1-svc-2-image-node",
                "site1-svc-3-image-node",
                "site1-svc-4-image-node",
                "site1-svc-5-image-node",
                "site1-svc-6-image-node",
            ]);
            assert.deepStrictEqual([...new Set(baseImages.map((v) => v.inputs.source))].sort(), ["/srv/images/director.qcow2", "/srv/images/node.qcow2"]);
        });
    });

    for (const stack of ["dev", "prod"]) {
        describe(`${stack}: placement, parents and providers`, () => {
            it("every libvirt resource names an explicit provider, version 0.5.4", () => {
                const { rec } = stacks[stack];
                for (const r of rec.all.filter((x) => x.type.startsWith("libvirt:"))) {
                    assert.notStrictEqual(r.provider, "", `${r.name} would use the default provider`);
                    assert.strictEqual(rec.byUrn(r.provider).type, T.provider, r.name);
                    assert.strictEqual(r.version, "0.5.4", r.name);
                }
                for (const p of rec.ofType(T.provider)) {
                    assert.match(String(p.inputs.uri), /^qemu/, p.name);
                }
            });

            it("each VM's domain, root volume, cloud-init disk and base image sit on the VM's hypervisor", () => {
                const { rec, site } = stacks[stack];
                for (const node of allNodes(site)) {
                    const provider = `${site.name}-${node.hypervisor}-provider`;
                    const domain = rec.named(node.hostname, T.domain);
                    const root = rec.named(`${node.hostname}-root`, T.volume);
                    const disk = rec.named(`${node.hostname}-cloudinit`, T.cloudInit);
                    for (const r of [domain, root, disk]) {
                        assert.strictEqual(rec.providerName(r), provider, `${r.name} on ${rec.providerName(r)}`);
                    }
                    const existing = site.images[node.image].existing;
                    if (existing === undefined) {
                        // a base volume the program uploads or downloads once per hypervisor
                        assert.strictEqual(root.inputs.baseVolumeId, `${site.name}-${node.hypervisor}-image-${node.image}-id`);
                    } else {
                        // a volume already on the hypervisor, cloned by name: nothing uploaded
                        assert.deepStrictEqual([root.inputs.baseVolumeName, root.inputs.baseVolumePool, root.inputs.baseVolumeId], [existing.name, existing.pool, undefined]);
                    }
                    assert.strictEqual(rec.byUrn(rec.all.find((r) => r.name === `${site.name}-${node.hypervisor}-provider`)!.urn).inputs.uri, site.hypervisors.find((h) => h.name === node.hypervisor)!.uri);
                }
            });

            it("resources hang under their components: Site > group > VirtualMachine > libvirt resources", () => {
                const { rec, site } = stacks[stack];
                const groupOf = {
                    director: [`${site.name}-director`, "kvmk8s:cluster:Director"],
                    master: [`${site.name}-control-plane`, "kvmk8s:cluster:ControlPlane"],
                    worker: [`${site.name}-workers`, "kvmk8s:cluster:Workers"],
                };
                for (const node of allNodes(site)) {
                    const vm = rec.named(node.hostname, T.vm);
                    const [groupName, groupType] = groupOf[node.role];
                    const group = rec.named(groupName, groupType);
                    assert.strictEqual(vm.parent, group.urn, vm.name);
                    assert.strictEqual(rec.parentName(group), site.name);
                    for (const child of [rec.named(node.hostname, T.domain), rec.named(`${node.hostname}-root`), rec.named(`${node.hostname}-cloudinit`)]) {
                        assert.strictEqual(child.parent, vm.urn, child.name);
                    }
                }
                for (const hv of rec.ofType(T.hypervisor)) {
                    assert.strictEqual(rec.parentName(hv), site.name);
                }
                for (const r of [...rec.ofType(T.provider), ...rec.ofType(T.pool)]) {
                    assert.strictEqual(rec.byUrn(r.parent).type, T.hypervisor, r.name);
                }
                assert.strictEqual(rec.parentName(rec.named(site.name, "kvmk8s:site:Site")), undefined);
            });

            it("each domain: sizes, host CPU, no guest-agent reads, VNC on loopback, autostart, root + cloud-init disks, one bridged NIC per network with its stable MAC, a serial console", () => {
                const { rec, site } = stacks[stack];
                for (const node of allNodes(site)) {
                    const d = rec.named(node.hostname, T.domain).inputs;
                    assert.strictEqual(d.name, node.hostname);
                    assert.strictEqual(d.vcpu, node.vcpu);
                    assert.strictEqual(d.memory, node.memoryMiB);
                    assert.strictEqual(d.type, "kvm", "hardware virtualization unless a hypervisor says otherwise");
                    assert.deepStrictEqual(d.cpu, { mode: "host-passthrough" });
                    // provider 0.8.1 fails the create while the agent is not yet up (#1050)
                    assert.strictEqual(d.qemuAgent, false, `${node.hostname}: no Domain may depend on the guest agent answering`);
                    // never the provider's SPICE default, which RHEL 9-family QEMU rejects (#961)
                    assert.deepStrictEqual(d.graphics, { type: "vnc", listenType: "address", listenAddress: "127.0.0.1", autoport: true });
                    assert.strictEqual(d.autostart, true);
                    assert.strictEqual(d.running, true);
                    assert.deepStrictEqual(d.disks, [{ volumeId: `${node.hostname}-root-id` }]);
                    assert.strictEqual(d.cloudinit, `${node.hostname}-cloudinit-id`);
                    assert.deepStrictEqual(
                        d.networkInterfaces,
                        node.nics.map((nic) => ({ bridge: site.networks.find((n) => n.name === nic.network)!.bridge, mac: stableMac(site.name, node.name, nic.network), waitForLease: false })),
                    );
                    assert.deepStrictEqual(d.consoles, [{ type: "pty", targetType: "serial", targetPort: "0" }]);
                }
            });

            it("a hypervisor without /dev/kvm (domainType qemu): its domains are emulated, with QEMU's widest CPU model", async () => {
                const site = stackSite(stack);
                const emulated: SiteConfig = { ...site, hypervisors: site.hypervisors.map((h, i) => (i === 0 ? { ...h, domainType: "qemu" as const } : h)) };
                const rec = await record(() => buildSite(emulated));
                for (const node of allNodes(emulated)) {
                    const d = rec.named(node.hostname, T.domain).inputs;
                    const onFirst = node.hypervisor === emulated.hypervisors[0].name;
                    // host-passthrough fails to start under TCG
                    assert.deepStrictEqual([d.type, d.cpu], onFirst ? ["qemu", { mode: "maximum" }] : ["kvm", { mode: "host-passthrough" }], node.hostname);
                }
            });

            it("MACs are unique across the site", () => {
                const { rec } = stacks[stack];
                const macs = rec.ofType(T.domain).flatMap((d) => (d.inputs.networkInterfaces as { mac: string }[]).map((n) => n.mac));
                assert.strictEqual(new Set(macs).size, macs.length);
            });

            it("root volumes are sized qcow2 clones in the site pool; cloud-init disks carry the rendered documents", () => {
                const { rec, site } = stacks[stack];
                for (const node of allNodes(site)) {
                    const root = rec.named(`${node.hostname}-root`).inputs;
                    assert.deepStrictEqual(
                        { name: root.name, pool: root.pool, format: root.format, size: root.size },
                        { name: `${node.hostname}-root.qcow2`, pool: site.storagePool.name, format: "qcow2", size: node.diskGiB * 1024 ** 3 },
                    );
                    const rendered = renderCloudInit({ node, access: site.access, dnsDomain: site.domain }, mockHostKey(`${node.hostname}-host-key`));
                    const disk = rec.named(`${node.hostname}-cloudinit`).inputs;
                    assert.deepStrictEqual(disk, {
                        name: `${node.hostname}-cloudinit-${rendered.digest}.iso`,
                        pool: site.storagePool.name,
                        userData: rendered.userData,
                        networkConfig: rendered.networkConfig,
                        metaData: rendered.metaData,
                    });
                }
            });

            it("replacement rules: fixed-name volumes and domains are deleted before they are re-created; an identity change rebuilds the VM", () => {
                const { rec, site } = stacks[stack];
                for (const node of allNodes(site)) {
                    const root = rec.named(`${node.hostname}-root`);
                    assert.strictEqual(root.deleteBeforeReplace, true, root.name);
                    assert.strictEqual(root.replacementTrigger, renderCloudInit({ node, access: site.access, dnsDomain: site.domain }, mockHostKey("any")).identity);
                    assert.strictEqual(rec.named(node.hostname, T.domain).deleteBeforeReplace, true);
                    // the digest in its name lets the new disk be written beside the old one
                    assert.strictEqual(rec.named(`${node.hostname}-cloudinit`).deleteBeforeReplace, false);
                }
                for (const base of rec.ofType(T.volume).filter((v) => v.name.includes("-image-"))) {
                    assert.strictEqual(base.deleteBeforeReplace, true, base.name);
                }
            });
        });
    }

    it("base images: one qcow2 volume per image and hypervisor, from that image's source, in the site pool", async () => {
        const site = stackSite("prod");
        const distinct: SiteConfig = { ...site, images: { director: { source: "https://images.example/director.qcow2" }, node: { source: "/srv/node.qcow2" } } };
        const rec = await record(build(distinct));
        const base = (name: string) => rec.named(name).inputs;
        assert.deepStrictEqual(base("site1-svc-1-image-director"), { name: "site1-director-base.qcow2", pool: "kvm-k8s", source: "https://images.example/director.qcow2", format: "qcow2" });
        assert.deepStrictEqual(base("site1-svc-1-image-node"), { name: "site1-node-base.qcow2", pool: "kvm-k8s", source: "/srv/node.qcow2", format: "qcow2" });
        assert.deepStrictEqual(base("site1-svc-5-image-node"), { name: "site1-node-base.qcow2", pool: "kvm-k8s", source: "/srv/node.qcow2", format: "qcow2" });
    });

    it("prod: pools are created as dir pools at the configured path, and volumes wait for them", () => {
        const { rec } = stacks.prod;
        for (const pool of rec.ofType(T.pool)) {
            assert.deepStrictEqual(pool.inputs, { name: "kvm-k8s", type: "dir", target: { path: "/var/lib/libvirt/images/kvm-k8s" } });
        }
        for (const volume of rec.ofType(T.volume)) {
            const hv = rec.providerName(volume)!.replace(/-provider$/, "");
            const pool = rec.named(`${hv}-pool`);
            const vm = rec.parentName(volume);
            assert.ok(volume.dependencies.includes(pool.urn), `${volume.name} (${vm}) does not wait for ${pool.name}`);
        }
    });

    describe("what a change rebuilds", () => {
        const triggers = (rec: Recording) => Object.fromEntries(rec.ofType(T.volume).filter((v) => v.name.endsWith("-root")).map((v) => [v.name, v.replacementTrigger]));
        const isoNames = (rec: Recording) => Object.fromEntries(rec.ofType(T.cloudInit).map((d) => [d.name, d.inputs.name]));

        it("a new address rebuilds that VM only", async () => {
            const site = stackSite("prod");
            const changed: SiteConfig = { ...site, workers: site.workers.map((w, i) => (i === 1 ? { ...w, nics: w.nics.map((n) => (n.network === "storage" ? { ...n, address: "10.30.0.99" } : n)) } : w)) };
            const [before, after] = [triggers(stacks.prod.rec), triggers(await record(build(changed)))];
            const differing = Object.keys(before).filter((k) => before[k] !== after[k]);
            assert.deepStrictEqual(differing, ["site1-worker-2-root"]);
        });

        it("bumping a node's rebuild counter rebuilds that VM only", async () => {
            const site = stackSite("prod");
            const changed: SiteConfig = { ...site, masters: site.masters.map((m, i) => (i === 2 ? { ...m, rebuild: 1 } : m)) };
            const [before, after] = [triggers(stacks.prod.rec), triggers(await record(build(changed)))];
            assert.deepStrictEqual(Object.keys(before).filter((k) => before[k] !== after[k]), ["site1-master-3-root"]);
        });

        it("a new login key refreshes every cloud-init disk but rebuilds no VM (no site-wide rebuild, no etcd loss)", async () => {
            const site = stackSite("prod");
            const changed: SiteConfig = { ...site, access: { ...site.access, publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRotated ops@rotated" } };
            const rec = await record(build(changed));
            assert.deepStrictEqual(triggers(rec), triggers(stacks.prod.rec));
            const [before, after] = [isoNames(stacks.prod.rec), isoNames(rec)];
            assert.ok(Object.keys(before).every((k) => before[k] !== after[k]), "every cloud-init disk gets the new key");
        });
    });

    it("building twice gives byte-identical inputs and options for every resource (no clock, no randomness, stable order)", async () => {
        const snapshot = (rec: Recording) =>
            JSON.stringify(rec.all.map((r: Registration) => [r.type, r.name, r.parent, r.provider, r.dependencies, r.deleteBeforeReplace, r.replacementTrigger, r.wireInputs]));
        for (const stack of ["dev", "prod"]) {
            const again = await record(build(stackSite(stack)));
            assert.strictEqual(snapshot(again), snapshot(stacks[stack].rec), stack);
        }
    });

    it("preview registers the same resources as an update", async () => {
        const preview = await record(build(stackSite("prod")), { preview: true });
        assert.deepStrictEqual(preview.all.map((r) => r.urn).sort(), stacks.prod.rec.all.map((r) => r.urn).sort());
    });

    it("the SSH private key reaches resource inputs only as a secret", () => {
        for (const stack of ["dev", "prod"]) {
            for (const r of stacks[stack].rec.all) {
                assert.deepStrictEqual(plainCopies(r.wireInputs, PRIVATE_KEY_MARKER), [], `${r.name} carries the private key in plain text`);
            }
        }
    });
});
