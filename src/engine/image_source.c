/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "engine/image_source.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

int cell_pull_policy_parse(const char *s, enum cell_pull_policy *out, struct cell_error *err)
{
        if (!s || !*s || strcmp(s, "missing") == 0)
                *out = CELL_PULL_MISSING;
        else if (strcmp(s, "always") == 0)
                *out = CELL_PULL_ALWAYS;
        else if (strcmp(s, "never") == 0)
                *out = CELL_PULL_NEVER;
        else
                return cell_error_set(err, 0,
                                      "invalid argument \"%s\" for \"--pull\" flag: invalid pull "
                                      "policy (missing, always, never)",
                                      s);
        return 0;
}

static int find_or_pull(struct cell_store *s, const char *ref, enum cell_pull_policy policy,
                        cell_pull_fn pull, void *pull_data, struct cell_image *img,
                        struct cell_error *err)
{
        if (policy == CELL_PULL_ALWAYS && pull)
                return pull(s, ref, img, pull_data, err);
        if (cell_image_lookup(s, ref, img, err) == 0)
                return 0;
        if (err->errnum != ENOENT || policy == CELL_PULL_NEVER || !pull)
                return -1;
        return pull(s, ref, img, pull_data, err);
}

int cell_engine_image_resolve(struct cell_store *s, const char *ref, enum cell_pull_policy policy,
                              cell_pull_fn pull, void *pull_data, struct cell_engine_image *out,
                              struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        if (find_or_pull(s, ref, policy, pull, pull_data, &out->img, err) < 0)
                return -1;
        if (cell_image_config(s, &out->img, &out->config, err) < 0) {
                cell_engine_image_release(out);
                return -1;
        }
        size_t n = out->img.n_layers;
        out->lower_dirs = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
                /* the store lists layers bottom first; overlayfs wants the top first */
                const char *diff_id = out->img.layers[n - 1 - i].diff_id;
                out->lower_dirs[i] = cell_layer_path(s, diff_id);
        }
        out->src.id = out->img.id;
        out->src.config = out->config;
        out->src.lower_dirs = out->lower_dirs;
        return 0;
}

void cell_engine_image_release(struct cell_engine_image *img)
{
        cell_image_release(&img->img);
        json_object_put(img->config);
        cell_strv_free(img->lower_dirs);
        memset(img, 0, sizeof(*img));
}
