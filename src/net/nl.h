/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_NET_NL_H
#define CELL_NET_NL_H

/*
 * Netlink (rtnetlink through libmnl) for cell-net: links, veth, bridge,
 * macvlan, addresses, default routes, namespace files and the few sysctls a
 * bridge network needs.  Part of the cell-net program only (glibc, dynamic);
 * the engine never links this.
 *
 * A `struct cell_nl` is one netlink socket, bound to the network namespace
 * the process was in when it was opened (cell_nl_open_in() opens one inside
 * another namespace and comes back).  Every fallible call returns < 0 and
 * fills `err` with a message naming the interface, address or file.
 */

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct mnl_socket;

struct cell_nl {
        struct mnl_socket *sock;
        unsigned int portid;
        uint32_t seq;
};

int cell_nl_open(struct cell_nl *nl, struct cell_error *err);
/* A socket inside the namespace `netns_fd`; the calling thread ends where it began. */
int cell_nl_open_in(struct cell_nl *nl, int netns_fd, struct cell_error *err);
/* Accepts a zeroed or already closed struct. */
void cell_nl_close(struct cell_nl *nl);

/* The index of `ifname`: > 0, 0 when there is no such link, < 0 on error. */
int cell_nl_ifindex(struct cell_nl *nl, const char *ifname, struct cell_error *err);

/* Whether `ifname` is a link of `kind` ("veth") enslaved to the link `master`. */
bool cell_nl_is_port(struct cell_nl *nl, const char *ifname, const char *kind, int master);

/* A bridge `name` (mtu 0: the kernel's), up.  An existing bridge is reused.
 * Returns 1 when made, 0 when reused. */
int cell_nl_bridge_add(struct cell_nl *nl, const char *name, int mtu, struct cell_error *err);
/* A veth pair: `name` here, up and enslaved to the link `master` (0: none), and
 * `peer` made straight inside `peer_netns_fd` with `peer_mac` (NULL: the
 * kernel's), all in one request (the kernel unregisters it if any part fails).
 * Fails when `name` exists. */
int cell_nl_veth_add(struct cell_nl *nl, const char *name, int master, const char *peer,
                     int peer_netns_fd, const char *peer_mac, int mtu, struct cell_error *err);
/* A macvlan (mode bridge) on `parent`, made straight inside `netns_fd` as `name`. */
int cell_nl_macvlan_add(struct cell_nl *nl, const char *name, const char *parent, int netns_fd,
                        const char *mac, int mtu, struct cell_error *err);
/* Master (0: unchanged), MTU (0: unchanged) and up, in one request. */
int cell_nl_link_set(struct cell_nl *nl, const char *ifname, int ifindex, int master, int mtu,
                     struct cell_error *err);
/* Deletes `ifname`; no such link: 0. */
int cell_nl_link_del(struct cell_nl *nl, const char *ifname, struct cell_error *err);
/* Adds "ADDR/PREFIX" to the link; `exist_ok`: an address already there is fine.
 * IPv6 addresses skip duplicate address detection (usable at once). */
int cell_nl_addr_add(struct cell_nl *nl, const char *ifname, int ifindex, const char *cidr,
                     bool exist_ok, struct cell_error *err);
/* The default route of the family of `gateway` via it, out of the link. */
int cell_nl_route_default(struct cell_nl *nl, const char *ifname, int ifindex, const char *gateway,
                          struct cell_error *err);

/* Writes `value` to /proc/sys/`key` ("net/ipv4/ip_forward"). */
int cell_sysctl_set(const char *key, const char *value, struct cell_error *err);

/* A network namespace file at `path` (a bind mount of a new namespace, lo up),
 * unless `path` already is one.  *made tells which. */
int cell_netns_file_create(const char *path, bool *made, struct cell_error *err);
/* Whether `path` is a namespace file (an nsfs mount). */
bool cell_netns_file_is(const char *path);
/* Unmounts and unlinks `path`; neither there: 0. */
int cell_netns_file_remove(const char *path, struct cell_error *err);

#endif
