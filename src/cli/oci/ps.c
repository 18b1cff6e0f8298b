/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/oci/cli.h"
#include "cli/oci/options.h"
#include "util/cleanup.h"

/* A JSON array of pids, as containerd's go-runc decodes it. */
static void print_pids_json(const pid_t *pids, size_t n)
{
        putchar('[');
        for (size_t i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", (int)pids[i]);
        puts("]");
}

static int ps_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_ps_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_ps(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        if (args.format == CLI_LIST_JSON) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n;
                if (cell_container_pids(&ctx->rt, args.id, &pids, &n, &err) < 0)
                        return cli_fail(&err);
                print_pids_json(pids, n);
                return 0;
        }
        _cleanup_free_ char *table = NULL;
        if (cell_container_ps_table(&ctx->rt, args.id, args.ps_args, &table, &err) < 0)
                return cli_fail(&err);
        fputs(table, stdout);
        return 0;
}

const struct cli_verb cli_verb_ps = {
        .name = "ps",
        .run = ps_main,
        .summary = "list the processes of a container",
        .usage = "Usage: cell-oci ps [OPTIONS] ID [PS-ARGS...]\n"
                 "\n"
                 "List the processes in the container's cgroup: as ps(1) shows them\n"
                 "(PS-ARGS, default -ef, go to ps), or as a JSON array of host pids.\n"
                 "Options come before ID.\n"
                 "\n"
                 "Options:\n"
                 "  -f, --format table|json   output format (default table)\n"
                 "  -h, --help                show this help\n",
};
