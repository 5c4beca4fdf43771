import { createHash } from "crypto";
import { has } from "./objects";
import type { NodeInput } from "./schema";

/**
 * A stable MAC for a VM's NIC, derived from site, node and network so that a rebuilt VM
 * comes back with the same MAC (switch ACLs, DHCP reservations and netplan matches keep
 * working). 52:54:00 is the prefix QEMU uses for its guests. `attempt` > 0 derives the
 * next candidate, for a NIC whose first one is taken (see siteMacs).
 */
export function stableMac(site: string, node: string, network: string, attempt = 0): string {
    const seed = attempt === 0 ? `${site}/${node}/${network}` : `${site}/${node}/${network}#${attempt}`;
    const digest = createHash("sha256").update(seed).digest();
    const tail = [digest[0], digest[1], digest[2]].map((b) => b.toString(16).padStart(2, "0"));
    return ["52", "54", "00", ...tail].join(":");
}

export interface MacNode {
    name: string;
    /** Networks the node has a NIC on, in the site's network order. */
    networks: string[];
    /** MACs pinned in the config, by network. */
    macs?: Record<string, string>;
}

/** A node as siteMacs needs it: its networks in the site's order. */
export function macNode(node: Pick<NodeInput, "name" | "addresses" | "macs">, networkOrder: string[]): MacNode {
    return { name: node.name, networks: networkOrder.filter((n) => has(node.addresses, n)), macs: node.macs };
}

/** Key of one NIC in siteMacs' result. */
export const nicKey = (node: string, network: string): string => `${node}/${network}`;

/**
 * Every NIC's MAC in a site, none shared: 24 derived bits collide within a site of hundreds
 * of NICs more often than one would think (1 500 NICs: about 6 %). Pinned MACs are taken
 * first; then each derived MAC in site order (director, masters, workers; networks in
 * order), and one already taken moves to its next derivation. So a collision moves the
 * later NIC only, and only a NIC that collides ever moves; pin `macs` to keep a MAC
 * whatever else the site holds. Duplicates among pinned MACs are left for validation.
 */
export function siteMacs(site: string, nodes: MacNode[]): Map<string, string> {
    const result = new Map<string, string>();
    const taken = new Set<string>();
    for (const node of nodes) {
        for (const network of node.networks) {
            const pinned = node.macs?.[network];
            if (pinned !== undefined && Object.prototype.hasOwnProperty.call(node.macs, network)) {
                result.set(nicKey(node.name, network), pinned);
                taken.add(pinned);
            }
        }
    }
    for (const node of nodes) {
        for (const network of node.networks) {
            const key = nicKey(node.name, network);
            if (result.has(key)) {
                continue;
            }
            let attempt = 0;
            let mac = stableMac(site, node.name, network);
            while (taken.has(mac)) {
                mac = stableMac(site, node.name, network, ++attempt);
            }
            result.set(key, mac);
            taken.add(mac);
        }
    }
    return result;
}
