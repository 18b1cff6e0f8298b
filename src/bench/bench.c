/* SPDX-License-Identifier: Apache-2.0 */
/* cell_bench_isolation(): set up, run every workload, tear down (bench.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "bench/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

char *cell_bench_find_helper(const char *cell, struct cell_error *err)
{
        const char *env = getenv("CELL_BENCH_HELPER");
        if (env && *env) {
                if (access(env, X_OK) == 0)
                        return xstrdup(env);
                cell_error_errno(err, "cell-bench-helper %s ($CELL_BENCH_HELPER)", env);
                return NULL;
        }
        _cleanup_free_ char *dir = xstrdup(cell);
        char *slash = strrchr(dir, '/');
        if (slash)
                *slash = 0;
        char *candidates[] = {
                xasprintf("%s/cell-bench-helper", slash ? dir : "."),
                xasprintf("%s/src/bench/cell-bench-helper", slash ? dir : "."),
                xstrdup("/usr/libexec/cell/cell-bench-helper"),
        };
        char *found = NULL;
        for (size_t i = 0; i < 3; i++) {
                if (!found && access(candidates[i], X_OK) == 0)
                        found = xstrdup(candidates[i]);
                free(candidates[i]);
        }
        if (!found)
                cell_error_set(err, ENOENT,
                               "cell-bench-helper not found next to %s nor in /usr/libexec/cell "
                               "(build it: ninja -C build; or set $CELL_BENCH_HELPER)",
                               cell);
        return found;
}

int cell_bench_isolation(const struct cell_bench_config *c, json_object **out,
                         struct cell_error *err)
{
        struct bench b = {.c = c};
        json_object *result = json_object_new_object();
        json_object_object_add(result, "image", json_object_new_string(c->image));
        json_object_object_add(result, "runs", json_object_new_int(c->runs));
        json_object_object_add(result, "density", json_object_new_int(c->density));
        json_object_object_add(result, "density_budget_bytes",
                               json_object_new_int64((int64_t)c->budget));
        json_object_object_add(result, "density_seconds", json_object_new_int(c->density_seconds));
        json_object_object_add(
                result, "network_path",
                json_object_new_string("net_rtt/net_throughput: from the host (cell bench's "
                                       "own network namespace) over each mode's path: process "
                                       "the host's loopback (it shares the host's stack), "
                                       "container its bridge address (veth + bridge), vm the "
                                       "guest's address (bridge + tap); net_lo_*: over "
                                       "127.0.0.1 inside each instance"));
        if (c->progress)
                fprintf(c->progress,
                        "bench: describing the host (kernel, CPU, accelerator, cgroups)\n");
        json_object_object_add(result, "host", cell_bench_host(c->runroot));
        int r = bench_setup(&b, err);
        if (r == 0 && bench_workloads(&b, result) < 0) {
                r = -1;
                cell_error_set(err, EINTR, "bench interrupted: everything it started is removed");
        }
        if (r == 0 && bench_stopped(&b)) {
                r = -1;
                cell_error_set(err, EINTR, "bench interrupted: everything it started is removed");
        }
        bench_progress(&b, "cleaning up");
        bench_teardown(&b);
        if (r < 0) {
                json_object_put(result);
                return -1;
        }
        *out = result;
        return 0;
}
