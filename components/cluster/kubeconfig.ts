/** The admin kubeconfig, built from the program's own CA and admin credential. */
import * as YAML from "yaml";

export interface KubeconfigInput {
    clusterName: string;
    /** `https://host:port` */
    server: string;
    caCertPem: string;
    clientCertPem: string;
    clientKeyPem: string;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

export function renderKubeconfig(input: KubeconfigInput): string {
    const user = `${input.clusterName}-admin`;
    return YAML.stringify(
        {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: input.clusterName, cluster: { server: input.server, "certificate-authority-data": b64(input.caCertPem) } }],
            users: [{ name: user, user: { "client-certificate-data": b64(input.clientCertPem), "client-key-data": b64(input.clientKeyPem) } }],
            contexts: [{ name: user + "@" + input.clusterName, context: { cluster: input.clusterName, user } }],
            "current-context": user + "@" + input.clusterName,
        },
        { lineWidth: 0 },
    );
}
