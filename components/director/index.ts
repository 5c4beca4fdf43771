import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { kubeadmImages, SiteConfig } from "../../stacks";
import { Hypervisor } from "../hypervisor";
import { REGISTRY_CA_PATH, REGISTRY_DIR, registryConfig } from "../registry";
import { Connection, filesPayload, loadScript, loginKeysEnv, scriptCommand, ScriptEnv, sshConnection, SshTarget } from "../remote";
import { SiteSecrets } from "../secrets";
import { VirtualMachine } from "../vm";
import { createVms, NodeInfo, nodeInfo } from "../vm/group";

/** The director's operations key (see SiteSecrets.opsKey). */
export const OPS_KEY_PATH = "/root/.ssh/kvm-k8s-ops";

export const prepareDirectorScript = loadScript("components/director/scripts/prepare-director.sh", {
    KUBERNETES_VERSION: "required",
    KUBERNETES_APT_REPO: "required",
    DEBIAN_MIRROR: "optional",
    DEBIAN_SECURITY_MIRROR: "optional",
    HELM_URL: "required",
    HELM_VERSION: "required",
    REGISTRY_HOST: "required",
    REGISTRY_PORT: "required",
    REGISTRY_USER: "required",
    REGISTRY_PASSWORD: "required",
    DIRECTOR_ADDRESS: "required",
    MIRROR_IMAGES: "optional",
    MIRROR_FROM: "optional",
    KUBEADM_IMAGES: "optional",
    LOGIN_USER: "optional",
    LOGIN_PUBLIC_KEYS: "optional",
    KVMK8S_FILES: "optional",
}, { installsLibrary: true });
export const installKubeconfigScript = loadScript("components/director/scripts/install-kubeconfig.sh", {
    KVMK8S_FILES: "required",
    KUBE_USER: "required",
    CONTROL_PLANE_ENDPOINT: "required",
});

/** What the director reads from the site. */
export type DirectorSite = Pick<SiteConfig, "access" | "domain" | "cluster" | "director">;

export interface DirectorArgs {
    /** Hypervisors by name; the director runs on its own. */
    hypervisors: Record<string, Hypervisor>;
    site: DirectorSite;
    secrets: Pick<SiteSecrets, "registry" | "opsKey">;
    /** Prepare the director (tools, registry); false on a site that stops after its VMs. */
    prepare: boolean;
}

/** The environment prepare-director.sh runs with (see its header); secrets stay Outputs. */
export function prepareDirectorEnv(site: Pick<SiteConfig, "cluster" | "director" | "access">, secrets: Pick<SiteSecrets, "registry" | "opsKey">): pulumi.Output<ScriptEnv<typeof prepareDirectorScript.env>> {
    const { cluster } = site;
    const { registry } = secrets;
    return pulumi.all([registry.caCertPem, registry.certPem, registry.keyPem, registry.password, secrets.opsKey.privateKey]).apply(([ca, cert, key, password, opsKey]): ScriptEnv<typeof prepareDirectorScript.env> => ({
        KUBERNETES_VERSION: cluster.kubernetesVersion,
        KUBERNETES_APT_REPO: cluster.aptRepository,
        DEBIAN_MIRROR: cluster.debianMirror?.url ?? "",
        DEBIAN_SECURITY_MIRROR: cluster.debianMirror?.security ?? "",
        HELM_URL: cluster.helm.url,
        HELM_VERSION: cluster.helm.version,
        REGISTRY_HOST: cluster.registry.host,
        REGISTRY_PORT: String(cluster.registry.port),
        REGISTRY_USER: cluster.registry.user,
        REGISTRY_PASSWORD: password,
        DIRECTOR_ADDRESS: site.director.address,
        MIRROR_IMAGES: cluster.registry.mirrorImages.join("\n"),
        MIRROR_FROM: cluster.registry.mirrorFrom ?? "",
        // the director checks these against `kubeadm config images list` (air-gapped sites)
        KUBEADM_IMAGES: cluster.airGapped ? (kubeadmImages(cluster.kubernetesVersion) ?? []).join("\n") : "",
        ...loginKeysEnv(site.access),
        KVMK8S_FILES: filesPayload([
            { path: `${REGISTRY_DIR}/config.yml`, mode: "0644", content: registryConfig(cluster) },
            { path: `${REGISTRY_DIR}/tls.crt`, mode: "0644", content: `${cert}${ca}` },
            { path: `${REGISTRY_DIR}/tls.key`, mode: "0600", content: key },
            { path: REGISTRY_CA_PATH, mode: "0644", content: ca },
            { path: OPS_KEY_PATH, mode: "0600", content: opsKey },
        ]),
    }));
}

/**
 * The tools host: kubectl, kubeadm and helm, the site registry (TLS with the site's own CA,
 * password auth), and the SSH jump host every node command goes through, so only the
 * director must be reachable from where Pulumi runs.
 */
export class Director extends pulumi.ComponentResource {
    public readonly vm: VirtualMachine;
    public readonly info: NodeInfo;
    /** How commands reach the director, and through it every node. */
    public readonly target: SshTarget;
    public readonly connection: Connection;
    /**
     * Tools installed and registry serving: every node command waits for it. Undefined when
     * the director is not prepared (a site that stops after its VMs).
     */
    public readonly ready?: command.remote.Command;

    constructor(name: string, args: DirectorArgs, opts?: pulumi.ComponentResourceOptions) {
        // The type token predates the folders (this is not under the Cluster component); it is
        // part of every child's URN, so it stays (test/urns.test.ts).
        super("kvmk8s:cluster:Director", name, {}, opts);
        const { site } = args;
        [this.vm] = createVms(this, [site.director], { hypervisors: args.hypervisors, access: site.access, dnsDomain: site.domain });
        this.info = nodeInfo(site.director);
        this.target = { host: site.director.address, user: site.access.user, privateKey: site.access.privateKey, hostKey: this.vm.hostPublicKey };
        this.connection = sshConnection(this.target);
        if (args.prepare) {
            this.ready = scriptCommand(
                `${site.director.hostname}-prepare`,
                {
                    connection: this.connection,
                    script: prepareDirectorScript,
                    env: prepareDirectorEnv(site, args.secrets),
                    triggers: [this.vm.domain.id],
                },
                { parent: this, dependsOn: [this.vm] },
            );
        }
        this.registerOutputs({ info: this.info });
    }

    /** Whether the director is prepared, as the cluster needs it. */
    public isPrepared(): this is PreparedDirector {
        return this.ready !== undefined;
    }

    /** Install the admin kubeconfig for kubectl and helm on the director. */
    public installKubeconfig(kubeconfig: pulumi.Output<string>, site: Pick<SiteConfig, "access" | "cluster" | "director">, opts: pulumi.CustomResourceOptions): command.remote.Command {
        return scriptCommand(
            `${site.director.hostname}-kubeconfig`,
            {
                connection: this.connection,
                script: installKubeconfigScript,
                env: kubeconfig.apply((k) => ({
                    KUBE_USER: site.access.user,
                    CONTROL_PLANE_ENDPOINT: `${site.cluster.endpoint.host}:${site.cluster.endpoint.port}`,
                    KVMK8S_FILES: filesPayload([{ path: "/root/.kube/config", mode: "0600", content: k }]),
                })),
                triggers: [this.vm.domain.id],
            },
            { ...opts, parent: this },
        );
    }
}

/** A director with its preparation: what the cluster is built on. */
export type PreparedDirector = Director & { readonly ready: command.remote.Command };
