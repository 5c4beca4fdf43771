/**
 * Helpers for the e2e mocha files, which run.sh starts INSIDE the test world's network
 * namespace: commands, figures, libvirt inventory and SSH to guests with pinned host keys.
 */
import * as assert from "assert";
import * as fs from "fs";
import { spawnSync, SpawnSyncReturns } from "child_process";
import { WORLD } from "./site";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): SpawnSyncReturns<string> {
    return spawnSync(cmd, args, {
        encoding: "utf8",
        input: opts.input,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 256 * 1024 * 1024,
        env: opts.env ?? process.env,
        cwd: opts.cwd,
    });
}

export function mustRun(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): string {
    const r = run(cmd, args, opts);
    if (r.error || r.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`);
    }
    return r.stdout;
}

/** What run.sh prepared; the e2e files cannot run without it. */
export function worldEnv(): { imageDir: string; imageFile: string; mirrorDir: string; figures: string } {
    const need = ["KVMK8S_E2E_IMAGE_DIR", "KVMK8S_E2E_MIRROR_DIR", "KVMK8S_E2E_FIGURES"];
    const missing = need.filter((k) => !process.env[k]);
    if (missing.length > 0) {
        throw new Error(`${missing.join(", ")} unset: run the e2e tests with \`npm run test:e2e\` (test/e2e/run.sh), which builds the image and mirror and starts the world`);
    }
    const netns = fs.readlinkSync("/proc/self/ns/net");
    const world = fs.statSync(`/run/netns/${WORLD.ns}`).ino;
    assert.ok(netns.includes(`[${world}]`), `this process is not inside namespace ${WORLD.ns} (${netns}); run through test/e2e/run.sh`);
    const imageDir = process.env.KVMK8S_E2E_IMAGE_DIR!;
    return { imageDir, imageFile: `${imageDir}/debian-12-e2e.qcow2`, mirrorDir: process.env.KVMK8S_E2E_MIRROR_DIR!, figures: process.env.KVMK8S_E2E_FIGURES! };
}

/** Record one figure (seconds) for run.sh's table, and say it. */
export function figure(phase: string, seconds: number, note = ""): void {
    const line = `${phase}\t${seconds.toFixed(1)}\t${note}`;
    console.log(`      [figure] ${line.replace(/\t/g, "  ")}`);
    if (process.env.KVMK8S_E2E_FIGURES) {
        fs.appendFileSync(process.env.KVMK8S_E2E_FIGURES, `${line}\n`);
    }
}

export function stopwatch(): () => number {
    const t0 = process.hrtime.bigint();
    return () => Number(process.hrtime.bigint() - t0) / 1e9;
}

export function virsh(args: string[], timeoutMs = 600_000): string {
    return mustRun("virsh", ["-c", "qemu:///system", "-q", ...args], { timeoutMs });
}

/** Every libvirt object of the e2e site that exists now: domains, pool, volumes. */
export function siteInventory(): string[] {
    const left: string[] = [];
    for (const d of virsh(["list", "--all", "--name"]).split("\n").map((s) => s.trim()).filter(Boolean)) {
        if (d.startsWith(`${WORLD.site}-`)) left.push(`domain ${d}`);
    }
    const pools = virsh(["pool-list", "--all", "--name"]).split("\n").map((s) => s.trim()).filter(Boolean);
    if (pools.includes(WORLD.pool)) {
        left.push(`pool ${WORLD.pool}`);
        run("virsh", ["-c", "qemu:///system", "-q", "pool-refresh", WORLD.pool]);
        const vols = run("virsh", ["-c", "qemu:///system", "-q", "vol-list", WORLD.pool]).stdout;
        for (const v of vols.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter(Boolean)) left.push(`volume ${WORLD.pool}/${v}`);
    }
    if (fs.existsSync(WORLD.poolPath)) {
        for (const f of fs.readdirSync(WORLD.poolPath)) left.push(`file ${WORLD.poolPath}/${f}`);
    }
    return left;
}

export interface SshOptions {
    user: string;
    keyFile: string;
    /** known_hosts lines: the pinned host keys, nothing learned on first use. */
    knownHosts: string;
    /** `user@host` of a jump host (its key must be in knownHosts too). */
    jump?: string;
}

/** SSH to a guest with pinned host keys only (StrictHostKeyChecking=yes). */
export class Ssh {
    constructor(
        readonly host: string,
        readonly opts: SshOptions,
    ) {
        fs.writeFileSync(this.knownHostsFile, opts.knownHosts);
    }

    get knownHostsFile(): string {
        return `${this.opts.keyFile}.known_hosts`;
    }

    args(): string[] {
        const common = [
            "-i", this.opts.keyFile,
            "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes",
            "-o", `UserKnownHostsFile=${this.knownHostsFile}`,
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=10",
            "-o", "LogLevel=ERROR",
        ];
        const jump = this.opts.jump ? ["-o", `ProxyCommand=ssh ${common.join(" ")} -W %h:%p ${this.opts.jump}`] : [];
        return [...common, ...jump, `${this.opts.user}@${this.host}`];
    }

    run(command: string, input?: string, timeoutMs = 180_000): SpawnSyncReturns<string> {
        return run("ssh", [...this.args(), command], { input, timeoutMs });
    }

    ok(command: string, input?: string, timeoutMs = 180_000): string {
        const r = this.run(command, input, timeoutMs);
        if (r.error || r.status !== 0) {
            throw new Error(`on ${this.host}, \`${command}\` failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`);
        }
        return r.stdout;
    }

    /** Wait (bounded) until a login works; fail at once on a host key that is not the pinned one. */
    async waitLogin(limitS: number, diagnose: () => string): Promise<void> {
        const deadline = Date.now() + limitS * 1000;
        let last = "";
        while (true) {
            const r = this.run("true", undefined, 30_000);
            if (r.status === 0) return;
            last = (r.stderr || r.error?.message || "").trim();
            if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(last)) {
                throw new Error(`${this.host} presents a host key other than the pinned one: ${last}`);
            }
            if (Date.now() > deadline) {
                throw new Error(`no SSH login to ${this.host} within ${limitS}s (last: ${last})\n${diagnose()}`);
            }
            await sleep(3000);
        }
    }

    /** cloud-init restarts sshd late in its run: wait for it to finish, reconnecting. */
    async cloudInitStatus(limitS: number): Promise<string> {
        const deadline = Date.now() + limitS * 1000;
        while (true) {
            const r = this.run("cloud-init status --wait --long", undefined, limitS * 1000);
            if (r.status !== 255) return `${r.stdout}${r.stderr}`;
            if (Date.now() > deadline) throw new Error(`lost SSH to ${this.host} while waiting for cloud-init: ${r.stderr.trim()}`);
            await sleep(3000);
        }
    }
}

/** The guest's NIC named `name`: its MAC and IPv4 addresses, from `ip` in the guest. */
export function guestNic(ssh: Ssh, name: string): { mac: string; addresses: string[] } {
    const link = ssh.ok(`ip -o link show dev ${name}`);
    const mac = /link\/ether ([0-9a-f:]{17})/.exec(link)?.[1] ?? "";
    const addresses = [...ssh.ok(`ip -o -4 addr show dev ${name}`).matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].map((m) => m[1]);
    return { mac, addresses };
}

export function tail(file: string, lines: number): string {
    try {
        return fs.readFileSync(file, "utf8").replace(/\r/g, "").split("\n").slice(-lines).join("\n");
    } catch {
        return `(no ${file})`;
    }
}
