/**
 * Real-VM test (`npm run test:vm`; not part of `npm test`): boots a Debian 12 VM under qemu
 * (TCG, no KVM needed) with the cloud-init the program renders for the dev stack's first
 * master, logs in over SSH with the rendered login key and the pinned host key, checks what
 * cloud-init made of it, then runs the node preparation script twice exactly as the program
 * sends it (env prelude + library installer + prepare-node.sh, `sudo -n bash <file>`) and
 * checks the node's state and that the second run changed nothing. containerd: the minimal
 * config.toml the program renders must give the effective configuration (`containerd config
 * dump`) the awk-patched `containerd config default` of earlier versions gave
 * (test/legacy/containerd.sh), computed on the VM each run; containerd is restarted by the
 * first run (its config.toml changed) and not by the second.
 *
 * The root disk is built once with debootstrap by test/vm/build-image.sh and cached in
 * /var/cache/kvm-k8s/vm/bookworm-<hash of build-image.sh>/, outside the clone so CI runs in a
 * fresh clone find it (the package list lives in that script, so an
 * edit rebuilds). Each run boots a copy-on-write overlay of it, so the cache stays pristine.
 * Needs root (debootstrap) and: debootstrap qemu-system-x86 qemu-utils cloud-image-utils
 * e2fsprogs (.ci/run installs them).
 *
 * The node's NIC is adapted to qemu user networking (slirp): address 10.0.2.15/24, gateway
 * 10.0.2.2, DNS 10.0.2.3; qemu's NIC gets the node's MAC, so the rendered netplan match
 * (MAC -> set-name `internal`) is exercised for real. The user network runs with
 * restrict=on: the VM reaches nothing but its forwarded SSH port, so the Kubernetes package
 * steps are expected to print SKIPPED (KVMK8S_ALLOW_OFFLINE=1).
 *
 * Environment:
 *   KVMK8S_VM_BREAK      optional  inject a fault to see the test fail usefully (never in CI):
 *                                  "user-data": ssh_authorized_keys gets a key other than the
 *                                  test's login key; "script": an `exit 7` right after the
 *                                  script loads the library
 *   KVMK8S_VM_KEEP       optional  "1": keep the temp dir (serial log, seed, keys) and say where
 *   KVMK8S_VM_CACHE      optional  cache folder (default /var/cache/kvm-k8s/vm)
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from "child_process";
import { renderCloudInit } from "../../components/vm";
import { prepareNodeEnv, prepareNodeScript } from "../../components/nodes";
import { CERTS_D, CONTAINERD_CONFIG_PATH } from "../../components/nodes/containerd";
import { envPrelude, LIBRARY_PATH, RUN_STDIN_AS_ROOT } from "../../components/remote";
import { NodeSpec, SiteConfig } from "../../stacks/types";
import { ROOT, stackSite } from "../fixtures";
import { checkEffectiveContainerd } from "./containerd-dump";

const BREAK = process.env.KVMK8S_VM_BREAK ?? "";
if (!["", "user-data", "script"].includes(BREAK)) {
    throw new Error(`KVMK8S_VM_BREAK='${BREAK}': use user-data or script (or leave it unset)`);
}
const CACHE = process.env.KVMK8S_VM_CACHE ?? "/var/cache/kvm-k8s/vm";
const BUILD_SCRIPT = path.join(ROOT, "test", "vm", "build-image.sh");
const SLIRP = { address: "10.0.2.15", prefix: 24, gateway: "10.0.2.2", dns: ["10.0.2.3"] };
const NTP_SERVERS = ["10.0.2.2"];
const SSH_WAIT_S = 600;
const PULL_PASSWORD = "vm-test-dummy-password";
/** The whole run, image build included, must end within this (each test gets what is left). */
const RUN_LIMIT_MS = 25 * 60_000;

const t0 = Date.now();
let phaseStart = Date.now();
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
function phase(what: string): void {
    const now = Date.now();
    console.log(`      [vm +${secs(now - t0)}] ${what}`);
    phaseStart = now;
}
function done(what: string): void {
    console.log(`      [vm +${secs(Date.now() - t0)}] ${what} (${secs(Date.now() - phaseStart)})`);
}

function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
    return spawnSync(cmd, args, { encoding: "utf8", input: opts.input, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
}
function mustRun(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
    const r = run(cmd, args, opts);
    if (r.error || r.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`);
    }
    return r.stdout;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The dev stack's first master, its node-network NIC moved onto qemu's user network. */
function adaptToSlirp(site: SiteConfig): NodeSpec {
    const node = structuredClone(site.masters[0]);
    const nic = node.nics.find((n) => n.network === site.nodeNetwork);
    assert.ok(nic, `${node.name} has no NIC on ${site.nodeNetwork}`);
    Object.assign(nic, { address: SLIRP.address, prefix: SLIRP.prefix, gateway: SLIRP.gateway, dns: SLIRP.dns });
    // qemu user networking gives the guest one NIC: keep only the node network's.
    node.nics = [nic];
    node.address = SLIRP.address;
    return node;
}

function tail(file: string, lines: number): string {
    try {
        return fs.readFileSync(file, "utf8").replace(/\r/g, "").split("\n").slice(-lines).join("\n");
    } catch {
        return "(no serial log)";
    }
}

describe("real VM: boot the dev master with its rendered cloud-init, then prepare it", function () {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-vm-"));
    const serialLog = path.join(tmp, "serial.log");
    const site = stackSite("dev");
    const node = adaptToSlirp(site);
    const nic = node.nics[0];
    let imageDir = "";
    let port = 0;
    let qemu: ChildProcess | undefined;
    let qemuExit: string | undefined;
    let sshBase: string[] = [];
    let cloudInitStatus = "";

    function ssh(command: string, input?: string, timeoutMs = 180_000): SpawnSyncReturns<string> {
        return run("ssh", [...sshBase, command], { input, timeoutMs });
    }
    function sshOk(command: string, input?: string): string {
        const r = ssh(command, input);
        if (r.error || r.status !== 0) {
            throw new Error(`on the VM, \`${command}\` failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`);
        }
        return r.stdout;
    }

    beforeEach(function () {
        const left = RUN_LIMIT_MS - (Date.now() - t0);
        if (left <= 0) {
            throw new Error(`the VM test's ${RUN_LIMIT_MS / 60_000} min limit is used up`);
        }
        this.currentTest?.timeout(left);
    });

    before(function () {
        if (process.getuid?.() !== 0) {
            throw new Error("the VM test needs root (debootstrap builds the image); run it as root, as .ci/run does");
        }
        const missing = ["debootstrap", "qemu-system-x86_64", "qemu-img", "cloud-localds", "mkfs.ext4", "ssh", "ssh-keygen", "openssl"].filter(
            (tool) => run("sh", ["-c", `command -v ${tool}`]).status !== 0,
        );
        if (missing.length > 0) {
            throw new Error(`missing tools: ${missing.join(", ")}; apt-get install debootstrap qemu-system-x86 qemu-utils cloud-image-utils e2fsprogs openssh-client openssl`);
        }
        if (BREAK) {
            console.log(`      [vm] KVMK8S_VM_BREAK=${BREAK}: a fault is injected on purpose; this run must fail`);
        }
    });

    after(async function () {
        this.timeout(60_000);
        if (qemu && qemuExit === undefined) {
            qemu.kill("SIGTERM");
            const exited = await Promise.race([new Promise((resolve) => qemu!.once("exit", resolve)), sleep(10_000).then(() => "timeout")]);
            if (exited === "timeout" && qemuExit === undefined) {
                qemu.kill("SIGKILL");
            }
            console.log(`      [vm +${secs(Date.now() - t0)}] VM stopped`);
        }
        if (process.env.KVMK8S_VM_KEEP === "1") {
            console.log(`      [vm] kept ${tmp} (serial.log, seed, keys)`);
        } else {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
        console.log(`      [vm] total ${secs(Date.now() - t0)}`);
    });

    it("builds the Debian 12 root disk, or finds it in the cache", function () {
        const key = crypto.createHash("sha256").update(fs.readFileSync(BUILD_SCRIPT)).digest("hex").slice(0, 16);
        imageDir = path.join(CACHE, `bookworm-${key}`);
        const ready = path.join(imageDir, "ready");
        if (fs.existsSync(ready)) {
            phase(`image: cache hit ${imageDir}`);
            return;
        }
        phase(`image: cache miss, building ${imageDir} with debootstrap`);
        fs.mkdirSync(CACHE, { recursive: true });
        // images of earlier build scripts are stale: keep only the one being built
        for (const old of fs.readdirSync(CACHE).filter((name) => name.startsWith("bookworm-"))) {
            fs.rmSync(path.join(CACHE, old), { recursive: true, force: true });
        }
        const r = run("bash", [BUILD_SCRIPT, imageDir], { timeoutMs: 15 * 60_000 });
        process.stdout.write(`${r.stdout.trimEnd().replace(/^/gm, "        ")}\n`);
        if (r.error || r.status !== 0) {
            throw new Error(`building the image failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
        }
        fs.writeFileSync(ready, `${new Date().toISOString()}\n`);
        done("image: built");
    });

    it("boots it with the rendered cloud-init and logs in with the pinned host key", async function () {
        phase("render cloud-init and keys");
        mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "kvm-k8s-vm-test-login", "-f", path.join(tmp, "login")]);
        mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "root@" + node.hostname, "-f", path.join(tmp, "hostkey")]);
        const loginPub = fs.readFileSync(path.join(tmp, "login.pub"), "utf8").trim();
        const loginFingerprint = mustRun("ssh-keygen", ["-l", "-f", path.join(tmp, "login.pub")]).trim();
        const hostKey = {
            privateKey: fs.readFileSync(path.join(tmp, "hostkey"), "utf8"),
            publicKey: fs.readFileSync(path.join(tmp, "hostkey.pub"), "utf8").trim(),
        };
        let authorizedKey = loginPub;
        if (BREAK === "user-data") {
            mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "not-the-login-key", "-f", path.join(tmp, "other")]);
            authorizedKey = fs.readFileSync(path.join(tmp, "other.pub"), "utf8").trim();
        }
        const rendered = renderCloudInit({ node, access: { user: site.access.user, publicKey: authorizedKey }, dnsDomain: site.domain }, hostKey);
        for (const [name, content] of [["user-data", rendered.userData], ["network-config", rendered.networkConfig], ["meta-data", rendered.metaData]]) {
            fs.writeFileSync(path.join(tmp, name), content);
        }
        mustRun("cloud-localds", ["-N", path.join(tmp, "network-config"), path.join(tmp, "seed.img"), path.join(tmp, "user-data"), path.join(tmp, "meta-data")]);
        mustRun("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", path.join(imageDir, "rootfs.img"), path.join(tmp, "root.qcow2")]);
        port = await freePort();
        fs.writeFileSync(path.join(tmp, "known_hosts"), `[127.0.0.1]:${port} ${hostKey.publicKey}\n`);
        sshBase = [
            "-p", String(port),
            "-i", path.join(tmp, "login"),
            "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes",
            "-o", `UserKnownHostsFile=${path.join(tmp, "known_hosts")}`,
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=10",
            "-o", "LogLevel=ERROR",
            `${site.access.user}@127.0.0.1`,
        ];
        done(`rendered for ${node.hostname} (${nic.network} ${nic.mac} -> ${SLIRP.address}/${SLIRP.prefix}), ssh port ${port}`);

        phase("boot: qemu -accel tcg -m 2048 -smp 2");
        const args = [
            "-accel", "tcg", "-m", "2048", "-smp", "2", "-nographic", "-no-reboot",
            "-monitor", "none", "-serial", `file:${serialLog}`,
            "-kernel", path.join(imageDir, "vmlinuz"),
            "-initrd", path.join(imageDir, "initrd.img"),
            "-append", "root=/dev/vda rw console=ttyS0 panic=-1",
            "-drive", `file=${path.join(tmp, "root.qcow2")},if=virtio,format=qcow2`,
            "-drive", `file=${path.join(tmp, "seed.img")},if=virtio,format=raw,readonly=on`,
            // restrict=on: the guest reaches nothing beyond this host's forwarded SSH port (no
            // test sends traffic off this machine); the forward itself still works
            "-netdev", `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:22`,
            "-device", `virtio-net-pci,netdev=n0,mac=${nic.mac}`,
        ];
        qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
        let qemuStderr = "";
        qemu.stderr?.on("data", (d: Buffer) => (qemuStderr += d.toString()));
        qemu.on("exit", (code, signal) => (qemuExit = `qemu exited (${signal ?? `code ${code}`}) ${qemuStderr.trim()}`));
        // belt and braces: if mocha itself is cut short, the VM must not outlive it
        process.once("exit", () => {
            if (qemuExit === undefined) qemu?.kill("SIGKILL");
        });

        // Wait (bounded) for sshd, then for the login to be accepted.
        const deadline = Date.now() + SSH_WAIT_S * 1000;
        let last = "";
        let deniedSince = 0;
        let kernelSeen = false;
        while (true) {
            if (qemuExit !== undefined) {
                throw new Error(`${qemuExit}; last serial lines:\n${tail(serialLog, 30)}`);
            }
            if (!kernelSeen && fs.existsSync(serialLog) && /Run \/init as init process|Freeing unused kernel/.test(fs.readFileSync(serialLog, "utf8"))) {
                kernelSeen = true;
                done("boot: kernel started, initramfs running");
                phase("wait for cloud-init and sshd");
            }
            const r = ssh("hostname", undefined, 30_000);
            if (r.status === 0) {
                break;
            }
            last = (r.stderr || r.error?.message || "").trim();
            if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(last)) {
                throw new Error(`the VM's SSH host key is not the one rendered into user-data (ssh_keys): ${last}`);
            }
            if (/Permission denied/.test(last)) {
                deniedSince ||= Date.now();
                // sshd starts after cloud-init's user and key modules: a refusal that lasts is final.
                if (Date.now() - deniedSince > 90_000) {
                    throw new Error(
                        `sshd (with the pinned host key) refuses the rendered login key for ${site.access.user} for 90s: ${last}\n` +
                            `so the user-data did not authorize the test's login key (${loginFingerprint}) for ${site.access.user}; ` +
                            `cloud-init's list of authorized keys is in the serial log. Last serial lines:\n${tail(serialLog, 20)}`,
                    );
                }
            }
            if (Date.now() > deadline) {
                throw new Error(`no SSH login on 127.0.0.1:${port} after ${SSH_WAIT_S}s (last: ${last}); last serial lines:\n${tail(serialLog, 30)}`);
            }
            await sleep(3000);
        }
        done(`ssh: logged in as ${site.access.user} with the pinned host key`);

        // cloud-init restarts sshd late in its run: wait for it to finish, reconnecting.
        phase("wait for cloud-init to finish (cloud-init status --wait)");
        while (true) {
            const r = ssh("cloud-init status --wait --long", undefined, 600_000);
            if (r.status !== 255) {
                cloudInitStatus = `${r.stdout}${r.stderr}`;
                break;
            }
            if (qemuExit !== undefined || Date.now() > deadline) {
                throw new Error(`lost SSH while waiting for cloud-init: ${(r.stderr || "").trim()}; last serial lines:\n${tail(serialLog, 30)}`);
            }
            await sleep(3000);
        }
        done(`cloud-init: ${/^status: (.*)$/m.exec(cloudInitStatus)?.[1] ?? "?"}`);
    });

    it("cloud-init applied the rendered hostname, network, user and sshd settings", function () {
        phase("checks after first boot");
        assert.strictEqual(sshOk("hostname").trim(), node.hostname, "hostname");
        assert.strictEqual(sshOk("id -un").trim(), site.access.user, "login user");
        assert.match(cloudInitStatus, /^status: done$/m, `cloud-init did not finish cleanly with the rendered user-data:\n${cloudInitStatus}`);
        const links = sshOk("ip -o link show");
        const link = links.split("\n").find((l) => new RegExp(`^\\d+: ${nic.network}:`).test(l));
        assert.ok(link, `no interface named '${nic.network}' (netplan set-name by MAC did not apply):\n${links}`);
        assert.ok(link.toLowerCase().includes(nic.mac.toLowerCase()), `'${nic.network}' does not have MAC ${nic.mac}:\n${link}`);
        const addrs = sshOk(`ip -o -4 addr show dev ${nic.network}`);
        assert.match(addrs, new RegExp(`inet ${SLIRP.address.replace(/\./g, "\\.")}/${SLIRP.prefix}\\b`), `'${nic.network}' lacks ${SLIRP.address}/${SLIRP.prefix}:\n${addrs}`);
        const route = sshOk("ip -o -4 route show default");
        assert.match(route, new RegExp(`via ${SLIRP.gateway.replace(/\./g, "\\.")} dev ${nic.network}`), `default route:\n${route}`);
        assert.strictEqual(ssh("sudo -n true").status, 0, "passwordless sudo");
        const sshd = sshOk("sudo -n sshd -T");
        assert.match(sshd, /^passwordauthentication no$/m, "sshd allows password login");
        done(`hostname ${node.hostname}, user ${site.access.user}, ${nic.network} ${nic.mac} ${SLIRP.address}/${SLIRP.prefix}, sudo -n, passwordauthentication no`);
    });

    it("the VM has no egress: it cannot even open this host's own forwarded port through qemu's gateway", function () {
        // 10.0.2.2 is this host's loopback as seen from the guest: a connection that never
        // leaves the machine, refused under restrict=on and accepted without it
        const r = ssh(`timeout 10 bash -c 'exec 3<>/dev/tcp/${SLIRP.gateway}/${port}' && echo connected || echo blocked`);
        assert.strictEqual(r.stdout.trim(), "blocked", `the guest reached ${SLIRP.gateway}:${port}: qemu's user network is not restricted`);
        done(`no egress: ${SLIRP.gateway}:${port} blocked from the guest (restrict=on)`);
    });

    describe("node preparation, run twice as the program runs it", function () {
        let env: Record<string, string> = {};
        const outputs: string[] = [];
        /** containerd's main PID and when it last became active, after each run (index 0: before the first). */
        const containerdState: string[] = [];
        const containerdNow = (): string => sshOk("sudo -n systemctl show -p MainPID -p ActiveEnterTimestampMonotonic containerd").trim();

        before(function () {
            phase("prepare-node inputs: test CA, ops key");
            mustRun("openssl", [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=kvm-k8s vm-test registry CA", "-keyout", path.join(tmp, "ca.key"), "-out", path.join(tmp, "ca.crt"),
            ]);
            mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "kvm-k8s-ops", "-f", path.join(tmp, "ops")]);
            env = prepareNodeEnv(site, node, {
                caCertPem: fs.readFileSync(path.join(tmp, "ca.crt"), "utf8"),
                password: PULL_PASSWORD,
                opsPublicKey: fs.readFileSync(path.join(tmp, "ops.pub"), "utf8").trim(),
            });
            env.NTP_SERVERS = NTP_SERVERS.join(" ");
            env.KVMK8S_ALLOW_OFFLINE = "1";
            // qemu's user network runs with restrict=on: the guest has no route anywhere, so
            // the Kubernetes package steps must skip, visibly
            done(`the VM has no route out (restrict=on): package steps must print SKIPPED`);
        });

        function prepare(n: number): string {
            phase(`prepare-node run ${n}: sudo -n bash <env prelude + library installer + prepare-node.sh>`);
            let content = prepareNodeScript.content;
            if (BREAK === "script") {
                // right after the script has loaded the library, as a broken script line would
                content = content.replace(`\nsource ${LIBRARY_PATH}\n`, `\nsource ${LIBRARY_PATH}\nexit 7\n`);
                assert.notStrictEqual(content, prepareNodeScript.content, "could not find where the script loads the library");
            }
            const r = ssh(RUN_STDIN_AS_ROOT, `${envPrelude(env)}${content}`, 20 * 60_000);
            const out = `${r.stdout}${r.stderr}`;
            if (out.trim()) {
                process.stdout.write(`${out.trimEnd().replace(/^/gm, `        run ${n} | `)}\n`);
            }
            if (r.error || r.status !== 0) {
                const injected = BREAK === "script" ? " [KVMK8S_VM_BREAK=script injected `exit 7` after the library loads]" : "";
                throw new Error(
                    `prepare-node.sh run ${n} failed on the VM (${r.error?.message ?? `exit ${r.status}`})${injected}; ` +
                        (out.trim() ? `its output:\n${out}` : "it printed nothing: it stopped before its first step"),
                );
            }
            assert.ok(!out.includes(PULL_PASSWORD), `run ${n} printed the registry password`);
            containerdState[n] = containerdNow();
            done(`prepare-node run ${n}: exit 0; containerd ${containerdState[n].replace(/\n/g, ", ")}`);
            return r.stdout;
        }

        it("the first run exits 0, and skips the Kubernetes packages visibly when offline", function () {
            // Debian's package starts containerd at boot with its own config.toml
            containerdState[0] = containerdNow();
            console.log(`      [vm] containerd before preparation: ${containerdState[0].replace(/\n/g, ", ")}`);
            outputs[0] = prepare(1);
            assert.match(outputs[0], /^changed: /m, "the first run changed nothing on a fresh VM");
            assert.match(outputs[0], /^SKIPPED: .*Kubernetes apt repo .* unreachable/m, "no SKIPPED line for the Kubernetes repo");
            assert.match(outputs[0], /^SKIPPED: kubelet kubeadm kubectl not installed/m, "no SKIPPED line for the Kubernetes packages");
            assert.match(outputs[0], /^changed: wrote \/etc\/containerd\/config\.toml$/m, "the rendered config.toml replaces Debian's");
            assert.match(outputs[0], /^changed: restarted containerd$/m, "a changed config.toml restarts containerd");
            assert.notStrictEqual(containerdState[1], containerdState[0], "containerd was not restarted with its new config.toml");
        });

        it("the second run exits 0 and changes nothing", function () {
            assert.ok(outputs[0] !== undefined, "the first run did not complete");
            outputs[1] = prepare(2);
            const changed = outputs[1].split("\n").filter((l) => l.startsWith("changed:"));
            assert.deepStrictEqual(changed, [], `the second run changed things (not idempotent):\n${changed.join("\n")}`);
            assert.match(outputs[1], /^ok: containerd already running with the current config$/m);
            assert.strictEqual(containerdState[2], containerdState[1], "the second run restarted containerd (MainPID or ActiveEnterTimestampMonotonic moved)");
        });

        it("left the node ready for kubeadm: modules, sysctls, chrony, containerd, kubelet args, library, no swap", function () {
            assert.ok(outputs[1] !== undefined, "the runs did not complete");
            phase("checks after node preparation");
            const modules = sshOk("sudo -n lsmod");
            for (const m of ["overlay", "br_netfilter"]) {
                assert.match(modules, new RegExp(`^${m}\\s`, "m"), `module ${m} not loaded`);
            }
            for (const key of ["net.ipv4.ip_forward", "net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables"]) {
                assert.strictEqual(sshOk(`sudo -n sysctl -n ${key}`).trim(), "1", key);
            }
            const sources = sshOk("cat /etc/chrony/sources.d/kvm-k8s.sources");
            for (const s of NTP_SERVERS) {
                assert.match(sources, new RegExp(`^server ${s.replace(/\./g, "\\.")}\\b`, "m"), `chrony sources lack ${s}:\n${sources}`);
            }
            // containerd's files are the rendered ones, byte for byte, with their modes
            const registry = `${site.cluster.registry.host}:${site.cluster.registry.port}`;
            const rendered = env.CONTAINERD_FILES.split("\n").map((r) => r.split(" "));
            assert.deepStrictEqual(rendered.map(([, file]) => file), [CONTAINERD_CONFIG_PATH, `${CERTS_D}/${registry}/hosts.toml`]);
            for (const [mode, file, content] of rendered) {
                assert.strictEqual(sshOk(`sudo -n base64 -w0 ${file}`), content, `${file} is not the rendered one`);
                assert.strictEqual(sshOk(`sudo -n stat -c 0%a ${file}`).trim(), mode, `${file} mode`);
            }
            assert.strictEqual(sshOk("sudo -n systemctl is-active containerd").trim(), "active", "containerd running");
            const kubelet = sshOk("cat /etc/default/kubelet");
            // reservations are in kubeadm's KubeletConfiguration: no deprecated flags here
            assert.strictEqual(kubelet.trim(), `KUBELET_EXTRA_ARGS=""`, "/etc/default/kubelet");
            sshOk("test -s /usr/local/lib/kvm-k8s/lib.sh");
            assert.strictEqual(sshOk("sudo -n swapon --noheadings --show").trim(), "", "swap is on");
            sshOk(`test -s /usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt`);
            done(`overlay+br_netfilter, ip_forward/bridge-nf-call=1, chrony ${NTP_SERVERS.join(" ")}, containerd active with the rendered config.toml+hosts.toml(${registry}), kubelet args, lib.sh, swap off`);
        });

        it("containerd's effective configuration is the one the awk-patched default config gave", function () {
            assert.ok(outputs[1] !== undefined, "the runs did not complete");
            phase("containerd config dump: the rendered config.toml against the old awk-patched default");
            // The old file, made on the VM as prepare-node.sh made it: the installed containerd's
            // `config default`, patched by the old awk program, with the same sandbox image.
            done(checkEffectiveContainerd(sshOk, site.cluster.sandboxImage));
        });
    });
});
