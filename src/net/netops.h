/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_NET_NETOPS_H
#define CELL_NET_NETOPS_H

/*
 * The engine's view of the kernel plumbing of a container's network.
 *
 * cell is a static musl binary; libmnl and libnftables exist here only as
 * glibc shared objects.  So every call below spawns `cell-net` (a small
 * glibc program installed next to cell, src/net/cell-net.c) with one JSON
 * request on its stdin, and waits for it: one whole operation per process,
 * no daemon.  The engine decides everything (names, addresses, ports);
 * cell-net only carries it out, and on failure undoes what it made.
 *
 * Every function returns 0 or < 0 with `err` holding cell-net's own message,
 * which names the object (interface, namespace file, network, port, subnet)
 * and the reason.  The structs are only read; the caller owns them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct cell_net_port {
        char proto[4];            /* "tcp" or "udp" */
        char host_ip[46];         /* "" or "0.0.0.0": every host address; else one address */
        uint16_t host_port;       /* already chosen by the engine (never 0 here) */
        uint16_t ctr_port;
};

/* One network's host side (a bridge network). */
struct cell_net_bridge {
        const char *name;         /* the network's name, e.g. "bridge" (keys nft elements) */
        const char *device;       /* the bridge device, e.g. "cell0" (<= 15 chars) */
        const char *subnet4;      /* "10.88.0.0/16" (NULL: none) */
        const char *gateway4;     /* "10.88.0.1" */
        const char *subnet6;      /* NULL or "fd00:...::/64" */
        const char *gateway6;
        int mtu;                  /* 0: 1500 */
        bool internal;            /* no masquerade, no route out (forward drop to outside) */
};

/* One container's endpoint on a network. */
struct cell_net_endpoint {
        const char *id;           /* the container id (64 hex): keys nft elements */
        const char *netns;        /* namespace file, e.g. <runroot>/netns/<id>; created if missing */
        const char *driver;       /* "bridge" or "macvlan" */
        const char *host_ifname;  /* bridge: host veth name ("veth" + 11 hex of the id, <= 15) */
        const char *parent;       /* macvlan: the parent interface */
        const char *ifname;       /* inside: "eth0", "eth1"... */
        const char *mac;          /* NULL: the kernel's (bridge) / a random one (macvlan) */
        const char *addr4;        /* "10.88.0.5/16" (NULL: none) */
        const char *addr6;        /* "fd00::5/64" or NULL */
        bool default_route;       /* routes via the network's gateways */
        const struct cell_net_port *ports;
        size_t n_ports;
        /* Added by netkern: macvlan's gateways (there is no bridge struct for
         * macvlan); NULL: no default route of that family. */
        const char *gateway4;
        const char *gateway6;
        int mtu;                  /* macvlan: 0 = the parent's */
};

/* Bridge device up with the gateway addresses, ip_forward (and v6 forwarding) on,
 * route_localnet on the bridge (127.0.0.1 published ports), nft base of cell (below) present,
 * this network's masquerade element present unless internal.  Idempotent. */
int cell_netops_network_up(const struct cell_net_bridge *b, struct cell_error *err);
/* Bridge device and this network's nft elements gone.  Idempotent (nothing there: 0). */
int cell_netops_network_down(const struct cell_net_bridge *b, struct cell_error *err);
/* Namespace file created if missing (lo up inside), the interface made straight into it
 * (veth: peer created in the namespace, host end enslaved to b->device; macvlan: on parent),
 * addresses, default routes, MTU; the ports' DNAT elements added.  On failure everything this
 * call made is undone.  `b` may be NULL for macvlan (then ep->gateway4/6 give the routes). */
int cell_netops_attach(const struct cell_net_bridge *b, const struct cell_net_endpoint *ep,
                       struct cell_error *err);
/* Every nft element keyed by ep->id gone, the host veth deleted (both ends go), the
 * namespace file unmounted and removed when `remove_netns`.  Idempotent and crash-safe:
 * callable with what was recorded before a SIGKILL at any point (`b` may be NULL, and
 * without ep->addr4 the ports' elements go by key alone).  For a macvlan endpoint
 * the interface lives only inside the namespace: it goes with the namespace (remove_netns)
 * or is deleted there by name (ep->ifname) when the namespace stays.  With remove_netns
 * a bridge endpoint's veth pair goes the same way: the kernel destroys it with the
 * namespace, asynchronously, soon after this returns (once no process is left in the
 * namespace); a later attach of the same container replaces a veth still lingering.
 * Deviation from DESIGN.md ("host veth deleted"): saves the ~20 ms a link delete waits. */
int cell_netops_detach(const struct cell_net_bridge *b, const struct cell_net_endpoint *ep,
                       bool remove_netns, struct cell_error *err);
/* Make / remove just a namespace file (lo up), for networks that configure it otherwise
 * (CNI) or for a container with several endpoints.  Remove of a missing file: 0. */
int cell_netops_netns_create(const char *path, struct cell_error *err);
int cell_netops_netns_remove(const char *path, struct cell_error *err);
/* Where cell-net is (next to /proc/self/exe, as cell-monitor; in a build tree also
 * <dir>/src/net/cell-net), or an error saying so.  Caller frees. */
char *cell_netops_helper_path(struct cell_error *err);

#endif
