/**
 * What VMs fetch, and from where: the scripts' apt sources, the Kubernetes key, Helm and the
 * kubeadm image check, run in a temp root (KVMK8S_ROOT) with stand-in tools that behave like
 * the real ones on the point under test: `curl` serves only the files of its stand-in server
 * (and fails like curl -f on anything else), `gpg` is absent as on a stock genericcloud
 * image (bash's "command not found", exit 127), `kubeadm config images list` prints what the
 * real kubeadm of that version prints.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { prepareDirectorEnv } from "../components/director";
import { prepareNodeEnv } from "../components/nodes";
import { containerdFiles } from "../components/nodes/containerd";
import { REGISTRY_CA_PATH } from "../components/registry";
import { filesPayload } from "../components/remote";
import { kubeadmImages } from "../stacks";
import { resolveOrThrow, ROOT, stackInput, stackSite } from "./fixtures";

const LIB = "components/remote/scripts/lib.sh";
const NODE = "components/nodes/scripts/prepare-node.sh";
const DIRECTOR = "components/director/scripts/prepare-director.sh";

const NODE_ENV = {
    NODE_NAME: "master-1",
    NTP_SERVERS: "10.10.0.1",
    KUBERNETES_VERSION: "1.31.4",
    KUBERNETES_APT_REPO: "http://10.10.0.1/kubernetes/core:/stable:/v1.31/deb/",
    CONTAINERD_FILES: filesPayload(containerdFiles({ registry: "registry.site1.example:5000", caPath: REGISTRY_CA_PATH, mirrored: [], sandboxImage: "registry.k8s.io/pause:3.10" })),
};
const DIRECTOR_ENV = {
    KUBERNETES_VERSION: "1.31.4",
    KUBERNETES_APT_REPO: "http://10.10.0.1/kubernetes/core:/stable:/v1.31/deb/",
    HELM_URL: "/srv/kvm-k8s/helm-v3.16.3-linux-amd64.tar.gz",
    HELM_VERSION: "v3.16.3",
    REGISTRY_HOST: "registry.site1.example",
    REGISTRY_PORT: "5000",
    REGISTRY_USER: "kvmk8s",
    REGISTRY_PASSWORD: "pw",
    DIRECTOR_ADDRESS: "10.10.0.10",
};

const ARMORED_KEY = ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", "mQINBGMHoXcBEADmOn8CSEXAMPLEONLY", "=AbCd", "-----END PGP PUBLIC KEY BLOCK-----", ""].join("\n");

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

class Box {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-sources-"));
    readonly root = path.join(this.dir, "root");
    readonly bin = path.join(this.dir, "bin");
    /** The stand-in server's files, by URL. */
    readonly served = path.join(this.dir, "served");

    constructor() {
        for (const d of [this.root, this.bin, this.served]) fs.mkdirSync(d);
        // curl -o FILE URL: the served file, or curl -f's failure (exit 22); every call recorded
        this.tool(
            "curl",
            [
                'out=""; url=""',
                'while [[ $# -gt 0 ]]; do case "$1" in -o) out="$2"; shift 2 ;; --retry|--connect-timeout|--max-time) shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done',
                `printf '%s\\n' "$url" >>"${this.dir}/curl.calls"`,
                `f="${this.served}/$(printf '%s' "$url" | sha256sum | cut -c1-16)"`,
                'if [[ -f "$f" ]]; then cp "$f" "$out"; exit 0; fi',
                'echo "curl: (22) The requested URL returned error: 404" >&2; exit 22',
            ].join("\n"),
        );
        this.tool("gpg", 'echo "bash: gpg: command not found" >&2\nexit 127\n');
    }

    tool(name: string, body: string): void {
        fs.writeFileSync(path.join(this.bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    }

    serve(url: string, content: string | Buffer): void {
        const name = createHash("sha256").update(url).digest("hex").slice(0, 16);
        fs.writeFileSync(path.join(this.served, name), content);
    }

    curlCalls(): string[] {
        const f = path.join(this.dir, "curl.calls");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter(Boolean) : [];
    }

    p(abs: string): string {
        return path.join(this.root, abs);
    }

    put(abs: string, content: string | Buffer, mode = 0o644): void {
        fs.mkdirSync(path.dirname(this.p(abs)), { recursive: true });
        fs.writeFileSync(this.p(abs), content, { mode });
    }

    get(abs: string): string {
        return fs.readFileSync(this.p(abs), "utf8");
    }

    exists(abs: string): boolean {
        return fs.existsSync(this.p(abs));
    }

    /** Run a repo script in place (its loader line sources lib.sh), or bash code after sourcing lib.sh. */
    run(script: { file: string } | { code: string }, env: Record<string, string>): Run {
        const args = "file" in script ? [path.join(ROOT, script.file)] : ["-c", `source ${JSON.stringify(path.join(ROOT, LIB))}\n${script.code}`];
        const res = spawnSync("bash", args, {
            encoding: "utf8",
            input: "",
            timeout: 30_000,
            env: { PATH: `${this.bin}:${process.env.PATH}`, HOME: this.dir, LANG: "C.UTF-8", KVMK8S_ROOT: this.root, ...env },
        });
        return { status: res.status, stdout: res.stdout, stderr: res.stderr };
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

const ok = (r: Run, what: string): void => assert.strictEqual(r.status, 0, `${what} failed (exit ${r.status})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);

describe("sources VMs fetch from (scripts in a temp root, stand-in tools)", () => {
    let box: Box;
    beforeEach(() => (box = new Box()));
    afterEach(() => box.cleanup());

    describe("the Kubernetes apt key, without gpg", () => {
        const repo = "http://10.10.0.1/kubernetes/core:/stable:/v1.31/deb";

        it("configure_kubernetes_repo keeps the key armored in a .asc that signed-by names; gpg is never needed", () => {
            box.serve(`${repo}/Release.key`, ARMORED_KEY);
            box.put("/etc/apt/keyrings/kubernetes-apt-keyring.gpg", "old dearmored keyring");
            const first = box.run({ code: `configure_kubernetes_repo ${repo}/` }, {});
            ok(first, "first run");
            assert.strictEqual(box.get("/etc/apt/keyrings/kubernetes-apt-keyring.asc"), ARMORED_KEY);
            assert.strictEqual(box.get("/etc/apt/sources.list.d/kubernetes.list"), `deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] ${repo}/ /\n`);
            assert.ok(!box.exists("/etc/apt/keyrings/kubernetes-apt-keyring.gpg"), "the old keyring nothing points at any more is gone");
            assert.match(first.stdout, /^changed: removed \/etc\/apt\/keyrings\/kubernetes-apt-keyring\.gpg/m);
            const second = box.run({ code: `configure_kubernetes_repo ${repo}/` }, {});
            ok(second, "second run");
            assert.doesNotMatch(second.stdout, /changed:/);
        });

        it("real apt (file:// repository, no network) verifies a repository with the .asc as written; the same armored key named .gpg fails", function () {
            const gpg = spawnSync("sh", ["-c", "command -v gpg && command -v apt-get"], { encoding: "utf8" });
            if (gpg.status !== 0) {
                if (process.env.CI === "true") throw new Error("gpg and apt-get are needed for this check (Debian's gnupg, apt)");
                this.skip();
            }
            const [gpgBin] = gpg.stdout.trim().split("\n");
            const w = path.join(box.dir, "apt");
            const home = path.join(w, "gnupg");
            fs.mkdirSync(home, { recursive: true, mode: 0o700 });
            const sh = (script: string): string => {
                const r = spawnSync("bash", ["-c", script], { encoding: "utf8", cwd: w, env: { PATH: process.env.PATH, GNUPGHOME: home, LANG: "C.UTF-8" } });
                assert.strictEqual(r.status, 0, `${script}\n${r.stdout}${r.stderr}`);
                return r.stdout;
            };
            // a signed flat repository, as a Kubernetes mirror would serve it
            sh(`${gpgBin} --batch --quiet --passphrase '' --quick-gen-key 'kvm-k8s test <t@example.invalid>' ed25519 sign never`);
            box.serve(`${repo}/Release.key`, sh(`${gpgBin} --armor --export`));
            sh(
                "mkdir -p repo state/lists/partial cache/archives/partial etc/sources.list.d etc/preferences.d etc/apt.conf.d && cd repo && " +
                    "printf 'Package: kvmk8s-test\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: t <t@example.invalid>\\nDescription: t\\nFilename: ./t.deb\\nSize: 1\\nSHA256: %s\\n\\n' \"$(printf x | sha256sum | cut -d' ' -f1)\" > Packages && " +
                    "{ echo \"Date: $(date -Ru)\"; echo SHA256:; echo \" $(sha256sum Packages | cut -d' ' -f1) $(stat -c %s Packages) Packages\"; } > Release && " +
                    `${gpgBin} --batch --yes --clearsign -o InRelease Release`,
            );
            ok(box.run({ code: `configure_kubernetes_repo ${repo}` }, {}), "configure_kubernetes_repo");
            // the source line as written, pointed at the temp root and the file:// copy of the repository
            const aptUpdate = (keyring: string): Run => {
                const line = box.get("/etc/apt/sources.list.d/kubernetes.list").replace("/etc/apt/keyrings/kubernetes-apt-keyring.asc", keyring).replace(`${repo}/`, `file://${w}/repo/`);
                fs.writeFileSync(path.join(w, "etc", "sources.list"), line);
                fs.rmSync(path.join(w, "state", "lists"), { recursive: true, force: true });
                fs.mkdirSync(path.join(w, "state", "lists", "partial"), { recursive: true });
                const o = (k: string, v: string) => ["-o", `${k}=${v}`];
                const r = spawnSync(
                    "apt-get",
                    [...o("Dir::Etc", `${w}/etc`), ...o("Dir::Etc::sourcelist", `${w}/etc/sources.list`), ...o("Dir::Etc::sourceparts", `${w}/etc/sources.list.d`), ...o("Dir::State", `${w}/state`), ...o("Dir::Cache", `${w}/cache`), ...o("Debug::NoLocking", "1"), ...o("APT::Sandbox::User", "root"), "update"],
                    { encoding: "utf8", env: { PATH: process.env.PATH, LANG: "C.UTF-8" } },
                );
                return { status: r.status, stdout: r.stdout, stderr: r.stderr };
            };
            const asc = aptUpdate(box.p("/etc/apt/keyrings/kubernetes-apt-keyring.asc"));
            ok(asc, "apt-get update with the .asc keyring");
            assert.doesNotMatch(asc.stdout + asc.stderr, /NO_PUBKEY|not signed|GPG error/);
            fs.copyFileSync(box.p("/etc/apt/keyrings/kubernetes-apt-keyring.asc"), path.join(w, "armored.gpg"));
            const named = aptUpdate(path.join(w, "armored.gpg"));
            assert.match(named.stdout + named.stderr, /NO_PUBKEY|is not signed/, "apt reads an armored key only from a .asc file: the extension matters");
        });

        it("a key that is not armored is refused, and nothing is written", () => {
            box.serve(`${repo}/Release.key`, Buffer.from([0x99, 0x02, 0x0d, 0x04]));
            const r = box.run({ code: `configure_kubernetes_repo ${repo}` }, {});
            assert.notStrictEqual(r.status, 0);
            assert.match(r.stderr, /Release\.key is not an armored OpenPGP public key/);
            assert.ok(!box.exists("/etc/apt/sources.list.d/kubernetes.list"));
        });

        it("prepare-node.sh kubernetes_repo is a file step: the mirror's key and source, once", () => {
            box.serve(`${repo}/Release.key`, ARMORED_KEY);
            const env = { ...NODE_ENV, KVMK8S_ONLY: "kubernetes_repo" };
            ok(box.run({ file: NODE }, env), "first run");
            assert.match(box.get("/etc/apt/sources.list.d/kubernetes.list"), /signed-by=\/etc\/apt\/keyrings\/kubernetes-apt-keyring\.asc\] http:\/\/10\.10\.0\.1\//);
            assert.deepStrictEqual(box.curlCalls(), [`${repo}/Release.key`], "only the site's mirror is asked");
            const again = box.run({ file: NODE }, env);
            ok(again, "second run");
            assert.doesNotMatch(again.stdout, /changed:/);
        });

        it("node preparation installs what it runs (curl, CA certificates) before it needs them; the director no longer installs gpg", () => {
            const node = fs.readFileSync(path.join(ROOT, NODE), "utf8");
            assert.match(node, /^install_prerequisites\(\) \{\n {4}require_live\n {4}apt_install_missing ca-certificates curl "\$\{NODE_PACKAGE_LIST\[@\]\}"\n\}/m);
            const steps = /^STEPS=\(([\s\S]*?)\)/m.exec(node)![1].split(/\s+/).filter(Boolean);
            assert.ok(steps.indexOf("install_prerequisites") < steps.indexOf("kubernetes_repo"), "curl before the key download");
            assert.ok(steps.indexOf("debian_sources") < steps.indexOf("install_prerequisites"), "the mirror before the first apt-get");
            assert.doesNotMatch(fs.readFileSync(path.join(ROOT, DIRECTOR), "utf8"), /apt_install_missing[^\n]*\bgpg\b/);
            assert.doesNotMatch(fs.readFileSync(path.join(ROOT, LIB), "utf8"), /^\s*gpg\s/m, "lib.sh runs no gpg");
        });
    });

    describe("the site's Debian mirror", () => {
        const debianSources = [
            "Types: deb",
            "URIs: http://deb.debian.org/debian",
            "Suites: bookworm bookworm-updates",
            "Components: main",
            "",
        ].join("\n");

        for (const [rel, base] of [[NODE, NODE_ENV], [DIRECTOR, DIRECTOR_ENV]] as const) {
            it(`${path.basename(rel)} debian_sources: only the mirror, the image's sources set aside, once`, () => {
                box.put("/etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n');
                box.put("/etc/apt/sources.list.d/debian.sources", debianSources);
                const env = { ...base, KVMK8S_ONLY: "debian_sources", DEBIAN_MIRROR: "http://10.10.0.1/debian", DEBIAN_SECURITY_MIRROR: "http://10.10.0.1/debian-security/" };
                const first = box.run({ file: rel }, env);
                ok(first, "first run");
                assert.strictEqual(
                    box.get("/etc/apt/sources.list.d/kvm-k8s-debian.sources"),
                    [
                        "# Managed by kvm-k8s: Debian bookworm from the site's mirror only.",
                        "Types: deb",
                        "URIs: http://10.10.0.1/debian/",
                        "Suites: bookworm bookworm-updates",
                        "Components: main",
                        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg",
                        "",
                        "Types: deb",
                        "URIs: http://10.10.0.1/debian-security/",
                        "Suites: bookworm-security",
                        "Components: main",
                        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg",
                        "",
                    ].join("\n"),
                );
                assert.ok(!box.exists("/etc/apt/sources.list.d/debian.sources"), "deb.debian.org is no longer a source");
                assert.strictEqual(box.get("/etc/apt/sources.list.d/debian.sources.kvm-k8s-disabled"), debianSources, "kept, set aside");
                assert.match(first.stdout, /^changed: disabled \/etc\/apt\/sources\.list\.d\/debian\.sources/m);
                const second = box.run({ file: rel }, env);
                ok(second, "second run");
                assert.doesNotMatch(second.stdout, /changed:/);
            });
        }

        it("no mirror given: the image's sources stay untouched", () => {
            box.put("/etc/apt/sources.list.d/debian.sources", debianSources);
            const r = box.run({ file: NODE }, { ...NODE_ENV, KVMK8S_ONLY: "debian_sources" });
            ok(r, "run");
            assert.match(r.stdout, /^ok: no Debian mirror given; the image's apt sources stay$/m);
            assert.strictEqual(box.get("/etc/apt/sources.list.d/debian.sources"), debianSources);
            assert.ok(!box.exists("/etc/apt/sources.list.d/kvm-k8s-debian.sources"));
        });

        it("a bad mirror URL or package name stops the script before any step", () => {
            const bad = box.run({ file: NODE }, { ...NODE_ENV, KVMK8S_ONLY: "debian_sources", DEBIAN_MIRROR: "ftp://x y" });
            assert.notStrictEqual(bad.status, 0);
            assert.match(bad.stderr, /DEBIAN_MIRROR and DEBIAN_SECURITY_MIRROR must be http\(s\) URLs/);
            const pkg = box.run({ file: NODE }, { ...NODE_ENV, KVMK8S_ONLY: "debian_sources", NODE_PACKAGES: "nfs-common; rm" });
            assert.notStrictEqual(pkg.status, 0);
            assert.match(pkg.stderr, /NODE_PACKAGES: 'nfs-common;' is not a Debian package name/);
        });
    });

    describe("Helm from a file staged on the director", () => {
        function stageHelm(version: string): { tarball: Buffer; sum: string } {
            const work = path.join(box.dir, "helm-build");
            fs.mkdirSync(path.join(work, "linux-amd64"), { recursive: true });
            fs.writeFileSync(path.join(work, "linux-amd64", "helm"), `#!/usr/bin/env bash\necho ${version}\n`, { mode: 0o755 });
            const tgz = path.join(box.dir, "helm.tgz");
            assert.strictEqual(spawnSync("tar", ["-czf", tgz, "-C", work, "linux-amd64"]).status, 0);
            const tarball = fs.readFileSync(tgz);
            return { tarball, sum: createHash("sha256").update(tarball).digest("hex") };
        }

        it("installs it without a download, checked against its .sha256sum; a second run is a no-op", () => {
            const { tarball, sum } = stageHelm("v3.16.3");
            box.put(DIRECTOR_ENV.HELM_URL, tarball);
            box.put(`${DIRECTOR_ENV.HELM_URL}.sha256sum`, `${sum}  helm-v3.16.3-linux-amd64.tar.gz\n`);
            const env = { ...DIRECTOR_ENV, KVMK8S_ONLY: "install_helm" };
            const first = box.run({ file: DIRECTOR }, env);
            ok(first, "first run");
            assert.match(first.stdout, /^changed: helm \(none\) -> v3\.16\.3$/m);
            assert.deepStrictEqual(box.curlCalls(), [], "nothing downloaded");
            assert.ok(box.exists("/usr/local/bin/helm"));
            const second = box.run({ file: DIRECTOR }, env);
            ok(second, "second run");
            assert.match(second.stdout, /^ok: helm v3\.16\.3 already installed$/m);
        });

        it("a staged file that does not match its checksum, or is missing, fails clearly", () => {
            const { tarball } = stageHelm("v3.16.3");
            box.put(DIRECTOR_ENV.HELM_URL, tarball);
            box.put(`${DIRECTOR_ENV.HELM_URL}.sha256sum`, `${"0".repeat(64)}  helm.tar.gz\n`);
            const bad = box.run({ file: DIRECTOR }, { ...DIRECTOR_ENV, KVMK8S_ONLY: "install_helm" });
            assert.notStrictEqual(bad.status, 0);
            assert.match(bad.stderr, /does not match .*\.sha256sum/);
            const missing = box.run({ file: DIRECTOR }, { ...DIRECTOR_ENV, HELM_URL: "/srv/none.tar.gz", KVMK8S_ONLY: "install_helm" });
            assert.notStrictEqual(missing.status, 0);
            assert.match(missing.stderr, /HELM_URL \/srv\/none\.tar\.gz is not a file on the director: stage the Helm tarball there first/);
        });
    });

    describe("kubeadm's images: the derived list checked against kubeadm itself", () => {
        // what `kubeadm config images list --kubernetes-version v1.31.4` prints (kubeadm v1.31.4)
        const kubeadmSays = (images: string[]) =>
            box.tool("kubeadm", `[[ "$*" == "config images list --kubernetes-version v1.31.4" ]] || { echo "unexpected: $*" >&2; exit 2; }\nprintf '%s\\n' ${images.map((i) => `'${i}'`).join(" ")}`);

        it("passes when the mirrored list holds every image kubeadm names", () => {
            kubeadmSays(kubeadmImages("1.31.4")!);
            const r = box.run({ file: DIRECTOR }, { ...DIRECTOR_ENV, KVMK8S_ONLY: "kubeadm_images", KUBEADM_IMAGES: kubeadmImages("1.31.4")!.join("\n") });
            ok(r, "run");
            assert.match(r.stdout, /^ok: the mirrored images hold all 7 images kubeadm 1\.31\.4 pulls$/m);
        });

        it("names what a wrong table entry misses, and where to fix it", () => {
            kubeadmSays(kubeadmImages("1.31.4")!.map((i) => i.replace("etcd:3.5.15-0", "etcd:3.5.16-0")));
            const r = box.run({ file: DIRECTOR }, { ...DIRECTOR_ENV, KVMK8S_ONLY: "kubeadm_images", KUBEADM_IMAGES: kubeadmImages("1.31.4")!.join("\n") });
            assert.notStrictEqual(r.status, 0);
            assert.match(r.stderr, /kubeadm 1\.31\.4 pulls registry\.k8s\.io\/etcd:3\.5\.16-0, which the program does not mirror: fix the entry for 1\.31\.4 in stacks\/kubeadm-images\.ts/);
        });
    });
});

describe("prepare-director.sh mirror_images, with a stand-in skopeo", () => {
    let box: Box;
    beforeEach(() => {
        box = new Box();
        box.put("/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt", "CA\n");
        // skopeo: nothing is in the site registry yet (inspect fails); copy records source and destination
        box.tool("skopeo", `case "$1" in inspect) exit 1 ;; copy) printf '%s %s\n' "\${@: -2:1}" "\${@: -1}" >>"${box.dir}/skopeo.copies" ;; *) exit 2 ;; esac`);
    });
    afterEach(() => box.cleanup());

    const copies = (): string[] => fs.readFileSync(path.join(box.dir, "skopeo.copies"), "utf8").split("\n").filter(Boolean);
    const images = "registry.k8s.io/pause:3.10\ndocker.io/calico/node:v3.29.1\nnginx:1.27";

    it("copies from MIRROR_FROM, the site's registry, at the director registry's paths", () => {
        ok(box.run({ file: DIRECTOR }, { ...DIRECTOR_ENV, KVMK8S_ONLY: "mirror_images", MIRROR_IMAGES: images, MIRROR_FROM: "10.10.0.1:5000" }), "mirror_images");
        assert.deepStrictEqual(copies(), [
            "docker://10.10.0.1:5000/pause:3.10 docker://registry.site1.example:5000/pause:3.10",
            "docker://10.10.0.1:5000/calico/node:v3.29.1 docker://registry.site1.example:5000/calico/node:v3.29.1",
            "docker://10.10.0.1:5000/library/nginx:1.27 docker://registry.site1.example:5000/library/nginx:1.27",
        ]);
    });

    it("without MIRROR_FROM, from each image's own registry", () => {
        ok(box.run({ file: DIRECTOR }, { ...DIRECTOR_ENV, KVMK8S_ONLY: "mirror_images", MIRROR_IMAGES: images }), "mirror_images");
        assert.deepStrictEqual(copies().map((c) => c.split(" ")[0]), ["docker://registry.k8s.io/pause:3.10", "docker://docker.io/calico/node:v3.29.1", "docker://docker.io/library/nginx:1.27"]);
    });
});

describe("what the program hands node preparation and the director", () => {
    const access = { caCertPem: "CA", password: "pw", opsPublicKey: "ssh-ed25519 AAAAops" };
    // containerd's sandbox image, from the config.toml record of CONTAINERD_FILES
    const sandboxImage = (env: Record<string, string>): string | undefined => {
        const record = env.CONTAINERD_FILES.split("\n").find((r) => r.split(" ")[1] === "/etc/containerd/config.toml");
        return /^ {2}sandbox_image = "([^"]+)"$/m.exec(Buffer.from(record?.split(" ")[2] ?? "", "base64").toString("utf8"))?.[1];
    };

    it("prod nodes: the site's Debian mirror, nfs-common for NFS storage, kubeadm's pause as sandbox image", () => {
        const site = stackSite("prod");
        const env = prepareNodeEnv(site, site.workers[0], access);
        assert.strictEqual(env.DEBIAN_MIRROR, "http://10.10.0.1/debian");
        assert.strictEqual(env.DEBIAN_SECURITY_MIRROR, "http://10.10.0.1/debian-security");
        assert.strictEqual(env.NODE_PACKAGES, "nfs-common");
        assert.strictEqual(sandboxImage(env), "registry.k8s.io/pause:3.10.2");
    });

    it("dev nodes: the image's own sources, no extra package", () => {
        const site = stackSite("dev");
        const env = prepareNodeEnv(site, site.workers[0], access);
        assert.deepStrictEqual([env.DEBIAN_MIRROR, env.DEBIAN_SECURITY_MIRROR, env.NODE_PACKAGES], ["", "", ""]);
    });

    it("the sandbox image follows the Kubernetes version", () => {
        const input = stackInput("dev");
        const overrides = input.site as Record<string, object | undefined>;
        overrides.cluster = { ...overrides.cluster, kubernetesVersion: "1.35.4" };
        const site = resolveOrThrow(input);
        assert.strictEqual(sandboxImage(prepareNodeEnv(site, site.workers[0], access)), "registry.k8s.io/pause:3.10.1");
    });

    it("the director: the mirror, and kubeadm's images to check only when air-gapped", async () => {
        const secrets = {
            registry: { caCertPem: "CA", certPem: "CERT", keyPem: "KEY", password: "pw" },
            opsKey: { privateKey: "OPS" },
        } as unknown as Parameters<typeof prepareDirectorEnv>[1];
        const envOf = (site: ReturnType<typeof stackSite>) => new Promise<Record<string, string>>((resolve) => prepareDirectorEnv(site, secrets).apply(resolve));
        const prod = await envOf(stackSite("prod"));
        assert.strictEqual(prod.DEBIAN_MIRROR, "http://10.10.0.1/debian");
        assert.strictEqual(prod.KUBEADM_IMAGES, kubeadmImages("1.36.3")!.join("\n"));
        assert.ok(prod.MIRROR_IMAGES.split("\n").includes("registry.k8s.io/etcd:3.6.8-0"), "kubeadm's images are mirrored");
        assert.strictEqual(prod.HELM_URL, "http://10.10.0.1/kvm-k8s/helm-v4.3.2-linux-amd64.tar.gz");
        assert.strictEqual(prod.MIRROR_FROM, "10.10.0.1:5000");
        const dev = await envOf(stackSite("dev"));
        assert.deepStrictEqual([dev.DEBIAN_MIRROR, dev.KUBEADM_IMAGES], ["", ""]);
    });
});

describe("install-calico.sh with the operator manifest staged on the director", () => {
    let box: Box;
    beforeEach(() => {
        box = new Box();
        // kubectl: a server-side diff finds changes (exit 1), apply records what it applied
        box.tool(
            "kubectl",
            [
                `printf '%s\\n' "$*" >>"${box.dir}/kubectl.calls"`,
                'case "$1" in diff) exit 1 ;; apply|wait) exit 0 ;; get) echo True ;; *) exit 2 ;; esac',
            ].join("\n"),
        );
    });
    afterEach(() => box.cleanup());

    const env = (manifest: string) => ({
        CALICO_OPERATOR_MANIFEST: manifest,
        KVMK8S_FILES: `0644 /etc/kvm-k8s/calico-installation.yaml ${Buffer.from("kind: Installation\n").toString("base64")}`,
        KVMK8S_ONLY: "operator",
    });

    it("applies the staged file; nothing is fetched", () => {
        box.put("/srv/kvm-k8s/tigera-operator.yaml", "kind: Namespace\n");
        ok(box.run({ file: "components/cluster/scripts/install-calico.sh" }, env("/srv/kvm-k8s/tigera-operator.yaml")), "operator");
        const calls = fs.readFileSync(path.join(box.dir, "kubectl.calls"), "utf8");
        assert.match(calls, new RegExp(`^apply --server-side --force-conflicts -f ${box.p("/srv/kvm-k8s/tigera-operator.yaml")}$`, "m"));
        assert.deepStrictEqual(box.curlCalls(), []);
    });

    it("a staged path that is not there fails with what to do", () => {
        const r = box.run({ file: "components/cluster/scripts/install-calico.sh" }, env("/srv/kvm-k8s/missing.yaml"));
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, /CALICO_OPERATOR_MANIFEST \/srv\/kvm-k8s\/missing\.yaml is not a file on the director: stage tigera-operator\.yaml there first/);
    });
});
