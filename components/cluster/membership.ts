/**
 * Which nodes belong to the cluster, kept from the director: the roster of expected nodes
 * with their host keys, and one membership Command per node whose deletion drains and
 * removes that node.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { PreparedNode } from "../nodes";
import { lifecycleCommand, loadScript, OnDirector, scriptCommand } from "../remote";

export const rosterScript = loadScript("components/cluster/scripts/write-roster.sh", {
    ROSTER: "required",
    KNOWN_HOSTS: "optional",
});
export const admitNodeScript = loadScript("components/cluster/scripts/admit-node.sh", {
    NODE: "required",
    ADDRESS: "required",
});
export const removeNodeScript = loadScript("components/cluster/scripts/remove-node.sh", {
    NODE: "required",
    ROLE: "required",
    DRAIN_TIMEOUT_SECONDS: "optional",
    WAIT_TIMEOUT_SECONDS: "optional",
    KUBECONFIG: "optional",
});

/**
 * The nodes the site expects now, and their host keys for the director's ops logins. Node
 * removals read the roster to tell a rebuild (wait for it to come back) from a removal
 * (scripts/remove-node.sh). `director`: its VM and its readiness.
 */
export function writeRoster(
    name: string,
    on: OnDirector,
    nodes: PreparedNode[],
    director: { domainId: pulumi.Input<string>; ready: pulumi.Resource },
): command.remote.Command {
    const knownHosts = pulumi.all(nodes.map((n) => n.vm.hostPublicKey.apply((k) => `${n.vm.node.address} ${k}`))).apply((lines) => lines.join("\n"));
    return scriptCommand(
        name,
        {
            connection: on.director,
            script: rosterScript,
            env: { ROSTER: nodes.map((n) => n.vm.node.hostname).join(" "), KNOWN_HOSTS: knownHosts },
            // a rebuilt director needs its roster and known_hosts written again
            triggers: [director.domainId],
        },
        { parent: on.parent, dependsOn: [director.ready] },
    );
}

/**
 * A node's membership, from the director. Created before the node joins: checks the
 * director can reach it (roster, host key); it holds no credential. Deleted before the
 * node's VM (its triggers hold the domain id, and it is delete-before-replace): drain, etcd
 * member removal, Node deletion, one node at a time. `deletedWith` the cluster CA's key:
 * destroying the whole site skips the drains instead of hanging on them.
 */
export function membership(
    on: OnDirector,
    roster: pulumi.Resource,
    deletedWith: pulumi.Resource,
    node: PreparedNode,
    after: pulumi.Resource[],
): command.remote.Command {
    const spec = node.vm.node;
    return lifecycleCommand(
        `${spec.hostname}-membership`,
        {
            connection: on.director,
            onCreate: admitNodeScript,
            env: { NODE: spec.hostname, ADDRESS: spec.address },
            onDelete: removeNodeScript,
            deleteEnv: { NODE: spec.hostname, ROLE: spec.role, DRAIN_TIMEOUT_SECONDS: "600", WAIT_TIMEOUT_SECONDS: "900" },
            triggers: [node.vm.domain.id],
        },
        // its own node's preparation: the drain talks to that node
        { parent: on.parent, dependsOn: [roster, node.prepared, ...after], deletedWith },
    );
}
