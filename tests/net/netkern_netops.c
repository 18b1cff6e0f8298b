/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netkern-netops: the engine-side API (src/net/netops.h) from the command
 * line, for tests/net/test_netkern_netops.py.  Built with the engine's own
 * compiler (static musl in the real build), so it exercises netops.c as the
 * engine does: spawning cell-net next to itself.
 *
 *   netkern-netops OP [KEY=VALUE...]
 *   OP: up down attach detach detach-keep netns-create netns-remove helper
 *   keys: name device subnet4 gateway4 subnet6 gateway6 mtu internal   (bridge)
 *         id netns driver host_ifname parent ifname mac addr4 addr6 route
 *         port=PROTO:HOSTPORT:CTRPORT[:HOSTIP] (repeatable)             (endpoint)
 *         path                                                           (netns-*)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/netops.h"

#define MAX_PORTS 16

static int set_key(const char *kv, struct cell_net_bridge *b, struct cell_net_endpoint *ep,
                   struct cell_net_port *ports, const char **path)
{
        const char *eq = strchr(kv, '=');
        if (!eq)
                return -1;
        size_t kl = (size_t)(eq - kv);
        const char *v = eq + 1;
#define IS(k) (kl == strlen(k) && strncmp(kv, k, kl) == 0)
        if (IS("name"))
                b->name = v;
        else if (IS("device"))
                b->device = v;
        else if (IS("subnet4"))
                b->subnet4 = v;
        else if (IS("gateway4"))
                b->gateway4 = v;
        else if (IS("subnet6"))
                b->subnet6 = v;
        else if (IS("gateway6"))
                b->gateway6 = v;
        else if (IS("mtu"))
                b->mtu = atoi(v);
        else if (IS("internal"))
                b->internal = strcmp(v, "1") == 0;
        else if (IS("id"))
                ep->id = v;
        else if (IS("netns"))
                ep->netns = v;
        else if (IS("driver"))
                ep->driver = v;
        else if (IS("host_ifname"))
                ep->host_ifname = v;
        else if (IS("parent"))
                ep->parent = v;
        else if (IS("ifname"))
                ep->ifname = v;
        else if (IS("mac"))
                ep->mac = v;
        else if (IS("addr4"))
                ep->addr4 = v;
        else if (IS("addr6"))
                ep->addr6 = v;
        else if (IS("route"))
                ep->default_route = strcmp(v, "1") == 0;
        else if (IS("path"))
                *path = v;
        else if (IS("port") && ep->n_ports < MAX_PORTS) {
                struct cell_net_port *p = &ports[ep->n_ports++];
                unsigned hp, cp;
                char proto[4] = "", ip[46] = "";
                if (sscanf(v, "%3[a-z]:%u:%u:%45s", proto, &hp, &cp, ip) < 3)
                        return -1;
                snprintf(p->proto, sizeof(p->proto), "%s", proto);
                snprintf(p->host_ip, sizeof(p->host_ip), "%s", ip);
                p->host_port = (uint16_t)hp;
                p->ctr_port = (uint16_t)cp;
        } else
                return -1;
#undef IS
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: netkern-netops OP [KEY=VALUE...]\n");
                return 2;
        }
        struct cell_net_bridge b = {0};
        struct cell_net_endpoint ep = {.driver = "bridge", .ifname = "eth0"};
        struct cell_net_port ports[MAX_PORTS] = {0};
        const char *path = NULL;
        for (int i = 2; i < argc; i++)
                if (set_key(argv[i], &b, &ep, ports, &path) < 0) {
                        fprintf(stderr, "netkern-netops: bad argument '%s'\n", argv[i]);
                        return 2;
                }
        ep.ports = ports;
        struct cell_error err = {0};
        const char *op = argv[1];
        const struct cell_net_bridge *bp = b.name ? &b : NULL;
        int r;
        if (strcmp(op, "up") == 0)
                r = cell_netops_network_up(&b, &err);
        else if (strcmp(op, "down") == 0)
                r = cell_netops_network_down(&b, &err);
        else if (strcmp(op, "attach") == 0)
                r = cell_netops_attach(bp, &ep, &err);
        else if (strcmp(op, "detach") == 0 || strcmp(op, "detach-keep") == 0)
                r = cell_netops_detach(bp, &ep, strcmp(op, "detach") == 0, &err);
        else if (strcmp(op, "netns-create") == 0)
                r = cell_netops_netns_create(path, &err);
        else if (strcmp(op, "netns-remove") == 0)
                r = cell_netops_netns_remove(path, &err);
        else if (strcmp(op, "helper") == 0) {
                char *p = cell_netops_helper_path(&err);
                r = p ? 0 : -1;
                if (p)
                        printf("%s\n", p);
                free(p);
        } else {
                fprintf(stderr, "netkern-netops: unknown op '%s'\n", op);
                return 2;
        }
        if (r < 0) {
                fprintf(stderr, "netkern-netops: %s\n", err.msg);
                return 1;
        }
        return 0;
}
