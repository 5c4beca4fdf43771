/**
 * The images kubeadm pulls for a Kubernetes version, derived instead of pinned by hand, so an
 * air-gapped site mirrors exactly what `kubeadm init`, `join` and `upgrade` will ask its
 * registry for, and containerd's sandbox image is the pause kubeadm expects.
 *
 * The control-plane images carry the Kubernetes version itself. CoreDNS, etcd and pause are
 * constants of each kubeadm release (cmd/kubeadm/app/constants/constants.go: CoreDNSVersion,
 * PauseVersion, and SupportedEtcdVersion[minor], or its nearest entry), and they move within
 * a minor: kubeadm 1.31.0 deploys CoreDNS v1.11.1, 1.31.4 v1.11.3; 1.31.9 etcd 3.5.15-0,
 * 1.31.14 3.5.24-0. So each minor lists patch ranges whose two ends were read from that file
 * of the `k8s.io/kubernetes` module at those tags (proxy.golang.org, 2026-12) and agreed; a
 * patch outside every range is not in the table. Adding a range: read the three constants of
 * the new tag's constants.go, or run `kubeadm config images list --kubernetes-version vX.Y.Z`.
 */

export interface KubeadmAddonVersions {
    coredns: string;
    etcd: string;
    pause: string;
}

interface PatchRange extends KubeadmAddonVersions {
    /** First and last patch release checked; every patch between them has these versions. */
    patches: [number, number];
}

/** By minor. The comment on each range names the tags whose constants.go was read. */
const TABLE: Record<number, PatchRange[]> = {
    31: [
        { patches: [0, 0], coredns: "v1.11.1", etcd: "3.5.15-0", pause: "3.10" }, // v1.31.0
        { patches: [4, 9], coredns: "v1.11.3", etcd: "3.5.15-0", pause: "3.10" }, // v1.31.4, v1.31.9
        { patches: [14, 14], coredns: "v1.11.3", etcd: "3.5.24-0", pause: "3.10" }, // v1.31.14
    ],
    32: [
        { patches: [0, 6], coredns: "v1.11.3", etcd: "3.5.16-0", pause: "3.10" }, // v1.32.0, v1.32.2, v1.32.6
        { patches: [13, 13], coredns: "v1.11.3", etcd: "3.5.24-0", pause: "3.10" }, // v1.32.13
    ],
    33: [
        { patches: [0, 3], coredns: "v1.12.0", etcd: "3.5.21-0", pause: "3.10" }, // v1.33.0, v1.33.3
        { patches: [6, 13], coredns: "v1.12.0", etcd: "3.5.24-0", pause: "3.10" }, // v1.33.6, v1.33.13
    ],
    34: [
        { patches: [0, 0], coredns: "v1.12.1", etcd: "3.6.4-0", pause: "3.10.1" }, // v1.34.0
        { patches: [4, 4], coredns: "v1.12.1", etcd: "3.6.5-0", pause: "3.10.1" }, // v1.34.4
    ],
    35: [{ patches: [0, 4], coredns: "v1.13.1", etcd: "3.6.6-0", pause: "3.10.1" }], // v1.35.0, v1.35.4
    36: [{ patches: [0, 3], coredns: "v1.14.2", etcd: "3.6.8-0", pause: "3.10.2" }], // v1.36.0, v1.36.1, v1.36.3
    // kubeadm 1.37 has no etcd entry for 37 and takes its nearest (36: 3.7.0-0)
    37: [{ patches: [0, 2], coredns: "v1.14.6", etcd: "3.7.0-0", pause: "3.10.2" }], // v1.37.0, v1.37.2
};

const UPSTREAM = "registry.k8s.io";

function parse(version: string): { minor: number; patch: number } {
    const [, minor, patch] = version.split(".").map(Number);
    return { minor, patch };
}

/** CoreDNS, etcd and pause versions kubeadm `version` deploys, or undefined when not in the table. */
export function kubeadmAddonVersions(version: string): KubeadmAddonVersions | undefined {
    const { minor, patch } = parse(version);
    const range = (TABLE[minor] ?? []).find((r) => patch >= r.patches[0] && patch <= r.patches[1]);
    return range === undefined ? undefined : { coredns: range.coredns, etcd: range.etcd, pause: range.pause };
}

/** The versions the table knows, e.g. `1.31.0, 1.31.4-1.31.9, ...`, for error messages. */
export function knownKubeadmVersions(): string {
    return Object.entries(TABLE)
        .flatMap(([minor, ranges]) => ranges.map(({ patches: [lo, hi] }) => (lo === hi ? `1.${minor}.${lo}` : `1.${minor}.${lo}-1.${minor}.${hi}`)))
        .join(", ");
}

/**
 * Every image kubeadm pulls for `version`, at their upstream names (what skopeo copies and
 * containerd mirrors): the four control-plane images, CoreDNS, pause and etcd.
 */
export function kubeadmImages(version: string): string[] | undefined {
    const addons = kubeadmAddonVersions(version);
    if (addons === undefined) {
        return undefined;
    }
    return [
        ...["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"].map((c) => `${UPSTREAM}/${c}:v${version}`),
        `${UPSTREAM}/coredns/coredns:${addons.coredns}`,
        `${UPSTREAM}/pause:${addons.pause}`,
        `${UPSTREAM}/etcd:${addons.etcd}`,
    ];
}

/**
 * containerd's sandbox (pause) image: the one kubeadm `version` expects; for a version the
 * table does not know (only allowed on sites that are not air-gapped), the newest pause of
 * the nearest known minor at or below it, else the oldest known.
 */
export function sandboxImage(version: string): string {
    const exact = kubeadmAddonVersions(version);
    if (exact !== undefined) {
        return `${UPSTREAM}/pause:${exact.pause}`;
    }
    const { minor } = parse(version);
    const minors = Object.keys(TABLE).map(Number).sort((a, b) => a - b);
    const nearest = [...minors].reverse().find((m) => m <= minor) ?? minors[0];
    const ranges = TABLE[nearest];
    return `${UPSTREAM}/pause:${ranges[ranges.length - 1].pause}`;
}
