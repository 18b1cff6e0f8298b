/* SPDX-License-Identifier: Apache-2.0 */
/* `cell load [-i FILE] [-q]`: images from an archive (OCI layout, docker archive) into the store.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/engine/ecli.h"
#include "image/archive.h"

static const struct ecli_option options[] = {
        {"input", 'i', ECLI_VALUE, "FILE",
         "Read from an archive file or an OCI layout directory instead of standard input",
         .complete = "file"},
        {"quiet", 'q', ECLI_FLAG, NULL, "Print nothing but errors"},
        {0},
};

static int run_load(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        const char *input = ecli_value(a, "input");
        if (!input && isatty(STDIN_FILENO))
                return ecli_error("requested load from stdin, but stdin is a terminal: "
                                  "use -i FILE or redirect");
        struct cell_store *s;
        if (ecli_store(ctx, &s, &err) < 0 || cell_store_lock_shared(s, &err) < 0)
                return ecli_fail(&err);
        struct cell_load_result res;
        if (cell_archive_load(s, input ? input : "-", &res, &err) < 0)
                return ecli_fail(&err);
        for (size_t i = 0; i < res.n && !ecli_flag(a, "quiet"); i++) {
                if (res.images[i].n_names == 0)
                        printf("Loaded image ID: %s\n", res.images[i].id);
                for (size_t k = 0; k < res.images[i].n_names; k++)
                        printf("Loaded image: %s\n", res.images[i].names[k]);
        }
        cell_load_result_release(&res);
        return 0;
}

const struct ecli_verb ecli_verb_load = {
        .name = "load",
        .usage = "[OPTIONS]",
        .summary = "Load images from a tar archive or an OCI layout",
        .description =
                "Reads an OCI image layout (a directory, or a tar of one) or a docker archive "
                "(as docker save and podman save write it, current and old layouts); the tar "
                "may be compressed. Every blob's digest is verified and every layer unpacked "
                "before any image is added, so a bad archive adds nothing. From an OCI index, "
                "the image for this machine's platform is taken. Prints one line "
                "\"Loaded image: NAME\" for each name.",
        .options = options,
        .max_args = -1, /* none (ecli_parse.c) */
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_load,
};
