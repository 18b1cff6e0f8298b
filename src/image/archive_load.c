/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell load`: an archive becomes images in three steps.
 *
 *   1. parse     the archive's own metadata (index.json, manifest.json or
 *                repositories) into a plan: a list of pending images, each
 *                with its names, its config and its layers' file names;
 *   2. unpack    every layer of every pending image: blob into the store,
 *                then cell_layer_unpack (which checks the diff id);
 *   3. add       only when all of that worked, the images, one by one.
 *
 * A docker archive has no manifest: one is made (OCI, with each layer's
 * media type told by its magic) and stored as a blob, so that the image
 * is like any other.  An old-layout docker archive has no config either:
 * the top layer's v1 json becomes one, with the diff ids the unpacking
 * computed.
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

static void pending_release(struct pending_image *p)
{
        free(p->what);
        for (size_t i = 0; i < p->n_names; i++)
                free(p->names[i]);
        free(p->names);
        free(p->manifest_digest);
        free(p->manifest_media_type);
        json_object_put(p->config);
        json_object_put(p->legacy);
        for (size_t i = 0; i < p->n_layers; i++) {
                free(p->layers[i].name);
                free(p->layers[i].expected);
                free(p->layers[i].media_type);
                free(p->layers[i].diff_id);
        }
        free(p->layers);
}

struct pending_image *archive_pending_new(struct load *l, const char *what)
{
        l->imgs = xreallocarray(l->imgs, l->n + 1, sizeof(*l->imgs));
        struct pending_image *p = &l->imgs[l->n++];
        memset(p, 0, sizeof(*p));
        p->what = xstrdup(what);
        return p;
}

struct pending_layer *archive_pending_layer_new(struct pending_image *p, const char *name)
{
        p->layers = xreallocarray(p->layers, p->n_layers + 1, sizeof(*p->layers));
        struct pending_layer *pl = &p->layers[p->n_layers++];
        memset(pl, 0, sizeof(*pl));
        pl->name = xstrdup(name);
        return pl;
}

/* Add `name` (as the archive spells it) to the image's names, normalized. */
int archive_pending_add_name(struct pending_image *p, const char *name, const char *where,
                             struct cell_error *err)
{
        struct cell_ref ref;
        if (cell_ref_parse(name, &ref, err) < 0)
                return cell_error_prefix(err, "%s: image name", where);
        char *full = cell_ref_string(&ref);
        cell_ref_release(&ref);
        for (size_t i = 0; i < p->n_names; i++) {
                if (strcmp(p->names[i], full) == 0) {
                        free(full);
                        return 0;
                }
        }
        p->names = xreallocarray(p->names, p->n_names + 1, sizeof(*p->names));
        p->names[p->n_names++] = full;
        return 0;
}

/* ---- reading the archive's files ---------------------------------------------------- */

int archive_parse_json(const char *text, size_t len, const char *what, json_object **out,
                       struct cell_error *err)
{
        json_tokener *tok = json_tokener_new();
        if (!tok)
                abort();
        json_object *o = json_tokener_parse_ex(tok, text, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        json_tokener_free(tok);
        if (!o || jerr != json_tokener_success) {
                json_object_put(o);
                return cell_error_set(
                        err, 0, "%s: not JSON (%s)", what,
                        json_tokener_error_desc(jerr != json_tokener_success
                                                        ? jerr
                                                        : json_tokener_error_parse_eof));
        }
        *out = o;
        return 0;
}

/* The archive's file `name`, parsed as JSON of type `type`. */
int archive_read_json(struct load *l, const char *name, json_type type, json_object **out,
                      struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (l->src->ops->read(l->src, name, CELL_ARCHIVE_META_MAX, &text, &len, err) < 0)
                return -1;
        if (archive_parse_json(text, len, name, out, err) < 0)
                return -1;
        if (!json_object_is_type(*out, type)) {
                json_object_put(*out);
                *out = NULL;
                return cell_error_set(err, 0, "%s: not a JSON %s", name,
                                      type == json_type_array ? "array" : "object");
        }
        return 0;
}

/* The blob `digest` of an OCI layout into the store, and its content (checked against `size`). */
const char *archive_json_string(json_object *o, const char *key)
{
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* The config's rootfs.diff_ids, which must count `n_layers`. */
json_object *archive_config_diff_ids(json_object *config, size_t n_layers, const char *what,
                                     struct cell_error *err)
{
        json_object *rootfs, *ids;
        if (!json_object_is_type(config, json_type_object) ||
            !json_object_object_get_ex(config, "rootfs", &rootfs) ||
            !json_object_object_get_ex(rootfs, "diff_ids", &ids) ||
            !json_object_is_type(ids, json_type_array)) {
                cell_error_set(err, 0, "%s: config has no rootfs.diff_ids", what);
                return NULL;
        }
        if (json_object_array_length(ids) != n_layers) {
                cell_error_set(err, 0, "%s: config lists %zu diff ids for %zu layers", what,
                               json_object_array_length(ids), n_layers);
                return NULL;
        }
        for (size_t i = 0; i < n_layers; i++) {
                json_object *id = json_object_array_get_idx(ids, i);
                if (!json_object_is_type(id, json_type_string) ||
                    !cell_digest_valid(json_object_get_string(id))) {
                        cell_error_set(err, 0, "%s: config: diff id %zu is not a sha256 digest",
                                       what, i);
                        return NULL;
                }
        }
        return ids;
}

/* ---- unpacking and adding -------------------------------------------------------------- */

static const char *media_type_by_magic(const unsigned char *b, size_t n)
{
        if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
                return "application/vnd.oci.image.layer.v1.tar+gzip";
        if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
                return "application/vnd.oci.image.layer.v1.tar+zstd";
        return "application/vnd.oci.image.layer.v1.tar";
}

/* The blob's size, and its media type when the manifest gave none. */
static int layer_blob_facts(struct load *l, struct pending_layer *pl, struct cell_error *err)
{
        _cleanup_close_ int fd = cell_blob_open(l->s, pl->digest, err);
        struct stat st;
        if (fd < 0)
                return -1;
        if (fstat(fd, &st) < 0)
                return cell_error_errno(err, "blob %s", pl->digest);
        if (pl->size > 0 && pl->size != st.st_size)
                return cell_error_set(err, 0, "blob %s: %lld bytes, its descriptor says %lld",
                                      pl->digest, (long long)st.st_size, (long long)pl->size);
        pl->size = st.st_size;
        if (!pl->media_type) {
                unsigned char magic[4];
                ssize_t n = pread(fd, magic, sizeof(magic), 0);
                pl->media_type = xstrdup(media_type_by_magic(magic, n > 0 ? (size_t)n : 0));
        }
        return 0;
}

/*
 * Errors about a layer: the store's and the source's name the blob and the
 * file; a docker archive's file name (abc/layer.tar) is worth adding.
 */
static int layer_fail(struct pending_image *p, struct pending_layer *pl, struct cell_error *err)
{
        if (strncmp(pl->name, "blobs/", 6) == 0)
                return cell_error_prefix(err, "%s", p->what);
        return cell_error_prefix(err, "%s: %s", p->what, pl->name);
}

static int unpack_layers(struct load *l, struct pending_image *p, struct cell_error *err)
{
        for (size_t i = 0; i < p->n_layers; i++) {
                struct pending_layer *pl = &p->layers[i];
                if (l->src->ops->blob(l->src, pl->name, pl->expected, pl->digest, err) < 0 ||
                    layer_blob_facts(l, pl, err) < 0)
                        return layer_fail(p, pl, err);
                char diff_id[CELL_DIGEST_MAX];
                if (cell_layer_unpack(l->s, pl->digest, pl->diff_id, diff_id, err) < 0)
                        return layer_fail(p, pl, err);
                if (!pl->diff_id)
                        pl->diff_id = xstrdup(diff_id);
        }
        return 0;
}

/* Old layout: the config is the top layer's v1 json, with the diff ids and a history. */
static int make_manifest(struct load *l, struct pending_image *p, struct cell_error *err)
{
        _cleanup_free_ char *config_text = NULL;
        size_t config_len;
        if (cell_blob_read(l->s, p->config_digest, CELL_ARCHIVE_META_MAX, &config_text, &config_len,
                           err) < 0)
                return -1;
        json_object *m = json_object_new_object();
        json_object_object_add(m, "schemaVersion", json_object_new_int(2));
        json_object_object_add(m, "mediaType", json_object_new_string(CELL_MT_OCI_MANIFEST));
        json_object_object_add(
                m, "config",
                archive_descriptor(CELL_MT_OCI_CONFIG, p->config_digest, (int64_t)config_len));
        json_object *layers = json_object_new_array();
        for (size_t i = 0; i < p->n_layers; i++)
                json_object_array_add(layers,
                                      archive_descriptor(p->layers[i].media_type,
                                                         p->layers[i].digest, p->layers[i].size));
        json_object_object_add(m, "layers", layers);
        const char *text = json_object_to_json_string_ext(
                m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        char digest[CELL_DIGEST_MAX];
        int r = cell_blob_put(l->s, text, strlen(text), digest, err);
        json_object_put(m);
        if (r < 0)
                return cell_error_prefix(err, "%s: manifest", p->what);
        p->manifest_digest = xstrdup(digest);
        p->manifest_media_type = xstrdup(CELL_MT_OCI_MANIFEST);
        return 0;
}

static int add_image(struct load *l, struct pending_image *p, struct cell_loaded_image *out,
                     struct cell_error *err)
{
        struct cell_image img = {0};
        img.id = xstrdup(p->config_digest);
        img.digest = xstrdup(p->manifest_digest);
        img.manifest_media_type = xstrdup(p->manifest_media_type);
        img.layers = xcalloc(p->n_layers ? p->n_layers : 1, sizeof(*img.layers));
        img.n_layers = p->n_layers;
        int64_t size = 0;
        for (size_t i = 0; i < p->n_layers; i++) {
                img.layers[i].digest = xstrdup(p->layers[i].digest);
                img.layers[i].diff_id = xstrdup(p->layers[i].diff_id);
                img.layers[i].media_type = xstrdup(p->layers[i].media_type);
                img.layers[i].size = p->layers[i].size;
                size += p->layers[i].size;
        }
        const char *config_text = json_object_to_json_string_ext(
                p->config, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        img.size = size + (int64_t)strlen(config_text);
        img.created = xstrdup_or_null(archive_json_string(p->config, "created"));
        img.names = p->names;
        img.n_names = p->n_names;
        int r = cell_image_add(l->s, &img, NULL, err);
        img.names = NULL;
        img.n_names = 0;
        cell_image_release(&img);
        if (r < 0)
                return cell_error_prefix(err, "%s", p->what);
        out->id = xstrdup(p->config_digest);
        out->names = xcalloc(p->n_names + 1, sizeof(char *));
        for (size_t i = 0; i < p->n_names; i++)
                out->names[i] = xstrdup(p->names[i]);
        out->n_names = p->n_names;
        return 0;
}

void cell_load_result_release(struct cell_load_result *r)
{
        for (size_t i = 0; i < r->n; i++) {
                free(r->images[i].id);
                cell_strv_free(r->images[i].names);
        }
        free(r->images);
        memset(r, 0, sizeof(*r));
}

static int load_plan(struct load *l, struct cell_error *err)
{
        struct archive_source *src = l->src;
        if (src->ops->exists(src, "manifest.json"))
                return archive_load_docker(l, err);
        if (src->ops->exists(src, "index.json") || src->ops->exists(src, "oci-layout"))
                return archive_load_oci(l, err);
        if (src->ops->exists(src, "repositories"))
                return archive_load_legacy(l, err);
        return cell_error_set(err, 0,
                              "not an image archive: no manifest.json (docker), index.json (OCI) "
                              "or repositories (old docker)");
}

static int load_execute(struct load *l, struct cell_load_result *out, struct cell_error *err)
{
        for (size_t i = 0; i < l->n; i++) {
                struct pending_image *p = &l->imgs[i];
                if (unpack_layers(l, p, err) < 0)
                        return -1;
                if (p->legacy && archive_legacy_config(l, p, err) < 0)
                        return -1;
                if (!p->manifest_digest && make_manifest(l, p, err) < 0)
                        return -1;
        }
        out->images = xcalloc(l->n, sizeof(*out->images));
        for (size_t i = 0; i < l->n; i++) {
                if (add_image(l, &l->imgs[i], &out->images[i], err) < 0)
                        return -1;
                out->n++;
        }
        return 0;
}

int cell_archive_load(struct cell_store *s, const char *path, struct cell_load_result *out,
                      struct cell_error *err)
{
        struct load l = {.s = s};
        memset(out, 0, sizeof(*out));
        if (cell_platform_parse(NULL, &l.platform, err) < 0)
                return -1;
        int r = archive_source_open(s, path, &l.src, err);
        if (r == 0)
                r = load_plan(&l, err);
        if (r == 0)
                r = load_execute(&l, out, err);
        for (size_t i = 0; i < l.n; i++)
                pending_release(&l.imgs[i]);
        free(l.imgs);
        archive_source_free(l.src);
        cell_platform_release(&l.platform);
        if (r < 0)
                cell_error_prefix(err, "load %s", strcmp(path, "-") == 0 ? "standard input" : path);
        return r;
}
