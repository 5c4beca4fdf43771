import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { chartSource, releaseValues, rewriteImageRegistries } from "../components/apps";
import { buildSite } from "../components/site";
import { ConfigIssue, resolveSite, SiteConfig, StackConfigInput } from "../stacks";
import { resolveOrThrow, ROOT, stackInput, stackSite } from "./fixtures";
import { record, Recording, Registration, SECRET_SIG } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const K8S_PROVIDER = "pulumi:providers:kubernetes";

type Site = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function withApps(stack: string, edit: (releases: Site) => void): StackConfigInput {
    const input = stackInput(stack);
    const site = input.site as Site;
    // the stack's own release overrides (prod states its NFS server) stay under the edit
    site.apps = { releases: { ...(site.apps?.releases ?? {}) } };
    edit(site.apps.releases);
    return input;
}

function issuesOf(input: StackConfigInput): ConfigIssue[] {
    const result = resolveSite(input);
    assert.ok(!result.ok, "expected the configuration to be rejected");
    return result.issues;
}

function assertIssue(issues: ConfigIssue[], path: string, fragment: string): void {
    assert.ok(
        issues.some((i) => i.path === path && i.message.includes(fragment)),
        `no issue at ${path} containing "${fragment}"; got:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`,
    );
}

const custom = (extra: Site = {}): Site => ({
    enabled: true,
    chart: { repo: "https://charts.example.com", name: "app" },
    version: "1.2.3",
    namespace: "apps",
    values: {},
    dependsOn: [],
    timeoutSeconds: 300,
    wait: true,
    ...extra,
});

describe("app stack", () => {
    describe("catalogue errors, before anything is created", () => {
        const cases: { what: string; edit: (r: Site) => void; path: string; says: string }[] = [
            { what: "an unknown dependency", edit: (r) => (r.app = custom({ dependsOn: ["postgres"] })), path: "kvm-k8s:site.apps.releases.app.dependsOn[0]", says: "'postgres' is not a release of this site" },
            { what: "a dependency on a disabled release", edit: (r) => (r.consul = { enabled: false }) && (r.app = custom({ dependsOn: ["consul"] })), path: "kvm-k8s:site.apps.releases.app.dependsOn[0]", says: "'consul' is disabled; enable it or drop this dependency" },
            { what: "a dependency cycle", edit: (r) => { r.a = custom({ dependsOn: ["b"] }); r.b = custom({ dependsOn: ["c"] }); r.c = custom({ dependsOn: ["a"] }); }, path: "kvm-k8s:site.apps.releases.a.dependsOn", says: "dependency cycle a -> b -> c -> a" },
            { what: "duplicate release names", edit: (r) => { r.one = custom({ name: "app" }); r.two = custom({ name: "app" }); }, path: "kvm-k8s:site.apps.releases.two.name", says: "release name 'app' is also used by kvm-k8s:site.apps.releases.one" },
            { what: "one release name in two namespaces (charts name cluster-wide objects after it)", edit: (r) => { r.one = custom({ name: "app", namespace: "a" }); r.two = custom({ name: "app", namespace: "b" }); }, path: "kvm-k8s:site.apps.releases.two.name", says: "is also used by" },
            { what: "a namespace the cluster owns", edit: (r) => (r.app = custom({ namespace: "calico-system" })), path: "kvm-k8s:site.apps.releases.app.namespace", says: "'calico-system' belongs to the cluster" },
            { what: "two default storage classes", edit: (r) => (r["local-path"] = { enabled: true }), path: "kvm-k8s:site.apps.releases.nfs-storage.enabled", says: "local-path and nfs-storage would both install a default StorageClass" },
            { what: "a namespace Kubernetes would reject", edit: (r) => (r.app = custom({ namespace: "My_Apps" })), path: "kvm-k8s:site.apps.releases.app.namespace", says: "must be a Kubernetes namespace name" },
            { what: "values that are not an object", edit: (r) => (r.app = custom({ values: "replicaCount=3" })), path: "kvm-k8s:site.apps.releases.app.values", says: "must be an object of Helm values" },
            { what: "values given as a list", edit: (r) => (r.app = custom({ values: ["a"] })), path: "kvm-k8s:site.apps.releases.app.values", says: "must be an object of Helm values" },
            { what: "a floating version", edit: (r) => (r.app = custom({ version: "^1.2.0" })), path: "kvm-k8s:site.apps.releases.app.version", says: "must be an exact version" },
            { what: "'latest' as a version", edit: (r) => (r.app = custom({ version: "latest" })), path: "kvm-k8s:site.apps.releases.app.version", says: "pin it" },
            { what: "a missing version", edit: (r) => (r.app = custom({ version: undefined })), path: "kvm-k8s:site.apps.releases.app.version", says: "pin an exact chart version" },
            { what: "a chart given two ways", edit: (r) => (r.app = custom({ chart: { repo: "https://c.example", name: "x", oci: "oci://r/x" } })), path: "kvm-k8s:site.apps.releases.app.chart", says: "must be one of {repo, name}, {oci} or {path}" },
            { what: "a release name too long for Helm", edit: (r) => (r["a".repeat(60)] = custom()), path: `kvm-k8s:site.apps.releases.${"a".repeat(60)}`, says: "is not a valid name here" },
        ];
        for (const c of cases) {
            it(c.what, () => assertIssue(issuesOf(withApps("prod", c.edit)), c.path, c.says));
        }

        it("a site gives a profile release another chart source: the chart replaces, it does not merge", () => {
            const site = resolveOrThrow(withApps("prod", (r) => (r.consul = { chart: { path: "charts/consul-1.6.1.tgz" } })));
            assert.deepStrictEqual(site.apps.releases.consul.chart, { path: "charts/consul-1.6.1.tgz" });
        });

        it("a site overrides a profile release's values key by key and can turn any release off", () => {
            const site = resolveOrThrow(
                withApps("prod", (r) => {
                    r.consul = { enabled: false };
                    r["ingress-nginx"] = { values: { controller: { service: { nodePorts: { http: 30080 } } } } };
                }),
            );
            assert.ok(!site.apps.order.includes("consul"));
            assert.deepStrictEqual(site.apps.releases["ingress-nginx"].values, { controller: { service: { type: "NodePort", nodePorts: { http: 30080 } } } });
        });

        it("a Service's externalIPs in any release's values are refused: nothing announces them", () => {
            const issues = issuesOf(
                withApps("prod", (r) => {
                    r["ingress-nginx"] = { enabled: true, values: { controller: { service: { externalIPs: ["10.20.0.50"] } } } };
                    r["iot-broker"] = { values: { listeners: [{ service: { externalIPs: ["10.20.0.60"] } }] } };
                }),
            );
            assertIssue(issues, "kvm-k8s:site.apps.releases.ingress-nginx.values.controller.service.externalIPs", "expose the Service as type NodePort");
            assertIssue(issues, "kvm-k8s:site.apps.releases.iot-broker.values.listeners[0].service.externalIPs", "nothing announces them");
            // an empty list announces nothing and is left alone, as is a disabled release
            resolveOrThrow(withApps("prod", (r) => (r.consul = { values: { ui: { service: { externalIPs: [] } } } })));
            resolveOrThrow(withApps("prod", (r) => (r.consul = { enabled: false, values: { ui: { service: { externalIPs: ["10.20.0.61"] } } } })));
        });

        it("prod's IoT broker listens on a fixed NodePort of every node, with no external IP", () => {
            const iot = stackSite("prod").apps.releases["iot-broker"];
            assert.deepStrictEqual(iot.values, { replicaCount: 3, service: { type: "NodePort", nodePorts: { mqtt: 31883 } } });
        });
    });

    describe("air-gapped sites take charts only from the site", () => {
        const airGapped = (edit: (releases: Site) => void): StackConfigInput => withApps("prod", edit);

        it("a public chart repository or OCI registry is a config error naming the release and the fix, all at once", () => {
            const issues = issuesOf(
                airGapped((r) => {
                    r.grafana = custom({ chart: { repo: "https://grafana.github.io/helm-charts", name: "grafana" } });
                    r.tool = custom({ chart: { oci: "oci://ghcr.io/org/charts/tool" }, namespace: "tool" });
                }),
            );
            assertIssue(issues, "kvm-k8s:site.apps.releases.grafana.chart.repo", "use chart: {oci: 'oci://{registry}/charts/grafana'}");
            assertIssue(issues, "kvm-k8s:site.apps.releases.tool.chart.oci", "cluster.airGapped is true");
        });

        it("the director registry, a site host, a local archive or a disabled release pass", () => {
            const site = resolveOrThrow(
                airGapped((r) => {
                    r.a = custom({ chart: { oci: "oci://{registry}/charts/a" }, namespace: "a" });
                    r.b = custom({ chart: { repo: "http://10.10.0.1/charts", name: "b" }, namespace: "b" });
                    r.c = custom({ chart: { repo: "https://charts.site1.kvm-k8s.internal", name: "c" }, namespace: "c" });
                    r.d = custom({ chart: { path: "charts/d-1.0.0.tgz" }, namespace: "d" });
                    r.e = custom({ enabled: false, chart: { repo: "https://charts.example.com", name: "e" } });
                }),
            );
            // `{registry}` is the director registry's name and port
            assert.deepStrictEqual(site.apps.releases.a.chart, { oci: "oci://registry.site1.kvm-k8s.internal:5000/charts/a" });
        });

        it("a public repository is fine on a connected site", () => {
            resolveOrThrow(withApps("dev", (r) => (r.grafana = custom({ chart: { repo: "https://grafana.github.io/helm-charts", name: "grafana" } }))));
        });

        it("prod's platform charts all come from the director registry", () => {
            const site = stackSite("prod");
            for (const key of site.apps.order) {
                assert.match(String((site.apps.releases[key].chart as { oci?: string }).oci), /^oci:\/\/registry\.site1\.kvm-k8s\.internal:5000\/charts\//, key);
            }
        });
    });

    describe("install order", () => {
        it("every release after what it depends on", () => {
            const site = resolveOrThrow(withApps("dev", (r) => {
                r.db = custom();
                r.api = custom({ dependsOn: ["db", "metrics-server"] });
                r.web = custom({ dependsOn: ["api"] });
            }));
            const at = (k: string) => site.apps.order.indexOf(k);
            assert.ok(at("db") < at("api") && at("metrics-server") < at("api") && at("api") < at("web"), site.apps.order.join(", "));
        });
    });

    describe("releases under mocks", () => {
        const built: Record<string, { site: SiteConfig; rec: Recording }> = {};
        before(async () => {
            for (const stack of ["dev", "prod"]) {
                const site = stackSite(stack);
                built[stack] = { site, rec: await record(() => buildSite(site)) };
            }
        });

        for (const stack of ["dev", "prod"]) {
            it(`${stack}: one kubernetes provider from the secret kubeconfig, with a cluster identifier; every kubernetes resource uses it`, () => {
                const { rec, site } = built[stack];
                const providers = rec.ofType(K8S_PROVIDER);
                assert.strictEqual(providers.length, 1);
                assert.strictEqual(providers[0].inputs.clusterIdentifier, site.name);
                const kubeconfig = providers[0].wireInputs.kubeconfig as Record<string, unknown>;
                assert.ok(typeof kubeconfig === "object" && SECRET_SIG in kubeconfig, "the kubeconfig input is not a secret");
                const kube = rec.all.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
                assert.ok(kube.length > 0);
                for (const r of kube) {
                    assert.strictEqual(r.provider, providers[0].urn, `${r.type} ${r.name} would use an ambient kubeconfig`);
                }
            });

            it(`${stack}: every release waits for the readiness gate, has a fixed name and a pinned version`, () => {
                const { rec, site } = built[stack];
                const gate = rec.named(`${site.name}-cluster-ready`, "command:remote:Command");
                const installed = rec.ofType(RELEASE);
                assert.deepStrictEqual(installed.map((r) => r.inputs.name).sort(), [...site.apps.order].sort());
                for (const r of installed) {
                    assert.ok(r.dependencies.includes(gate.urn), `${r.name} does not wait for the gate`);
                    assert.match(String(r.inputs.version), /^v?\d+\.\d+\.\d+/);
                }
            });
        }

        it("releases: timeout in seconds, wait unless told not to, delete-before-replace, history bounded", async () => {
            const site = resolveOrThrow(withApps("dev", (r) => (r["metrics-server"] = { wait: false, timeoutSeconds: 120 })));
            const rec = await record(() => buildSite(site));
            const metrics = rec.named("dev-apps-metrics-server", RELEASE);
            assert.deepStrictEqual([metrics.inputs.timeout, metrics.inputs.skipAwait, metrics.deleteBeforeReplace], [120, true, true]);
            const local = rec.named("dev-apps-local-path", RELEASE);
            assert.deepStrictEqual([local.inputs.timeout, local.inputs.skipAwait, local.inputs.maxHistory], [600, false, 10]);
        });

        it("prod (air-gapped): image references a site adds to values reach the release rewritten", async () => {
            const site = resolveOrThrow(withApps("prod", (r) => (r["iot-broker"] = { values: { image: { repository: "docker.io/emqx/emqx" } } })));
            const rec = await record(() => buildSite(site));
            const values = rec.named("site1-apps-iot-broker", RELEASE).inputs.values as Record<string, unknown>;
            assert.deepStrictEqual(values.image, { repository: "registry.site1.kvm-k8s.internal:5000/emqx/emqx" });
        });

        it("prod: the IoT broker waits for its storage release (it listens on a NodePort: no ingress); namespaces are created first", () => {
            const { rec } = built.prod;
            const release = (k: string): Registration => rec.named(`site1-apps-${k}`, RELEASE);
            const iot = release("iot-broker");
            assert.ok(iot.dependencies.includes(release("nfs-storage").urn));
            assert.ok(iot.dependencies.includes(rec.named("site1-apps-ns-iot").urn));
            assert.deepStrictEqual(iot.inputs.values, { replicaCount: 3, service: { type: "NodePort", nodePorts: { mqtt: 31883 } } });
            assert.strictEqual(rec.all.filter((r) => r.name === "site1-apps-ns-kube-system").length, 0, "kube-system is never created");
        });

        it("dev installs the smaller set from upstream repositories", () => {
            const { rec } = built.dev;
            const metrics = rec.named("dev-apps-metrics-server", RELEASE).inputs;
            assert.ok(!JSON.stringify(metrics.values ?? {}).includes("kubelet-insecure-tls"), "metrics-server verifies the kubelets' certificates");
            assert.deepStrictEqual([metrics.chart, metrics.repositoryOpts], ["metrics-server", { repo: "https://kubernetes-sigs.github.io/metrics-server/" }]);
            // ingress-nginx is retired upstream and supports no minor past 1.35: off by default
            assert.deepStrictEqual(rec.ofType(RELEASE).map((r) => r.inputs.name).sort(), ["local-path", "metrics-server"]);
        });

        it("prod (air-gapped): charts come from the director registry as OCI, with its credentials as a secret", () => {
            const { rec } = built.prod;
            const certManager = rec.named("site1-apps-cert-manager", RELEASE);
            assert.strictEqual(certManager.inputs.chart, "oci://registry.site1.kvm-k8s.internal:5000/charts/cert-manager");
            assert.strictEqual(certManager.inputs.version, "v1.21.2");
            const opts = certManager.wireInputs.repositoryOpts as Record<string, unknown>;
            assert.strictEqual(opts.username, "kvmk8s");
            assert.ok(typeof opts.password === "object" && opts.password !== null && SECRET_SIG in opts.password, "registry password not secret");
        });
    });

    it("a connected site's chart from the director registry gets its credentials too", async () => {
        const input = stackInput("dev");
        (input.site as Record<string, unknown>).apps = { releases: { "metrics-server": { chart: { oci: "oci://{registry}/charts/metrics-server" } } } };
        const catalogued = resolveOrThrow(input);
        const rec = await record(() => buildSite(catalogued));
        const opts = rec.named("dev-apps-metrics-server", RELEASE).wireInputs.repositoryOpts as Record<string, unknown>;
        assert.strictEqual(rec.named("dev-apps-metrics-server", RELEASE).inputs.chart, "oci://registry.dev.kvm-k8s.internal:5000/charts/metrics-server");
        assert.strictEqual(opts?.username, "kvmk8s", "no credentials for the director registry on a connected site");
        assert.ok(typeof opts.password === "object" && opts.password !== null && SECRET_SIG in opts.password, "registry password not secret");
    });

    describe("air-gapped rewrites", () => {
        const prod = stackSite("prod");
        const dev = stackSite("dev");
        const registry = "registry.site1.kvm-k8s.internal:5000";

        it("image references in values point at the director registry; other values are untouched", () => {
            const values = {
                image: { registry: "docker.io", repository: "bitnami/redis", tag: "7" },
                sidecar: { image: "quay.io/prometheus/node-exporter:v1.8.2" },
                global: { imageRegistry: "" },
                list: [{ repository: "ghcr.io/org/tool" }, { repository: "internal.example/own" }],
                replicaCount: 3,
                note: "docker.io/not-an-image-key",
            };
            assert.deepStrictEqual(rewriteImageRegistries(values, registry), {
                image: { registry, repository: "bitnami/redis", tag: "7" },
                sidecar: { image: `${registry}/prometheus/node-exporter:v1.8.2` },
                global: { imageRegistry: registry },
                list: [{ repository: `${registry}/org/tool` }, { repository: "internal.example/own" }],
                replicaCount: 3,
                note: "docker.io/not-an-image-key",
            });
        });

        it("keeps the registry's paths: Docker Hub's implicit library/, and no doubled host next to a registry key", () => {
            assert.deepStrictEqual(rewriteImageRegistries({ image: "docker.io/nginx:1.27" }, registry), { image: `${registry}/library/nginx:1.27` });
            assert.deepStrictEqual(rewriteImageRegistries({ image: { registry: "", repository: "quay.io/x/y" } }, registry), { image: { registry, repository: "x/y" } });
            assert.deepStrictEqual(rewriteImageRegistries({ image: { repository: "registry.k8s.io/ingress-nginx/controller" } }, registry), {
                image: { repository: `${registry}/ingress-nginx/controller` },
            });
        });

        it("charts: taken as configured (validation keeps an air-gapped site's on the site), never silently moved", () => {
            const base = { enabled: true, version: "1.0.0", namespace: "x", values: {}, dependsOn: [], timeoutSeconds: 1, wait: true };
            assert.deepStrictEqual(chartSource({ ...base, chart: { repo: "http://10.10.0.1/charts", name: "app" } }, prod.cluster), { chart: "app", repo: "http://10.10.0.1/charts" });
            assert.deepStrictEqual(chartSource({ ...base, chart: { oci: `oci://${registry}/charts/app` } }, prod.cluster), { chart: `oci://${registry}/charts/app` });
            assert.deepStrictEqual(chartSource({ ...base, chart: { path: "charts/app-1.0.0.tgz" } }, prod.cluster), { chart: "charts/app-1.0.0.tgz" });
            assert.deepStrictEqual(chartSource({ ...base, chart: { repo: "https://c.example", name: "app" } }, dev.cluster), { chart: "app", repo: "https://c.example" });
            const values = { image: { repository: "docker.io/x/y" } };
            assert.deepStrictEqual(releaseValues({ ...base, chart: { path: "a.tgz" }, values }, dev.cluster), values, "connected sites keep their values");
        });
    });
});

describe("README: adding a chart to one site", () => {
    it("the example stack file is valid and installs the new chart after its dependency, without consul", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const block = /Adding a chart to one \(prod-profile\) site, in its stack file:\n\n```yaml\n([\s\S]*?)```/.exec(readme);
        assert.ok(block, "example not found in README.md");
        const example = YAML.parse(block[1]).config["kvm-k8s:site"];
        const input = stackInput("prod");
        input.site = { ...(input.site as object), ...example };
        const site = resolveOrThrow(input);
        assert.ok(site.apps.order.indexOf("nfs-storage") < site.apps.order.indexOf("grafana"));
        assert.ok(!site.apps.order.includes("consul"));
        assert.deepStrictEqual(site.apps.releases["nfs-storage"].values.nfs, { server: "10.30.0.2", path: "/export/site1" });
    });
});
