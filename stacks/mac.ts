import { createHash } from "crypto";

/**
 * A stable MAC for a VM's NIC, derived from site, node and network so that a rebuilt VM
 * comes back with the same MAC (switch ACLs, DHCP reservations and netplan matches keep
 * working). 52:54:00 is the prefix QEMU uses for its guests.
 */
export function stableMac(site: string, node: string, network: string): string {
    const digest = createHash("sha256").update(`${site}/${node}/${network}`).digest();
    const tail = [digest[0], digest[1], digest[2]].map((b) => b.toString(16).padStart(2, "0"));
    return ["52", "54", "00", ...tail].join(":");
}
