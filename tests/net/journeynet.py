# SPDX-License-Identifier: Apache-2.0
"""Helpers of the network journeys: servers inside containers, addresses."""

import netns

# The host's python inside a busybox container (busybox has no udp server): the
# host's /usr, read-only, with /lib and /lib64 where its dynamic loader looks.
PY_VOLUMES = ["-v", "/usr:/usr:ro", "-v", "/usr/lib:/lib:ro", "-v", "/usr/lib64:/lib64:ro"]


def run_echo(net, name, proto, port, *flags):
    """A detached container NAME running netns.py's echo server on PORT (answers
    'echo:' + what it got), with FLAGS (-p, --network...) before the image.
    Returns when it listens."""
    net.run("run", "-d", "--name", name, *PY_VOLUMES, *flags, "busybox",
            "/usr/bin/python3", "-c", netns._SERVER, proto, "0.0.0.0", str(port), "/tmp/peers")
    netns.wait_for(lambda: "ready" in net.out("logs", name, check=False), timeout=30,
                   what="the echo server in " + name)


def ctr_peers(net, name):
    return net.out("exec", name, "cat", "/tmp/peers").split()


def ctr_ipv4(net, name, ifname="eth0"):
    out = net.out("exec", name, "ip", "-o", "-4", "addr", "show", ifname)
    return out.split()[3].split("/")[0]


def ctr_client(net, proto, addr, port, msg="ping", *flags, check=True):
    """A one-shot client (netns.client_argv) in a fresh --rm container with FLAGS."""
    return net.run("run", "--rm", *PY_VOLUMES, *flags, "busybox",
                   *netns.client_argv(proto, addr, port, msg), check=check)
