/* SPDX-License-Identifier: Apache-2.0 */
/* `cell stats`: live CPU, memory and pids of running containers (engine/stats.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/stats.h"

static const struct ecli_option options[] = {
        {"no-stream", 0, ECLI_FLAG, NULL, "Disable streaming stats and only pull the first result"},
        {"all", 'a', ECLI_FLAG, NULL, "Show all containers (default shows just running)"},
        ECLI_OPT_FORMAT,
        {0},
};

static const struct ecli_column columns[] = {
        {"CONTAINER ID", "ID"}, {"NAME", "Name"}, {"CPU %", "CPUPerc"},
        {"MEM USAGE / LIMIT", "MemUsage"}, {"MEM %", "MemPerc"}, {"PIDS", "PIDs"}, {0},
};

/* The containers to show: those named, or every running one (every one with -a). */
struct target {
        struct cell_ctr c;
        struct cell_engine_stats prev, cur;
        bool ok;
};

static int targets(struct cell_engine *e, const struct ecli_args *a, struct target **out,
                   size_t *n, struct cell_error *err)
{
        *out = NULL;
        *n = 0;
        if (a->argc > 0) {
                *out = calloc((size_t)a->argc, sizeof(**out));
                for (int i = 0; i < a->argc; i++, (*n)++)
                        if (cell_ctr_lookup(e, a->argv[i], false, &(*out)[i].c, err) < 0)
                                return -1;
                return 0;
        }
        struct cell_ctr *list;
        size_t count;
        if (cell_ctr_list(e, &list, &count, err) < 0)
                return -1;
        *out = calloc(count + 1, sizeof(**out));
        bool all = ecli_flag(a, "all");
        for (size_t i = 0; i < count; i++) {
                if (all || list[i].state.status == CELL_CTR_RUNNING ||
                    list[i].state.status == CELL_CTR_PAUSED) {
                        (*out)[(*n)++].c = list[i];
                        cell_ctr_init(&list[i]);
                }
        }
        cell_ctr_list_free(list, count);
        return 0;
}

static void sample_all(struct cell_engine *e, struct target *t, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                struct cell_error ignored;
                t[i].prev = t[i].cur;
                /* a container that stopped meanwhile shows zeros, as docker's */
                cell_ctr_reload(e, &t[i].c, &ignored);
                t[i].ok = cell_engine_stats_sample(e, &t[i].c, &t[i].cur, &ignored) == 0;
        }
}

static json_object *row(const struct target *t)
{
        char cpu[32], mem[32], use[16], lim[16], usage[40], pids[24], id[13];
        double cpu_pct = t->ok ? cell_engine_stats_cpu_percent(&t->prev, &t->cur) : 0;
        double mem_pct = t->ok && t->cur.mem_limit ? 100.0 * (double)t->cur.mem_usage /
                                                             (double)t->cur.mem_limit
                                                   : 0;
        snprintf(cpu, sizeof(cpu), "%.2f%%", cpu_pct);
        snprintf(mem, sizeof(mem), "%.2f%%", mem_pct);
        cell_engine_stats_bytes(t->cur.mem_usage, use, sizeof(use));
        cell_engine_stats_bytes(t->cur.mem_limit, lim, sizeof(lim));
        snprintf(usage, sizeof(usage), "%s / %s", use, lim);
        snprintf(pids, sizeof(pids), "%llu", (unsigned long long)t->cur.pids);
        snprintf(id, sizeof(id), "%.12s", t->c.id);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "ID", json_object_new_string(id));
        json_object_object_add(o, "Container", json_object_new_string(t->c.id));
        json_object_object_add(o, "Name", json_object_new_string(t->c.name));
        json_object_object_add(o, "CPUPerc", json_object_new_string(cpu));
        json_object_object_add(o, "MemUsage", json_object_new_string(usage));
        json_object_object_add(o, "MemPerc", json_object_new_string(mem));
        json_object_object_add(o, "PIDs", json_object_new_string(pids));
        json_object_object_add(o, "CPUPercent", json_object_new_double(cpu_pct));
        json_object_object_add(o, "MemUsageBytes", json_object_new_int64((int64_t)t->cur.mem_usage));
        json_object_object_add(o, "MemLimitBytes", json_object_new_int64((int64_t)t->cur.mem_limit));
        json_object_object_add(o, "PIDsCurrent", json_object_new_int64((int64_t)t->cur.pids));
        json_object_object_add(o, "PIDsLimit", json_object_new_int64((int64_t)t->cur.pids_limit));
        return o;
}

static int print(const struct ecli_args *a, struct target *t, size_t n, struct cell_error *err)
{
        json_object *rows = json_object_new_array();
        for (size_t i = 0; i < n; i++)
                json_object_array_add(rows, row(&t[i]));
        int r = ecli_print_list(a, rows, columns, "ID", err);
        json_object_put(rows);
        fflush(stdout);
        return r;
}

static void nap(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0)
                ;
}

static int run_stats(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct target *t;
        size_t n;
        int r = targets(&e, a, &t, &n, &err);
        if (r == 0) {
                /* A CPU % needs two samples: the first is taken half a second before. */
                sample_all(&e, t, n);
                nap(500);
                sample_all(&e, t, n);
                bool tty = isatty(1);
                for (;;) {
                        if (!ecli_flag(a, "no-stream") && tty)
                                fputs("\033[2J\033[H", stdout); /* redraw in place */
                        if ((r = print(a, t, n, &err)) < 0 || ecli_flag(a, "no-stream"))
                                break;
                        nap(1000);
                        sample_all(&e, t, n);
                }
        }
        for (size_t i = 0; t && i < n; i++)
                cell_ctr_release(&t[i].c);
        free(t);
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_stats = {
        .name = "stats",
        .usage = "[OPTIONS] [CONTAINER...]",
        .summary = "Display a live stream of container(s) resource usage statistics",
        .description = "CPU (100% per busy CPU), memory (less the inactive page cache) against the "
                       "container's limit or the host's memory, and processes, from each "
                       "container's cgroup; redrawn every second on a terminal, one table after "
                       "another otherwise, once with --no-stream.",
        .options = options,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_stats,
};
