import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { NodeSpec } from "../../stacks";
import { Hypervisor } from "../hypervisor";
import { cloudInitDigest, identityDigest, renderMetaData, renderNetworkConfig, renderUserData, WriteFile } from "./cloudinit";

export { cloudInitDigest, identityDigest, rebuildFingerprint, renderMetaData, renderNetworkConfig, renderUserData } from "./cloudinit";
export type { UserDataInput, WriteFile } from "./cloudinit";

const GiB = 1024 ** 3;

export interface VirtualMachineArgs {
    node: NodeSpec;
    hypervisor: Hypervisor;
    access: { user: string; publicKey: string; extraPublicKeys?: string[] };
    /** The site's DNS domain: the search domain and each VM's FQDN suffix. */
    dnsDomain: string;
    writeFiles?: WriteFile[];
}

/** The rendered cloud-init of a node: what its first boot is made of. */
export interface RenderedCloudInit {
    userData: string;
    networkConfig: string;
    metaData: string;
    /** Digest of user-data and network-config: names the cloud-init disk. */
    digest: string;
    /** Digest of the node's identity: rebuilds the VM when it changes. */
    identity: string;
}

/** SSH host key material as cloud-init takes it. */
export interface HostKey {
    privateKey: string;
    publicKey: string;
}

/**
 * The guest CPU for a domain type. Under KVM the guest sees the host's CPU; QEMU's emulation
 * (TCG) cannot pass it through ("host-passthrough" fails at start) and offers its widest
 * model instead.
 */
export function cpuMode(domainType: "kvm" | "qemu"): "host-passthrough" | "maximum" {
    return domainType === "kvm" ? "host-passthrough" : "maximum";
}

export function renderCloudInit(args: Omit<VirtualMachineArgs, "hypervisor">, hostKey: HostKey): RenderedCloudInit {
    const { node } = args;
    const userData = renderUserData({
        hostname: node.hostname,
        fqdn: node.fqdn,
        user: args.access.user,
        publicKey: args.access.publicKey,
        extraPublicKeys: args.access.extraPublicKeys,
        hostKey,
        writeFiles: args.writeFiles,
    });
    const networkConfig = renderNetworkConfig(node.nics, args.dnsDomain);
    const identity = identityDigest(node);
    return { userData, networkConfig, metaData: renderMetaData(node.hostname, identity), digest: cloudInitDigest(userData, networkConfig), identity };
}

/**
 * One VM: a root volume cloned copy-on-write from its role's base image, a cloud-init disk,
 * and the libvirt domain.
 *
 * What rebuilds a VM (the root volume and the domain are replaced, delete-before-create,
 * because their libvirt names are fixed):
 * - vcpu, memory: libvirt forces a new domain;
 * - disk size, image, hypervisor: a new root volume (every Volume input forces replacement);
 * - its identity (addresses, MACs, bridges, the `rebuild` counter): cloud-init applies
 *   network-config once per instance, so an in-place update would not reach the guest.
 *   The root volume carries the identity digest as its replacement trigger.
 * Site-wide cloud-init content (login key, DNS, gateway, files) only refreshes the cloud-init
 * disk: new and rebuilt VMs boot with it; running VMs get such changes by remote commands.
 */
export class VirtualMachine extends pulumi.ComponentResource {
    public readonly node: NodeSpec;
    public readonly domain: libvirt.Domain;
    public readonly rootVolume: libvirt.Volume;
    public readonly cloudInitDisk: libvirt.CloudInitDisk;
    /** The node's identity digest (see above). */
    public readonly identity: string;
    /** Host public key (`ssh-ed25519 …`) that connections to this VM pin. */
    public readonly hostPublicKey: pulumi.Output<string>;

    constructor(name: string, args: VirtualMachineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kvmk8s:vm:VirtualMachine", name, {}, opts);
        const { node, hypervisor } = args;
        this.node = node;
        const child = { parent: this, provider: hypervisor.provider };

        // Made once and kept in state: a rebuilt VM comes back with the same host key, so
        // pinned connections and known_hosts stay valid.
        const hostKey = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent: this });
        this.hostPublicKey = hostKey.publicKeyOpenssh.apply((k) => k.trim());
        const cloudInit = pulumi
            .all([hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh])
            .apply(([privateKey, publicKey]) => renderCloudInit(args, { privateKey, publicKey }));
        this.identity = identityDigest(node);

        this.rootVolume = new libvirt.Volume(
            `${name}-root`,
            {
                name: `${node.hostname}-root.qcow2`,
                pool: hypervisor.poolName,
                ...hypervisor.baseImage(node.image),
                format: "qcow2",
                size: node.diskGiB * GiB,
            },
            { ...child, deleteBeforeReplace: true, replacementTrigger: this.identity },
        );

        // The digest in the name lets a new disk be written next to the old one, so no
        // delete-before-create is needed here.
        this.cloudInitDisk = new libvirt.CloudInitDisk(
            `${name}-cloudinit`,
            {
                // A digest reveals nothing of the host key it covers: keep the name readable.
                name: pulumi.unsecret(cloudInit.digest).apply((d) => `${node.hostname}-cloudinit-${d}.iso`),
                pool: hypervisor.poolName,
                // user-data holds the host private key: secret because its source is
                userData: cloudInit.userData,
                networkConfig: pulumi.unsecret(cloudInit.networkConfig),
                metaData: pulumi.unsecret(cloudInit.metaData),
            },
            child,
        );

        this.domain = new libvirt.Domain(
            name,
            {
                name: node.hostname,
                vcpu: node.vcpu,
                memory: node.memoryMiB,
                type: hypervisor.domainType,
                cpu: { mode: cpuMode(hypervisor.domainType) },
                // Off on purpose: with it, provider 0.8.1 asks the guest agent for addresses right
                // after starting the domain and fails the create while the agent is not yet up
                // ("Guest agent is not responding", dmacvicar/terraform-provider-libvirt#1050).
                // Addresses here are static; nothing needs the agent to answer.
                qemuAgent: false,
                // Explicit: the provider's default is SPICE, which RHEL 9-family QEMU rejects (#961).
                // VNC on the hypervisor's loopback only; reach it with an SSH tunnel.
                graphics: { type: "vnc", listenType: "address", listenAddress: "127.0.0.1", autoport: true },
                autostart: true,
                running: true,
                disks: [{ volumeId: this.rootVolume.id }],
                cloudinit: this.cloudInitDisk.id,
                // Static addresses on bridges: there is no libvirt DHCP lease to wait for.
                networkInterfaces: node.nics.map((nic) => ({ bridge: nic.bridge, mac: nic.mac, waitForLease: false })),
                consoles: [{ type: "pty", targetType: "serial", targetPort: "0" }],
            },
            { ...child, deleteBeforeReplace: true },
        );

        this.registerOutputs({ hostname: node.hostname, domainId: this.domain.id });
    }
}
