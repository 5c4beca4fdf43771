import * as assert from "assert";
import { spawnSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigIssue, loadSiteConfig, resolveSite, StackConfigInput } from "../stacks";
import { PRIVATE_KEY_MARKER, readStackFile, resolveOrThrow, ROOT, stackInput, stackSite, TEST_PRIVATE_KEY } from "./fixtures";

type Site = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Resolve `stack` with `edit` applied to its site overrides, expecting failure; return the issues. */
function issuesFor(stack: string, edit: (site: Site, input: StackConfigInput) => void): ConfigIssue[] {
    const input = stackInput(stack);
    input.site = input.site ?? {};
    edit(input.site as Site, input);
    const result = resolveSite(input);
    assert.ok(!result.ok, "expected the configuration to be rejected");
    return result.issues;
}

/** `stack`'s input with `edit` applied to its site overrides. */
function withSite(stack: string, edit: (site: Site) => void): StackConfigInput {
    const input = stackInput(stack);
    input.site = input.site ?? {};
    edit(input.site as Site);
    return input;
}

function assertIssue(issues: ConfigIssue[], path: string, fragment: string | RegExp): void {
    const match = issues.find((i) => i.path === path && (typeof fragment === "string" ? i.message.includes(fragment) : fragment.test(i.message)));
    assert.ok(match, `no issue at ${path} matching ${fragment}; got:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`);
}

const prodMasters = (hypervisors: string[]): Site[] =>
    hypervisors.map((hv, i) => ({
        name: `master-${i + 1}`,
        hypervisor: hv,
        addresses: { internal: `10.10.0.${11 + i}`, services: `10.20.0.${11 + i}`, storage: `10.30.0.${11 + i}` },
    }));

describe("site configuration", () => {
    describe("committed stack files", () => {
        it("dev resolves to a director, one master and one worker on one hypervisor", () => {
            const site = stackSite("dev");
            assert.strictEqual(site.profile, "dev");
            assert.deepStrictEqual(site.hypervisors.map((h) => h.name), ["hv1"]);
            assert.deepStrictEqual(
                [site.director, ...site.masters, ...site.workers].map((n) => [n.hostname, n.hypervisor]),
                [["dev-director", "hv1"], ["dev-master-1", "hv1"], ["dev-worker-1", "hv1"]],
            );
        });

        it("prod resolves to the reference site: 3 masters on svc-1..3, 3 workers on svc-4..6, three NICs each", () => {
            const site = stackSite("prod");
            assert.strictEqual(site.profile, "prod");
            assert.deepStrictEqual(site.masters.map((m) => m.hypervisor), ["svc-1", "svc-2", "svc-3"]);
            assert.deepStrictEqual(site.workers.map((w) => w.hypervisor), ["svc-4", "svc-5", "svc-6"]);
            for (const node of [site.director, ...site.masters, ...site.workers]) {
                assert.deepStrictEqual(node.nics.map((n) => n.network), ["internal", "services", "storage"], node.hostname);
                assert.ok(node.vcpu >= 2 && node.memoryMiB >= 4096, `${node.hostname} is below 2 vCPU / 4 GiB`);
            }
            assert.strictEqual(site.masters[0].hostname, "site1-master-1");
            assert.strictEqual(site.masters[0].fqdn, "site1-master-1.site1.kvm-k8s.internal");
        });

        it("no stack file carries the private key in plain text", () => {
            for (const stack of ["dev", "prod"]) {
                assert.strictEqual(readStackFile(stack).sshPrivateKey, undefined, `Pulumi.${stack}.yaml`);
            }
        });

        it("a stack file without the secret key set yet is rejected with the command that sets it", () => {
            const input = stackInput("dev");
            input.sshPrivateKey = { value: undefined, secret: false };
            const result = resolveSite(input);
            assert.ok(!result.ok);
            assert.deepStrictEqual(result.issues.map((i) => i.path), ["kvm-k8s:sshPrivateKey"]);
            assert.match(result.issues[0].message, /pulumi config set --secret kvm-k8s:sshPrivateKey/);
        });

        it("the private key comes out of resolution as a Pulumi secret", async () => {
            const site = stackSite("dev");
            assert.strictEqual(await pulumi.isSecret(site.access.privateKey), true);
        });
    });

    describe("overrides", () => {
        it("objects merge key by key over the profile", () => {
            const input = stackInput("prod");
            (input.site as Site).sizes = { worker: { memoryMiB: 32768 } };
            const site = stackSite("prod");
            const resolved = resolveSite(input);
            assert.ok(resolved.ok);
            assert.strictEqual(resolved.site.workers[0].memoryMiB, 32768);
            assert.strictEqual(resolved.site.workers[0].vcpu, site.workers[0].vcpu, "vcpu kept from the profile");
        });

        it("lists replace, so removing a worker is removing its entry", () => {
            const input = stackInput("prod");
            (input.site as Site).workers = [{ name: "worker-1", hypervisor: "svc-4", addresses: { internal: "10.10.0.21" } }];
            const resolved = resolveSite(input);
            assert.ok(resolved.ok, resolved.ok ? "" : JSON.stringify(resolved.issues));
            assert.deepStrictEqual(resolved.site.workers.map((w) => w.name), ["worker-1"]);
            assert.deepStrictEqual(resolved.site.workers[0].nics.map((n) => n.network), ["internal"]);
        });

        it("a node may override its role's size", () => {
            const input = stackInput("prod");
            (input.site as Site).masters = prodMasters(["svc-1", "svc-2", "svc-3"]);
            (input.site as Site).masters[2].memoryMiB = 12288;
            const resolved = resolveSite(input);
            assert.ok(resolved.ok);
            assert.deepStrictEqual(resolved.site.masters.map((m) => m.memoryMiB), [8192, 8192, 12288]);
        });

        it("NICs follow the order of the site's networks, whatever the order of a node's addresses", () => {
            const input = stackInput("prod");
            (input.site as Site).workers = [{ name: "worker-1", hypervisor: "svc-4", addresses: { storage: "10.30.0.21", internal: "10.10.0.21", services: "10.20.0.21" } }];
            const resolved = resolveSite(input);
            assert.ok(resolved.ok);
            assert.deepStrictEqual(resolved.site.workers[0].nics.map((n) => n.network), ["internal", "services", "storage"]);
        });

        it("removing a worker in the middle leaves the others' names, addresses and MACs alone", () => {
            const before = stackSite("prod");
            const input = stackInput("prod");
            (input.site as Site).workers = [1, 3].map((i) => ({ name: `worker-${i}`, hypervisor: `svc-${3 + i}`, addresses: { internal: `10.10.0.2${i}`, services: `10.20.0.2${i}`, storage: `10.30.0.2${i}` } }));
            const resolved = resolveSite(input);
            assert.ok(resolved.ok);
            assert.deepStrictEqual(resolved.site.workers, [before.workers[0], before.workers[2]]);
        });

        it("a pinned MAC replaces the derived one on that network only", () => {
            const input = stackInput("prod");
            (input.site as Site).director = { macs: { services: "52:54:00:00:00:10" } };
            const resolved = resolveSite(input);
            assert.ok(resolved.ok);
            const derived = stackSite("prod").director.nics.map((n) => n.mac);
            assert.deepStrictEqual(resolved.site.director.nics.map((n) => n.mac), [derived[0], "52:54:00:00:00:10", derived[2]]);
        });

        it("dev allows several masters on its one hypervisor", () => {
            const input = stackInput("dev");
            (input.site as Site).masters = [11, 12, 13].map((h, i) => ({ name: `master-${i + 1}`, hypervisor: "hv1", addresses: { internal: `192.168.100.${h}` } }));
            (input.site as Site).cluster = { endpoint: { vip: "192.168.100.5", network: "internal" } };
            const resolved = resolveSite(input);
            assert.ok(resolved.ok, resolved.ok ? "" : JSON.stringify(resolved.issues));
            assert.deepStrictEqual(resolved.site.cluster.endpoint, { host: "192.168.100.5", port: 6443, vip: "192.168.100.5", network: "internal" });
        });
    });

    describe("bad input: every problem names its config path and the fix", () => {
        const cases: { what: string; stack: string; edit: (site: Site, input: StackConfigInput) => void; path: string; says: string | RegExp }[] = [
            { what: "unknown key in a node", stack: "prod", edit: (s) => (s.workers = [{ name: "worker-1", hypervisor: "svc-4", addresses: { internal: "10.10.0.21" }, cpus: 4 }]), path: "kvm-k8s:site.workers[0].cpus", says: "unknown key; remove it" },
            { what: "unknown top-level key", stack: "dev", edit: (s) => (s.sitename = "x"), path: "kvm-k8s:site.sitename", says: "unknown key" },
            { what: "wrong type for a size", stack: "prod", edit: (s) => (s.sizes = { master: { memoryMiB: "8G" } }), path: "kvm-k8s:site.sizes.master.memoryMiB", says: 'must be a whole number of MiB, e.g. 4096; got string "8G"' },
            { what: "a list given as a string", stack: "dev", edit: (s) => (s.workers = "worker-1"), path: "kvm-k8s:site.workers", says: 'expected an array, got string "worker-1"' },
            { what: "fractional vCPU", stack: "dev", edit: (s) => (s.sizes = { worker: { vcpu: 1.5 } }), path: "kvm-k8s:site.sizes.worker.vcpu", says: "whole number" },
            { what: "site overrides not an object", stack: "dev", edit: (_s, input) => (input.site = "lab"), path: "kvm-k8s:site", says: "expected an object of overrides" },
            { what: "unknown profile", stack: "dev", edit: (_s, input) => (input.profile = "staging"), path: "kvm-k8s:profile", says: "'staging' is not a profile; set one of dev, prod" },
            { what: "no profile (a site file must not silently become dev)", stack: "prod", edit: (_s, input) => (input.profile = undefined), path: "kvm-k8s:profile", says: "missing; set one of dev, prod" },
            { what: "site overrides set to null", stack: "dev", edit: (_s, input) => (input.site = null), path: "kvm-k8s:site", says: "expected an object of overrides, got null" },
            { what: "unknown key in a network", stack: "dev", edit: (s) => (s.networks = [{ name: "internal", bridge: "br0", cidr: "192.168.100.0/24", mtu: 9000 }]), path: "kvm-k8s:site.networks[0].mtu", says: "unknown key" },
            { what: "unknown key in a size", stack: "dev", edit: (s) => (s.sizes = { worker: { ram: 4096 } }), path: "kvm-k8s:site.sizes.worker.ram", says: "unknown key" },
            { what: "an image name that is not a DNS label", stack: "dev", edit: (s) => (s.images = { Node_2: { source: "/images/n.qcow2" } }), path: "kvm-k8s:site.images.Node_2", says: "is not a valid name here; use a lowercase DNS label" },
            { what: "an image named like an Object builtin", stack: "dev", edit: (s) => (s.director = { image: "constructor" }), path: "kvm-k8s:site.director.image", says: "'constructor' is not an image of this site" },
            { what: "a network name too long to name an interface", stack: "dev", edit: (s) => (s.networks = [{ name: "internal-traffic", bridge: "br0", cidr: "192.168.100.0/24" }]), path: "kvm-k8s:site.networks[0].name", says: "at most 15 characters" },
            { what: "a DNS server that is not IPv4", stack: "dev", edit: (s) => (s.networks = [{ name: "internal", bridge: "br0", cidr: "192.168.100.0/24", dns: ["dns.example"] }]), path: "kvm-k8s:site.networks[0].dns[0]", says: "must be an IPv4 address" },
            { what: "duplicate hypervisor names", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu:///system" }, { name: "hv1", uri: "qemu+ssh://root@hv2/system" }]), path: "kvm-k8s:site.hypervisors[1].name", says: "'hv1' is listed twice" },
            { what: "one libvirt host listed twice", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@hv1/system" }, { name: "hv2", uri: "qemu+ssh://root@hv1/system" }]), path: "kvm-k8s:site.hypervisors[1].uri", says: "is also the URI of 'hv1'" },
            { what: "duplicate network names", stack: "dev", edit: (s) => (s.networks = [{ name: "internal", bridge: "br0", cidr: "192.168.100.0/24" }, { name: "internal", bridge: "br1", cidr: "192.168.200.0/24" }]), path: "kvm-k8s:site.networks[1].name", says: "'internal' is listed twice" },
            { what: "seven masters", stack: "dev", edit: (s) => (s.masters = [1, 2, 3, 4, 5, 6, 7].map((i) => ({ name: `master-${i}`, hypervisor: "hv1", addresses: { internal: `192.168.100.${10 + i}` } }))), path: "kvm-k8s:site.masters", says: "7 given; use 3 or 5" },
            { what: "a MAC for a network the VM is not on", stack: "dev", edit: (s) => (s.director = { macs: { storage: "52:54:00:aa:bb:cc" } }), path: "kvm-k8s:site.director.macs.storage", says: "this VM has no address on 'storage'" },
            { what: "memory below the minimum on one node", stack: "prod", edit: (s) => (s.workers = [{ name: "worker-1", hypervisor: "svc-4", addresses: { internal: "10.10.0.21" }, memoryMiB: 3072 }]), path: "kvm-k8s:site.workers[0].memoryMiB", says: "3072 is below the prod minimum for a worker; use at least 4096 MiB" },
            { what: "a VIP outside the services network", stack: "prod", edit: (s) => (s.cluster = { endpoint: { vip: "10.10.0.5" } }), path: "kvm-k8s:site.cluster.endpoint.vip", says: "10.10.0.5 is outside the services network (10.20.0.0/24); pick an unused address inside it" },
            { what: "a VIP that a VM already uses", stack: "prod", edit: (s) => (s.cluster = { endpoint: { vip: "10.20.0.21" } }), path: "kvm-k8s:site.cluster.endpoint.vip", says: "is the address of kvm-k8s:site.workers[0].addresses.services" },
            { what: "three masters without a VIP", stack: "prod", edit: (s) => (s.cluster = { endpoint: { vip: null, network: null } }), path: "kvm-k8s:site.cluster.endpoint.vip", says: "3 masters need a virtual IP" },
            { what: "a master without an address on the VIP network", stack: "prod", edit: (s) => { s.masters = prodMasters(["svc-1", "svc-2", "svc-3"]); delete s.masters[1].addresses.services; }, path: "kvm-k8s:site.masters[1].addresses.services", says: "kube-vip announces the VIP" },
            { what: "a pod CIDR overlapping a site network", stack: "prod", edit: (s) => (s.cluster = { podSubnet: "10.0.0.0/8" }), path: "kvm-k8s:site.cluster.podSubnet", says: "10.0.0.0/8 overlaps network 'internal' (10.10.0.0/24)" },
            { what: "a service CIDR overlapping the pod CIDR", stack: "dev", edit: (s) => (s.cluster = { serviceSubnet: "10.244.128.0/20" }), path: "kvm-k8s:site.cluster.serviceSubnet", says: "overlaps the pod subnet 10.244.0.0/16" },
            { what: "a Kubernetes version with a v prefix", stack: "dev", edit: (s) => (s.cluster = { kubernetesVersion: "v1.31.4" }), path: "kvm-k8s:site.cluster.kubernetesVersion", says: "must be a full Kubernetes version such as '1.31.4'" },
            { what: "a Kubernetes minor without a version", stack: "dev", edit: (s) => (s.cluster = { kubernetesVersion: "1.31" }), path: "kvm-k8s:site.cluster.kubernetesVersion", says: "no 'v' prefix, no ranges" },
            { what: "an unsupported Kubernetes minor", stack: "dev", edit: (s) => (s.cluster = { kubernetesVersion: "1.27.9" }), path: "kvm-k8s:site.cluster.kubernetesVersion", says: "1.27.9 is not supported; use a 1.35 to 1.37 release" },
            { what: "Kubernetes 1.34, past its end of life", stack: "dev", edit: (s) => (s.cluster = { kubernetesVersion: "1.34.4" }), path: "kvm-k8s:site.cluster.kubernetesVersion", says: "1.34 reached its end of life; a deployed 1.34 cluster upgrades by setting a 1.35 release" },
            { what: "a kubelet reservation that is not a quantity", stack: "dev", edit: (s) => (s.cluster = { kubelet: { systemReserved: { memory: "lots" } } }), path: "kvm-k8s:site.cluster.kubelet.systemReserved.memory", says: "Kubernetes quantity" },
            { what: "an unknown kubelet reservation resource", stack: "dev", edit: (s) => (s.cluster = { kubelet: { kubeReserved: { gpu: "1" } } }), path: "kvm-k8s:site.cluster.kubelet.kubeReserved.gpu", says: "unknown key" },
            { what: "a mirror image without a registry", stack: "dev", edit: (s) => (s.cluster = { registry: { mirrorImages: ["nginx:1.27"] } }), path: "kvm-k8s:site.cluster.registry.mirrorImages[0]", says: "full image reference" },
            { what: "a negative rebuild counter", stack: "dev", edit: (s) => (s.director = { rebuild: -1 }), path: "kvm-k8s:site.director.rebuild", says: "must be 0 or more; bump it by one" },
            { what: "duplicate node names", stack: "prod", edit: (s) => (s.workers = [{ name: "worker-1", hypervisor: "svc-4", addresses: { internal: "10.10.0.21" } }, { name: "worker-1", hypervisor: "svc-5", addresses: { internal: "10.10.0.22" } }]), path: "kvm-k8s:site.workers[1].name", says: "is also the name of kvm-k8s:site.workers[0]" },
            { what: "a worker named like a master", stack: "dev", edit: (s) => (s.workers = [{ name: "master-1", hypervisor: "hv1", addresses: { internal: "192.168.100.21" } }]), path: "kvm-k8s:site.workers[0].name", says: "is also the name of kvm-k8s:site.masters[0]" },
            { what: "address outside its network", stack: "dev", edit: (s) => (s.director = { addresses: { internal: "10.99.0.10" } }), path: "kvm-k8s:site.director.addresses.internal", says: "10.99.0.10 is outside network 'internal' (192.168.100.0/24)" },
            { what: "network address used as a host address", stack: "dev", edit: (s) => (s.director = { addresses: { internal: "192.168.100.255" } }), path: "kvm-k8s:site.director.addresses.internal", says: "broadcast" },
            { what: "the gateway used as a host address", stack: "dev", edit: (s) => (s.director = { addresses: { internal: "192.168.100.1" } }), path: "kvm-k8s:site.director.addresses.internal", says: "is the gateway" },
            { what: "the same address twice", stack: "dev", edit: (s) => (s.workers = [{ name: "worker-1", hypervisor: "hv1", addresses: { internal: "192.168.100.11" } }]), path: "kvm-k8s:site.workers[0].addresses.internal", says: "192.168.100.11 is already used by kvm-k8s:site.masters[0].addresses.internal" },
            { what: "the same MAC twice", stack: "dev", edit: (s) => { s.masters = [{ name: "master-1", hypervisor: "hv1", addresses: { internal: "192.168.100.11" }, macs: { internal: "52:54:00:aa:bb:cc" } }]; s.workers = [{ name: "worker-1", hypervisor: "hv1", addresses: { internal: "192.168.100.21" }, macs: { internal: "52:54:00:aa:bb:cc" } }]; }, path: "kvm-k8s:site.workers[0].macs.internal", says: "MAC 52:54:00:aa:bb:cc is already used by kvm-k8s:site.masters[0].macs.internal" },
            { what: "a multicast MAC", stack: "dev", edit: (s) => (s.director = { macs: { internal: "01:00:5e:00:00:01" } }), path: "kvm-k8s:site.director.macs.internal", says: "multicast" },
            { what: "an even master count", stack: "prod", edit: (s) => (s.masters = prodMasters(["svc-1", "svc-2", "svc-3", "svc-4"])), path: "kvm-k8s:site.masters", says: "4 given; use an odd count (3, 5) for etcd quorum" },
            { what: "two masters in dev", stack: "dev", edit: (s) => (s.masters = [{ name: "master-1", hypervisor: "hv1", addresses: { internal: "192.168.100.11" } }, { name: "master-2", hypervisor: "hv1", addresses: { internal: "192.168.100.12" } }]), path: "kvm-k8s:site.masters", says: "2 given; use an odd count (1, 3, 5) for etcd quorum" },
            { what: "zero masters", stack: "dev", edit: (s) => (s.masters = []), path: "kvm-k8s:site.masters", says: "none given; list 1, 3 or 5 masters" },
            { what: "a single master in prod", stack: "prod", edit: (s) => (s.masters = prodMasters(["svc-1"])), path: "kvm-k8s:site.masters", says: "the prod profile needs at least 3" },
            { what: "two masters on one hypervisor in prod", stack: "prod", edit: (s) => (s.masters = prodMasters(["svc-1", "svc-2", "svc-1"])), path: "kvm-k8s:site.masters[2].hypervisor", says: "'svc-1' already runs master-1" },
            { what: "a VM on an unknown hypervisor", stack: "prod", edit: (s) => (s.workers = [{ name: "worker-1", hypervisor: "svc-9", addresses: { internal: "10.10.0.21" } }]), path: "kvm-k8s:site.workers[0].hypervisor", says: "'svc-9' is not a hypervisor of this site; use one of svc-1, svc-2" },
            { what: "a VM on an unknown network", stack: "dev", edit: (s) => (s.director = { addresses: { mgmt: "172.16.0.10" } }), path: "kvm-k8s:site.director.addresses.mgmt", says: "'mgmt' is not a network of this site; use one of internal" },
            { what: "a VM with an unknown image", stack: "prod", edit: (s) => (s.director = { image: "ubuntu-24" }), path: "kvm-k8s:site.director.image", says: "'ubuntu-24' is not an image of this site; add it under kvm-k8s:site.images or use one of director, node" },
            { what: "a VM without an address on the node network", stack: "prod", edit: (s) => (s.director = { addresses: { internal: null } }), path: "kvm-k8s:site.director.addresses.internal", says: "every VM needs an address on the node network 'internal'" },
            { what: "memory below the minimum", stack: "prod", edit: (s) => (s.sizes = { worker: { memoryMiB: 2048 } }), path: "kvm-k8s:site.sizes.worker.memoryMiB", says: "2048 is below the prod minimum for a worker; use at least 4096 MiB" },
            { what: "vCPU below the minimum on one node", stack: "prod", edit: (s) => { s.masters = prodMasters(["svc-1", "svc-2", "svc-3"]); s.masters[1].vcpu = 1; }, path: "kvm-k8s:site.masters[1].vcpu", says: "1 is below the prod minimum for a master; use at least 2 vCPU" },
            { what: "a dev master below kubeadm's minimum", stack: "dev", edit: (s) => (s.sizes = { master: { vcpu: 1 } }), path: "kvm-k8s:site.sizes.master.vcpu", says: "use at least 2 vCPU" },
            { what: "a missing private key", stack: "dev", edit: (_s, input) => (input.sshPrivateKey = { value: undefined, secret: false }), path: "kvm-k8s:sshPrivateKey", says: "missing; the program logs in to every VM with it" },
            { what: "a private key in plain text", stack: "dev", edit: (_s, input) => (input.sshPrivateKey = { value: TEST_PRIVATE_KEY, secret: false }), path: "kvm-k8s:sshPrivateKey", says: "is stored in plain text in the stack file; remove it and set it again as a secret" },
            { what: "a key path instead of a key", stack: "dev", edit: (_s, input) => (input.sshPrivateKey = { value: "~/.ssh/id_ed25519", secret: true }), path: "kvm-k8s:sshPrivateKey", says: "set the content of the key file, not its path" },
            { what: "no public key", stack: "dev", edit: (s) => (s.access = { publicKey: "" }), path: "kvm-k8s:site.access.publicKey", says: "pulumi config set --path site.access.publicKey" },
            { what: "root as login user", stack: "dev", edit: (s) => (s.access = { user: "root" }), path: "kvm-k8s:site.access.user", says: "must not be 'root'" },
            { what: "a gateway outside its network", stack: "dev", edit: (s) => (s.networks = [{ name: "internal", bridge: "br0", cidr: "192.168.100.0/24", gateway: "192.168.1.1" }]), path: "kvm-k8s:site.networks[0].gateway", says: "192.168.1.1 is outside 192.168.100.0/24" },
            { what: "a CIDR with host bits", stack: "dev", edit: (s) => (s.networks = [{ name: "internal", bridge: "br0", cidr: "192.168.100.7/24" }]), path: "kvm-k8s:site.networks[0].cidr", says: "use '192.168.100.0/24'" },
            { what: "overlapping networks", stack: "prod", edit: (s) => (s.networks = [{ name: "internal", bridge: "br-internal", cidr: "10.10.0.0/24", gateway: "10.10.0.1" }, { name: "services", bridge: "br-services", cidr: "10.10.0.128/25" }, { name: "storage", bridge: "br-storage", cidr: "10.30.0.0/24" }]), path: "kvm-k8s:site.networks[1].cidr", says: "overlaps network 'internal'" },
            { what: "two default routes", stack: "prod", edit: (s) => (s.networks = [{ name: "internal", bridge: "br-internal", cidr: "10.10.0.0/24", gateway: "10.10.0.1" }, { name: "services", bridge: "br-services", cidr: "10.20.0.0/24", gateway: "10.20.0.1" }, { name: "storage", bridge: "br-storage", cidr: "10.30.0.0/24" }]), path: "kvm-k8s:site.networks[1].gateway", says: "only one network may carry the default route" },
            { what: "an unknown node network", stack: "dev", edit: (s) => (s.nodeNetwork = "mgmt"), path: "kvm-k8s:site.nodeNetwork", says: "'mgmt' is not a network of this site" },
            { what: "a created pool without a path", stack: "dev", edit: (s) => (s.storagePool = { name: "kvm", create: true }), path: "kvm-k8s:site.storagePool.path", says: "needs a directory" },
            { what: "a domain type libvirt's QEMU driver does not have", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu:///system", domainType: "tcg" }]), path: "kvm-k8s:site.hypervisors[0].domainType", says: "must be 'kvm' (hardware virtualization) or 'qemu' (software emulation, for a host without /dev/kvm)" },
            { what: "a malformed libvirt URI", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "ssh://hv1" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "qemu+ssh://root@svc-1/system" },
            { what: "an address that is not IPv4", stack: "dev", edit: (s) => (s.director = { addresses: { internal: "192.168.100" } }), path: "kvm-k8s:site.director.addresses.internal", says: "must be an IPv4 address" },
            { what: "an uppercase node name", stack: "dev", edit: (s) => (s.director = { name: "Director" }), path: "kvm-k8s:site.director.name", says: "lowercase DNS label" },
        ];

        for (const c of cases) {
            it(c.what, () => {
                assertIssue(issuesFor(c.stack, c.edit), c.path, c.says);
            });
        }

        it("reports every problem at once, not just the first", () => {
            const issues = issuesFor("prod", (s, input) => {
                s.sizes = { worker: { memoryMiB: "lots" } };
                s.masters = prodMasters(["svc-1", "svc-1"]);
                s.workers = [{ name: "worker-1", hypervisor: "svc-9", addresses: { internal: "10.11.0.21" } }];
                s.colour = "blue";
                input.sshPrivateKey = { value: TEST_PRIVATE_KEY, secret: false };
            });
            for (const path of [
                "kvm-k8s:site.sizes.worker.memoryMiB",
                "kvm-k8s:site.masters",
                "kvm-k8s:site.masters[1].hypervisor",
                "kvm-k8s:site.workers[0].hypervisor",
                "kvm-k8s:site.workers[0].addresses.internal",
                "kvm-k8s:site.colour",
                "kvm-k8s:sshPrivateKey",
            ]) {
                assert.ok(issues.some((i) => i.path === path), `missing ${path} in ${JSON.stringify(issues, null, 1)}`);
            }
        });

        it("one broken network entry does not make every reference to it a second error", () => {
            const issues = issuesFor("prod", (s) => {
                s.networks = [
                    { name: "internal", bridge: "br-internal", cidr: "10.10.0.0/24", gateway: "10.10.0.1" },
                    { name: "services", bridge: "br-services-and-more", cidr: "10.20.0.0/24" },
                    { name: "storage", bridge: "br-storage", cidr: "10.30.0.0/24" },
                ];
            });
            assert.deepStrictEqual(issues.map((i) => i.path), ["kvm-k8s:site.networks[1].bridge"]);
        });

        it("never echoes the private key in a message", () => {
            const issues = issuesFor("dev", (s, input) => {
                input.sshPrivateKey = { value: TEST_PRIVATE_KEY, secret: false };
                s.masters = [];
            });
            assert.ok(!JSON.stringify(issues).includes(PRIVATE_KEY_MARKER));
        });

        it("loadSiteConfig stops with a ConfigError, a RunError so the CLI prints no stack trace", () => {
            const input = stackInput("dev");
            (input.site as Site).masters = [];
            assert.throws(
                () => loadSiteConfig(input),
                (err: unknown) =>
                    err instanceof ConfigError &&
                    pulumi.RunError.isInstance(err) &&
                    /^1 problem in the stack configuration; nothing was created or changed:\n {2}- kvm-k8s:site\.masters: none given/.test(err.message),
            );
        });
    });

    describe("reading the stack's Pulumi config", function () {
        // Pulumi reads PULUMI_CONFIG once per process, so each case runs in its own process,
        // with the environment the Pulumi CLI gives a program.
        this.timeout(120000);

        function runLoader(config: Record<string, unknown>, secretKeys: string[]): { status: number | null; stdout: string; stderr: string } {
            const script = [
                'const { loadSiteConfig, ConfigError } = require("./stacks");',
                "try { const s = loadSiteConfig(); console.log(JSON.stringify({ ok: s.name, masters: s.masters.length })); }",
                "catch (e) { if (e instanceof ConfigError) { console.error(e.message); process.exit(3); } throw e; }",
            ].join("\n");
            const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
                cwd: ROOT,
                encoding: "utf8",
                env: {
                    ...process.env,
                    PULUMI_CONFIG: JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]))),
                    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys),
                },
            });
            return { status: result.status, stdout: result.stdout, stderr: result.stderr };
        }

        it("loads the prod stack file with its key marked secret", () => {
            const file = readStackFile("prod");
            const run = runLoader({ "kvm-k8s:profile": file.profile, "kvm-k8s:site": file.site, "kvm-k8s:sshPrivateKey": TEST_PRIVATE_KEY }, ["kvm-k8s:sshPrivateKey"]);
            assert.strictEqual(run.status, 0, run.stderr);
            assert.deepStrictEqual(JSON.parse(run.stdout), { ok: "site1", masters: 3 });
        });

        it("refuses kvm-k8s keys it does not read and a site holding a secret, as the CLI hands them over", () => {
            const file = readStackFile("dev");
            const run = runLoader({ "kvm-k8s:profile": file.profile, "kvm-k8s:site": file.site, "kvm-k8s:sshPrivateKey": TEST_PRIVATE_KEY, "kvm-k8s:workers": [] }, ["kvm-k8s:sshPrivateKey", "kvm-k8s:site"]);
            assert.strictEqual(run.status, 3, run.stderr);
            assert.match(run.stderr, /^ {2}- kvm-k8s:workers: unknown key, which the program would ignore; did you mean kvm-k8s:site\.workers\?/m);
            assert.match(run.stderr, /^ {2}- kvm-k8s:site: holds a secret \(`pulumi config set --secret --path`\), but kvm-k8s:site is plain configuration/m);
            assert.ok(!run.stderr.includes(PRIVATE_KEY_MARKER));
        });

        it("rejects a key the stack file holds in plain text, printing the report and not the key", () => {
            const file = readStackFile("dev");
            const run = runLoader({ "kvm-k8s:profile": file.profile, "kvm-k8s:site": file.site, "kvm-k8s:sshPrivateKey": TEST_PRIVATE_KEY }, []);
            assert.strictEqual(run.status, 3, run.stderr);
            assert.match(run.stderr, /kvm-k8s:sshPrivateKey: is stored in plain text/);
            assert.ok(!run.stderr.includes(PRIVATE_KEY_MARKER) && !run.stdout.includes(PRIVATE_KEY_MARKER));
        });
    });
});

describe("base images: a URL, a file where Pulumi runs, or a volume already on the hypervisor", () => {
    it("each kind resolves to what the hypervisor needs; an existing volume's pool defaults to the site's", () => {
        const site = resolveOrThrow(
            withSite("dev", (s) => {
                s.images = { director: { url: "https://images.example/d.qcow2" }, node: { file: "/srv/images/n.qcow2" }, old: { volume: "base.qcow2" } };
            }),
        );
        assert.deepStrictEqual(site.images.director, { source: "https://images.example/d.qcow2" });
        assert.deepStrictEqual(site.images.node, { source: "/srv/images/n.qcow2" });
        assert.deepStrictEqual(site.images.old, { source: "volume:default/base.qcow2", existing: { name: "base.qcow2", pool: "default" } });
    });

    it("prod uses a volume staged in each hypervisor's default pool: nothing is read where Pulumi runs", () => {
        const site = stackSite("prod");
        for (const name of ["director", "node"]) {
            assert.deepStrictEqual(site.images[name].existing, { name: "debian-12-genericcloud-amd64.qcow2", pool: "default" }, name);
        }
    });

    it("the old `source`, two kinds at once, or a relative file are refused with the three kinds named", () => {
        const issues = issuesFor("dev", (s) => {
            s.images = {
                director: { source: "/var/lib/libvirt/images/d.qcow2" },
                node: { url: "https://images.example/n.qcow2", volume: "n.qcow2" },
                extra: { file: "images/x.qcow2" },
            };
        });
        for (const name of ["director", "node"]) {
            assertIssue(issues, `kvm-k8s:site.images.${name}`, "must be one of {url} (downloaded by the libvirt provider), {file} (a qcow2 on the machine running Pulumi, uploaded) or {volume, pool?} (already on the hypervisor)");
        }
        assertIssue(issues, "kvm-k8s:site.images.extra.file", "must be an absolute path on the machine running Pulumi");
    });
});

describe("air-gapped sites need nothing from the internet", () => {
    const prodWith = (cluster: Site) => withSite("prod", (s) => (s.cluster = { ...s.cluster, ...cluster }));

    it("prod, as profiled, is air-gapped and valid: every source is a site host", () => {
        const { cluster } = stackSite("prod");
        assert.strictEqual(cluster.airGapped, true);
        assert.deepStrictEqual(cluster.debianMirror, { url: "http://10.10.0.1/debian", security: "http://10.10.0.1/debian-security" });
        assert.strictEqual(cluster.aptRepository, "http://10.10.0.1/kubernetes/core:/stable:/v1.36/deb/");
    });

    it("every public source is reported at once, each with its path and the fix", () => {
        const issues = issuesFor("prod", (s) => {
            s.cluster = {
                debianMirror: null,
                aptRepository: "https://pkgs.k8s.io/core:/stable:/v{minor}/deb/",
                calico: { operatorManifest: "https://raw.githubusercontent.com/projectcalico/calico/v3.29.1/manifests/tigera-operator.yaml" },
                helm: { url: "https://get.helm.sh/helm-v3.16.3-linux-amd64.tar.gz" },
                registry: { mirrorFrom: null },
            };
        });
        assertIssue(issues, "kvm-k8s:site.cluster.registry.mirrorFrom", "the director would copy kubeadm's and registry.mirrorImages' images from docker.io");
        assertIssue(issues, "kvm-k8s:site.cluster.debianMirror", "set {url, security} to the site's Debian mirror");
        assertIssue(issues, "kvm-k8s:site.cluster.aptRepository", "mirror pkgs.k8s.io on the site");
        assertIssue(issues, "kvm-k8s:site.cluster.calico.operatorManifest", "stage it on the director and give its absolute path");
        assertIssue(issues, "kvm-k8s:site.cluster.helm.url", "is off the site and cluster.airGapped is true");
        assert.ok(issues.every((i) => !/\n|\bat .+:\d+:\d+\)/.test(i.message)), "no stack traces");
    });

    it("an address outside the site's networks is off the site; its names and staged paths are on it", () => {
        const issues = issuesFor("prod", (s) => (s.cluster = { debianMirror: { url: "http://127.0.0.1/debian", security: "http://mirror.example.org/debian-security" }, registry: { mirrorFrom: "quay.io" } }));
        assertIssue(issues, "kvm-k8s:site.cluster.registry.mirrorFrom", "off the site");
        assertIssue(issues, "kvm-k8s:site.cluster.debianMirror.url", "a host of the site is an address in 10.10.0.0/24, 10.20.0.0/24, 10.30.0.0/24 or a name under site1.kvm-k8s.internal");
        assertIssue(issues, "kvm-k8s:site.cluster.debianMirror.security", "off the site");
        resolveOrThrow(
            prodWith({
                debianMirror: { url: "http://mirror.site1.kvm-k8s.internal/debian", security: "http://10.30.0.2/debian-security" },
                calico: { operatorManifest: "/srv/kvm-k8s/tigera-operator.yaml" },
                helm: { url: "/srv/kvm-k8s/helm-v3.16.3-linux-amd64.tar.gz" },
            }),
        );
    });

    it("a connected site may use the public sources", () => {
        resolveOrThrow(withSite("prod", (s) => (s.cluster = { ...s.cluster, airGapped: false, debianMirror: null, aptRepository: "https://pkgs.k8s.io/core:/stable:/v{minor}/deb/" })));
    });

    it("kubeadm's images are derived from the Kubernetes version and mirrored first", () => {
        const { cluster } = stackSite("prod");
        assert.deepStrictEqual(cluster.registry.mirrorImages.slice(0, 7), [
            "registry.k8s.io/kube-apiserver:v1.36.3",
            "registry.k8s.io/kube-controller-manager:v1.36.3",
            "registry.k8s.io/kube-scheduler:v1.36.3",
            "registry.k8s.io/kube-proxy:v1.36.3",
            "registry.k8s.io/coredns/coredns:v1.14.2",
            "registry.k8s.io/pause:3.10.2",
            "registry.k8s.io/etcd:3.6.8-0",
        ]);
        assert.ok(cluster.registry.mirrorImages.includes("ghcr.io/kube-vip/kube-vip:v1.2.3"), "the configured images follow");
        assert.ok(cluster.registry.mirrorImages.includes("quay.io/tigera/operator:v1.42.4") && cluster.registry.mirrorImages.includes("docker.io/calico/node:v3.32.1"), "Calico's images follow its pin");
        assert.strictEqual(cluster.sandboxImage, "registry.k8s.io/pause:3.10.2");
        const next = resolveOrThrow(prodWith({ kubernetesVersion: "1.35.4" })).cluster;
        assert.ok(next.registry.mirrorImages.includes("registry.k8s.io/etcd:3.6.6-0") && next.registry.mirrorImages.includes("registry.k8s.io/coredns/coredns:v1.13.1"));
        assert.strictEqual(next.sandboxImage, "registry.k8s.io/pause:3.10.1");
        // a connected site pulls what kubeadm asks for itself: nothing derived to mirror
        assert.deepStrictEqual(stackSite("dev").cluster.registry.mirrorImages, []);
    });

    it("an air-gapped version whose kubeadm images are not in the table is refused; a connected one is not", () => {
        const issues = issuesFor("prod", (s) => (s.cluster = { kubernetesVersion: "1.36.9" }));
        assertIssue(issues, "kvm-k8s:site.cluster.kubernetesVersion", "the images kubeadm 1.36.9 pulls are not in stacks/kubeadm-images.ts");
        assertIssue(issues, "kvm-k8s:site.cluster.kubernetesVersion", "1.36.0-1.36.3");
        const connected = resolveOrThrow(withSite("dev", (s) => (s.cluster = { kubernetesVersion: "1.36.9" }))).cluster;
        assert.strictEqual(connected.sandboxImage, "registry.k8s.io/pause:3.10.2");
    });
});

describe("node packages follow the enabled releases", () => {
    it("an NFS-backed release (nfs-storage, or the NFS subdir provisioner chart under any key) puts nfs-common on every node", () => {
        assert.deepStrictEqual(stackSite("prod").cluster.nodePackages, ["nfs-common"]);
        assert.deepStrictEqual(stackSite("dev").cluster.nodePackages, []);
        const off = resolveOrThrow(withSite("prod", (s) => (s.apps = { releases: { "nfs-storage": { enabled: false }, consul: { dependsOn: [] }, "iot-broker": { dependsOn: [] }, "local-path": { enabled: true } } })));
        assert.deepStrictEqual(off.cluster.nodePackages, []);
        const renamed = resolveOrThrow(
            withSite("dev", (s) => {
                s.apps = { releases: { "local-path": { enabled: false }, nfs: { chart: { repo: "https://kubernetes-sigs.github.io/nfs-subdir-external-provisioner/", name: "nfs-subdir-external-provisioner" }, version: "4.0.18", namespace: "nfs" } } };
            }),
        );
        assert.deepStrictEqual(renamed.cluster.nodePackages, ["nfs-common"]);
    });
});
