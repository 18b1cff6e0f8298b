/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell-net: the kernel plumbing of a container's network, one operation per
 * run (DESIGN.md "Why a helper program": libmnl and libnftables exist here
 * only as glibc shared objects, cell is static musl).  The engine's
 * src/net/netops.c is the only client; the runtime (cell-oci) never runs it.
 *
 * Protocol: one JSON object on stdin; on success `{"ok":true}` on stdout and
 * exit 0; on failure one line on stderr naming the object and the reason,
 * exit 1, and whatever this run made is undone.
 *
 *   {"op": "network_up" | "network_down" | "attach" | "detach"
 *          | "netns_create" | "netns_remove",
 *    "bridge": {                      network_up/down; attach of a bridge endpoint
 *      "name": "bridge", "device": "cell0",
 *      "subnet4": "10.88.0.0/16", "gateway4": "10.88.0.1",
 *      "subnet6": "fd00::/64", "gateway6": "fd00::1",      (optional)
 *      "mtu": 1500, "internal": false},                     (optional)
 *    "endpoint": {                    attach/detach
 *      "id": "<64 hex>", "netns": "/run/.../netns/<id>",
 *      "driver": "bridge" | "macvlan",
 *      "host_ifname": "vethXXXXXXXXXXX",                     (bridge)
 *      "parent": "eth0",                                     (macvlan)
 *      "ifname": "eth0", "mac": "02:..",                     (mac optional)
 *      "addr4": "10.88.0.5/16", "addr6": "fd00::5/64",       (optional)
 *      "gateway4", "gateway6", "mtu",                        (macvlan; optional)
 *      "default_route": true,
 *      "ports": [{"proto": "tcp"|"udp", "host_ip": ""|"0.0.0.0"|"A.B.C.D",
 *                 "host_port": 8080, "ctr_port": 80}]},
 *    "remove_netns": true,            detach
 *    "path": "/run/.../netns/x"}      netns_create/remove
 *
 * Absent strings are absent keys (or null).  detach needs only what a record
 * kept: id, netns, driver, host_ifname/ifname, ports (addr4 too, so that a
 * port another container holds now is left alone).  Published ports are IPv4 (a
 * container without addr4 cannot publish); macvlan endpoints ignore ports.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/netops.h"
#include "net/nft.h"
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define REQUEST_MAX (1024 * 1024)

struct request {
        const char *op;
        bool has_bridge;
        struct cell_net_bridge bridge;
        bool has_endpoint;
        struct cell_net_endpoint ep;
        struct cell_net_port *ports;
        bool remove_netns;
        const char *path;
};

static const char *get_str(json_object *o, const char *key)
{
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        const char *s = json_object_get_string(v);
        return *s ? s : NULL;
}

static int64_t get_int(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v))
                return 0;
        return json_object_get_int64(v);
}

static bool get_bool(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* Names go into nft commands and netlink: letters, digits, "-_.:" only. */
static int check_name(const char *what, const char *v, size_t max, struct cell_error *err)
{
        if (!v)
                return 0;
        size_t n = strlen(v);
        if (n == 0 || n > max)
                return cell_error_set(err, 0, "%s '%s': empty or longer than %zu", what, v, max);
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)v[i]) && !strchr("-_.:", v[i]))
                        return cell_error_set(err, 0, "%s '%s': invalid character", what, v);
        return 0;
}

/* Addresses go into nft commands: a valid IP, an optional /prefix. */
static int check_addr(const char *what, const char *v, struct cell_error *err)
{
        if (!v)
                return 0;
        char buf[INET6_ADDRSTRLEN + 8];
        unsigned char bin[16];
        if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
                return cell_error_set(err, 0, "%s '%s': invalid address", what, v);
        char *slash = strchr(buf, '/');
        long prefix = 0;
        if (slash) {
                char *end;
                prefix = strtol(slash + 1, &end, 10);
                if (*end || end == slash + 1 || prefix < 0)
                        return cell_error_set(err, 0, "%s '%s': invalid prefix", what, v);
                *slash = '\0';
        }
        int max = 32;
        if (inet_pton(AF_INET, buf, bin) != 1) {
                if (inet_pton(AF_INET6, buf, bin) != 1)
                        return cell_error_set(err, 0, "%s '%s': invalid address", what, v);
                max = 128;
        }
        if (prefix > max)
                return cell_error_set(err, 0, "%s '%s': prefix longer than %d", what, v, max);
        return 0;
}

static int parse_bridge(json_object *o, struct cell_net_bridge *b, struct cell_error *err)
{
        b->name = get_str(o, "name");
        b->device = get_str(o, "device");
        b->subnet4 = get_str(o, "subnet4");
        b->gateway4 = get_str(o, "gateway4");
        b->subnet6 = get_str(o, "subnet6");
        b->gateway6 = get_str(o, "gateway6");
        b->mtu = (int)get_int(o, "mtu");
        b->internal = get_bool(o, "internal");
        if (!b->name || !b->device)
                return cell_error_set(err, 0,
                                      "bridge network: \"name\" and \"device\" are required");
        if (check_name("network", b->name, 128, err) < 0 ||
            check_name("bridge", b->device, 15, err) < 0 ||
            check_addr("subnet", b->subnet4, err) < 0 ||
            check_addr("gateway", b->gateway4, err) < 0 ||
            check_addr("subnet", b->subnet6, err) < 0 ||
            check_addr("gateway", b->gateway6, err) < 0)
                return -1;
        if (b->mtu < 0 || b->mtu > 65535)
                return cell_error_set(err, 0, "network %s: invalid mtu %d", b->name, b->mtu);
        return 0;
}

static int parse_port(json_object *o, struct cell_net_port *p, struct cell_error *err)
{
        const char *proto = get_str(o, "proto");
        const char *ip = get_str(o, "host_ip");
        int64_t hp = get_int(o, "host_port"), cp = get_int(o, "ctr_port");
        if (!proto || (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
                return cell_error_set(err, 0, "port %lld: protocol '%s' is not tcp or udp",
                                      (long long)hp, proto ? proto : "");
        if (hp < 1 || hp > 65535 || cp < 1 || cp > 65535)
                return cell_error_set(err, 0, "port %lld:%lld/%s: outside 1-65535", (long long)hp,
                                      (long long)cp, proto);
        unsigned char bin[4];
        if (ip && strcmp(ip, "0.0.0.0") != 0 && inet_pton(AF_INET, ip, bin) != 1)
                return cell_error_set(err, 0, "port %lld/%s: host address '%s' is not IPv4",
                                      (long long)hp, proto, ip);
        snprintf(p->proto, sizeof(p->proto), "%s", proto);
        snprintf(p->host_ip, sizeof(p->host_ip), "%s", ip ? ip : "");
        p->host_port = (uint16_t)hp;
        p->ctr_port = (uint16_t)cp;
        return 0;
}

static int parse_endpoint(json_object *o, struct request *r, struct cell_error *err)
{
        struct cell_net_endpoint *ep = &r->ep;
        ep->id = get_str(o, "id");
        ep->netns = get_str(o, "netns");
        ep->driver = get_str(o, "driver");
        ep->host_ifname = get_str(o, "host_ifname");
        ep->parent = get_str(o, "parent");
        ep->ifname = get_str(o, "ifname");
        ep->mac = get_str(o, "mac");
        ep->addr4 = get_str(o, "addr4");
        ep->addr6 = get_str(o, "addr6");
        ep->gateway4 = get_str(o, "gateway4");
        ep->gateway6 = get_str(o, "gateway6");
        ep->mtu = (int)get_int(o, "mtu");
        ep->default_route = get_bool(o, "default_route");
        if (!ep->id || !ep->netns || !ep->driver || !ep->ifname)
                return cell_error_set(err, 0,
                                      "endpoint: \"id\", \"netns\", \"driver\" and "
                                      "\"ifname\" are required");
        if (check_name("container id", ep->id, 64, err) < 0 ||
            check_name("interface", ep->ifname, 15, err) < 0 ||
            check_name("interface", ep->host_ifname, 15, err) < 0 ||
            check_name("interface", ep->parent, 15, err) < 0 ||
            check_addr("address", ep->addr4, err) < 0 ||
            check_addr("address", ep->addr6, err) < 0 ||
            check_addr("gateway", ep->gateway4, err) < 0 ||
            check_addr("gateway", ep->gateway6, err) < 0)
                return -1;
        bool bridge = strcmp(ep->driver, "bridge") == 0;
        if (!bridge && strcmp(ep->driver, "macvlan") != 0)
                return cell_error_set(err, 0, "endpoint: unknown driver '%s'", ep->driver);
        if (bridge && !ep->host_ifname)
                return cell_error_set(
                        err, 0, "endpoint %s: a bridge endpoint needs \"host_ifname\"", ep->ifname);
        if (!bridge && !ep->parent)
                return cell_error_set(err, 0, "endpoint %s: macvlan needs \"parent\"", ep->ifname);
        json_object *ports;
        if (json_object_object_get_ex(o, "ports", &ports) &&
            json_object_is_type(ports, json_type_array)) {
                size_t n = json_object_array_length(ports);
                r->ports = xcalloc(n ? n : 1, sizeof(*r->ports));
                for (size_t i = 0; i < n; i++)
                        if (parse_port(json_object_array_get_idx(ports, i), &r->ports[i], err) < 0)
                                return -1;
                ep->ports = r->ports;
                ep->n_ports = n;
        }
        return 0;
}

static int parse_request(json_object *o, struct request *r, struct cell_error *err)
{
        r->op = get_str(o, "op");
        if (!r->op)
                return cell_error_set(err, 0, "request: \"op\" is missing");
        json_object *v;
        if (json_object_object_get_ex(o, "bridge", &v) &&
            json_object_is_type(v, json_type_object)) {
                r->has_bridge = true;
                if (parse_bridge(v, &r->bridge, err) < 0)
                        return -1;
        }
        if (json_object_object_get_ex(o, "endpoint", &v) &&
            json_object_is_type(v, json_type_object)) {
                r->has_endpoint = true;
                if (parse_endpoint(v, r, err) < 0)
                        return -1;
        }
        r->remove_netns = get_bool(o, "remove_netns");
        r->path = get_str(o, "path");
        return 0;
}

/* "10.88.0.1" + "10.88.0.0/16" -> "10.88.0.1/16" (caller frees). */
static char *gateway_cidr(const char *gateway, const char *subnet)
{
        const char *slash = strchr(subnet, '/');
        return xasprintf("%s/%s", gateway,
                         slash ? slash + 1 : (strchr(gateway, ':') ? "128" : "32"));
}

/* "10.88.0.5/16" -> "10.88.0.5" (caller frees); NULL -> NULL. */
static char *bare_ip(const char *cidr)
{
        return cidr ? xstrndup(cidr, strcspn(cidr, "/")) : NULL;
}

/* The network's host side: forwarding, the bridge and its gateways, nft. */
static int op_network_up(const struct cell_net_bridge *b, struct cell_error *err)
{
        if ((b->subnet4 && !b->gateway4) || (b->subnet6 && !b->gateway6))
                return cell_error_set(err, 0, "network %s: a subnet without a gateway", b->name);
        if (b->subnet4 && cell_sysctl_set("net/ipv4/ip_forward", "1", err) < 0)
                return cell_error_prefix(err, "network %s", b->name);
        if (b->subnet6 && cell_sysctl_set("net/ipv6/conf/all/forwarding", "1", err) < 0)
                return cell_error_prefix(err, "network %s", b->name);
        struct cell_nl nl = {0};
        if (cell_nl_open(&nl, err) < 0)
                return -1;
        int made = cell_nl_bridge_add(&nl, b->device, b->mtu, err);
        int rc = made < 0 ? -1 : 0;
        int idx = rc < 0 ? -1 : cell_nl_ifindex(&nl, b->device, err);
        if (rc == 0 && idx <= 0)
                rc = idx < 0 ? -1 : cell_error_set(err, ENODEV, "bridge %s", b->device);
        if (rc == 0 && b->subnet4) {
                _cleanup_free_ char *gw = gateway_cidr(b->gateway4, b->subnet4);
                rc = cell_nl_addr_add(&nl, b->device, idx, gw, true, err);
        }
        if (rc == 0 && b->subnet6) {
                _cleanup_free_ char *gw = gateway_cidr(b->gateway6, b->subnet6);
                rc = cell_nl_addr_add(&nl, b->device, idx, gw, true, err);
        }
        if (rc == 0 && b->subnet4) {
                _cleanup_free_ char *key = xasprintf("net/ipv4/conf/%s/route_localnet", b->device);
                rc = cell_sysctl_set(key, "1", err);
        }
        if (rc == 0) {
                struct cell_nft nft = {0};
                rc = cell_nft_open(&nft, err);
                if (rc == 0)
                        rc = cell_nft_network_up(&nft, b, err);
                cell_nft_close(&nft);
        }
        if (rc < 0 && made > 0) {
                struct cell_error ignored = {0};
                cell_nl_link_del(&nl, b->device, &ignored);
        }
        cell_nl_close(&nl);
        return rc < 0 ? cell_error_prefix(err, "network %s", b->name) : 0;
}

static int op_network_down(const struct cell_net_bridge *b, struct cell_error *err)
{
        struct cell_nft nft = {0};
        int rc = cell_nft_open(&nft, err);
        if (rc == 0)
                rc = cell_nft_network_down(&nft, b, err);
        cell_nft_close(&nft);
        if (rc < 0)
                return -1;
        struct cell_nl nl = {0};
        if (cell_nl_open(&nl, err) < 0)
                return -1;
        rc = cell_nl_link_del(&nl, b->device, err);
        cell_nl_close(&nl);
        return rc < 0 ? cell_error_prefix(err, "network %s", b->name) : 0;
}

/* Inside the namespace: addresses, up, default routes. */
static int configure_inside(int nsfd, const struct cell_net_endpoint *ep, const char *gw4,
                            const char *gw6, struct cell_error *err)
{
        struct cell_nl nl = {0};
        if (cell_nl_open_in(&nl, nsfd, err) < 0)
                return -1;
        int idx = cell_nl_ifindex(&nl, ep->ifname, err);
        int rc = idx > 0   ? 0
                 : idx < 0 ? -1
                           : cell_error_set(err, ENODEV, "interface %s", ep->ifname);
        if (rc == 0 && ep->addr4)
                rc = cell_nl_addr_add(&nl, ep->ifname, idx, ep->addr4, false, err);
        if (rc == 0 && ep->addr6)
                rc = cell_nl_addr_add(&nl, ep->ifname, idx, ep->addr6, false, err);
        if (rc == 0)
                rc = cell_nl_link_set(&nl, ep->ifname, idx, 0, 0, err);
        if (rc == 0 && ep->default_route && ep->addr4 && gw4)
                rc = cell_nl_route_default(&nl, ep->ifname, idx, gw4, err);
        if (rc == 0 && ep->default_route && ep->addr6 && gw6)
                rc = cell_nl_route_default(&nl, ep->ifname, idx, gw6, err);
        cell_nl_close(&nl);
        return rc;
}

/* Deletes `ifname` inside the namespace file `netns` (gone already: 0). */
static int del_inside(const char *netns, const char *ifname, struct cell_error *err)
{
        _cleanup_close_ int fd = open(netns, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : cell_error_errno(err, "network namespace %s", netns);
        struct cell_nl nl = {0};
        if (cell_nl_open_in(&nl, fd, err) < 0)
                return -1;
        int rc = cell_nl_link_del(&nl, ifname, err);
        cell_nl_close(&nl);
        return rc;
}

/* What attach made, for undoing it on failure. */
struct attach_made {
        bool netns, link, ports;
};

/*
 * The published ports of an attach: their nft transaction (~1 ms: libnftables'
 * context, its cache fetch, the commit) runs on a thread of its own while
 * attach_steps makes the links, so that the two overlap.  The thread stays in
 * the host's namespace (made before attach_steps switches any), the links'
 * work is on another socket.  A port that clashes fails the attach after the
 * links, which are undone like any other failure's.
 */
struct ports_job {
        const struct cell_net_endpoint *ep;
        struct cell_nft *nft;
        int rc;
        bool added;
        struct cell_error err;
};

static void *ports_job_run(void *arg)
{
        struct ports_job *j = arg;
        _cleanup_free_ char *ip4 = bare_ip(j->ep->addr4);
        j->rc = cell_nft_open(j->nft, &j->err);
        if (j->rc == 0)
                j->rc = cell_nft_ports_add(j->nft, j->ep->id, ip4, j->ep->ports, j->ep->n_ports,
                                           &j->err);
        j->added = j->rc == 0;
        return NULL;
}

static int attach_steps(const struct cell_net_bridge *b, const struct cell_net_endpoint *ep,
                        struct cell_nl *nl, struct attach_made *made, struct cell_error *err)
{
        /* the caller refuses a bridge endpoint without its bridge */
        bool bridge = b && strcmp(ep->driver, "bridge") == 0;
        int master = 0;
        if (bridge) {
                master = cell_nl_ifindex(nl, b->device, err);
                if (master < 0)
                        return -1;
                if (master == 0)
                        return cell_error_set(err, 0, "network %s: bridge %s does not exist",
                                              b->name, b->device);
        }
        if (cell_netns_file_create(ep->netns, &made->netns, err) < 0)
                return -1;
        _cleanup_close_ int nsfd = open(ep->netns, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return cell_error_errno(err, "network namespace %s", ep->netns);
        int mtu = b && bridge ? b->mtu : ep->mtu;
        const char *gw4 = ep->gateway4, *gw6 = ep->gateway6;
        if (b) {
                gw4 = gw4 ? gw4 : b->gateway4;
                gw6 = gw6 ? gw6 : b->gateway6;
        }
        if (bridge) {
                int r = cell_nl_veth_add(nl, ep->host_ifname, master, ep->ifname, nsfd, ep->mac,
                                         mtu, err);
                if (r < 0 && err->errnum == EEXIST &&
                    cell_nl_is_port(nl, ep->host_ifname, "veth", master)) {
                        /* This container's previous veth, still on the bridge: its
                         * namespace is being destroyed (detach leaves that to the
                         * kernel) or a crash left it.  Delete it now and retry. */
                        cell_error_clear(err);
                        if (cell_nl_link_del(nl, ep->host_ifname, err) < 0)
                                return -1;
                        r = cell_nl_veth_add(nl, ep->host_ifname, master, ep->ifname, nsfd,
                                             ep->mac, mtu, err);
                }
                if (r < 0)
                        return -1;
                made->link = true;
        } else {
                if (cell_nl_macvlan_add(nl, ep->ifname, ep->parent, nsfd, ep->mac, mtu, err) < 0)
                        return -1;
                made->link = true;
        }
        if (configure_inside(nsfd, ep, gw4, gw6, err) < 0)
                return cell_error_prefix(err, "network namespace %s", ep->netns);
        return 0;
}

static int op_attach(const struct cell_net_bridge *b, const struct cell_net_endpoint *ep,
                     struct cell_error *err)
{
        bool bridge = strcmp(ep->driver, "bridge") == 0;
        if (bridge && !b)
                return cell_error_set(err, 0,
                                      "attach container %.12s: a bridge endpoint needs "
                                      "\"bridge\"",
                                      ep->id);
        if (bridge && ep->n_ports && !ep->addr4)
                return cell_error_set(err, 0,
                                      "attach container %.12s: published ports need an "
                                      "IPv4 address",
                                      ep->id);
        struct cell_nl nl = {0};
        if (cell_nl_open(&nl, err) < 0)
                return -1;
        struct cell_nft nft = {0};
        struct attach_made made = {0};
        struct ports_job job = {.ep = ep, .nft = &nft};
        pthread_t tid;
        bool ports = bridge && ep->n_ports, threaded = false;
        if (ports)
                threaded = pthread_create(&tid, NULL, ports_job_run, &job) == 0;
        if (ports && !threaded)
                ports_job_run(&job);
        int rc;
        if (!threaded && job.rc < 0) {
                *err = job.err;
                rc = -1;
        } else {
                rc = attach_steps(b, ep, &nl, &made, err);
        }
        if (threaded)
                pthread_join(tid, NULL);
        made.ports = job.added;
        /* Both failed: a clashing port is what the user must change; else the
         * links' error (a missing bridge explains a missing table too). */
        if (threaded && job.rc < 0) {
                if (rc == 0 || job.err.errnum == EEXIST)
                        *err = job.err;
                rc = -1;
        }
        if (rc < 0) {
                /* Undo in reverse. */
                struct cell_error ignored = {0};
                if (made.link && strcmp(ep->driver, "bridge") == 0)
                        cell_nl_link_del(&nl, ep->host_ifname, &ignored);
                else if (made.link && !made.netns)
                        del_inside(ep->netns, ep->ifname, &ignored);
                if (made.netns)
                        cell_netns_file_remove(ep->netns, &ignored);
                if (made.ports) {
                        _cleanup_free_ char *ip4 = bare_ip(ep->addr4);
                        cell_nft_ports_del(&nft, ep->id, ip4, ep->ports, ep->n_ports, &ignored);
                }
        }
        cell_nl_close(&nl);
        cell_nft_close(&nft);
        return rc < 0 ? cell_error_prefix(err, "attach container %.12s", ep->id) : 0;
}

/*
 * Closes the nftables context of a detach without waiting.  Releasing an
 * nftables netlink socket after a transaction that freed something (deleted
 * elements) blocks in close() until nf_tables' destroy work has run, an RCU
 * grace period (10-15 ms on a loaded machine: most of a detach), and the
 * engine waits for cell-net's exit.  The transaction is committed by then, so
 * the last reference to the socket goes to a child that closes stdio (the
 * engine reads EOF), waits for this process's exit (EOF on a pipe whose write
 * end only we hold) and exits: the wait happens in its exit, which nobody
 * waits for (an orphan, reaped by init or the nearest subreaper).  Without a
 * child (fork failed) the wait happens here, as before.
 */
/* In nft_close_detached's child: every descriptor closed (stdio, and whatever
 * the engine let cell-net inherit) but `keep` and nftables' netlink socket. */
static bool is_nft_socket(int fd)
{
        int domain = 0, proto = 0;
        socklen_t len = sizeof(domain);
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_NETLINK)
                return false;
        len = sizeof(proto);
        return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
               proto == NETLINK_NETFILTER;
}

static void close_all_but_nft(int keep)
{
        DIR *d = opendir("/proc/self/fd");
        int dfd = d ? dirfd(d) : -1;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] != '.' && fd != keep && fd != dfd && !is_nft_socket(fd))
                        close(fd);
        }
        if (d)
                closedir(d);
        else
                for (int fd = 0; fd <= 2; fd++)
                        close(fd);
}

static void nft_close_detached(struct cell_nft *nft)
{
        if (!nft->ctx)
                return;
        int p[2];
        if (pipe2(p, O_CLOEXEC) == 0) {
                pid_t pid = fork();
                if (pid == 0) {
                        close_all_but_nft(p[0]);
                        char c;
                        while (read(p[0], &c, 1) < 0 && errno == EINTR)
                                ;
                        _exit(0);
                }
                close(p[0]);
                if (pid < 0)
                        close(p[1]);
                /* else p[1] stays open until this process exits */
        }
        cell_nft_close(nft);
}

static int op_detach(const struct cell_net_bridge *b, const struct cell_net_endpoint *ep,
                     bool remove_netns, struct cell_error *err)
{
        (void)b;
        bool bridge = strcmp(ep->driver, "bridge") == 0;
        int rc = 0;
        struct cell_nft nft = {0};
        if (bridge && ep->n_ports) {
                _cleanup_free_ char *ip4 = bare_ip(ep->addr4);
                rc = cell_nft_open(&nft, err);
                if (rc == 0)
                        rc = cell_nft_ports_del(&nft, ep->id, ip4, ep->ports, ep->n_ports, err);
        }
        /* With the namespace file going, the veth pair goes with the namespace:
         * the kernel destroys a namespace whose last file and process are gone,
         * asynchronously (its cleanup work), and its veth peers with it, so detach
         * does not wait for the RCU grace periods of a link delete (~20 ms).  The
         * host end is deleted here only when the namespace stays (disconnect) or
         * was no namespace file any more (a crash path: nothing must be left). */
        bool dies_with_netns = rc == 0 && remove_netns && cell_netns_file_is(ep->netns);
        if (rc == 0 && remove_netns)
                rc = cell_netns_file_remove(ep->netns, err);
        if (rc == 0 && bridge && !dies_with_netns) {
                struct cell_nl nl = {0};
                rc = cell_nl_open(&nl, err);
                if (rc == 0)
                        rc = cell_nl_link_del(&nl, ep->host_ifname, err);
                cell_nl_close(&nl);
        }
        if (rc == 0 && !bridge && !remove_netns)
                rc = del_inside(ep->netns, ep->ifname, err);
        nft_close_detached(&nft); /* last: the wait of its release (above) */
        return rc < 0 ? cell_error_prefix(err, "detach container %.12s", ep->id) : 0;
}

static int run_network_up(struct request *r, struct cell_error *err)
{
        return op_network_up(&r->bridge, err);
}

static int run_network_down(struct request *r, struct cell_error *err)
{
        return op_network_down(&r->bridge, err);
}

static int run_attach(struct request *r, struct cell_error *err)
{
        return op_attach(r->has_bridge ? &r->bridge : NULL, &r->ep, err);
}

static int run_detach(struct request *r, struct cell_error *err)
{
        return op_detach(r->has_bridge ? &r->bridge : NULL, &r->ep, r->remove_netns, err);
}

static int run_netns_create(struct request *r, struct cell_error *err)
{
        bool made;
        return cell_netns_file_create(r->path, &made, err);
}

static int run_netns_remove(struct request *r, struct cell_error *err)
{
        return cell_netns_file_remove(r->path, err);
}

enum need { NEED_BRIDGE = 1, NEED_ENDPOINT = 2, NEED_PATH = 4 };

static const struct op {
        const char *name;
        unsigned need;
        int (*run)(struct request *r, struct cell_error *err);
} ops[] = {
        {"network_up", NEED_BRIDGE, run_network_up},
        {"network_down", NEED_BRIDGE, run_network_down},
        {"attach", NEED_ENDPOINT, run_attach},
        {"detach", NEED_ENDPOINT, run_detach},
        {"netns_create", NEED_PATH, run_netns_create},
        {"netns_remove", NEED_PATH, run_netns_remove},
};

static int dispatch(struct request *r, struct cell_error *err)
{
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
                const struct op *op = &ops[i];
                if (strcmp(op->name, r->op) != 0)
                        continue;
                if ((op->need & NEED_BRIDGE) && !r->has_bridge)
                        return cell_error_set(err, 0, "%s: \"bridge\" is missing", r->op);
                if ((op->need & NEED_ENDPOINT) && !r->has_endpoint)
                        return cell_error_set(err, 0, "%s: \"endpoint\" is missing", r->op);
                if ((op->need & NEED_PATH) && !r->path)
                        return cell_error_set(err, 0, "%s: \"path\" is missing", r->op);
                return op->run(r, err);
        }
        return cell_error_set(err, 0, "request: unknown op '%s'", r->op);
}

/* The whole of stdin (a pipe), at most REQUEST_MAX bytes, NUL-terminated. */
static char *read_request(struct cell_error *err)
{
        size_t cap = 4096, len = 0;
        char *buf = xmalloc(cap);
        for (;;) {
                if (len + 1 == cap) {
                        if (cap >= REQUEST_MAX) {
                                free(buf);
                                cell_error_set(err, EFBIG, "request on stdin: larger than %d bytes",
                                               REQUEST_MAX);
                                return NULL;
                        }
                        cap *= 2;
                        buf = xrealloc(buf, cap);
                }
                ssize_t n = read(0, buf + len, cap - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        free(buf);
                        cell_error_errno(err, "request on stdin");
                        return NULL;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        return buf;
}

int main(void)
{
        struct cell_error err = {0};
        _cleanup_free_ char *text = read_request(&err);
        if (!text) {
                fprintf(stderr, "cell-net: %s\n", err.msg);
                return 1;
        }
        enum json_tokener_error jerr;
        json_object *req = json_tokener_parse_verbose(text, &jerr);
        if (!req || !json_object_is_type(req, json_type_object)) {
                fprintf(stderr, "cell-net: request: not a JSON object (%s)\n",
                        json_tokener_error_desc(jerr));
                json_object_put(req);
                return 1;
        }
        struct request r = {0};
        int rc = parse_request(req, &r, &err);
        if (rc == 0)
                rc = dispatch(&r, &err);
        if (rc < 0)
                fprintf(stderr, "cell-net: %s\n", err.msg);
        else
                fputs("{\"ok\":true}\n", stdout);
        free(r.ports);
        json_object_put(req);
        return rc < 0 ? 1 : 0;
}
