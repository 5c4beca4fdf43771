/**
 * Every URN of the committed stacks, as a golden list. A URN is a resource's identity in
 * state: a resource whose URN changes (a new parent, name or type) is deleted and created
 * again by the next `pulumi up`, and for a node's membership Command that deletion is a
 * drain and an etcd member removal. Moving code between folders must leave this list as it
 * is; a deliberate change needs an alias and a fresh golden file, reviewed like a migration.
 */
import * as assert from "assert";
import { buildSite } from "../components/site";
import { SiteConfig } from "../stacks";
import { resolveOrThrow, stackInput, stackSite } from "./fixtures";
import { assertGolden } from "./golden";
import { record } from "./harness";

/** prod with an etcd snapshot asked for: the one optional step the stack files leave off. */
function prodWithSnapshot(): SiteConfig {
    const input = stackInput("prod");
    const site = input.site as { cluster?: Record<string, unknown> };
    site.cluster = { ...(site.cluster ?? {}), etcdSnapshot: 1 };
    return resolveOrThrow(input);
}

const SITES: Record<string, () => SiteConfig> = {
    dev: () => stackSite("dev"),
    prod: () => stackSite("prod"),
    "prod-etcd-snapshot": prodWithSnapshot,
};

describe("resource identities (URNs) of the committed stacks", () => {
    for (const [name, site] of Object.entries(SITES)) {
        it(`${name}: every URN is the golden list's`, async () => {
            const rec = await record(() => buildSite(site()));
            const urns = rec.all.map((r) => r.urn).sort();
            assert.strictEqual(new Set(urns).size, urns.length, "a URN is registered twice");
            assertGolden(`${name}-urns.txt`, `${urns.join("\n")}\n`);
        });
    }

    it("the snapshot variant differs from prod by its snapshot Command only", async () => {
        const [prod, snap] = await Promise.all([record(() => buildSite(stackSite("prod"))), record(() => buildSite(prodWithSnapshot()))]);
        const prodUrns = new Set(prod.all.map((r) => r.urn));
        const added = snap.all.filter((r) => !prodUrns.has(r.urn)).map((r) => r.name);
        assert.deepStrictEqual(added, [`${stackSite("prod").name}-cluster-etcd-snapshot`]);
    });
});
