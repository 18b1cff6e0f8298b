/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_NET_NETSTORE_H
#define CELL_NET_NETSTORE_H

/*
 * Network records in the engine's store (DESIGN.md "Records"):
 *   <storage>/networks/lock              flock LOCK_EX around every create,
 *                                        remove, lease and release
 *   <storage>/networks/<name>.json       the network (written atomically)
 *   <storage>/networks/<name>.leases.json  {"<ip>": "<container id>"}
 *   <storage>/networks/ports.json        {"tcp/<host ip>/<port>": "<container id>"}:
 *                                        host ports published by cell containers
 * Functions marked "locked" expect the caller to hold the lock
 * (cell_netstore_lock); reads of a single record need none (records are
 * replaced by rename).
 *
 * The default network "bridge" (device cell0, 10.88.0.0/16, gateway
 * 10.88.0.1) is made on first use by cell_netstore_get_or_default().  A user
 * bridge network's device is "cell-" + the first 10 hex of its id; without
 * --subnet it takes the first /24 of 10.89.0.0/16 that overlaps no other
 * network and no IPv4 route of the host namespace (/proc/net/route).
 */

#include <stdbool.h>

#include <json-c/json.h>

#include "util/error.h"

#define CELL_NET_DEFAULT "bridge"

struct cell_netrec {
        char *name, *id, *driver, *device, *created;
        char *subnet4, *gateway4; /* NULL: none */
        char *subnet6, *gateway6; /* NULL unless ipv6 */
        char *parent;             /* macvlan: the parent interface */
        bool internal, ipv6;
        json_object *labels;      /* owned; an object */
};

void cell_netrec_release(struct cell_netrec *r);
/* docker's `network inspect` object (Name, Id, Driver, IPAM.Config, Internal, ...). */
json_object *cell_netrec_to_json(const struct cell_netrec *r);

/*
 * The lock: returns its fd (close to release), < 0 on error.  The fd is
 * inherited by programs spawned while it is held (cell-net), which keep the
 * lock until they exit; close it before starting anything long-lived.
 */
int cell_netstore_lock(const char *storage, struct cell_error *err);

/* A record by name or id (prefix); unknown: ENOENT "network X not found". */
int cell_netstore_get(const char *storage, const char *name, struct cell_netrec *out,
                      struct cell_error *err);
/* Locked.  As get, but "bridge" is created when missing. */
int cell_netstore_get_or_default(const char *storage, const char *name, struct cell_netrec *out,
                                 struct cell_error *err);
/* Every network, sorted by name.  Release each, free(*out). */
int cell_netstore_list(const char *storage, struct cell_netrec **out, size_t *n,
                       struct cell_error *err);

struct cell_netstore_create_opts {
        const char *name;
        const char *driver;  /* "bridge" (NULL) or "macvlan" */
        const char *subnet;  /* NULL: picked */
        const char *gateway; /* NULL: the subnet's first address */
        const char *subnet6, *gateway6; /* a second, IPv6 subnet besides an IPv4 `subnet` */
        const char *parent;  /* macvlan: required, must exist (if_nametoindex) */
        bool internal, ipv6;
        json_object *labels; /* borrowed; NULL: none */
};
/*
 * Locked.  Validate (name, driver, subnet syntax, gateway inside, no
 * overlap with another network, parent present) and write the record.
 * Errors name the network and the reason; nothing is written on failure.
 */
int cell_netstore_create(const char *storage, const struct cell_netstore_create_opts *o,
                         struct cell_netrec *out, struct cell_error *err);
/* Locked.  Record and leases removed; refused while a lease is held (docker's words). */
int cell_netstore_remove(const char *storage, const struct cell_netrec *r, struct cell_error *err);

/* The leases of a network ({} when none); caller puts. */
json_object *cell_netstore_leases(const char *storage, const char *name);
/*
 * Locked.  Give `ctr_id` an IPv4 address (`want4` when given: it must be in
 * the subnet and free, else "address X is already in use on network N by
 * container ID"), and an IPv6 one when the network has IPv6.  A container
 * that already holds an address on the network keeps it (idempotent).
 * ip4/ip6: INET6_ADDRSTRLEN buffers ("" when none).
 */
int cell_netstore_lease(const char *storage, const struct cell_netrec *r, const char *want4,
                        const char *ctr_id, char *ip4, char *ip6, struct cell_error *err);
/* Locked.  Every lease of `ctr_id` on network `name` released; a missing network: 0. */
int cell_netstore_release(const char *storage, const char *name, const char *ctr_id,
                          struct cell_error *err);

/* The ports registry ({} when none); caller puts. */
json_object *cell_netstore_ports(const char *storage);
int cell_netstore_ports_save(const char *storage, json_object *ports, struct cell_error *err);

#endif
