/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime-spec 1.3 members of `linux` that hand a piece of the host to
 * the container: linux.memoryPolicy (NUMA nodes), linux.netDevices (network
 * interfaces) and linux.intelRdt (cache and memory-bandwidth allocation).
 * Only the syntax is checked here; the host decides the rest at create.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "oci/parse.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/*
 * The kernel's values (include/uapi/linux/mempolicy.h), spelled out here
 * because musl's and older kernel headers lack the newer ones
 * (MPOL_PREFERRED_MANY 5.15, MPOL_WEIGHTED_INTERLEAVE 6.9,
 * MPOL_F_NUMA_BALANCING 5.12).  The index of a mode is its value.
 */
static const char *const mempolicy_modes[] = {
        "MPOL_DEFAULT",
        "MPOL_PREFERRED",
        "MPOL_BIND",
        "MPOL_INTERLEAVE",
        "MPOL_LOCAL",
        "MPOL_PREFERRED_MANY",
        "MPOL_WEIGHTED_INTERLEAVE",
};
enum { MODE_DEFAULT = 0, MODE_PREFERRED = 1, MODE_LOCAL = 4 };

static const struct {
        const char *name;
        unsigned flag;
} mempolicy_flags[] = {
        {"MPOL_F_NUMA_BALANCING", 1U << 13},
        {"MPOL_F_RELATIVE_NODES", 1U << 14},
        {"MPOL_F_STATIC_NODES", 1U << 15},
};

const char *cell_mempolicy_nth_mode(size_t i)
{
        return i < CELL_ARRAY_SIZE(mempolicy_modes) ? mempolicy_modes[i] : NULL;
}

const char *cell_mempolicy_nth_flag(size_t i)
{
        return i < CELL_ARRAY_SIZE(mempolicy_flags) ? mempolicy_flags[i].name : NULL;
}

static int parse_node_number(const char **p, unsigned long *out)
{
        if (!isdigit((unsigned char)**p))
                return -1;
        char *end;
        *out = strtoul(*p, &end, 10);
        *p = end;
        return *out < CELL_MEMPOLICY_MAX_NODES ? 0 : -1;
}

/* "0-1,3" into the mask; an empty string is no nodes. */
static int parse_nodes(const char *text, const struct oci_path *path, struct cell_memory_policy *m,
                       struct cell_error *err)
{
        const size_t bits = 8 * sizeof(unsigned long);
        const char *p = text;
        while (*p) {
                unsigned long lo, hi;
                if (parse_node_number(&p, &lo) < 0)
                        goto bad;
                hi = lo;
                if (*p == '-' && (p++, parse_node_number(&p, &hi) < 0 || hi < lo))
                        goto bad;
                if (*p == ',' && p[1] != '\0')
                        p++;
                else if (*p != '\0')
                        goto bad;
                for (unsigned long n = lo; n <= hi; n++)
                        m->nodemask[n / bits] |= 1UL << (n % bits);
                if (hi + 1 > m->maxnode)
                        m->maxnode = hi + 1;
        }
        return 0;
bad:
        return oci_error(err, path,
                         "invalid node list \"%s\" (want e.g. \"0-1,3\", nodes below %d)", text,
                         CELL_MEMPOLICY_MAX_NODES);
}

static int parse_mode(json_object *v, const struct oci_path *path, struct cell_memory_policy *m,
                      struct cell_error *err)
{
        _cleanup_free_ char *mode = NULL;
        if (oci_field_string(v, path, "mode", true, &mode, err) < 0)
                return -1;
        for (size_t i = 0; i < CELL_ARRAY_SIZE(mempolicy_modes); i++) {
                if (strcmp(mempolicy_modes[i], mode) == 0) {
                        m->mode = (int)i;
                        return 0;
                }
        }
        return oci_error(err, OCI_KEY(path, "mode"), "unknown memory policy mode \"%s\"", mode);
}

static int parse_flags(json_object *v, const struct oci_path *path, struct cell_memory_policy *m,
                       struct cell_error *err)
{
        size_t n;
        if (oci_expect_array(v, path, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                size_t j = 0;
                if (!json_object_is_type(e, json_type_string))
                        return oci_error(err, OCI_INDEX(path, i), "must be a string");
                while (j < CELL_ARRAY_SIZE(mempolicy_flags) &&
                       strcmp(mempolicy_flags[j].name, json_object_get_string(e)) != 0)
                        j++;
                if (j == CELL_ARRAY_SIZE(mempolicy_flags))
                        return oci_error(err, OCI_INDEX(path, i),
                                         "unknown memory policy flag \"%s\"",
                                         json_object_get_string(e));
                m->flags |= mempolicy_flags[j].flag;
        }
        const unsigned both = mempolicy_flags[1].flag | mempolicy_flags[2].flag;
        if ((m->flags & both) == both)
                return oci_error(
                        err, path,
                        "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
        return 0;
}

/*
 * set_mempolicy(2): MPOL_DEFAULT and MPOL_LOCAL take no nodes, MPOL_PREFERRED
 * takes at most one (none meaning "local"), the others at least one.
 */
int oci_parse_memory_policy(json_object *v, const struct oci_path *path,
                            struct cell_memory_policy *m, struct cell_error *err)
{
        _cleanup_free_ char *nodes = NULL;
        const struct oci_path *nodes_path = OCI_KEY(path, "nodes");
        if (oci_expect_object(v, path, err) < 0 || parse_mode(v, path, m, err) < 0 ||
            oci_field_string(v, path, "nodes", false, &nodes, err) < 0 ||
            (nodes && parse_nodes(nodes, nodes_path, m, err) < 0) ||
            OCI_PARSE_MEMBER(v, path, "flags", parse_flags, m, err) < 0)
                return -1;
        m->set = true;
        const char *mode = mempolicy_modes[m->mode];
        size_t count = 0;
        for (size_t i = 0; i < CELL_ARRAY_SIZE(m->nodemask); i++)
                count += (size_t)__builtin_popcountl(m->nodemask[i]);
        if ((m->mode == MODE_DEFAULT || m->mode == MODE_LOCAL) && count > 0)
                return oci_error(err, nodes_path, "%s takes no nodes, got \"%s\"", mode, nodes);
        if ((m->mode == MODE_DEFAULT || m->mode == MODE_LOCAL) && m->flags)
                return oci_error(err, OCI_KEY(path, "flags"), "%s takes no flags", mode);
        if (m->mode == MODE_PREFERRED && count > 1)
                return oci_error(err, nodes_path, "%s takes one node, got \"%s\"", mode, nodes);
        if (m->mode != MODE_DEFAULT && m->mode != MODE_LOCAL && m->mode != MODE_PREFERRED &&
            count == 0)
                return oci_error(err, nodes_path, "required (at least one node) for %s", mode);
        return 0;
}

/* The kernel's dev_valid_name(): what `ip link` would refuse. */
static int check_ifname(const char *name, const struct oci_path *path, struct cell_error *err)
{
        size_t len = strlen(name);
        if (len == 0 || len >= 16)
                return oci_error(err, path, "invalid interface name \"%s\" (1 to 15 bytes)", name);
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return oci_error(err, path, "invalid interface name \"%s\"", name);
        for (const char *c = name; *c; c++)
                if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
                        return oci_error(err, path,
                                         "invalid interface name \"%s\" (no '/', ':' or spaces)",
                                         name);
        return 0;
}

static int parse_net_device(const char *host_name, json_object *v, const struct oci_path *path,
                            struct cell_net_device *d, struct cell_error *err)
{
        d->host_name = xstrdup(host_name);
        if (check_ifname(host_name, path, err) < 0 || oci_expect_object(v, path, err) < 0 ||
            oci_field_string(v, path, "name", false, &d->name, err) < 0)
                return -1;
        if (!d->name || !d->name[0]) {
                free(d->name);
                d->name = xstrdup(host_name);
        }
        return check_ifname(d->name, OCI_KEY(path, "name"), err);
}

/*
 * Moving a device needs a network namespace of the container's own: one
 * joined by path (or the host's) would get the device for good.
 */
int oci_parse_net_devices(json_object *v, const struct oci_path *path, struct cell_linux *l,
                          struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0)
                return -1;
        size_t n = (size_t)json_object_object_length(v);
        l->net_devices = xcalloc(n + 1, sizeof(*l->net_devices));
        const struct cell_namespace *net = &l->namespaces[CELL_NS_NET];
        json_object_object_foreach(v, host_name, entry)
        {
                const struct oci_path *p = OCI_KEY(path, host_name);
                struct cell_net_device *d = &l->net_devices[l->n_net_devices++];
                if (parse_net_device(host_name, entry, p, d, err) < 0)
                        return -1;
                if (!net->enabled || net->path)
                        return oci_error(
                                err, p,
                                "moving a network device needs a new network namespace "
                                "(linux.namespaces: {\"type\": \"network\"} without a path)");
                /* The runtime moves devices right after the clone that makes
                 * the namespace; with a user namespace joined by path the init
                 * makes it later (runtime/create.c: clone_flags). */
                if (l->namespaces[CELL_NS_USER].path)
                        return oci_error(err, p,
                                         "not supported with a user namespace joined by path");
                for (size_t i = 0; i + 1 < l->n_net_devices; i++)
                        if (strcmp(l->net_devices[i].name, d->name) == 0)
                                return oci_error(err, OCI_KEY(p, "name"),
                                                 "\"%s\" is already the name of %s", d->name,
                                                 l->net_devices[i].host_name);
        }
        return 0;
}

/* A resctrl group name: one path component of /sys/fs/resctrl. */
static int check_clos_id(const char *id, const struct oci_path *path, struct cell_error *err)
{
        if (!id[0] || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 ||
            strlen(id) > 255)
                return oci_error(err, path,
                                 "invalid resctrl group name \"%s\" (one path component)", id);
        return 0;
}

/* One line of a resctrl `schemata` file: "L3:0=ff;1=ff", no newline. */
static int check_schema_line(const char *line, const struct oci_path *path, const char *want,
                             struct cell_error *err)
{
        const char *colon = strchr(line, ':');
        if (!colon || colon == line || colon[1] == '\0' || strchr(line, '\n'))
                return oci_error(err, path,
                                 "invalid schemata line \"%s\" (want RESOURCE:ID=VALUE;...)", line);
        if (want && strncmp(line, want, strlen(want)) != 0)
                return oci_error(err, path, "must start with \"%s\", got \"%s\"", want, line);
        return 0;
}

int oci_parse_intel_rdt(json_object *v, const struct oci_path *path, struct cell_intel_rdt *r,
                        struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0 ||
            oci_field_string(v, path, "closID", false, &r->clos_id, err) < 0 ||
            oci_field_string(v, path, "l3CacheSchema", false, &r->l3_cache_schema, err) < 0 ||
            oci_field_string(v, path, "memBwSchema", false, &r->mem_bw_schema, err) < 0 ||
            oci_field_strv(v, path, "schemata", &r->schemata, &r->n_schemata, err) < 0 ||
            oci_field_bool(v, path, "enableMonitoring", &r->enable_monitoring, err) < 0)
                return -1;
        r->set = true;
        if (r->clos_id && check_clos_id(r->clos_id, OCI_KEY(path, "closID"), err) < 0)
                return -1;
        /* l3CacheSchema only SHOULD be one L3: line: older configs put an
         * MB: line in it too (runtime/intelrdt.h says which one wins). */
        if (r->mem_bw_schema && r->mem_bw_schema[0] &&
            check_schema_line(r->mem_bw_schema, OCI_KEY(path, "memBwSchema"), "MB", err) < 0)
                return -1;
        for (size_t i = 0; i < r->n_schemata; i++)
                if (check_schema_line(r->schemata[i], OCI_INDEX(OCI_KEY(path, "schemata"), i), NULL,
                                      err) < 0)
                        return -1;
        return 0;
}

void oci_host_resources_release(struct cell_linux *l)
{
        for (size_t i = 0; i < l->n_net_devices; i++) {
                free(l->net_devices[i].host_name);
                free(l->net_devices[i].name);
        }
        free(l->net_devices);
        free(l->intel_rdt.clos_id);
        free(l->intel_rdt.l3_cache_schema);
        free(l->intel_rdt.mem_bw_schema);
        oci_strv_free(l->intel_rdt.schemata, l->intel_rdt.n_schemata);
}
