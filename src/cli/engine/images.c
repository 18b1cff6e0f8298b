/* SPDX-License-Identifier: Apache-2.0 */
/* `cell image ls` (`cell images`): the images of the store, one row per name. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/engine/image_verbs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const struct ecli_option options[] = {
        {"all", 'a', ECLI_FLAG, NULL,
         "Show all images (cell keeps no intermediate images, so this is the default list)"},
        {"digests", 0, ECLI_FLAG, NULL, "Show digests"},
        {"no-trunc", 0, ECLI_FLAG, NULL, "Don't truncate output"},
        ECLI_OPT_QUIET,
        ECLI_OPT_FORMAT,
        {0},
};

/* "docker.io/library/busybox:latest" -> repository "docker.io/library/busybox", tag "latest". */
static void split_name(const char *name, char **repo, char **tag)
{
        const char *at = strchr(name, '@');
        const char *slash = strrchr(name, '/');
        const char *colon = strrchr(slash ? slash : name, ':');
        if (at && (!colon || colon > at))
                colon = NULL;
        size_t rlen = colon ? (size_t)(colon - name) : at ? (size_t)(at - name) : strlen(name);
        *repo = xstrndup(name, rlen);
        *tag = colon ? xstrndup(colon + 1, at && at > colon ? (size_t)(at - colon - 1) : strlen(colon + 1))
                     : xstrdup("<none>");
}

static json_object *row(const struct cell_image *img, const char *name, bool no_trunc)
{
        char id[80], size[32], ago[64];
        image_verbs_short_id(img->id, no_trunc, id, sizeof(id));
        ecli_human_size(img->size, size, sizeof(size));
        ecli_human_ago(img->created, ago, sizeof(ago));
        _cleanup_free_ char *repo = NULL, *tag = NULL;
        if (name)
                split_name(name, &repo, &tag);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "Repository", json_object_new_string(repo ? repo : "<none>"));
        json_object_object_add(o, "Tag", json_object_new_string(tag ? tag : "<none>"));
        json_object_object_add(o, "Digest", json_object_new_string(img->digest ? img->digest : "<none>"));
        json_object_object_add(o, "ID", json_object_new_string(id));
        json_object_object_add(o, "CreatedSince", json_object_new_string(*ago ? ago : "N/A"));
        json_object_object_add(o, "CreatedAt", json_object_new_string(img->created ? img->created : ""));
        json_object_object_add(o, "Size", json_object_new_string(size));
        json_object_object_add(o, "VirtualSize", json_object_new_string(size));
        json_object_object_add(o, "Containers", json_object_new_string("N/A"));
        return o;
}

static int run_images(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_store *s;
        if (image_verbs_store(ctx, &s, &err) < 0)
                return ecli_fail(&err);
        struct cell_image *imgs;
        size_t n;
        if (cell_image_list(s, &imgs, &n, &err) < 0)
                return ecli_fail(&err);
        bool no_trunc = ecli_flag(a, "no-trunc");
        json_object *rows = json_object_new_array();
        /* Newest first, as docker lists them. */
        for (size_t i = n; i-- > 0;) {
                if (imgs[i].n_names == 0)
                        json_object_array_add(rows, row(&imgs[i], NULL, no_trunc));
                for (size_t k = 0; k < imgs[i].n_names; k++)
                        json_object_array_add(rows, row(&imgs[i], imgs[i].names[k], no_trunc));
        }
        cell_image_list_free(imgs, n);
        static const struct ecli_column cols[] = {
                {"REPOSITORY", "Repository"}, {"TAG", "Tag"}, {"IMAGE ID", "ID"},
                {"CREATED", "CreatedSince"},  {"SIZE", "Size"}, {0}};
        static const struct ecli_column cols_digests[] = {
                {"REPOSITORY", "Repository"}, {"TAG", "Tag"},   {"DIGEST", "Digest"}, {"IMAGE ID", "ID"},
                {"CREATED", "CreatedSince"},  {"SIZE", "Size"}, {0}};
        int r = ecli_print_list(a, rows, ecli_flag(a, "digests") ? cols_digests : cols, "ID", &err);
        json_object_put(rows);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_image_ls = {
        .name = "ls",
        .group = "image",
        .aliases = "images",
        .usage = "[OPTIONS]",
        .summary = "List images",
        .description = "Lists the images of the store, one row per name (REPOSITORY:TAG); an image "
                       "without a name shows as <none>. The built-in busybox image appears once a "
                       "command has used it.",
        .options = options,
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_images,
};
