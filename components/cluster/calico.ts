/** Calico through the Tigera operator: the Installation that sets the pod IP pool. */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { SiteConfig } from "../../stacks";
import { filesPayload, loadScript, OnDirector, scriptCommand } from "../remote";

export const installCalicoScript = loadScript("components/cluster/scripts/install-calico.sh", {
    CALICO_OPERATOR_MANIFEST: "required",
    KVMK8S_FILES: "required",
    KUBECONFIG: "optional",
});

export function calicoInstallation(site: Pick<SiteConfig, "networks" | "nodeNetwork" | "cluster">): string {
    const nodeNetwork = site.networks.find((n) => n.name === site.nodeNetwork);
    const installation = {
        apiVersion: "operator.tigera.io/v1",
        kind: "Installation",
        metadata: { name: "default" },
        spec: {
            calicoNetwork: {
                ipPools: [
                    {
                        name: "default-ipv4-ippool",
                        blockSize: 26,
                        cidr: site.cluster.podSubnet,
                        encapsulation: "VXLANCrossSubnet",
                        natOutgoing: "Enabled",
                        nodeSelector: "all()",
                    },
                ],
                // nodes have several NICs: route pod traffic over the node network only
                nodeAddressAutodetectionV4: { cidrs: nodeNetwork === undefined ? [] : [nodeNetwork.cidr] },
            },
        },
    };
    const apiServer = { apiVersion: "operator.tigera.io/v1", kind: "APIServer", metadata: { name: "default" }, spec: {} };
    return [installation, apiServer].map((d) => YAML.stringify(d, { lineWidth: 0 })).join("---\n");
}

/**
 * The CNI, applied from the director right after init, as upstream does it: no node is Ready
 * before a CNI config exists, so with the CNI first every node turns Ready as it joins, and
 * a later master's join finds a Ready control plane.
 */
export function installCalico(name: string, on: OnDirector, site: Pick<SiteConfig, "networks" | "nodeNetwork" | "cluster">, after: pulumi.Resource[]): command.remote.Command {
    return scriptCommand(
        name,
        {
            connection: on.director,
            script: installCalicoScript,
            env: {
                CALICO_OPERATOR_MANIFEST: site.cluster.calico.operatorManifest,
                KVMK8S_FILES: filesPayload([{ path: "/etc/kvm-k8s/calico-installation.yaml", mode: "0644", content: calicoInstallation(site) }]),
            },
        },
        { parent: on.parent, dependsOn: after },
    );
}
