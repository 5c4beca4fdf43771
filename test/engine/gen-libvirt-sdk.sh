#!/usr/bin/env bash
# Regenerate sdks/libvirt from the libvirt provider's schema with Pulumi's Node.js SDK
# generator at the CLI's version (test/engine/go/libvirt-sdkgen), as
#   pulumi package gen-sdk <schema> --language nodejs --version 0.5.4 --local
# would (the local form `pulumi package add` writes into sdks/<name>), then compile it as the
# root postinstall does. test/engine/libvirt-sdk.engine.ts fails when the committed SDK
# differs from what this writes.
#
#   test/engine/gen-libvirt-sdk.sh [schema.json]   (default ../shared/provider-schemas/libvirt-0.5.4.schema.json)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
schema=${1:-../shared/provider-schemas/libvirt-0.5.4.schema.json}
bin=$(bash test/engine/build.sh | tail -n 1)
"$bin/libvirt-sdkgen" -schema "$schema" -version 0.5.4 -local -out sdks/libvirt
npm run postinstall
echo "sdks/libvirt regenerated from $schema; review with: git diff --stat -- sdks/libvirt" >&2
