/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources: cgroup limits.  Only shapes and ranges are checked here;
 * whether the host's cgroup setup can apply a value is src/cgroup/'s call.
 */
#include <string.h>

#include "oci/parse.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* Optional typed fields that record their presence in a has_* flag. */
static int opt_i64(json_object *o, const struct oci_path *p, const char *key, bool *has,
                   int64_t *dst, struct cell_error *err)
{
        int r = oci_field_int64(o, p, key, false, dst, err);
        *has = r > 0;
        return r < 0 ? -1 : 0;
}

static int opt_u64(json_object *o, const struct oci_path *p, const char *key, bool *has,
                   uint64_t *dst, struct cell_error *err)
{
        int r = oci_field_uint64(o, p, key, false, dst, err);
        *has = r > 0;
        return r < 0 ? -1 : 0;
}

static int opt_bool(json_object *o, const struct oci_path *p, const char *key, bool *has, bool *dst,
                    struct cell_error *err)
{
        int r = oci_field_bool(o, p, key, dst, err);
        *has = r > 0;
        return r < 0 ? -1 : 0;
}

static int opt_u16(json_object *o, const struct oci_path *p, const char *key, bool *has,
                   uint16_t *dst, struct cell_error *err)
{
        int64_t v = 0;
        int r = oci_field_int_range(o, p, key, 0, UINT16_MAX, &v, err);
        *has = r > 0;
        *dst = (uint16_t)v;
        return r < 0 ? -1 : 0;
}

/* Zeroed storage for the array `v` (count stored in `*n`); NULL when not an array. */
static void *alloc_array(json_object *v, const struct oci_path *path, size_t elem, size_t *n,
                         struct cell_error *err)
{
        size_t len;
        if (oci_expect_array(v, path, &len, err) < 0)
                return NULL;
        *n = len;
        return xcalloc(len + 1, elem);
}

/* Normalizes a cgroup device access string to "rwm" order; "" means all. */
static int parse_access(json_object *o, const struct oci_path *p, struct cell_device_rule *rule,
                        struct cell_error *err)
{
        _cleanup_free_ char *access = NULL;
        bool want[3] = {false, false, false};
        size_t n = 0;
        if (oci_field_string(o, p, "access", false, &access, err) < 0)
                return -1;
        if (!access || access[0] == '\0') {
                strcpy(rule->access, "rwm");
                return 0;
        }
        for (const char *c = access; *c; c++) {
                const char *pos = strchr("rwm", *c);
                if (!pos || *c == '\0')
                        return oci_error(err, OCI_KEY(p, "access"),
                                         "invalid access \"%s\" (letters r, w, m only)", access);
                want[pos - "rwm"] = true;
        }
        for (int i = 0; i < 3; i++)
                if (want[i])
                        rule->access[n++] = "rwm"[i];
        rule->access[n] = '\0';
        return 0;
}

static int parse_device_rule(json_object *o, const struct oci_path *p,
                             struct cell_device_rule *rule, struct cell_error *err)
{
        _cleanup_free_ char *type = NULL;
        json_object *allow = oci_member(o, "allow");
        if (oci_expect_object(o, p, err) < 0)
                return -1;
        if (!allow)
                return oci_error(err, OCI_KEY(p, "allow"), "required");
        if (oci_get_bool(allow, OCI_KEY(p, "allow"), &rule->allow, err) < 0 ||
            oci_field_string(o, p, "type", false, &type, err) < 0)
                return -1;
        rule->type = 'a';
        if (type && type[0]) {
                if (strlen(type) != 1 || !strchr("acb", type[0]))
                        return oci_error(err, OCI_KEY(p, "type"),
                                         "unknown device type \"%s\" (want a, c or b)", type);
                rule->type = type[0];
        }
        rule->major = rule->minor = -1;
        if (oci_field_int_range(o, p, "major", -1, UINT32_MAX, &rule->major, err) < 0 ||
            oci_field_int_range(o, p, "minor", -1, UINT32_MAX, &rule->minor, err) < 0)
                return -1;
        return parse_access(o, p, rule, err);
}

static int parse_device_rules(json_object *v, const struct oci_path *p, struct cell_resources *r,
                              struct cell_error *err)
{
        if (!(r->devices = alloc_array(v, p, sizeof(*r->devices), &r->n_devices, err)))
                return -1;
        for (size_t i = 0; i < r->n_devices; i++)
                if (parse_device_rule(json_object_array_get_idx(v, i), OCI_INDEX(p, i),
                                      &r->devices[i], err) < 0)
                        return -1;
        return 0;
}

static int parse_memory(json_object *o, const struct oci_path *p, struct cell_resources *r,
                        struct cell_error *err)
{
        __typeof__(r->memory) *m = &r->memory;
        if (oci_expect_object(o, p, err) < 0 ||
            opt_i64(o, p, "limit", &m->has_limit, &m->limit, err) < 0 ||
            opt_i64(o, p, "reservation", &m->has_reservation, &m->reservation, err) < 0 ||
            opt_i64(o, p, "swap", &m->has_swap, &m->swap, err) < 0 ||
            opt_i64(o, p, "kernel", &m->has_kernel, &m->kernel, err) < 0 ||
            opt_i64(o, p, "kernelTCP", &m->has_kernel_tcp, &m->kernel_tcp, err) < 0 ||
            opt_u64(o, p, "swappiness", &m->has_swappiness, &m->swappiness, err) < 0 ||
            opt_bool(o, p, "disableOOMKiller", &m->has_disable_oom_killer, &m->disable_oom_killer,
                     err) < 0 ||
            opt_bool(o, p, "useHierarchy", &m->has_use_hierarchy, &m->use_hierarchy, err) < 0 ||
            opt_bool(o, p, "checkBeforeUpdate", &m->has_check_before_update,
                     &m->check_before_update, err) < 0)
                return -1;
        if (m->has_swappiness && m->swappiness > 100)
                return oci_error(err, OCI_KEY(p, "swappiness"), "%ju is out of range (0..100)",
                                 (uintmax_t)m->swappiness);
        return 0;
}

static int parse_cpu(json_object *o, const struct oci_path *p, struct cell_resources *r,
                     struct cell_error *err)
{
        __typeof__(r->cpu) *c = &r->cpu;
        if (oci_expect_object(o, p, err) < 0 ||
            opt_u64(o, p, "shares", &c->has_shares, &c->shares, err) < 0 ||
            opt_i64(o, p, "quota", &c->has_quota, &c->quota, err) < 0 ||
            opt_u64(o, p, "burst", &c->has_burst, &c->burst, err) < 0 ||
            opt_u64(o, p, "period", &c->has_period, &c->period, err) < 0 ||
            opt_i64(o, p, "realtimeRuntime", &c->has_realtime_runtime, &c->realtime_runtime, err) <
                    0 ||
            opt_u64(o, p, "realtimePeriod", &c->has_realtime_period, &c->realtime_period, err) <
                    0 ||
            opt_i64(o, p, "idle", &c->has_idle, &c->idle, err) < 0 ||
            oci_field_string(o, p, "cpus", false, &c->cpus, err) < 0 ||
            oci_field_string(o, p, "mems", false, &c->mems, err) < 0)
                return -1;
        return 0;
}

static int parse_pids(json_object *o, const struct oci_path *p, struct cell_resources *r,
                      struct cell_error *err)
{
        if (oci_expect_object(o, p, err) < 0)
                return -1;
        return opt_i64(o, p, "limit", &r->pids.has_limit, &r->pids.limit, err);
}

static int parse_weight_device(json_object *o, const struct oci_path *p,
                               struct cell_weight_device *d, struct cell_error *err)
{
        if (oci_expect_object(o, p, err) < 0 ||
            oci_field_int64(o, p, "major", true, &d->major, err) < 0 ||
            oci_field_int64(o, p, "minor", true, &d->minor, err) < 0 ||
            opt_u16(o, p, "weight", &d->has_weight, &d->weight, err) < 0 ||
            opt_u16(o, p, "leafWeight", &d->has_leaf_weight, &d->leaf_weight, err) < 0)
                return -1;
        return 0;
}

static int parse_throttle_list(json_object *o, const struct oci_path *parent, const char *key,
                               struct cell_throttle_device **items, size_t *n,
                               struct cell_error *err)
{
        const struct oci_path *p = OCI_KEY(parent, key);
        json_object *v = oci_member(o, key);
        if (!v)
                return 0;
        if (!(*items = alloc_array(v, p, sizeof(**items), n, err)))
                return -1;
        for (size_t i = 0; i < *n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                const struct oci_path *e_path = OCI_INDEX(p, i);
                struct cell_throttle_device *d = &(*items)[i];
                if (oci_expect_object(e, e_path, err) < 0 ||
                    oci_field_int64(e, e_path, "major", true, &d->major, err) < 0 ||
                    oci_field_int64(e, e_path, "minor", true, &d->minor, err) < 0 ||
                    oci_field_uint64(e, e_path, "rate", true, &d->rate, err) < 0)
                        return -1;
        }
        return 0;
}

static int parse_block_io(json_object *o, const struct oci_path *p, struct cell_resources *r,
                          struct cell_error *err)
{
        __typeof__(r->block_io) *b = &r->block_io;
        json_object *wd = oci_member(o, "weightDevice");
        const struct oci_path *wd_path = OCI_KEY(p, "weightDevice");
        if (oci_expect_object(o, p, err) < 0 ||
            opt_u16(o, p, "weight", &b->has_weight, &b->weight, err) < 0 ||
            opt_u16(o, p, "leafWeight", &b->has_leaf_weight, &b->leaf_weight, err) < 0)
                return -1;
        if (wd && !(b->weight_devices = alloc_array(wd, wd_path, sizeof(*b->weight_devices),
                                                    &b->n_weight_devices, err)))
                return -1;
        for (size_t i = 0; i < b->n_weight_devices; i++)
                if (parse_weight_device(json_object_array_get_idx(wd, i), OCI_INDEX(wd_path, i),
                                        &b->weight_devices[i], err) < 0)
                        return -1;
        if (parse_throttle_list(o, p, "throttleReadBpsDevice", &b->throttle_read_bps,
                                &b->n_throttle_read_bps, err) < 0 ||
            parse_throttle_list(o, p, "throttleWriteBpsDevice", &b->throttle_write_bps,
                                &b->n_throttle_write_bps, err) < 0 ||
            parse_throttle_list(o, p, "throttleReadIOPSDevice", &b->throttle_read_iops,
                                &b->n_throttle_read_iops, err) < 0 ||
            parse_throttle_list(o, p, "throttleWriteIOPSDevice", &b->throttle_write_iops,
                                &b->n_throttle_write_iops, err) < 0)
                return -1;
        return 0;
}

static int parse_hugepages(json_object *v, const struct oci_path *p, struct cell_resources *r,
                           struct cell_error *err)
{
        if (!(r->hugepage_limits =
                      alloc_array(v, p, sizeof(*r->hugepage_limits), &r->n_hugepage_limits, err)))
                return -1;
        for (size_t i = 0; i < r->n_hugepage_limits; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                const struct oci_path *e_path = OCI_INDEX(p, i);
                struct cell_hugepage_limit *h = &r->hugepage_limits[i];
                if (oci_expect_object(e, e_path, err) < 0 ||
                    oci_field_string(e, e_path, "pageSize", true, &h->page_size, err) < 0 ||
                    oci_field_uint64(e, e_path, "limit", true, &h->limit, err) < 0)
                        return -1;
        }
        return 0;
}

static int parse_network(json_object *o, const struct oci_path *p, struct cell_resources *r,
                         struct cell_error *err)
{
        __typeof__(r->network) *net = &r->network;
        json_object *prios = oci_member(o, "priorities");
        const struct oci_path *prios_path = OCI_KEY(p, "priorities");
        int rc;
        if (oci_expect_object(o, p, err) < 0 ||
            (rc = oci_field_uint32(o, p, "classID", false, &net->class_id, err)) < 0)
                return -1;
        net->has_class_id = rc > 0;
        if (prios && !(net->priorities = alloc_array(prios, prios_path, sizeof(*net->priorities),
                                                     &net->n_priorities, err)))
                return -1;
        for (size_t i = 0; i < net->n_priorities; i++) {
                json_object *e = json_object_array_get_idx(prios, i);
                const struct oci_path *e_path = OCI_INDEX(prios_path, i);
                struct cell_net_priority *np = &net->priorities[i];
                if (oci_expect_object(e, e_path, err) < 0 ||
                    oci_field_string(e, e_path, "name", true, &np->name, err) < 0 ||
                    oci_field_uint32(e, e_path, "priority", true, &np->priority, err) < 0)
                        return -1;
        }
        return 0;
}

static int parse_rdma(json_object *o, const struct oci_path *p, struct cell_resources *r,
                      struct cell_error *err)
{
        if (oci_expect_object(o, p, err) < 0)
                return -1;
        r->rdma = xcalloc((size_t)json_object_object_length(o) + 1, sizeof(*r->rdma));
        json_object_object_foreach(o, device, limits)
        {
                const struct oci_path *d_path = OCI_KEY(p, device);
                struct cell_rdma_limit *l = &r->rdma[r->n_rdma++];
                int h, ob;
                l->device = xstrdup(device);
                if (oci_expect_object(limits, d_path, err) < 0 ||
                    (h = oci_field_uint32(limits, d_path, "hcaHandles", false, &l->hca_handles,
                                          err)) < 0 ||
                    (ob = oci_field_uint32(limits, d_path, "hcaObjects", false, &l->hca_objects,
                                           err)) < 0)
                        return -1;
                l->has_hca_handles = h > 0;
                l->has_hca_objects = ob > 0;
        }
        return 0;
}

int oci_parse_resources(json_object *v, const struct oci_path *path, struct cell_resources *r,
                        struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0)
                return -1;
        r->present = true;
        if (OCI_PARSE_MEMBER(v, path, "devices", parse_device_rules, r, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "memory", parse_memory, r, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "cpu", parse_cpu, r, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "pids", parse_pids, r, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "blockIO", parse_block_io, r, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "hugepageLimits", parse_hugepages, r, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "network", parse_network, r, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "rdma", parse_rdma, r, err) < 0)
                return -1;
        json_object *unified = oci_member(v, "unified");
        if (unified && oci_get_key_values(unified, OCI_KEY(path, "unified"), &r->unified,
                                          &r->n_unified, err) < 0)
                return -1;
        return 0;
}

void oci_resources_release(struct cell_resources *r)
{
        free(r->devices);
        free(r->cpu.cpus);
        free(r->cpu.mems);
        free(r->block_io.weight_devices);
        free(r->block_io.throttle_read_bps);
        free(r->block_io.throttle_write_bps);
        free(r->block_io.throttle_read_iops);
        free(r->block_io.throttle_write_iops);
        for (size_t i = 0; i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        for (size_t i = 0; i < r->network.n_priorities; i++)
                free(r->network.priorities[i].name);
        free(r->network.priorities);
        for (size_t i = 0; i < r->n_rdma; i++)
                free(r->rdma[i].device);
        free(r->rdma);
        oci_key_values_free(r->unified, r->n_unified);
        memset(r, 0, sizeof(*r));
}
