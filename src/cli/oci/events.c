/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cli/oci/cli.h"
#include "cli/oci/options.h"

/* One JSON line on stdout, flushed: a reader acts on each event as it comes. */
static int print_event(const char *json, void *data)
{
        (void)data;
        if (puts(json) < 0 || fflush(stdout) != 0)
                return -1;
        return 0;
}

static int events_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_events_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_events(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        struct cell_events_opts opts = {.stats_once = args.stats, .interval_ms = args.interval_ms};
        if (cell_container_events(&ctx->rt, args.id, &opts, print_event, NULL, &err) < 0)
                return cli_fail(&err);
        return 0;
}

const struct cli_verb cli_verb_events = {
        .name = "events",
        .run = events_main,
        .summary = "print a container's resource statistics and OOM events",
        .usage = "Usage: cell-oci events [OPTIONS] ID\n"
                 "\n"
                 "Print JSON lines as runc does: "
                 "{\"type\":\"stats\",\"id\":ID,\"data\":{\"cpu\":..,\n"
                 "\"memory\":..,\"pids\":..,\"blkio\":..,\"hugetlb\":..}} every interval, and\n"
                 "{\"type\":\"oom\",\"id\":ID} when the kernel's OOM killer kills a process of\n"
                 "the container, until the container's init exits.\n"
                 "\n"
                 "Options:\n"
                 "  --stats             print one stats event and exit\n"
                 "  --interval DURATION time between stats events (default 5s; 500ms, 1m...)\n"
                 "  -h, --help          show this help\n",
};
