/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `--network cni:NAME` driver (engine/network_cni.h): the configuration
 * list NAME from $CELL_CNI_CONF_DIR (default /etc/cni/net.d), its plugins
 * from $CELL_CNI_PATH (default /usr/lib/cni), each plugin killed after
 * $CELL_CNI_TIMEOUT seconds (default 120), the results cached under
 * <storage>/cni/results (net/cni.h says why DEL needs nothing else).
 *
 * prepare  the published ports claimed (engine/network.c's registry), the
 *          namespace file <runroot>/netns/<id> (cell_netops_netns_create), then
 *          ADD with interface eth0 and the ports as the portMappings
 *          capability; c->network gets the result's addresses and the ports
 *          next to create's "request".  On failure all of it is undone.
 * detach   DEL from the cache, the namespace file, the ports.  All idempotent,
 *          so detach after a SIGKILL anywhere in prepare finishes the job: the
 *          cache file exists from before the first plugin runs, and the
 *          namespace path follows from the id alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/network_cni.h"
#include "net/cni.h"
#include "net/netops.h"
#include "net/netstore.h"
#include "net/ports.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define CNI_IFNAME "eth0"

static const char *conf_dir(void)
{
        const char *d = getenv("CELL_CNI_CONF_DIR");
        return d && *d ? d : "/etc/cni/net.d";
}

static const char *plugin_dir(void)
{
        const char *d = getenv("CELL_CNI_PATH");
        return d && *d ? d : "/usr/lib/cni";
}

/* How long one plugin may take: $CELL_CNI_TIMEOUT seconds, default 120. */
static int plugin_timeout(void)
{
        const char *t = getenv("CELL_CNI_TIMEOUT");
        int v = t && *t ? atoi(t) : 120;
        return v > 0 ? v : 120;
}

static char *cni_ns_path(const struct cell_engine *e, const struct cell_ctr *c)
{
        return xasprintf("%s/netns/%s", e->runroot, c->id);
}

/* NAME of "cni:NAME"; "" when the mode is a bare "cni". */
static const char *net_name(const struct cell_ctr *c)
{
        const char *colon = strchr(c->network_mode, ':');
        return colon ? colon + 1 : "";
}

/*
 * The published ports: the -p/-P request create.c recorded (c->network.request.publish,
 * engine/network.c's format), claimed as for a bridge network (a free port picked where
 * none was given, a port bound on the host or published by another container refused)
 * under the networks lock, then handed to the plugins as the portMappings capability.
 */
struct ports {
        struct cell_port_map *maps;
        struct cell_cni_port *v;
        size_t n;
};

static json_object *member(json_object *o, const char *k)
{
        json_object *v;
        return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static void ports_from_request(const struct cell_ctr *c, struct ports *out)
{
        memset(out, 0, sizeof(*out));
        json_object *pub = member(member(c->network, "request"), "publish");
        size_t n = pub && json_object_is_type(pub, json_type_array) ? json_object_array_length(pub)
                                                                    : 0;
        out->maps = xcalloc(n + 1, sizeof(*out->maps));
        out->v = xcalloc(n + 1, sizeof(*out->v));
        for (size_t i = 0; i < n; i++) {
                json_object *p = json_object_array_get_idx(pub, i), *v;
                struct cell_port_map *m = &out->maps[out->n++];
                const char *proto = (v = member(p, "proto")) ? json_object_get_string(v) : "tcp";
                const char *hip = (v = member(p, "host_ip")) ? json_object_get_string(v) : "";
                snprintf(m->proto, sizeof(m->proto), "%s", proto);
                snprintf(m->host_ip, sizeof(m->host_ip), "%s", hip);
                m->host_port = (uint16_t)json_object_get_int(member(p, "host_port"));
                m->host_lo = (uint16_t)json_object_get_int(member(p, "host_lo"));
                m->host_hi = (uint16_t)json_object_get_int(member(p, "host_hi"));
                m->ctr_port = (uint16_t)json_object_get_int(member(p, "ctr_port"));
        }
}

static void ports_release(struct ports *p)
{
        free(p->maps);
        free(p->v);
}

/* Networks lock held by the caller.  After this, p->v holds the chosen ports. */
static int ports_claim(struct cell_engine *e, struct cell_ctr *c, struct ports *p,
                       struct cell_error *err)
{
        if (p->n && cell_ports_claim(e->storage, p->maps, p->n, c->id, err) < 0)
                return -1;
        for (size_t i = 0; i < p->n; i++)
                p->v[i] = (struct cell_cni_port){
                        .proto = p->maps[i].proto,
                        .host_ip = p->maps[i].host_ip,
                        .host_port = p->maps[i].host_port,
                        .ctr_port = p->maps[i].ctr_port,
                };
        return 0;
}

static int ports_unclaim(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        _cleanup_close_ int lock = cell_netstore_lock(e->storage, err);
        if (lock < 0)
                return -1;
        return cell_ports_release(e->storage, c->id, err);
}

static char *cache_dir(const struct cell_engine *e)
{
        return xasprintf("%s/cni/results", e->storage);
}

/* What inspect and port show, added to c->network (its "request" stays): the result's
 * addresses, the ports. */
static void record_into(json_object *n, const struct cell_ctr *c, const char *ns,
                        json_object *result, const struct ports *ports)
{
        json_object *ips, *v;
        json_object_object_add(n, "driver", json_object_new_string("cni"));
        json_object_object_add(n, "cni_network", json_object_new_string(net_name(c)));
        json_object_object_add(n, "ifname", json_object_new_string(CNI_IFNAME));
        json_object_object_add(n, "netns", json_object_new_string(ns));
        json_object *addrs = json_object_new_array();
        if (json_object_object_get_ex(result, "ips", &ips) &&
            json_object_is_type(ips, json_type_array))
                for (size_t i = 0; i < json_object_array_length(ips); i++)
                        if (json_object_object_get_ex(json_object_array_get_idx(ips, i), "address",
                                                      &v))
                                json_object_array_add(addrs, json_object_get(v));
        json_object_object_add(n, "ips", addrs);
        json_object *pa = json_object_new_array();
        for (size_t i = 0; i < ports->n; i++) {
                const struct cell_cni_port *p = &ports->v[i];
                json_object *o = json_object_new_object();
                char ctr[16], host[8];
                snprintf(ctr, sizeof(ctr), "%u/%s", p->ctr_port, p->proto);
                snprintf(host, sizeof(host), "%u", p->host_port);
                json_object_object_add(o, "container", json_object_new_string(ctr));
                json_object_object_add(
                        o, "host_ip", json_object_new_string(*p->host_ip ? p->host_ip : "0.0.0.0"));
                json_object_object_add(o, "host_port", json_object_new_string(host));
                json_object_array_add(pa, o);
        }
        json_object_object_add(n, "ports", pa);
        json_object_object_add(n, "result", json_object_get(result));
}

static int save_network(struct cell_engine *e, struct cell_ctr *c, const char *ns,
                        json_object *result, const struct ports *ports, struct cell_error *err)
{
        bool locked_here = c->lock_fd < 0;
        if (locked_here && cell_ctr_lock(e, c, err) < 0)
                return -1;
        int r = cell_ctr_reload(e, c, err);
        if (r == 0) {
                if (!c->network)
                        c->network = json_object_new_object();
                record_into(c->network, c, ns, result, ports);
                r = cell_ctr_save(e, c, err);
        }
        if (locked_here)
                cell_ctr_unlock(c);
        return r;
}

static int cni_prepare(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        const char *name = net_name(c);
        if (!*name)
                return cell_error_set(err, 0, "network cni: name a configuration list: cni:NAME");
        _cleanup_free_ char *ns = cni_ns_path(e, c);
        _cleanup_free_ char *cache = cache_dir(e);
        json_object *list = NULL;
        if (cell_cni_conflist_load(conf_dir(), name, &list, err) < 0)
                return -1;
        struct ports ports;
        ports_from_request(c, &ports);
        struct cell_cni_rt rt = {
                .container_id = c->id,
                .netns = ns,
                .ifname = CNI_IFNAME,
                .plugin_path = plugin_dir(),
                .cache_dir = cache,
                .timeout_s = plugin_timeout(),
                .ports = ports.v,
                .n_ports = ports.n,
        };
        json_object *result = NULL;
        struct cell_error ignored;
        int lock = cell_netstore_lock(e->storage, err);
        int r = lock < 0 ? -1 : ports_claim(e, c, &ports, err);
        if (lock >= 0)
                close(lock);
        if (r == 0)
                r = cell_netops_netns_create(ns, err);
        if (r == 0) {
                r = cell_cni_add(list, &rt, &result, err);
                if (r == 0 && (r = save_network(e, c, ns, result, &ports, err)) < 0)
                        cell_cni_del(name, &rt, &ignored);
                if (r < 0)
                        cell_netops_netns_remove(ns, &ignored);
        }
        if (r < 0)
                ports_unclaim(e, c, &ignored);
        if (result)
                json_object_put(result);
        json_object_put(list);
        ports_release(&ports);
        return r;
}

static int cni_detach(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        _cleanup_free_ char *ns = cni_ns_path(e, c);
        _cleanup_free_ char *cache = cache_dir(e);
        struct cell_cni_rt rt = {
                .container_id = c->id,
                .netns = ns,
                .ifname = CNI_IFNAME,
                .plugin_path = plugin_dir(),
                .cache_dir = cache,
                .timeout_s = plugin_timeout(),
        };
        int r = cell_cni_del(net_name(c), &rt, err);
        struct cell_error e2;
        if (cell_netops_netns_remove(ns, &e2) < 0 && r == 0) {
                *err = e2;
                r = -1;
        }
        /* The ports go last: they stay claimed while a plugin may still hold them. */
        if (r == 0 && ports_unclaim(e, c, err) < 0)
                r = -1;
        return r;
}

const struct cell_net_driver cell_net_cni_driver = {
        .name = "cni",
        .ns = CELL_NET_NS_PATH,
        .ns_path = cni_ns_path,
        .prepare = cni_prepare,
        .detach = cni_detach,
};
