#!/usr/bin/env bash
# pr-check.sh STACK: what the pull-request workflow runs for one stack, and what its test runs
# (test/engine/pr-check.engine.ts), so the two cannot drift. From the project directory, after
# `npm ci`, with `pulumi` (and its Node.js language host) on PATH and the stack's backend
# configured (PULUMI_BACKEND_URL or PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE):
#
#   1. the offline plan (`npm run plan -- STACK --stand-in-key`): the deployment order and every
#      rendered artifact in out/STACK/, no backend or hypervisor needed; a config mistake stops
#      here, before anything is asked of the site;
#   2. `pulumi preview --stack STACK --policy-pack policy` against the stack's state as last
#      deployed (no refresh: a refresh is a deliberate, separate step), which reaches the
#      hypervisors, so it runs on a runner inside the site;
#   3. out/STACK/comment.md: the stack, the outcome, the preview's change summary and the
#      policy pack's verdict, which the workflow posts on the pull request.
#
# Exit status: 0 when both pass; the plan's or the preview's status otherwise (comment.md
# then says which step failed and shows its last lines).
#
# Environment: PULUMI_ORG (optional): the organization that holds the stack on Pulumi Cloud,
# previewed as PULUMI_ORG/kvm-k8s/STACK (a self-managed backend needs none).
set -euo pipefail

STACK=${1:?usage: tools/pr-check.sh STACK}
STACK_REF=${PULUMI_ORG:+$PULUMI_ORG/kvm-k8s/}$STACK
OUT=out/$STACK
mkdir -p "$OUT"
comment=$OUT/comment.md

fail() { # STEP FILE STATUS
    {
        echo "### \`$STACK\`: $1 failed (exit $3)"
        echo '```'
        tail -n 40 "$2"
        echo '```'
    } >"$comment"
    echo "pr-check: $1 of $STACK failed (exit $3); see $comment" >&2
    exit "$3"
}

# 1. Offline. --stand-in-key: a stack file holds its key only as the backend's ciphertext,
# which the plan cannot read; the preview below checks the real key.
# The plan empties out/STACK/ first, so its output is kept aside until it is done.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
npm run --silent plan -- "$STACK" --stand-in-key >"$tmp/resources.txt" 2>"$tmp/plan-errors.txt" || status=$?
mkdir -p "$OUT"
cp "$tmp/resources.txt" "$tmp/plan-errors.txt" "$OUT/"
[ "$status" -eq 0 ] || fail "the offline plan" "$OUT/plan-errors.txt" "$status"

# 2. The real preview, with the policy pack.
status=0
pulumi preview --stack "$STACK_REF" --policy-pack policy --refresh=false --non-interactive --color never >"$OUT/preview.txt" 2>&1 || status=$?
[ "$status" -eq 0 ] || fail "pulumi preview" "$OUT/preview.txt" "$status"

# 3. The comment: the summary lines the CLI printed, the whole preview (each resource and its
# operation: which VMs a change replaces), cut to stay within a comment's 65,536 characters,
# and the plan's order graph.
{
    echo "### \`$STACK\`: preview passed"
    echo '```'
    sed -n '/^Policies:/,/^$/p; /^Resources:/,/^$/p' "$OUT/preview.txt"
    echo '```'
    echo "<details><summary>the preview, resource by resource</summary>"
    echo
    echo '```'
    head -c 40000 "$OUT/preview.txt"
    [ "$(wc -c <"$OUT/preview.txt")" -le 40000 ] || printf '\n[cut: the whole preview is in the plan-%s artifact, preview.txt]\n' "$STACK"
    echo '```'
    echo "</details>"
    echo "<details><summary>deployment order (offline plan)</summary>"
    echo
    echo '```mermaid'
    cat "$OUT/graph.mmd"
    echo '```'
    echo "</details>"
} >"$comment"
echo "pr-check: $STACK passed; $comment" >&2
