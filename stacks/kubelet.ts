/**
 * Kubelet reservations against the VMs that carry them: reservations (system + kube + the
 * memory hard-eviction threshold) that leave nothing of a VM's CPU, memory or disk make a
 * node that joins and then schedules nothing, or is evicting forever.
 */
import type { ClusterInput } from "./schema";
import type { ConfigIssue } from "./issues";

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A Kubernetes quantity in base units (bytes, cores), or undefined for a percentage. */
export function quantity(text: string): number | undefined {
    const match = /^(\d+(?:\.\d+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti|%)?$/.exec(text);
    if (match === null || match[2] === "%") {
        return undefined;
    }
    const value = Number(match[1]);
    const unit = match[2];
    if (unit === undefined) {
        return value;
    }
    if (unit === "m") {
        return value / 1000;
    }
    return value * (BINARY[unit] ?? DECIMAL[unit]);
}

export interface SizedNode {
    path: string;
    name: string;
    vcpu: number;
    memoryMiB: number;
    diskGiB: number;
}

const MiB = 2 ** 20;

export function checkReservations(kubelet: ClusterInput["kubelet"], nodes: SizedNode[]): ConfigIssue[] {
    const sum = (key: "cpu" | "memory" | "ephemeral-storage"): { total: number; parts: string[] } => {
        const parts: string[] = [];
        let total = 0;
        for (const [what, reserved] of [["systemReserved", kubelet.systemReserved], ["kubeReserved", kubelet.kubeReserved]] as const) {
            const q = reserved[key];
            const value = q === undefined ? undefined : quantity(q);
            if (q !== undefined && value !== undefined) {
                total += value;
                parts.push(`${what} ${q}`);
            }
        }
        const eviction = key === "memory" ? kubelet.evictionHard["memory.available"] : undefined;
        const evictionValue = eviction === undefined ? undefined : quantity(eviction);
        if (eviction !== undefined && evictionValue !== undefined) {
            total += evictionValue;
            parts.push(`evictionHard memory.available ${eviction}`);
        }
        return { total, parts };
    };
    const cpu = sum("cpu");
    const memory = sum("memory");
    const disk = sum("ephemeral-storage");
    const issues: ConfigIssue[] = [];
    // one message per resource, naming the smallest node it does not fit
    const check = (reserved: { total: number; parts: string[] }, capacity: (n: SizedNode) => number, unit: string, show: (v: number) => string): void => {
        if (reserved.parts.length === 0 || nodes.length === 0) {
            return;
        }
        const smallest = nodes.reduce((a, b) => (capacity(b) < capacity(a) ? b : a));
        const over = nodes.filter((n) => capacity(n) <= reserved.total);
        if (over.length > 0) {
            issues.push({
                path: "kvm-k8s:site.cluster.kubelet",
                message: `reserves ${show(reserved.total)} ${unit} on every node (${reserved.parts.join(" + ")}), but ${smallest.path} (${smallest.name}) has ${show(capacity(smallest))}${over.length > 1 ? ` and ${over.length - 1} more node(s) as little or less` : ""}: nothing would be left for pods; lower the reservations or give those VMs more`,
            });
        }
    };
    check(cpu, (n) => n.vcpu, "CPU", (v) => String(Number(v.toFixed(3))));
    check(memory, (n) => n.memoryMiB * MiB, "MiB", (v) => String(Math.round(v / MiB)));
    check(disk, (n) => n.diskGiB * 1024 * MiB, "GiB", (v) => String(Number((v / (1024 * MiB)).toFixed(1))));
    return issues;
}
