/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_NETWORK_H
#define CELL_ENGINE_NETWORK_H

/*
 * Where a container's network comes from: a driver per --network mode.
 * This issue has two, "none" (a new network namespace with only lo, up)
 * and "host" (the host's namespace); issue 14 adds bridge, macvlan and CNI
 * as further entries of the table in network.c, without touching the
 * engine's other code.
 *
 * The engine calls a driver at three points, each safe to repeat (a crash
 * between two steps is mended by the next start or rm):
 *   create    ns_path() decides the spec's network namespace entry
 *   start     prepare() before the runtime creates the container (make a
 *             namespace to join, reserve an address), then attach() once
 *             the container's init exists (its pid, so /proc/PID/ns/net),
 *             before the command runs
 *   stop, rm  detach() (release addresses, delete interfaces and rules)
 * What a driver wants to remember (addresses, published ports) goes into
 * c->network, a JSON object saved with the record; `port` and `inspect`
 * print what it holds.
 */

#include <sys/types.h>

#include "engine/container.h"
#include "engine/engine.h"

enum cell_net_ns {
        CELL_NET_NS_NEW,  /* a fresh namespace, made by the runtime (lo brought up) */
        CELL_NET_NS_HOST, /* no network namespace entry: the host's */
        CELL_NET_NS_PATH, /* join the namespace at ns_path() */
};

struct cell_net_driver {
        const char *name;
        enum cell_net_ns ns;
        /* CELL_NET_NS_PATH: the namespace file to join; caller frees.  NULL otherwise. */
        char *(*ns_path)(const struct cell_engine *e, const struct cell_ctr *c);
        /* Each may be NULL (nothing to do); return < 0 and fill err on failure. */
        int (*prepare)(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err);
        int (*attach)(struct cell_engine *e, struct cell_ctr *c, pid_t pid, struct cell_error *err);
        int (*detach)(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err);
};

/* The driver of --network `mode`; anything unknown: "network X: not supported yet". */
const struct cell_net_driver *cell_net_driver_find(const char *mode, struct cell_error *err);

/*
 * The published ports of a container, one "80/tcp -> 0.0.0.0:8080" a line,
 * from what its driver recorded in c->network ("ports": [{"container":
 * "80/tcp", "host_ip": "0.0.0.0", "host_port": "8080"}, ...]).  Empty for
 * none and host.  Caller frees.
 */
char *cell_net_ports_text(const struct cell_ctr *c);

#endif
