/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `--network cni:NAME` driver (engine/network_cni.h): the configuration
 * list NAME from $CELL_CNI_CONF_DIR (default /etc/cni/net.d), its plugins
 * from $CELL_CNI_PATH (default /usr/lib/cni), the results cached under
 * <storage>/cni/results (net/cni.h says why DEL needs nothing else).
 *
 * prepare  the namespace file <runroot>/netns/<id> (cell_netops_netns_create),
 *          then ADD with interface eth0 and the published ports as the
 *          portMappings capability; the record's c->network gets the result's
 *          addresses and the ports.  On failure the namespace file goes too.
 * detach   DEL from the cache, then the namespace file goes.  Both idempotent,
 *          so detach after a SIGKILL anywhere in prepare finishes the job: the
 *          cache file exists from before the first plugin runs, and the
 *          namespace path follows from the id alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network_cni.h"
#include "net/cni.h"
#include "net/netops.h"
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

/* The published ports, docker's HostConfig.PortBindings: {"80/tcp": [{"HostIp", "HostPort"}]}. */
struct ports {
        struct cell_cni_port *v;
        size_t n;
        char **strs;              /* the protos and host ips the entries point at */
        size_t n_strs;
};

static void ports_release(struct ports *p)
{
        for (size_t i = 0; i < p->n_strs; i++)
                free(p->strs[i]);
        free(p->strs);
        free(p->v);
}

static const char *keep(struct ports *p, char *s)
{
        p->strs = xreallocarray(p->strs, p->n_strs + 1, sizeof(*p->strs));
        p->strs[p->n_strs++] = s;
        return s;
}

static void ports_from_record(const struct cell_ctr *c, struct ports *out)
{
        json_object *pb, *v;
        memset(out, 0, sizeof(*out));
        if (!c->host_config || !json_object_object_get_ex(c->host_config, "PortBindings", &pb) ||
            !json_object_is_type(pb, json_type_object))
                return;
        json_object_object_foreach(pb, key, binds) {
                unsigned ctr = 0;
                char proto[8] = "tcp";
                if (sscanf(key, "%u/%7s", &ctr, proto) < 1 || ctr == 0 || ctr > 65535 ||
                    !json_object_is_type(binds, json_type_array))
                        continue;
                for (size_t i = 0; i < json_object_array_length(binds); i++) {
                        json_object *b = json_object_array_get_idx(binds, i);
                        const char *hp = json_object_object_get_ex(b, "HostPort", &v) ? json_object_get_string(v) : NULL;
                        const char *hip = json_object_object_get_ex(b, "HostIp", &v) ? json_object_get_string(v) : "";
                        long host = hp ? strtol(hp, NULL, 10) : 0;
                        if (host <= 0 || host > 65535)
                                continue;
                        out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
                        out->v[out->n++] = (struct cell_cni_port){
                                .proto = keep(out, xstrdup(proto)),
                                .host_ip = keep(out, xstrdup(hip ? hip : "")),
                                .host_port = (uint16_t)host,
                                .ctr_port = (uint16_t)ctr,
                        };
                }
        }
}

static char *cache_dir(const struct cell_engine *e)
{
        return xasprintf("%s/cni/results", e->storage);
}

/* What inspect and port show: the result's addresses, the ports. */
static json_object *record_of(const struct cell_ctr *c, const char *ns, json_object *result,
                              const struct ports *ports)
{
        json_object *n = json_object_new_object(), *ips, *v;
        json_object_object_add(n, "driver", json_object_new_string("cni"));
        json_object_object_add(n, "network", json_object_new_string(net_name(c)));
        json_object_object_add(n, "ifname", json_object_new_string(CNI_IFNAME));
        json_object_object_add(n, "netns", json_object_new_string(ns));
        json_object *addrs = json_object_new_array();
        if (json_object_object_get_ex(result, "ips", &ips) && json_object_is_type(ips, json_type_array))
                for (size_t i = 0; i < json_object_array_length(ips); i++)
                        if (json_object_object_get_ex(json_object_array_get_idx(ips, i), "address", &v))
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
                json_object_object_add(o, "host_ip", json_object_new_string(*p->host_ip ? p->host_ip : "0.0.0.0"));
                json_object_object_add(o, "host_port", json_object_new_string(host));
                json_object_array_add(pa, o);
        }
        json_object_object_add(n, "ports", pa);
        json_object_object_add(n, "result", json_object_get(result));
        return n;
}

static int save_network(struct cell_engine *e, struct cell_ctr *c, json_object *n,
                        struct cell_error *err)
{
        bool locked_here = c->lock_fd < 0;
        if (locked_here && cell_ctr_lock(e, c, err) < 0) {
                json_object_put(n);
                return -1;
        }
        int r = cell_ctr_reload(e, c, err);
        if (r == 0) {
                if (c->network)
                        json_object_put(c->network);
                c->network = n;
                r = cell_ctr_save(e, c, err);
        } else {
                json_object_put(n);
        }
        if (locked_here)
                cell_ctr_unlock(c);
        return r;
}

static int cni_prepare(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        const char *name = net_name(c);
        _cleanup_free_ char *ns = cni_ns_path(e, c);
        _cleanup_free_ char *cache = cache_dir(e);
        json_object *list = NULL;
        if (!*name)
                return cell_error_set(err, 0, "network cni: name a configuration list: cni:NAME");
        if (cell_cni_conflist_load(conf_dir(), name, &list, err) < 0)
                return -1;
        struct ports ports;
        ports_from_record(c, &ports);
        struct cell_cni_rt rt = {
                .container_id = c->id, .netns = ns, .ifname = CNI_IFNAME,
                .plugin_path = plugin_dir(), .cache_dir = cache,
                .ports = ports.v, .n_ports = ports.n,
        };
        json_object *result = NULL;
        int r = cell_netops_netns_create(ns, err);
        if (r == 0) {
                r = cell_cni_add(list, &rt, &result, err);
                if (r == 0) {
                        r = save_network(e, c, record_of(c, ns, result, &ports), err);
                        if (r < 0) {
                                struct cell_error ignored;
                                cell_cni_del(name, &rt, &ignored);
                        }
                }
                if (r < 0) {
                        struct cell_error ignored;
                        cell_netops_netns_remove(ns, &ignored);
                }
        }
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
                .container_id = c->id, .netns = ns, .ifname = CNI_IFNAME,
                .plugin_path = plugin_dir(), .cache_dir = cache,
        };
        int r = cell_cni_del(net_name(c), &rt, err);
        struct cell_error e2;
        if (cell_netops_netns_remove(ns, &e2) < 0 && r == 0) {
                *err = e2;
                r = -1;
        }
        return r;
}

const struct cell_net_driver cell_net_cni_driver = {
        .name = "cni",
        .ns = CELL_NET_NS_PATH,
        .ns_path = cni_ns_path,
        .prepare = cni_prepare,
        .detach = cni_detach,
};
