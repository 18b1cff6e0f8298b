/* SPDX-License-Identifier: Apache-2.0 */
/* `cell push [OPTIONS] IMAGE [DESTINATION]`: a stored image to a registry. */
#include <stdio.h>

#include "cli/engine/ecli.h"
#include "cli/engine/registry_opts.h"
#include "image/registry.h"

static const struct ecli_option options[] = {
        REGISTRY_OPTIONS,
        {"creds", 0, ECLI_VALUE, "USER:PASSWORD",
         "Credentials for the registry, instead of the auth file"},
        {"quiet", 'q', ECLI_FLAG, NULL, "Print no progress"},
        {0},
};

static int run_push(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_pull_opts o = CELL_PULL_OPTS_DEFAULT;
        registry_opts_read(a, &o);
        o.creds = ecli_value(a, "creds");
        o.progress = ecli_flag(a, "quiet") ? CELL_PROGRESS_QUIET : CELL_PROGRESS_AUTO;
        o.output = stderr;
        struct cell_store *s;
        if (ecli_store(ctx, &s, &err) < 0)
                return ecli_fail(&err);
        if (cell_registry_push(s, a->argv[0], a->argc > 1 ? a->argv[1] : NULL, &o, &err) < 0)
                return ecli_fail(&err);
        return 0;
}

const struct ecli_verb ecli_verb_push = {
        .name = "push",
        .usage = "[OPTIONS] IMAGE [DESTINATION]",
        .summary = "Push an image to a registry",
        .description =
                "Uploads the blobs the registry does not have yet (layers, then the config) and "
                "then "
                "the manifest, unchanged, so the image keeps its digest. DESTINATION is a "
                "reference "
                "(an optional docker:// in front); without it IMAGE names the destination too.",
        .options = options,
        .min_args = 1,
        .max_args = 2,
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_push,
};
