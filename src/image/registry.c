/* SPDX-License-Identifier: Apache-2.0 */
/* cell_registry_pull: manifest, config, layers (registry_blobs.c), unpack, add. */
#include "image/registry.h"

#include <errno.h>
#include <string.h>

#include "image/manifest.h"
#include "image/reference.h"
#include "image/registry_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

struct pull {
        struct cell_store *s;
        const struct cell_pull_opts *o;
        struct cell_ref ref;
        char *name;  /* fully qualified reference */
        char *scope; /* "repository:library/busybox:pull" */
        struct registry_client client;
        struct cell_progress *progress;
        struct cell_manifest manifest;
        char manifest_digest[72];
        char **diff_ids; /* from the config, one per layer */
        size_t n_diff_ids;
        char *created;
        bool was_index; /* the reference named an index, resolved to the platform */
};

static void pull_release(struct pull *p)
{
        cell_ref_release(&p->ref);
        free(p->name);
        free(p->scope);
        registry_client_close(&p->client);
        cell_progress_free(p->progress);
        cell_manifest_release(&p->manifest);
        for (size_t i = 0; i < p->n_diff_ids; i++)
                free(p->diff_ids[i]);
        free(p->diff_ids);
        free(p->created);
}

/*
 * GET a manifest (by tag or digest) and keep it in the store as a blob: its
 * digest is checked against `expected` (a digest reference or an index
 * entry) and against the registry's Docker-Content-Digest.
 */
static int fetch_manifest(struct pull *p, const char *what_ref, const char *expected,
                          struct cell_manifest *out, char digest[72], struct cell_error *err)
{
        _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", p->ref.path, what_ref);
        _cleanup_free_ char *what = xasprintf("manifest %s", what_ref);
        const char *headers[] = {CELL_MANIFEST_ACCEPT, NULL};
        struct cell_http_response r = {0};
        int ret = registry_request(&p->client, "GET", path, p->scope, headers, NULL,
                                   CELL_MANIFEST_MAX, &r, err);
        if (ret == 0 && r.status != 200) {
                _cleanup_free_ char *why = cell_http_error_text(&r);
                ret = cell_error_set(err, 0, "reading %s: %s", what, why);
        }
        if (ret == 0)
                cell_sha256_digest(r.body, r.len, digest);
        if (ret == 0 && expected && strcmp(digest, expected) != 0)
                ret = cell_error_set(err, 0, "%s: digest mismatch: got %s, want %s", what, digest,
                                     expected);
        if (ret == 0 && !expected && r.docker_content_digest &&
            cell_digest_valid(r.docker_content_digest) &&
            strcmp(digest, r.docker_content_digest) != 0)
                ret = cell_error_set(err, 0, "%s: digest mismatch: got %s, registry says %s", what,
                                     digest, r.docker_content_digest);
        if (ret == 0)
                ret = cell_manifest_parse(r.body, r.len, r.content_type, what, out, err);
        /* Kept only once it is known good: the image record points at it. */
        if (ret == 0 && cell_blob_put(p->s, r.body, r.len, digest, err) < 0) {
                cell_manifest_release(out);
                ret = cell_error_prefix(err, "store %s", what);
        }
        cell_http_response_release(&r);
        return ret;
}

static int resolve_manifest(struct pull *p, struct cell_error *err)
{
        const char *first = p->ref.digest ? p->ref.digest : p->ref.tag;
        if (fetch_manifest(p, first, p->ref.digest, &p->manifest, p->manifest_digest, err) < 0)
                return -1;
        if (!p->manifest.is_index)
                return 0;
        p->was_index = true;
        struct cell_platform want;
        if (cell_platform_parse(p->o->platform, &want, err) < 0)
                return -1;
        const struct cell_descriptor *d;
        int ret = cell_manifest_select(&p->manifest, &want, p->name, &d, err);
        cell_platform_release(&want);
        if (ret < 0)
                return -1;
        _cleanup_free_ char *digest = xstrdup(d->digest);
        struct cell_manifest image;
        if (fetch_manifest(p, digest, digest, &image, p->manifest_digest, err) < 0)
                return -1;
        cell_manifest_release(&p->manifest);
        p->manifest = image;
        if (p->manifest.is_index)
                return cell_error_set(err, 0, "manifest %s: an index inside an index", digest);
        return 0;
}

static const char *config_string(json_object *root, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* A single-platform image for another platform than the one asked for is
 * pulled, as podman does, with a warning. */
static void warn_platform(struct pull *p, json_object *config)
{
        struct cell_platform want;
        struct cell_error ignored = {0};
        if (cell_platform_parse(p->o->platform, &want, &ignored) < 0)
                return;
        const char *os = config_string(config, "os"), *arch = config_string(config, "architecture");
        if (os && arch && (strcmp(os, want.os) != 0 || strcmp(arch, want.arch) != 0)) {
                struct cell_platform have = {.os = (char *)os,
                                             .arch = (char *)arch,
                                             .variant = (char *)config_string(config, "variant")};
                _cleanup_free_ char *h = cell_platform_string(&have),
                                    *w = cell_platform_string(&want);
                cell_progress_say(p->progress,
                                  "WARNING: image platform (%s) does not match the expected "
                                  "platform (%s)",
                                  h, w);
        }
        cell_platform_release(&want);
}

/* The config: JSON, an object, with one rootfs.diff_ids entry per layer. */
static int read_config(struct pull *p, struct cell_error *err)
{
        const char *digest = p->manifest.config.digest;
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (cell_blob_read(p->s, digest, CELL_CONFIG_MAX, &text, &len, err) < 0)
                return cell_error_prefix(err, "config %s", digest);
        _cleanup_(json_object_putp) json_object *root = json_tokener_parse(text);
        json_object *rootfs, *ids, *created;
        if (!root || !json_object_is_type(root, json_type_object))
                return cell_error_set(err, 0, "config %s: not a JSON object", digest);
        if (!json_object_object_get_ex(root, "rootfs", &rootfs) ||
            !json_object_object_get_ex(rootfs, "diff_ids", &ids) ||
            !json_object_is_type(ids, json_type_array))
                return cell_error_set(err, 0, "config %s: no rootfs.diff_ids", digest);
        size_t n = json_object_array_length(ids);
        if (n != p->manifest.n_entries)
                return cell_error_set(err, 0, "config %s: %zu diff_ids for %zu layers", digest, n,
                                      p->manifest.n_entries);
        p->diff_ids = xcalloc(n ? n : 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
                const char *id = json_object_get_string(json_object_array_get_idx(ids, i));
                if (!cell_digest_valid(id))
                        return cell_error_set(err, 0, "config %s: invalid diff_id \"%s\"", digest,
                                              id ? id : "");
                p->diff_ids[i] = xstrdup(id);
                p->n_diff_ids++;
        }
        if (json_object_object_get_ex(root, "created", &created) &&
            json_object_is_type(created, json_type_string))
                p->created = xstrdup(json_object_get_string(created));
        if (!p->was_index)
                warn_platform(p, root);
        return 0;
}

static int add_image(struct pull *p, struct cell_image *out, struct cell_error *err)
{
        struct cell_image img = {0};
        img.id = p->manifest.config.digest;
        img.digest = p->manifest_digest;
        img.manifest_media_type = p->manifest.media_type;
        img.n_layers = p->manifest.n_entries;
        img.layers = xcalloc(img.n_layers ? img.n_layers : 1, sizeof(*img.layers));
        img.size = p->manifest.config.size;
        for (size_t i = 0; i < img.n_layers; i++) {
                const struct cell_descriptor *d = &p->manifest.entries[i];
                img.layers[i] = (struct cell_image_layer){.digest = d->digest,
                                                          .diff_id = p->diff_ids[i],
                                                          .media_type = d->media_type,
                                                          .size = d->size};
                img.size += d->size;
        }
        img.created = p->created;
        int ret = cell_image_add(p->s, &img, p->name, err);
        free(img.layers);
        if (ret < 0)
                return -1;
        /* By id: another pull may have moved the name on already. */
        return cell_image_lookup(p->s, p->manifest.config.digest, out, err);
}

/*
 * The config first (it names the layers' diff ids), then the layers, each
 * unpacked as soon as it is in the store while the others still stream.
 */
static int fetch_and_unpack(struct pull *p, struct cell_error *err)
{
        const struct cell_descriptor *config = &p->manifest.config;
        if (registry_fetch_blobs(&p->client, p->s, p->ref.path, p->scope, &config, 1, p->progress,
                                 NULL, err) < 0 ||
            read_config(p, err) < 0)
                return -1;
        size_t n = p->manifest.n_entries;
        _cleanup_free_ const struct cell_descriptor **layers = xcalloc(n ? n : 1, sizeof(*layers));
        for (size_t i = 0; i < n; i++)
                layers[i] = &p->manifest.entries[i];
        struct registry_unpack *u = registry_unpack_new(p->s, p->manifest.entries, p->diff_ids, n);
        struct registry_fetch_hooks hooks;
        registry_unpack_hooks(u, &hooks);
        int ret = registry_fetch_blobs(&p->client, p->s, p->ref.path, p->scope, layers, n,
                                       p->progress, &hooks, err);
        /* After a failure, still wait for the unpacking children: nothing of
         * theirs may be left running or half-written in tmp/. */
        struct cell_error unpack_err = {0};
        if (registry_unpack_finish(u, ret == 0, &unpack_err) < 0 && ret == 0) {
                *err = unpack_err;
                ret = -1;
        }
        return ret;
}

static int pull_steps(struct pull *p, struct cell_image *out, struct cell_error *err)
{
        struct cell_platform want; /* a bad --platform fails before any traffic */
        if (cell_platform_parse(p->o->platform, &want, err) < 0)
                return -1;
        cell_platform_release(&want);
        cell_progress_say(p->progress, "Trying to pull %s...", p->name);
        if (registry_client_open(&p->client, p->ref.domain, p->o, err) < 0)
                return -1;
        if (resolve_manifest(p, err) < 0)
                return -1;
        cell_progress_say(p->progress, "Getting image source signatures");
        if (fetch_and_unpack(p, err) < 0)
                return -1;
        cell_progress_say(p->progress, "Writing manifest to image destination");
        return add_image(p, out, err);
}

int cell_registry_pull(struct cell_store *s, const char *ref, const struct cell_pull_opts *o,
                       struct cell_image *out, struct cell_error *err)
{
        const struct cell_pull_opts defaults = CELL_PULL_OPTS_DEFAULT;
        struct pull p = {.s = s, .o = o ? o : &defaults};
        memset(out, 0, sizeof(*out));
        const char *text = strncmp(ref, "docker://", 9) == 0 ? ref + 9 : ref;
        if (cell_ref_parse(text, &p.ref, err) < 0)
                return cell_error_prefix(err, "pull %s", ref);
        p.name = cell_ref_string(&p.ref);
        p.scope = xasprintf("repository:%s:pull", p.ref.path);
        p.progress = cell_progress_new(p.o->progress, p.o->output);
        int ret = cell_store_lock_shared(s, err);
        if (ret == 0)
                ret = pull_steps(&p, out, err);
        if (ret < 0)
                cell_error_prefix(err, "pull %s", p.name);
        pull_release(&p);
        return ret;
}
