/** Day-2 operations run from the director: the rolling upgrade, and etcd snapshots. */
export { etcdSnapshot, etcdSnapshotScript } from "./etcd-snapshot";
export { rollingUpgrade, upgradeClusterScript, upgradeNodeScript } from "./upgrade";
