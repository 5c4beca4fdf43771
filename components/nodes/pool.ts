/**
 * A pool of nodes (the masters, or the workers): one VM each, reached through the director,
 * each prepared once its sshd answers. What they become in the cluster is the cluster's.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { Hypervisor } from "../hypervisor";
import { Connection, NODE_SSH_WAIT_SECONDS, scriptCommand, sshConnection, SshTarget, waitForSshScript } from "../remote";
import { VirtualMachine } from "../vm";
import { createVms } from "../vm/group";
import { DirectorAccess, NodeSite, prepareNode } from "./prepare";

/** What a pool needs from the site: its hypervisors, the way in, and what to wait for. */
export interface NodePoolArgs {
    /** Hypervisors by name; each VM uses its own hypervisor's provider. */
    hypervisors: Record<string, Hypervisor>;
    site: NodeSite;
    /**
     * The jump host, and its readiness (tools, registry) that node preparation needs; no
     * readiness on a site that stops after its VMs, whose nodes are then not prepared.
     */
    director: { target: SshTarget; ready?: pulumi.Resource };
    /** The registry's CA and pull password, and the director's ops key, that preparation installs. */
    directorAccess: pulumi.Input<DirectorAccess>;
}

/** A prepared node: its VM, how to reach it, and its preparation command. */
export interface PreparedNode {
    vm: VirtualMachine;
    connection: Connection;
    prepared: command.remote.Command;
}

/**
 * VMs for `nodes` under `parent`, each prepared (in parallel) once the director is ready.
 * Without a director readiness only the VMs are made, and there is no prepared node.
 */
export function createPreparedNodes(parent: pulumi.Resource, nodes: NodeSpec[], args: NodePoolArgs): PreparedNode[] | undefined {
    const { site } = args;
    const { ready } = args.director;
    const onDirector = sshConnection(args.director.target);
    const vms = createVms(parent, nodes, { hypervisors: args.hypervisors, access: site.access, dnsDomain: site.domain });
    if (ready === undefined) {
        return undefined;
    }
    return vms.map((vm) => {
        const connection = sshConnection(
            { host: vm.node.address, user: site.access.user, privateKey: site.access.privateKey, hostKey: vm.hostPublicKey },
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
            { parent, dependsOn: [vm, ready] },
        );
        // The director is the jump host and serves the registry whose CA nodes trust.
        const prepared = prepareNode({ site, vm, connection, directorAccess: args.directorAccess }, { parent, dependsOn: [vm, ready, sshUp] });
        return { vm, connection, prepared };
    });
}
