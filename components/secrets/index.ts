import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { SiteConfig } from "../../stacks";

const HOURS_PER_YEAR = 24 * 365;
/** The admin client certificate: 90 days, renewed by any `pulumi up` once 30 have passed. */
export const ADMIN_VALIDITY_HOURS = 90 * 24;
export const ADMIN_EARLY_RENEWAL_HOURS = 60 * 24;

/**
 * The site's generated secrets and PKI, made once and kept (encrypted) in state:
 * - the cluster CA: kubeadm uses it instead of making its own, so joins can pin its hash
 *   (no join credential: each join mints its own on the director, components/kubeadm/scripts/join-node.sh);
 * - the admin client certificate, 90 days, for the kubeconfig;
 * - the director's operations key, which nodes authorize from the director's address;
 * - the registry CA, the registry's certificate and its password.
 * Every private value leaves this component as a Pulumi secret.
 */
export class SiteSecrets extends pulumi.ComponentResource {
    public readonly clusterCa: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> };
    /**
     * Deleted only with the whole stack: node removals are `deletedWith` it, so destroying a
     * site does not drain nodes of a cluster that is going away.
     */
    public readonly clusterCaKey: tls.PrivateKey;
    /**
     * The director's operations key: nodes authorize it (from the director's address only),
     * so the director can run joins with credentials it mints, upgrade nodes and take etcd snapshots.
     */
    public readonly opsKey: { privateKey: pulumi.Output<string>; publicKey: pulumi.Output<string> };
    /**
     * Client certificate for the admin kubeconfig, signed by the cluster CA, in the
     * `kubeadm:cluster-admins` group (bound to cluster-admin by kubeadm since 1.29), never
     * `system:masters`, which no RBAC can revoke: kubeadm keeps that for super-admin.conf.
     */
    public readonly admin: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> };
    public readonly registry: {
        caCertPem: pulumi.Output<string>;
        certPem: pulumi.Output<string>;
        keyPem: pulumi.Output<string>;
        password: pulumi.Output<string>;
    };

    constructor(name: string, site: Pick<SiteConfig, "name" | "cluster" | "director">, opts?: pulumi.ComponentResourceOptions) {
        // The type token predates the folders (this is not under the Cluster component); it is
        // part of every child's URN, so it stays (test/urns.test.ts).
        super("kvmk8s:cluster:Secrets", name, {}, opts);
        const child = { parent: this };

        this.clusterCaKey = new tls.PrivateKey(`${name}-cluster-ca-key`, { algorithm: "RSA", rsaBits: 2048 }, child);
        const clusterCaCert = new tls.SelfSignedCert(
            `${name}-cluster-ca`,
            {
                privateKeyPem: this.clusterCaKey.privateKeyPem,
                isCaCertificate: true,
                subject: { commonName: "kubernetes" },
                validityPeriodHours: 10 * HOURS_PER_YEAR,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
            },
            child,
        );
        this.clusterCa = { certPem: clusterCaCert.certPem, keyPem: pulumi.secret(this.clusterCaKey.privateKeyPem) };

        // The admin credential is made here, not read back from a master: it is known before
        // the cluster exists, survives rebuilding any master, and never crosses a command's
        // output (whose errors the command provider prints in plain text).
        const adminKey = new tls.PrivateKey(`${name}-admin-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const adminCsr = new tls.CertRequest(
            `${name}-admin-csr`,
            { privateKeyPem: adminKey.privateKeyPem, subject: { commonName: "kvm-k8s-admin", organization: "kubeadm:cluster-admins" } },
            child,
        );
        const adminCert = new tls.LocallySignedCert(
            `${name}-admin-cert`,
            {
                certRequestPem: adminCsr.certRequestPem,
                caPrivateKeyPem: this.clusterCaKey.privateKeyPem,
                caCertPem: clusterCaCert.certPem,
                // short-lived: a leaked copy is useful for 90 days at most; any `pulumi up` in its
                // last 60 days (after 30) issues a new one and reinstalls it on the director
                validityPeriodHours: ADMIN_VALIDITY_HOURS,
                earlyRenewalHours: ADMIN_EARLY_RENEWAL_HOURS,
                allowedUses: ["client_auth", "digital_signature", "key_encipherment"],
            },
            child,
        );
        this.admin = { certPem: adminCert.certPem, keyPem: pulumi.secret(adminKey.privateKeyPem) };

        const opsKey = new tls.PrivateKey(`${name}-ops-key`, { algorithm: "ED25519" }, child);
        this.opsKey = { privateKey: pulumi.secret(opsKey.privateKeyOpenssh), publicKey: opsKey.publicKeyOpenssh.apply((k) => k.trim()) };

        this.registry = this.registryPki(name, site);

        this.registerOutputs({});
    }

    /** The registry's CA, its serving certificate (its name, the director's, its address) and its password. */
    private registryPki(name: string, site: Pick<SiteConfig, "name" | "cluster" | "director">): SiteSecrets["registry"] {
        const child = { parent: this };
        const registryCaKey = new tls.PrivateKey(`${name}-registry-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const registryCa = new tls.SelfSignedCert(
            `${name}-registry-ca`,
            {
                privateKeyPem: registryCaKey.privateKeyPem,
                isCaCertificate: true,
                subject: { commonName: `${site.name} registry CA`, organization: "kvm-k8s" },
                validityPeriodHours: 10 * HOURS_PER_YEAR,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            child,
        );
        const registryKey = new tls.PrivateKey(`${name}-registry-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const registryCsr = new tls.CertRequest(
            `${name}-registry-csr`,
            {
                privateKeyPem: registryKey.privateKeyPem,
                subject: { commonName: site.cluster.registry.host },
                dnsNames: [site.cluster.registry.host, site.director.fqdn, site.director.hostname],
                ipAddresses: [site.cluster.registry.address],
            },
            child,
        );
        const registryCert = new tls.LocallySignedCert(
            `${name}-registry-cert`,
            {
                certRequestPem: registryCsr.certRequestPem,
                caPrivateKeyPem: registryCaKey.privateKeyPem,
                caCertPem: registryCa.certPem,
                validityPeriodHours: 2 * HOURS_PER_YEAR,
                earlyRenewalHours: 30 * 24,
                allowedUses: ["server_auth", "digital_signature", "key_encipherment"],
            },
            child,
        );
        const password = new random.RandomPassword(`${name}-registry-password`, { length: 32, special: false }, child);
        return {
            caCertPem: registryCa.certPem,
            certPem: registryCert.certPem,
            keyPem: pulumi.secret(registryKey.privateKeyPem),
            password: pulumi.secret(password.result),
        };
    }
}
