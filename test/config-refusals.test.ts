/**
 * Mistakes that used to pass validation and fail only once VMs existed (or never): each is
 * refused before anything is registered, with its config path and the fix (issue 10).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigIssue, resolveSite, StackConfigInput } from "../stacks";
import { siteMacs, stableMac } from "../stacks/mac";
import { parsePublicKey, privateKeyPublicHalf } from "../stacks/sshkeys";
import { needTools, PRIVATE_KEY_MARKER, resolveOrThrow, ROOT, stackInput, TEST_PRIVATE_KEY, TEST_PUBLIC_KEY } from "./fixtures";

type Site = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function issuesOf(input: StackConfigInput): ConfigIssue[] {
    const result = resolveSite(input);
    assert.ok(!result.ok, "expected the configuration to be rejected");
    return result.issues;
}

function issuesFor(stack: string, edit: (site: Site, input: StackConfigInput) => void): ConfigIssue[] {
    const input = stackInput(stack);
    input.site = input.site ?? {};
    edit(input.site as Site, input);
    return issuesOf(input);
}

function assertIssue(issues: ConfigIssue[], path: string, fragment: string | RegExp): ConfigIssue {
    const match = issues.find((i) => i.path === path && (typeof fragment === "string" ? i.message.includes(fragment) : fragment.test(i.message)));
    assert.ok(match, `no issue at ${path} matching ${fragment}; got:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`);
    return match;
}

/** An ed25519 key pair other than the fixture's: PEM (PKCS#8) private key, OpenSSH public key. */
function otherKeyPair(): { privatePem: string } {
    const { privateKey } = generateKeyPairSync("ed25519");
    return { privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

describe("refused before anything is registered (issue 10)", () => {
    const cases: { what: string; stack: string; edit: (site: Site, input: StackConfigInput) => void; path: string; says: string | RegExp }[] = [
        // secrets and keys nobody reads
        { what: "a secret inside kvm-k8s:site", stack: "dev", edit: (_s, input) => (input.secretSitePaths = ["kvm-k8s:site"]), path: "kvm-k8s:site", says: "put the secret in a Kubernetes Secret made outside this program" },
        { what: "a kvm-k8s key that is a site key (kvm-k8s:workers)", stack: "dev", edit: (_s, input) => (input.keys = ["kvm-k8s:profile", "kvm-k8s:site", "kvm-k8s:workers"]), path: "kvm-k8s:workers", says: "did you mean kvm-k8s:site.workers?" },
        { what: "a misspelled kvm-k8s key (kvm-k8s:sites)", stack: "dev", edit: (_s, input) => (input.keys = ["kvm-k8s:profile", "kvm-k8s:sites"]), path: "kvm-k8s:sites", says: "did you mean kvm-k8s:site?" },
        { what: "an unknown key inside the site, with the one meant", stack: "dev", edit: (s) => (s.acess = { user: "ops" }), path: "kvm-k8s:site.acess", says: "did you mean 'access'?" },
        { what: "an unknown key in a node, with the one meant", stack: "dev", edit: (s) => (s.director = { memoryMib: 4096 }), path: "kvm-k8s:site.director.memoryMib", says: "did you mean 'memoryMiB'?" },
        // keys that cannot work
        { what: "a private key that is not the pair of site.access.publicKey", stack: "dev", edit: (_s, input) => (input.sshPrivateKey = { value: otherKeyPair().privatePem, secret: true }), path: "kvm-k8s:sshPrivateKey", says: "is not the pair of kvm-k8s:site.access.publicKey" },
        { what: "a truncated public key", stack: "dev", edit: (s) => (s.access = { publicKey: TEST_PUBLIC_KEY.slice(0, -8) }), path: "kvm-k8s:site.access.publicKey", says: "cut short" },
        { what: "a public key whose data is of another type", stack: "dev", edit: (s) => (s.access = { publicKey: TEST_PUBLIC_KEY.replace("ssh-ed25519", "ssh-rsa") }), path: "kvm-k8s:site.access.publicKey", says: "its key data is of type 'ssh-ed25519', not 'ssh-rsa'" },
        { what: "a public key with stray characters", stack: "dev", edit: (s) => (s.access = { publicKey: "ssh-ed25519 AAAA-C3Nz ops" }), path: "kvm-k8s:site.access.publicKey", says: "stray characters" },
        { what: "an extra public key that is a private key", stack: "dev", edit: (s) => (s.access = { ...(s.access as object), extraPublicKeys: ["-----BEGIN OPENSSH PRIVATE KEY-----"] }), path: "kvm-k8s:site.access.extraPublicKeys[0]", says: "is a private key; it must never be in the stack file in plain text" },
        { what: "an extra public key cut short", stack: "dev", edit: (s) => (s.access = { ...(s.access as object), extraPublicKeys: [TEST_PUBLIC_KEY, TEST_PUBLIC_KEY.slice(0, -8)] }), path: "kvm-k8s:site.access.extraPublicKeys[1]", says: "cut short" },
        { what: "a private key given as a path", stack: "dev", edit: (_s, input) => (input.sshPrivateKey = { value: "/home/ops/.ssh/id_ed25519", secret: true }), path: "kvm-k8s:sshPrivateKey", says: "looks like a file path" },
        { what: "a public key given as the private key", stack: "dev", edit: (_s, input) => (input.sshPrivateKey = { value: TEST_PUBLIC_KEY, secret: true }), path: "kvm-k8s:sshPrivateKey", says: "is a public key; set the private key, the file without '.pub'" },
        { what: "a truncated private key", stack: "dev", edit: (_s, input) => (input.sshPrivateKey = { value: TEST_PRIVATE_KEY.replace(/AAAAF2trttTESTONLY[\s\S]*(?=\n-----END)/, ""), secret: true }), path: "kvm-k8s:sshPrivateKey", says: "cut short" },
        // values that fail on the VMs
        { what: "a version with a leading zero", stack: "dev", edit: (s) => (s.cluster = { kubernetesVersion: "1.31.04" }), path: "kvm-k8s:site.cluster.kubernetesVersion", says: "has a leading zero, which apt's version of the packages never has; write '1.31.4'" },
        { what: "a version that is not 1.x, without a hint beside the point", stack: "dev", edit: (s) => (s.cluster = { kubernetesVersion: "2.0.0" }), path: "kvm-k8s:site.cluster.kubernetesVersion", says: /^'2\.0\.0' is not a Kubernetes release: Kubernetes versions are 1\.x\.y/ },
        { what: "the all-zero MAC", stack: "dev", edit: (s) => (s.director = { macs: { internal: "00:00:00:00:00:00" } }), path: "kvm-k8s:site.director.macs.internal", says: "all-zero MAC" },
        { what: "a MAC with libvirt's tap prefix", stack: "dev", edit: (s) => (s.director = { macs: { internal: "fe:54:00:12:34:56" } }), path: "kvm-k8s:site.director.macs.internal", says: "the prefix libvirt gives the host side of every tap device" },
        { what: "a VRRP router MAC", stack: "dev", edit: (s) => (s.director = { macs: { internal: "00:00:5e:00:01:07" } }), path: "kvm-k8s:site.director.macs.internal", says: "VRRP" },
        { what: "memory in KiB instead of MiB", stack: "dev", edit: (s) => (s.sizes = { worker: { memoryMiB: 16777216 } }), path: "kvm-k8s:site.sizes.worker.memoryMiB", says: "must be at most 1048576 (1 TiB); the unit is MiB" },
        { what: "more vCPUs than QEMU's pc machine takes", stack: "dev", edit: (s) => (s.director = { vcpu: 512 }), path: "kvm-k8s:site.director.vcpu", says: "must be at most 255" },
        { what: "a disk in MiB instead of GiB", stack: "dev", edit: (s) => (s.sizes = { master: { diskGiB: 40960000 } }), path: "kvm-k8s:site.sizes.master.diskGiB", says: "the unit is GiB" },
        { what: "kubelet reservations larger than the VM's memory", stack: "dev", edit: (s) => (s.cluster = { kubelet: { systemReserved: { memory: "4Gi" } } }), path: "kvm-k8s:site.cluster.kubelet", says: /reserves 4808 MiB on every node \(systemReserved 4Gi \+ kubeReserved 512Mi \+ evictionHard memory\.available 200Mi\), but kvm-k8s:site\.masters\[0\] \(master-1\) has 4096.*nothing would be left for pods/ },
        { what: "kubelet CPU reservations of every vCPU", stack: "dev", edit: (s) => (s.cluster = { kubelet: { kubeReserved: { cpu: "2" } } }), path: "kvm-k8s:site.cluster.kubelet", says: "reserves 2.25 CPU on every node" },
        { what: "a certSAN that is a URL", stack: "dev", edit: (s) => (s.cluster = { certSANs: ["https://api.example.net/"] }), path: "kvm-k8s:site.cluster.certSANs[0]", says: "is a URL; a certificate names hosts: list 'api.example.net'" },
        { what: "a certSAN with a port", stack: "dev", edit: (s) => (s.cluster = { certSANs: ["api.example.net:6443"] }), path: "kvm-k8s:site.cluster.certSANs[0]", says: "has a port; a certificate names hosts, not ports: list 'api.example.net'" },
        { what: "an NTP server with options", stack: "dev", edit: (s) => (s.cluster = { ntpServers: ["0.debian.pool.ntp.org iburst"] }), path: "kvm-k8s:site.cluster.ntpServers[0]", says: "has options or keywords; give the server alone ('0.debian.pool.ntp.org')" },
        { what: "an NTP entry written as a chrony line", stack: "dev", edit: (s) => (s.cluster = { ntpServers: ["server 10.0.0.1"] }), path: "kvm-k8s:site.cluster.ntpServers[0]", says: "give the server alone ('10.0.0.1')" },
        { what: "a libvirt URI with a misspelled transport", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+shh://root@hv1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "'shh' is not a libvirt transport; did you mean 'qemu+ssh://'?" },
        { what: "a qemu+ssh URI without a host", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh:///system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "names no host" },
        { what: "a libssh2 URI, which the libvirt provider cannot dial", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+libssh2://root@svc-1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "transport 'libssh2' is not one the libvirt provider (terraform-provider-libvirt 0.8.1) can dial (it fails with \"transport 'libssh2' not implemented\"; it dials qemu+ssh://, qemu+tcp://, qemu+tls:// and qemu:///system): use 'qemu+ssh://root@svc-1/system', the same host over ssh" },
        { what: "a libssh URI, which the libvirt provider cannot dial", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+libssh://root@svc-1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "transport 'libssh' is not one the libvirt provider (terraform-provider-libvirt 0.8.1) can dial" },
        { what: "an ext URI, which the libvirt provider cannot dial", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ext:///system?command=/usr/bin/nc" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "transport 'ext' is not one the libvirt provider (terraform-provider-libvirt 0.8.1) can dial (it fails with \"transport 'ext' not implemented\"; it dials qemu+ssh://, qemu+tcp://, qemu+tls:// and qemu:///system): use 'qemu:///system' for this machine, or 'qemu+ssh://root@svc-1/system' for another" },
        { what: "a misspelled transport, never with a transport the provider cannot dial as the guess", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+libsh2://root@svc-1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "'libsh2' is not a libvirt transport; use one the libvirt provider (terraform-provider-libvirt 0.8.1) can dial: ssh, tcp, tls, unix" },
        { what: "a port that is not a number, which Go's URL parser refuses", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1:ssh/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "':ssh' is not a port: the provider's URL parser (Go net/url) takes only digits after the host, and refuses the URI ('invalid port \":ssh\" after host'); remove ':ssh' (over ssh the provider reaches port 22 only)" },
        { what: "a tcp port that is not a number, with the default", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+tcp://svc-1:libvirt/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "write the port number, or remove ':libvirt' for the default (16509)" },
        { what: "a user part with a bad URL escape, which Go's URL parser refuses", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://r%zzoot@svc-1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "'%zz' in the user part 'r%zzoot' is not a URL escape, so the provider's URL parser (Go net/url) refuses the URI (\"invalid URL escape\"): write a literal '%' as '%25', or use a plain user name, e.g. 'root'" },
        { what: "a user part with a character Go's URL parser refuses", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://ro{ot@svc-1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "the user part 'ro{ot' has '{', which the provider's URL parser (Go net/url) refuses (\"invalid userinfo\")" },
        { what: "a host that is no host name", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc^1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "host 'svc^1' is not a host name or IPv4 address" },
        { what: "an sshauth method the provider does not know", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1/system?sshauth=password" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "sshauth 'password' is not an SSH authentication method the libvirt provider (terraform-provider-libvirt 0.8.1) knows (it knows 'agent', 'privkey', 'ssh-password'); it skips it, and with no method left fails (\"could not configure SSH authentication methods\"): did you mean 'ssh-password'?" },
        { what: "an sshauth list with a space, whose second method the provider does not know", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1/system?sshauth=agent,%20privkey" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "sshauth ' privkey' is not an SSH authentication method" },
        { what: "sshauth ssh-password, whose password would be in the URI", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1/system?sshauth=ssh-password" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "sshauth 'ssh-password' takes the password from the URI's user part, in plain text in the stack file and state: use 'privkey' (with keyfile=) or 'agent'" },
        { what: "a password in the URI, which would be plain text in the stack file and state", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root:pw@svc-1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "has a password in its user part ('root:<password>@'), which would sit in plain text in the stack file and, as the libvirt provider's uri, in the stack's state: remove it and log in with a key (the runner's ~/.ssh key, or keyfile=)" },
        { what: "libvirt's known_hosts parameter, which the provider does not read", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1/system?known_hosts=/etc/kvm-k8s/known_hosts" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "'known_hosts' is not a parameter the libvirt provider (terraform-provider-libvirt 0.8.1) reads for qemu+ssh:// (it reads 'keyfile', 'knownhosts', 'known_hosts_verify', 'no_verify', 'sshauth', 'socket'), so it would be ignored: did you mean 'knownhosts'?" },
        { what: "a tcp URI with a parameter the provider ignores", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+tcp://svc-1/system?no_verify=1" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "'no_verify' is not a parameter the libvirt provider (terraform-provider-libvirt 0.8.1) reads for qemu+tcp:// (it reads none), so it would be ignored; remove it" },
        { what: "no_verify=0 over ssh, which turns host key checking off", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1/system?no_verify=0" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "no_verify=0 turns host key checking off all the same: over ssh the libvirt provider (terraform-provider-libvirt 0.8.1) only looks whether no_verify is there, not at its value; remove it to check host keys against known_hosts, or write no_verify=1" },
        { what: "known_hosts_verify=auto, which the provider treats as normal", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1/system?known_hosts_verify=auto" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "known_hosts_verify=auto: the libvirt provider (terraform-provider-libvirt 0.8.1) skips the host key check for 'ignore' only" },
        { what: "a parameter the provider's URL parser drops for its ';'", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1/system?keyfile=/root/.ssh/id_ed25519;no_verify=1" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "'keyfile=/root/.ssh/id_ed25519;no_verify=1' has a ';', and the provider's URL parser (Go net/url) drops such a parameter without a word: separate parameters with '&'" },
        { what: "a parameter the provider's URL parser drops for a bad escape", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1/system?keyfile=/keys/%zz" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "'%zz' in 'keyfile=/keys/%zz' is not a URL escape, and the provider's URL parser (Go net/url) drops such a parameter without a word: write a literal '%' as '%25'" },
        { what: "a port on a qemu+ssh URI, which provider 0.8.1 dials as part of the host name", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@svc-1:2222/system?keyfile=/root/.ssh/id_ed25519" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "has ':2222' after the host, but over ssh the libvirt provider (terraform-provider-libvirt 0.8.1) then dials 'svc-1:2222' as a host name and fails (\"lookup svc-1:2222: no such host\", terraform-provider-libvirt#1116, fixed only after 0.8.1), and it ignores ~/.ssh/config's Port: remove ':2222' and reach the hypervisor's sshd on port 22" },
        { what: "a qemu+ssh URI without a user, as whom provider 0.8.1 logs in", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://svc-1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "names no user; over ssh the libvirt provider (terraform-provider-libvirt 0.8.1) logs in as the URI's user only (not as you, nor as ~/.ssh/config's User), so it would log in as '' and be refused: write 'qemu+ssh://root@svc-1/system'" },
        { what: "an IPv6 literal, from which provider 0.8.1 builds no address", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+ssh://root@[fd00::1]/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "the IPv6 address [fd00::1] is one the libvirt provider (terraform-provider-libvirt 0.8.1) cannot dial (it dials '[[fd00::1]]:22', which is no address): use a host name that resolves to it" },
        { what: "a qemu+unix URI naming a host the provider ignores", stack: "dev", edit: (s) => (s.hypervisors = [{ name: "hv1", uri: "qemu+unix://svc-1/system" }]), path: "kvm-k8s:site.hypervisors[0].uri", says: "qemu+unix:// dials this machine's libvirt socket and the libvirt provider (terraform-provider-libvirt 0.8.1) ignores the host 'svc-1': use 'qemu+ssh://root@svc-1/system' to reach svc-1, or 'qemu:///system' for this machine" },
        { what: "a pool path with a trailing slash, which libvirt stores without it", stack: "dev", edit: (s) => (s.storagePool = { name: "kvm-k8s", create: true, path: "/var/lib/libvirt/images/kvm-k8s/" }), path: "kvm-k8s:site.storagePool.path", says: "'/var/lib/libvirt/images/kvm-k8s/' has a trailing '/': libvirt stores the pool's path as '/var/lib/libvirt/images/kvm-k8s', and the libvirt provider (terraform-provider-libvirt 0.8.1) would read that back as a changed path and replace the pool on every later update, and with it every volume and VM in it; write '/var/lib/libvirt/images/kvm-k8s'" },
        { what: "a pool path with a doubled slash, which libvirt stores as one", stack: "dev", edit: (s) => (s.storagePool = { name: "kvm-k8s", create: true, path: "/var/lib//libvirt" }), path: "kvm-k8s:site.storagePool.path", says: "'/var/lib//libvirt' has a doubled '/': libvirt stores the pool's path as '/var/lib/libvirt', and the libvirt provider (terraform-provider-libvirt 0.8.1) would read that back as a changed path and replace the pool on every later update, and with it every volume and VM in it; write '/var/lib/libvirt'" },
        { what: "a pool path with both, and one fix for both", stack: "dev", edit: (s) => (s.storagePool = { name: "kvm-k8s", create: true, path: "/srv//pools///kvm-k8s//" }), path: "kvm-k8s:site.storagePool.path", says: "'/srv//pools///kvm-k8s//' has a doubled '/' and a trailing '/': libvirt stores the pool's path as '/srv/pools/kvm-k8s'" },
        { what: "a pool path starting with //, which POSIX leaves to the system", stack: "dev", edit: (s) => (s.storagePool = { name: "kvm-k8s", create: true, path: "//srv/kvm-k8s" }), path: "kvm-k8s:site.storagePool.path", says: "'//srv/kvm-k8s' starts with '//', which POSIX lets a system read as other than '/'; write '/srv/kvm-k8s'" },
        { what: "no default route where VMs must reach package mirrors", stack: "dev", edit: (s) => (s.networks = [{ name: "internal", bridge: "br0", cidr: "192.168.100.0/24", dns: ["192.168.100.1"] }]), path: "kvm-k8s:site.networks[0].gateway", says: /missing on every network, but the VMs reach deb\.debian\.org \(Debian packages\).* only through a default route/ },
        { what: "no DNS server where VMs must resolve names", stack: "dev", edit: (s) => (s.networks = [{ name: "internal", bridge: "br0", cidr: "192.168.100.0/24", gateway: "192.168.100.1" }]), path: "kvm-k8s:site.networks[0].dns", says: "no network gives the VMs a DNS server, but they must resolve deb.debian.org" },
        { what: "a kube-vip image without a tag", stack: "dev", edit: (s) => (s.cluster = { kubeVip: { image: "ghcr.io/kube-vip/kube-vip" } }), path: "kvm-k8s:site.cluster.kubeVip.image", says: "has no tag" },
        { what: "a kube-vip image at latest", stack: "dev", edit: (s) => (s.cluster = { kubeVip: { image: "ghcr.io/kube-vip/kube-vip:latest" } }), path: "kvm-k8s:site.cluster.kubeVip.image", says: "floats with each release; pin a version, e.g. 'ghcr.io/kube-vip/kube-vip:v1.2.3'" },
        // sites that inherit another site's world
        { what: "a prod NTP server outside the site's networks", stack: "prod", edit: (s) => (s.cluster = { ...s.cluster, ntpServers: ["127.0.0.10"] }), path: "kvm-k8s:site.cluster.ntpServers[0]", says: "127.0.0.10 is outside this site's networks" },
        { what: "a prod NFS server outside the site's networks", stack: "prod", edit: (s) => (s.apps = { releases: { "nfs-storage": { values: { nfs: { server: "127.0.0.20" } } } } }), path: "kvm-k8s:site.apps.releases.nfs-storage.values.nfs.server", says: "127.0.0.20 is outside this site's networks" },
        { what: "a prod site without workers, whose releases could run nowhere", stack: "prod", edit: (s) => (s.workers = []), path: "kvm-k8s:site.workers", says: "masters keep kubeadm's control-plane taint" },
        { what: "endpoint.network without a VIP", stack: "dev", edit: (s) => (s.cluster = { endpoint: { network: "internal" } }), path: "kvm-k8s:site.cluster.endpoint.network", says: "is set but there is no vip" },
        // messages
        { what: "a port of 0, in words rather than zod's", stack: "dev", edit: (s) => (s.cluster = { endpoint: { port: 0 } }), path: "kvm-k8s:site.cluster.endpoint.port", says: "must be a TCP port from 1 to 65535, e.g. 6443" },
        { what: "a stopAfter that is no stage, with the one meant and every stage", stack: "dev", edit: (s) => (s.stopAfter = "cluter"), path: "kvm-k8s:site.stopAfter", says: "'cluter' is not a stage; did you mean 'cluster'? Otherwise use one of 'vms', 'prepared', 'cluster', 'apps'" },
        { what: "a stopAfter that is not a name, with every stage", stack: "prod", edit: (s) => (s.stopAfter = 2), path: "kvm-k8s:site.stopAfter", says: /^use one of 'vms', 'prepared', 'cluster', 'apps': the site is built up to and including that stage .*; got number 2$/ },
        { what: "a release timeout of 0, in words rather than zod's", stack: "dev", edit: (s) => (s.apps = { releases: { "metrics-server": { timeoutSeconds: 0 } } }), path: "kvm-k8s:site.apps.releases.metrics-server.timeoutSeconds", says: "must be at least 1 second" },
    ];

    for (const c of cases) {
        it(c.what, () => {
            const issues = issuesFor(c.stack, c.edit);
            assertIssue(issues, c.path, c.says);
            assert.ok(!issues.some((i) => /Too small|Too big|Invalid input|expected number to be/.test(i.message)), `zod's own wording leaked: ${JSON.stringify(issues)}`);
            assert.ok(!JSON.stringify(issues).includes(PRIVATE_KEY_MARKER), "a message shows the private key");
        });
    }

    describe("libvirt URIs: what the libvirt provider (terraform-provider-libvirt 0.8.1) dials passes, the rest is refused", () => {
        const withUri = (uri: string): StackConfigInput => {
            const input = stackInput("dev");
            (input.site as Site).hypervisors = [{ name: "hv1", uri }];
            return input;
        };
        const uriIssues = (uri: string): ConfigIssue[] => issuesOf(withUri(uri)).filter((i) => i.path === "kvm-k8s:site.hypervisors[0].uri");

        for (const uri of [
            "qemu:///system",
            "qemu:///session",
            "qemu+unix:///system?socket=/var/run/libvirt/libvirt-sock",
            "qemu+ssh://root@svc-1/system",
            "qemu+ssh://root@10.10.0.2/system",
            "qemu+ssh://root@svc-1/system?keyfile=/root/.ssh/id_ed25519",
            "qemu+ssh://root@svc-1/system?keyfile=/root/.ssh/id_ed25519&knownhosts=/etc/kvm-k8s/known_hosts&sshauth=privkey",
            "qemu+ssh://root@svc-1/system?sshauth=agent,privkey&known_hosts_verify=normal&socket=/var/run/libvirt/libvirt-sock",
            "qemu+ssh://root@svc-1/system?known_hosts_verify=ignore",
            "qemu+ssh://root@svc-1/system?no_verify=1",
            "qemu+tcp://svc-1/system",
            "qemu+tcp://svc-1:16509/system",
            "qemu+tls://svc-1/system",
            "qemu+tls://svc-1:16514/system?pkipath=/etc/pki/kvm-k8s&no_verify=0",
            "qemu://svc-1/system",
        ]) {
            it(`accepts ${uri}`, () => {
                resolveOrThrow(withUri(uri));
            });
        }

        it("every problem of one URI at once, each with its fix", () => {
            const messages = uriIssues("qemu+libssh2://[fd00::1]:2222/system?known_hosts=/k&sshauth=password").map((i) => i.message);
            for (const fragment of ["transport 'libssh2' is not one", "the IPv6 address [fd00::1]", "has ':2222' after the host", "names no user", "did you mean 'knownhosts'?", "sshauth 'password'"]) {
                assert.ok(messages.some((m) => m.includes(fragment)), `no message with ${fragment}; got:\n${messages.join("\n")}`);
            }
        });

        it("a misspelled transport is never guessed as one the provider cannot dial", () => {
            for (const typo of ["libsh", "libssh3", "exy", "sssh", "tpc", "unx"]) {
                const [issue] = uriIssues(`qemu+${typo}://root@svc-1/system`);
                assert.ok(issue, typo);
                assert.doesNotMatch(issue.message, /qemu\+(libssh|libssh2|ext):\/\//, typo);
                assert.match(issue.message, /did you mean 'qemu\+(ssh|tcp|tls|unix):\/\/'\?|can dial: ssh, tcp, tls, unix/, typo);
            }
        });

        it("reports, never throws on, a transport named like an object property or a query byte that is not UTF-8", () => {
            const [issue] = uriIssues("qemu+constructor://root@svc-1/system");
            assert.ok(issue && /not a libvirt transport/.test(issue.message), JSON.stringify(issue));
            // Go keeps %ff as a byte; the key file path is the operator's to get right
            resolveOrThrow(withUri("qemu+ssh://root@svc-1/system?keyfile=/k%ff"));
        });

        it("accepts pool paths as libvirt stores them", () => {
            for (const path of ["/var/lib/libvirt/images/kvm-k8s", "/srv/pools/kvm-k8s"]) {
                const input = stackInput("dev");
                (input.site as Site).storagePool = { name: "kvm-k8s", create: true, path };
                assert.strictEqual(resolveOrThrow(input).storagePool.path, path);
            }
        });
    });

    it("a misspelled section is named as such, and the key it hides is reported missing, not malformed", () => {
        const input = stackInput("dev");
        input.site = { acess: { publicKey: TEST_PUBLIC_KEY } };
        const issues = issuesOf(input);
        assertIssue(issues, "kvm-k8s:site.acess", "did you mean 'access'?");
        const publicKey = assertIssue(issues, "kvm-k8s:site.access.publicKey", /^missing; /);
        assert.doesNotMatch(publicKey.message, /must be a whole OpenSSH public key line/);
    });

    it("a node's bad name does not hide its other problems", () => {
        const issues = issuesFor("dev", (s) => (s.director = { name: "Director_1", hypervisor: "hv9", addresses: { internal: "10.99.0.10" } }));
        assertIssue(issues, "kvm-k8s:site.director.name", "lowercase DNS label");
        assertIssue(issues, "kvm-k8s:site.director.hypervisor", "'hv9' is not a hypervisor of this site");
        assertIssue(issues, "kvm-k8s:site.director.addresses.internal", "is outside network 'internal'");
    });

    describe("a new prod site states where it is", () => {
        it("the README's old one-file example (name, domain, key, a size) is refused, each inherited value named", () => {
            const issues = issuesOf({
                profile: "prod",
                site: { name: "paris-1", domain: "paris-1.example.net", access: { publicKey: TEST_PUBLIC_KEY }, sizes: { worker: { memoryMiB: 32768 } } },
                sshPrivateKey: { value: TEST_PRIVATE_KEY, secret: true },
            });
            for (const key of ["hypervisors", "networks", "director", "masters", "workers", "cluster.endpoint.vip"]) {
                assertIssue(issues, `kvm-k8s:site.${key}`, "not set by this stack, so it would be the prod profile's");
            }
            assertIssue(issues, "kvm-k8s:site.hypervisors", "(svc-1, svc-2, svc-3, ... (6))");
            assertIssue(issues, "kvm-k8s:site.apps.releases.nfs-storage.values.nfs.server", "the reference site's NFS server (10.30.0.2)");
        });

        it("the committed prod stack states all of it, and turning NFS off lifts its rule", () => {
            resolveOrThrow(stackInput("prod"));
            const input = stackInput("prod");
            const site = input.site as Site;
            delete site.apps;
            const issues = issuesOf(input);
            assert.deepStrictEqual(issues.map((i) => i.path), ["kvm-k8s:site.apps.releases.nfs-storage.values.nfs.server"]);
        });

        it("a prod site on networks of its own must not keep the reference site's NTP and mirrors", () => {
            const issues = issuesFor("prod", (s) => {
                s.networks = [
                    { name: "internal", bridge: "br-internal", cidr: "10.50.0.0/24", gateway: "10.50.0.1", dns: ["10.50.0.1"] },
                    { name: "services", bridge: "br-services", cidr: "10.20.0.0/24" },
                    { name: "storage", bridge: "br-storage", cidr: "10.30.0.0/24" },
                ];
                for (const node of [s.director, ...s.masters, ...s.workers]) {
                    node.addresses.internal = node.addresses.internal.replace("10.10.", "10.50.");
                }
            });
            assertIssue(issues, "kvm-k8s:site.cluster.ntpServers[0]", "10.10.0.1 is outside this site's networks");
            assertIssue(issues, "kvm-k8s:site.cluster.debianMirror.url", "is off the site");
        });
    });

    describe("derived MACs never collide within a site", () => {
        /** Two node names whose first derived MACs collide on one network (found by search: deterministic). */
        function collidingPair(site: string): [string, string] {
            const seen = new Map<string, string>();
            for (let i = 0; ; i++) {
                const name = `worker-${i}`;
                const mac = stableMac(site, name, "internal");
                const other = seen.get(mac);
                if (other !== undefined) {
                    return [other, name];
                }
                seen.set(mac, name);
            }
        }

        it("the later NIC of a colliding pair moves to its next derivation; the earlier keeps its MAC", () => {
            const [a, b] = collidingPair("dev");
            assert.strictEqual(stableMac("dev", a, "internal"), stableMac("dev", b, "internal"));
            const input = stackInput("dev");
            (input.site as Site).workers = [a, b].map((name, i) => ({ name, hypervisor: "hv1", addresses: { internal: `192.168.100.${30 + i}` } }));
            const site = resolveOrThrow(input);
            const [macA, macB] = site.workers.map((w) => w.nics[0].mac);
            assert.strictEqual(macA, stableMac("dev", a, "internal"));
            assert.strictEqual(macB, stableMac("dev", b, "internal", 1));
            assert.notStrictEqual(macA, macB);
        });

        it("a derived MAC makes way for a pinned one", () => {
            const macs = siteMacs("dev", [
                { name: "a", networks: ["internal"] },
                { name: "b", networks: ["internal"], macs: { internal: stableMac("dev", "a", "internal") } },
            ]);
            assert.strictEqual(macs.get("b/internal"), stableMac("dev", "a", "internal"));
            assert.strictEqual(macs.get("a/internal"), stableMac("dev", "a", "internal", 1));
        });
    });

    describe("SSH keys are read without ssh-keygen, as ssh-keygen reads them", () => {
        it("the public half of an OpenSSH private key comes from its header", () => {
            const half = privateKeyPublicHalf(TEST_PRIVATE_KEY);
            assert.ok(half.ok);
            assert.strictEqual(half.publicKey, TEST_PUBLIC_KEY);
        });

        it("ed25519, RSA and ECDSA keys, OpenSSH and PEM, match `ssh-keygen -y`", function () {
            needTools(this, "sshKeygen");
            this.timeout(60000);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-keys-"));
            try {
                for (const [type, bits, format] of [["ed25519", "", ""], ["rsa", "2048", ""], ["ecdsa", "256", ""], ["rsa", "2048", "PEM"], ["ecdsa", "384", "PKCS8"]]) {
                    const file = path.join(dir, `${type}${bits}${format}`);
                    const args = ["-q", "-t", type, "-N", "", "-C", "ops", "-f", file, ...(bits ? ["-b", bits] : []), ...(format ? ["-m", format] : [])];
                    assert.strictEqual(spawnSync("ssh-keygen", args).status, 0, `ssh-keygen ${args.join(" ")}`);
                    const half = privateKeyPublicHalf(fs.readFileSync(file, "utf8"));
                    assert.ok(half.ok, `${file}: ${JSON.stringify(half)}`);
                    const expected = spawnSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).stdout.trim().split(" ").slice(0, 2).join(" ");
                    assert.strictEqual(half.publicKey, expected, path.basename(file));
                    assert.ok(parsePublicKey(fs.readFileSync(`${file}.pub`, "utf8")).ok, `${file}.pub`);
                }
                // a passphrase-protected key is refused with the way to store an unprotected copy
                const locked = path.join(dir, "locked");
                assert.strictEqual(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret-passphrase", "-f", locked]).status, 0);
                const input = stackInput("dev");
                (input.site as Site).access = { publicKey: fs.readFileSync(`${locked}.pub`, "utf8").trim() };
                input.sshPrivateKey = { value: fs.readFileSync(locked, "utf8"), secret: true };
                assertIssue(issuesOf(input), "kvm-k8s:sshPrivateKey", "is protected by a passphrase");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("the test key is a real key, and the committed stacks carry its public half", function () {
            needTools(this, "sshKeygen");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmk8s-keys-"));
            try {
                fs.writeFileSync(path.join(dir, "k"), TEST_PRIVATE_KEY, { mode: 0o600 });
                const run = spawnSync("ssh-keygen", ["-y", "-f", path.join(dir, "k")], { encoding: "utf8" });
                assert.strictEqual(run.stdout.split(" ").slice(0, 2).join(" "), TEST_PUBLIC_KEY, run.stderr);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            for (const stack of ["dev", "prod"]) {
                assert.ok(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8").includes(TEST_PUBLIC_KEY), stack);
            }
        });
    });
});
