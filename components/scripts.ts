/**
 * Every remote script the site runs, by name, each from the folder of the role it serves:
 * what tests walk (each script's declared environment against its header, hashes in
 * triggers). Nothing in the program reads this list.
 */
import { installCalicoScript } from "./cluster/calico";
import { admitNodeScript, removeNodeScript, rosterScript } from "./cluster/membership";
import { waitReadyScript } from "./cluster/ready";
import { initScript, joinMasterScript } from "./control-plane";
import { installKubeconfigScript, prepareDirectorScript } from "./director";
import { joinNodeScript } from "./kubeadm";
import { prepareNodeScript } from "./nodes";
import { etcdSnapshotScript, upgradeClusterScript, upgradeNodeScript } from "./operations";
import { waitForSshScript } from "./remote";
import { joinWorkerScript } from "./workers";

export const scripts = {
    prepareDirector: prepareDirectorScript,
    installKubeconfig: installKubeconfigScript,
    waitForSsh: waitForSshScript,
    prepareNode: prepareNodeScript,
    roster: rosterScript,
    admitNode: admitNodeScript,
    removeNode: removeNodeScript,
    joinNode: joinNodeScript,
    init: initScript,
    calico: installCalicoScript,
    joinMaster: joinMasterScript,
    joinWorker: joinWorkerScript,
    waitReady: waitReadyScript,
    upgradeCluster: upgradeClusterScript,
    upgradeNode: upgradeNodeScript,
    etcdSnapshot: etcdSnapshotScript,
};
