/** Calico through the Tigera operator: the Installation that sets the pod IP pool. */
import * as YAML from "yaml";
import { SiteConfig } from "../../stacks";

export function calicoInstallation(site: SiteConfig): string {
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
