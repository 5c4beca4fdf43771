import { NodeSpec } from "../../stacks";
import { joinConfigFile, JoinSecrets, kubeadmInitConfig, KubeadmSite } from "../kubeadm";
import { ManagedFile } from "../remote";
import { kubeVipManifest } from "./kube-vip";

/** What every master gets: its join configuration, and the kube-vip manifest when the site has a VIP. */
export function masterFiles(site: KubeadmSite, node: NodeSpec, secrets: JoinSecrets): ManagedFile[] {
    const files = [joinConfigFile(site, node, secrets)];
    const kubeVip = kubeVipManifest(site.cluster);
    if (kubeVip !== undefined) {
        files.push({ path: "/etc/kvm-k8s/kube-vip.yaml", mode: "0600", content: kubeVip });
    }
    return files;
}

/** What the first master gets: the cluster CA (kubeadm uses it rather than making one), init and join configs. */
export function initFiles(site: KubeadmSite, secrets: JoinSecrets & { caKeyPem: string }): ManagedFile[] {
    return [
        { path: "/etc/kubernetes/pki/ca.crt", mode: "0644", content: secrets.caCertPem },
        { path: "/etc/kubernetes/pki/ca.key", mode: "0600", content: secrets.caKeyPem },
        { path: "/etc/kvm-k8s/kubeadm-init.yaml", mode: "0600", content: kubeadmInitConfig(site) },
        ...masterFiles(site, site.masters[0], secrets),
    ];
}
