import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NodeSpec, SiteConfig } from "../../stacks";
import { Hypervisor } from "../hypervisor";
import { DirectorAccess, prepareNode } from "../node-prep";
import { Connection, NODE_SSH_WAIT_SECONDS, scriptCommand, sshConnection, SshTarget, waitForSshScript } from "../remote";
import { VirtualMachine, WriteFile } from "./index";

/** What every group of VMs needs from the site. */
export interface VmGroupArgs {
    /** Hypervisors by name; each VM uses its own hypervisor's provider. */
    hypervisors: Record<string, Hypervisor>;
    access: { user: string; publicKey: string };
    domain: string;
    /** Extra files for every VM of the group (later steps' configuration). */
    writeFiles?: WriteFile[];
}

/** The shape a group exposes for each of its VMs. */
export interface NodeInfo {
    name: string;
    hostname: string;
    hypervisor: string;
    /** Address on the site's node network (SSH, kubelet). */
    address: string;
    /** Address per network name. */
    addresses: Record<string, string>;
}

export function nodeInfo(node: NodeSpec): NodeInfo {
    return {
        name: node.name,
        hostname: node.hostname,
        hypervisor: node.hypervisor,
        address: node.address,
        addresses: Object.fromEntries(node.nics.map((nic) => [nic.network, nic.address])),
    };
}

/** One VirtualMachine per node, named after the node's hostname, as children of `parent`. */
export function createVms(parent: pulumi.Resource, nodes: NodeSpec[], args: VmGroupArgs): VirtualMachine[] {
    return nodes.map(
        (node) =>
            new VirtualMachine(
                node.hostname,
                { node, hypervisor: args.hypervisors[node.hypervisor], access: args.access, domain: args.domain, writeFiles: args.writeFiles },
                { parent },
            ),
    );
}

/** What node groups (masters, workers) need beyond their VMs: the way in, and what to wait for. */
export interface NodeGroupArgs extends VmGroupArgs {
    site: SiteConfig;
    privateKey: pulumi.Input<string>;
    /** The jump host, and its readiness (tools, registry) that node preparation needs. */
    director: { target: SshTarget; ready: pulumi.Resource };
    registry: pulumi.Input<DirectorAccess>;
}

/** A prepared node: its VM, how to reach it, and its preparation command. */
export interface PreparedNode {
    vm: VirtualMachine;
    connection: Connection;
    prepared: command.remote.Command;
}

/** VMs for `nodes` under `parent`, each prepared (in parallel) once the director is ready. */
export function createPreparedNodes(parent: pulumi.Resource, nodes: NodeSpec[], args: NodeGroupArgs): PreparedNode[] {
    const onDirector = sshConnection(args.director.target);
    return createVms(parent, nodes, args).map((vm) => {
        const connection = sshConnection(
            { host: vm.node.address, user: args.access.user, privateKey: args.privateKey, hostKey: vm.hostPublicKey },
            args.director.target,
        );
        // The first dial through the director happens only once the node's sshd answers:
        // a bounded wait with progress on the director, again whenever the VM is rebuilt.
        const sshUp = scriptCommand(
            `${vm.node.hostname}-ssh`,
            {
                connection: onDirector,
                script: waitForSshScript,
                env: { HOST: vm.node.address, NODE: vm.node.hostname, TIMEOUT_SECONDS: String(NODE_SSH_WAIT_SECONDS) },
                triggers: [vm.domain.id],
            },
            { parent, dependsOn: [vm, args.director.ready] },
        );
        // The director is the jump host and serves the registry whose CA nodes trust.
        const prepared = prepareNode(
            { site: args.site, vm, connection, registry: args.registry },
            { parent, dependsOn: [vm, args.director.ready, sshUp] },
        );
        return { vm, connection, prepared };
    });
}
