/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Commands are nft's own language handed to libnftables (its parser and
 * its netlink batching), one transaction per nft_run_cmd_from_buffer().
 * Everything interpolated into them was validated by cell-net (interface
 * and network names, addresses, numbers), so no quoting games here.
 */
#include "net/nft.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

#define TABLE "inet cell"

static const char base_ruleset[] =
        "create table " TABLE "\n"
        "table " TABLE " {\n"
        "  set masq4 { type ipv4_addr; flags interval; }\n"
        "  set masq6 { type ipv6_addr; flags interval; }\n"
        "  set internal { type ifname; }\n"
        "  map ports4_tcp { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n"
        "  map ports4_udp { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n"
        "  map ports_tcp { type inet_service : ipv4_addr . inet_service; }\n"
        "  map ports_udp { type inet_service : ipv4_addr . inet_service; }\n"
        "  chain ports {\n"
        "    dnat ip to ip daddr . tcp dport map @ports4_tcp\n"
        "    dnat ip to ip daddr . udp dport map @ports4_udp\n"
        "    dnat ip to tcp dport map @ports_tcp\n"
        "    dnat ip to udp dport map @ports_udp\n"
        "  }\n"
        "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
        "    fib daddr type local jump ports\n"
        "  }\n"
        "  chain output { type nat hook output priority -100; policy accept;\n"
        "    fib daddr type local jump ports\n"
        "  }\n"
        "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
        "    ip saddr @masq4 ip daddr != @masq4 masquerade\n"
        "    ip6 saddr @masq6 ip6 daddr != @masq6 masquerade\n"
        "    ct status dnat ip saddr 127.0.0.0/8 masquerade\n"
        "    ct status dnat ip saddr @masq4 masquerade\n"
        "  }\n"
        "  chain forward { type filter hook forward priority filter; policy accept;\n"
        "    iifname @internal oifname != @internal drop\n"
        "    oifname @internal iifname != @internal drop\n"
        "  }\n"
        "}\n";

int cell_nft_open(struct cell_nft *n, struct cell_error *err)
{
        n->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!n->ctx)
                return cell_error_set(err, ENOMEM, "nftables context");
        if (nft_ctx_buffer_output(n->ctx) < 0 || nft_ctx_buffer_error(n->ctx) < 0) {
                cell_nft_close(n);
                return cell_error_set(err, ENOMEM, "nftables context buffers");
        }
        return 0;
}

void cell_nft_close(struct cell_nft *n)
{
        if (n->ctx)
                nft_ctx_free(n->ctx);
        n->ctx = NULL;
}

/* Runs `cmds` as one transaction; on failure *msg (caller frees) is nft's
 * first error line, without its "Error: " and "Could not process rule: ". */
static int run(struct cell_nft *n, const char *cmds, char **msg)
{
        int r = nft_run_cmd_from_buffer(n->ctx, cmds);
        const char *e = nft_ctx_get_error_buffer(n->ctx);
        if (r == 0)
                return 0;
        if (!e || !*e)
                e = "failed";
        if (strncmp(e, "Error: ", 7) == 0)
                e += 7;
        if (strncmp(e, "Could not process rule: ", 24) == 0)
                e += 24;
        *msg = xstrndup(e, strcspn(e, "\n"));
        return -1;
}

static bool is_missing(const char *msg)
{
        return strstr(msg, "No such file or directory") != NULL;
}

/* The network's elements, as "SET { ELEMENT }" pieces of add/delete commands. */
static char *network_elements(const struct cell_net_bridge *b, const char *verb)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        if (b->internal && b->device)
                fprintf(f, "%s element " TABLE " internal { \"%s\" }\n", verb, b->device);
        if (!b->internal && b->subnet4)
                fprintf(f, "%s element " TABLE " masq4 { %s comment \"%s\" }\n", verb, b->subnet4,
                        b->name);
        if (!b->internal && b->subnet6)
                fprintf(f, "%s element " TABLE " masq6 { %s comment \"%s\" }\n", verb, b->subnet6,
                        b->name);
        fclose(f);
        return buf;
}

static int elements_error(const struct cell_net_bridge *b, const char *msg, struct cell_error *err)
{
        return cell_error_set(err, 0, "nftables elements (%s%s%s): %s",
                              b->subnet4 ? b->subnet4 : "", b->subnet6 ? " " : "",
                              b->subnet6 ? b->subnet6 : "", msg);
}

/*
 * The elements first: once the table exists (every time but the first) that
 * is the whole work.  A failed `create table` batch is dear (the kernel
 * registers the base chains' hooks before it rolls back, ~6 ms), so it is
 * tried only when the table is missing, and a racing creator is met with
 * the elements again.
 */
int cell_nft_network_up(struct cell_nft *n, const struct cell_net_bridge *b, struct cell_error *err)
{
        _cleanup_free_ char *elems = network_elements(b, "add");
        _cleanup_free_ char *msg = NULL;
        if (*elems) {
                if (run(n, elems, &msg) == 0)
                        return 0;
                if (!is_missing(msg))
                        return elements_error(b, msg, err);
                free(steal_ptr(msg));
        }
        _cleanup_free_ char *all = xasprintf("%s%s", base_ruleset, elems);
        if (run(n, all, &msg) == 0)
                return 0;
        if (!strstr(msg, "File exists"))
                return cell_error_set(err, 0, "nftables table %s: %s", TABLE, msg);
        free(steal_ptr(msg));
        if (!*elems || run(n, elems, &msg) == 0)
                return 0;
        return elements_error(b, msg, err);
}

int cell_nft_network_down(struct cell_nft *n, const struct cell_net_bridge *b,
                          struct cell_error *err)
{
        _cleanup_free_ char *adds = network_elements(b, "add");
        _cleanup_free_ char *dels = network_elements(b, "delete");
        if (!*adds)
                return 0;
        _cleanup_free_ char *both = xasprintf("%s%s", adds, dels);
        _cleanup_free_ char *msg = NULL;
        if (run(n, both, &msg) == 0 || is_missing(msg))
                return 0;
        return cell_error_set(err, 0, "remove nftables elements: %s", msg);
}

static bool any_host_ip(const char *ip)
{
        return !*ip || strcmp(ip, "0.0.0.0") == 0;
}

/* "ports_tcp { 8080 comment "ID" : 10.88.0.5 . 80 }" (no comment when id NULL). */
static char *port_element(const struct cell_net_port *p, const char *id, const char *ctr_ip4,
                          bool with_value)
{
        _cleanup_free_ char *key = any_host_ip(p->host_ip)
                                           ? xasprintf("%u", p->host_port)
                                           : xasprintf("%s . %u", p->host_ip, p->host_port);
        _cleanup_free_ char *comment = id ? xasprintf(" comment \"%s\"", id) : xstrdup("");
        _cleanup_free_ char *value =
                with_value ? xasprintf(" : %s . %u", ctr_ip4, p->ctr_port) : xstrdup("");
        return xasprintf("ports%s_%s { %s%s%s }", any_host_ip(p->host_ip) ? "" : "4", p->proto, key,
                         comment, value);
}

static char *port_name(const struct cell_net_port *p)
{
        return xasprintf("%s%s%u/%s", any_host_ip(p->host_ip) ? "" : p->host_ip,
                         any_host_ip(p->host_ip) ? "" : ":", p->host_port, p->proto);
}

/* True when the key of `p` is in its map with a value other than ctr_ip4 . ctr_port. */
static bool held_elsewhere(struct cell_nft *n, const struct cell_net_port *p, const char *ctr_ip4)
{
        _cleanup_free_ char *e = port_element(p, NULL, ctr_ip4, false);
        _cleanup_free_ char *cmd = xasprintf("get element " TABLE " %s", e);
        _cleanup_free_ char *msg = NULL;
        if (run(n, cmd, &msg) < 0)
                return false;
        const char *out = nft_ctx_get_output_buffer(n->ctx);
        _cleanup_free_ char *ours = xasprintf(": %s . %u ", ctr_ip4, p->ctr_port);
        return out && !strstr(out, ours);
}

int cell_nft_ports_add(struct cell_nft *n, const char *id, const char *ctr_ip4,
                       const struct cell_net_port *ports, size_t n_ports, struct cell_error *err)
{
        if (n_ports == 0)
                return 0;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        for (size_t i = 0; i < n_ports; i++) {
                _cleanup_free_ char *e = port_element(&ports[i], id, ctr_ip4, true);
                fprintf(f, "add element " TABLE " %s\n", e);
        }
        fclose(f);
        _cleanup_free_ char *cmds = buf;
        _cleanup_free_ char *msg = NULL;
        if (run(n, cmds, &msg) == 0)
                return 0;
        /* Name the port (nft's echo of the failing command is not reliable in
         * a batch): look each key up; one that maps elsewhere is the clash. */
        for (size_t i = 0; i < n_ports && strstr(msg, "File exists"); i++)
                if (held_elsewhere(n, &ports[i], ctr_ip4)) {
                        _cleanup_free_ char *name = port_name(&ports[i]);
                        return cell_error_set(err, EEXIST,
                                              "port %s: already published by another container",
                                              name);
                }
        return cell_error_set(err, 0, "publish ports of container %.12s: nftables: %s", id, msg);
}

/* Without the container's address (not recorded): by key, one at a time. */
static int del_each(struct cell_nft *n, const struct cell_net_port *ports, size_t n_ports,
                    struct cell_error *err)
{
        for (size_t i = 0; i < n_ports; i++) {
                _cleanup_free_ char *e = port_element(&ports[i], NULL, NULL, false);
                _cleanup_free_ char *cmd = xasprintf("delete element " TABLE " %s", e);
                _cleanup_free_ char *msg = NULL;
                if (run(n, cmd, &msg) < 0 && !is_missing(msg))
                        return cell_error_set(err, 0, "unpublish port %u/%s: nftables: %s",
                                              ports[i].host_port, ports[i].proto, msg);
        }
        return 0;
}

int cell_nft_ports_del(struct cell_nft *n, const char *id, const char *ctr_ip4,
                       const struct cell_net_port *ports, size_t n_ports, struct cell_error *err)
{
        if (n_ports == 0)
                return 0;
        if (!ctr_ip4)
                return del_each(n, ports, n_ports, err);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        for (size_t i = 0; i < n_ports; i++) {
                _cleanup_free_ char *add = port_element(&ports[i], id, ctr_ip4, true);
                _cleanup_free_ char *del = port_element(&ports[i], NULL, ctr_ip4, false);
                fprintf(f, "add element " TABLE " %s\ndelete element " TABLE " %s\n", add, del);
        }
        fclose(f);
        _cleanup_free_ char *cmds = buf;
        _cleanup_free_ char *msg = NULL;
        if (run(n, cmds, &msg) == 0 || is_missing(msg))
                return 0;
        if (!strstr(msg, "File exists"))
                return cell_error_set(err, 0, "unpublish ports of container %.12s: nftables: %s",
                                      id, msg);
        /* Some key maps to another container now: remove ours one by one. */
        for (size_t i = 0; i < n_ports; i++) {
                _cleanup_free_ char *add = port_element(&ports[i], id, ctr_ip4, true);
                _cleanup_free_ char *del = port_element(&ports[i], NULL, ctr_ip4, false);
                _cleanup_free_ char *one = xasprintf(
                        "add element " TABLE " %s\ndelete element " TABLE " %s\n", add, del);
                free(steal_ptr(msg));
                if (run(n, one, &msg) < 0 && !is_missing(msg) && !strstr(msg, "File exists"))
                        return cell_error_set(err, 0, "unpublish port %u/%s: nftables: %s",
                                              ports[i].host_port, ports[i].proto, msg);
        }
        return 0;
}
