/**
 * `ts-node test/e2e/versions.ts`: prints "<kubernetes version> <helm version>", what the e2e
 * site installs and so what run.sh has build-packages.sh build and the world serve.
 */
import { E2E_VERSIONS } from "./site";

console.log(`${E2E_VERSIONS.kubernetes} ${E2E_VERSIONS.helm}`);
