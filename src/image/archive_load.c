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
#include "image/archive_source.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* How deep an index may nest indexes, and how long an old layout's parent chain may be. */
#define MAX_INDEX_DEPTH 4
#define MAX_LEGACY_LAYERS 256

struct pending_layer {
        char *name;             /* the file in the archive */
        char *expected;         /* the blob digest a manifest names, or NULL */
        char *media_type;       /* NULL: told by the blob's magic */
        char *diff_id;          /* from the config; NULL in an old docker archive */
        char digest[CELL_DIGEST_MAX];
        int64_t size;
};

struct pending_image {
        char *what;             /* names the image in errors */
        char **names;
        size_t n_names;
        char *manifest_digest;  /* NULL: made here (docker archives) */
        char *manifest_media_type;
        char config_digest[CELL_DIGEST_MAX]; /* "": made after unpacking (old docker) */
        json_object *config;    /* the config, or an old layout's top v1 json */
        json_object *legacy;    /* old layout: each layer's v1 json, bottom first */
        struct pending_layer *layers;
        size_t n_layers;
};

struct load {
        struct cell_store *s;
        struct archive_source *src;
        struct pending_image *imgs;
        size_t n;
        struct cell_platform platform;
};

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

static struct pending_image *pending_new(struct load *l, const char *what)
{
        l->imgs = xreallocarray(l->imgs, l->n + 1, sizeof(*l->imgs));
        struct pending_image *p = &l->imgs[l->n++];
        memset(p, 0, sizeof(*p));
        p->what = xstrdup(what);
        return p;
}

static struct pending_layer *pending_layer_new(struct pending_image *p, const char *name)
{
        p->layers = xreallocarray(p->layers, p->n_layers + 1, sizeof(*p->layers));
        struct pending_layer *pl = &p->layers[p->n_layers++];
        memset(pl, 0, sizeof(*pl));
        pl->name = xstrdup(name);
        return pl;
}

/* Add `name` (as the archive spells it) to the image's names, normalized. */
static int pending_add_name(struct pending_image *p, const char *name, const char *where,
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

static int parse_json(const char *text, size_t len, const char *what, json_object **out,
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
                return cell_error_set(err, 0, "%s: not JSON (%s)", what,
                                      json_tokener_error_desc(jerr != json_tokener_success
                                                                      ? jerr
                                                                      : json_tokener_error_parse_eof));
        }
        *out = o;
        return 0;
}

/* The archive's file `name`, parsed as JSON of type `type`. */
static int read_json(struct load *l, const char *name, json_type type, json_object **out,
                     struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (l->src->ops->read(l->src, name, CELL_ARCHIVE_META_MAX, &text, &len, err) < 0)
                return -1;
        if (parse_json(text, len, name, out, err) < 0)
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
static int oci_blob(struct load *l, const char *digest, int64_t size, char **text, size_t *len,
                    struct cell_error *err)
{
        _cleanup_free_ char *name = archive_blob_name(digest, err);
        char got[CELL_DIGEST_MAX];
        if (!name || l->src->ops->blob(l->src, name, digest, got, err) < 0)
                return -1;
        if (cell_blob_read(l->s, digest, CELL_ARCHIVE_META_MAX, text, len, err) < 0)
                return -1;
        if (size >= 0 && (int64_t)*len != size) {
                free(*text);
                *text = NULL;
                return cell_error_set(err, 0, "blob %s: %zu bytes, its descriptor says %lld",
                                      digest, *len, (long long)size);
        }
        return 0;
}

static const char *json_string_at(json_object *o, const char *key)
{
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* The config's rootfs.diff_ids, which must count `n_layers`. */
static json_object *config_diff_ids(json_object *config, size_t n_layers, const char *what,
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

/* ---- OCI image layout ---------------------------------------------------------------- */

static int oci_manifest(struct load *l, const struct cell_descriptor *d, json_object *annotations,
                        struct cell_error *err);

/* Resolve an index to this platform's manifest (indexes may nest). */
static int oci_index(struct load *l, const struct cell_descriptor *d, json_object *annotations,
                     int depth, struct cell_error *err)
{
        if (depth > MAX_INDEX_DEPTH)
                return cell_error_set(err, 0, "index %s: indexes nest too deep", d->digest);
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (oci_blob(l, d->digest, d->size, &text, &len, err) < 0)
                return -1;
        _cleanup_free_ char *what = xasprintf("index %s", d->digest);
        struct cell_manifest idx;
        if (cell_manifest_parse(text, len, d->media_type, what, &idx, err) < 0)
                return -1;
        const struct cell_descriptor *pick = NULL;
        int r = idx.is_index ? cell_manifest_select(&idx, &l->platform, what, &pick, err)
                             : cell_error_set(err, 0, "%s: an image manifest, not an index", what);
        if (r == 0)
                r = (strcmp(pick->media_type, CELL_MT_OCI_INDEX) == 0 ||
                     strcmp(pick->media_type, CELL_MT_DOCKER_LIST) == 0)
                            ? oci_index(l, pick, annotations, depth + 1, err)
                            : oci_manifest(l, pick, annotations, err);
        cell_manifest_release(&idx);
        return r;
}

/* The name an index entry gives its image, or NULL. */
static const char *annotated_name(json_object *annotations)
{
        const char *name = json_string_at(annotations, "io.containerd.image.name");
        return name ? name : json_string_at(annotations, "org.opencontainers.image.ref.name");
}

static int oci_manifest(struct load *l, const struct cell_descriptor *d, json_object *annotations,
                        struct cell_error *err)
{
        /* Several index entries (names) for one manifest: one image. */
        for (size_t i = 0; i < l->n; i++) {
                if (l->imgs[i].manifest_digest && strcmp(l->imgs[i].manifest_digest, d->digest) == 0) {
                        const char *name = annotated_name(annotations);
                        return name ? pending_add_name(&l->imgs[i], name, "index.json", err) : 0;
                }
        }
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (oci_blob(l, d->digest, d->size, &text, &len, err) < 0)
                return -1;
        _cleanup_free_ char *what = xasprintf("manifest %s", d->digest);
        struct cell_manifest m;
        if (cell_manifest_parse(text, len, d->media_type, what, &m, err) < 0)
                return -1;
        int r = 0;
        struct pending_image *p = pending_new(l, what);
        if (m.is_index)
                r = cell_error_set(err, 0, "%s: an index where an image manifest was expected",
                                   what);
        p->manifest_digest = xstrdup(d->digest);
        p->manifest_media_type = xstrdup(m.media_type);
        _cleanup_free_ char *config_text = NULL;
        size_t config_len;
        if (r == 0)
                r = oci_blob(l, m.config.digest, m.config.size, &config_text, &config_len, err);
        _cleanup_free_ char *config_what = xasprintf("config %s", m.config.digest);
        if (r == 0)
                r = parse_json(config_text, config_len, config_what, &p->config, err);
        json_object *ids = NULL;
        if (r == 0 && !(ids = config_diff_ids(p->config, m.n_entries, what, err)))
                r = -1;
        if (r == 0)
                snprintf(p->config_digest, sizeof(p->config_digest), "%s", m.config.digest);
        for (size_t i = 0; r == 0 && i < m.n_entries; i++) {
                _cleanup_free_ char *name = archive_blob_name(m.entries[i].digest, err);
                struct pending_layer *pl = pending_layer_new(p, name);
                pl->expected = xstrdup(m.entries[i].digest);
                pl->media_type = xstrdup(m.entries[i].media_type);
                pl->size = m.entries[i].size;
                pl->diff_id = xstrdup(json_object_get_string(json_object_array_get_idx(ids, i)));
        }
        const char *name = annotated_name(annotations);
        if (r == 0 && name)
                r = pending_add_name(p, name, "index.json", err);
        cell_manifest_release(&m);
        return r;
}

static bool platform_matches(const struct cell_descriptor *d, const struct cell_platform *want)
{
        if (!d->os || !d->arch)
                return true; /* says nothing: take it */
        struct cell_manifest one = {.is_index = true, .entries = (struct cell_descriptor *)d,
                                    .n_entries = 1};
        const struct cell_descriptor *pick;
        struct cell_error ignored;
        return cell_manifest_select(&one, want, "index.json", &pick, &ignored) == 0;
}

static int load_oci(struct load *l, struct cell_error *err)
{
        if (l->src->ops->exists(l->src, "oci-layout")) {
                _cleanup_(archive_json_putp) json_object *layout = NULL;
                if (read_json(l, "oci-layout", json_type_object, &layout, err) < 0)
                        return -1;
                if (!json_string_at(layout, "imageLayoutVersion"))
                        return cell_error_set(err, 0, "oci-layout: no imageLayoutVersion");
        }
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (l->src->ops->read(l->src, "index.json", CELL_ARCHIVE_META_MAX, &text, &len, err) < 0)
                return -1;
        struct cell_manifest idx;
        if (cell_manifest_parse(text, len, CELL_MT_OCI_INDEX, "index.json", &idx, err) < 0)
                return -1;
        /* The annotations are not in the parsed descriptors: read them beside. */
        _cleanup_(archive_json_putp) json_object *root = NULL;
        json_object *list = NULL;
        int r = parse_json(text, len, "index.json", &root, err);
        if (r == 0)
                json_object_object_get_ex(root, "manifests", &list);
        size_t skipped = 0;
        for (size_t i = 0; r == 0 && i < idx.n_entries; i++) {
                const struct cell_descriptor *d = &idx.entries[i];
                json_object *annotations = NULL;
                json_object_object_get_ex(json_object_array_get_idx(list, i), "annotations",
                                          &annotations);
                if (!platform_matches(d, &l->platform)) {
                        skipped++;
                        continue;
                }
                if (strcmp(d->media_type, CELL_MT_OCI_INDEX) == 0 ||
                    strcmp(d->media_type, CELL_MT_DOCKER_LIST) == 0)
                        r = oci_index(l, d, annotations, 1, err);
                else if (strcmp(d->media_type, CELL_MT_OCI_MANIFEST) == 0 ||
                         strcmp(d->media_type, CELL_MT_DOCKER_MANIFEST) == 0)
                        r = oci_manifest(l, d, annotations, err);
                else
                        r = cell_error_set(err, 0,
                                           "index.json: %s has media type %s, not an image "
                                           "manifest or index",
                                           d->digest, d->media_type);
        }
        if (r == 0 && l->n == 0 && skipped > 0)
                r = cell_manifest_select(&idx, &l->platform, "index.json",
                                         &(const struct cell_descriptor *){NULL}, err);
        else if (r == 0 && l->n == 0)
                r = cell_error_set(err, 0, "index.json: no images");
        cell_manifest_release(&idx);
        return r;
}

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
        if (parse_json(text, len, name, &p->config, err) < 0)
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
        struct pending_image *p = pending_new(l, what);
        _cleanup_free_ char *config_name = docker_path(config, what, err);
        if (!config_name || docker_config(l, p, config_name, err) < 0)
                return -1;
        size_t n = json_object_array_length(layers);
        json_object *ids = config_diff_ids(p->config, n, what, err);
        if (!ids)
                return -1;
        for (size_t k = 0; k < n; k++) {
                _cleanup_free_ char *name = docker_path(json_object_array_get_idx(layers, k), what,
                                                        err);
                if (!name)
                        return -1;
                struct pending_layer *pl = pending_layer_new(p, name);
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
                if (pending_add_name(p, json_object_get_string(t), what, err) < 0)
                        return -1;
        }
        return 0;
}

static int load_docker(struct load *l, struct cell_error *err)
{
        _cleanup_(archive_json_putp) json_object *list = NULL;
        if (read_json(l, "manifest.json", json_type_array, &list, err) < 0)
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
                if (read_json(l, json_name, json_type_object, &v1, err) < 0)
                        return -1;
                json_object_array_add(p->legacy, v1);
                _cleanup_free_ char *layer = xasprintf("%s/layer.tar", id);
                pending_layer_new(p, layer);
                const char *parent = json_string_at(v1, "parent");
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

static int load_legacy(struct load *l, struct cell_error *err)
{
        _cleanup_(archive_json_putp) json_object *repos = NULL;
        if (read_json(l, "repositories", json_type_object, &repos, err) < 0)
                return -1;
        json_object_object_foreach(repos, repo, tags)
        {
                if (!json_object_is_type(tags, json_type_object))
                        return cell_error_set(err, 0, "repositories: %s is not an object", repo);
                json_object_object_foreach(tags, tag, idv)
                {
                        const char *id = json_object_get_string(idv);
                        if (!json_object_is_type(idv, json_type_string))
                                return cell_error_set(err, 0, "repositories: %s:%s has no id",
                                                      repo, tag);
                        _cleanup_free_ char *name = xasprintf("%s:%s", repo, tag);
                        struct pending_image *p = NULL;
                        for (size_t i = 0; i < l->n; i++) {
                                if (strcmp(l->imgs[i].what, id) == 0)
                                        p = &l->imgs[i];
                        }
                        if (!p) {
                                p = pending_new(l, id);
                                if (legacy_image(l, id, p, err) < 0)
                                        return -1;
                        }
                        if (pending_add_name(p, name, "repositories", err) < 0)
                                return -1;
                }
        }
        if (l->n == 0)
                return cell_error_set(err, 0, "repositories: no images");
        return 0;
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
static int legacy_config(struct load *l, struct pending_image *p, struct cell_error *err)
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
                json_object *v1 = json_object_array_get_idx(p->legacy, i), *h = json_object_new_object();
                const char *created = json_string_at(v1, "created");
                if (created)
                        json_object_object_add(h, "created", json_object_new_string(created));
                json_object *cc, *cmd;
                if (json_object_object_get_ex(v1, "container_config", &cc) &&
                    json_object_object_get_ex(cc, "Cmd", &cmd) &&
                    json_object_is_type(cmd, json_type_array)) {
                        char *by = xstrdup("");
                        for (size_t k = 0; k < json_object_array_length(cmd); k++) {
                                char *next = xasprintf("%s%s%s", by, k ? " " : "",
                                                       json_object_get_string(
                                                               json_object_array_get_idx(cmd, k)));
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
        const char *text = json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        int r = cell_blob_put(l->s, text, strlen(text), p->config_digest, err);
        json_object_put(p->config);
        p->config = config;
        return r < 0 ? cell_error_prefix(err, "%s: config", p->what) : 0;
}

/* A docker archive has no manifest: make an OCI one, and store it. */
static int make_manifest(struct load *l, struct pending_image *p, struct cell_error *err)
{
        _cleanup_free_ char *config_text = NULL;
        size_t config_len;
        if (cell_blob_read(l->s, p->config_digest, CELL_ARCHIVE_META_MAX, &config_text,
                           &config_len, err) < 0)
                return -1;
        json_object *m = json_object_new_object();
        json_object_object_add(m, "schemaVersion", json_object_new_int(2));
        json_object_object_add(m, "mediaType", json_object_new_string(CELL_MT_OCI_MANIFEST));
        json_object_object_add(m, "config",
                               archive_descriptor(CELL_MT_OCI_CONFIG, p->config_digest,
                                                  (int64_t)config_len));
        json_object *layers = json_object_new_array();
        for (size_t i = 0; i < p->n_layers; i++)
                json_object_array_add(layers, archive_descriptor(p->layers[i].media_type,
                                                                 p->layers[i].digest,
                                                                 p->layers[i].size));
        json_object_object_add(m, "layers", layers);
        const char *text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
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
        const char *config_text = json_object_to_json_string_ext(p->config, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        img.size = size + (int64_t)strlen(config_text);
        img.created = xstrdup_or_null(json_string_at(p->config, "created"));
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
                return load_docker(l, err);
        if (src->ops->exists(src, "index.json") || src->ops->exists(src, "oci-layout"))
                return load_oci(l, err);
        if (src->ops->exists(src, "repositories"))
                return load_legacy(l, err);
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
                if (p->legacy && legacy_config(l, p, err) < 0)
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
