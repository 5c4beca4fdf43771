/** wait-for-ssh.sh and lib.sh's heartbeat, against real sockets on loopback. */
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { LIB, ok, ROOT, Sandbox } from "./runner";

describe("remote scripts: waiting for SSH and long silent steps (real sockets on loopback)", () => {
    let box: Sandbox;
    let server: ChildProcess | undefined;
    beforeEach(() => {
        box = new Sandbox();
    });
    afterEach(() => {
        server?.kill();
        server = undefined;
        box.cleanup();
    });

    /** A TCP server on 127.0.0.1 in its own process (the scripts run synchronously), greeting every client with `greeting`. */
    const listen = async (greeting: string): Promise<number> => {
        const code = `const s = require("net").createServer((c) => { c.end(${JSON.stringify(greeting)}); });
                s.listen(0, "127.0.0.1", () => console.log(s.address().port));`;
        server = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
        return new Promise((resolve) => server!.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
    };
    /** A loopback port nothing listens on: bound, then closed. */
    const closedPort = async (): Promise<number> => {
        const s = net.createServer();
        await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
        const port = (s.address() as net.AddressInfo).port;
        await new Promise<void>((resolve) => s.close(() => resolve()));
        return port;
    };
    const rel = "components/remote/scripts/wait-for-ssh.sh";

    it("wait-for-ssh.sh succeeds on an SSH banner and says which", async () => {
        const port = await listen("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
        const r = box.run(rel, { HOST: "127.0.0.1", PORT: String(port), NODE: "site1-worker-1", TIMEOUT_SECONDS: "10" });
        ok(r, "sshd answers");
        assert.match(r.stdout, /^ok: site1-worker-1's sshd answers on 127\.0\.0\.1:\d+ \(SSH-2\.0-OpenSSH_9\.2p1 Debian-2\+deb12u3\)$/m);
    });

    it("wait-for-ssh.sh is bounded and says what it saw: refused, or a port that is not sshd", async () => {
        const refused = box.run(rel, { HOST: "127.0.0.1", PORT: String(await closedPort()), NODE: "site1-worker-1", TIMEOUT_SECONDS: "0" });
        assert.notStrictEqual(refused.status, 0);
        assert.match(refused.stderr, /^ERROR: timed out after 0s waiting for site1-worker-1's sshd: no SSH banner from 127\.0\.0\.1:\d+ \(refused, or nothing answers\); is the VM running/m);
        const port = await listen("HTTP/1.1 400 Bad Request\r\n");
        const http = box.run(rel, { HOST: "127.0.0.1", PORT: String(port), NODE: "site1-worker-1", TIMEOUT_SECONDS: "0" });
        assert.notStrictEqual(http.status, 0);
        assert.match(http.stderr, /127\.0\.0\.1:\d+ answers, but not as an SSH server \('HTTP\/1\.1 400 Bad Request'\)/);
    });

    /** Runs `body` after lib.sh is loaded, its stdout piped through cat: the run ends only when every holder of stdout has closed it. */
    const withLib = (body: string): { res: ReturnType<typeof spawnSync>; ms: number } => {
        const script = path.join(box.dir, "long-step.sh");
        fs.writeFileSync(script, `source ${path.join(ROOT, LIB)}\n${body}`);
        const started = Date.now();
        const res = spawnSync("bash", ["-c", `bash ${script} | cat`], { encoding: "utf8", env: { PATH: `${box.bin}:${process.env.PATH}`, KVMK8S_ROOT: box.root } });
        return { res, ms: Date.now() - started };
    };

    it("a long logged step keeps talking: an idle SSH session can be cut on the way", () => {
        box.tool("slow-tool", "sleep 2.5\necho done >&2\n");
        const { res } = withLib(`HEARTBEAT_SECONDS=1\nrun_logged slow slow-tool\nlog "after"\n`);
        assert.strictEqual(res.status, 0, String(res.stderr));
        assert.deepStrictEqual(String(res.stdout).split("\n").filter(Boolean), [
            "... still running slow (log /var/log/kvm-k8s/slow.log) (1s)",
            "... still running slow (log /var/log/kvm-k8s/slow.log) (2s)",
            "after",
        ]);
        assert.match(box.get("/var/log/kvm-k8s/slow.log"), /^done$/m);
    });

    it("the heartbeat leaves no process holding the output (it would keep the Command open)", () => {
        box.tool("quick-tool", "sleep 1\n");
        // a leftover heartbeat sleep would hold stdout for 20 s
        const { res, ms } = withLib(`HEARTBEAT_SECONDS=20\nrun_logged quick quick-tool\nlog "after"\n`);
        assert.strictEqual(res.status, 0, String(res.stderr));
        assert.strictEqual(String(res.stdout), "after\n");
        assert.ok(ms < 12_000, `the output stayed open ${ms} ms`);
    });
});
