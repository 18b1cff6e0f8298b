/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell load` of docker archives (archive_plan.h): the current layout
 * (manifest.json: Config, RepoTags, Layers) and the old one (repositories,
 * <id>/json chained by "parent", <id>/layer.tar), whose config is made from
 * the top layer's v1 json once the layers' diff ids are known.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/archive.h"
#include "image/archive_internal.h"
#include "image/archive_plan.h"
#include "image/archive_source.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* How long an old layout's parent chain may be. */
#define MAX_LEGACY_LAYERS 256

/* ---- docker archives ---------------------------------------------------------------- */

/* "sha256:<hex>" when `name` is "<hex>.json" or "blobs/sha256/<hex>" (docker names configs so). */
static char *docker_config_digest(const char *name)
{
        char *d = archive_digest_of_name(name);
        if (d)
                return d;
        size_t n = strlen(name);
        if (n != 64 + 5 || strcmp(name + 64, ".json") != 0)
                return NULL;
        d = xasprintf("sha256:%.64s", name);
        if (!cell_digest_valid(d)) {
                free(d);
                return NULL;
        }
        return d;
}

/* An archive file name a manifest gave, cleaned; `what` names the manifest. */
static char *docker_path(json_object *v, const char *what, struct cell_error *err)
{
        if (!json_object_is_type(v, json_type_string)) {
                cell_error_set(err, 0, "%s: a file name is not a string", what);
                return NULL;
        }
        char *name = archive_clean_name(json_object_get_string(v), err);
        if (!name)
                cell_error_prefix(err, "%s", what);
        return name;
}

static int docker_config(struct load *l, struct pending_image *p, const char *name,
                         struct cell_error *err)
{
        _cleanup_free_ char *expected = docker_config_digest(name);
        if (l->src->ops->blob(l->src, name, expected, p->config_digest, err) < 0)
                return -1;
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (cell_blob_read(l->s, p->config_digest, CELL_ARCHIVE_META_MAX, &text, &len, err) < 0)
                return cell_error_prefix(err, "%s", name);
        if (archive_parse_json(text, len, name, &p->config, err) < 0)
                return -1;
        if (!json_object_is_type(p->config, json_type_object))
                return cell_error_set(err, 0, "%s: not a JSON object", name);
        return 0;
}

static int docker_entry(struct load *l, json_object *entry, size_t i, struct cell_error *err)
{
        _cleanup_free_ char *what = xasprintf("manifest.json: image %zu", i);
        json_object *config, *tags = NULL, *layers;
        if (!json_object_is_type(entry, json_type_object) ||
            !json_object_object_get_ex(entry, "Config", &config) ||
            !json_object_object_get_ex(entry, "Layers", &layers) ||
            !json_object_is_type(layers, json_type_array))
                return cell_error_set(err, 0, "%s: no Config or Layers", what);
        struct pending_image *p = archive_pending_new(l, what);
        _cleanup_free_ char *config_name = docker_path(config, what, err);
        if (!config_name || docker_config(l, p, config_name, err) < 0)
                return -1;
        size_t n = json_object_array_length(layers);
        json_object *ids = archive_config_diff_ids(p->config, n, what, err);
        if (!ids)
                return -1;
        for (size_t k = 0; k < n; k++) {
                _cleanup_free_ char *name =
                        docker_path(json_object_array_get_idx(layers, k), what, err);
                if (!name)
                        return -1;
                struct pending_layer *pl = archive_pending_layer_new(p, name);
                pl->expected = archive_digest_of_name(name);
                pl->diff_id = xstrdup(json_object_get_string(json_object_array_get_idx(ids, k)));
        }
        json_object_object_get_ex(entry, "RepoTags", &tags);
        for (size_t k = 0; tags && json_object_is_type(tags, json_type_array) &&
                           k < json_object_array_length(tags);
             k++) {
                json_object *t = json_object_array_get_idx(tags, k);
                if (!json_object_is_type(t, json_type_string))
                        return cell_error_set(err, 0, "%s: RepoTags holds a non-string", what);
                if (archive_pending_add_name(p, json_object_get_string(t), what, err) < 0)
                        return -1;
        }
        return 0;
}

int archive_load_docker(struct load *l, struct cell_error *err)
{
        _cleanup_(archive_json_putp) json_object *list = NULL;
        if (archive_read_json(l, "manifest.json", json_type_array, &list, err) < 0)
                return -1;
        size_t n = json_object_array_length(list);
        if (n == 0)
                return cell_error_set(err, 0, "manifest.json: no images");
        for (size_t i = 0; i < n; i++) {
                if (docker_entry(l, json_object_array_get_idx(list, i), i, err) < 0)
                        return -1;
        }
        return 0;
}

/* Old layout: follow <id>/json's parent links from `top` down to the base layer. */
static int legacy_image(struct load *l, const char *top, struct pending_image *p,
                        struct cell_error *err)
{
        p->legacy = json_object_new_array();
        _cleanup_free_ char *id = xstrdup(top);
        while (id) {
                if (json_object_array_length(p->legacy) >= MAX_LEGACY_LAYERS)
                        return cell_error_set(err, 0, "%s: more than %d parent layers (a loop?)",
                                              top, MAX_LEGACY_LAYERS);
                if (strchr(id, '/') || strcmp(id, "..") == 0 || strcmp(id, ".") == 0 || !*id)
                        return cell_error_set(err, 0, "layer id \"%s\" is not a file name", id);
                _cleanup_free_ char *json_name = xasprintf("%s/json", id);
                json_object *v1;
                if (archive_read_json(l, json_name, json_type_object, &v1, err) < 0)
                        return -1;
                json_object_array_add(p->legacy, v1);
                _cleanup_free_ char *layer = xasprintf("%s/layer.tar", id);
                archive_pending_layer_new(p, layer);
                const char *parent = archive_json_string(v1, "parent");
                free(id);
                id = xstrdup_or_null(parent);
        }
        /* Collected top first: the plan wants the base first. */
        for (size_t i = 0, j = p->n_layers - 1; i < j; i++, j--) {
                struct pending_layer t = p->layers[i];
                p->layers[i] = p->layers[j];
                p->layers[j] = t;
        }
        p->config = json_object_get(json_object_array_get_idx(p->legacy, 0));
        size_t n = json_object_array_length(p->legacy);
        json_object *bottom_first = json_object_new_array();
        for (size_t i = n; i-- > 0;)
                json_object_array_add(bottom_first,
                                      json_object_get(json_object_array_get_idx(p->legacy, i)));
        json_object_put(p->legacy);
        p->legacy = bottom_first;
        return 0;
}

int archive_load_legacy(struct load *l, struct cell_error *err)
{
        _cleanup_(archive_json_putp) json_object *repos = NULL;
        if (archive_read_json(l, "repositories", json_type_object, &repos, err) < 0)
                return -1;
        json_object_object_foreach(repos, repo, tags)
        {
                if (!json_object_is_type(tags, json_type_object))
                        return cell_error_set(err, 0, "repositories: %s is not an object", repo);
                json_object_object_foreach(tags, tag, idv)
                {
                        const char *id = json_object_get_string(idv);
                        if (!json_object_is_type(idv, json_type_string))
                                return cell_error_set(err, 0, "repositories: %s:%s has no id", repo,
                                                      tag);
                        _cleanup_free_ char *name = xasprintf("%s:%s", repo, tag);
                        struct pending_image *p = NULL;
                        for (size_t i = 0; i < l->n; i++) {
                                if (strcmp(l->imgs[i].what, id) == 0)
                                        p = &l->imgs[i];
                        }
                        if (!p) {
                                p = archive_pending_new(l, id);
                                if (legacy_image(l, id, p, err) < 0)
                                        return -1;
                        }
                        if (archive_pending_add_name(p, name, "repositories", err) < 0)
                                return -1;
                }
        }
        if (l->n == 0)
                return cell_error_set(err, 0, "repositories: no images");
        return 0;
}

int archive_legacy_config(struct load *l, struct pending_image *p, struct cell_error *err)
{
        json_object *config = json_object_new_object();
        json_object_object_foreach(p->config, key, val)
        {
                if (strcmp(key, "id") == 0 || strcmp(key, "parent") == 0 ||
                    strcmp(key, "Size") == 0 || strcmp(key, "layer_id") == 0)
                        continue;
                json_object_object_add(config, key, json_object_get(val));
        }
        json_object *rootfs = json_object_new_object(), *ids = json_object_new_array();
        json_object *history = json_object_new_array();
        for (size_t i = 0; i < p->n_layers; i++) {
                json_object_array_add(ids, json_object_new_string(p->layers[i].diff_id));
                json_object *v1 = json_object_array_get_idx(p->legacy, i),
                            *h = json_object_new_object();
                const char *created = archive_json_string(v1, "created");
                if (created)
                        json_object_object_add(h, "created", json_object_new_string(created));
                json_object *cc, *cmd;
                if (json_object_object_get_ex(v1, "container_config", &cc) &&
                    json_object_object_get_ex(cc, "Cmd", &cmd) &&
                    json_object_is_type(cmd, json_type_array)) {
                        char *by = xstrdup("");
                        for (size_t k = 0; k < json_object_array_length(cmd); k++) {
                                char *next = xasprintf(
                                        "%s%s%s", by, k ? " " : "",
                                        json_object_get_string(json_object_array_get_idx(cmd, k)));
                                free(by);
                                by = next;
                        }
                        json_object_object_add(h, "created_by", json_object_new_string(by));
                        free(by);
                }
                json_object_array_add(history, h);
        }
        json_object_object_add(rootfs, "type", json_object_new_string("layers"));
        json_object_object_add(rootfs, "diff_ids", ids);
        json_object_object_add(config, "rootfs", rootfs);
        json_object_object_add(config, "history", history);
        const char *text = json_object_to_json_string_ext(
                config, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        int r = cell_blob_put(l->s, text, strlen(text), p->config_digest, err);
        json_object_put(p->config);
        p->config = config;
        return r < 0 ? cell_error_prefix(err, "%s: config", p->what) : 0;
}

/* A docker archive has no manifest: make an OCI one, and store it. */
