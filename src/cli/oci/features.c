/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cli/oci/cli.h"
#include "cli/oci/options.h"
#include "runtime/features.h"
#include "util/cleanup.h"

static int features_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_no_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_no_args(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        _cleanup_free_ char *json = cell_features_json();
        printf("%s\n", json);
        return 0;
}

const struct cli_verb cli_verb_features = {
        .name = "features",
        .run = features_main,
        .summary = "print what this runtime supports as JSON",
        .usage = "Usage: cell-oci features\n"
                 "\n"
                 "Print the runtime-spec features document: the namespaces, capabilities,\n"
                 "mount options, seccomp actions, ... that cell implements.\n"
                 "\n"
                 "Options:\n"
                 "  -h, --help   show this help\n",
};
