/* SPDX-License-Identifier: Apache-2.0 */
/* `cell import [OPTIONS] FILE|- [REPOSITORY[:TAG]]`: a rootfs tar becomes an image of one layer. */
#include <stdio.h>

#include "cli/engine/ecli.h"
#include "image/layerimage.h"

static const struct ecli_option options[] = {
        {"change", 'c', ECLI_VALUES, "INSTRUCTION",
         "Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
         "STOPSIGNAL, USER, VOLUME, WORKDIR)"},
        {"message", 'm', ECLI_VALUE, "MESSAGE", "Set the history entry's comment"},
        {"quiet", 'q', ECLI_FLAG, NULL, "Accepted for podman compatibility"},
        {0},
};

static int run_import(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_layer_image_opts o = {0};
        o.name = a->argc > 1 ? a->argv[1] : NULL;
        o.comment = ecli_value(a, "message");
        o.changes = ecli_values(a, "change", &o.n_changes);
        struct cell_store *s;
        if (ecli_store(ctx, &s, &err) < 0 || cell_store_lock_shared(s, &err) < 0)
                return ecli_fail(&err);
        char id[CELL_DIGEST_MAX];
        if (cell_image_import(s, a->argv[0], &o, id, &err) < 0)
                return ecli_fail(&err);
        printf("%s\n", id);
        return 0;
}

const struct ecli_verb ecli_verb_import = {
        .name = "import",
        .usage = "[OPTIONS] FILE|- [REPOSITORY[:TAG]]",
        .summary = "Make an image of one layer from a tar of a root filesystem",
        .description =
                "Reads a tar (plain, gzip, zstd, xz or bzip2; - for standard input), stores it "
                "as an uncompressed layer, and adds an image for this platform with that one "
                "layer, named REPOSITORY[:TAG] when given. Prints the image's id.",
        .options = options,
        .min_args = 1,
        .max_args = 2,
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_import,
};
