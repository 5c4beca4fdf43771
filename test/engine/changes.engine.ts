/**
 * Changes to a running stack, previewed by the real engine against state the real engine
 * wrote: `pulumi up` of dev's VM layer (`site.stopAfter: vms`) on the test world's libvirtd,
 * then each day-2 change a reviewer reads in a pull request. The domains are real (they run,
 * under TCG, a blank disk: nothing boots, which the VM layer does not need); the base image is
 * a blank qcow2 uploaded as dev's `file` image.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PRIVATE_KEY_MARKER, TEST_PRIVATE_KEY } from "../fixtures";
import { ROOT, Sandbox, walk, WORLD_HOME } from "./harness";
import { secretSearch } from "./secrets";
import { planResources, PreviewJson, PreviewStep, previewJson, resourceKey } from "./preview";

const POOL = process.env.KVMK8S_WORLD_POOL ?? "kvm-k8s-engine";

type Site = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function virsh(...args: string[]): string {
    const run = spawnSync("virsh", ["-c", "qemu:///system", "-q", ...args], { encoding: "utf8" });
    assert.equal(run.status, 0, `virsh ${args.join(" ")}: ${run.stderr}`);
    return run.stdout;
}

const domains = (): string[] => virsh("list", "--all", "--name").split("\n").map((s) => s.trim()).filter((d) => d.startsWith("dev-")).sort();

/** Steps that change something: everything but `same` and the program's read of its own outputs. */
const changes = (p: PreviewJson): PreviewStep[] =>
    p.steps.filter((s) => s.op !== "same" && s.op !== "refresh" && !(s.op === "read" && s.urn.includes("pulumi:pulumi:StackReference")));
const show = (steps: PreviewStep[]): string[] => steps.map((s) => `${s.op} ${resourceKey(s)}`).sort();

describe("changes to a running stack, as the real engine previews them (dev's VM layer on libvirt)", function () {
    this.timeout(30 * 60 * 1000);

    let box: Sandbox;
    let baseSite: Site;
    let upOutput = "";
    const stackFile = (): string => box.stackFile("dev");
    const writeSite = (site: Site): void => {
        const doc = YAML.parse(fs.readFileSync(stackFile(), "utf8")) as { config: Record<string, unknown> };
        doc.config["kvm-k8s:site"] = site;
        fs.writeFileSync(stackFile(), YAML.stringify(doc));
    };
    /** What the offline plan registers for the stack file as it is now, as "type::name". */
    const offline = (): string[] => planResources([`file:${stackFile()}`])[`file:${stackFile()}`].resources.map((r) => `${r.type}::${r.name}`);

    before(function () {
        assert.ok(WORLD_HOME !== undefined, "KVMK8S_WORLD_HOME unset: run these through `npm run test:engine` (test/engine/run.sh)");
        box = new Sandbox({ checkout: true });
        const image = path.join(box.dir, "blank.qcow2");
        const img = spawnSync("qemu-img", ["create", "-q", "-f", "qcow2", image, "1G"], { encoding: "utf8" });
        assert.equal(img.status, 0, `qemu-img (Debian's qemu-utils): ${img.stderr}`);
        const committed = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, Site> };
        baseSite = {
            ...committed.config["kvm-k8s:site"],
            stopAfter: "vms",
            // QEMU's own emulation: no /dev/kvm here, and guests stay on TCG where kvm-pvm gives one
            hypervisors: [{ name: "hv1", uri: "qemu:///system", domainType: "qemu" }],
            storagePool: { name: POOL, create: true, path: `/var/lib/libvirt/images/${POOL}` },
            images: { director: { file: image }, node: { file: image } },
        };
        box.initStack("dev", { stackFile: YAML.stringify({ config: { ...committed.config, "kvm-k8s:site": baseSite } }), key: TEST_PRIVATE_KEY });
        const up = box.cli(["up", "--stack", "dev", "--yes", "--skip-preview"]);
        assert.equal(up.status, 0, `${up.stdout}\n${up.stderr}`);
        upOutput = `${up.stdout}\n${up.stderr}`;
        console.log(`      [figure] pulumi up of dev's VM layer: ${up.seconds.toFixed(1)} s`);
    });

    after(() => {
        if (box !== undefined) {
            const down = box.cli(["destroy", "--stack", "dev", "--yes", "--skip-preview"]);
            box.cleanup();
            assert.equal(down.status, 0, `${down.stdout}\n${down.stderr}`);
            assert.deepEqual(domains(), [], "pulumi destroy left domains of the site");
        }
    });

    it("the up made what the offline plan lists, running on libvirt", () => {
        assert.deepEqual(domains(), ["dev-director", "dev-master-1", "dev-worker-1"]);
        for (const d of domains()) {
            assert.equal(virsh("domstate", d).trim(), "running", d);
        }
        const state = JSON.parse(box.cliOk(["stack", "export", "--stack", "dev"])) as { deployment: { resources: { type: string; urn: string }[] } };
        // less what the engine adds: the stack, its self-reference, default providers
        const inState = state.deployment.resources
            .map((r) => `${r.type}::${r.urn.split("::").pop()}`)
            .filter((r) => !/^pulumi:pulumi:(Stack|StackReference)::|^pulumi:providers:[a-z]+::default/.test(r));
        assert.deepEqual(inState.sort(), offline().sort());
    });

    it("no secret's value is in the exported state, the state files or the up's output, except as ciphertext", () => {
        const { candidates, singleLine } = secretSearch(JSON.parse(box.cliOk(["stack", "export", "--stack", "dev", "--show-secrets"])));
        // the site's CA keys, the ops and admin keys, each VM's host key, the registry password
        assert.ok(candidates.length >= 20 && singleLine >= 1, `${candidates.length} secret lines, ${singleLine} single-line secrets`);
        const exported = box.cliOk(["stack", "export", "--stack", "dev"]);
        const state = walk(box.state).map((f) => fs.readFileSync(f, "utf8")).join("\n");
        for (const [where, text] of Object.entries({ "stack export": exported, "state files": state, "the up's output": upOutput })) {
            assert.deepEqual(candidates.filter((l) => text.includes(l)), [], `secret values in plain text in ${where}`);
            assert.ok(!text.includes(PRIVATE_KEY_MARKER), `the login key in plain text in ${where}`);
        }
    });

    it("a second preview, and one after a refresh, change nothing", () => {
        for (const extra of [[], ["--refresh"]]) {
            const p = previewJson(box, "dev", ["--expect-no-changes", ...extra]);
            assert.equal(p.status, 0, p.text);
            assert.deepEqual(show(changes(p)), [], `pulumi preview ${extra.join(" ")}`);
        }
    });

    it("a new worker creates only its own chain, the offline plan's difference", () => {
        const before = offline();
        writeSite({ ...baseSite, workers: [...baseSite.workers ?? [{ name: "worker-1", hypervisor: "hv1", addresses: { internal: "192.168.100.21" } }], { name: "worker-2", hypervisor: "hv1", addresses: { internal: "192.168.100.22" } }] });
        try {
            const added = offline().filter((r) => !before.includes(r)).sort();
            assert.ok(added.some((r) => r.startsWith("libvirt:index/domain:Domain::")), `offline plan adds: ${added.join(", ")}`);
            const p = previewJson(box, "dev");
            assert.equal(p.status, 0, p.text);
            assert.deepEqual(show(changes(p)), added.map((r) => `create ${r}`).sort());
        } finally {
            writeSite(baseSite);
        }
    });

    it("a bumped rebuild replaces only that VM", () => {
        const workers = (baseSite.workers ?? [{ name: "worker-1", hypervisor: "hv1", addresses: { internal: "192.168.100.21" } }]) as Site[];
        writeSite({ ...baseSite, workers: workers.map((w) => (w.name === "worker-1" ? { ...w, rebuild: 1 } : w)) });
        try {
            const p = previewJson(box, "dev");
            assert.equal(p.status, 0, p.text);
            const changed = changes(p);
            assert.ok(changed.length > 0);
            const others = changed.filter((s) => !s.urn.split("::").pop()!.includes("worker-1"));
            assert.deepEqual(show(others), [], "only worker-1's resources may change");
            assert.ok(show(changed).some((s) => /^replace libvirt:index\/domain:Domain::/.test(s)), show(changed).join("\n"));
        } finally {
            writeSite(baseSite);
        }
    });

    it("a new login key rewrites the cloud-init disks and replaces no domain", () => {
        // A rotation changes both halves: the program refuses a private key that is not the
        // public key's pair.
        const keyFile = path.join(box.dir, "new-login-key");
        const gen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rotated@kvm-k8s", "-f", keyFile], { encoding: "utf8" });
        assert.equal(gen.status, 0, gen.stderr);
        box.cliOk(["config", "set", "--secret", "kvm-k8s:sshPrivateKey", "--stack", "dev"], fs.readFileSync(keyFile, "utf8"));
        writeSite({ ...baseSite, access: { ...baseSite.access, publicKey: fs.readFileSync(`${keyFile}.pub`, "utf8").trim() } });
        try {
            const p = previewJson(box, "dev");
            assert.equal(p.status, 0, p.text);
            const changed = show(changes(p));
            const disks = changed.filter((s) => s.includes("libvirt:index/cloudInitDisk:CloudInitDisk::"));
            assert.equal(disks.length, 3, changed.join("\n"));
            assert.ok(disks.every((s) => s.startsWith("replace ")), "every CloudInitDisk input forces replacement");
            assert.deepEqual(changed.filter((s) => s.includes("libvirt:index/domain:Domain::") && !s.startsWith("update ")), [], "a domain is only updated (its cloudinit applies at next boot)");
            assert.deepEqual(changed.filter((s) => !/CloudInitDisk|domain:Domain/.test(s)), [], changed.join("\n"));
        } finally {
            box.cliOk(["config", "set", "--secret", "kvm-k8s:sshPrivateKey", "--stack", "dev"], TEST_PRIVATE_KEY);
            writeSite(baseSite);
        }
    });
});
