/* SPDX-License-Identifier: Apache-2.0 */
/* `cell save [-o FILE] [--format F] IMAGE...`: images out of the store as an archive. */
#include <stdio.h>
#include <unistd.h>

#include "cli/engine/ecli.h"
#include "image/archive.h"

static const struct ecli_option options[] = {
        {"output", 'o', ECLI_VALUE, "FILE",
         "Write to a file (a directory for oci-dir) instead of "
         "standard output",
         .complete = "file"},
        {"format", 0, ECLI_VALUE, "FORMAT", "Archive format",
         .complete = "docker-archive|oci-archive|oci-dir", .def = "docker-archive"},
        {"quiet", 'q', ECLI_FLAG, NULL,
         "Print nothing but errors (accepted for podman compatibility)"},
        {0},
};

static int run_save(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        enum cell_archive_format format;
        if (cell_archive_format_parse(ecli_value(a, "format"), &format, &err) < 0)
                return ecli_fail(&err);
        const char *output = ecli_value(a, "output");
        if (!output && isatty(STDOUT_FILENO))
                return ecli_error(
                        "cowardly refusing to save to a terminal: use -o FILE or redirect");
        struct cell_store *s;
        if (ecli_store(ctx, &s, &err) < 0 || cell_store_lock_shared(s, &err) < 0)
                return ecli_fail(&err);
        if (cell_archive_save(s, (const char *const *)a->argv, (size_t)a->argc, format, output,
                              STDOUT_FILENO, &err) < 0)
                return ecli_fail(&err);
        return 0;
}

const struct ecli_verb ecli_verb_save = {
        .name = "save",
        .usage = "[OPTIONS] IMAGE [IMAGE...]",
        .summary = "Save images to a tar archive or an OCI layout",
        .description = "Writes the images as a docker archive (the default, as docker save does: "
                       "uncompressed layers, manifest.json with RepoTags), an OCI layout in a tar "
                       "(oci-archive) or an OCI layout directory (oci-dir). With -o the archive is "
                       "written under a temporary name beside FILE and renamed when complete, so a "
                       "failure leaves no half archive. An image given by name is saved with that "
                       "name; one given by id with all its names.",
        .options = options,
        .min_args = 1,
        .max_args = 0, /* no limit: ecli_parse.c reads -1 as "none" */
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_save,
};
