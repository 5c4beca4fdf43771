/**
 * cloud-init documents for one VM, built as objects and serialized with the YAML library.
 * Pure functions: the same node always renders to the same bytes.
 */
import { createHash } from "crypto";
import * as YAML from "yaml";
import { NicSpec, NodeSpec } from "../../stacks";

export interface WriteFile {
    path: string;
    content: string;
    /** Octal mode as a string, e.g. "0644". */
    permissions: string;
    owner?: string;
}

export interface UserDataInput {
    hostname: string;
    fqdn: string;
    user: string;
    publicKey: string;
    /** Files later steps need on the VM before any remote command runs. */
    writeFiles?: WriteFile[];
}

/**
 * cloud-init and netplan read YAML 1.1, where an unquoted `52:54:00:12:34:56` is a base-60
 * integer and `on` a boolean; emitting 1.1 quotes every such string.
 */
const yamlOptions = { lineWidth: 0, version: "1.1" } as const;

/** `#cloud-config` user-data: identity, one key-only sudo user, no passwords, no root login. */
export function renderUserData(input: UserDataInput): string {
    const doc: Record<string, unknown> = {
        hostname: input.hostname,
        fqdn: input.fqdn,
        prefer_fqdn_over_hostname: false,
        // Keeps `hostname -f` working before any DNS exists for the site.
        manage_etc_hosts: true,
        users: [
            {
                name: input.user,
                gecos: "kvm-k8s operator",
                shell: "/bin/bash",
                sudo: "ALL=(ALL) NOPASSWD:ALL",
                lock_passwd: true,
                ssh_authorized_keys: [input.publicKey],
            },
        ],
        ssh_pwauth: false,
        disable_root: true,
    };
    if (input.writeFiles !== undefined && input.writeFiles.length > 0) {
        doc.write_files = input.writeFiles.map((f) => ({
            path: f.path,
            content: f.content,
            permissions: f.permissions,
            owner: f.owner ?? "root:root",
        }));
    }
    return `#cloud-config\n${YAML.stringify(doc, yamlOptions)}`;
}

/**
 * Netplan-style network-config version 2: one static ethernet per NIC, matched by MAC so
 * the guest's interface naming does not matter.
 */
export function renderNetworkConfig(nics: NicSpec[], searchDomain: string): string {
    const ethernets: Record<string, unknown> = {};
    for (const nic of nics) {
        const eth: Record<string, unknown> = {
            // cloud-init's eni and networkd renderers only match by MAC when the entry renames
            // the interface; without set-name they look for an interface called like the key.
            match: { macaddress: nic.mac },
            "set-name": nic.network,
            dhcp4: false,
            dhcp6: false,
            addresses: [`${nic.address}/${nic.prefix}`],
        };
        // gateway4, not `routes: [{to: default}]`: cloud-init 22.4 (Debian 12) rejects `default`,
        // and its eni renderer turns routes into `post-up route add`, a command Debian no
        // longer installs; gateway4 becomes ifupdown's own `gateway` line.
        if (nic.gateway !== undefined) {
            eth.gateway4 = nic.gateway;
        }
        if (nic.dns.length > 0) {
            eth.nameservers = { addresses: nic.dns, search: [searchDomain] };
        }
        ethernets[nic.network] = eth;
    }
    return YAML.stringify({ version: 2, ethernets }, yamlOptions);
}

/**
 * NoCloud meta-data. The instance-id carries the node's identity digest: a rebuilt VM is a
 * new instance to cloud-init, while a running VM whose cloud-init disk was refreshed for a
 * site-wide change (key, DNS) is not, so cloud-init does not re-run on its next boot.
 */
export function renderMetaData(hostname: string, identity: string): string {
    return YAML.stringify({ "instance-id": `${hostname}-${identity}`, "local-hostname": hostname }, yamlOptions);
}

const digest = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 12);

/** Short, stable digest of the documents on a cloud-init disk. */
export function cloudInitDigest(userData: string, networkConfig: string): string {
    return digest(`${userData}\u0000${networkConfig}`);
}

/**
 * What a VM is built as, beyond what libvirt already replaces it for (size, image): its
 * name, its NICs and addresses, and the operator's rebuild counter. Site-wide settings
 * (login key, DNS, gateway) are left out on purpose: a change there must not rebuild every
 * VM of the site at once; running VMs get it through remote commands.
 */
export function identityDigest(node: NodeSpec): string {
    const nics = node.nics.map((n) => [n.network, n.bridge, n.mac, `${n.address}/${n.prefix}`]);
    return digest(JSON.stringify([node.hostname, node.rebuild, nics]));
}
