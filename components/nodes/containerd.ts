/**
 * containerd's files on every node, built as typed objects and serialized to TOML here;
 * prepare-node.sh only places them (CONTAINERD_FILES) and restarts containerd when
 * config.toml changed. The model is KubeOne's `pkg/containerruntime/containerd_config.go`:
 * a `version = 2` config.toml that states only what the site needs and leaves containerd's
 * defaults for the rest, and one `certs.d/<host>/hosts.toml` per registry.
 */
import { ManagedFile } from "../remote";

export const CONTAINERD_CONFIG_PATH = "/etc/containerd/config.toml";
/** Where the CRI plugin looks for `<host>/hosts.toml` (its registry `config_path`). */
export const CERTS_D = "/etc/containerd/certs.d";
/**
 * The first line of every hosts.toml the site writes: prepare-node.sh removes a managed file
 * whose registry is no longer mirrored, and leaves files without it alone. Files written
 * before containerd's files moved here carry it too.
 */
export const MANAGED_TOML_MARK = "# Managed by kvm-k8s prepare-node.sh";

// ---------------------------------------------------------------------------------------
// TOML, the subset containerd's files use.

/** A TOML value this serializer writes: strings, booleans, integers, arrays of those, tables. */
export type TomlValue = string | boolean | number | (string | boolean | number)[] | TomlTable;
export interface TomlTable {
    [key: string]: TomlValue | undefined;
}

const isTable = (v: TomlValue): v is TomlTable => typeof v === "object" && !Array.isArray(v);

/** A TOML basic string: `"` and `\` escaped, control characters as escapes. */
export function tomlString(value: string): string {
    const named: Record<string, string> = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\" };
    const escaped = value.replace(/["\\\u0000-\u001f\u007f]/g, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    return `"${escaped}"`;
}

/** A key: bare when TOML allows it, quoted otherwise (`"io.containerd.grpc.v1.cri"`). */
export function tomlKey(key: string): string {
    return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

function tomlScalar(value: Exclude<TomlValue, TomlTable>, at: string): string {
    if (Array.isArray(value)) {
        return `[${value.map((v) => tomlScalar(v, at)).join(", ")}]`;
    }
    if (typeof value === "string") {
        return tomlString(value);
    }
    if (typeof value === "boolean") {
        return String(value);
    }
    if (typeof value === "number" && Number.isSafeInteger(value)) {
        return String(value);
    }
    throw new Error(`${at}: ${JSON.stringify(value)} is not a TOML value this serializer writes (strings, booleans, integers, arrays of them)`);
}

/**
 * A TOML document: `comment` (one line, `#` included) first, then the top-level keys, then
 * each table that holds keys, as `[a."b.c"]` with its keys indented by two spaces, a blank
 * line before each header. A table's keys always precede its sub-tables (TOML would read a
 * key after a sub-table's header as the sub-table's); tables holding only tables are implied
 * by their children's headers, as containerd's own files write them. Order is the objects'
 * key order, and undefined values are left out, so the same object always gives the same
 * bytes.
 */
export function toToml(doc: TomlTable, comment?: string): string {
    if (comment !== undefined && !/^#[^\n]*$/.test(comment)) {
        throw new Error(`the comment must be one line starting with '#', got ${JSON.stringify(comment)}`);
    }
    const lines: string[] = comment === undefined ? [] : [comment];
    const table = (t: TomlTable, path: string[]): void => {
        const entries = Object.entries(t).filter((e): e is [string, TomlValue] => e[1] !== undefined);
        const keys = entries.filter(([, v]) => !isTable(v));
        const tables = entries.filter(([, v]) => isTable(v)) as [string, TomlTable][];
        const at = path.map(tomlKey).join(".");
        if (path.length > 0 && (keys.length > 0 || tables.length === 0)) {
            lines.push("", `[${at}]`);
        }
        const indent = path.length > 0 ? "  " : "";
        for (const [k, v] of keys) {
            lines.push(`${indent}${tomlKey(k)} = ${tomlScalar(v as Exclude<TomlValue, TomlTable>, at ? `${at}.${k}` : k)}`);
        }
        for (const [k, v] of tables) {
            table(v, [...path, k]);
        }
    };
    table(doc, []);
    return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------
// config.toml

/** The runc runtime as the kubelet needs it: systemd manages the containers' cgroups. */
export type RuncRuntime = {
    /**
     * Stated, not inherited: a runtime the file names replaces containerd's default entry
     * for it, so without this the runtime type would be empty (containerd 1.6's `config
     * dump` shows `runtime_type = ""`).
     */
    runtime_type: "io.containerd.runc.v2";
    /** The kubelet's cgroupDriver is systemd (kubeadm's default): both must agree. */
    options: { SystemdCgroup: true };
};

/** The CRI plugin's settings the site makes. */
export type CriPlugin = {
    /** The pause image kubeadm expects for this Kubernetes version (stacks/kubeadm-images.ts). */
    sandbox_image: string;
    containerd: { runtimes: { runc: RuncRuntime } };
    /** Registry hosts come from `<config_path>/<host>/hosts.toml`. */
    registry: { config_path: string };
};

/** config.toml, schema version 2 (containerd 1.6 and 1.7 read it; 2.x migrates it). */
export type ContainerdConfig = {
    version: 2;
    plugins: { "io.containerd.grpc.v1.cri": CriPlugin };
};

export function containerdConfig(sandboxImage: string): ContainerdConfig {
    return {
        version: 2,
        plugins: {
            "io.containerd.grpc.v1.cri": {
                sandbox_image: sandboxImage,
                containerd: { runtimes: { runc: { runtime_type: "io.containerd.runc.v2", options: { SystemdCgroup: true } } } },
                registry: { config_path: CERTS_D },
            },
        },
    };
}

export function containerdConfigToml(config: ContainerdConfig): string {
    return toToml(config, "# Managed by kvm-k8s: what the site sets; containerd's defaults for the rest (see `containerd config dump`).");
}

// ---------------------------------------------------------------------------------------
// certs.d/<host>/hosts.toml

/** One host containerd may pull from for a registry name. */
export type RegistryHost = {
    capabilities: ("pull" | "resolve" | "push")[];
    /** CA bundle that signs the host's certificate. */
    ca?: string;
    /** HTTP headers sent to the host, e.g. `Authorization`. */
    header?: Record<string, string>;
};

/** hosts.toml: the registry's own server, and the hosts tried first, in order. */
export type RegistryHosts = {
    server: string;
    host: Record<string, RegistryHost>;
};

/** Pull credentials for the site registry. */
export interface PullCredentials {
    user: string;
    password: string;
}

/** What containerd's files are made from. */
export interface ContainerdSite {
    /** The site registry, host:port (e.g. registry.site1.example:5000). */
    registry: string;
    /** Its CA on the node. */
    caPath: string;
    /** Pull credentials: hosts.toml files then carry them and are 0600. */
    credentials?: PullCredentials;
    /** Upstream registries pulled through the site registry (air-gapped sites), e.g. docker.io. */
    mirrored: string[];
    sandboxImage: string;
}

const HOST_PORT = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?$/;

/** The site registry as a host of hosts.toml: pull and resolve, its CA, its credentials. */
function siteRegistryHost(site: ContainerdSite): Record<string, RegistryHost> {
    const host: RegistryHost = { capabilities: ["pull", "resolve"], ca: site.caPath };
    if (site.credentials !== undefined) {
        const { user, password } = site.credentials;
        // RFC 7617: the user-id of Basic credentials cannot hold a colon
        if (user === "" || user.includes(":") || password === "") {
            throw new Error("registry pull credentials: a user without ':' and a password, both non-empty");
        }
        host.header = { Authorization: `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}` };
    }
    return { [`https://${site.registry}`]: host };
}

/** hosts.toml of the site registry itself: its CA and credentials for pulls by its own name. */
export function siteRegistryHosts(site: ContainerdSite): RegistryHosts {
    return { server: `https://${site.registry}`, host: siteRegistryHost(site) };
}

/** hosts.toml of an upstream: pulled through the site registry, the upstream itself as fallback. */
export function mirrorHosts(site: ContainerdSite, upstream: string): RegistryHosts {
    // docker.io's API is served by registry-1.docker.io
    const server = upstream === "docker.io" ? "https://registry-1.docker.io" : `https://${upstream}`;
    return { server, host: siteRegistryHost(site) };
}

/**
 * Every containerd file of a node: config.toml (0644), then hosts.toml for the site registry
 * and for each mirrored upstream, 0600 when they carry credentials.
 */
export function containerdFiles(site: ContainerdSite): ManagedFile[] {
    for (const name of [site.registry, ...site.mirrored]) {
        if (!HOST_PORT.test(name)) {
            throw new Error(`'${name}' is not a registry host[:port]: it names a directory of ${CERTS_D}`);
        }
    }
    const mode = site.credentials === undefined ? "0644" : "0600";
    const hostsFile = (name: string, hosts: RegistryHosts, why: string): ManagedFile => ({
        path: `${CERTS_D}/${name}/hosts.toml`,
        mode,
        content: toToml(hosts, `${MANAGED_TOML_MARK}: ${why}.`),
    });
    const upstreams = [...new Set(site.mirrored)].filter((u) => u !== site.registry);
    return [
        { path: CONTAINERD_CONFIG_PATH, mode: "0644", content: containerdConfigToml(containerdConfig(site.sandboxImage)) },
        hostsFile(site.registry, siteRegistryHosts(site), "trust the site registry's CA"),
        ...upstreams.map((u) => hostsFile(u, mirrorHosts(site, u), `pull ${u} images through the site registry`)),
    ];
}
