/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"
#include "cli/oci/options.h"

static int update_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_update_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_update(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        struct cell_update_opts opts = {.resources_file = args.resources_file,
                                        .flags = &args.flags};
        if (cell_container_update(&ctx->rt, args.id, &opts, &err) < 0)
                return cli_fail(&err);
        return 0;
}

const struct cli_verb cli_verb_update = {
        .name = "update",
        .run = update_main,
        .summary = "change the resource limits of a container",
        .usage = "Usage: cell-oci update [OPTIONS] ID\n"
                 "\n"
                 "Write new limits to the container's cgroup.  Only what is given changes.\n"
                 "A --resources document is a runtime-spec linux.resources object, e.g.\n"
                 "  {\"memory\": {\"limit\": 67108864}, \"cpu\": {\"quota\": 50000}}\n"
                 "and the other options override the fields they name.  SIZE is bytes or\n"
                 "a number with k, m, g (binary units: 64m = 67108864), or -1 (unlimited).\n"
                 "\n"
                 "Options:\n"
                 "  -r, --resources FILE          linux.resources JSON (\"-\": standard input)\n"
                 "  -m, --memory SIZE             memory limit\n"
                 "  --memory-swap SIZE            memory plus swap limit\n"
                 "  --memory-reservation SIZE     memory soft limit\n"
                 "  --kernel-memory-tcp SIZE      kernel TCP buffer limit\n"
                 "  --cpu-shares N                CPU shares (relative weight)\n"
                 "  --cpu-quota N                 CFS quota in microseconds per period (-1: none)\n"
                 "  --cpu-period N                CFS period in microseconds\n"
                 "  --cpu-burst N                 CFS burst in microseconds\n"
                 "  --cpu-rt-runtime N            real-time runtime in microseconds\n"
                 "  --cpu-rt-period N             real-time period in microseconds\n"
                 "  --cpu-idle 0|1                SCHED_IDLE for the cgroup\n"
                 "  --cpuset-cpus LIST            CPUs allowed (0-3,5)\n"
                 "  --cpuset-mems LIST            memory nodes allowed\n"
                 "  --pids-limit N                maximum number of tasks (-1: none)\n"
                 "  --blkio-weight N              block IO weight (BFQ: 1..1000, CFQ: 10..1000)\n"
                 "  -h, --help                    show this help\n",
};
