import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { calicoInstallation } from "../components/cluster/calico";
import { caCertHash, kubeadmApiVersion, kubeadmInitConfig, kubeadmJoinConfig, kubeletConfiguration, JoinSecrets } from "../components/kubeadm";
import { kubeVipManifest } from "../components/control-plane/kube-vip";
import { registryConfig } from "../components/registry";
import { SiteConfig } from "../stacks";
import { ROOT, stackInput, resolveOrThrow, stackSite } from "./fixtures";
import { assertGolden } from "./golden";

/** A fixed stand-in for the program's CA: joins pin its hash. No join credential is rendered. */
const SECRETS: JoinSecrets = {
    caCertPem: fs.readFileSync(path.join(ROOT, "tools", "offline-ca.crt"), "utf8"),
};

const docs = (yaml: string): Record<string, any>[] => YAML.parseAllDocuments(yaml).map((d) => d.toJSON()); // eslint-disable-line @typescript-eslint/no-explicit-any

function withVersion(stack: string, version: string): SiteConfig {
    const input = stackInput(stack);
    (input.site as Record<string, unknown>).cluster = { kubernetesVersion: version };
    return resolveOrThrow(input);
}

function withPort(stack: string, port: number): SiteConfig {
    const input = stackInput(stack);
    const site = input.site as Record<string, Record<string, unknown> | undefined>;
    site.cluster = { ...site.cluster, endpoint: { ...(site.cluster?.endpoint as object), port } };
    return resolveOrThrow(input);
}

describe("kubeadm configuration", () => {
    describe("golden files", () => {
        it("dev: init (single master, endpoint = its address) and worker join", () => {
            const site = stackSite("dev");
            assertGolden("dev-kubeadm-init.yaml", kubeadmInitConfig(site));
            assertGolden("dev-kubeadm-join-worker-1.yaml", kubeadmJoinConfig(site, site.workers[0], SECRETS));
        });

        it("prod: init on master-1, control-plane join of master-2, worker join, kube-vip, registry, Calico", () => {
            const site = stackSite("prod");
            assertGolden("prod-kubeadm-init.yaml", kubeadmInitConfig(site));
            assertGolden("prod-kubeadm-join-master-2.yaml", kubeadmJoinConfig(site, site.masters[1], SECRETS));
            assertGolden("prod-kubeadm-join-worker-1.yaml", kubeadmJoinConfig(site, site.workers[0], SECRETS));
            assertGolden("prod-kube-vip.yaml", kubeVipManifest(site.cluster)!);
            assertGolden("prod-registry-config.yml", registryConfig(site.cluster));
            assertGolden("prod-calico-installation.yaml", calicoInstallation(site));
        });
    });

    it("renders kubeadm.k8s.io/v1beta4 (extraArgs as lists) for every supported minor: v1beta3 is gone in 1.37", () => {
        for (const version of ["1.35.4", "1.36.3"]) {
            const [init, cluster] = docs(kubeadmInitConfig(withVersion("dev", version)));
            assert.strictEqual(init.apiVersion, "kubeadm.k8s.io/v1beta4", version);
            assert.deepStrictEqual(init.nodeRegistration.kubeletExtraArgs, [{ name: "node-ip", value: "192.168.100.11" }]);
            assert.strictEqual(cluster.kubernetesVersion, `v${version}`);
        }
        // 1.37 (a site with Calico 3.33 pinned) gets the same API
        assert.strictEqual(kubeadmApiVersion(37), "kubeadm.k8s.io/v1beta4");
    });

    it("prod: endpoint is the VIP, images come from the director registry, SANs cover VIP and masters", () => {
        const site = stackSite("prod");
        const [init, cluster, kubelet] = docs(kubeadmInitConfig(site));
        assert.strictEqual(cluster.controlPlaneEndpoint, "10.20.0.5:6443");
        assert.strictEqual(cluster.imageRepository, "registry.site1.kvm-k8s.internal:5000");
        // kubeadm makes <dns.imageRepository>/coredns:<tag>; the mirror keeps coredns/coredns
        assert.deepStrictEqual(cluster.dns, { imageRepository: "registry.site1.kvm-k8s.internal:5000/coredns" });
        assert.deepStrictEqual(cluster.networking, { podSubnet: "10.244.0.0/16", serviceSubnet: "10.96.0.0/12", dnsDomain: "cluster.local" });
        for (const san of ["10.20.0.5", "10.10.0.11", "10.10.0.12", "10.10.0.13", "site1-master-2.site1.kvm-k8s.internal"]) {
            assert.ok(cluster.apiServer.certSANs.includes(san), san);
        }
        assert.strictEqual(init.localAPIEndpoint.advertiseAddress, "10.10.0.11");
        assert.deepStrictEqual(init.nodeRegistration.ignorePreflightErrors, ["DirAvailable--etc-kubernetes-manifests"]);
        assert.strictEqual(kubelet.cgroupDriver, "systemd");
        // CA-signed serving certificates (approved by the readiness gate), so metrics-server
        // needs no --kubelet-insecure-tls
        assert.strictEqual(kubelet.serverTLSBootstrap, true);
    });

    it("reservations and all four hard-eviction thresholds are in the KubeletConfiguration (setting one zeroes the unset ones)", () => {
        const kubelet = docs(kubeadmInitConfig(stackSite("prod")))[2];
        assert.deepStrictEqual(kubelet.systemReserved, { cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" });
        assert.deepStrictEqual(kubelet.kubeReserved, { cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" });
        // prod sets three thresholds; nodefs.inodesFree keeps the kubelet's own default
        assert.deepStrictEqual(kubelet.evictionHard, { "memory.available": "500Mi", "nodefs.available": "10%", "nodefs.inodesFree": "5%", "imagefs.available": "15%" });
        const none = kubeletConfiguration({ kubelet: { systemReserved: {}, kubeReserved: {}, evictionHard: { "memory.available": "1Gi" } } });
        assert.deepStrictEqual(none.evictionHard, { "memory.available": "1Gi", "nodefs.available": "10%", "nodefs.inodesFree": "5%", "imagefs.available": "15%" });
        assert.ok(!("systemReserved" in none) && !("kubeReserved" in none));
    });

    it("every API server binds the endpoint's port (kube-vip moves the VIP, it translates no port)", () => {
        const site = withPort("prod", 8443);
        const [init, cluster] = docs(kubeadmInitConfig(site));
        assert.strictEqual(cluster.controlPlaneEndpoint, "10.20.0.5:8443");
        assert.strictEqual(init.localAPIEndpoint.bindPort, 8443);
        assert.strictEqual(docs(kubeadmJoinConfig(site, site.masters[1], SECRETS))[0].controlPlane.localAPIEndpoint.bindPort, 8443);
        const env = YAML.parse(kubeVipManifest(site.cluster)!).spec.containers[0].env as { name: string; value: string }[];
        assert.strictEqual(env.find((e) => e.name === "port")!.value, "8443");
    });

    it("dev: endpoint is the master's address, images from upstream, no kube-vip", () => {
        const site = stackSite("dev");
        const [init, cluster] = docs(kubeadmInitConfig(site));
        assert.strictEqual(cluster.controlPlaneEndpoint, "192.168.100.11:6443");
        assert.strictEqual(cluster.imageRepository, undefined);
        assert.strictEqual(init.nodeRegistration.ignorePreflightErrors, undefined);
        assert.strictEqual(kubeVipManifest(site.cluster), undefined);
    });

    it("joins pin the program's CA by its public-key hash (same value openssl computes)", () => {
        // openssl x509 -pubkey -noout < tools/offline-ca.crt | openssl pkey -pubin -outform der | sha256sum
        assert.strictEqual(caCertHash(SECRETS.caCertPem), "sha256:48dde432e496fa6e0100bd93610a8a16715be3d3bf215668f39dff1267ce9948");
        const site = stackSite("prod");
        const [join] = docs(kubeadmJoinConfig(site, site.workers[2], SECRETS));
        assert.deepStrictEqual(join.discovery.bootstrapToken, {
            apiServerEndpoint: "10.20.0.5:6443",
            // the director mints a token per join and the node substitutes it (join-node.sh)
            token: "@JOIN_TOKEN@",
            caCertHashes: [caCertHash(SECRETS.caCertPem)],
        });
        assert.strictEqual(join.controlPlane, undefined, "a worker join is not a control-plane join");
        assert.strictEqual(join.nodeRegistration.name, "site1-worker-3");
    });

    it("control-plane joins carry a certificate-key placeholder (each join's own key) and their own advertise address", () => {
        const site = stackSite("prod");
        const [join] = docs(kubeadmJoinConfig(site, site.masters[2], SECRETS));
        assert.deepStrictEqual(join.controlPlane, { localAPIEndpoint: { advertiseAddress: "10.10.0.13", bindPort: 6443 }, certificateKey: "@CERTIFICATE_KEY@" });
    });

    it("init holds no join credential: kubeadm generates its token, valid 15 minutes, and uploads no certificates", () => {
        const [init] = docs(kubeadmInitConfig(stackSite("prod")));
        assert.deepStrictEqual(init.bootstrapTokens, [{ ttl: "15m0s", usages: ["signing", "authentication"], groups: ["system:bootstrappers:kubeadm:default-node-token"] }]);
        assert.strictEqual(init.certificateKey, undefined);
    });

    it("kube-vip announces the VIP on the masters' services interface", () => {
        const pod = YAML.parse(kubeVipManifest(stackSite("prod").cluster)!);
        const env = Object.fromEntries(pod.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
        assert.strictEqual(env.address, "10.20.0.5");
        assert.strictEqual(env.vip_interface, "services");
        assert.strictEqual(pod.spec.hostNetwork, true);
    });

    it("Calico's pool is the pod subnet and it picks node addresses from the node network", () => {
        const [installation] = docs(calicoInstallation(stackSite("prod")));
        assert.strictEqual(installation.spec.calicoNetwork.ipPools[0].cidr, "10.244.0.0/16");
        assert.deepStrictEqual(installation.spec.calicoNetwork.nodeAddressAutodetectionV4, { cidrs: ["10.10.0.0/24"] });
    });
});
