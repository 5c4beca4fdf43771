#!/usr/bin/python3
"""Parse a network-config v2 file with the installed cloud-init and render it with the
renderers a Debian guest uses (eni for ifupdown, networkd), printing JSON the tests check.

Usage: render_network_config.py FILE
"""
import json
import os
import sys
import tempfile

import yaml
from cloudinit.net import eni, network_state, networkd


def read_tree(root):
    files = {}
    for base, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(base, name)
            with open(path, encoding="utf-8") as handle:
                files[os.path.relpath(path, root)] = handle.read()
    return files


def main(path):
    with open(path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    state = network_state.parse_net_config_data(config, skip_broken=False)
    interfaces = [
        {
            "name": iface["name"],
            "mac": iface.get("mac_address"),
            "subnets": [
                {"address": s.get("address"), "prefix": s.get("prefix"), "gateway": s.get("gateway")}
                for s in iface.get("subnets", [])
            ],
        }
        for iface in state.iter_interfaces()
    ]
    rendered = {}
    for name, renderer in (("eni", eni.Renderer()), ("networkd", networkd.Renderer())):
        with tempfile.TemporaryDirectory() as target:
            renderer.render_network_state(state, target=target)
            rendered[name] = read_tree(target)
    json.dump(
        {
            "interfaces": interfaces,
            "routes": list(state.iter_routes()),
            "nameservers": state.dns_nameservers,
            "rendered": rendered,
        },
        sys.stdout,
        default=str,
    )


if __name__ == "__main__":
    main(sys.argv[1])
