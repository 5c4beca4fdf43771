/**
 * Inputs the mocks accept and a real provider refuses, and the program refusing them first.
 *
 * Pulumi's mocks take any input; the real libvirt provider (terraform-provider-libvirt 0.8.1
 * in pulumi-libvirt 0.5.4) connects at preview and can dial only some transports, and its
 * Diff compares a Pool's path with the one libvirt stored. Each case: what the mocks made of
 * it, what the real engine did, and config validation refusing it, with the config path,
 * before anything is asked of a hypervisor.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as libvirt from "@pulumi/libvirt";
import { buildSite } from "../../components/site";
import { ConfigIssue, resolveSite } from "../../stacks";
import { stackInput, stackSite, TEST_PRIVATE_KEY } from "../fixtures";
import { ROOT, Sandbox, worldSandboxEach } from "./harness";
import { planResources, previewJson } from "./preview";

type Site = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Config validation's issues for dev with `edit` applied to its site. */
function devIssues(edit: (site: Site) => void): ConfigIssue[] {
    const input = stackInput("dev");
    input.site = input.site ?? {};
    edit(input.site as Site);
    const result = resolveSite(input);
    return result.ok ? [] : result.issues;
}

describe("inputs the mocks accept and a real provider refuses", function () {
    this.timeout(15 * 60 * 1000);
    const sandbox = worldSandboxEach();

    it("a hypervisor URI with a transport the provider cannot dial (qemu+libssh2://)", async () => {
        const uri = "qemu+libssh2://root@svc-1/system";
        // The mocks build the whole site on it, without a word.
        const mocked = planResources([`dev?hypervisorUri=${uri}`])[`dev?hypervisorUri=${uri}`];
        assert.equal(mocked.resources.length, planResources(["dev"]).dev.resources.length);

        // The real provider, given the same site (validation bypassed), refuses at preview.
        sandbox().initStack("dev", { stackFile: "config: {}\n" });
        const site = stackSite("dev");
        site.hypervisors[0].uri = uri;
        const real = await sandbox().run("preview", "dev", async () => {
            buildSite(site);
        });
        assert.ok(!real.ok, real.output);
        assert.match(real.output, /transport 'libssh2' not implemented/);

        // The program now refuses it first, naming the path.
        const issues = devIssues((s) => (s.hypervisors = [{ name: "hv1", uri }]));
        assert.ok(
            issues.some((i) => i.path === "kvm-k8s:site.hypervisors[0].uri" && i.message.includes("libssh2")),
            issues.map((i) => `${i.path}: ${i.message}`).join("\n"),
        );
    });

    it("... and `pulumi preview` of a stack naming it stops at config validation, nothing registered", () => {
        const cli = new Sandbox({ checkout: true });
        try {
            const committed = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
            cli.initStack("dev", { stackFile: `${committed}    hypervisors:\n      - { name: hv1, uri: "qemu+libssh2://root@svc-1/system" }\n`, key: TEST_PRIVATE_KEY });
            const p = previewJson(cli, "dev");
            assert.notEqual(p.status, 0);
            const errors = p.diagnostics.filter((d) => d.severity === "error").map((d) => d.message).join("\n");
            assert.match(errors, /problem in the stack configuration; nothing was created or changed:\n\s+- kvm-k8s:site\.hypervisors\[0\]\.uri: transport 'libssh2' is not one/);
            assert.doesNotMatch(errors, /failed to connect/, "the provider was reached");
            assert.deepEqual(p.steps.filter((s) => !s.urn.includes("pulumi:pulumi:Stack")), []);
        } finally {
            cli.cleanup();
        }
    });

    it("a pool path with a trailing slash: the real provider's Diff replaces the pool on every update", async () => {
        const name = "kvmk8s-engine-slash";
        const dir = `/var/lib/libvirt/images/${name}`;
        const program = (p: string) => async (): Promise<void> => {
            const provider = new libvirt.Provider("hv", { uri: "qemu:///system" });
            new libvirt.Pool(name, { name, type: "dir", target: { path: p } }, { provider });
        };
        sandbox().initStack("dev", { stackFile: "config: {}\n" });
        try {
            const up = await sandbox().run("up", "dev", program(`${dir}/`));
            assert.ok(up.ok, up.output);
            // Unchanged program, next preview: libvirt stored the path without the slash.
            const again = await sandbox().run("preview", "dev", program(`${dir}/`));
            assert.ok(again.ok, again.output);
            const ops = again.events.filter((e) => e.resourcePreEvent?.metadata.type === "libvirt:index/pool:Pool").map((e) => e.resourcePreEvent!.metadata.op);
            assert.ok(ops.some((op) => /replace/.test(op)), `ops: ${ops.join(", ")}`);
            // Without the slash, nothing to do.
            const clean = await sandbox().run("preview", "dev", program(dir));
            const cleanOps = clean.events.filter((e) => e.resourcePreEvent?.metadata.type === "libvirt:index/pool:Pool").map((e) => e.resourcePreEvent!.metadata.op);
            assert.deepEqual(cleanOps, ["same"]);
        } finally {
            const down = sandbox().cli(["destroy", "--stack", "dev", "--yes", "--skip-preview"]);
            assert.equal(down.status, 0, down.stdout + down.stderr);
        }
        const issues = devIssues((s) => (s.storagePool = { name: "kvm-k8s", create: true, path: "/var/lib/libvirt/images/kvm-k8s/" }));
        assert.ok(
            issues.some((i) => i.path === "kvm-k8s:site.storagePool.path" && i.message.includes("/var/lib/libvirt/images/kvm-k8s")),
            issues.map((i) => `${i.path}: ${i.message}`).join("\n"),
        );
    });
});
