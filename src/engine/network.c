/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network drivers (network.h).  Bridge and user networks: the engine
 * decides everything (lease, ports, names, MAC, veth name) under the
 * networks lock, records it in c->network, then asks cell-net (netops.h)
 * to make it.  Detach undoes it from the record alone.
 *
 * MAC addresses: 02:42 followed by the IPv4 address, as docker does, so
 * that the record knows it before the kernel makes the link (--mac-address
 * overrides).  Host veth: "veth" + 11 hex of the id (eth0), "veth" + 9 hex
 * + "_" + the index for a further endpoint (never equal to an eth0 name).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/network.h"
#include "engine/network_cni.h"
#include "net/hosts.h"
#include "net/ipam.h"
#include "net/netops.h"
#include "net/netstore.h"
#include "net/ports.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *jget(json_object *o, const char *k)
{
        json_object *v;
        return o && json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

static int jint(json_object *o, const char *k)
{
        json_object *v;
        return o && json_object_object_get_ex(o, k, &v) ? json_object_get_int(v) : 0;
}

static json_object *jmember(json_object *o, const char *k)
{
        json_object *v;
        return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static void jadd(json_object *o, const char *k, const char *v)
{
        if (v && *v)
                json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *jstrv(const char *const *v)
{
        json_object *a = json_object_new_array();
        for (; v && *v; v++)
                json_object_array_add(a, json_object_new_string(*v));
        return a;
}

static bool is_user_network(const char *name)
{
        return strcmp(name, CELL_NET_DEFAULT) != 0;
}

/* --- none, host ----------------------------------------------------------- */

/* The runtime makes the namespace and brings lo up (sandbox/network.c): nothing else to do. */
static const struct cell_net_driver none_driver = {
        .name = "none",
        .ns = CELL_NET_NS_NEW,
};

static const struct cell_net_driver host_driver = {
        .name = "host",
        .ns = CELL_NET_NS_HOST,
};

/* --- container:NAME, ns:PATH ------------------------------------------------ */

static char *container_ns_path(const struct cell_engine *e, const struct cell_ctr *c)
{
        struct cell_ctr t;
        struct cell_error err;
        char *path = NULL;
        if (cell_ctr_lookup((struct cell_engine *)e, c->network_mode + strlen("container:"), false, &t, &err) == 0 &&
            t.state.pid > 0)
                path = xasprintf("/proc/%d/ns/net", (int)t.state.pid);
        cell_ctr_release(&t);
        return path ? path : xstrdup("/nonexistent/container-not-running");
}

static const struct cell_net_driver container_driver = {
        .name = "container:",
        .ns = CELL_NET_NS_PATH,
        .ns_path = container_ns_path,
};

static char *ns_ns_path(const struct cell_engine *e, const struct cell_ctr *c)
{
        (void)e;
        return xstrdup(c->network_mode + strlen("ns:"));
}

static const struct cell_net_driver ns_driver = {
        .name = "ns:",
        .ns = CELL_NET_NS_PATH,
        .ns_path = ns_ns_path,
};

/* --- bridge and user networks --------------------------------------------- */

static char *netns_path(const struct cell_engine *e, const struct cell_ctr *c)
{
        return xasprintf("%s/netns/%s", e->runroot, c->id);
}

static char *net_ns_path(const struct cell_engine *e, const struct cell_ctr *c)
{
        return netns_path(e, c);
}

/* Save c->network: under the record's lock (taken here when the caller does not hold it). */
static int save_record(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        if (c->lock_fd >= 0)
                return cell_ctr_save(e, c, err);
        json_object *net = json_object_get(c->network);
        int r = cell_ctr_lock(e, c, err);
        if (r == 0 && (r = cell_ctr_reload(e, c, err)) == 0) {
                json_object_put(c->network);
                c->network = json_object_get(net);
                r = cell_ctr_save(e, c, err);
        }
        json_object_put(net);
        cell_ctr_unlock(c);
        return r;
}

static void bridge_of(const struct cell_netrec *r, struct cell_net_bridge *b)
{
        *b = (struct cell_net_bridge){.name = r->name, .device = r->device, .subnet4 = r->subnet4,
                                      .gateway4 = r->gateway4, .subnet6 = r->subnet6,
                                      .gateway6 = r->gateway6, .internal = r->internal};
}

/* An endpoint as netops wants it, from its record (strings borrowed from `ep`; addr buffers). */
struct ep_bufs {
        char addr4[64], addr6[80];
};

static void endpoint_of(json_object *ep, const char *id, const char *netns, struct ep_bufs *bufs,
                        struct cell_net_endpoint *out)
{
        const char *ip4 = jget(ep, "ip4"), *ip6 = jget(ep, "ip6");
        if (ip4)
                snprintf(bufs->addr4, sizeof(bufs->addr4), "%s/%d", ip4, jint(ep, "prefix4"));
        if (ip6)
                snprintf(bufs->addr6, sizeof(bufs->addr6), "%s/%d", ip6, jint(ep, "prefix6"));
        const char *driver = jget(ep, "driver");
        bool macvlan = driver && strcmp(driver, "macvlan") == 0;
        *out = (struct cell_net_endpoint){
                .id = id, .netns = netns, .driver = driver, .host_ifname = jget(ep, "host_ifname"),
                .parent = jget(ep, "parent"), .ifname = jget(ep, "ifname"), .mac = jget(ep, "mac"),
                .addr4 = ip4 ? bufs->addr4 : NULL, .addr6 = ip6 ? bufs->addr6 : NULL,
                .default_route = !jmember(ep, "default_route") || json_object_get_boolean(jmember(ep, "default_route")),
                .gateway4 = macvlan ? jget(ep, "gateway4") : NULL,
                .gateway6 = macvlan ? jget(ep, "gateway6") : NULL,
        };
}

static int prefix_of(const char *subnet)
{
        const char *s = subnet ? strchr(subnet, '/') : NULL;
        return s ? atoi(s + 1) : 0;
}

/* The endpoint record of `c` on network `r`, lease in ip4/ip6. */
static json_object *endpoint_record(const struct cell_ctr *c, const struct cell_netrec *r, int index,
                                    const char *ip4, const char *ip6, json_object *req)
{
        json_object *ep = json_object_new_object();
        jadd(ep, "network", r->name);
        jadd(ep, "network_id", r->id);
        jadd(ep, "driver", r->driver);
        jadd(ep, "device", r->device);
        jadd(ep, "parent", r->parent);
        char ifname[16], veth[16], mac[32] = "";
        snprintf(ifname, sizeof(ifname), "eth%d", index);
        if (index == 0)
                snprintf(veth, sizeof(veth), "veth%.11s", c->id);
        else
                snprintf(veth, sizeof(veth), "veth%.9s_%u", c->id, (unsigned)index % 10);
        jadd(ep, "ifname", ifname);
        if (strcmp(r->driver, "bridge") == 0)
                jadd(ep, "host_ifname", veth);
        jadd(ep, "ip4", ip4);
        json_object_object_add(ep, "prefix4", json_object_new_int(prefix_of(r->subnet4)));
        jadd(ep, "gateway4", r->gateway4);
        jadd(ep, "ip6", ip6);
        json_object_object_add(ep, "prefix6", json_object_new_int(prefix_of(r->subnet6)));
        jadd(ep, "gateway6", r->gateway6);
        struct in_addr a;
        const char *want_mac = index == 0 ? jget(req, "mac") : NULL;
        if (want_mac)
                snprintf(mac, sizeof(mac), "%s", want_mac);
        else if (*ip4 && inet_pton(AF_INET, ip4, &a) == 1) {
                const unsigned char *b = (const unsigned char *)&a;
                snprintf(mac, sizeof(mac), "02:42:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3]);
        }
        jadd(ep, "mac", mac);
        json_object *aliases = index == 0 ? jmember(req, "aliases") : NULL;
        json_object_object_add(ep, "aliases", aliases ? json_object_get(aliases) : json_object_new_array());
        return ep;
}

static json_object *endpoints_of(const struct cell_ctr *c)
{
        json_object *eps = jmember(c->network, "endpoints");
        return eps && json_object_is_type(eps, json_type_array) ? eps : NULL;
}

/* --- hosts files ----------------------------------------------------------- */

/* What hosts files need of a container: loaded once per update (each its own
 * allocation: pointers handed out stay valid as the list grows). */
struct member {
        struct cell_ctr c;
        bool loaded;
};

struct members {
        struct member **v;
        size_t n;
};

static struct cell_ctr *member_get(struct cell_engine *e, struct members *m, const char *id)
{
        for (size_t i = 0; i < m->n; i++)
                if (strcmp(m->v[i]->c.id ? m->v[i]->c.id : "", id) == 0)
                        return m->v[i]->loaded ? &m->v[i]->c : NULL;
        m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
        struct member *x = xzalloc(sizeof(*x));
        m->v[m->n++] = x;
        struct cell_error ignored;
        x->loaded = cell_ctr_load(e, id, false, &x->c, &ignored) == 0;
        if (!x->loaded) {
                cell_ctr_init(&x->c);
                x->c.id = xstrdup(id);
        }
        return x->loaded ? &x->c : NULL;
}

static void members_free(struct members *m)
{
        for (size_t i = 0; i < m->n; i++) {
                cell_ctr_release(&m->v[i]->c);
                free(m->v[i]);
        }
        free(m->v);
}

static const char *hostname_of(const struct cell_ctr *c)
{
        const char *h = jget(c->config, "Hostname");
        return h ? h : c->name;
}

/* names: name, hostname, aliases of an endpoint; into a NULL-terminated array of borrowed strings. */
static const char **names_of(const struct cell_ctr *c, json_object *ep)
{
        json_object *al = jmember(ep, "aliases");
        size_t n = al ? json_object_array_length(al) : 0;
        const char **v = xcalloc(n + 3, sizeof(char *));
        v[0] = c->name;
        v[1] = hostname_of(c);
        for (size_t i = 0; i < n; i++)
                v[2 + i] = json_object_get_string(json_object_array_get_idx(al, i));
        return v;
}

struct entries {
        struct cell_hosts_entry *v;
        const char ***names;
        size_t n;
};

static void entries_add(struct entries *x, const char *ip, const char **names)
{
        x->v = xreallocarray(x->v, x->n + 1, sizeof(*x->v));
        x->names = xreallocarray(x->names, x->n + 1, sizeof(*x->names));
        x->v[x->n] = (struct cell_hosts_entry){.ip = ip, .names = names};
        x->names[x->n++] = names;
}

static void entries_free(struct entries *x)
{
        for (size_t i = 0; i < x->n; i++)
                free(x->names[i]);
        free(x->names);
        free(x->v);
}

static json_object *endpoint_on(const struct cell_ctr *c, const char *network)
{
        json_object *eps = endpoints_of(c);
        for (size_t i = 0; eps && i < json_object_array_length(eps); i++) {
                json_object *ep = json_object_array_get_idx(eps, i);
                const char *n = jget(ep, "network");
                if (n && strcmp(n, network) == 0)
                        return ep;
        }
        return NULL;
}

/* --add-host NAME:IP entries of the request; each name is copied into `owned` (freed by the caller). */
static void extra_entries(json_object *req, struct entries *x, char ***owned)
{
        json_object *ah = jmember(req, "add_host");
        size_t n = ah ? json_object_array_length(ah) : 0;
        *owned = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(ah, i));
                const char *colon = strchr(s, ':');
                if (!colon)
                        continue;
                const char **names = xcalloc(2, sizeof(char *));
                names[0] = (*owned)[i] = xstrndup(s, (size_t)(colon - s));
                entries_add(x, colon + 1, names);
        }
}

/* Regenerate c's hosts file: itself on each network, and its peers on each user network. */
static void hosts_write(struct cell_engine *e, struct members *m, const struct cell_ctr *c)
{
        struct entries self = {0}, peers = {0}, extra = {0};
        json_object *eps = endpoints_of(c);
        for (size_t i = 0; eps && i < json_object_array_length(eps); i++) {
                json_object *ep = json_object_array_get_idx(eps, i);
                const char *net = jget(ep, "network");
                if (jget(ep, "ip4"))
                        entries_add(&self, jget(ep, "ip4"), names_of(c, ep));
                if (!net || !is_user_network(net))
                        continue;
                json_object *leases = cell_netstore_leases(e->storage, net);
                json_object_object_foreach(leases, ip, owner) {
                        const char *id = json_object_get_string(owner);
                        if (strchr(ip, ':') || strcmp(id, c->id) == 0)
                                continue;
                        struct cell_ctr *p = member_get(e, m, id);
                        json_object *pep = p ? endpoint_on(p, net) : NULL;
                        if (pep && jget(pep, "ip4"))
                                entries_add(&peers, jget(pep, "ip4"), names_of(p, pep));
                }
                json_object_put(leases);
        }
        char **hostnames;
        extra_entries(jmember(c->network, "request"), &extra, &hostnames);
        /* its addresses on further networks come first among the others */
        size_t np = (self.n > 1 ? self.n - 1 : 0) + peers.n;
        _cleanup_free_ struct cell_hosts_entry *all = xcalloc(np + 1, sizeof(*all));
        for (size_t i = 1; i < self.n; i++)
                all[i - 1] = self.v[i];
        for (size_t i = 0; i < peers.n; i++)
                all[np - peers.n + i] = peers.v[i];
        _cleanup_free_ char *text = cell_hosts_text(self.n ? &self.v[0] : NULL, all, np, extra.v, extra.n);
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *path = cell_path_join(dir, "hosts");
        struct cell_error ignored;
        cell_hosts_write_in_place(path, text, &ignored);
        cell_strv_free(hostnames);
        entries_free(&self);
        entries_free(&peers);
        entries_free(&extra);
}

/* Every member of user network `net` (and `also`, which may have just left it) rewritten. */
static void hosts_refresh(struct cell_engine *e, const char *net, const struct cell_ctr *also)
{
        struct members m = {0};
        if (also)
                hosts_write(e, &m, also);
        if (is_user_network(net)) {
                json_object *leases = cell_netstore_leases(e->storage, net);
                json_object_object_foreach(leases, ip, owner) {
                        const char *id = json_object_get_string(owner);
                        if (strchr(ip, ':') || (also && strcmp(id, also->id) == 0))
                                continue;
                        struct cell_ctr *p = member_get(e, &m, id);
                        if (p)
                                hosts_write(e, &m, p);
                }
                json_object_put(leases);
        }
        members_free(&m);
}

/* --- attach and detach ----------------------------------------------------- */

static void ports_from_request(json_object *req, struct cell_port_map **maps, size_t *n)
{
        *maps = NULL;
        *n = 0;
        json_object *pub = jmember(req, "publish");
        for (size_t i = 0; pub && i < json_object_array_length(pub); i++) {
                json_object *p = json_object_array_get_idx(pub, i);
                struct cell_port_map m = {0};
                const char *proto = jget(p, "proto"), *hip = jget(p, "host_ip");
                snprintf(m.proto, sizeof(m.proto), "%s", proto ? proto : "tcp");
                snprintf(m.host_ip, sizeof(m.host_ip), "%s", hip ? hip : "");
                m.host_port = (uint16_t)jint(p, "host_port");
                m.host_lo = (uint16_t)jint(p, "host_lo");
                m.host_hi = (uint16_t)jint(p, "host_hi");
                m.ctr_port = (uint16_t)jint(p, "ctr_port");
                *maps = xreallocarray(*maps, *n + 1, sizeof(**maps));
                (*maps)[(*n)++] = m;
        }
}

static json_object *ports_record(const struct cell_port_map *maps, size_t n)
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                json_object *p = json_object_new_object();
                char ctr[16], hp[8];
                snprintf(ctr, sizeof(ctr), "%u/%s", maps[i].ctr_port, maps[i].proto);
                snprintf(hp, sizeof(hp), "%u", maps[i].host_port);
                jadd(p, "container", ctr);
                jadd(p, "host_ip", maps[i].host_ip[0] ? maps[i].host_ip : "0.0.0.0");
                jadd(p, "host_port", hp);
                json_object_array_add(a, p);
        }
        return a;
}

static int kernel_attach(const struct cell_netrec *r, json_object *ep, const char *id, const char *netns,
                         const struct cell_port_map *maps, size_t n, struct cell_error *err)
{
        struct cell_net_bridge b;
        bridge_of(r, &b);
        struct ep_bufs bufs;
        struct cell_net_endpoint x;
        endpoint_of(ep, id, netns, &bufs, &x);
        _cleanup_free_ struct cell_net_port *ports = xcalloc(n + 1, sizeof(*ports));
        for (size_t i = 0; i < n; i++) {
                memcpy(ports[i].proto, maps[i].proto, sizeof(ports[i].proto));
                memcpy(ports[i].host_ip, maps[i].host_ip, sizeof(ports[i].host_ip));
                ports[i].host_port = maps[i].host_port;
                ports[i].ctr_port = maps[i].ctr_port;
        }
        x.ports = ports;
        x.n_ports = n;
        bool bridge = strcmp(r->driver, "bridge") == 0;
        /* network_up runs once per network (the networks lock is held): while its bridge
         * exists in this namespace, the network is up and one spawn of cell-net is saved */
        if (bridge && if_nametoindex(r->device) == 0 && cell_netops_network_up(&b, err) < 0)
                return -1;
        return cell_netops_attach(bridge ? &b : NULL, &x, err);
}

/* The published ports as recorded ("80/tcp", "0.0.0.0", "8080"), for netops. */
static struct cell_net_port *recorded_ports(const struct cell_ctr *c, size_t *n)
{
        json_object *pr = jmember(c->network, "ports");
        *n = pr && json_object_is_type(pr, json_type_array) ? json_object_array_length(pr) : 0;
        struct cell_net_port *v = xcalloc(*n + 1, sizeof(*v));
        for (size_t i = 0; i < *n; i++) {
                json_object *p = json_object_array_get_idx(pr, i);
                const char *ctr = jget(p, "container"), *ip = jget(p, "host_ip"), *hp = jget(p, "host_port");
                const char *slash = ctr ? strchr(ctr, '/') : NULL;
                snprintf(v[i].proto, sizeof(v[i].proto), "%s", slash ? slash + 1 : "tcp");
                snprintf(v[i].host_ip, sizeof(v[i].host_ip), "%s", ip && strcmp(ip, "0.0.0.0") != 0 ? ip : "");
                v[i].host_port = (uint16_t)(hp ? atoi(hp) : 0);
                v[i].ctr_port = (uint16_t)(ctr ? atoi(ctr) : 0);
        }
        return v;
}

/* Detach one endpoint (kernel side, then its lease); the network lock held.  The first
 * endpoint carries the published ports; the last one out removes the namespace file. */
static int endpoint_detach(struct cell_engine *e, const struct cell_ctr *c, json_object *ep, const char *netns,
                           bool with_ports, bool remove_netns, struct cell_error *err)
{
        const char *net = jget(ep, "network");
        struct cell_netrec r;
        struct cell_error ignored;
        bool have = net && cell_netstore_get(e->storage, net, &r, &ignored) == 0;
        struct cell_net_bridge b = {.name = net, .device = jget(ep, "device")};
        if (have)
                bridge_of(&r, &b);
        struct ep_bufs bufs;
        struct cell_net_endpoint x;
        endpoint_of(ep, c->id, netns, &bufs, &x);
        _cleanup_free_ struct cell_net_port *ports = NULL;
        if (with_ports) {
                ports = recorded_ports(c, &x.n_ports);
                x.ports = ports;
        }
        const char *driver = jget(ep, "driver");
        int rc = cell_netops_detach(driver && strcmp(driver, "bridge") == 0 ? &b : NULL, &x, remove_netns, err);
        if (rc == 0 && net)
                rc = cell_netstore_release(e->storage, net, c->id, err);
        if (have)
                cell_netrec_release(&r);
        return rc;
}

/* Leases of `c` on every network: what a SIGKILL between a lease and the record's save left. */
static int release_everywhere(struct cell_engine *e, const struct cell_ctr *c, struct cell_error *err)
{
        struct cell_netrec *l;
        size_t n;
        if (cell_netstore_list(e->storage, &l, &n, err) < 0)
                return -1;
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                if (rc == 0)
                        rc = cell_netstore_release(e->storage, l[i].name, c->id, err);
                cell_netrec_release(&l[i]);
        }
        free(l);
        return rc;
}

static int net_detach(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        json_object *eps = endpoints_of(c);
        const char *netns = jget(c->network, "netns");
        int lock = cell_netstore_lock(e->storage, err);
        if (lock < 0)
                return -1;
        int rc = 0;
        size_t n = eps ? json_object_array_length(eps) : 0;
        for (size_t i = n; i-- > 0 && rc == 0;)
                rc = endpoint_detach(e, c, json_object_array_get_idx(eps, i), netns, i == 0, i == 0, err);
        if (rc == 0 && n == 0 && netns)
                rc = cell_netops_netns_remove(netns, err);
        /* whatever was claimed before the record said so */
        if (rc == 0)
                rc = release_everywhere(e, c, err);
        if (rc == 0)
                rc = cell_ports_release(e->storage, c->id, err);
        if (rc == 0) {
                /* peers forget it: its own record still lists the endpoints, the leases no more */
                for (size_t i = 0; i < n; i++) {
                        const char *net = jget(json_object_array_get_idx(eps, i), "network");
                        if (net)
                                hosts_refresh(e, net, NULL);
                }
        }
        close(lock);
        if (rc == 0 && (n > 0 || netns)) {
                /* all gone: the record says so, and a second teardown (--rm after the
                 * exit's) spawns no cell-net; after the networks lock (lock order) */
                json_object_object_del(c->network, "endpoints");
                json_object_object_del(c->network, "ports");
                json_object_object_del(c->network, "netns");
                struct cell_error ignored;
                save_record(e, c, &ignored);
        }
        return rc;
}

/*
 * Networks lock held, the container running (its namespace made): one more
 * endpoint on `netname` (connect), without ports or default route: lease,
 * record, then the kernel; undone on failure.
 */
static int endpoint_add(struct cell_engine *e, struct cell_ctr *c, const char *netname, const char *want_ip,
                        json_object *aliases, struct cell_error *err)
{
        struct cell_netrec r;
        if (cell_netstore_get_or_default(e->storage, netname, &r, err) < 0)
                return -1;
        int rc = 0;
        char ip4[INET6_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN];
        json_object *eps = endpoints_of(c);
        const char *netns = jget(c->network, "netns");
        if (!eps || !netns)
                rc = cell_error_set(err, EINVAL, "container %s has no network namespace of cell's", c->name);
        else if (endpoint_on(c, r.name))
                rc = cell_error_set(err, EEXIST, "container %s is already connected to network %s", c->name, r.name);
        else
                rc = cell_netstore_lease(e->storage, &r, want_ip, c->id, ip4, ip6, err);
        if (rc < 0) {
                cell_netrec_release(&r);
                return -1;
        }
        json_object *req = json_object_new_object();
        json_object_object_add(req, "aliases", aliases ? json_object_get(aliases) : json_object_new_array());
        size_t index = json_object_array_length(eps);
        /* endpoint_record gives --ip/--alias of the request to eth0 only */
        json_object *ep = endpoint_record(c, &r, (int)index, ip4, ip6, NULL);
        json_object_object_add(ep, "aliases", json_object_get(jmember(req, "aliases")));
        json_object_object_add(ep, "default_route", json_object_new_boolean(false));
        json_object_put(req);
        json_object_array_add(eps, ep);
        struct cell_error ignored;
        rc = save_record(e, c, err);
        if (rc == 0)
                rc = kernel_attach(&r, ep, c->id, netns, NULL, 0, err);
        if (rc < 0) {
                eps = endpoints_of(c);
                if (endpoint_detach(e, c, json_object_array_get_idx(eps, index), netns, false, false, &ignored) == 0) {
                        json_object_array_del_idx(eps, index, 1);
                        save_record(e, c, &ignored);
                }
        } else {
                hosts_refresh(e, r.name, c);
        }
        cell_netrec_release(&r);
        return rc;
}

/* Under the networks lock: ports claimed, lease taken, record saved, then the kernel work. */
static int net_prepare_locked(struct cell_engine *e, struct cell_ctr *c, const struct cell_netrec *r,
                              struct cell_error *err)
{
        json_object *req = jmember(c->network, "request");
        _cleanup_free_ struct cell_port_map *maps = NULL;
        size_t n;
        ports_from_request(req, &maps, &n);
        if (cell_ports_claim(e->storage, maps, n, c->id, err) < 0)
                return -1;
        char ip4[INET6_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN];
        struct cell_error ignored;
        if (cell_netstore_lease(e->storage, r, jget(req, "ip"), c->id, ip4, ip6, err) < 0) {
                cell_ports_release(e->storage, c->id, &ignored);
                return -1;
        }
        _cleanup_free_ char *netns = netns_path(e, c);
        json_object *ep = endpoint_record(c, r, 0, ip4, ip6, req);
        json_object *eps = json_object_new_array();
        json_object_array_add(eps, ep);
        json_object_object_add(c->network, "netns", json_object_new_string(netns));
        json_object_object_add(c->network, "endpoints", eps);
        json_object_object_add(c->network, "ports", ports_record(maps, n));
        int rc = save_record(e, c, err);
        if (rc == 0)
                rc = kernel_attach(r, ep, c->id, netns, maps, n, err);
        if (rc < 0) {
                struct cell_net_endpoint x;
                struct ep_bufs bufs;
                struct cell_net_bridge b;
                bridge_of(r, &b);
                endpoint_of(ep, c->id, netns, &bufs, &x);
                _cleanup_free_ struct cell_net_port *ports = recorded_ports(c, &x.n_ports);
                x.ports = ports;
                if (cell_netops_detach(strcmp(r->driver, "bridge") == 0 ? &b : NULL, &x, true, &ignored) == 0) {
                        cell_netstore_release(e->storage, r->name, c->id, &ignored);
                        cell_ports_release(e->storage, c->id, &ignored);
                        json_object_object_del(c->network, "endpoints");
                        json_object_object_del(c->network, "ports");
                        save_record(e, c, &ignored);
                }
                return -1;
        }
        hosts_refresh(e, r->name, c);
        return 0;
}

static int net_prepare_held(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err);

/* Locks in one order everywhere: the container's record, then the networks lock. */
static int net_prepare(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        if (c->lock_fd >= 0)
                return net_prepare_held(e, c, err);
        if (cell_ctr_lock(e, c, err) < 0)
                return -1;
        int rc = net_prepare_held(e, c, err);
        cell_ctr_unlock(c);
        return rc;
}

static int net_prepare_held(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        if (!c->network)
                c->network = json_object_new_object();
        if (endpoints_of(c)) {
                /* a restart without the detach of the last exit (a crash): start over */
                struct cell_error e2;
                if (net_detach(e, c, &e2) < 0)
                        return cell_error_set(err, e2.errnum, "%s", e2.msg);
                json_object_object_del(c->network, "endpoints");
        }
        int lock = cell_netstore_lock(e->storage, err);
        if (lock < 0)
                return -1;
        struct cell_netrec r;
        int rc = cell_netstore_get_or_default(e->storage, c->network_mode, &r, err);
        if (rc == 0) {
                rc = net_prepare_locked(e, c, &r, err);
                cell_netrec_release(&r);
        }
        /* the networks `connect` added while it was stopped */
        json_object *more = jmember(jmember(c->network, "request"), "connect");
        for (size_t i = 0; rc == 0 && more && i < json_object_array_length(more); i++) {
                json_object *m = json_object_array_get_idx(more, i);
                rc = endpoint_add(e, c, jget(m, "network"), jget(m, "ip"), jmember(m, "aliases"), err);
        }
        close(lock);
        if (rc < 0 && endpoints_of(c)) {
                struct cell_error ignored;
                net_detach(e, c, &ignored);
        }
        return rc;
}

static const struct cell_net_driver net_driver = {
        .name = "network",
        .ns = CELL_NET_NS_PATH,
        .ns_path = net_ns_path,
        .prepare = net_prepare,
        .detach = net_detach,
};

static const struct cell_net_driver *const drivers[] = {
        &none_driver,
        &host_driver,
        &container_driver,
        &ns_driver,
        &cell_net_cni_driver,
};

const struct cell_net_driver *cell_net_driver_find(const char *mode, struct cell_error *err)
{
        if (strncmp(mode, "cni:", 4) == 0 && mode[4])
                return &cell_net_cni_driver;
        for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
                const char *n = drivers[i]->name;
                size_t l = strlen(n);
                if (n[l - 1] == ':' ? strncmp(n, mode, l) == 0 : strcmp(n, mode) == 0)
                        return drivers[i];
        }
        if (!*mode || strchr(mode, ':') || strchr(mode, '/')) {
                cell_error_set(err, 0, "network %s: not supported", mode);
                return NULL;
        }
        return &net_driver;
}

/* --- what the verbs show ---------------------------------------------------- */

static bool running(const struct cell_ctr *c)
{
        return c->state.status == CELL_CTR_RUNNING || c->state.status == CELL_CTR_PAUSED;
}

char *cell_net_ports_text(const struct cell_ctr *c)
{
        char *out = xstrdup("");
        json_object *ports;
        if (!running(c) || !c->network || !json_object_object_get_ex(c->network, "ports", &ports) ||
            !json_object_is_type(ports, json_type_array))
                return out;
        for (size_t i = 0; i < json_object_array_length(ports); i++) {
                json_object *p = json_object_array_get_idx(ports, i), *v;
                const char *ctr = json_object_object_get_ex(p, "container", &v) ? json_object_get_string(v) : "";
                const char *ip = json_object_object_get_ex(p, "host_ip", &v) ? json_object_get_string(v) : "0.0.0.0";
                const char *port = json_object_object_get_ex(p, "host_port", &v) ? json_object_get_string(v) : "";
                char *more = xasprintf("%s%s -> %s:%s\n", out, ctr, ip, port);
                free(out);
                out = more;
        }
        return out;
}

static json_object *jstr_or_empty(const char *s)
{
        return json_object_new_string(s ? s : "");
}

json_object *cell_net_settings_json(const struct cell_ctr *c)
{
        json_object *o = json_object_new_object();
        bool up = running(c);
        json_object *eps = up ? endpoints_of(c) : NULL;
        json_object *first = eps && json_object_array_length(eps) ? json_object_array_get_idx(eps, 0) : NULL;
        json_object_object_add(o, "NetworkMode", jstr_or_empty(c->network_mode));
        json_object_object_add(o, "SandboxKey", jstr_or_empty(up ? jget(c->network, "netns") : NULL));
        json_object_object_add(o, "IPAddress", jstr_or_empty(jget(first, "ip4")));
        json_object_object_add(o, "IPPrefixLen", json_object_new_int(jint(first, "prefix4")));
        json_object_object_add(o, "Gateway", jstr_or_empty(jget(first, "gateway4")));
        json_object_object_add(o, "GlobalIPv6Address", jstr_or_empty(jget(first, "ip6")));
        json_object_object_add(o, "IPv6Gateway", jstr_or_empty(jget(first, "gateway6")));
        json_object_object_add(o, "MacAddress", jstr_or_empty(jget(first, "mac")));
        json_object *ports = json_object_new_object();
        json_object *pr = up ? jmember(c->network, "ports") : NULL;
        for (size_t i = 0; pr && i < json_object_array_length(pr); i++) {
                json_object *p = json_object_array_get_idx(pr, i);
                json_object *arr = jmember(ports, jget(p, "container"));
                if (!arr) {
                        arr = json_object_new_array();
                        json_object_object_add(ports, jget(p, "container"), arr);
                }
                json_object *b = json_object_new_object();
                json_object_object_add(b, "HostIp", jstr_or_empty(jget(p, "host_ip")));
                json_object_object_add(b, "HostPort", jstr_or_empty(jget(p, "host_port")));
                json_object_array_add(arr, b);
        }
        json_object_object_add(o, "Ports", ports);
        json_object *nets = json_object_new_object();
        for (size_t i = 0; eps && i < json_object_array_length(eps); i++) {
                json_object *ep = json_object_array_get_idx(eps, i), *n = json_object_new_object();
                json_object_object_add(n, "NetworkID", jstr_or_empty(jget(ep, "network_id")));
                json_object_object_add(n, "EndpointID", jstr_or_empty(c->id));
                json_object_object_add(n, "IPAddress", jstr_or_empty(jget(ep, "ip4")));
                json_object_object_add(n, "IPPrefixLen", json_object_new_int(jint(ep, "prefix4")));
                json_object_object_add(n, "Gateway", jstr_or_empty(jget(ep, "gateway4")));
                json_object_object_add(n, "GlobalIPv6Address", jstr_or_empty(jget(ep, "ip6")));
                json_object_object_add(n, "IPv6Gateway", jstr_or_empty(jget(ep, "gateway6")));
                json_object_object_add(n, "MacAddress", jstr_or_empty(jget(ep, "mac")));
                json_object *al = jmember(ep, "aliases");
                json_object_object_add(n, "Aliases", al ? json_object_get(al) : json_object_new_array());
                json_object_object_add(nets, jget(ep, "network") ? jget(ep, "network") : "", n);
        }
        json_object_object_add(o, "Networks", nets);
        return o;
}

/* --- create-time checks ----------------------------------------------------- */

static json_object *publish_json(const struct cell_port_map *maps, size_t n)
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                json_object *p = json_object_new_object();
                jadd(p, "proto", maps[i].proto);
                jadd(p, "host_ip", maps[i].host_ip);
                json_object_object_add(p, "host_port", json_object_new_int(maps[i].host_port));
                json_object_object_add(p, "host_lo", json_object_new_int(maps[i].host_lo));
                json_object_object_add(p, "host_hi", json_object_new_int(maps[i].host_hi));
                json_object_object_add(p, "ctr_port", json_object_new_int(maps[i].ctr_port));
                json_object_array_add(a, p);
        }
        return a;
}

static int check_ip(const char *ip, const char *what, struct cell_error *err)
{
        char buf[INET6_ADDRSTRLEN];
        if (cell_ip_canonical(ip, NULL, buf, sizeof(buf)) < 0)
                return cell_error_set(err, EINVAL, "invalid argument \"%s\" for \"%s\" flag: not an IP address",
                                      ip, what);
        return 0;
}

static int check_mode(struct cell_engine *e, const char *mode, const struct cell_net_opts *o,
                      struct cell_error *err)
{
        bool has_ports = (o->publish && o->publish[0]) || o->publish_all;
        const struct cell_net_driver *d = cell_net_driver_find(mode, err);
        if (!d)
                return -1;
        if (d != &net_driver && d != &cell_net_cni_driver) {
                if (has_ports)
                        return cell_error_set(err, EINVAL,
                                              "conflicting options: port publishing and the container type network mode %s",
                                              mode);
                if (o->ip || (o->aliases && o->aliases[0]))
                        return cell_error_set(err, EINVAL, "--ip and --network-alias need a network, not %s", mode);
        }
        if (d == &container_driver) {
                struct cell_ctr t;
                int r = cell_ctr_lookup(e, mode + strlen("container:"), false, &t, err);
                bool up = r == 0 && t.state.pid > 0 && running(&t);
                cell_ctr_release(&t);
                if (r < 0)
                        return cell_error_prefix(err, "network %s", mode);
                if (!up)
                        return cell_error_set(err, EINVAL, "network %s: container %s is not running", mode,
                                              mode + strlen("container:"));
        }
        if (d == &ns_driver && access(mode + 3, F_OK) < 0)
                return cell_error_errno(err, "network %s: namespace file %s", mode, mode + 3);
        if (d != &net_driver)
                return 0;
        if (!is_user_network(mode) && (o->ip || (o->aliases && o->aliases[0])))
                return cell_error_set(err, EINVAL,
                                      "user specified IP address and network aliases are supported on user defined networks only");
        if (!is_user_network(mode))
                return 0;
        struct cell_netrec r;
        if (cell_netstore_get(e->storage, mode, &r, err) < 0)
                return -1;
        int rc = 0;
        if (o->ip) {
                struct cell_cidr c;
                char buf[INET6_ADDRSTRLEN];
                if (cell_ip_canonical(o->ip, NULL, buf, sizeof(buf)) < 0)
                        rc = cell_error_set(err, EINVAL, "invalid IP address %s", o->ip);
                else if (!r.subnet4 || cell_cidr_parse(r.subnet4, &c, err) < 0 || !cell_cidr_contains(&c, buf))
                        rc = cell_error_set(err, EINVAL, "address %s is not in subnet %s of network %s", o->ip,
                                            r.subnet4 ? r.subnet4 : "(none)", r.name);
        }
        cell_netrec_release(&r);
        return rc;
}

json_object *cell_net_request(struct cell_engine *e, const char *mode, const struct cell_net_opts *o,
                              json_object *image_config, struct cell_error *err)
{
        if (check_mode(e, mode, o, err) < 0)
                return NULL;
        _cleanup_free_ struct cell_port_map *maps = NULL;
        size_t n = 0;
        for (const char *const *p = o->publish; p && *p; p++)
                if (cell_ports_parse(*p, &maps, &n, err) < 0)
                        return NULL;
        json_object *cfg = jmember(image_config, "config");
        if (o->publish_all && cell_ports_exposed(jmember(cfg, "ExposedPorts"), &maps, &n, err) < 0)
                return NULL;
        for (const char *const *d = o->dns; d && *d; d++)
                if (check_ip(*d, "--dns", err) < 0)
                        return NULL;
        for (const char *const *h = o->add_host; h && *h; h++) {
                const char *colon = strchr(*h, ':');
                if (!colon || colon == *h)
                        return cell_error_set(err, EINVAL, "invalid argument \"%s\" for \"--add-host\" flag: want NAME:IP", *h),
                               NULL;
                const char *ip = colon + 1;
                if (strcmp(ip, "host-gateway") != 0 && check_ip(ip, "--add-host", err) < 0)
                        return NULL;
        }
        if (o->mac) {
                unsigned b[6];
                char tail;
                if (sscanf(o->mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
                        return cell_error_set(err, EINVAL, "invalid argument \"%s\" for \"--mac-address\" flag", o->mac),
                               NULL;
        }
        json_object *req = json_object_new_object();
        json_object_object_add(req, "publish", publish_json(maps, n));
        jadd(req, "ip", o->ip);
        json_object_object_add(req, "aliases", jstrv(o->aliases));
        json_object_object_add(req, "dns", jstrv(o->dns));
        json_object_object_add(req, "add_host", jstrv(o->add_host));
        jadd(req, "mac", o->mac);
        return req;
}

json_object *cell_net_port_bindings(json_object *request)
{
        json_object *o = json_object_new_object();
        json_object *pub = jmember(request, "publish");
        for (size_t i = 0; pub && i < json_object_array_length(pub); i++) {
                json_object *p = json_object_array_get_idx(pub, i);
                char key[16], hp[8] = "";
                snprintf(key, sizeof(key), "%d/%s", jint(p, "ctr_port"), jget(p, "proto") ? jget(p, "proto") : "tcp");
                if (jint(p, "host_port"))
                        snprintf(hp, sizeof(hp), "%d", jint(p, "host_port"));
                json_object *arr = jmember(o, key);
                if (!arr) {
                        arr = json_object_new_array();
                        json_object_object_add(o, key, arr);
                }
                json_object *b = json_object_new_object();
                json_object_object_add(b, "HostIp", json_object_new_string(jget(p, "host_ip") ? jget(p, "host_ip") : ""));
                json_object_object_add(b, "HostPort", json_object_new_string(hp));
                json_object_array_add(arr, b);
        }
        return o;
}

void cell_net_etc_files(const char *mode, const char *hostname, json_object *request, char **hosts,
                        char **resolv)
{
        struct cell_error ignored;
        _cleanup_free_ char *host_resolv = NULL;
        cell_read_file("/etc/resolv.conf", &host_resolv, NULL, &ignored);
        json_object *dns = jmember(request, "dns");
        size_t nd = dns ? json_object_array_length(dns) : 0;
        const char **dv = xcalloc(nd + 1, sizeof(char *));
        for (size_t i = 0; i < nd; i++)
                dv[i] = json_object_get_string(json_object_array_get_idx(dns, i));
        /* host and a joined namespace: the host's file as it is (their resolvers work there) */
        bool own_stack = strcmp(mode, "host") != 0 && strncmp(mode, "container:", 10) != 0 &&
                         strncmp(mode, "ns:", 3) != 0;
        *resolv = own_stack || nd ? cell_resolv_text(host_resolv, dv) : xstrdup(host_resolv ? host_resolv : "");
        free(dv);
        *hosts = NULL;
        if (strcmp(mode, "host") == 0 && cell_read_file("/etc/hosts", hosts, NULL, &ignored) == 0)
                return;
        const char *names[] = {hostname, NULL};
        struct cell_hosts_entry self = {.ip = NULL, .names = names};
        json_object *ah = jmember(request, "add_host");
        size_t na = ah ? json_object_array_length(ah) : 0;
        struct cell_hosts_entry *extra = xcalloc(na + 1, sizeof(*extra));
        char **hn = xcalloc(na + 1, sizeof(char *));
        const char ***nv = xcalloc(na + 1, sizeof(char **));
        for (size_t i = 0; i < na; i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(ah, i));
                hn[i] = xstrndup(s, strcspn(s, ":"));
                nv[i] = xcalloc(2, sizeof(char *));
                nv[i][0] = hn[i];
                extra[i] = (struct cell_hosts_entry){.ip = s + strlen(hn[i]) + 1, .names = nv[i]};
        }
        *hosts = cell_hosts_text(&self, NULL, 0, extra, na);
        for (size_t i = 0; i < na; i++) {
                free(hn[i]);
                free(nv[i]);
        }
        free(hn);
        free(nv);
        free(extra);
}

/* --- network rm ------------------------------------------------------------ */

int cell_engine_network_remove(struct cell_engine *e, const char *name, struct cell_error *err)
{
        if (strcmp(name, "none") == 0 || strcmp(name, "host") == 0)
                return cell_error_set(err, EPERM, "%s is a pre-defined network and cannot be removed", name);
        int lock = cell_netstore_lock(e->storage, err);
        if (lock < 0)
                return -1;
        struct cell_netrec r;
        int rc = cell_netstore_get(e->storage, name, &r, err);
        if (rc == 0) {
                json_object *l = cell_netstore_leases(e->storage, r.name);
                bool busy = json_object_object_length(l) > 0;
                json_object_put(l);
                struct cell_net_bridge b;
                bridge_of(&r, &b);
                if (!busy && strcmp(r.driver, "bridge") == 0)
                        rc = cell_netops_network_down(&b, err);
                if (rc == 0)
                        rc = cell_netstore_remove(e->storage, &r, err);
                cell_netrec_release(&r);
        }
        close(lock);
        return rc;
}

/* --- network connect / disconnect -------------------------------------------- */

static bool connectable(const struct cell_ctr *c)
{
        return cell_net_driver_find(c->network_mode ? c->network_mode : "none", &(struct cell_error){0}) ==
               &net_driver;
}

static json_object *connect_list(struct cell_ctr *c)
{
        if (!c->network)
                c->network = json_object_new_object();
        json_object *req = jmember(c->network, "request");
        if (!req) {
                req = json_object_new_object();
                json_object_object_add(c->network, "request", req);
        }
        json_object *l = jmember(req, "connect");
        if (!l) {
                l = json_object_new_array();
                json_object_object_add(req, "connect", l);
        }
        return l;
}

static int connected_index(json_object *l, const char *name)
{
        for (size_t i = 0; i < json_object_array_length(l); i++) {
                const char *n = jget(json_object_array_get_idx(l, i), "network");
                if (n && strcmp(n, name) == 0)
                        return (int)i;
        }
        return -1;
}

static int connect_locked(struct cell_engine *e, struct cell_ctr *c, const struct cell_netrec *r, const char *ip,
                          const char *const *aliases, struct cell_error *err)
{
        if (!connectable(c))
                return cell_error_set(err, EINVAL, "container %s: network mode %s cannot join other networks",
                                      c->name, c->network_mode);
        json_object *l = connect_list(c);
        if (strcmp(c->network_mode, r->name) == 0 || connected_index(l, r->name) >= 0)
                return cell_error_set(err, EEXIST, "container %s is already connected to network %s", c->name,
                                      r->name);
        if (ip && !is_user_network(r->name))
                return cell_error_set(err, EINVAL,
                                      "user specified IP address is supported on user defined networks only");
        json_object *m = json_object_new_object();
        jadd(m, "network", r->name);
        jadd(m, "ip", ip);
        json_object_object_add(m, "aliases", jstrv(aliases));
        if (running(c)) {
                int lock = cell_netstore_lock(e->storage, err);
                if (lock < 0) {
                        json_object_put(m);
                        return -1;
                }
                int rc = endpoint_add(e, c, r->name, ip, jmember(m, "aliases"), err);
                close(lock);
                if (rc < 0) {
                        json_object_put(m);
                        return -1;
                }
        }
        json_object_array_add(connect_list(c), m);
        return cell_ctr_save(e, c, err);
}

int cell_engine_network_connect(struct cell_engine *e, const char *network, const char *container,
                                const char *ip, const char *const *aliases, struct cell_error *err)
{
        struct cell_netrec r;
        if (cell_netstore_get(e->storage, network, &r, err) < 0)
                return -1;
        struct cell_ctr c;
        int rc = cell_ctr_lookup(e, container, true, &c, err);
        if (rc == 0)
                rc = connect_locked(e, &c, &r, ip, aliases, err);
        cell_ctr_release(&c);
        cell_netrec_release(&r);
        return rc;
}

static int disconnect_locked(struct cell_engine *e, struct cell_ctr *c, const char *net, struct cell_error *err)
{
        json_object *l = connect_list(c);
        int li = connected_index(l, net);
        json_object *ep = running(c) ? endpoint_on(c, net) : NULL;
        if (li < 0 && !ep)
                return cell_error_set(err, ENOENT, "container %s is not connected to network %s", c->name, net);
        if (ep) {
                json_object *eps = endpoints_of(c);
                size_t idx = 0;
                while (json_object_array_get_idx(eps, idx) != ep)
                        idx++;
                int lock = cell_netstore_lock(e->storage, err);
                if (lock < 0)
                        return -1;
                int rc = endpoint_detach(e, c, ep, jget(c->network, "netns"), idx == 0, false, err);
                if (rc == 0 && idx == 0) {
                        rc = cell_ports_release(e->storage, c->id, err);
                        json_object_object_del(c->network, "ports");
                }
                if (rc == 0) {
                        json_object_array_del_idx(eps, idx, 1);
                        rc = save_record(e, c, err);
                        hosts_refresh(e, net, c);
                }
                close(lock);
                if (rc < 0)
                        return -1;
        }
        if (li >= 0)
                json_object_array_del_idx(l, (size_t)li, 1);
        return cell_ctr_save(e, c, err);
}

int cell_engine_network_disconnect(struct cell_engine *e, const char *network, const char *container,
                                   struct cell_error *err)
{
        struct cell_netrec r;
        if (cell_netstore_get(e->storage, network, &r, err) < 0)
                return -1;
        struct cell_ctr c;
        int rc = cell_ctr_lookup(e, container, true, &c, err);
        if (rc == 0)
                rc = disconnect_locked(e, &c, r.name, err);
        cell_ctr_release(&c);
        cell_netrec_release(&r);
        return rc;
}
