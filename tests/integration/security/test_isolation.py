# SPDX-License-Identifier: Apache-2.0
"""Namespaces seen from inside: the hostname is the container's own, and
the network has nothing but loopback."""

import socket

from attacks import add_caps
from bundles import op


def test_sethostname_stays_inside(cell, bundle):
    """Even with CAP_SYS_ADMIN, sethostname(2) changes the container's
    uts namespace, not the host's."""
    before = socket.gethostname()
    b = bundle()
    add_caps(b, "CAP_SYS_ADMIN")
    info = cell.probe(b, "try", "sethostname", "uname")
    assert op(info, "try", "sethostname")["ok"], info["ops"]
    assert info["hostname"] == "probe-sethostname"
    assert socket.gethostname() == before


def test_sethostname_denied_by_default(cell, bundle):
    info = cell.probe(bundle(), "try", "sethostname")
    r = op(info, "try", "sethostname")
    assert not r["ok"] and r["errno"] == "EPERM", r


def test_network_is_loopback_only(cell, bundle):
    info = cell.probe(bundle(), "read", "/proc/net/dev", "ls", "/sys/class/net")
    lines = op(info, "read", "/proc/net/dev")["data"].splitlines()[2:]
    assert [ln.split(":")[0].strip() for ln in lines] == ["lo"], lines
    assert op(info, "ls", "/sys/class/net")["entries"] == ["lo"]
