/**
 * Prints, as JSON, the resources the offline plan registers (type and name), and how long it
 * took to build them under the mocks (wall seconds), for each site
 * given on the command line: a stack name ("dev", "prod"), "workers:N" for the bench's
 * synthetic prod site with N workers, "file:<path>" for a Pulumi.<stack>.yaml anywhere, or
 * "<stack>?hypervisorUri=<uri>" for a stack whose first hypervisor's URI is replaced AFTER
 * validation (what the mocks make of a value config validation would refuse). Its own process, because the offline plan installs
 * Pulumi's mocks, which would take over a process that also drives the real engine.
 */
import { buildSite } from "../../components/site";
import { record } from "../../tools/offline";
import { syntheticSite } from "../../tools/bench";
import * as fs from "fs";
import * as YAML from "yaml";
import { SiteConfig } from "../../stacks";
import { resolveOrThrow, stackSite, TEST_PRIVATE_KEY } from "../fixtures";

function siteFor(spec: string): SiteConfig {
    if (spec.startsWith("workers:")) {
        return syntheticSite(Number(spec.slice("workers:".length)));
    }
    if (spec.startsWith("file:")) {
        const config = (YAML.parse(fs.readFileSync(spec.slice("file:".length), "utf8")) as { config: Record<string, unknown> }).config;
        return resolveOrThrow({ profile: config["kvm-k8s:profile"], site: config["kvm-k8s:site"], sshPrivateKey: { value: TEST_PRIVATE_KEY, secret: true } });
    }
    const [stack, query] = spec.split("?hypervisorUri=");
    const site = stackSite(stack);
    if (query !== undefined) {
        site.hypervisors[0].uri = query;
    }
    return site;
}

async function main(): Promise<void> {
    const out: Record<string, { seconds: number; resources: { type: string; name: string }[] }> = {};
    // one untimed run first: the first build in a process also pays for loading and JIT
    await record(() => buildSite(stackSite("dev")), { stack: "warm-up", preview: true, lean: true });
    for (const site of process.argv.slice(2)) {
        const config = siteFor(site);
        const start = process.hrtime.bigint();
        const rec = await record(() => buildSite(config), { stack: site.startsWith("file:") || site.includes("?") ? "custom" : site.replace(":", "-"), preview: true, lean: true });
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        out[site] = { seconds, resources: rec.all.map((r) => ({ type: r.type, name: r.name })) };
    }
    process.stdout.write(JSON.stringify(out));
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
