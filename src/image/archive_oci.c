/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell load` of an OCI image layout (archive_plan.h): index.json's entries,
 * an index (nested or not) resolved to this platform, each manifest and
 * config read from the store once its blob went through the blob writer.
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

/* How deep an index may nest indexes. */
#define MAX_INDEX_DEPTH 4

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
        const char *name = archive_json_string(annotations, "io.containerd.image.name");
        return name ? name : archive_json_string(annotations, "org.opencontainers.image.ref.name");
}

static int oci_manifest(struct load *l, const struct cell_descriptor *d, json_object *annotations,
                        struct cell_error *err)
{
        /* Several index entries (names) for one manifest: one image. */
        for (size_t i = 0; i < l->n; i++) {
                if (l->imgs[i].manifest_digest &&
                    strcmp(l->imgs[i].manifest_digest, d->digest) == 0) {
                        const char *name = annotated_name(annotations);
                        return name ? archive_pending_add_name(&l->imgs[i], name, "index.json", err)
                                    : 0;
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
        struct pending_image *p = archive_pending_new(l, what);
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
                r = archive_parse_json(config_text, config_len, config_what, &p->config, err);
        json_object *ids = NULL;
        if (r == 0 && !(ids = archive_config_diff_ids(p->config, m.n_entries, what, err)))
                r = -1;
        if (r == 0)
                snprintf(p->config_digest, sizeof(p->config_digest), "%s", m.config.digest);
        for (size_t i = 0; r == 0 && i < m.n_entries; i++) {
                _cleanup_free_ char *name = archive_blob_name(m.entries[i].digest, err);
                struct pending_layer *pl = archive_pending_layer_new(p, name);
                pl->expected = xstrdup(m.entries[i].digest);
                pl->media_type = xstrdup(m.entries[i].media_type);
                pl->size = m.entries[i].size;
                pl->diff_id = xstrdup(json_object_get_string(json_object_array_get_idx(ids, i)));
        }
        const char *name = annotated_name(annotations);
        if (r == 0 && name)
                r = archive_pending_add_name(p, name, "index.json", err);
        cell_manifest_release(&m);
        return r;
}

static bool platform_matches(const struct cell_descriptor *d, const struct cell_platform *want)
{
        if (!d->os || !d->arch)
                return true; /* says nothing: take it */
        struct cell_manifest one = {
                .is_index = true, .entries = (struct cell_descriptor *)d, .n_entries = 1};
        const struct cell_descriptor *pick;
        struct cell_error ignored;
        return cell_manifest_select(&one, want, "index.json", &pick, &ignored) == 0;
}

int archive_load_oci(struct load *l, struct cell_error *err)
{
        if (l->src->ops->exists(l->src, "oci-layout")) {
                _cleanup_(archive_json_putp) json_object *layout = NULL;
                if (archive_read_json(l, "oci-layout", json_type_object, &layout, err) < 0)
                        return -1;
                if (!archive_json_string(layout, "imageLayoutVersion"))
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
        int r = archive_parse_json(text, len, "index.json", &root, err);
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
