/**
 * A group of VMs, one per node, named after each node's hostname (what the director and the
 * node pools build on), and the shape each VM is reported in as a stack output.
 */
import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { Hypervisor } from "../hypervisor";
import { VirtualMachine, WriteFile } from "./index";

/** What every group of VMs needs from the site. */
export interface VmGroupArgs {
    /** Hypervisors by name; each VM uses its own hypervisor's provider. */
    hypervisors: Record<string, Hypervisor>;
    access: { user: string; publicKey: string; extraPublicKeys?: string[] };
    /** The site's DNS domain. */
    dnsDomain: string;
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
                { node, hypervisor: args.hypervisors[node.hypervisor], access: args.access, dnsDomain: args.dnsDomain, writeFiles: args.writeFiles },
                { parent },
            ),
    );
}
