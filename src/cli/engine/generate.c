/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell __generate man|man-oci|bash-completion`: the build's documentation,
 * on stdout; `verbs-json`: the verb tables, which the tests check the rest against.
 */
#include <string.h>

#include "cli/engine/ecli.h"
#include "cli/engine/ecli_generate.h"

static int run_generate(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        (void)ctx;
        const char *what = a->argv[0];
        if (strcmp(what, "man") == 0)
                ecli_generate_man(stdout);
        else if (strcmp(what, "man-oci") == 0)
                ecli_generate_man_oci(stdout);
        else if (strcmp(what, "bash-completion") == 0)
                ecli_generate_bash_completion(stdout);
        else if (strcmp(what, "verbs-json") == 0)
                ecli_generate_verbs_json(stdout);
        else
                return ecli_error("__generate: unknown document \"%s\": man, man-oci, bash-completion or "
                                  "verbs-json", what);
        return fflush(stdout) == 0 ? 0 : ecli_error("__generate %s: write: %m", what);
}

const struct ecli_verb ecli_verb___generate = {
        .name = "__generate",
        .usage = "man|man-oci|bash-completion|verbs-json",
        .summary = "Write a generated document (the build runs it)",
        .min_args = 1,
        .max_args = 1,
        .hidden = true,
        .run = run_generate,
};
