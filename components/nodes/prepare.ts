/**
 * Node preparation: what the reference site's Ansible playbooks did on every master and
 * worker (time, container runtime, registry trust, kernel settings, kubelet packages and
 * reservations), as one idempotent script run over SSH through the director.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NodeSpec, SiteConfig } from "../../stacks";
import { MIRRORED_REGISTRIES, REGISTRY_CA_PATH } from "../registry";
import { Connection, filesPayload, loadScript, loginKeysEnv, scriptCommand, ScriptEnv } from "../remote";
import { VirtualMachine } from "../vm";
import { containerdFiles } from "./containerd";

export const prepareNodeScript = loadScript("components/nodes/scripts/prepare-node.sh", {
    NODE_NAME: "required",
    NTP_SERVERS: "required",
    KUBERNETES_VERSION: "required",
    KUBERNETES_APT_REPO: "required",
    DEBIAN_MIRROR: "optional",
    DEBIAN_SECURITY_MIRROR: "optional",
    NODE_PACKAGES: "optional",
    CONTAINERD_FILES: "required",
    KUBELET_EXTRA_ARGS: "optional",
    HOSTS_ENTRIES: "optional",
    LOGIN_USER: "optional",
    LOGIN_PUBLIC_KEYS: "optional",
    OPS_USER: "optional",
    OPS_PUBLIC_KEY: "optional",
    DIRECTOR_ADDRESS: "optional",
    KVMK8S_ALLOW_OFFLINE: "optional",
    KVMK8S_FILES: "optional",
}, { installsLibrary: true });

/** What preparing a node reads from the site. */
export type NodeSite = Pick<SiteConfig, "access" | "domain" | "cluster" | "director" | "masters" | "workers">;

/** /etc/hosts lines: the registry name on the director, and every VM by name, without DNS. */
export function hostsEntries(site: Pick<SiteConfig, "cluster" | "director" | "masters" | "workers">): string {
    const lines = [`${site.director.address} ${site.cluster.registry.host}`];
    for (const node of [site.director, ...site.masters, ...site.workers]) {
        lines.push(`${node.address} ${node.fqdn} ${node.hostname}`);
    }
    return lines.join("\n");
}

/** What nodes need from the director: the registry's CA and pull password, and the ops key to authorize. */
export interface DirectorAccess {
    caCertPem: string;
    password: string;
    opsPublicKey: string;
}

/** The environment prepare-node.sh runs with (see its header). */
export function prepareNodeEnv(site: NodeSite, node: NodeSpec, access: DirectorAccess): ScriptEnv<typeof prepareNodeScript.env> {
    const { cluster } = site;
    return {
        NODE_NAME: node.hostname,
        NTP_SERVERS: cluster.ntpServers.join(" "),
        KUBERNETES_VERSION: cluster.kubernetesVersion,
        KUBERNETES_APT_REPO: cluster.aptRepository,
        DEBIAN_MIRROR: cluster.debianMirror?.url ?? "",
        DEBIAN_SECURITY_MIRROR: cluster.debianMirror?.security ?? "",
        NODE_PACKAGES: cluster.nodePackages.join(" "),
        // Secret: the registry authenticates pulls too, and containerd sends the credentials
        // from hosts.toml. Air-gapped sites pull the public registries through it.
        CONTAINERD_FILES: filesPayload(
            containerdFiles({
                registry: `${cluster.registry.host}:${cluster.registry.port}`,
                caPath: REGISTRY_CA_PATH,
                credentials: { user: cluster.registry.user, password: access.password },
                mirrored: cluster.airGapped ? MIRRORED_REGISTRIES : [],
                // the pause kubeadm expects for this version (stacks/kubeadm-images.ts)
                sandboxImage: cluster.sandboxImage,
            }),
        ),
        // Reservations and eviction live in the KubeletConfiguration (kubeadm init): no
        // deprecated flags; empty also takes them off nodes that had them.
        KUBELET_EXTRA_ARGS: "",
        HOSTS_ENTRIES: hostsEntries(site),
        KVMK8S_FILES: filesPayload([{ path: REGISTRY_CA_PATH, mode: "0644", content: access.caCertPem }]),
        ...loginKeysEnv(site.access),
        // the director may log in with its ops key, from its own address only
        OPS_USER: site.access.user,
        OPS_PUBLIC_KEY: access.opsPublicKey,
        DIRECTOR_ADDRESS: site.director.address,
    };
}

export interface PrepareNodeArgs {
    site: NodeSite;
    vm: VirtualMachine;
    connection: pulumi.Input<Connection>;
    directorAccess: pulumi.Input<DirectorAccess>;
}

/** Prepare one node; runs again when its VM is rebuilt (the domain id is a trigger). */
export function prepareNode(args: PrepareNodeArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const env = pulumi.output(args.directorAccess).apply((access) => prepareNodeEnv(args.site, args.vm.node, access));
    return scriptCommand(
        `${args.vm.node.hostname}-prepare`,
        { connection: args.connection, script: prepareNodeScript, env, triggers: [args.vm.domain.id] },
        opts,
    );
}

