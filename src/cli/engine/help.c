/* SPDX-License-Identifier: Apache-2.0 */
/* `cell help [COMMAND [SUBCOMMAND]]`: the same text as --help. */
#include <string.h>

#include "cli/engine/ecli.h"

static int run_help(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        (void)ctx;
        if (a->argc == 0) {
                ecli_print_main_help(stdout);
                return 0;
        }
        const struct ecli_verb *v = a->argc == 2 ? ecli_find_verb(a->argv[0], a->argv[1]) : NULL;
        if (!v && a->argc == 1)
                v = ecli_find_verb(NULL, a->argv[0]);
        if (v) {
                ecli_print_verb_help(stdout, v);
                return 0;
        }
        if (a->argc == 1 && strcmp(ecli_group_summary(a->argv[0]), "") != 0) {
                ecli_print_group_help(stdout, a->argv[0]);
                return 0;
        }
        return ecli_error("unknown help topic \"%s%s%s\"; see 'cell --help'", a->argv[0], a->argc > 1 ? " " : "",
                          a->argc > 1 ? a->argv[1] : "");
}

const struct ecli_verb ecli_verb_help = {
        .name = "help",
        .usage = "[COMMAND [SUBCOMMAND]]",
        .summary = "Show help for a command",
        .description = "Prints the same text as 'cell COMMAND --help'.",
        .max_args = 2,
        .complete_args = "command",
        .run = run_help,
};
