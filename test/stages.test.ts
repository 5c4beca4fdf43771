/**
 * `site.stopAfter`: a site built in steps. Each stage registers a subset of the next one's
 * resources, each with the URN, parent, dependencies, options and inputs it has in the whole
 * site, so a `pulumi up` with a later stage only adds resources and changes none that exist.
 */
import * as assert from "assert";
import { buildSite } from "../components/site";
import { allNodes, SiteConfig, Stage, stages } from "../stacks";
import { resolveOrThrow, stackInput, stackSite } from "./fixtures";
import { record, Recording, Registration } from "./harness";

const COMMAND = "command:remote:Command";
const isKubernetes = (r: Registration): boolean => r.type.startsWith("kubernetes:") || r.type === "pulumi:providers:kubernetes";

function stoppingAfter(stack: string, stage: Stage): SiteConfig {
    const input = stackInput(stack);
    input.site = { ...(input.site as object), stopAfter: stage };
    return resolveOrThrow(input);
}

/** Where a resource sits in the graph: what the chain between stages is compared on. */
const place = (r: Registration) => ({ urn: r.urn, parent: r.parent, dependencies: [...r.dependencies].sort() });

/** Everything the engine compares on a later update: place, provider, options and inputs. */
const whole = (r: Registration) => ({
    ...r,
    ...place(r),
    propertyDependencies: Object.fromEntries(
        Object.keys(r.propertyDependencies)
            .sort()
            .map((k) => [k, [...r.propertyDependencies[k]].sort()]),
    ),
});

/** The registrations of `earlier` that `later` lacks, or registers otherwise (as `compare` sees them). */
function notIn(earlier: Recording, later: Recording, compare: (r: Registration) => unknown): string[] {
    const there = new Map(later.all.map((r) => [r.urn, JSON.stringify(compare(r))]));
    return earlier.all.filter((r) => there.get(r.urn) !== JSON.stringify(compare(r))).map((r) => (there.has(r.urn) ? `${r.urn} differs` : `${r.urn} missing`));
}

const types = (rec: Recording): Set<string> => new Set(rec.all.map((r) => r.type));

describe("stopAfter: a site built in steps (pulumi mocks)", () => {
    it("the stages, in order, and the whole site when a stack names none", () => {
        assert.deepStrictEqual([...stages], ["vms", "prepared", "cluster", "apps"]);
        assert.strictEqual(stackSite("dev").stopAfter, "apps");
        assert.strictEqual(stackSite("prod").stopAfter, "apps");
    });

    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            const built = {} as Record<Stage, Recording>;
            let site: SiteConfig;

            before(async () => {
                site = stackSite(stack);
                for (const stage of stages) {
                    built[stage] = await record(() => buildSite(stoppingAfter(stack, stage)));
                }
            });

            it("'vms': the secrets, hypervisors and every VM under Director, ControlPlane and Workers; no Command, Cluster, AppStack or Kubernetes resource", () => {
                const rec = built.vms;
                assert.deepStrictEqual(rec.ofType(COMMAND).map((r) => r.name), []);
                assert.deepStrictEqual(rec.all.filter(isKubernetes).map((r) => r.name), []);
                for (const type of ["kvmk8s:cluster:Cluster", "kvmk8s:apps:AppStack"]) {
                    assert.ok(!types(rec).has(type), `${type} registered`);
                }
                for (const type of ["kvmk8s:cluster:Secrets", "kvmk8s:infra:Hypervisor", "kvmk8s:cluster:Director", "kvmk8s:cluster:ControlPlane", "kvmk8s:cluster:Workers"]) {
                    assert.ok(types(rec).has(type), `no ${type}`);
                }
                const domains = rec.ofType("libvirt:index/domain:Domain").map((r) => r.name).sort();
                assert.deepStrictEqual(domains, allNodes(site).map((n) => n.hostname).sort());
                assert.strictEqual(rec.ofType("libvirt:index/cloudInitDisk:CloudInitDisk").length, domains.length);
            });

            it("'prepared': adds the director's preparation and each node's SSH wait and preparation, nothing of the cluster", () => {
                const rec = built.prepared;
                const nodes = [...site.masters, ...site.workers];
                const expected = [`${site.director.hostname}-prepare`, ...nodes.flatMap((n) => [`${n.hostname}-ssh`, `${n.hostname}-prepare`])];
                assert.deepStrictEqual(rec.ofType(COMMAND).map((r) => r.name).sort(), expected.sort());
                assert.deepStrictEqual(rec.all.filter(isKubernetes).map((r) => r.name), []);
                assert.ok(!types(rec).has("kvmk8s:cluster:Cluster") && !types(rec).has("kvmk8s:apps:AppStack"));
            });

            it("'cluster': adds the Cluster (init, joins, Calico, gate), no AppStack and no Kubernetes resource", () => {
                const rec = built.cluster;
                assert.strictEqual(rec.ofType("kvmk8s:cluster:Cluster").length, 1);
                rec.named(`${site.name}-cluster-ready`, COMMAND);
                rec.named(`${site.masters[0].hostname}-init`, COMMAND);
                assert.ok(!types(rec).has("kvmk8s:apps:AppStack"));
                assert.deepStrictEqual(rec.all.filter(isKubernetes).map((r) => r.name), []);
            });

            it("'apps': the whole site, as a stack that names no stage builds it", async () => {
                const unstaged = await record(() => buildSite(site));
                assert.deepStrictEqual(notIn(built.apps, unstaged, whole), []);
                assert.deepStrictEqual(notIn(unstaged, built.apps, whole), []);
            });

            it("each stage registers a subset of the next one's resources, on URN, parent and dependencies", () => {
                for (let i = 0; i + 1 < stages.length; i++) {
                    const [earlier, later] = [built[stages[i]], built[stages[i + 1]]];
                    assert.deepStrictEqual(notIn(earlier, later, place), [], `${stages[i]} -> ${stages[i + 1]}`);
                    assert.ok(later.all.length > earlier.all.length, `${stages[i + 1]} adds nothing to ${stages[i]}`);
                }
            });

            it("every resource of an earlier stage is in the whole site with the same URN, parent, dependencies, provider, options and inputs", () => {
                for (const stage of stages.slice(0, -1)) {
                    assert.deepStrictEqual(notIn(built[stage], built.apps, whole), [], stage);
                }
            });
        });
    }
});
