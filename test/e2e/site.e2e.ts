/**
 * `pulumi up` of the e2e site as an operator runs it: the real CLI 3.248.0 in a copy of this
 * checkout (the language host starts index.ts), the real libvirt, command, tls and random
 * plugins installed from ../shared/plugins (none on PATH), the namespace's libvirtd, and the
 * site's package sources served by the world (Debian mirror, Kubernetes apt repository, Helm
 * archive). The site stops after preparation (`stopAfter: prepared`): kubeadm is the
 * real-cluster work's.
 *
 * In order, each on the state the previous one left:
 *  1. the first `up` creates pool, volumes, cloud-init disks and domains; every VM boots with
 *     its static address on the NIC its MAC names; the director answers SSH with its pinned
 *     host key and every node through it with its own; preparation installed and held the
 *     Kubernetes packages at the site's version, and Helm on the director;
 *  2. a second `up --expect-no-changes`, and `preview --refresh --expect-no-changes`;
 *  3. day 2, each checked on libvirt: `rebuild: 1` on worker-1 replaces that VM only; a new
 *     worker adds only its own chain; a login key rotated in the two updates the program asks
 *     for (a one-step rotation is refused before anything is touched) rewrites the cloud-init
 *     disks and replaces no domain;
 *  4. reconstitution: master-1 destroyed behind the program's back (`virsh destroy`,
 *     `undefine`, its root volume deleted) comes back with `up --refresh`, same MACs and
 *     addresses, prepared again; 5. the first try runs with the mirror stopped, and fails
 *     naming the node and the step; the next `up`, mirror back, completes with nothing
 *     duplicated;
 *  6. no secret's value in `stack export` or in the engine's output;
 *  7. `destroy` leaves nothing of the site in libvirt (run.sh then removes the world and
 *     fails if anything was left).
 *
 * Figures (run.sh's table): each `up` and step, and for the first `up` the steps nothing can
 * shorten, timed from the engine's event log: the director's boot and preparation, then a
 * node's preparation; their sum against the whole `up`.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { PASSPHRASE, Sandbox } from "../engine/harness";
import { secretSearch } from "../engine/secrets";
import { checkEffectiveContainerd } from "../vm/containerd-dump";
import { NodeSpec, SiteConfig } from "../../stacks/types";
import { E2E_VERSIONS, e2eSite, e2eSiteConfig, E2eSiteInputs, e2eStackFile, WORLD } from "./site";
import { figure, guestNic, mustRun, run, siteInventory, Ssh, stopwatch, virsh, worldEnv } from "./world";

const STACK = "e2e";
const PLUGINS = ["libvirt", "command", "tls", "random"];
const WORLD_SH = path.join(__dirname, "world.sh");
/** A Domain's replacement shows as these ops in the event log. */
const REPLACING = new Set(["replace", "create-replacement", "delete-replaced"]);

interface StateResource {
    urn: string;
    type: string;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

interface PulumiRun {
    status: number | null;
    output: string;
    seconds: number;
    events: EngineEvent[];
}

const nameOf = (urn: string): string => urn.split("::").pop() ?? urn;

/** Resource name -> op, for every step that changed something (not same, read or refresh). */
function changed(events: EngineEvent[]): Map<string, string> {
    const ops = new Map<string, string>();
    for (const e of events) {
        const m = e.resourcePreEvent?.metadata;
        if (m !== undefined && !["same", "read", "refresh"].includes(m.op)) {
            const prior = ops.get(nameOf(m.urn));
            // a replacement's several steps: keep the one that says replace
            if (prior === undefined || !REPLACING.has(prior)) ops.set(nameOf(m.urn), m.op);
        }
    }
    return ops;
}

/** Seconds from a resource's step start to its end, by resource name. */
function stepSeconds(events: EngineEvent[]): Map<string, number> {
    const start = new Map<string, number>();
    const took = new Map<string, number>();
    for (const e of events) {
        if (e.resourcePreEvent) start.set(e.resourcePreEvent.metadata.urn, e.timestamp);
        const end = e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
        if (end !== undefined && start.has(end.urn)) took.set(nameOf(end.urn), e.timestamp - start.get(end.urn)!);
    }
    return took;
}

/**
 * KVMK8S_E2E_BREAK=vm-definition gives the site's hypervisor `domainType: kvm` on a machine
 * without usable KVM: libvirt refuses the domain, and the first test must fail saying so.
 */
function breakage(): { domainType?: "kvm" } {
    const what = process.env.KVMK8S_E2E_BREAK ?? "";
    if (what === "") return {};
    if (what === "vm-definition") return { domainType: "kvm" };
    throw new Error(`KVMK8S_E2E_BREAK='${what}': use vm-definition (or leave it unset)`);
}

/**
 * What a resource printed (a Command's output lines): from its diagnostic events, and from the
 * engine's text output, where each line comes after the resource's status ("<name> updating
 * (12s) [diff: ~stdin]; changed: ...").
 */
function printed(run: PulumiRun, name: string): string[] {
    const fromEvents = run.events
        .filter((e) => e.diagnosticEvent?.urn !== undefined && nameOf(e.diagnosticEvent.urn) === name)
        .flatMap((e) => e.diagnosticEvent!.message.split("\n"));
    const status = new RegExp(`:Command ${name} [a-z ]+\\(\\d+s\\) (?:\\[diff: [^\\]]*\\];? ?)?(.*)$`);
    const fromText = run.output.split("\n").flatMap((l) => status.exec(l)?.[1] ?? []);
    return [...fromEvents, ...fromText].map((l) => l.trim()).filter(Boolean);
}

const show = (ops: Map<string, string>): string => [...ops].map(([n, op]) => `${op} ${n}`).join("\n") || "(nothing)";

describe("pulumi up of the e2e site with the real engine: VMs and preparation, day 2, destroy", function () {
    let env: ReturnType<typeof worldEnv>;
    let box: Sandbox;
    let keyFile: string;
    let inputs: E2eSiteInputs;
    let site: SiteConfig;
    let engineOutput = "";
    let upDone = false;
    let runs = 0;
    /** Something may exist in libvirt that only `destroy` knows how to remove. */
    let created = false;

    /**
     * The real CLI in the checkout copy, running index.ts through the language host as a user's
     * `pulumi up` does (the Automation API on a local project: it streams the engine's events
     * and output, which the tests time and search). Output goes to a log file as well.
     */
    async function pulumi(label: string, op: "up" | "preview" | "destroy", opts: { refresh?: boolean; expectNoChanges?: boolean } = {}): Promise<PulumiRun> {
        runs += 1;
        const logFile = path.join(box.dir, `${String(runs).padStart(2, "0")}-${label}.log`);
        const t = stopwatch();
        const events: EngineEvent[] = [];
        let output = "";
        const common = {
            color: "never" as const,
            onOutput: (o: string) => {
                output += o;
                fs.appendFileSync(logFile, o);
            },
            onEvent: (e: EngineEvent) => events.push(e),
        };
        let status = 0;
        try {
            const stack = await box.stack(STACK);
            if (op === "up") await stack.up({ ...common, refresh: opts.refresh, expectNoChanges: opts.expectNoChanges });
            else if (op === "preview") await stack.preview({ ...common, refresh: opts.refresh, expectNoChanges: opts.expectNoChanges });
            else await stack.destroy(common);
        } catch (err) {
            status = 1;
            output += `\n${String(err)}`;
            fs.appendFileSync(logFile, `\n${String(err)}`);
        }
        engineOutput += output;
        console.log(`      pulumi ${op} (${label}): exit ${status} after ${t().toFixed(0)} s; ${/Resources:\n([\s\S]*?)\n\n/.exec(output)?.[1]?.trim().replace(/\n\s*/g, "; ") ?? "no summary"}`);
        return { status, output, seconds: t(), events };
    }

    async function pulumiOk(label: string, op: "up" | "preview" | "destroy", opts: { refresh?: boolean; expectNoChanges?: boolean } = {}): Promise<PulumiRun> {
        const r = await pulumi(label, op, opts);
        if (r.status !== 0) {
            throw new Error(`pulumi ${op} (${label}) failed after ${r.seconds.toFixed(0)} s:\n${r.output.slice(-15_000)}`);
        }
        return r;
    }

    /** Rewrite `kvm-k8s:site` in the stack file, keeping its encryption salt and secret. */
    function setSite(next: E2eSiteInputs, privateKeyFile = keyFile): void {
        inputs = next;
        const file = box.stackFile(STACK);
        const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
        doc.config["kvm-k8s:site"] = e2eSite(next);
        fs.writeFileSync(file, YAML.stringify(doc));
        site = e2eSiteConfig(next, fs.readFileSync(privateKeyFile, "utf8"));
    }

    function setLoginKey(file: string): void {
        box.cliOk(["config", "set", "--secret", "kvm-k8s:sshPrivateKey", "--stack", STACK], fs.readFileSync(file, "utf8"));
    }

    function newKey(name: string): string {
        const file = path.join(box.dir, name);
        mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `kvm-k8s-e2e-${name}`, "-f", file]);
        return file;
    }

    /** The resources in state (`stack export`), with secrets decrypted when asked. */
    function state(showSecrets = false): StateResource[] {
        const exported = JSON.parse(box.cliOk(["stack", "export", ...(showSecrets ? ["--show-secrets"] : []), "--stack", STACK])) as { deployment: { resources?: StateResource[] } };
        return exported.deployment.resources ?? [];
    }

    /**
     * What the site's resources are in state, by URN: type, id, inputs and outputs, secrets
     * decrypted (each export encrypts them afresh). Left out: the self-reference every update
     * reads again, and bookkeeping (order, timestamps).
     */
    function managedResources(): Map<string, string> {
        return new Map(
            state(true)
                .filter((r) => r.type !== "pulumi:pulumi:StackReference")
                .map((r) => [r.urn, JSON.stringify({ type: r.type, id: r.id, inputs: r.inputs, outputs: r.outputs })]),
        );
    }

    const nodes = (): NodeSpec[] => [site.director, ...site.masters, ...site.workers];

    function hostKeyOf(resources: StateResource[], node: NodeSpec): string {
        const r = resources.find((x) => x.type === "tls:index/privateKey:PrivateKey" && x.urn.endsWith(`::${node.hostname}-host-key`));
        const key = r?.outputs?.publicKeyOpenssh;
        assert.ok(typeof key === "string", `no host key for ${node.hostname} in state (tls PrivateKey ending ${node.hostname}-host-key)`);
        return key.trim();
    }

    /** SSH to each VM as the program reaches it: the director directly, nodes through it; pinned host keys only. */
    function sshTo(node: NodeSpec, login = keyFile, resources = state()): Ssh {
        const knownHosts = nodes().map((n) => `${n.address} ${hostKeyOf(resources, n)}`).join("\n") + "\n";
        const jump = `${site.access.user}@${site.director.address}`;
        return new Ssh(node.address, { user: site.access.user, keyFile: login, knownHosts, jump: node === site.director ? undefined : jump });
    }

    function domainUuids(): Map<string, string> {
        return new Map(nodes().map((n) => [n.hostname, virsh(["domuuid", n.hostname]).trim()]));
    }

    /** Every VM runs, has its addresses on the NICs its MACs name, and is prepared. */
    function checkVm(node: NodeSpec, resources = state()): void {
        assert.strictEqual(virsh(["domstate", node.hostname]).trim(), "running", `${node.hostname} is not running`);
        const ssh = sshTo(node, keyFile, resources);
        assert.strictEqual(ssh.ok("hostname").trim(), node.hostname);
        for (const nic of node.nics) {
            const got = guestNic(ssh, nic.network);
            assert.strictEqual(got.mac, nic.mac, `${node.hostname}: '${nic.network}' has MAC ${got.mac}`);
            assert.deepStrictEqual(got.addresses, [`${nic.address}/${nic.prefix}`], `${node.hostname}: '${nic.network}' addresses`);
        }
        const k8s = node === site.director ? ["kubeadm", "kubectl"] : ["kubeadm", "kubectl", "kubelet"];
        const versions = ssh.ok(`dpkg-query -W -f '\${Package} \${Version}\\n' ${k8s.join(" ")}`).trim().split("\n").sort();
        assert.deepStrictEqual(versions, k8s.map((p) => `${p} ${E2E_VERSIONS.kubernetes}-1.1`).sort(), `${node.hostname}: Kubernetes packages`);
        const held = ssh.ok("apt-mark showhold").trim().split("\n");
        assert.deepStrictEqual(k8s.filter((p) => !held.includes(p)), [], `${node.hostname}: packages not held`);
        assert.strictEqual(ssh.ok("kubeadm version -o short").trim(), `v${E2E_VERSIONS.kubernetes}`);
        if (node === site.director) {
            assert.strictEqual(ssh.ok("helm version --template '{{.Version}}'").trim(), E2E_VERSIONS.helm);
            ssh.ok("systemctl is-active --quiet docker-registry && dpkg-query -W skopeo");
        } else {
            assert.strictEqual(ssh.ok("kubelet --version").trim(), `Kubernetes v${E2E_VERSIONS.kubernetes}`);
            ssh.ok("test -x /opt/cni/bin/bridge && systemctl is-enabled --quiet kubelet && systemctl is-active --quiet containerd chrony");
        }
    }

    before(async function () {
        env = worldEnv();
        box = new Sandbox({ checkout: true });
        // The plugins come installed from ../shared/plugins (test/engine/install.sh), none on PATH.
        const listed = JSON.parse(box.cliOk(["plugin", "ls", "--json"])) as { name: string; kind: string }[];
        const missing = PLUGINS.filter((p) => !listed.some((l) => l.kind === "resource" && l.name === p));
        assert.deepStrictEqual(missing, [], "plugins missing from test/engine/install.sh's PULUMI_HOME: is ../shared/plugins beside the clone?");
        assert.deepStrictEqual(siteInventory(), [], "the world must start with nothing of the site in libvirt");
        keyFile = newKey("login");
        inputs = { imageFile: env.imageFile, publicKey: fs.readFileSync(`${keyFile}.pub`, "utf8").trim(), ...breakage() };
        site = e2eSiteConfig(inputs, fs.readFileSync(keyFile, "utf8"));
        box.initStack(STACK, { stackFile: e2eStackFile(inputs), key: fs.readFileSync(keyFile, "utf8") });
    });

    after(async function () {
        this.timeout(30 * 60_000);
        if (box !== undefined && created) {
            // a failed test still made things: take them down so the next run starts clean
            run(WORLD_SH, ["mirror-start"]);
            const r = await pulumi("destroy-after-failure", "destroy");
            if (r.status !== 0) console.log(`      destroy after a failure: ${r.output.slice(-3000)}`);
        }
        if (process.env.KVMK8S_E2E_KEEP === "1") {
            console.log(`      kept ${box?.dir} (KVMK8S_E2E_KEEP=1): the stack, its logs and event logs`);
        } else {
            box?.cleanup();
        }
    });

    it("up creates pool, volumes, cloud-init disks and domains, and prepares the director and every node", async function () {
        created = true;
        const r = await pulumiOk("first-up", "up");
        figure("pulumi_up", r.seconds, `first up to every VM prepared, ${nodes().length} VMs`);
        const took = stepSeconds(r.events);
        const director = took.get(`${WORLD.site}-director-prepare`);
        const nodePrepares = nodes().slice(1).map((n) => took.get(`${n.hostname}-prepare`));
        assert.ok(director !== undefined && nodePrepares.every((s) => s !== undefined), `no timings for the prepare steps in the event log:\n${[...took].join("\n")}`);
        const slowestNode = Math.max(...(nodePrepares as number[]));
        figure("director_boot_and_prepare", director, "from its domain's start: boot to SSH, then preparation");
        figure("node_prepare_slowest", slowestNode, nodes().slice(1).map((n) => `${n.hostname} ${took.get(`${n.hostname}-prepare`)} s`).join(", "));
        figure("first_up_unavoidable", director + slowestNode, `ratio up/unavoidable ${(r.seconds / (director + slowestNode)).toFixed(2)}`);
        const types = state().map((x) => x.type);
        const count = (t: string) => types.filter((x) => x === t).length;
        assert.strictEqual(count("libvirt:index/pool:Pool"), 1);
        assert.strictEqual(count("libvirt:index/domain:Domain"), nodes().length);
        assert.strictEqual(count("libvirt:index/cloudInitDisk:CloudInitDisk"), nodes().length);
        upDone = true;
    });

    it("every VM has its static address on the NIC its MAC names, answers with its pinned key, and is prepared", function () {
        assert.ok(upDone, "the up did not complete");
        const resources = state();
        for (const node of nodes()) checkVm(node, resources);
        // containerd: what the rendered config.toml gives is what the old patched default gave
        const master = sshTo(site.masters[0], keyFile, resources);
        console.log(`      [containerd] ${checkEffectiveContainerd((command, input) => master.ok(command, input), site.cluster.sandboxImage)}`);
    });

    it("a second up changes nothing, and neither does preview --refresh", async function () {
        assert.ok(upDone, "the up did not complete");
        const up = await pulumiOk("no-op-up", "up", { expectNoChanges: true });
        figure("pulumi_up_no_op", up.seconds);
        assert.strictEqual(show(changed(up.events)), "(nothing)");
        const preview = await pulumiOk("preview-refresh", "preview", { refresh: true, expectNoChanges: true });
        figure("pulumi_preview_refresh", preview.seconds);
        assert.strictEqual(show(changed(preview.events)), "(nothing)");
    });

    it("rebuild: 1 on worker-1 replaces that VM only, and the new one is prepared", async function () {
        assert.ok(upDone, "the up did not complete");
        const worker = site.workers[0];
        const before = domainUuids();
        sshTo(worker).ok("sudo touch /var/lib/kvm-k8s-e2e-before-rebuild");
        setSite({ ...inputs, rebuild: { [worker.name]: 1 } });
        const r = await pulumiOk("rebuild-worker-1", "up");
        figure("day2_rebuild_worker", r.seconds);
        const ops = changed(r.events);
        const own = (n: string): boolean => n === worker.hostname || n.startsWith(`${worker.hostname}-`);
        assert.deepStrictEqual([...ops.keys()].filter((n) => !own(n)), [], `changes beyond ${worker.hostname}:\n${show(ops)}`);
        assert.ok(REPLACING.has(ops.get(worker.hostname) ?? ""), `the domain was not replaced:\n${show(ops)}`);
        const after = domainUuids();
        for (const [name, uuid] of before) {
            if (name === worker.hostname) assert.notStrictEqual(after.get(name), uuid, `${name} is the same domain`);
            else assert.strictEqual(after.get(name), uuid, `${name} was replaced too`);
        }
        // the old root volume is gone: the new one holds nothing the old one did
        sshTo(worker).ok("test ! -e /var/lib/kvm-k8s-e2e-before-rebuild");
        checkVm(worker);
    });

    it("a new worker adds only its own chain", async function () {
        assert.ok(upDone, "the up did not complete");
        const before = domainUuids();
        setSite({ ...inputs, extraWorkers: 1 });
        const added = site.workers[1];
        const r = await pulumiOk("new-worker", "up");
        figure("day2_new_worker", r.seconds);
        const ops = changed(r.events);
        const own = (n: string): boolean => n === added.hostname || n.startsWith(`${added.hostname}-`);
        assert.deepStrictEqual([...ops].filter(([n, op]) => own(n) && op !== "create"), [], `${added.hostname}'s chain was not only created:\n${show(ops)}`);
        // Every other VM's /etc/hosts lists the new worker (HOSTS_ENTRIES): their preparations
        // re-run in place; nothing else of theirs changes.
        const elsewhere = [...ops].filter(([n, op]) => !own(n) && !(op === "update" && n.endsWith("-prepare")));
        assert.deepStrictEqual(elsewhere, [], `changes beyond ${added.hostname}'s chain and the other preparations' hosts entries:\n${show(ops)}`);
        assert.ok(ops.get(added.hostname) === "create", `no domain created for ${added.hostname}:\n${show(ops)}`);
        const after = domainUuids();
        for (const [name, uuid] of before) assert.strictEqual(after.get(name), uuid, `${name} was replaced`);
        checkVm(added);
    });

    it("a VM destroyed behind the program's back comes back with up --refresh; with the mirror stopped the update fails naming node and step, and the next completes with nothing duplicated", async function () {
        assert.ok(upDone, "the up did not complete");
        const master = site.masters[0];
        const before = domainUuids();
        const volumes = siteInventory().filter((x) => x.startsWith("volume "));
        virsh(["destroy", master.hostname]);
        virsh(["undefine", master.hostname]);
        virsh(["vol-delete", "--pool", WORLD.pool, `${master.hostname}-root.qcow2`]);
        mustRun(WORLD_SH, ["mirror-stop"]);
        let failed: PulumiRun;
        try {
            failed = await pulumi("reconstitute-mirror-stopped", "up", { refresh: true });
        } finally {
            mustRun(WORLD_SH, ["mirror-start"]);
        }
        figure("day2_reconstitute_failing", failed.seconds, "mirror stopped: fails in preparation");
        assert.notStrictEqual(failed.status, 0, "the up succeeded with the site's mirror stopped");
        assert.match(failed.output, new RegExp(`${master.hostname}-prepare`), "the failure does not name the node's preparation");
        assert.match(failed.output, new RegExp(`stopped in step [a-z_]+ on ${master.hostname}`), `the failure does not name the step:\n${failed.output.slice(-5000)}`);
        assert.strictEqual(virsh(["domstate", master.hostname]).trim(), "running", "the VM was not recreated");
        const r = await pulumiOk("reconstitute", "up");
        figure("day2_reconstitute_complete", r.seconds, "mirror back");
        const after = domainUuids();
        for (const [name, uuid] of before) if (name !== master.hostname) assert.strictEqual(after.get(name), uuid, `${name} was replaced`);
        // one of everything: the same domains and volumes as before, by name, none twice
        const domains = virsh(["list", "--all", "--name"]).split("\n").map((s) => s.trim()).filter(Boolean).sort();
        assert.deepStrictEqual(domains, nodes().map((n) => n.hostname).sort());
        assert.deepStrictEqual(siteInventory().filter((x) => x.startsWith("volume ")).sort(), volumes.sort());
        checkVm(master);
    });

    it("a login key rotated at once is refused before anything is touched; rotated in two updates, it rewrites the cloud-init disks and replaces no domain", async function () {
        assert.ok(upDone, "the up did not complete");
        const before = domainUuids();
        const oldKey = keyFile;
        const next = newKey("login-next");
        const nextPublic = fs.readFileSync(`${next}.pub`, "utf8").trim();
        // the program reads its own last outputs through a StackReference, read again by every update
        const resourcesBefore = managedResources();
        // at once: new pair as the login key
        setLoginKey(next);
        setSite({ ...inputs, publicKey: nextPublic }, next);
        const refused = await pulumi("rotate-at-once", "up");
        assert.notStrictEqual(refused.status, 0, "a one-step key rotation was not refused");
        assert.match(refused.output, /kvm-k8s:site\.access\.publicKey/);
        assert.match(refused.output, /extraPublicKeys/);
        const resourcesAfter = managedResources();
        const touched = [...new Set([...resourcesBefore.keys(), ...resourcesAfter.keys()])].filter((u) => resourcesBefore.get(u) !== resourcesAfter.get(u));
        assert.deepStrictEqual(touched.map(nameOf), [], "the refused update changed these resources in the state");
        // step 1: the current key logs in; the next one is authorized beside it
        setLoginKey(oldKey);
        setSite({ ...inputs, publicKey: fs.readFileSync(`${oldKey}.pub`, "utf8").trim(), extraPublicKeys: [nextPublic] }, oldKey);
        const first = await pulumiOk("rotate-authorize-next", "up");
        figure("day2_key_authorize_next", first.seconds);
        const afterFirst = state();
        for (const node of nodes()) sshTo(node, next, afterFirst).ok("true");
        // step 2: the next key is the login key; the old one is no longer authorized
        setLoginKey(next);
        keyFile = next;
        setSite({ ...inputs, publicKey: nextPublic, extraPublicKeys: [] }, next);
        const second = await pulumiOk("rotate-switch", "up");
        figure("day2_key_switch", second.seconds);
        // Preparation ran again on every VM (its environment changed) and, being idempotent,
        // changed nothing but the login keys.
        for (const node of nodes()) {
            const lines = printed(first, `${node.hostname}-prepare`);
            assert.ok(lines.some((l) => /^ok: /.test(l)), `no output of ${node.hostname}-prepare in the first rotation update`);
            const other = lines.filter((l) => l.startsWith("changed:") && !/authorized_keys accepts exactly the program's 2 login key/.test(l));
            assert.deepStrictEqual(other, [], `${node.hostname}: preparation run again changed more than the login keys (not idempotent)`);
        }
        for (const r of [first, second]) {
            const ops = changed(r.events);
            const disks = [...ops].filter(([n]) => /-cloudinit$/.test(n));
            assert.strictEqual(disks.length, nodes().length, `not every cloud-init disk was rewritten:\n${show(ops)}`);
            assert.deepStrictEqual([...ops].filter(([n, op]) => REPLACING.has(op) && !/-cloudinit$/.test(n)), [], `something besides cloud-init disks was replaced:\n${show(ops)}`);
        }
        assert.deepStrictEqual(domainUuids(), before, "a domain was replaced");
        const afterSecond = state();
        for (const node of nodes()) {
            sshTo(node, keyFile, afterSecond).ok("true");
            const old = sshTo(node, oldKey, afterSecond).run("true");
            assert.notStrictEqual(old.status, 0, `${node.hostname} still lets the old login key in`);
        }
    });

    it("stack export holds no plain-text copy of any secret, and neither did the engine's output", function () {
        assert.ok(upDone, "the up did not complete");
        const { candidates, singleLine } = secretSearch(JSON.parse(box.cliOk(["stack", "export", "--show-secrets", "--stack", STACK])));
        assert.ok(candidates.length >= 20 && singleLine >= 1, `${candidates.length} secret lines, ${singleLine} single-line secrets: is the search looking at the right shape?`);
        const login = fs.readFileSync(keyFile, "utf8");
        assert.ok(candidates.some((s) => login.includes(s)), "sshPrivateKey is not among the secrets of the state");
        const plain = box.cliOk(["stack", "export", "--stack", STACK]);
        for (const [where, text] of Object.entries({ "pulumi stack export": plain, "the engine's output": engineOutput })) {
            assert.deepStrictEqual(candidates.filter((s) => text.includes(s)).map((s) => `${s.slice(0, 8)}...`), [], `secret values in plain text in ${where}`);
        }
        assert.ok(!plain.includes(PASSPHRASE), "the passphrase is in the state");
    });

    it("destroy leaves nothing of the site in libvirt", async function () {
        assert.ok(upDone, "the up did not complete");
        const macs = new Set(nodes().flatMap((n) => n.nics.map((x) => x.mac)));
        const r = await pulumiOk("destroy", "destroy");
        created = false;
        figure("pulumi_destroy", r.seconds);
        assert.deepStrictEqual(siteInventory(), []);
        // nothing of it is left either among all domains, by MAC (a renamed domain would hide)
        for (const d of mustRun("virsh", ["-c", "qemu:///system", "-q", "list", "--all", "--name"]).split("\n").filter(Boolean)) {
            const xml = mustRun("virsh", ["-c", "qemu:///system", "dumpxml", d]);
            for (const mac of macs) assert.ok(!xml.includes(mac), `domain ${d} still has the site's MAC ${mac}`);
        }
    });
});
