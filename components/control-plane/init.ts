import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { controlPlaneEndpoint, JoinSecrets, KubeadmSite, kubeadmStep, KubeadmSteps } from "../kubeadm";
import { PreparedNode } from "../nodes";
import { filesPayload, loadScript } from "../remote";
import { initFiles } from "./files";

export const initScript = loadScript("components/control-plane/scripts/init-control-plane.sh", {
    CONTROL_PLANE_ENDPOINT: "required",
    KVMK8S_FILES: "required",
    JOIN_TOKEN: "streamed",
    CERTIFICATE_KEY: "streamed",
});

/** The cluster CA, as kubeadm init takes it: the certificate joins pin, and its key. */
export type ClusterPki = pulumi.Output<JoinSecrets & { caKeyPem: string }>;

/**
 * kubeadm init on the first master, with the site's CA. On a fresh site there is no cluster
 * and init makes its own short-lived token; a rebuilt first master joins the running cluster
 * instead, with credentials minted for it (init-control-plane.sh tells the two apart).
 */
export function initControlPlane(steps: KubeadmSteps, site: KubeadmSite, first: PreparedNode, pki: ClusterPki): command.remote.Command {
    const env = pki.apply((p) => ({ CONTROL_PLANE_ENDPOINT: controlPlaneEndpoint(site.cluster), KVMK8S_FILES: filesPayload(initFiles(site, p)) }));
    // its membership waits for nothing but the roster and its own preparation
    return kubeadmStep(steps, "init", first, initScript, env, []);
}
