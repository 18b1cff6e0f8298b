/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"
#include "cli/oci/options.h"

static int resume_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_id_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_id_only(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        if (cell_container_resume(&ctx->rt, args.id, &err) < 0)
                return cli_fail(&err);
        return 0;
}

const struct cli_verb cli_verb_resume = {
        .name = "resume",
        .run = resume_main,
        .summary = "thaw a paused container",
        .usage = "Usage: cell-oci resume ID\n"
                 "\n"
                 "Thaw every process of the paused container ID.\n"
                 "\n"
                 "Options:\n"
                 "  -h, --help   show this help\n",
};
