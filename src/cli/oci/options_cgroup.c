/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/options.h"
#include "cli/oci/options_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/*
 * update.
 */

static const struct option update_options[] = {
        {"resources", required_argument, NULL, 'r'},
        {"memory", required_argument, NULL, 'm'},
        {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
        {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
        {"kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY},
        {"kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP},
        {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
        /* runc's spelling */
        {"cpu-share", required_argument, NULL, OPT_CPU_SHARES},
        {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
        {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
        {"cpu-burst", required_argument, NULL, OPT_CPU_BURST},
        {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
        {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
        {"cpu-idle", required_argument, NULL, OPT_CPU_IDLE},
        {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
        {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
        {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
        {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

/*
 * Where each numeric update flag goes: a has_* flag and a value of `kind`
 * (a size, a signed or an unsigned integer) within [min, max].
 */
enum flag_kind { FLAG_SIZE, FLAG_I64, FLAG_U64, FLAG_U16 };

struct update_flag {
        int opt;
        enum flag_kind kind;
        int64_t min, max;
        size_t has, value; /* offsets in struct cell_resources */
};

#define UPDATE_FLAG(opt_, kind_, min_, max_, section, field)                                       \
        {                                                                                          \
                opt_, kind_, min_, max_, offsetof(struct cell_resources, section.has_##field),     \
                        offsetof(struct cell_resources, section.field)                             \
        }

static const struct update_flag update_flags[] = {
        UPDATE_FLAG('m', FLAG_SIZE, -1, INT64_MAX, memory, limit),
        UPDATE_FLAG(OPT_MEMORY_SWAP, FLAG_SIZE, -1, INT64_MAX, memory, swap),
        UPDATE_FLAG(OPT_MEMORY_RESERVATION, FLAG_SIZE, -1, INT64_MAX, memory, reservation),
        UPDATE_FLAG(OPT_KERNEL_MEMORY, FLAG_SIZE, -1, INT64_MAX, memory, kernel),
        UPDATE_FLAG(OPT_KERNEL_MEMORY_TCP, FLAG_SIZE, -1, INT64_MAX, memory, kernel_tcp),
        UPDATE_FLAG(OPT_CPU_SHARES, FLAG_U64, 0, 0, cpu, shares),
        UPDATE_FLAG(OPT_CPU_PERIOD, FLAG_U64, 0, 0, cpu, period),
        UPDATE_FLAG(OPT_CPU_BURST, FLAG_U64, 0, 0, cpu, burst),
        UPDATE_FLAG(OPT_CPU_RT_PERIOD, FLAG_U64, 0, 0, cpu, realtime_period),
        UPDATE_FLAG(OPT_CPU_QUOTA, FLAG_I64, -1, INT64_MAX, cpu, quota),
        UPDATE_FLAG(OPT_CPU_RT_RUNTIME, FLAG_I64, -1, INT64_MAX, cpu, realtime_runtime),
        UPDATE_FLAG(OPT_CPU_IDLE, FLAG_I64, 0, 1, cpu, idle),
        UPDATE_FLAG(OPT_PIDS_LIMIT, FLAG_I64, -1, INT64_MAX, pids, limit),
        UPDATE_FLAG(OPT_BLKIO_WEIGHT, FLAG_U16, 0, 1000, block_io, weight),
};

static const char *update_option_name(int opt)
{
        for (const struct option *o = update_options; o->name; o++)
                if (o->val == opt)
                        return o->name;
        return "?";
}

/* A decimal integer within [min, max]; FLAG_U64 takes any uint64. */
static int parse_number(const struct update_flag *f, const char *arg, uint64_t *out,
                        struct cell_error *err)
{
        const char *name = update_option_name(f->opt);
        char *end = NULL;
        errno = 0;
        if (f->kind == FLAG_U64) {
                *out = strtoull(arg, &end, 10);
                if (arg[0] >= '0' && arg[0] <= '9' && !errno && !*end)
                        return 0;
                return cell_error_set(err, 0, "invalid --%s \"%s\": must be a non-negative integer",
                                      name, arg);
        }
        long long v = strtoll(arg, &end, 10);
        if (!arg[0] || errno || *end || v < f->min || v > f->max)
                return cell_error_set(err, 0,
                                      "invalid --%s \"%s\": must be an integer in %lld..%lld", name,
                                      arg, (long long)f->min, (long long)f->max);
        *out = (uint64_t)v;
        return 0;
}

static int update_numeric(const struct update_flag *f, const char *arg, struct cell_resources *r,
                          struct cell_error *err)
{
        uint64_t v = 0;
        if (f->kind == FLAG_SIZE) {
                int64_t size;
                if (cli_parse_size(arg, &size, err) < 0)
                        return cell_error_prefix(err, "--%s", update_option_name(f->opt));
                v = (uint64_t)size;
        } else if (parse_number(f, arg, &v, err) < 0) {
                return -1;
        }
        char *base = (char *)r;
        *(bool *)(base + f->has) = true;
        if (f->kind == FLAG_U16) {
                uint16_t w = (uint16_t)v;
                memcpy(base + f->value, &w, sizeof(w));
        } else {
                memcpy(base + f->value, &v, sizeof(v)); /* int64 and uint64 alike */
        }
        return 0;
}

static int handle_update(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_update_args *a = data;
        if (opt == 'r')
                a->resources_file = arg;
        else if (opt == OPT_CPUSET_CPUS)
                a->flags.cpu.cpus = (char *)arg;
        else if (opt == OPT_CPUSET_MEMS)
                a->flags.cpu.mems = (char *)arg;
        else {
                for (size_t i = 0; i < sizeof(update_flags) / sizeof(update_flags[0]); i++)
                        if (update_flags[i].opt == opt)
                                return update_numeric(&update_flags[i], arg, &a->flags, err);
                return cell_error_set(err, 0, "unhandled option %d", opt);
        }
        return 0;
}

int cli_parse_update(int argc, char **argv, struct cli_update_args *out, struct cell_error *err)
{
        *out = (struct cli_update_args){0};
        return cli_opt_parse_id(argc, argv, ":hr:m:", update_options, handle_update, out,
                                &out->help, &out->id, err);
}

/*
 * ps.
 */

static const struct option ps_options[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

int cli_parse_ps(int argc, char **argv, struct cli_ps_args *out, struct cell_error *err)
{
        struct cli_list_args format = {.format = CLI_LIST_TABLE};
        *out = (struct cli_ps_args){.format = CLI_LIST_TABLE};
        /* '+': the first non-option is the id; everything after it is ps's */
        int index = cli_opt_parse(argc, argv, "+:hf:", ps_options, cli_opt_handle_list, &format,
                                  &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (argc - index < 1)
                return cell_error_set(err, 0, "\"%s\" requires a minimum of 1 argument(s)",
                                      argv[0]);
        out->format = format.format;
        out->id = argv[index];
        out->ps_args = argv + index + 1;
        return 0;
}

/*
 * events.
 */

static const struct option events_options[] = {
        {"stats", no_argument, NULL, OPT_STATS},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int handle_events(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_events_args *a = data;
        if (opt == OPT_STATS) {
                a->stats = true;
                return 0;
        }
        if (opt != OPT_INTERVAL)
                return cell_error_set(err, 0, "unhandled option %d", opt);
        if (cli_parse_duration(arg, &a->interval_ms, err) < 0)
                return cell_error_prefix(err, "--interval");
        return 0;
}

int cli_parse_events(int argc, char **argv, struct cli_events_args *out, struct cell_error *err)
{
        *out = (struct cli_events_args){.interval_ms = 5000};
        int index = cli_opt_parse(argc, argv, ":h", events_options, handle_events, out, &out->help,
                                  err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (cli_opt_arg_count(argv[0], argc - index, 1, 1, err) < 0)
                return -1;
        out->id = argv[index];
        return 0;
}
