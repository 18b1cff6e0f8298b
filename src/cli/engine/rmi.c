/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell image rm` (`cell rmi`): untag or remove images, then the blobs and
 * layers no image needs.  Under the store's exclusive lock, so that no run
 * or create is between finding an image and recording its container.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/engine/image_verbs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const struct ecli_option options[] = {
        {"force", 'f', ECLI_FLAG, NULL,
         "Remove the image even if containers use it (it then stays, nameless, until they are removed) "
         "or it has several names"},
        {0},
};

static const char *user_of(char **ids, char **names, const char *id)
{
        for (size_t i = 0; ids && ids[i]; i++)
                if (strcmp(ids[i], id) == 0)
                        return names[i];
        return NULL;
}

static int rmi_one(struct cell_store *s, const char *arg, bool force, char **ids, char **names,
                   struct cell_error *err)
{
        struct cell_image img;
        if (cell_image_find(s, arg, &img, err) < 0)
                return -1;
        _cleanup_free_ char *name = cell_image_matched_name(&img, arg);
        int r;
        if (name && img.n_names > 1) {
                /* A name of an image that has others: only that name goes. */
                r = cell_image_untag(s, name, err);
                if (r == 0)
                        printf("Untagged: %s\n", name);
        } else if (!force && img.n_names > 1) {
                r = cell_error_set(err, 0,
                                   "unable to delete %s (must be forced): image is referenced in "
                                   "multiple repositories", arg);
        } else if (!force && user_of(ids, names, img.id)) {
                r = cell_error_set(err, 0,
                                   "unable to remove image %s: it is in use by container %s "
                                   "(remove the container, or use -f)", arg, user_of(ids, names, img.id));
        } else {
                r = image_verbs_delete(s, &img, ids, err);
        }
        cell_image_release(&img);
        return r;
}

static int run_rmi(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_store *s;
        if (image_verbs_store(ctx, &s, &err) < 0 || cell_store_lock_exclusive(s, &err) < 0)
                return ecli_fail(&err);
        _cleanup_strv_ char **ids = NULL, **names = NULL;
        if (image_verbs_used_ids(ctx, &ids, &names, &err) < 0)
                return ecli_fail(&err);
        int rc = 0;
        for (int i = 0; i < a->argc; i++)
                if (rmi_one(s, a->argv[i], ecli_flag(a, "force"), ids, names, &err) < 0)
                        rc = ecli_fail(&err);
        if (cell_store_gc(s, &err) < 0)
                rc = ecli_fail(&err);
        return rc;
}

const struct ecli_verb ecli_verb_image_rm = {
        .name = "rm",
        .group = "image",
        .aliases = "rmi",
        .usage = "[OPTIONS] IMAGE [IMAGE...]",
        .summary = "Remove one or more images",
        .description = "Given a name of an image that has several, removes only that name; given an id "
                       "or the image's only name, removes the image and every name it has. An image that "
                       "a container uses is refused unless -f, which takes its names and keeps it for "
                       "the container. Blobs and layers no image needs are then deleted.",
        .options = options,
        .min_args = 1,
        .max_args = 0, /* no limit: ecli_parse.c reads -1 as "none", whatever ecli.h says */
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_rmi,
};
