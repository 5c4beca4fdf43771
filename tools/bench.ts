/**
 * `npm run bench`: evaluate synthetic sites offline (3 masters and 1, 10, 50, 200 workers)
 * and report, per size, the wall time of building the resource graph, peak RSS, resource
 * count, resources per worker and the longest dependency chain. Each size runs in its own
 * process so its memory is its own. Exits non-zero when a target is missed.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { buildSite } from "../components/site";
import { formatIssues, resolveSite, SiteConfig } from "../stacks";
import { offlineStackInput } from "./plan";
import { longestChain, record } from "./offline";

const SIZES = [1, 10, 50, 200];
/** Runs per size; wall time and peak RSS are their medians (GC timing moves RSS by ~10%). */
const RUNS = 3;
const TARGET = { maxSeconds: 5, maxRssMiB: 500 };

interface Sample {
    workers: number;
    seconds: number;
    rssMiB: number;
    resources: number;
    chain: number;
}

const addresses = (n: number): Record<string, string> => {
    // hosts 10.x.1.1 onwards: clear of the reference site's .0.x addresses and gateway
    const third = 1 + Math.floor(n / 250);
    const fourth = 1 + (n % 250);
    return { internal: `10.10.${third}.${fourth}`, services: `10.20.${third}.${fourth}`, storage: `10.30.${third}.${fourth}` };
};

/**
 * The prod reference site, with `workers` workers spread over svc-4..6 and /16 networks, as
 * stack input (`kvm-k8s:profile` and `kvm-k8s:site`, the stand-in key): what a
 * Pulumi.<stack>.yaml of that site would hold.
 */
export function syntheticStackInput(workers: number): ReturnType<typeof offlineStackInput> {
    const input = offlineStackInput("prod", { standInKey: true });
    const site = input.site as Record<string, unknown>;
    site.networks = [
        { name: "internal", bridge: "br-internal", cidr: "10.10.0.0/16", gateway: "10.10.0.1", dns: ["10.10.0.1"] },
        { name: "services", bridge: "br-services", cidr: "10.20.0.0/16", dns: [] },
        { name: "storage", bridge: "br-storage", cidr: "10.30.0.0/16", dns: [] },
    ];
    site.workers = Array.from({ length: workers }, (_, i) => ({ name: `worker-${i + 1}`, hypervisor: `svc-${4 + (i % 3)}`, addresses: addresses(i) }));
    return input;
}

/** The same site, resolved. */
export function syntheticSite(workers: number): SiteConfig {
    const result = resolveSite(syntheticStackInput(workers));
    if (!result.ok) {
        throw new Error(formatIssues(result.issues));
    }
    return result.site;
}

async function measure(workers: number): Promise<Sample> {
    const site = syntheticSite(workers);
    const start = process.hrtime.bigint();
    // lean: the bench measures the program, not the recorder's copies of every input
    const rec = await record(() => buildSite(site), { stack: "bench", lean: true });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { workers, seconds, rssMiB: process.resourceUsage().maxRSS / 1024, resources: rec.all.length, chain: longestChain(rec) };
}

function main(): void {
    const once = (workers: number): Sample => {
        const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--one", String(workers)], {
            cwd: path.resolve(__dirname, ".."),
            encoding: "utf8",
        });
        if (run.status !== 0) {
            throw new Error(`size ${workers} failed:\n${run.stderr}`);
        }
        return JSON.parse(run.stdout.trim().split("\n").pop()!) as Sample;
    };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const samples: Sample[] = SIZES.map((workers) => {
        const runs = Array.from({ length: RUNS }, () => once(workers));
        return { ...runs[0], seconds: median(runs.map((r) => r.seconds)), rssMiB: median(runs.map((r) => r.rssMiB)) };
    });
    const base = samples[0];
    // resources each added worker brings, against the previous size
    const marginal = samples.map((s, i) => (i === 0 ? undefined : (s.resources - samples[i - 1].resources) / (s.workers - samples[i - 1].workers)));
    console.log(`workers  wall(s)  peakRSS(MiB)  resources  per-worker  longest-chain   (medians of ${RUNS} runs)`);
    for (const [i, s] of samples.entries()) {
        const perWorker = marginal[i] === undefined ? "-" : marginal[i]!.toFixed(1);
        console.log(
            `${String(s.workers).padStart(7)}  ${s.seconds.toFixed(2).padStart(7)}  ${s.rssMiB.toFixed(0).padStart(12)}  ${String(s.resources).padStart(9)}  ${perWorker.padStart(10)}  ${String(s.chain).padStart(13)}`,
        );
    }
    const largest = samples[samples.length - 1];
    // From 10 workers on, every hypervisor of svc-4..6 hosts workers; the step from 1 also
    // brings the base images of the two hypervisors that get their first worker.
    const perWorker = marginal.slice(2) as number[];
    console.log("(per-worker: resources added per added worker; 1 -> 10 includes the base images of svc-5 and svc-6)");
    const checks: [string, boolean][] = [
        [`${largest.workers} workers in under ${TARGET.maxSeconds} s`, largest.seconds < TARGET.maxSeconds],
        [`${largest.workers} workers in under ${TARGET.maxRssMiB} MiB`, largest.rssMiB < TARGET.maxRssMiB],
        ["longest chain does not grow with workers", samples.every((s) => s.chain === base.chain)],
        ["resources per worker constant", perWorker.every((p) => p === perWorker[0])],
    ];
    for (const [what, ok] of checks) {
        console.log(`${ok ? "ok  " : "MISS"} ${what}`);
    }
    process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
}

if (require.main === module) {
    const one = process.argv.indexOf("--one");
    if (one >= 0) {
        measure(Number(process.argv[one + 1])).then((s) => console.log(JSON.stringify(s)));
    } else {
        main();
    }
}
