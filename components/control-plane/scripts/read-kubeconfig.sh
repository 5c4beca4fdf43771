#!/usr/bin/env bash
# read-kubeconfig.sh: print the first master's /etc/kubernetes/admin.conf to stdout, and
# nothing else, so that the program can hand it to the director (the program marks this
# output secret). Fails with a clear message when the file is absent (kubeadm init has not
# run yet). Reads no input besides the test hook below; writes nothing.
#
# Environment:
#   KVMK8S_ROOT   optional  test hook: prefix for the path it reads (e.g. /tmp/t; default empty)
set -euo pipefail

ADMIN_CONF="${KVMK8S_ROOT:-}/etc/kubernetes/admin.conf"
if [[ ! -s "$ADMIN_CONF" ]]; then
    printf 'ERROR: %s\n' "/etc/kubernetes/admin.conf is missing or empty: the control plane is not initialised here (run init-control-plane.sh first)" >&2
    exit 1
fi
cat -- "$ADMIN_CONF"
