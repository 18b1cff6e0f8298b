/* SPDX-License-Identifier: Apache-2.0 */
/* cell_registry_push: blobs the registry lacks, then the manifest. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "image/manifest.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/registry_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

struct push {
        struct cell_store *s;
        struct cell_ref ref;
        char *name;
        char *scope;
        struct registry_client client;
        struct cell_progress *progress;
};

static int fail_status(const struct cell_http_response *r, const char *what, struct cell_error *err)
{
        _cleanup_free_ char *why = cell_http_error_text(r);
        return cell_error_set(err, 0, "%s: %s", what, why);
}

static bool blob_present(struct push *p, const char *digest, struct cell_error *err, int *ret)
{
        _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", p->ref.path, digest);
        struct cell_http_response r = {0};
        *ret = registry_request(&p->client, "HEAD", path, p->scope, NULL, NULL, 0, &r, err);
        bool present = *ret == 0 && r.status == 200;
        if (*ret == 0 && r.status != 200 && r.status != 404)
                *ret = fail_status(&r, "checking for the blob", err);
        cell_http_response_release(&r);
        return present;
}

/* POST for an upload URL, then one PUT of the whole blob. */
static int upload_blob(struct push *p, const char *digest, struct cell_error *err)
{
        _cleanup_close_ int fd = cell_blob_open(p->s, digest, err);
        if (fd < 0)
                return -1;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return cell_error_errno(err, "stat");
        _cleanup_free_ char *post = xasprintf("/v2/%s/blobs/uploads/", p->ref.path);
        struct cell_http_body empty = {.fd = -1};
        struct cell_http_response r = {0};
        int ret = registry_request(&p->client, "POST", post, p->scope, NULL, &empty,
                                   CELL_SMALL_BODY_MAX, &r, err);
        if (ret == 0 && (r.status != 202 || !r.location))
                ret = fail_status(&r, "starting the upload", err);
        if (ret < 0) {
                cell_http_response_release(&r);
                return -1;
        }
        _cleanup_free_ char *put =
                xasprintf("%s%sdigest=%s", r.location, strchr(r.location, '?') ? "&" : "?", digest);
        struct cell_http_body body = {
                .fd = fd, .len = (size_t)st.st_size, .content_type = "application/octet-stream"};
        ret = registry_request(&p->client, "PUT", put, p->scope, NULL, &body, CELL_SMALL_BODY_MAX,
                               &r, err);
        if (ret == 0 && r.status != 201)
                ret = fail_status(&r, "uploading", err);
        cell_http_response_release(&r);
        return ret;
}

static int push_blob(struct push *p, const char *digest, const char *kind, struct cell_error *err)
{
        _cleanup_free_ char *label = xasprintf("Copying %s %.12s", kind, digest + 7);
        size_t item = cell_progress_add(p->progress, label, -1);
        int ret;
        if (blob_present(p, digest, err, &ret)) {
                cell_progress_finish(p->progress, item, "skipped: already exists");
                return 0;
        }
        if (ret == 0)
                ret = upload_blob(p, digest, err);
        if (ret < 0)
                return cell_error_prefix(err, "blob %s", digest);
        cell_progress_finish(p->progress, item, "done");
        return 0;
}

static int push_manifest(struct push *p, const struct cell_image *img, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (cell_blob_read(p->s, img->digest, CELL_MANIFEST_MAX, &text, &len, err) < 0)
                return cell_error_prefix(err, "manifest %s", img->digest);
        const char *mt = img->manifest_media_type ? img->manifest_media_type : CELL_MT_OCI_MANIFEST;
        const char *tag = p->ref.digest ? p->ref.digest : p->ref.tag;
        _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", p->ref.path, tag);
        struct cell_http_body body = {.data = text, .len = len, .fd = -1, .content_type = mt};
        struct cell_http_response r = {0};
        int ret = registry_request(&p->client, "PUT", path, p->scope, NULL, &body,
                                   CELL_SMALL_BODY_MAX, &r, err);
        if (ret == 0 && r.status != 201)
                ret = fail_status(&r, "manifest", err);
        cell_http_response_release(&r);
        return ret;
}

static int push_steps(struct push *p, const struct cell_image *img, const struct cell_pull_opts *o,
                      struct cell_error *err)
{
        if (!img->digest || !cell_blob_exists(p->s, img->digest))
                return cell_error_set(err, 0, "image %s has no manifest in the store", img->id);
        if (registry_client_open(&p->client, p->ref.domain, o, err) < 0)
                return -1;
        cell_progress_say(p->progress, "Getting image source signatures");
        for (size_t i = 0; i < img->n_layers; i++)
                if (push_blob(p, img->layers[i].digest, "blob", err) < 0)
                        return -1;
        if (push_blob(p, img->id, "config", err) < 0)
                return -1;
        cell_progress_say(p->progress, "Writing manifest to image destination");
        return push_manifest(p, img, err);
}

int cell_registry_push(struct cell_store *s, const char *image, const char *dest,
                       const struct cell_pull_opts *o, struct cell_error *err)
{
        const struct cell_pull_opts defaults = CELL_PULL_OPTS_DEFAULT;
        if (!o)
                o = &defaults;
        const char *target = dest ? dest : image;
        if (strncmp(target, "docker://", 9) == 0)
                target += 9;
        struct push p = {.s = s};
        if (cell_ref_parse(target, &p.ref, err) < 0)
                return cell_error_prefix(err, "push %s", target);
        p.name = cell_ref_string(&p.ref);
        p.scope = xasprintf("repository:%s:pull,push", p.ref.path);
        p.progress = cell_progress_new(o->progress, o->output);
        struct cell_image img = {0};
        int ret = cell_store_lock_shared(s, err);
        if (ret == 0)
                ret = cell_image_lookup(s, image, &img, err);
        if (ret == 0)
                ret = push_steps(&p, &img, o, err);
        if (ret < 0)
                cell_error_prefix(err, "push %s", p.name);
        cell_image_release(&img);
        registry_client_close(&p.client);
        cell_progress_free(p.progress);
        cell_ref_release(&p.ref);
        free(p.name);
        free(p.scope);
        return ret;
}
