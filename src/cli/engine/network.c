/* SPDX-License-Identifier: Apache-2.0 */
/* `cell network create|ls|inspect|rm|prune`: networks (net/netstore.h, engine/network.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/network.h"
#include "net/netstore.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const struct ecli_option create_options[] = {
        {"driver", 'd', ECLI_VALUE, "DRIVER", "Driver to manage the Network: bridge or macvlan", .def = "bridge",
         .complete = "bridge|macvlan"},
        {"subnet", 0, ECLI_VALUES, "CIDR", "Subnet in CIDR format that represents a network segment"},
        {"gateway", 0, ECLI_VALUES, "IP", "Gateway for the master subnet"},
        {"internal", 0, ECLI_FLAG, NULL, "Restrict external access to the network"},
        {"ipv6", 0, ECLI_FLAG, NULL, "Enable IPv6 networking"},
        {"opt", 'o', ECLI_VALUES, "K=V", "Set driver specific options (parent=IF for macvlan)"},
        {"label", 0, ECLI_VALUES, "K=V", "Set metadata on a network"},
        {0},
};

static json_object *kv_object(const char *const *v, size_t n)
{
        json_object *o = json_object_new_object();
        for (size_t i = 0; i < n; i++) {
                const char *eq = strchr(v[i], '=');
                _cleanup_free_ char *k = eq ? xstrndup(v[i], (size_t)(eq - v[i])) : xstrdup(v[i]);
                json_object_object_add(o, k, json_object_new_string(eq ? eq + 1 : ""));
        }
        return o;
}

/* --subnet and --gateway may each be given for IPv4 and for IPv6: one of each family. */
static int pick_family(const char *const *v, size_t n, bool v6, const char *flag, const char **out,
                       struct cell_error *err)
{
        *out = NULL;
        for (size_t i = 0; i < n; i++) {
                if ((strchr(v[i], ':') != NULL) != v6)
                        continue;
                if (*out)
                        return cell_error_set(err, EINVAL, "%s given twice for IPv%d", flag, v6 ? 6 : 4);
                *out = v[i];
        }
        return 0;
}

static int run_network_create(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        size_t ns, ng, no, nl;
        const char *const *subs = ecli_values(a, "subnet", &ns), *const *gws = ecli_values(a, "gateway", &ng);
        const char *const *opts = ecli_values(a, "opt", &no), *const *labels = ecli_values(a, "label", &nl);
        const char *sub4, *sub6, *gw4, *gw6;
        if (pick_family(subs, ns, false, "--subnet", &sub4, &err) < 0 ||
            pick_family(subs, ns, true, "--subnet", &sub6, &err) < 0 ||
            pick_family(gws, ng, false, "--gateway", &gw4, &err) < 0 ||
            pick_family(gws, ng, true, "--gateway", &gw6, &err) < 0)
                return ecli_fail(&err);
        if ((gw4 && !sub4) || (gw6 && !sub6))
                return ecli_error("network %s: --gateway %s needs a --subnet of its family", a->argv[0],
                                  gw4 && !sub4 ? gw4 : gw6);
        json_object *o = kv_object(opts, no);
        for (size_t i = 0; i < no; i++) {
                if (strncmp(opts[i], "parent=", 7) != 0) {
                        json_object_put(o);
                        return ecli_error("network %s: unknown option %s (only parent=IF)", a->argv[0], opts[i]);
                }
        }
        json_object *lab = kv_object(labels, nl), *parent;
        struct cell_netstore_create_opts co = {
                .name = a->argv[0], .driver = ecli_value(a, "driver"), .subnet = sub4 ? sub4 : sub6,
                .gateway = sub4 ? gw4 : gw6, .subnet6 = sub4 ? sub6 : NULL, .gateway6 = sub4 ? gw6 : NULL, .internal = ecli_flag(a, "internal"),
                .ipv6 = ecli_flag(a, "ipv6") || sub6,
                .parent = json_object_object_get_ex(o, "parent", &parent) ? json_object_get_string(parent) : NULL,
                .labels = lab,
        };
        struct cell_engine e;
        int r = ctr_verbs_engine(ctx, &e, &err);
        int lock = r < 0 ? -1 : cell_netstore_lock(e.storage, &err);
        struct cell_netrec rec = {0};
        if (lock >= 0) {
                r = cell_netstore_create(e.storage, &co, &rec, &err);
                close(lock);
        } else {
                r = -1;
        }
        if (r == 0)
                printf("%s\n", rec.id);
        cell_netrec_release(&rec);
        json_object_put(lab);
        json_object_put(o);
        if (lock >= 0 || r == 0)
                cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

/* The records, the default network made when missing. */
static int list_networks(struct cell_engine *e, struct cell_netrec **l, size_t *n, struct cell_error *err)
{
        int lock = cell_netstore_lock(e->storage, err);
        if (lock < 0)
                return -1;
        struct cell_netrec def;
        int r = cell_netstore_get_or_default(e->storage, CELL_NET_DEFAULT, &def, err);
        if (r == 0)
                cell_netrec_release(&def);
        close(lock);
        return r < 0 ? -1 : cell_netstore_list(e->storage, l, n, err);
}

static const struct ecli_option ls_options[] = {
        ECLI_OPT_QUIET,
        ECLI_OPT_FORMAT,
        {0},
};

static int run_network_ls(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        struct cell_netrec *l;
        size_t n;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        if (list_networks(&e, &l, &n, &err) < 0) {
                cell_engine_close(&e);
                return ecli_fail(&err);
        }
        json_object *rows = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                json_object *row = cell_netrec_to_json(&l[i]);
                char id[13];
                snprintf(id, sizeof(id), "%.12s", l[i].id);
                json_object_object_add(row, "ID", json_object_new_string(id));
                json_object_array_add(rows, row);
                cell_netrec_release(&l[i]);
        }
        free(l);
        cell_engine_close(&e);
        static const struct ecli_column cols[] = {
                {"NETWORK ID", "ID"}, {"NAME", "Name"}, {"DRIVER", "Driver"}, {"SCOPE", "Scope"}, {0}};
        int r = ecli_print_list(a, rows, cols, "ID", &err);
        json_object_put(rows);
        return r < 0 ? ecli_fail(&err) : 0;
}

/* The containers holding a lease on `name`, as docker's "Containers" object. */
static json_object *containers_of(struct cell_engine *e, const char *name)
{
        json_object *out = json_object_new_object();
        json_object *leases = cell_netstore_leases(e->storage, name);
        json_object_object_foreach(leases, ip, owner) {
                const char *id = json_object_get_string(owner);
                json_object *c;
                if (!json_object_object_get_ex(out, id, &c)) {
                        c = json_object_new_object();
                        struct cell_ctr ctr;
                        struct cell_error ignored;
                        if (cell_ctr_load(e, id, false, &ctr, &ignored) == 0)
                                json_object_object_add(c, "Name", json_object_new_string(ctr.name));
                        cell_ctr_release(&ctr);
                        json_object_object_add(out, id, c);
                }
                json_object_object_add(c, strchr(ip, ':') ? "IPv6Address" : "IPv4Address",
                                       json_object_new_string(ip));
        }
        json_object_put(leases);
        return out;
}

static int run_network_inspect(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_netrec *l;
        size_t n;
        if (list_networks(&e, &l, &n, &err) == 0) {
                for (size_t i = 0; i < n; i++)
                        cell_netrec_release(&l[i]);
                free(l);
        }
        json_object *out = json_object_new_array();
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                struct cell_netrec r;
                if (cell_netstore_get(e.storage, a->argv[i], &r, &err) < 0) {
                        rc = ecli_fail(&err);
                        continue;
                }
                json_object *o = cell_netrec_to_json(&r);
                json_object_object_add(o, "Containers", containers_of(&e, r.name));
                json_object_array_add(out, o);
                cell_netrec_release(&r);
        }
        ecli_print_json(stdout, out);
        json_object_put(out);
        cell_engine_close(&e);
        return rc;
}

static int run_network_rm(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                if (cell_engine_network_remove(&e, a->argv[i], &err) < 0)
                        rc = ecli_fail(&err);
                else
                        printf("%s\n", a->argv[i]);
        }
        cell_engine_close(&e);
        return rc;
}

static const struct ecli_option prune_options[] = {
        {"force", 'f', ECLI_FLAG, NULL, "Do not prompt for confirmation"},
        {0},
};

static int run_network_prune(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        (void)a;
        struct cell_error err = {0};
        struct cell_engine e;
        struct cell_netrec *l;
        size_t n;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        if (cell_netstore_list(e.storage, &l, &n, &err) < 0) {
                cell_engine_close(&e);
                return ecli_fail(&err);
        }
        bool header = false;
        for (size_t i = 0; i < n; i++) {
                json_object *leases = cell_netstore_leases(e.storage, l[i].name);
                bool busy = json_object_object_length(leases) > 0;
                json_object_put(leases);
                /* docker never prunes its predefined networks; in-use ones are kept */
                struct cell_error ignored;
                if (!busy && strcmp(l[i].name, CELL_NET_DEFAULT) != 0 &&
                    cell_engine_network_remove(&e, l[i].name, &ignored) == 0) {
                        if (!header)
                                printf("Deleted Networks:\n");
                        header = true;
                        printf("%s\n", l[i].name);
                }
                cell_netrec_release(&l[i]);
        }
        free(l);
        cell_engine_close(&e);
        return 0;
}

static const struct ecli_option connect_options[] = {
        {"ip", 0, ECLI_VALUE, "IP", "IPv4 address (e.g., 172.30.100.104)"},
        {"alias", 0, ECLI_VALUES, "NAME", "Add network-scoped alias for the container"},
        {0},
};

static int run_network_connect(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        int r = cell_engine_network_connect(&e, a->argv[0], a->argv[1], ecli_value(a, "ip"),
                                            ecli_values(a, "alias", NULL), &err);
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

static int run_network_disconnect(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        int r = cell_engine_network_disconnect(&e, a->argv[0], a->argv[1], &err);
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_network_connect = {
        .name = "connect", .group = "network", .usage = "[OPTIONS] NETWORK CONTAINER",
        .summary = "Connect a container to a network", .options = connect_options, .min_args = 2,
        .max_args = 2, .topic = ECLI_TOPIC_NETWORK, .run = run_network_connect,
};
const struct ecli_verb ecli_verb_network_disconnect = {
        .name = "disconnect", .group = "network", .usage = "NETWORK CONTAINER",
        .summary = "Disconnect a container from a network", .min_args = 2, .max_args = 2,
        .topic = ECLI_TOPIC_NETWORK, .run = run_network_disconnect,
};
const struct ecli_verb ecli_verb_network_create = {
        .name = "create", .group = "network", .usage = "[OPTIONS] NETWORK",
        .summary = "Create a network", .options = create_options, .min_args = 1, .max_args = 1,
        .topic = ECLI_TOPIC_NETWORK, .run = run_network_create,
};
const struct ecli_verb ecli_verb_network_ls = {
        .name = "ls", .group = "network", .usage = "[OPTIONS]", .summary = "List networks",
        .options = ls_options, .max_args = -1, .topic = ECLI_TOPIC_NETWORK, .run = run_network_ls,
};
const struct ecli_verb ecli_verb_network_inspect = {
        .name = "inspect", .group = "network", .usage = "NETWORK [NETWORK...]",
        .summary = "Display detailed information on one or more networks", .min_args = 1,
        .topic = ECLI_TOPIC_NETWORK, .run = run_network_inspect,
};
const struct ecli_verb ecli_verb_network_rm = {
        .name = "rm", .group = "network", .usage = "NETWORK [NETWORK...]",
        .summary = "Remove one or more networks", .description = "A network that running containers use is refused.",
        .min_args = 1, .topic = ECLI_TOPIC_NETWORK, .run = run_network_rm,
};
const struct ecli_verb ecli_verb_network_prune = {
        .name = "prune", .group = "network", .usage = "[OPTIONS]", .summary = "Remove all unused networks",
        .options = prune_options, .max_args = -1, .topic = ECLI_TOPIC_NETWORK, .run = run_network_prune,
};
