/**
 * A node's kubeadm step (init, or a join), run from the director by join-node.sh with
 * credentials minted for this one join: a 15-minute bootstrap token with a random id, and
 * for a master a fresh certificate key and re-uploaded certificates. They are streamed to
 * the node with the node's script and deleted afterwards, so nothing in state can join a node.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../../stacks";
import { PreparedNode } from "../nodes";
import { checkedEnv, EnvSpec, envPrelude, loadScript, ManagedFile, OnDirector, Script, scriptCommand, ScriptEnv } from "../remote";
import { JoinSecrets, kubeadmJoinConfig, KubeadmSite } from "./config";

export const joinNodeScript = loadScript("components/kubeadm/scripts/join-node.sh", {
    NODE: "required",
    ROLE: "required",
    ADDRESS: "required",
    MASTERS: "required",
    OPS_USER: "required",
    NODE_SCRIPT: "required",
    NODE_ENV: "required",
});

/** Where every kubeadm step of a site runs from, and what each waits for. */
export interface KubeadmSteps extends OnDirector {
    /** The director's roster and known_hosts: its ops key reaches a node once they hold its host key. */
    roster: pulumi.Resource;
    /** The director's ops login and every master (`nodeList`), for join-node.sh. */
    opsEnv: { OPS_USER: string; MASTERS: string };
    /** The node's membership (cluster/membership.ts), created after `after`: every step waits for its own. */
    admit: (node: PreparedNode, after: pulumi.Resource[]) => pulumi.Resource;
}

/** The JoinConfiguration a joining node gets; the credentials are filled in on the node. */
export function joinConfigFile(site: KubeadmSite, node: NodeSpec, secrets: JoinSecrets): ManagedFile {
    return { path: "/etc/kvm-k8s/kubeadm-join.yaml", mode: "0600", content: kubeadmJoinConfig(site, node, secrets) };
}

/**
 * Admit `node` once `after` is done, then run `nodeScript` on it from the director: `after`
 * is what the membership waits for, and the step waits for the membership.
 * `nodeEnv` is what the node script gets (secret when it holds the CA key); the node
 * script's hash is in the triggers, so an edited script re-runs. The Command is
 * `<hostname>-<step>`.
 */
export function kubeadmStep<S extends EnvSpec>(
    steps: KubeadmSteps,
    step: "init" | "join",
    node: PreparedNode,
    nodeScript: Script<S>,
    nodeEnv: pulumi.Input<ScriptEnv<S>>,
    after: pulumi.Resource[],
): command.remote.Command {
    const spec = node.vm.node;
    const admitted = steps.admit(node, after);
    return scriptCommand(
        `${spec.hostname}-${step}`,
        {
            connection: steps.director,
            script: joinNodeScript,
            env: pulumi.output(nodeEnv).apply((env) => ({
                NODE: spec.hostname,
                ROLE: spec.role,
                ADDRESS: spec.address,
                ...steps.opsEnv,
                // the node loads the library its preparation installed
                NODE_SCRIPT: Buffer.from(nodeScript.content).toString("base64"),
                NODE_ENV: Buffer.from(envPrelude(checkedEnv(nodeScript, env as ScriptEnv<S>))).toString("base64"),
            })),
            triggers: [nodeScript.hash, node.vm.domain.id],
        },
        // the director reaches the node with its ops key once the roster has its host key;
        // its own preparation: a node added or rebuilt on a later day has no other path to it
        { parent: steps.parent, dependsOn: [steps.roster, node.prepared, admitted] },
    );
}
