/** The scripts' file steps, run twice in a temp root: each writes once, then changes nothing. */
import * as assert from "assert";
import * as fs from "fs";
import { b64, containerdPayload, NODE_ENV, ok, PREPARE_NODE, Sandbox, sleepMs } from "./runner";

describe("remote scripts: file steps, run twice in a temp root", () => {
    let box: Sandbox;
    beforeEach(() => (box = new Sandbox()));
    afterEach(() => box.cleanup());

    it("write-roster.sh writes the sorted roster once, then leaves it alone", () => {
        const rel = "components/cluster/scripts/write-roster.sh";
        const first = box.run(rel, { ROSTER: "worker-2 master-1  worker-1 master-1" });
        ok(first, "first run");
        assert.match(first.stdout, /^changed: \/etc\/kvm-k8s\/roster /m);
        assert.strictEqual(box.get("/etc/kvm-k8s/roster"), "master-1\nworker-1\nworker-2\n");
        assert.strictEqual(box.mode("/etc/kvm-k8s/roster"), 0o644);
        const mtime = box.mtimeNs("/etc/kvm-k8s/roster");
        sleepMs(20);

        const second = box.run(rel, { ROSTER: "worker-1 worker-2 master-1" });
        ok(second, "second run");
        assert.match(second.stdout, /^ok: \/etc\/kvm-k8s\/roster unchanged/m);
        assert.doesNotMatch(second.stdout, /changed:/);
        assert.strictEqual(box.mtimeNs("/etc/kvm-k8s/roster"), mtime, "an unchanged roster is not rewritten");
        assert.deepStrictEqual(fs.readdirSync(box.p("/etc/kvm-k8s")), ["roster"], "no temp file left behind");

        const third = box.run(rel, { ROSTER: "master-1 worker-1" });
        ok(third, "third run");
        assert.match(third.stdout, /^changed:/m);
        assert.strictEqual(box.get("/etc/kvm-k8s/roster"), "master-1\nworker-1\n");

        const bad = box.run(rel, { ROSTER: "master-1 Bad_Name" });
        assert.notStrictEqual(bad.status, 0);
        assert.match(bad.stderr, /ROSTER: 'Bad_Name' is not a node name/);
        assert.strictEqual(box.get("/etc/kvm-k8s/roster"), "master-1\nworker-1\n");

        const missing = box.run(rel, {});
        assert.notStrictEqual(missing.status, 0);
        assert.match(missing.stderr, /ROSTER is required/);
    });

    it("write-roster.sh writes the nodes' host keys to known_hosts once, rewrites them on change, rejects bad lines", () => {
        const rel = "components/cluster/scripts/write-roster.sh";
        const m1 = "10.10.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMaster1";
        const w1 = "10.10.0.21 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIWorker1";
        const env = { ROSTER: "master-1 worker-1", KNOWN_HOSTS: `${m1}\n\n  ${w1.replace(" ", "   ")}  \n` };
        const first = box.run(rel, env);
        ok(first, "first run");
        assert.match(first.stdout, /^changed: \/etc\/kvm-k8s\/known_hosts now holds 2 host keys$/m);
        assert.strictEqual(box.get("/etc/kvm-k8s/known_hosts"), `${m1}\n${w1}\n`, "one normalised line per node, blank lines dropped");
        assert.strictEqual(box.mode("/etc/kvm-k8s/known_hosts"), 0o644);
        const mtime = box.mtimeNs("/etc/kvm-k8s/known_hosts");
        sleepMs(20);

        const second = box.run(rel, env);
        ok(second, "second run");
        assert.match(second.stdout, /^ok: \/etc\/kvm-k8s\/known_hosts unchanged \(already holds 2 host keys\)$/m);
        assert.doesNotMatch(second.stdout, /changed:/);
        assert.strictEqual(box.mtimeNs("/etc/kvm-k8s/known_hosts"), mtime, "unchanged host keys are not rewritten");
        assert.deepStrictEqual(fs.readdirSync(box.p("/etc/kvm-k8s")).sort(), ["known_hosts", "roster"], "no temp file left behind");

        // A rebuilt worker has a new host key.
        const rebuilt = "10.10.0.21 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIWorker1New";
        const third = box.run(rel, { ...env, KNOWN_HOSTS: `${m1}\n${rebuilt}` });
        ok(third, "third run");
        assert.match(third.stdout, /^changed: \/etc\/kvm-k8s\/known_hosts/m);
        assert.strictEqual(box.get("/etc/kvm-k8s/known_hosts"), `${m1}\n${rebuilt}\n`);

        for (const [line, message] of [
            ["10.10.0.21 AAAAC3NzaC1lZDI1NTE5AAAAIWorker1", /KNOWN_HOSTS line 2: expected 'ADDRESS KEYTYPE BASE64 \[COMMENT\]'/],
            ["10.10.0.21 ssh-dss AAAAB3NzaC1kc3M", /KNOWN_HOSTS line 2: 'ssh-dss' is not an SSH host key type/],
            ["10.10.0.21,evil ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", /KNOWN_HOSTS line 2: '10\.10\.0\.21,evil' is not an address/],
            ["10.10.0.21 ssh-ed25519 AAAA$(reboot)", /KNOWN_HOSTS line 2: the key is not base64/],
        ] as const) {
            const bad = box.run(rel, { ...env, KNOWN_HOSTS: `${m1}\n${line}` });
            assert.notStrictEqual(bad.status, 0, line);
            assert.match(bad.stderr, message);
            assert.strictEqual(box.get("/etc/kvm-k8s/known_hosts"), `${m1}\n${rebuilt}\n`, "a bad list changes nothing");
        }

        const absent = box.run(rel, { ROSTER: "master-1 worker-1" });
        ok(absent, "no KNOWN_HOSTS");
        assert.match(absent.stdout, /^ok: no KNOWN_HOSTS given; \/etc\/kvm-k8s\/known_hosts left as it is$/m);
        assert.strictEqual(box.get("/etc/kvm-k8s/known_hosts"), `${m1}\n${rebuilt}\n`);
    });

    it("prepare-node.sh write_files: changed, then unchanged; modes honoured; content never printed", () => {
        const secret = "kind: Secret\npassword: hunter2"; // no trailing newline on purpose
        const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        const files = [
            `0600 /etc/kvm-k8s/secret.yaml ${b64(secret)}`,
            "",
            `0644 /usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt ${b64(ca)}`,
        ].join("\n");
        const env = { ...NODE_ENV, KVMK8S_ONLY: "write_files", KVMK8S_FILES: files };

        const first = box.run(PREPARE_NODE, env);
        ok(first, "first run");
        assert.match(first.stdout, /^changed: wrote \/etc\/kvm-k8s\/secret\.yaml$/m);
        assert.match(first.stdout, /^changed: wrote \/usr\/local\/share\/ca-certificates\/kvm-k8s-registry-ca\.crt$/m);
        assert.strictEqual(box.get("/etc/kvm-k8s/secret.yaml"), secret);
        assert.strictEqual(box.get("/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt"), ca);
        assert.strictEqual(box.mode("/etc/kvm-k8s/secret.yaml"), 0o600);
        assert.strictEqual(box.mode("/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt"), 0o644);
        assert.ok(fs.existsSync(box.p("/var/lib/kvm-k8s/pending/update-ca-certificates")), "a new CA leaves update-ca-certificates pending");
        assert.doesNotMatch(first.stdout + first.stderr, /hunter2|MIIB/);
        const mtime = box.mtimeNs("/etc/kvm-k8s/secret.yaml");
        sleepMs(20);

        const second = box.run(PREPARE_NODE, env);
        ok(second, "second run");
        assert.match(second.stdout, /^ok: \/etc\/kvm-k8s\/secret\.yaml already up to date$/m);
        assert.doesNotMatch(second.stdout, /changed:/);
        assert.strictEqual(box.mtimeNs("/etc/kvm-k8s/secret.yaml"), mtime);

        // A mode drift is repaired even when the content is the same.
        fs.chmodSync(box.p("/etc/kvm-k8s/secret.yaml"), 0o644);
        const third = box.run(PREPARE_NODE, env);
        ok(third, "third run");
        assert.match(third.stdout, /^changed: wrote \/etc\/kvm-k8s\/secret\.yaml$/m);
        assert.strictEqual(box.mode("/etc/kvm-k8s/secret.yaml"), 0o600);

        const none = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "write_files", KVMK8S_FILES: "" });
        ok(none, "empty KVMK8S_FILES");
        assert.match(none.stdout, /^ok: no files to write/m);

        const broken = box.run(PREPARE_NODE, { ...env, KVMK8S_FILES: "0600 /etc/kvm-k8s/x.yaml not*base64!" });
        assert.notStrictEqual(broken.status, 0);
        assert.match(broken.stderr, /record 1 \(\/etc\/kvm-k8s\/x\.yaml\): content is not valid base64/);
        assert.ok(!fs.existsSync(box.p("/etc/kvm-k8s/x.yaml")));

        const relative = box.run(PREPARE_NODE, { ...env, KVMK8S_FILES: `0600 etc/x ${b64("x")}` });
        assert.notStrictEqual(relative.status, 0);
        assert.match(relative.stderr, /must be absolute/);
    });

    it("prepare-node.sh hosts_block: inserted once, replaced in place, other lines untouched", () => {
        const before = "127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n";
        const after = "10.99.0.1 kept-after-the-block\n";
        box.put("/etc/hosts", before);
        box.put("/etc/cloud/templates/hosts.debian.tmpl", "## template:jinja\n127.0.0.1 localhost\n");
        const entries = "10.10.0.10  registry.site1.example director\n\n10.10.0.11 master-1\n";

        const first = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: entries });
        ok(first, "first run");
        const block = "# BEGIN kvm-k8s\n10.10.0.10 registry.site1.example director\n10.10.0.11 master-1\n# END kvm-k8s\n";
        assert.strictEqual(box.get("/etc/hosts"), before + block);
        assert.strictEqual(box.get("/etc/cloud/templates/hosts.debian.tmpl"), "## template:jinja\n127.0.0.1 localhost\n" + block,
            "cloud-init rewrites /etc/hosts from its template at boot: the template carries the block too");
        assert.match(first.stdout, /^changed: updated the kvm-k8s block in \/etc\/hosts$/m);

        const mtime = box.mtimeNs("/etc/hosts");
        sleepMs(20);
        const second = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: entries });
        ok(second, "second run");
        assert.doesNotMatch(second.stdout, /changed:/);
        assert.strictEqual(box.mtimeNs("/etc/hosts"), mtime);

        // Someone adds a line after the block; a new entry list replaces the block in place.
        fs.appendFileSync(box.p("/etc/hosts"), after);
        const third = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: "10.10.0.12 registry.site1.example" });
        ok(third, "third run");
        assert.strictEqual(box.get("/etc/hosts"), before + "# BEGIN kvm-k8s\n10.10.0.12 registry.site1.example\n# END kvm-k8s\n" + after);
        assert.strictEqual(box.get("/etc/hosts").split("# BEGIN kvm-k8s").length, 2, "exactly one block");

        const emptied = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: "" });
        ok(emptied, "empty HOSTS_ENTRIES");
        assert.strictEqual(box.get("/etc/hosts"), before + after, "no entries: no block");

        const bad = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: "registry.site1.example 10.10.0.10" });
        assert.notStrictEqual(bad.status, 0);
        assert.match(bad.stderr, /HOSTS_ENTRIES line 1: expected 'ip name \[name\.\.\.\]'/);

        box.put("/etc/hosts", "# BEGIN kvm-k8s\n10.0.0.1 x\n");
        const broken = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "hosts_block", HOSTS_ENTRIES: entries });
        assert.notStrictEqual(broken.status, 0);
        assert.match(broken.stderr, /unbalanced/);
        assert.strictEqual(box.get("/etc/hosts"), "# BEGIN kvm-k8s\n10.0.0.1 x\n", "a damaged file is left for a human");
    });

    it("prepare-node.sh swap_fstab: comments out active swap entries once", () => {
        const fstab = [
            "# /etc/fstab: static file system information.",
            "UUID=1234 / ext4 rw,discard,errors=remount-ro 0 1",
            "/swapfile none swap sw 0 0",
            "UUID=abcd\tnone\tswap\tsw\t0\t0",
            "#/old-swap none swap sw 0 0",
            "tmpfs /tmp tmpfs defaults 0 0",
            "",
        ].join("\n");
        box.put("/etc/fstab", fstab);
        const first = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "swap_fstab" });
        ok(first, "first run");
        assert.match(first.stdout, /^changed: commented out the swap entries of \/etc\/fstab$/m);
        const lines = box.get("/etc/fstab").split("\n");
        assert.strictEqual(lines[0], "# /etc/fstab: static file system information.");
        assert.strictEqual(lines[1], "UUID=1234 / ext4 rw,discard,errors=remount-ro 0 1");
        assert.match(lines[2], /^#.*\/swapfile none swap sw 0 0$/);
        assert.match(lines[3], /^#.*UUID=abcd\tnone\tswap\tsw\t0\t0$/);
        assert.strictEqual(lines[4], "#/old-swap none swap sw 0 0", "already commented lines stay as they are");
        assert.strictEqual(lines[5], "tmpfs /tmp tmpfs defaults 0 0");
        assert.ok(fs.existsSync(box.p("/var/lib/kvm-k8s/pending/systemd-daemon-reload")));
        const once = box.get("/etc/fstab");

        const second = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "swap_fstab" });
        ok(second, "second run");
        assert.match(second.stdout, /^ok: \/etc\/fstab already has no active swap entry$/m);
        assert.strictEqual(box.get("/etc/fstab"), once, "not commented twice");
    });

    it("prepare-node.sh chrony_pools: comments out the default pools once and keeps sources.d", () => {
        const conf = [
            "# Welcome to the chrony configuration file.",
            "confdir /etc/chrony/conf.d",
            "pool 2.debian.pool.ntp.org iburst",
            "  pool 0.pool.ntp.org iburst maxsources 2",
            "sourcedir /run/chrony-dhcp",
            "sourcedir /etc/chrony/sources.d",
            "keyfile /etc/chrony/chrony.keys",
            "makestep 1 3",
            "",
        ].join("\n");
        box.put("/etc/chrony/chrony.conf", conf);
        const first = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_pools" });
        ok(first, "first run");
        assert.match(first.stdout, /^changed: /m);
        const result = box.get("/etc/chrony/chrony.conf");
        const lines = result.split("\n");
        assert.ok(!lines.some((l) => /^\s*pool\s/.test(l)), "no active pool line left");
        assert.match(lines[2], /^#.*pool 2\.debian\.pool\.ntp\.org iburst$/);
        assert.match(lines[3], /^#.*pool 0\.pool\.ntp\.org iburst maxsources 2$/);
        for (const keep of [0, 1, 4, 5, 6, 7]) assert.strictEqual(lines[keep], conf.split("\n")[keep]);
        assert.strictEqual(result.split("sourcedir /etc/chrony/sources.d").length, 2, "sources.d not added twice");
        assert.ok(fs.existsSync(box.p("/var/lib/kvm-k8s/pending/restart-chrony")));

        const second = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_pools" });
        ok(second, "second run");
        assert.match(second.stdout, /^ok: /m);
        assert.strictEqual(box.get("/etc/chrony/chrony.conf"), result);

        // A configuration that does not read sources.d gets the directive once.
        box.put("/etc/chrony/chrony.conf", "pool 2.debian.pool.ntp.org iburst\nmakestep 1 3\n");
        ok(box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_pools" }), "without sourcedir");
        ok(box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_pools" }), "without sourcedir, again");
        assert.strictEqual(box.get("/etc/chrony/chrony.conf"),
            "#kvm-k8s: pool 2.debian.pool.ntp.org iburst\nmakestep 1 3\nsourcedir /etc/chrony/sources.d\n");

        const sources = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "chrony_sources" });
        ok(sources, "chrony_sources");
        assert.match(box.get("/etc/chrony/sources.d/kvm-k8s.sources"), /^server 10\.10\.0\.1 iburst\nserver ntp\.site1\.example iburst\n$/m);
    });

    it("prepare-node.sh containerd_hosts: one hosts.toml per mirrored upstream, stale ones removed", () => {
        const env = { ...NODE_ENV, KVMK8S_ONLY: "containerd_hosts", CONTAINERD_FILES: containerdPayload({ mirrored: ["docker.io", "quay.io"] }) };
        box.put("/etc/containerd/certs.d/example.org/hosts.toml", "server = \"https://example.org\"\n");
        ok(box.run(PREPARE_NODE, env), "first run");
        const docker = box.get("/etc/containerd/certs.d/docker.io/hosts.toml");
        assert.match(docker, /^server = "https:\/\/registry-1\.docker\.io"$/m);
        assert.match(docker, /^\[host\."https:\/\/registry\.site1\.example:5000"\]$/m);
        assert.match(docker, /^ {2}capabilities = \["pull", "resolve"\]$/m);
        assert.match(docker, /^ {2}ca = "\/usr\/local\/share\/ca-certificates\/kvm-k8s-registry-ca\.crt"$/m);
        assert.match(box.get("/etc/containerd/certs.d/quay.io/hosts.toml"), /^server = "https:\/\/quay\.io"$/m);
        assert.match(box.get("/etc/containerd/certs.d/registry.site1.example:5000/hosts.toml"),
            /^server = "https:\/\/registry\.site1\.example:5000"$/m);

        const again = box.run(PREPARE_NODE, env);
        ok(again, "second run");
        assert.doesNotMatch(again.stdout, /changed:/);

        const fewer = box.run(PREPARE_NODE, { ...env, CONTAINERD_FILES: containerdPayload({ mirrored: ["quay.io"] }) });
        ok(fewer, "docker.io dropped");
        assert.match(fewer.stdout, /^changed: removed \/etc\/containerd\/certs\.d\/docker\.io\/hosts\.toml/m);
        assert.ok(!fs.existsSync(box.p("/etc/containerd/certs.d/docker.io")));
        assert.ok(fs.existsSync(box.p("/etc/containerd/certs.d/example.org/hosts.toml")), "files it did not write stay");

        // With pull credentials: a Basic Authorization header for the registry host only, files 0600.
        const credentials = { user: "kvmk8s", password: "pa'ss" };
        const withAuth = box.run(PREPARE_NODE, { ...env, CONTAINERD_FILES: containerdPayload({ mirrored: ["docker.io", "quay.io"], credentials }) });
        ok(withAuth, "with credentials");
        const quay = box.get("/etc/containerd/certs.d/quay.io/hosts.toml");
        assert.match(quay, new RegExp(`^\\[host\\."https://registry\\.site1\\.example:5000"\\.header\\]\\n {2}Authorization = "Basic ${b64("kvmk8s:pa'ss")}"$`, "m"));
        assert.strictEqual(box.mode("/etc/containerd/certs.d/quay.io/hosts.toml"), 0o600);
        assert.strictEqual(box.mode("/etc/containerd/certs.d/registry.site1.example:5000/hosts.toml"), 0o600);
        assert.doesNotMatch(withAuth.stdout + withAuth.stderr, /pa'ss|cGEnc3M|Basic/);
        const elsewhere = box.run(PREPARE_NODE, { ...env, CONTAINERD_FILES: `${env.CONTAINERD_FILES}\n0644 /etc/passwd ${b64("x")}` });
        assert.notStrictEqual(elsewhere.status, 0);
        assert.match(elsewhere.stderr, /CONTAINERD_FILES: '\/etc\/passwd' is neither/);
    });

    it("prepare-node.sh kubelet_args: /etc/default/kubelet written once", () => {
        const args = "--system-reserved=cpu=500m,memory=1Gi --eviction-hard=memory.available<500Mi,nodefs.available<10%";
        const env = { ...NODE_ENV, KVMK8S_ONLY: "kubelet_args", KUBELET_EXTRA_ARGS: args };
        ok(box.run(PREPARE_NODE, env), "first run");
        assert.strictEqual(box.get("/etc/default/kubelet"), `KUBELET_EXTRA_ARGS="${args}"\n`);
        assert.ok(fs.existsSync(box.p("/var/lib/kvm-k8s/pending/restart-kubelet")));
        const second = box.run(PREPARE_NODE, env);
        ok(second, "second run");
        assert.doesNotMatch(second.stdout, /changed:/);
        const quoted = box.run(PREPARE_NODE, { ...env, KUBELET_EXTRA_ARGS: "--node-labels='a=b'" });
        assert.notStrictEqual(quoted.status, 0);
        assert.match(quoted.stderr, /KUBELET_EXTRA_ARGS must be one line without quotes/);
    });

    it("login_keys: exactly the program's login keys, in their block; a key it named before is removed wherever it stands; other keys and blocks kept", () => {
        const keyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILoginA a@laptop";
        const keyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILoginB b@laptop";
        const file = "/home/kvmk8s/.ssh/authorized_keys";
        const block = (...keys: string[]) => `# BEGIN kvm-k8s-login\n${keys.join("\n")}\n# END kvm-k8s-login\n`;
        const admin = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQAdmin admin@host\n";
        const ops = "# BEGIN kvm-k8s-ops\nfrom=\"10.10.0.10\" ssh-ed25519 AAAAOps kvm-k8s-ops\n# END kvm-k8s-ops\n";
        // as cloud-init left it (the login key, its comment as the .pub had it), plus an operator's key and the ops block
        box.put(file, `${keyA}\n${admin}${ops}`, 0o600);
        const env = (keys: string[]) => ({ ...NODE_ENV, KVMK8S_ONLY: "login_keys", LOGIN_USER: "kvmk8s", LOGIN_PUBLIC_KEYS: keys.join("\n") });

        const first = box.run(PREPARE_NODE, env([keyA]));
        ok(first, "first run");
        assert.match(first.stdout, /^changed: \/home\/kvmk8s\/\.ssh\/authorized_keys accepts exactly the program's 1 login key\(s\)$/m);
        assert.strictEqual(box.get(file), `${admin}${ops}${block(keyA)}`, "cloud-init's copy moved into the block");
        assert.strictEqual(box.mode(file), 0o600);
        const mtime = box.mtimeNs(file);
        sleepMs(20);
        const again = box.run(PREPARE_NODE, env([keyA]));
        ok(again, "second run");
        assert.doesNotMatch(again.stdout, /changed:/);
        assert.strictEqual(box.mtimeNs(file), mtime, "not rewritten");

        // rotation, step 1: the next key beside the current one
        ok(box.run(PREPARE_NODE, env([keyA, keyB])), "next key added");
        assert.strictEqual(box.get(file), `${admin}${ops}${block(keyA, keyB)}`);
        // someone copies the old key in by hand meanwhile; step 2 removes it there too
        fs.appendFileSync(box.p(file), `no-pty ${keyA}\n`);
        ok(box.run(PREPARE_NODE, env([keyB])), "old key dropped");
        assert.strictEqual(box.get(file), `${admin}${ops}${block(keyB)}`);
        assert.strictEqual(box.get("/etc/kvm-k8s/login-keys"), `${keyA.split(" ").slice(0, 2).join(" ")}\n${keyB.split(" ").slice(0, 2).join(" ")}\n`);

        // a fresh user, no file yet
        ok(box.run(PREPARE_NODE, { ...env([keyB]), LOGIN_USER: "ops2" }), "fresh user");
        assert.strictEqual(box.get("/home/ops2/.ssh/authorized_keys"), block(keyB));
        assert.strictEqual(box.mode("/home/ops2/.ssh"), 0o700);

        const none = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "login_keys" });
        ok(none, "no keys given");
        assert.match(none.stdout, /^ok: no LOGIN_PUBLIC_KEYS given; the login keys stay as cloud-init wrote them$/m);

        const kept = box.get(file);
        for (const [bad, message] of [
            [{ LOGIN_PUBLIC_KEYS: `command="/bin/sh" ${keyA}` }, /LOGIN_PUBLIC_KEYS holds a line that is not one OpenSSH public key/],
            [{ LOGIN_PUBLIC_KEYS: "-----BEGIN OPENSSH PRIVATE KEY-----" }, /LOGIN_PUBLIC_KEYS holds a line that is not one OpenSSH public key/],
            [{ LOGIN_USER: "../root" }, /LOGIN_USER '\.\.\/root' is not a user name/],
        ] as const) {
            const r = box.run(PREPARE_NODE, { ...env([keyB]), ...bad });
            assert.notStrictEqual(r.status, 0, JSON.stringify(bad));
            assert.match(r.stderr, message);
            assert.match(r.stderr, /^ERROR: stopped in step login_keys on /m, "the failure names its step");
            assert.strictEqual(box.get(file), kept, "a bad input changes nothing");
        }
    });

    it("prepare-node.sh ops_authorized_key: the director's key once, from its address only; replaced on change; other keys kept", () => {
        const keyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpsKeyA kvm-k8s-ops";
        const keyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpsKeyB kvm-k8s-ops";
        const opts = (address: string) => `from="${address}",no-agent-forwarding,no-X11-forwarding,no-port-forwarding`;
        const block = (address: string, key: string) => `# BEGIN kvm-k8s-ops\n${opts(address)} ${key}\n# END kvm-k8s-ops\n`;
        const file = "/home/kvmk8s/.ssh/authorized_keys";
        const before = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin admin@laptop\n";
        const after = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQLater later@host\n";
        box.put(file, before, 0o644);
        // The program trims the key; a trailing newline is tolerated anyway.
        const env = { ...NODE_ENV, KVMK8S_ONLY: "ops_authorized_key", OPS_USER: "kvmk8s", OPS_PUBLIC_KEY: `${keyA}\n`, DIRECTOR_ADDRESS: "10.10.0.10" };

        const first = box.run(PREPARE_NODE, env);
        ok(first, "first run");
        assert.match(first.stdout, /^changed: \/home\/kvmk8s\/\.ssh\/authorized_keys authorizes the director's operations key \(from 10\.10\.0\.10\)$/m);
        assert.strictEqual(box.get(file), before + block("10.10.0.10", keyA));
        assert.strictEqual(box.mode(file), 0o600);
        assert.strictEqual(box.mode("/home/kvmk8s/.ssh"), 0o700);
        const mtime = box.mtimeNs(file);
        sleepMs(20);

        const second = box.run(PREPARE_NODE, env);
        ok(second, "second run");
        assert.match(second.stdout, /^ok: \/home\/kvmk8s\/\.ssh\/authorized_keys already authorizes/m);
        assert.doesNotMatch(second.stdout, /changed:/);
        assert.strictEqual(box.mtimeNs(file), mtime, "not rewritten");

        // Someone adds a key after the block; a new ops key replaces the block in place.
        fs.appendFileSync(box.p(file), after);
        ok(box.run(PREPARE_NODE, { ...env, OPS_PUBLIC_KEY: keyB }), "new key");
        assert.strictEqual(box.get(file), before + block("10.10.0.10", keyB) + after);
        ok(box.run(PREPARE_NODE, { ...env, OPS_PUBLIC_KEY: keyB, DIRECTOR_ADDRESS: "10.10.0.9" }), "new address");
        assert.strictEqual(box.get(file), before + block("10.10.0.9", keyB) + after);
        assert.strictEqual(box.get(file).split("kvm-k8s-ops\n").length - 1, 3, "one block holding one key line");

        // A fresh node: no authorized_keys yet.
        const fresh = box.run(PREPARE_NODE, { ...env, OPS_USER: "ops2" });
        ok(fresh, "fresh user");
        assert.strictEqual(box.get("/home/ops2/.ssh/authorized_keys"), block("10.10.0.10", keyA));
        assert.strictEqual(box.mode("/home/ops2/.ssh/authorized_keys"), 0o600);
        assert.strictEqual(box.mode("/home/ops2/.ssh"), 0o700);

        const none = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "ops_authorized_key" });
        ok(none, "no ops key");
        assert.match(none.stdout, /^ok: no OPS_PUBLIC_KEY given; no operations key to authorize$/m);

        const kept = before + block("10.10.0.9", keyB) + after;
        for (const [bad, message] of [
            [{ DIRECTOR_ADDRESS: "" }, /OPS_USER, OPS_PUBLIC_KEY and DIRECTOR_ADDRESS go together/],
            [{ OPS_PUBLIC_KEY: `command="/bin/sh" ${keyA}` }, /OPS_PUBLIC_KEY is not one OpenSSH public key line/],
            [{ OPS_PUBLIC_KEY: `${keyA}\n${keyB}` }, /OPS_PUBLIC_KEY is not one OpenSSH public key line/],
            [{ DIRECTOR_ADDRESS: '10.10.0.10",permitopen="*' }, /DIRECTOR_ADDRESS .* is not an IP address/],
            [{ OPS_USER: "../root" }, /OPS_USER '\.\.\/root' is not a user name/],
        ] as const) {
            const r = box.run(PREPARE_NODE, { ...env, ...bad });
            assert.notStrictEqual(r.status, 0, JSON.stringify(bad));
            assert.match(r.stderr, message);
            assert.strictEqual(box.get(file), kept, "a bad input changes nothing");
        }

        box.put(file, "# BEGIN kvm-k8s-ops\nssh-ed25519 AAAAold\n");
        const broken = box.run(PREPARE_NODE, env);
        assert.notStrictEqual(broken.status, 0);
        assert.match(broken.stderr, /the '# BEGIN kvm-k8s-ops' \/ '# END kvm-k8s-ops' markers are repeated or unbalanced/);
        assert.strictEqual(box.get(file), "# BEGIN kvm-k8s-ops\nssh-ed25519 AAAAold\n", "a damaged file is left for a human");
    });

    it("KVMK8S_ONLY names a step; steps that touch the running system refuse a KVMK8S_ROOT", () => {
        const unknown = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: "rm_rf" });
        assert.notStrictEqual(unknown.status, 0);
        assert.match(unknown.stderr, /KVMK8S_ONLY=rm_rf is not a step of this script/);
        for (const live of ["swap_off", "kernel_modules", "install_containerd", "kubernetes_packages"]) {
            const r = box.run(PREPARE_NODE, { ...NODE_ENV, KVMK8S_ONLY: live });
            assert.notStrictEqual(r.status, 0, live);
            assert.match(r.stderr, new RegExp(`step ${live} acts on the running system`));
        }
        const missing = box.run(PREPARE_NODE, { ...NODE_ENV, NTP_SERVERS: "", KVMK8S_ONLY: "write_files" });
        assert.notStrictEqual(missing.status, 0);
        assert.match(missing.stderr, /NTP_SERVERS is required/);
    });

    it("prepare-director.sh hosts_block: the registry name resolves to the director", () => {
        box.put("/etc/hosts", "127.0.0.1 localhost\n");
        const env = {
            KUBERNETES_VERSION: "1.31.4",
            KUBERNETES_APT_REPO: "https://pkgs.k8s.io/core:/stable:/v1.31/deb/",
            HELM_URL: "https://get.helm.sh/helm-v3.16.3-linux-amd64.tar.gz",
            HELM_VERSION: "v3.16.3",
            REGISTRY_HOST: "registry.site1.example",
            REGISTRY_PORT: "5000",
            REGISTRY_USER: "kvmk8s",
            REGISTRY_PASSWORD: "it's-a-secret",
            DIRECTOR_ADDRESS: "10.10.0.10",
            KVMK8S_ONLY: "hosts_block",
        };
        const rel = "components/director/scripts/prepare-director.sh";
        const first = box.run(rel, env);
        ok(first, "first run");
        assert.strictEqual(box.get("/etc/hosts"), "127.0.0.1 localhost\n# BEGIN kvm-k8s\n10.10.0.10 registry.site1.example\n# END kvm-k8s\n");
        const second = box.run(rel, env);
        ok(second, "second run");
        assert.doesNotMatch(second.stdout, /changed:/);
        assert.doesNotMatch(first.stdout + first.stderr + second.stdout + second.stderr, /secret/);
    });
});
