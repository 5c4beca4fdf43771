// *** Written to match the Pulumi Terraform Bridge (tfgen) Node SDK for pulumi-libvirt v0.5.4. ***
// *** Source of truth: provider schema libvirt-0.5.4.schema.json; checked by test/libvirt-sdk.test.ts. ***

// Export sub-modules:
import * as input from "./input";
import * as output from "./output";

export {
    input,
    output,
};
