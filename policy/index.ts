/**
 * The kvm-k8s policy pack: `pulumi preview --policy-pack policy` (see README.md here).
 * The policies live in policies.ts; only the stack name comes from the running stack.
 */
import { PolicyPack } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { makePolicies } from "./policies";

new PolicyPack("kvm-k8s", {
    description: "Guards for the kvm-k8s site: etcd quorum, VM sizes and autostart, pinned SSH host keys and Helm charts, no ambient kubeconfig.",
    enforcementLevel: "mandatory",
    // The CLI sets PULUMI_NODEJS_STACK for a policy pack, so getStack() names the stack previewed.
    policies: makePolicies(() => pulumi.getStack()),
});
