/* SPDX-License-Identifier: Apache-2.0 */
/* `cell image tag` (`cell tag`): give an image another name. */
#include "cli/engine/image_verbs.h"

static int run_tag(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_store *s;
        if (image_verbs_store(ctx, &s, &err) < 0 || cell_store_lock_shared(s, &err) < 0 ||
            cell_image_tag(s, a->argv[0], a->argv[1], &err) < 0)
                return ecli_fail(&err);
        return 0;
}

const struct ecli_verb ecli_verb_image_tag = {
        .name = "tag",
        .group = "image",
        .aliases = "tag",
        .usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
        .summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
        .description = "TARGET_IMAGE is stored fully qualified (\"foo\" is docker.io/library/foo:latest); "
                       "when another image had that name, it moves here.",
        .min_args = 2,
        .max_args = 2,
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_tag,
};
