/**
 * kube-vip as a static pod on every master: holds the control-plane VIP by ARP on the
 * masters' interface of the endpoint network (cloud-init names NICs after networks).
 */
import * as YAML from "yaml";
import { ClusterConfig } from "../../stacks";

export function kubeVipManifest(cluster: ClusterConfig): string | undefined {
    const { vip, network, port } = cluster.endpoint;
    if (vip === undefined || network === undefined) {
        return undefined;
    }
    const env: Record<string, string> = {
        vip_arp: "true",
        port: String(port),
        vip_interface: network,
        // kube-vip 0.9 renamed vip_cidr to vip_subnet (its v0.9.0 release notes; the pin is 1.2.3)
        vip_subnet: "32",
        cp_enable: "true",
        cp_namespace: "kube-system",
        vip_leaderelection: "true",
        vip_leasename: "plndr-cp-lock",
        vip_leaseduration: "5",
        vip_renewdeadline: "3",
        vip_retryperiod: "1",
        address: vip,
    };
    const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "kube-vip", namespace: "kube-system" },
        spec: {
            containers: [
                {
                    name: "kube-vip",
                    image: cluster.kubeVip.image,
                    imagePullPolicy: "IfNotPresent",
                    args: ["manager"],
                    env: Object.entries(env).map(([name, value]) => ({ name, value })),
                    securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
                    // init-control-plane.sh points this at super-admin.conf while kubeadm init runs
                    volumeMounts: [{ mountPath: "/etc/kubernetes/admin.conf", name: "kubeconfig" }],
                },
            ],
            hostAliases: [{ hostnames: ["kubernetes"], ip: "127.0.0.1" }],
            hostNetwork: true,
            volumes: [{ name: "kubeconfig", hostPath: { path: "/etc/kubernetes/admin.conf" } }],
        },
    };
    return YAML.stringify(pod, { lineWidth: 0 });
}
