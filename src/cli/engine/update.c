/* SPDX-License-Identifier: Apache-2.0 */
/* `cell update`: new memory, CPU and pids limits for containers, through the runtime library. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/vm_ctr.h"
#include "oci/spec.h"

static const struct ecli_option options[] = {
        {"memory", 'm', ECLI_VALUE, "BYTES", "Memory limit (512m, 1g)"},
        {"cpus", 0, ECLI_VALUE, "N", "Number of CPUs (1.5)"},
        {"pids-limit", 0, ECLI_VALUE, "N", "Tune container pids limit (-1 for unlimited)"},
        {0},
};

static int parse_limits(const struct ecli_args *a, struct cell_resources *r, struct cell_error *err)
{
        memset(r, 0, sizeof(*r));
        const char *m = ecli_value(a, "memory"), *c = ecli_value(a, "cpus"), *p = ecli_value(a, "pids-limit");
        struct cell_error why;
        if (m) {
                if (cell_size_parse(m, &r->memory.limit, &why) < 0)
                        return cell_error_set(err, 0, "invalid argument \"%s\" for \"-m, --memory\" flag: %s",
                                              m, why.msg);
                r->memory.has_limit = true;
        }
        if (c) {
                char *end;
                double v = strtod(c, &end);
                if (end == c || *end || !(v > 0) || !isfinite(v))
                        return cell_error_set(err, 0, "invalid argument \"%s\" for \"--cpus\" flag", c);
                r->cpu.has_quota = r->cpu.has_period = true;
                r->cpu.period = 100000;
                r->cpu.quota = (int64_t)llround(v * 100000);
        }
        if (p) {
                char *end;
                long long v = strtoll(p, &end, 10);
                if (end == p || *end)
                        return cell_error_set(err, 0, "invalid argument \"%s\" for \"--pids-limit\" flag", p);
                r->pids.has_limit = true;
                r->pids.limit = v > 0 ? v : -1;
        }
        if (!m && !c && !p)
                return cell_error_set(err, 0, "you must provide one or more flags when using this command");
        return 0;
}

static void record_limits(json_object *hc, const struct cell_resources *r)
{
        if (!hc)
                return;
        if (r->memory.has_limit)
                json_object_object_add(hc, "Memory", json_object_new_int64(r->memory.limit));
        if (r->cpu.has_quota)
                json_object_object_add(hc, "NanoCpus", json_object_new_int64(r->cpu.quota * 10000));
        if (r->pids.has_limit)
                json_object_object_add(hc, "PidsLimit", json_object_new_int64(r->pids.limit > 0 ? r->pids.limit : 0));
}

/* The record is locked. */
static int update_one(struct cell_engine *e, struct cell_ctr *c, const char *name, void *data,
                      struct cell_error *err)
{
        struct cell_resources *res = data;
        if (c->state.status != CELL_CTR_RUNNING && c->state.status != CELL_CTR_PAUSED)
                return cell_error_set(err, 0, "container %s is not running: cell applies limits "
                                              "to a running container's cgroup", name);
        if (cell_ctr_is_vm(c))
                return cell_error_set(err, 0, "container %s is a micro-VM: its memory and CPUs are "
                                              "the VM's, fixed at its start", name);
        struct cell_update_opts uo = {.flags = res};
        if (cell_container_update(&e->rt, c->id, &uo, err) < 0)
                return -1;
        record_limits(c->host_config, res);
        return cell_ctr_save(e, c, err);
}

static int run_update(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_resources res;
        if (parse_limits(a, &res, &err) < 0)
                return ecli_fail(&err);
        return ctr_verbs_each(ctx, a, true, update_one, &res);
}

const struct ecli_verb ecli_verb_update = {
        .name = "update",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .summary = "Update configuration of one or more containers",
        .options = options,
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_update,
};
