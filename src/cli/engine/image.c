/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell image inspect` and `cell image prune`, and the helpers every image
 * verb shares (image_verbs.h).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/engine/image_verbs.h"
#include "engine/container.h"
#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static void store_close(struct cell_store *s)
{
        cell_store_close(s);
}

int image_verbs_store(struct ecli_ctx *ctx, struct cell_store **out, struct cell_error *err)
{
        if (!ctx->store) {
                if (cell_store_open(ctx->g.storage, &ctx->store, err) < 0)
                        return -1;
                ctx->store_close = store_close;
        }
        *out = ctx->store;
        return 0;
}

void image_verbs_short_id(const char *id, bool no_trunc, char *buf, size_t size)
{
        if (no_trunc)
                snprintf(buf, size, "%s", id);
        else
                snprintf(buf, size, "%.12s", strncmp(id, "sha256:", 7) == 0 ? id + 7 : id);
}

int image_verbs_used_ids(struct ecli_ctx *ctx, char ***ids, char ***names, struct cell_error *err)
{
        *ids = NULL;
        if (names)
                *names = NULL;
        struct cell_engine_opts o = {.storage = ctx->g.storage, .runroot = ctx->g.runroot,
                                     .debug = ctx->g.debug, .self_argv = ctx->argv};
        struct cell_engine e;
        if (cell_engine_open(&o, &e, err) < 0)
                return -1;
        struct cell_ctr *list;
        size_t n;
        int r = cell_ctr_list(&e, &list, &n, err);
        if (r == 0) {
                *ids = xcalloc(n + 1, sizeof(char *));
                if (names)
                        *names = xcalloc(n + 1, sizeof(char *));
                for (size_t i = 0, k = 0; i < n; i++) {
                        if (!list[i].image_id)
                                continue;
                        (*ids)[k] = xstrdup(list[i].image_id);
                        if (names)
                                (*names)[k] = xstrdup(list[i].name ? list[i].name : list[i].id);
                        k++;
                }
                cell_ctr_list_free(list, n);
        }
        cell_engine_close(&e);
        return r;
}

static bool in_list(char **v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

int image_verbs_delete(struct cell_store *s, const struct cell_image *img, char **used,
                       struct cell_error *err)
{
        for (size_t i = 0; i < img->n_names; i++) {
                if (cell_image_untag(s, img->names[i], err) < 0)
                        return -1;
                printf("Untagged: %s\n", img->names[i]);
        }
        /* A container's image stays, nameless, for as long as the container:
         * its rootfs is made of the image's layers. */
        if (in_list(used, img->id))
                return 0;
        if (cell_image_remove(s, img->id, err) < 0)
                return -1;
        printf("Deleted: %s\n", img->id);
        return 0;
}

/* ---- image inspect ---- */

static json_object *member(json_object *o, const char *key)
{
        json_object *v = NULL;
        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static json_object *copy_or_null(json_object *v)
{
        return v ? json_object_get(v) : NULL;
}

static json_object *inspect_one(struct cell_store *s, const struct cell_image *img,
                                json_object *cfg)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "Id", json_object_new_string(img->id));
        json_object *tags = json_object_new_array(), *digests = json_object_new_array();
        for (size_t i = 0; i < img->n_names; i++) {
                if (!strchr(img->names[i], '@'))
                        json_object_array_add(tags, json_object_new_string(img->names[i]));
                if (!img->digest)
                        continue;
                /* One repo@digest per repository. */
                _cleanup_free_ char *repo = xstrdup(img->names[i]);
                char *cut = strchr(repo, '@');
                if (!cut) {
                        char *slash = strrchr(repo, '/');
                        cut = strrchr(slash ? slash : repo, ':');
                }
                if (cut)
                        *cut = '\0';
                _cleanup_free_ char *rd = xasprintf("%s@%s", repo, img->digest);
                bool seen = false;
                for (size_t k = 0; k < json_object_array_length(digests); k++)
                        seen |= strcmp(json_object_get_string(json_object_array_get_idx(digests, k)), rd) == 0;
                if (!seen)
                        json_object_array_add(digests, json_object_new_string(rd));
        }
        json_object_object_add(o, "RepoTags", tags);
        json_object_object_add(o, "RepoDigests", digests);
        json_object_object_add(o, "Parent", json_object_new_string(""));
        json_object_object_add(o, "Comment", copy_or_null(member(cfg, "comment")));
        json_object_object_add(o, "Created", json_object_new_string(img->created ? img->created : ""));
        json_object_object_add(o, "Author", copy_or_null(member(cfg, "author")));
        json_object_object_add(o, "Config", copy_or_null(member(cfg, "config")));
        json_object_object_add(o, "Architecture", copy_or_null(member(cfg, "architecture")));
        if (member(cfg, "variant"))
                json_object_object_add(o, "Variant", copy_or_null(member(cfg, "variant")));
        json_object_object_add(o, "Os", copy_or_null(member(cfg, "os")));
        json_object_object_add(o, "Size", json_object_new_int64(img->size));
        json_object *rootfs = json_object_new_object();
        json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
        json_object *layers = json_object_new_array();
        for (size_t i = 0; i < img->n_layers; i++)
                json_object_array_add(layers, json_object_new_string(img->layers[i].diff_id));
        json_object_object_add(rootfs, "Layers", layers);
        json_object_object_add(o, "RootFS", rootfs);
        json_object *meta = json_object_new_object();
        json_object_object_add(meta, "ManifestDigest", img->digest ? json_object_new_string(img->digest) : NULL);
        json_object_object_add(meta, "ManifestMediaType",
                               img->manifest_media_type ? json_object_new_string(img->manifest_media_type) : NULL);
        json_object_object_add(meta, "Store", json_object_new_string(cell_store_root(s)));
        json_object_object_add(o, "Metadata", meta);
        return o;
}

static int run_inspect(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_store *s;
        if (image_verbs_store(ctx, &s, &err) < 0 || cell_store_lock_shared(s, &err) < 0)
                return ecli_fail(&err);
        json_object *out = json_object_new_array();
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                struct cell_image img;
                json_object *cfg = NULL;
                if (cell_image_lookup(s, a->argv[i], &img, &err) < 0 ||
                    cell_image_config(s, &img, &cfg, &err) < 0) {
                        rc = ecli_fail(&err);
                        cell_image_release(&img);
                        continue;
                }
                json_object_array_add(out, inspect_one(s, &img, cfg));
                json_object_put(cfg);
                cell_image_release(&img);
        }
        ecli_print_json(stdout, out);
        json_object_put(out);
        return rc;
}

const struct ecli_verb ecli_verb_image_inspect = {
        .name = "inspect",
        .group = "image",
        .usage = "IMAGE [IMAGE...]",
        .summary = "Display detailed information on one or more images",
        .description = "Prints a JSON array with one object per image, as docker's: Id, RepoTags, "
                       "RepoDigests, Created, Architecture, Os, Config (the image config's), RootFS, Size.",
        .min_args = 1,
        .max_args = 0, /* no limit: ecli_parse.c reads -1 as "none", whatever ecli.h says */
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_inspect,
};

/* ---- image prune ---- */

static const struct ecli_option prune_options[] = {
        {"all", 'a', ECLI_FLAG, NULL, "Remove all images no container uses, not just dangling ones"},
        {"force", 'f', ECLI_FLAG, NULL, "Do not prompt for confirmation"},
        {0},
};

static bool confirm(bool all)
{
        printf("WARNING! This will remove all %s.\nAre you sure you want to continue? [y/N] ",
               all ? "images without at least one container associated to them" : "dangling images");
        fflush(stdout);
        char line[16];
        return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

static int run_prune(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        bool all = ecli_flag(a, "all");
        if (!ecli_flag(a, "force") && !confirm(all))
                return 0;
        struct cell_error err = {0};
        struct cell_store *s;
        if (image_verbs_store(ctx, &s, &err) < 0 || cell_store_lock_exclusive(s, &err) < 0)
                return ecli_fail(&err);
        _cleanup_strv_ char **used = NULL;
        if (image_verbs_used_ids(ctx, &used, NULL, &err) < 0)
                return ecli_fail(&err);
        struct cell_image *imgs;
        size_t n;
        if (cell_image_list(s, &imgs, &n, &err) < 0)
                return ecli_fail(&err);
        int64_t reclaimed = 0;
        bool header = false;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                if (in_list(used, imgs[i].id) || (!all && imgs[i].n_names > 0))
                        continue;
                if (!header)
                        printf("Deleted Images:\n");
                header = true;
                r = image_verbs_delete(s, &imgs[i], used, &err);
                reclaimed += imgs[i].size;
        }
        cell_image_list_free(imgs, n);
        if (r == 0)
                r = cell_store_gc(s, &err);
        if (r < 0)
                return ecli_fail(&err);
        char size[32];
        ecli_human_size(reclaimed, size, sizeof(size));
        printf("%sTotal reclaimed space: %s\n", header ? "\n" : "", size);
        return 0;
}

const struct ecli_verb ecli_verb_image_prune = {
        .name = "prune",
        .group = "image",
        .usage = "[OPTIONS]",
        .summary = "Remove unused images",
        .description = "Removes the images without a name (dangling) that no container uses, or with "
                       "-a every image no container uses, then the blobs and layers no image needs.",
        .options = prune_options,
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_prune,
};
