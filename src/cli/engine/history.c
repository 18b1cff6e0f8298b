/* SPDX-License-Identifier: Apache-2.0 */
/* `cell image history` (`cell history`): the history of an image's config, newest first. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli/engine/image_verbs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const struct ecli_option options[] = {
        {"human", 'H', ECLI_FLAG, NULL, "Print sizes and dates in human readable format"},
        {"no-trunc", 0, ECLI_FLAG, NULL, "Don't truncate output"},
        ECLI_OPT_QUIET,
        ECLI_OPT_FORMAT,
        {0},
};

static const char *jstr(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v)
                       : "";
}

static bool jtrue(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* One row; `layer` is the layer this step made, or NULL for an empty step. */
static json_object *row(const char *id, json_object *h, const struct cell_image_layer *layer,
                        bool no_trunc, bool human)
{
        char size[32], ago[64];
        int64_t bytes = layer ? layer->size : 0;
        if (human)
                ecli_human_size(bytes, size, sizeof(size));
        else
                snprintf(size, sizeof(size), "%lld", (long long)bytes);
        const char *created = jstr(h, "created");
        ecli_human_ago(created, ago, sizeof(ago));
        const char *by = jstr(h, "created_by");
        _cleanup_free_ char *shown = !no_trunc && strlen(by) > 45 ? xasprintf("%.42s...", by) : xstrdup(by);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "ID", json_object_new_string(id));
        json_object_object_add(o, "CreatedSince", json_object_new_string(human && *ago ? ago : created));
        json_object_object_add(o, "CreatedAt", json_object_new_string(created));
        json_object_object_add(o, "CreatedBy", json_object_new_string(shown));
        json_object_object_add(o, "Size", json_object_new_string(size));
        json_object_object_add(o, "Comment", json_object_new_string(jstr(h, "comment")));
        return o;
}

static json_object *rows_of(const struct cell_image *img, json_object *cfg, bool no_trunc, bool human)
{
        json_object *hist = NULL, *rows = json_object_new_array();
        json_object_object_get_ex(cfg, "history", &hist);
        size_t n = json_object_is_type(hist, json_type_array) ? json_object_array_length(hist) : 0;
        /* Steps that made a layer take the image's layers in order, bottom first. */
        const struct cell_image_layer **made = n ? xcalloc(n, sizeof(*made)) : NULL;
        for (size_t i = 0, l = 0; i < n; i++)
                if (!jtrue(json_object_array_get_idx(hist, i), "empty_layer") && l < img->n_layers)
                        made[i] = &img->layers[l++];
        char id[80];
        image_verbs_short_id(img->id, no_trunc, id, sizeof(id));
        for (size_t i = n; i-- > 0;)
                json_object_array_add(rows, row(i == n - 1 ? id : "<missing>",
                                                json_object_array_get_idx(hist, i), made[i], no_trunc, human));
        free(made);
        return rows;
}

static int run_history(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_store *s;
        if (image_verbs_store(ctx, &s, &err) < 0 || cell_store_lock_shared(s, &err) < 0)
                return ecli_fail(&err);
        struct cell_image img;
        json_object *cfg;
        if (cell_image_lookup(s, a->argv[0], &img, &err) < 0)
                return ecli_fail(&err);
        if (cell_image_config(s, &img, &cfg, &err) < 0) {
                cell_image_release(&img);
                return ecli_fail(&err);
        }
        json_object *rows = rows_of(&img, cfg, ecli_flag(a, "no-trunc"), !ecli_given(a, "human") || ecli_flag(a, "human"));
        static const struct ecli_column cols[] = {{"IMAGE", "ID"},        {"CREATED", "CreatedSince"},
                                                  {"CREATED BY", "CreatedBy"}, {"SIZE", "Size"},
                                                  {"COMMENT", "Comment"}, {0}};
        int r = ecli_print_list(a, rows, cols, "ID", &err);
        json_object_put(rows);
        json_object_put(cfg);
        cell_image_release(&img);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_image_history = {
        .name = "history",
        .group = "image",
        .aliases = "history",
        .usage = "[OPTIONS] IMAGE",
        .summary = "Show the history of an image",
        .description = "One row per step of the image config's history, newest first; SIZE is the size "
                       "of the layer blob the step made.",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_history,
};
