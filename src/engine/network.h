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
 * Without --network the engine uses "bridge" (docker's default network).
 *
 * Issue 14's drivers (network.c): "bridge" and user networks (bridge or
 * macvlan, netstore.h records), "container:NAME|ID" (its namespace, by
 * /proc/PID/ns/net, at create), "ns:PATH".  A network endpoint is recorded
 * in c->network ("endpoints", "ports", "netns") together with the lease
 * and the port claims *before* cell-net does the kernel work, so that the
 * detach of `rm -f` after a SIGKILL at any point finds and removes it all.
 * All of a network's leases, claims and hosts-file updates happen under
 * the networks lock (netstore.h).  c->network layout:
 *   {"request": {"publish": [{proto, host_ip, host_port, host_lo, host_hi,
 *                 ctr_port}], "ip", "aliases": [], "dns": [], "add_host": [],
 *                "mac"},
 *    "netns": "<runroot>/netns/<id>",
 *    "endpoints": [{"network", "network_id", "driver", "device", "parent",
 *                   "ifname", "host_ifname", "ip4", "prefix4", "gateway4",
 *                   "ip6", "prefix6", "gateway6", "mac", "aliases": []}],
 *    "ports": [{"container": "80/tcp", "host_ip", "host_port"}]}
 *
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

/* run/create's network flags (strings borrowed, lists NULL-terminated or NULL). */
struct cell_net_opts {
        const char *const *publish;    /* -p */
        bool publish_all;              /* -P */
        const char *ip;                /* --ip */
        const char *const *aliases;    /* --network-alias */
        const char *const *dns;        /* --dns */
        const char *const *add_host;   /* --add-host NAME:IP */
        const char *mac;               /* --mac-address */
};

/*
 * Check the flags against --network `mode` (the network exists, -p is
 * well formed, --ip is an address of the network...) and return the
 * "request" object create stores in c->network.  Nothing is made.
 */
json_object *cell_net_request(struct cell_engine *e, const char *mode, const struct cell_net_opts *o,
                              json_object *image_config, struct cell_error *err);

/* docker's HostConfig.PortBindings from the request ({"80/tcp": [{"HostIp", "HostPort"}]}; "" = pick). */
json_object *cell_net_port_bindings(json_object *request);

/* The /etc/hosts and /etc/resolv.conf a container starts with (create). */
void cell_net_etc_files(const char *mode, const char *hostname, json_object *request, char **hosts,
                        char **resolv);

/* docker's NetworkSettings of `inspect`. */
json_object *cell_net_settings_json(const struct cell_ctr *c);

/* `network create|rm|prune|connect|disconnect` (netstore.h records; the kernel side by cell-net). */
int cell_engine_network_remove(struct cell_engine *e, const char *name, struct cell_error *err);
/*
 * Connect a container to one more network (running: an endpoint ethN added
 * now, without default route; in any case remembered in the record's
 * request, so each start attaches it again).  Its errors name the network
 * and the container.
 */
int cell_engine_network_connect(struct cell_engine *e, const char *network, const char *container,
                                const char *ip, const char *const *aliases, struct cell_error *err);
/* The reverse: the endpoint removed (running) and the network forgotten. */
int cell_engine_network_disconnect(struct cell_engine *e, const char *network, const char *container,
                                   struct cell_error *err);

#endif
