import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { PreparedNode } from "../nodes";
import { loadScript, nodeList, OnDirector, scriptCommand } from "../remote";

export const waitReadyScript = loadScript("components/cluster/scripts/wait-nodes-ready.sh", {
    EXPECTED_NODES: "required",
    NODE_ADDRESSES: "optional",
    TIMEOUT_SECONDS: "optional",
    KUBECONFIG: "optional",
});

/**
 * The readiness gate: every expected node Ready (what applications wait for), each
 * kubelet's serving certificate approved for exactly its own name and address. Checked again
 * whenever a node was rebuilt.
 */
export function readinessGate(name: string, on: OnDirector, nodes: PreparedNode[], after: pulumi.Resource[]): command.remote.Command {
    const specs = nodes.map((n) => n.vm.node);
    return scriptCommand(
        name,
        {
            connection: on.director,
            script: waitReadyScript,
            env: { EXPECTED_NODES: specs.map((n) => n.hostname).join(" "), NODE_ADDRESSES: nodeList(specs), TIMEOUT_SECONDS: "900" },
            triggers: nodes.map((n) => n.vm.domain.id),
        },
        { parent: on.parent, dependsOn: after },
    );
}
