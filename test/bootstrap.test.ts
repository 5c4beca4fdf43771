import * as assert from "assert";
import { spawnSync } from "child_process";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { scripts } from "../components/scripts";
import { prepareDirectorScript } from "../components/director";
import { prepareNodeEnv, prepareNodeScript } from "../components/nodes";
import { DIRECTOR_DIAL, envPrelude, filesPayload, NODE_DIAL, runEmbeddedAsRoot, shellQuote, waitForSshScript } from "../components/remote";
import { buildSite, Site } from "../components/site";
import { profiles, SiteConfig } from "../stacks";
import { PRIVATE_KEY_MARKER, resolveOrThrow, stackInput, stackSite } from "./fixtures";
import { MOCK_CA_CERT, MOCK_SECRET, mockHostKey, mockOutputs, plainCopies, record, Recording, Registration, SECRET_SIG } from "./harness";

const COMMAND = "command:remote:Command";

/** Every URN `r` depends on, directly or through others. */
function upstream(rec: Recording, r: Registration): Set<string> {
    const seen = new Set<string>();
    const stack = [...r.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop()!;
        if (seen.has(urn)) {
            continue;
        }
        seen.add(urn);
        const dep = rec.all.find((x) => x.urn === urn);
        if (dep !== undefined) {
            stack.push(...dep.dependencies);
            // depending on a component means depending on everything under it
            stack.push(...rec.all.filter((x) => x.parent === urn).map((x) => x.urn));
        }
    }
    return seen;
}

const dependsOn = (rec: Recording, a: Registration, b: Registration) => upstream(rec, a).has(b.urn);
const cmd = (rec: Recording, name: string) => rec.named(name, COMMAND);
const triggers = (r: Registration) => r.inputs.triggers as unknown[];

describe("bootstrap graph (pulumi mocks)", () => {
    const built: Record<string, { site: SiteConfig; rec: Recording; program?: Site }> = {};

    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const site = stackSite(stack);
            let program: Site | undefined;
            built[stack] = { site, rec: await record(() => (program = buildSite(site))) };
            built[stack].program = program;
        }
    });

    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            it("director ready -> every node prepared in parallel -> one kubeadm init on the first master", () => {
                const { rec, site } = built[stack];
                const directorReady = cmd(rec, `${site.director.hostname}-prepare`);
                const prepares = [...site.masters, ...site.workers].map((n) => cmd(rec, `${n.hostname}-prepare`));
                for (const p of prepares) {
                    assert.ok(dependsOn(rec, p, directorReady), `${p.name} does not wait for the director`);
                    for (const other of prepares.filter((o) => o !== p)) {
                        assert.ok(!dependsOn(rec, p, other), `${p.name} waits for ${other.name}: preparation must run in parallel`);
                    }
                }
                // run from the director by join-node.sh, with init-control-plane.sh as the node script
                const inits = rec.ofType(COMMAND).filter((c) => triggers(c)[1] === scripts.init.hash);
                assert.deepStrictEqual(inits.map((c) => c.name), [`${site.masters[0].hostname}-init`], "exactly one kubeadm init, on the first master");
                assert.ok(inits[0].dependencies.includes(prepares[0].urn), "init does not wait for its own master's preparation");
                for (const w of site.workers) {
                    assert.ok(!dependsOn(rec, inits[0], cmd(rec, `${w.hostname}-prepare`)), `init waits for ${w.hostname}'s preparation, which it does not need`);
                }
            });

            it("masters join one at a time after init and the CNI; workers join in parallel after the last master", () => {
                const { rec, site } = built[stack];
                const init = cmd(rec, `${site.masters[0].hostname}-init`);
                const calico = cmd(rec, `${site.name}-cluster-calico`);
                const masterJoins = site.masters.slice(1).map((m) => cmd(rec, `${m.hostname}-join`));
                const workerJoins = site.workers.map((w) => cmd(rec, `${w.hostname}-join`));
                for (const j of [...masterJoins, ...workerJoins]) {
                    assert.ok(dependsOn(rec, j, init), `${j.name} does not wait for kubeadm init`);
                }
                masterJoins.forEach((j, i) => {
                    const before = i === 0 ? calico : masterJoins[i - 1];
                    // through its join-credentials refresh
                    assert.ok(dependsOn(rec, j, before), `${j.name} does not follow ${before.name}`);
                    assert.ok(!dependsOn(rec, before, j), `${before.name} waits for ${j.name}`);
                    assert.deepStrictEqual(triggers(j).slice(0, 2), [scripts.joinNode.hash, scripts.joinMaster.hash]);
                });
                const lastMaster = masterJoins.length > 0 ? masterJoins[masterJoins.length - 1] : init;
                for (const w of workerJoins) {
                    assert.ok(dependsOn(rec, w, lastMaster), `${w.name} joins before the control plane is complete`);
                    assert.deepStrictEqual(triggers(w).slice(0, 2), [scripts.joinNode.hash, scripts.joinWorker.hash]);
                    for (const other of workerJoins.filter((o) => o !== w)) {
                        assert.ok(!dependsOn(rec, w, other), `${w.name} waits for ${other.name}: worker joins must be parallel`);
                    }
                }
            });

            it("every kubeadm step runs from the director (join-node.sh), which mints its credentials; memberships hold none", () => {
                const { rec, site } = built[stack];
                const roster = cmd(rec, `${site.name}-cluster-roster`);
                const directorKubeconfig = cmd(rec, `${site.director.hostname}-kubeconfig`);
                const first = cmd(rec, `${site.masters[0].hostname}-membership`);
                assert.ok(cmd(rec, `${site.masters[0].hostname}-init`).dependencies.includes(first.urn));
                assert.ok(!dependsOn(rec, first, directorKubeconfig), "the first membership would wait for the cluster it precedes");
                assert.ok(first.dependencies.includes(roster.urn), "memberships check the roster and its known_hosts");
                const director = (c: { inputs: Record<string, unknown> }): string => String((c.inputs.connection as Record<string, unknown>).host);
                for (const node of [...site.masters.slice(1), ...site.workers]) {
                    const membership = cmd(rec, `${node.hostname}-membership`);
                    const join = cmd(rec, `${node.hostname}-join`);
                    assert.ok(join.dependencies.includes(membership.urn), `${join.name} does not wait for its membership`);
                    assert.ok(dependsOn(rec, membership, directorKubeconfig), `${membership.name} runs before the director has a kubeconfig`);
                }
                for (const node of [...site.masters, ...site.workers]) {
                    const membership = cmd(rec, `${node.hostname}-membership`);
                    const stdin = String(membership.inputs.stdin);
                    assert.ok(stdin.includes(scripts.admitNode.content), `${node.hostname}: create does not check the node is reachable`);
                    assert.ok(stdin.includes(`export NODE='${node.hostname}'`) && stdin.includes(`export ADDRESS='${node.address}'`));
                    assert.doesNotMatch(stdin, /TOKEN|CERTIFICATE_KEY/, `${node.hostname}: a membership carries a join credential`);
                    const step = cmd(rec, `${node.hostname}-${node === site.masters[0] ? "init" : "join"}`);
                    assert.strictEqual(director(step), director(membership), `${step.name} does not run from the director`);
                    assert.ok(step.dependencies.includes(roster.urn), `${step.name}: the director needs the node's host key`);
                    const stepIn = String(step.inputs.stdin);
                    assert.ok(stepIn.includes(scripts.joinNode.content));
                    assert.ok(stepIn.includes(`export ADDRESS='${node.address}'`) && stepIn.includes(`export ROLE='${node.role}'`));
                    assert.doesNotMatch(stepIn, /JOIN_TOKEN='[a-z0-9]{6}\.|CERTIFICATE_KEY='[0-9a-f]{64}'/, `${step.name}: a join credential in state`);
                }
            });

            it("the upgrade runs after the gate, from the director, with the pinned version in its triggers; etcd snapshots only when asked", () => {
                const { rec, site } = built[stack];
                const upgrade = cmd(rec, `${site.name}-cluster-upgrade`);
                assert.ok(dependsOn(rec, upgrade, cmd(rec, `${site.name}-cluster-ready`)));
                assert.deepStrictEqual(triggers(upgrade), [scripts.upgradeCluster.hash, scripts.upgradeNode.hash, site.cluster.kubernetesVersion]);
                const stdin = String(upgrade.inputs.stdin);
                assert.ok(stdin.includes(`export TARGET_VERSION='${site.cluster.kubernetesVersion}'`));
                assert.ok(stdin.includes(`export MASTERS='${site.masters.map((m) => `${m.hostname}=${m.address}`).join(" ")}'`));
                assert.strictEqual(rec.all.filter((r) => r.name.endsWith("-etcd-snapshot")).length, 0, "no snapshot unless cluster.etcdSnapshot > 0");
            });

            it("Calico right after init, before any other node joins (nodes are NotReady until a CNI exists); the readiness gate after every join, expecting every node", () => {
                const { rec, site } = built[stack];
                const init = cmd(rec, `${site.masters[0].hostname}-init`);
                const joins = [...site.masters.slice(1), ...site.workers].map((n) => cmd(rec, `${n.hostname}-join`));
                const calico = cmd(rec, `${site.name}-cluster-calico`);
                const gate = cmd(rec, `${site.name}-cluster-ready`);
                // the gate approves each kubelet's serving certificate for exactly its name and address
                assert.ok(String(gate.inputs.stdin).includes(`export NODE_ADDRESSES='${[...site.masters, ...site.workers].map((n) => `${n.hostname}=${n.address}`).join(" ")}'`));
                assert.ok(calico.dependencies.includes(init.urn), "Calico does not wait for kubeadm init");
                assert.ok(dependsOn(rec, calico, cmd(rec, `${site.director.hostname}-kubeconfig`)), "Calico runs before the director has a kubeconfig");
                for (const j of joins) {
                    assert.ok(!dependsOn(rec, calico, j), `Calico waits for ${j.name}: the CNI must come before the joins`);
                    assert.ok(dependsOn(rec, j, calico), `${j.name} joins before the CNI exists`);
                    assert.ok(dependsOn(rec, gate, j), `the gate does not wait for ${j.name}`);
                }
                assert.ok(dependsOn(rec, gate, init));
                assert.ok(dependsOn(rec, gate, calico));
                assert.match(String(gate.inputs.stdin), new RegExp(`export EXPECTED_NODES='${[...site.masters, ...site.workers].map((n) => n.hostname).join(" ")}'`));
            });

            it("the Kubernetes provider gets its kubeconfig only from the readiness gate on: configured earlier, it latches 'cluster unreachable' for the run", () => {
                const { rec, site } = built[stack];
                const provider = rec.ofType("pulumi:providers:kubernetes")[0];
                const gate = cmd(rec, `${site.name}-cluster-ready`);
                assert.ok((provider.propertyDependencies.kubeconfig ?? []).includes(gate.urn), `the provider's kubeconfig does not wait for ${gate.name}`);
            });

            it("every command pins the host key of the VM it reaches; node commands go through the director", () => {
                const { rec, site, program } = built[stack];
                assert.ok(program);
                const directorKey = mockHostKey(`${site.director.hostname}-host-key`).publicKey.trim();
                for (const c of rec.ofType(COMMAND)) {
                    const conn = c.inputs.connection as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
                    assert.ok(typeof conn.hostKey === "string" && conn.hostKey.startsWith("ssh-ed25519 "), `${c.name}: no pinned host key`);
                    const node = [site.director, ...site.masters, ...site.workers].find((n) => n.address === conn.host);
                    assert.ok(node, `${c.name} connects to an unknown host ${conn.host}`);
                    assert.strictEqual(conn.hostKey, mockHostKey(`${node.hostname}-host-key`).publicKey.trim(), `${c.name} pins the wrong key`);
                    // bounded dials: the director's budget covers its boot (about 6 min while
                    // refused); nodes are dialed only once wait-for-ssh.sh saw their sshd
                    const dial = (x: Record<string, unknown>) => [x.dialErrorLimit, x.perDialTimeout];
                    if (node.role === "director") {
                        assert.strictEqual(conn.proxy, undefined, c.name);
                        assert.deepStrictEqual(dial(conn), [DIRECTOR_DIAL.dialErrorLimit, 15], c.name);
                    } else {
                        assert.strictEqual(conn.proxy.host, site.director.address, `${c.name} does not jump through the director`);
                        assert.strictEqual(conn.proxy.hostKey, directorKey, `${c.name}: the jump host's key is not pinned`);
                        assert.deepStrictEqual(dial(conn), [NODE_DIAL.dialErrorLimit, 15], c.name);
                        assert.deepStrictEqual(dial(conn.proxy), [DIRECTOR_DIAL.dialErrorLimit, 15], c.name);
                    }
                }
            });

            it("before the first command that dials a node, the director waits for its sshd (bounded, with progress), again after a rebuild", () => {
                const { rec, site } = built[stack];
                assert.deepStrictEqual(DIRECTOR_DIAL, { dialErrorLimit: 80, perDialTimeout: 15 });
                assert.ok(NODE_DIAL.dialErrorLimit <= 10, "nodes are not waited for by dialing through the jump host");
                const directorReady = cmd(rec, `${site.director.hostname}-prepare`);
                for (const node of [...site.masters, ...site.workers]) {
                    const wait = cmd(rec, `${node.hostname}-ssh`);
                    const conn = wait.inputs.connection as Record<string, unknown>;
                    assert.strictEqual(conn.host, site.director.address, `${wait.name} runs on the director`);
                    assert.strictEqual(conn.proxy, undefined);
                    const stdin = String(wait.inputs.stdin);
                    assert.ok(stdin.includes(`export HOST='${node.address}'`) && stdin.includes(`export NODE='${node.hostname}'`), wait.name);
                    assert.ok(stdin.includes(waitForSshScript.content), wait.name);
                    assert.deepStrictEqual(triggers(wait), [waitForSshScript.hash, `${node.hostname}-id`]);
                    assert.ok(wait.dependencies.includes(directorReady.urn), `${wait.name} runs before the director is prepared`);
                    assert.ok(cmd(rec, `${node.hostname}-prepare`).dependencies.includes(wait.urn), `${node.hostname} is dialed before its sshd answers`);
                }
            });

            it("each script command's triggers start with its script's hash; node commands also carry their VM's domain id", () => {
                const { rec, site } = built[stack];
                for (const node of [...site.masters, ...site.workers]) {
                    const prepare = cmd(rec, `${node.hostname}-prepare`);
                    assert.deepStrictEqual(triggers(prepare), [prepareNodeScript.hash, `${node.hostname}-id`]);
                }
                assert.deepStrictEqual(triggers(cmd(rec, `${site.director.hostname}-prepare`)), [prepareDirectorScript.hash, `${site.director.hostname}-id`]);
                for (const c of rec.ofType(COMMAND).filter((x) => !x.name.endsWith("-membership"))) {
                    assert.match(String(triggers(c)[0]), /^[0-9a-f]{64}$/, `${c.name} has no script hash in its triggers`);
                    assert.strictEqual(c.inputs.create, `f="$(mktemp)"; trap 'rm -f "$f"' EXIT; cat > "$f"; sudo -n bash "$f"`, c.name);
                }
            });

            it("removing or rebuilding a node drains it first: delete-time removal, delete-before-replace, before its VM goes, skipped when the whole site goes", () => {
                const { rec, site } = built[stack];
                const caKey = rec.named(`${site.name}-secrets-cluster-ca-key`);
                for (const node of [...site.masters, ...site.workers]) {
                    const m = cmd(rec, `${node.hostname}-membership`);
                    assert.strictEqual(m.deleteBeforeReplace, true, m.name);
                    assert.strictEqual(m.deletedWith, caKey.urn, `${m.name}: destroying the site would drain every node`);
                    assert.deepStrictEqual(triggers(m), [`${node.hostname}-id`], `${m.name} must be replaced with its VM, and only then`);
                    const del = String(m.inputs.delete);
                    assert.ok(del.includes(scripts.removeNode.content), `${m.name} does not run remove-node.sh on delete`);
                    assert.ok(del.includes(`export NODE='${node.hostname}'`) && del.includes(`export ROLE='${node.role}'`), m.name);
                    // neither script is in the triggers: editing them must not drain every node
                    assert.ok(!triggers(m).includes(scripts.removeNode.hash) && !triggers(m).includes(scripts.admitNode.hash));
                    const vmDomain = rec.named(node.hostname, "libvirt:index/domain:Domain");
                    // the engine's delete-first cascade follows property dependencies: the
                    // membership's triggers must point at this node's domain and no other
                    assert.deepStrictEqual(m.propertyDependencies.triggers, [vmDomain.urn], `${m.name} is not deleted before its own VM`);
                }
            });

            it("no secret reaches any resource input in plain text (SSH key, host keys, CAs, registry password, kubeconfig)", () => {
                const { rec, site } = built[stack];
                const leaks: string[] = [];
                const password = (name: string) => String(mockOutputs("random:index/randomPassword:RandomPassword", `${site.name}-secrets-${name}`).result);
                const needles = [
                    MOCK_SECRET, // every mocked private key
                    PRIVATE_KEY_MARKER, // the SSH private key
                    password("registry-password"),
                ];
                for (const r of rec.all) {
                    for (const needle of needles) {
                        leaks.push(...plainCopies(r.wireInputs, needle).map((p) => `${r.type} ${r.name}: ${p}`));
                    }
                }
                assert.deepStrictEqual(leaks, []);
                // the walk can see secrets at all: they are there, wrapped
                const wrapped = rec.all.filter((r) => JSON.stringify(r.wireInputs).includes(SECRET_SIG));
                assert.ok(wrapped.length > 10, "expected secret-wrapped inputs");
            });

            it("nothing in state can join a node: no bootstrap token or certificate key is generated, stored or rendered", () => {
                const { rec } = built[stack];
                const names = rec.all.map((r) => r.name);
                assert.ok(!names.some((n) => /bootstrap-token|certificate-key/.test(n)), `a long-lived join credential is generated: ${names.filter((n) => /token|certificate-key/.test(n))}`);
                // a bootstrap token anywhere in any input, secret-wrapped or not (mocked randoms are
                // not in this shape; a real one would be) and no certificate key value
                const everything = JSON.stringify(rec.all.map((r) => r.wireInputs));
                // base64 layers: NODE_ENV holds KVMK8S_FILES, whose records hold the files
                const unwrap = (text: string): string => [...text.matchAll(/[A-Za-z0-9+/]{40,}={0,2}/g)].map((m) => Buffer.from(m[0], "base64").toString("latin1")).join("\n");
                const once = unwrap(everything);
                const decoded = `${once}\n${unwrap(once)}`;
                for (const text of [everything, decoded]) {
                    assert.doesNotMatch(text, /token: [a-z0-9]{6}\.[a-z0-9]{16}/, "a bootstrap token in a kubeadm document");
                    assert.doesNotMatch(text, /certificateKey: [0-9a-f]{64}/, "a certificate key in a kubeadm document");
                    assert.doesNotMatch(text, /JOIN_TOKEN='[a-z0-9]{6}\.|CERTIFICATE_KEY='[0-9a-f]{64}'/, "a join credential in a command's environment");
                }
                assert.match(decoded, /token: "@JOIN_TOKEN@"/, "the walk sees the join configurations");
            });

            it("secret outputs: every command's stdout and stderr; no previous output sent back on updates", () => {
                const { rec } = built[stack];
                for (const c of rec.ofType(COMMAND)) {
                    assert.ok(["stdout", "stderr"].every((o) => c.additionalSecretOutputs.includes(o)), `${c.name}: ${c.additionalSecretOutputs}`);
                    assert.strictEqual(c.inputs.addPreviousOutputInEnv, false, c.name);
                }
            });

            it("the admin kubeconfig is built from the program's CA and a short-lived kubeadm:cluster-admins client certificate, and is secret", async () => {
                const { rec, site, program } = built[stack];
                const csr = rec.named(`${site.name}-secrets-admin-csr`);
                // RBAC-bound by kubeadm (revocable), not the break-glass system:masters
                assert.deepStrictEqual(csr.inputs.subject, { commonName: "kvm-k8s-admin", organization: "kubeadm:cluster-admins" });
                const cert = rec.named(`${site.name}-secrets-admin-cert`);
                assert.deepStrictEqual(cert.inputs.allowedUses, ["client_auth", "digital_signature", "key_encipherment"]);
                // 90 days, renewed by any `pulumi up` after 30
                assert.deepStrictEqual([cert.inputs.validityPeriodHours, cert.inputs.earlyRenewalHours], [90 * 24, 60 * 24]);
                assert.strictEqual(cert.inputs.caCertPem, MOCK_CA_CERT, "signed by the cluster CA");
                const cluster = program!.cluster!;
                const kubeconfig = await new Promise<string>((resolve) => cluster.kubeconfig.apply(resolve));
                assert.strictEqual(await pulumi.isSecret(cluster.kubeconfig), true);
                const doc = YAML.parse(kubeconfig);
                assert.strictEqual(doc.clusters[0].cluster.server, `https://${site.cluster.endpoint.host}:${site.cluster.endpoint.port}`);
                assert.strictEqual(Buffer.from(doc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), MOCK_CA_CERT);
                assert.ok(Buffer.from(doc.users[0].user["client-key-data"], "base64").toString().includes(MOCK_SECRET));
            });
        });
    }

    describe("day 2", () => {
        const withCluster = (stack: string, cluster: Record<string, unknown>): SiteConfig => {
            const input = stackInput(stack);
            const site = input.site as Record<string, object | undefined>;
            site.cluster = { ...site.cluster, ...cluster };
            return resolveOrThrow(input);
        };
        const byName = (rec: Recording) => new Map(rec.ofType(COMMAND).map((c) => [c.name, c]));

        it("a new Kubernetes version replaces only the upgrade command: no node is rebuilt or re-joined", async () => {
            const before = byName(built.prod.rec);
            const after = byName(await record(() => buildSite(withCluster("prod", { kubernetesVersion: "1.35.4" }))));
            const replaced = [...after.values()].filter((c) => JSON.stringify(triggers(c)) !== JSON.stringify(triggers(before.get(c.name)!))).map((c) => c.name);
            assert.deepStrictEqual(replaced, ["site1-cluster-upgrade"]);
            // updates re-run `create` on a changed stdin: only preparation (the apt repository,
            // pinned versions for new installs) and init's files; none of them upgrades a node
            const rerun = [...after.values()].filter((c) => c.inputs.stdin !== before.get(c.name)!.inputs.stdin).map((c) => c.name).sort();
            assert.deepStrictEqual(rerun, [
                "site1-cluster-upgrade",
                "site1-director-prepare",
                "site1-master-1-init",
                "site1-master-1-prepare",
                "site1-master-2-prepare",
                "site1-master-3-prepare",
                "site1-worker-1-prepare",
                "site1-worker-2-prepare",
                "site1-worker-3-prepare",
            ]);
            assert.ok(String(after.get("site1-cluster-upgrade")!.inputs.stdin).includes("export KUBERNETES_APT_REPO='http://10.10.0.1/kubernetes/core:/stable:/v1.35/deb/'"));
            // preparation re-runs (an update, not a replacement) to point apt at the new minor
            assert.ok(String(after.get("site1-master-1-prepare")!.inputs.stdin).includes("v1.35/deb/"));
        });

        it("a worker added or a master rebuilt on a later day: its membership and its join wait for its own preparation, directly", async () => {
            const input = stackInput("prod");
            const siteInput = input.site as { workers: Record<string, unknown>[]; masters: Record<string, unknown>[] };
            siteInput.workers = [
                ...structuredClone(profiles.prod.site.workers),
                { name: "worker-4", hypervisor: "svc-4", addresses: { internal: "10.10.0.24", services: "10.20.0.24", storage: "10.30.0.24" } },
            ];
            const grown = resolveOrThrow(input);
            const rebuilt: SiteConfig = { ...grown, masters: grown.masters.map((m, i) => (i === 1 ? { ...m, rebuild: 1 } : m)) };
            const rec = await record(() => buildSite(rebuilt));
            for (const hostname of ["site1-worker-4", "site1-master-2"]) {
                const prepare = cmd(rec, `${hostname}-prepare`);
                for (const c of [cmd(rec, `${hostname}-membership`), cmd(rec, `${hostname}-join`)]) {
                    // an indirect path through init hides a missing edge on a first build only
                    assert.ok(c.dependencies.includes(prepare.urn), `${c.name} does not wait for ${prepare.name}`);
                }
            }
        });

        it("bumping cluster.etcdSnapshot adds a snapshot command keyed by the counter, after the gate", async () => {
            const rec = await record(() => buildSite(withCluster("prod", { etcdSnapshot: 2 })));
            const snapshot = cmd(rec, "site1-cluster-etcd-snapshot");
            assert.deepStrictEqual(triggers(snapshot), [scripts.etcdSnapshot.hash, 2]);
            assert.ok(dependsOn(rec, snapshot, cmd(rec, "site1-cluster-ready")));
            assert.ok(String(snapshot.inputs.stdin).includes("export SNAPSHOT_ID='2'"));
        });

        it("a snapshot asked for in the same update as a new version is taken before the rolling upgrade starts", async () => {
            const rec = await record(() => buildSite(withCluster("prod", { etcdSnapshot: 2 })));
            const upgrade = cmd(rec, "site1-cluster-upgrade");
            // etcd is snapshotted from a master; the upgrade drains and restarts the masters
            assert.ok(upgrade.dependencies.includes(cmd(rec, "site1-cluster-etcd-snapshot").urn), "the upgrade does not wait for the snapshot");
        });

        it("the director knows every node's pinned host key for its ops logins; nodes authorize its key from its address", () => {
            const { rec, site } = built.prod;
            const stdin = String(cmd(rec, "site1-cluster-roster").inputs.stdin);
            for (const node of [...site.masters, ...site.workers]) {
                assert.ok(stdin.includes(`${node.address} ${mockHostKey(`${node.hostname}-host-key`).publicKey.trim()}`), node.hostname);
            }
            const prepare = String(cmd(rec, "site1-worker-2-prepare").inputs.stdin);
            assert.ok(prepare.includes(`export OPS_PUBLIC_KEY='${mockHostKey("site1-secrets-ops-key").publicKey.trim()}'`));
            assert.ok(prepare.includes("export DIRECTOR_ADDRESS='10.10.0.10'"));
        });
    });

    it("prod: the first master gets the program's cluster CA, init and join configs and the kube-vip manifest", () => {
        const { rec, site } = built.prod;
        // what join-node.sh streams to the master ahead of init-control-plane.sh
        const nodeEnv = /export NODE_ENV='([^']*)'/.exec(String(cmd(rec, `${site.masters[0].hostname}-init`).inputs.stdin))![1];
        const stdin = Buffer.from(nodeEnv, "base64").toString("utf8");
        const files = /export KVMK8S_FILES='([^']*)'/.exec(stdin)![1].split("\n").map((l) => l.split(" ").slice(0, 2).join(" "));
        assert.deepStrictEqual(files, [
            "0644 /etc/kubernetes/pki/ca.crt",
            "0600 /etc/kubernetes/pki/ca.key",
            "0600 /etc/kvm-k8s/kubeadm-init.yaml",
            "0600 /etc/kvm-k8s/kubeadm-join.yaml",
            "0600 /etc/kvm-k8s/kube-vip.yaml",
        ]);
        assert.match(stdin, /export CONTROL_PLANE_ENDPOINT='10\.20\.0\.5:6443'/);
    });

    it("node preparation gets the site's NTP servers, registry, mirrors, reservations and hosts", () => {
        const site = stackSite("prod");
        const env = prepareNodeEnv(site, site.workers[0], { caCertPem: "CA-PEM", password: "pw", opsPublicKey: "ssh-ed25519 AAAAops" });
        assert.strictEqual(env.NTP_SERVERS, "10.10.0.1");
        assert.strictEqual(env.KUBERNETES_APT_REPO, "http://10.10.0.1/kubernetes/core:/stable:/v1.36/deb/", "the site's own mirror");
        const containerd = env.CONTAINERD_FILES.split("\n").map((r) => r.split(" ").slice(0, 2).join(" "));
        assert.deepStrictEqual(containerd.slice(2), ["docker.io", "registry.k8s.io", "quay.io", "ghcr.io"].map((u) => `0600 /etc/containerd/certs.d/${u}/hosts.toml`));
        // reservations and eviction are in the KubeletConfiguration, not deprecated flags
        assert.strictEqual(env.KUBELET_EXTRA_ARGS, "");
        assert.ok(String(env.HOSTS_ENTRIES).split("\n").includes("10.10.0.10 registry.site1.kvm-k8s.internal"));
        assert.ok(String(env.HOSTS_ENTRIES).split("\n").includes("10.10.0.22 site1-worker-2.site1.kvm-k8s.internal site1-worker-2"));
        assert.strictEqual(env.KVMK8S_FILES, filesPayload([{ path: "/usr/local/share/ca-certificates/kvm-k8s-registry-ca.crt", mode: "0644", content: "CA-PEM" }]));
        // containerd's files carry the pull credentials (test/containerd.test.ts has their content)
        assert.ok(Buffer.from(env.CONTAINERD_FILES.split("\n")[1].split(" ")[2], "base64").toString().includes(`Basic ${Buffer.from("kvmk8s:pw").toString("base64")}`));
        const dev = prepareNodeEnv(stackSite("dev"), stackSite("dev").workers[0], { caCertPem: "x", password: "y", opsPublicKey: "z" });
        assert.strictEqual(dev.CONTAINERD_FILES.split("\n").length, 2, "dev is not air-gapped: config.toml and the registry's hosts.toml only");
    });

    describe("how scripts receive their input", () => {
        it("the env prelude survives quotes, newlines and dollars, read back by bash", () => {
            const env = { A_QUOTE: "it's \"quoted\"", B_LINES: "line 1\nline 2", C_DOLLAR: "$HOME `id` $(id)" };
            const run = spawnSync("bash", ["-c", `${envPrelude(env)}printf '%s|' "$A_QUOTE" "$B_LINES" "$C_DOLLAR"`], { encoding: "utf8" });
            assert.strictEqual(run.stdout, `${env.A_QUOTE}|${env.B_LINES}|${env.C_DOLLAR}|`);
            assert.strictEqual(shellQuote("a'b"), `'a'\\''b'`);
            assert.throws(() => envPrelude({ "bad-name": "x" }), /invalid environment variable name/);
        });

        it("an embedded delete script runs with its environment in a plain shell", () => {
            const input = `${envPrelude({ NODE: "w-1" })}echo "removing $NODE"\n`;
            const command = runEmbeddedAsRoot(input).replace(`sudo -n bash "$f"`, `bash "$f"`);
            const run = spawnSync("sh", ["-c", command], { encoding: "utf8" });
            assert.strictEqual(run.stdout, "removing w-1\n", run.stderr);
        });
    });
});
