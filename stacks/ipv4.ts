/**
 * Small IPv4 helpers for config validation and network-config rendering.
 * Inputs are assumed syntactically valid (zod checks the format first).
 */

export function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIp(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export interface Cidr {
    /** First address of the block, as an integer. */
    network: number;
    prefix: number;
    /** Number of addresses in the block. */
    size: number;
}

export function parseCidr(cidr: string): Cidr {
    const [ip, prefix] = cidr.split("/");
    const bits = Number(prefix);
    const size = 2 ** (32 - bits);
    const network = Math.floor(ipToInt(ip) / size) * size;
    return { network, prefix: bits, size };
}

/** True when the CIDR's address part has host bits set, e.g. 10.0.0.5/24. */
export function hasHostBits(cidr: string): boolean {
    return ipToInt(cidr.split("/")[0]) !== parseCidr(cidr).network;
}

export function cidrContains(cidr: string, ip: string): boolean {
    const { network, size } = parseCidr(cidr);
    const n = ipToInt(ip);
    return n >= network && n < network + size;
}

/** True when ip is the network or broadcast address of a block of /30 or larger. */
export function isReservedInCidr(cidr: string, ip: string): boolean {
    const { network, size, prefix } = parseCidr(cidr);
    if (prefix >= 31) {
        return false;
    }
    const n = ipToInt(ip);
    return n === network || n === network + size - 1;
}

export function cidrsOverlap(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    return x.network < y.network + y.size && y.network < x.network + x.size;
}
