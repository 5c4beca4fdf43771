import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { renderCloudInit, renderNetworkConfig, renderUserData } from "../components/vm";
import { allNodes } from "../stacks";
import { needTools, ROOT, stackSite } from "./fixtures";
import { assertGolden } from "./golden";
import { mockHostKey } from "./harness";

const hostKeyOf = (hostname: string) => mockHostKey(`${hostname}-host-key`);

/** cloud-init and netplan parse with PyYAML (YAML 1.1); read our documents the same way. */
function pyYamlLoad(text: string): unknown {
    const run = spawnSync("/usr/bin/python3", ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], { input: text, encoding: "utf8" });
    assert.strictEqual(run.status, 0, `PyYAML could not read this document: ${run.stderr}`);
    return JSON.parse(run.stdout);
}

const everyNode = () =>
    (["dev", "prod"] as const).flatMap((stack) => {
        const site = stackSite(stack);
        return allNodes(site).map((node) => ({ stack, site, node, rendered: renderCloudInit({ node, access: site.access, dnsDomain: site.domain }, hostKeyOf(node.hostname)) }));
    });

describe("cloud-init documents", () => {
    describe("golden files", () => {
        for (const [stack, nodeName] of [["dev", "master-1"], ["prod", "master-1"], ["prod", "worker-3"], ["prod", "director"]] as const) {
            it(`${stack} ${nodeName}: user-data, network-config and meta-data are unchanged`, () => {
                const site = stackSite(stack);
                const node = allNodes(site).find((n) => n.name === nodeName)!;
                const rendered = renderCloudInit({ node, access: site.access, dnsDomain: site.domain }, hostKeyOf(node.hostname));
                assertGolden(`${stack}-${nodeName}.user-data.yaml`, rendered.userData);
                assertGolden(`${stack}-${nodeName}.network-config.yaml`, rendered.networkConfig);
                assertGolden(`${stack}-${nodeName}.meta-data.yaml`, rendered.metaData);
            });
        }
    });

    describe("user-data", () => {
        it("creates the SSH user with its key and passwordless sudo, and turns password login and root login off", function () {
            needTools(this, "pyyaml");
            for (const { site, node, rendered } of everyNode()) {
                assert.ok(rendered.userData.startsWith("#cloud-config\n"), node.hostname);
                const doc = pyYamlLoad(rendered.userData) as Record<string, unknown>;
                assert.strictEqual(doc.hostname, node.hostname);
                assert.strictEqual(doc.fqdn, node.fqdn);
                assert.strictEqual(doc.ssh_pwauth, false);
                // the pinned host key, and no other key type sshd could offer instead
                assert.deepStrictEqual(doc.ssh_keys, { ed25519_private: hostKeyOf(node.hostname).privateKey, ed25519_public: hostKeyOf(node.hostname).publicKey.trim() });
                assert.deepStrictEqual(doc.ssh_genkeytypes, ["ed25519"]);
                assert.strictEqual(doc.ssh_deletekeys, true);
                assert.strictEqual(doc.disable_root, true);
                assert.deepStrictEqual(doc.users, [
                    {
                        name: site.access.user,
                        gecos: "kvm-k8s operator",
                        shell: "/bin/bash",
                        sudo: "ALL=(ALL) NOPASSWD:ALL",
                        lock_passwd: true,
                        ssh_authorized_keys: [site.access.publicKey],
                    },
                ]);
            }
        });

        it("lets the login user in with the extra public keys too (a rotation's next key)", function () {
            const next = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINext next@laptop";
            const doc = YAML.parse(renderUserData({ hostname: "h", fqdn: "h.example", user: "ops", publicKey: "ssh-ed25519 AAAA x", extraPublicKeys: [next], hostKey: hostKeyOf("h") }));
            assert.deepStrictEqual(doc.users[0].ssh_authorized_keys, ["ssh-ed25519 AAAA x", next]);
        });

        it("carries files for later steps, with modes cloud-init reads as strings", function () {
            const userData = renderUserData({
                hostname: "h",
                fqdn: "h.example",
                user: "ops",
                publicKey: "ssh-ed25519 AAAA x",
                hostKey: hostKeyOf("h"),
                writeFiles: [{ path: "/etc/kvm-k8s/role", content: "yes\n", permissions: "0640" }],
            });
            needTools(this, "pyyaml");
            const doc = pyYamlLoad(userData) as { write_files: Record<string, unknown>[] };
            assert.deepStrictEqual(doc.write_files, [{ path: "/etc/kvm-k8s/role", content: "yes\n", permissions: "0640", owner: "root:root" }]);
        });

        it("every rendered user-data passes `cloud-init schema` (Debian package cloud-init)", function () {
            needTools(this, "cloudInitCli");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-userdata-"));
            try {
                for (const { stack, node, rendered } of everyNode()) {
                    const file = path.join(dir, `${stack}-${node.hostname}.yaml`);
                    fs.writeFileSync(file, rendered.userData);
                    const run = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
                    assert.strictEqual(run.status, 0, `${stack} ${node.hostname}: ${run.stdout}${run.stderr}`);
                    assert.match(run.stdout, /Valid cloud-config/);
                }
                // and the check itself rejects what it should
                const bad = path.join(dir, "bad.yaml");
                fs.writeFileSync(bad, "#cloud-config\nssh_pwauth: sometimes\nusers: 3\n");
                assert.notStrictEqual(spawnSync("cloud-init", ["schema", "--config-file", bad]).status, 0, "cloud-init schema accepted invalid user-data");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("network-config", () => {
        interface Rendered {
            interfaces: { name: string; mac: string; subnets: { address: string; prefix: number; gateway: string | null }[] }[];
            nameservers: string[];
            rendered: { eni: Record<string, string>; networkd: Record<string, string> };
        }

        /** Parse and render with the installed cloud-init, as the guest will (test/tools). */
        function runRenderer(text: string): { status: number | null; stdout: string; stderr: string } {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-netcfg-"));
            try {
                const file = path.join(dir, "network-config");
                fs.writeFileSync(file, text);
                return spawnSync("/usr/bin/python3", [path.join(ROOT, "test", "tools", "render_network_config.py"), file], { encoding: "utf8" });
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }

        function cloudInitRender(text: string): Rendered {
            const run = runRenderer(text);
            assert.strictEqual(run.status, 0, `cloud-init could not use this network-config:\n${run.stderr}`);
            return JSON.parse(run.stdout) as Rendered;
        }

        it("cloud-init parses every VM's network-config: one interface per NIC, named for its network, with its MAC, address and gateway", function () {
            needTools(this, "cloudInit");
            for (const { site, node, rendered } of everyNode()) {
                const parsed = cloudInitRender(rendered.networkConfig);
                assert.deepStrictEqual(
                    parsed.interfaces,
                    node.nics.map((nic) => ({ name: nic.network, mac: nic.mac, subnets: [{ address: nic.address, prefix: nic.prefix, gateway: nic.gateway ?? null }] })),
                    node.hostname,
                );
                assert.deepStrictEqual(parsed.nameservers, site.networks.flatMap((n) => n.dns), node.hostname);
                // ifupdown (Debian 12's cloud images): udev renames the NIC by MAC; the default
                // route is ifupdown's own `gateway`, not a `route` command Debian lacks
                const udev = parsed.rendered.eni["etc/udev/rules.d/70-persistent-net.rules"];
                const interfaces = parsed.rendered.eni["etc/network/interfaces"];
                for (const nic of node.nics) {
                    assert.ok(udev.includes(`ATTR{address}=="${nic.mac}", NAME="${nic.network}"`), `${node.hostname}: no udev rename for ${nic.network}`);
                    assert.ok(interfaces.includes(`iface ${nic.network} inet static\n    address ${nic.address}/${nic.prefix}`), `${node.hostname}: ${nic.network}`);
                    const networkd = parsed.rendered.networkd[`etc/systemd/network/10-cloud-init-${nic.network}.network`];
                    assert.match(networkd, new RegExp(`MACAddress=${nic.mac}\nName=${nic.network}\n`));
                }
                const gateway = node.nics.find((n) => n.gateway !== undefined)?.gateway;
                assert.strictEqual(/ gateway /.test(interfaces), gateway !== undefined);
                assert.ok(!/route add/.test(interfaces), "eni uses the route command");
            }
        });

        it("the renderer check rejects what cloud-init 22.4 cannot read", function () {
            needTools(this, "cloudInit");
            const run = runRenderer("version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    routes: [{to: default, via: 10.0.0.1}]\n");
            assert.notStrictEqual(run.status, 0);
            assert.match(run.stderr, /not a valid ip address/);
        });

        it("an all-digit MAC survives a YAML 1.1 reader as a string", function () {
            needTools(this, "pyyaml");
            const text = renderNetworkConfig([{ network: "internal", bridge: "br0", mac: "52:54:00:12:34:56", address: "10.0.0.5", prefix: 24, dns: [] }], "example");
            const doc = pyYamlLoad(text) as { ethernets: { internal: { match: { macaddress: unknown } } } };
            assert.strictEqual(doc.ethernets.internal.match.macaddress, "52:54:00:12:34:56");
            assert.deepStrictEqual(YAML.parse(text).ethernets.internal.match, { macaddress: "52:54:00:12:34:56" });
        });
    });

    describe("meta-data and digest", () => {
        it("the instance-id follows the node's identity (addresses, rebuild counter), not site-wide content", () => {
            const site = stackSite("dev");
            const node = site.workers[0];
            const render = (n = node, access = site.access) => renderCloudInit({ node: n, access, dnsDomain: site.domain }, hostKeyOf(node.hostname));
            const base = render();
            assert.strictEqual(render().metaData, base.metaData, "not deterministic");
            const moved = render({ ...node, nics: node.nics.map((n) => ({ ...n, address: "192.168.100.99" })) });
            const rebuilt = render({ ...node, rebuild: 1 });
            const newKey = render(node, { ...site.access, publicKey: "ssh-ed25519 AAAAnewkey ops@new" });
            assert.notStrictEqual(moved.identity, base.identity);
            assert.notStrictEqual(rebuilt.identity, base.identity);
            assert.strictEqual(newKey.identity, base.identity);
            assert.notStrictEqual(newKey.digest, base.digest, "the disk content still changes");
            assert.deepStrictEqual(YAML.parse(moved.metaData), { "instance-id": `${node.hostname}-${moved.identity}`, "local-hostname": node.hostname });
        });
    });
});
