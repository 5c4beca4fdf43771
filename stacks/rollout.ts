/**
 * One node rebuild per `pulumi up`. A rebuild drains the node, deletes it from the cluster
 * (and etcd) and replaces its VM; two at once would take two nodes' capacity, or two etcd
 * members, away together, and their delete-first steps can wait on each other. The program
 * compares what each node is built from with the previous deployment and stops, before
 * anything is touched, when more than one existing node would be rebuilt.
 */
import { ConfigIssue } from "./issues";
import { Stage, stages } from "./schema";
import { UPGRADE_SOURCE_MINOR } from "./versions";

/** Per node: a digest of everything whose change rebuilds its VM (see components/vm). */
export type Fingerprints = Record<string, string>;

export function checkOneRebuildPerUpdate(previous: Fingerprints | undefined, current: Fingerprints): ConfigIssue[] {
    if (previous === undefined) {
        return []; // first deployment, or no record of the last one
    }
    const rebuilt = Object.keys(current).filter((name) => previous[name] !== undefined && previous[name] !== current[name]);
    if (rebuilt.length <= 1) {
        return [];
    }
    return [
        {
            path: "kvm-k8s:site",
            message:
                `this change would rebuild ${rebuilt.length} VMs at once (${rebuilt.join(", ")}); ` +
                `rebuild one node per \`pulumi up\` so each is drained and rejoins before the next: ` +
                `apply the change to one node (node-level vcpu, memoryMiB, diskGiB, image, addresses or rebuild), run pulumi up, then the next`,
        },
    ];
}

const parse = (v: string): number[] => v.split(".").map(Number);

/**
 * kubeadm upgrades one minor at a time and never down. The last deployed version comes from
 * the stack's own outputs; the upgrade script checks the live cluster again before it acts.
 */
export function checkVersionChange(previous: string | undefined, current: string): ConfigIssue[] {
    if (previous === undefined || previous === current) {
        return [];
    }
    const [pMajor, pMinor, pPatch] = parse(previous);
    const [cMajor, cMinor, cPatch] = parse(current);
    const path = "kvm-k8s:site.cluster.kubernetesVersion";
    if (cMajor !== pMajor || cMinor < pMinor || (cMinor === pMinor && cPatch < pPatch)) {
        return [{ path, message: `${current} is older than the deployed ${previous}; kubeadm cannot downgrade a cluster: set ${previous} or newer` }];
    }
    if (cMinor > pMinor + 1) {
        // a minor this program no longer builds (before UPGRADE_SOURCE_MINOR) cannot be the step
        const step = pMinor + 1 > UPGRADE_SOURCE_MINOR ? `set 1.${pMinor + 1}.x first, run pulumi up, then ${current}` : `this program upgrades from 1.${UPGRADE_SOURCE_MINOR} at the oldest: bring the cluster to 1.${UPGRADE_SOURCE_MINOR} with an earlier release of kvm-k8s first`;
        return [{ path, message: `${current} skips a minor version (the cluster is at ${previous}); upgrade one minor at a time: ${step}` }];
    }
    return [];
}

/** What each stage adds, and so what lowering `stopAfter` below it would delete. */
const STAGE_ADDS: Record<Stage, string> = {
    vms: "the VMs",
    prepared: "node preparation",
    cluster: "the cluster (each node drained and removed, etcd members with them)",
    apps: "the Helm releases (uninstalled)",
};

/**
 * `stopAfter` may only stay or rise on a deployed stack: a lower stage would delete what the
 * later stages built, the cluster itself on the way down from `cluster`.
 */
export function checkStageChange(previous: string | undefined, current: Stage): ConfigIssue[] {
    const from = stages.indexOf(previous as Stage);
    const to = stages.indexOf(current);
    if (from === -1 || to >= from) {
        return [];
    }
    const deleted = stages.slice(to + 1, from + 1).map((s) => STAGE_ADDS[s]);
    return [
        {
            path: "kvm-k8s:site.stopAfter",
            message: `'${current}' is an earlier stage than the deployed '${previous}': this update would delete ${deleted.join(", ")}; set it back to '${previous}' (stages only rise on a built site; \`pulumi destroy\` takes a site down)`,
        },
    ];
}

/** The login keys a deployment authorized (exported as `loginKeys`; public keys only). */
export interface LoginKeys {
    publicKey: string;
    extraPublicKeys: string[];
}

/** `type base64`, what identifies a key whatever its comment. */
const keyId = (line: string): string => line.trim().split(/\s+/).slice(0, 2).join(" ");

/**
 * A new login key must already be accepted by the VMs. They accept what the last deployment
 * authorized (cloud-init's first key, then preparation's login_keys step), and the program logs
 * in with the key it is given now: a key they do not know would fail every remote command, on
 * every VM, at once. So a rotation takes two updates: the next key in `extraPublicKeys` first
 * (authorized while the current key still logs in), then as the login key. A site that stops
 * after its VMs runs no remote command and may change its key at once.
 */
export function checkLoginKeyChange(previous: LoginKeys | undefined, current: LoginKeys, stage: Stage): ConfigIssue[] {
    if (previous === undefined || stages.indexOf(stage) < stages.indexOf("prepared")) {
        return [];
    }
    const accepted = [previous.publicKey, ...previous.extraPublicKeys].map(keyId);
    if (accepted.includes(keyId(current.publicKey))) {
        return [];
    }
    return [
        {
            path: "kvm-k8s:site.access.publicKey",
            message:
                `the VMs do not accept this key yet (the last update authorized ${accepted.length === 1 ? "only the previous login key" : `${accepted.length} keys, not this one`}), ` +
                "so every remote command would fail to log in: rotate in two updates. First put the previous publicKey and kvm-k8s:sshPrivateKey back, " +
                "add the new .pub to site.access.extraPublicKeys and run pulumi up (every VM then accepts it); then set the new pair as publicKey and sshPrivateKey, " +
                "drop it from extraPublicKeys, and run pulumi up again (the old key is then removed from every VM)",
        },
    ];
}
