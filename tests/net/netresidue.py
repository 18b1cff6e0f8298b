# SPDX-License-Identifier: Apache-2.0
"""What cell may not leave in a test's host namespace and store: the net
fixture's residue check (conftest.py), importable by tests that prove the
check is not vacuous (a module of its own: `import conftest` would find
whichever conftest of tests/ was loaded first)."""

import glob
import json
import os
import re

import netns


def _cell_elements(ns):
    """[(table, set, element-json)] for every element of a set/map in a table
    named cell (any family) that is not a network-level prefix."""
    out = []
    rs = ns.nft_json("ruleset") or []
    for obj in rs:
        for kind in ("set", "map"):
            s = obj.get(kind)
            if not s or s.get("table") != "cell":
                continue
            for e in s.get("elem", []) or []:
                key = e["elem"]["val"] if isinstance(e, dict) and "elem" in e else e
                if isinstance(key, list) and kind == "map":
                    key = key[0]
                if isinstance(key, dict) and "prefix" in key:
                    continue            # a subnet: belongs to a network, not a container
                out.append((s.get("family"), s["name"], json.dumps(e)))
    return out


def net_residue(e):
    problems = []
    ns = e.ns
    links = [(n, k) for n, k in ns.links() if n not in ("lo", netns.UPLINK)
             and k in ("veth", "macvlan", "ipvlan", "tun", "tap")]
    if links:
        problems.append("links left in the host ns: %s" % links)
    els = _cell_elements(ns)
    if els:
        problems.append("nft elements left: %s" % els)
    # The CNI plugins' per-container chains (bridge's ipMasq: CNI-<hash>, portmap: CNI-DN-<hash>).
    cni_chains = [o["chain"]["name"] for o in ns.nft_json("ruleset") or []
                  if "chain" in o and re.match(r"CNI-(DN-)?[0-9a-f]{10,}$", o["chain"]["name"])]
    if cni_chains:
        problems.append("CNI plugin chains left: %s" % cni_chains)
    nsdir = os.path.join(e.runroot, "netns")
    if os.path.isdir(nsdir) and os.listdir(nsdir):
        problems.append("netns files left: %s" % os.listdir(nsdir))
    for lf in glob.glob(os.path.join(e.storage, "networks", "*.leases.json")):
        with open(lf) as f:
            text = f.read().strip()
        if text and json.loads(text):
            problems.append("leases left in %s: %s" % (os.path.basename(lf), text))
    registry = os.path.join(e.storage, "networks", "ports.json")
    if os.path.isfile(registry):
        with open(registry) as f:
            text = f.read().strip()
        if text and json.loads(text):
            problems.append("published ports still claimed: %s" % text)
    cache = os.path.join(e.storage, "cni")
    if os.path.isdir(cache):
        left = [p for p in glob.glob(os.path.join(cache, "**"), recursive=True) if os.path.isfile(p)]
        if left:
            problems.append("CNI cache left: %s" % left)
    leases = [p for p in glob.glob(os.path.join(e.cni_data_dir, "*", "*"))
              if not os.path.basename(p).startswith(("last_reserved_ip", "lock"))]
    if leases:
        problems.append("host-local leases left: %s" % leases)
    return problems
