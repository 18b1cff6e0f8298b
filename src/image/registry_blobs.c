/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blobs fetched in parallel over one libcurl multi handle, each streaming
 * into the store's blob writer (which hashes as it writes and refuses a
 * digest mismatch at commit).  A blob with a partial file resumes with a
 * Range request; a server that ignores the range, or a range past the end,
 * restarts that blob from zero.
 */
#include <errno.h>
#include <string.h>

#include "image/manifest.h"
#include "image/progress.h"
#include "image/registry_internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* containers/image's default number of parallel layer downloads. */
#define PARALLEL 6
/* Restarts of one blob (an ignored Range, an expired token) before giving up. */
#define MAX_RESTARTS 2
#define ERROR_BODY_MAX ((size_t)64 << 10)

struct job {
        const struct cell_descriptor *d;
        size_t index; /* in the caller's list */
        struct fetch *f;
        size_t item;
        struct cell_blob_writer *w;
        uint64_t offset;   /* where this transfer starts (the partial file's length) */
        uint64_t received; /* bytes of this transfer written */
        CURL *easy;
        struct curl_slist *headers;
        struct cell_http_response resp; /* headers, and the body of an error answer */
        char curl_error[CURL_ERROR_SIZE];
        bool write_failed, range_ignored;
        struct cell_error write_err;
        int restarts;
};

struct fetch {
        struct registry_client *c;
        struct cell_store *s;
        const char *repo, *scope;
        struct cell_progress *progress;
        const struct registry_fetch_hooks *hooks;
        const struct cell_descriptor *const *blobs;
        size_t n_blobs;
        CURLM *multi;
        int active;
};

/* blobs[index] is in the store, and so is every later entry with its digest. */
static int ready(struct fetch *f, size_t index, struct cell_error *err)
{
        if (!f->hooks || !f->hooks->blob_ready)
                return 0;
        for (size_t i = index; i < f->n_blobs; i++)
                if ((i == index || strcmp(f->blobs[i]->digest, f->blobs[index]->digest) == 0) &&
                    f->hooks->blob_ready(f->hooks->data, i, err) < 0)
                        return -1;
        return 0;
}

static size_t job_write(char *data, size_t size, size_t n, void *opaque)
{
        struct job *j = opaque;
        size_t len = size * n;
        long status = 0;
        curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200 && status != 206) {
                size_t room = ERROR_BODY_MAX - j->resp.len;
                size_t take = len < room ? len : room;
                j->resp.body = xrealloc(j->resp.body, j->resp.len + take + 1);
                memcpy(j->resp.body + j->resp.len, data, take);
                j->resp.len += take;
                j->resp.body[j->resp.len] = '\0';
                return len;
        }
        if (status == 200 && j->offset > 0) {
                j->range_ignored = true;
                return 0;
        }
        if (j->offset + j->received + len > (uint64_t)j->d->size) {
                j->write_failed = true;
                cell_error_set(&j->write_err, 0, "larger than the %lld bytes the manifest gives",
                               (long long)j->d->size);
                return 0;
        }
        if (cell_blob_writer_write(j->w, data, len, &j->write_err) < 0) {
                j->write_failed = true;
                return 0;
        }
        j->received += len;
        cell_progress_update(j->f->progress, j->item, (int64_t)(j->offset + j->received));
        return len;
}

static void job_drop_transfer(struct job *j)
{
        if (j->easy) {
                curl_multi_remove_handle(j->f->multi, j->easy);
                curl_easy_cleanup(j->easy);
                j->easy = NULL;
                j->f->active--;
        }
        curl_slist_free_all(j->headers);
        j->headers = NULL;
        cell_http_response_release(&j->resp);
}

static void job_discard_writer(struct job *j, bool keep_partial)
{
        if (j->w)
                cell_blob_writer_abort(j->w, keep_partial);
        j->w = NULL;
}

static int job_commit(struct job *j, struct cell_error *err)
{
        char digest[72];
        struct cell_blob_writer *w = steal_ptr(j->w);
        if (cell_blob_writer_commit(w, digest, err) < 0)
                return -1; /* the store's message names the blob */
        cell_progress_update(j->f->progress, j->item, j->d->size);
        cell_progress_finish(j->f->progress, j->item, "done");
        return ready(j->f, j->index, err);
}

/* Open the writer (resuming its partial file) and start the transfer, or
 * commit at once when the partial file already holds the whole blob. */
static int job_start(struct job *j, bool *finished, struct cell_error *err)
{
        struct fetch *f = j->f;
        *finished = false;
        if (!j->w) {
                if (cell_blob_writer_open(f->s, j->d->digest, &j->w, &j->offset, err) < 0)
                        return cell_error_prefix(err, "blob %s", j->d->digest);
                if (j->offset > (uint64_t)j->d->size) {
                        job_discard_writer(j, false);
                        if (cell_blob_writer_open(f->s, j->d->digest, &j->w, &j->offset, err) < 0)
                                return cell_error_prefix(err, "blob %s", j->d->digest);
                }
        }
        if (j->offset == (uint64_t)j->d->size && j->offset > 0) {
                *finished = true;
                return job_commit(j, err);
        }
        const char *auth = NULL;
        if (cell_auth_header(&f->c->auth, &f->c->ep, f->scope, &auth, err) < 0)
                return cell_error_prefix(err, "blob %s", j->d->digest);
        _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", f->repo, j->d->digest);
        _cleanup_free_ char *url = cell_http_url(&f->c->ep, path);
        j->easy = cell_http_easy(&f->c->ep, url);
        if (auth)
                j->headers = curl_slist_append(j->headers, auth);
        curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->headers);
        if (j->offset > 0)
                curl_easy_setopt(j->easy, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)j->offset);
        j->resp.max = ERROR_BODY_MAX;
        cell_http_capture_headers(j->easy, &j->resp);
        curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, job_write);
        curl_easy_setopt(j->easy, CURLOPT_WRITEDATA, j);
        curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
        j->curl_error[0] = '\0';
        curl_easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->curl_error);
        j->received = 0;
        j->write_failed = j->range_ignored = false;
        cell_progress_update(f->progress, j->item, (int64_t)j->offset);
        if (curl_multi_add_handle(f->multi, j->easy) != CURLM_OK)
                return cell_error_set(err, 0, "blob %s: cannot start the transfer", j->d->digest);
        f->active++;
        return 0;
}

enum job_next { JOB_DONE, JOB_RESTART, JOB_FAILED };

/* A transfer ended: judge it.  The writer is committed, kept for a restart,
 * or aborted (keeping the partial file when what it holds is good). */
static enum job_next job_end(struct job *j, CURLcode rc, struct cell_error *err)
{
        long status = 0;
        curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
        bool can_restart = j->restarts < MAX_RESTARTS;
        if (can_restart && j->offset > 0 &&
            (j->range_ignored || rc == CURLE_RANGE_ERROR || status == 416)) {
                /* The partial file cannot be resumed here: start over. */
                job_discard_writer(j, false);
                j->restarts++;
                return JOB_RESTART;
        }
        if (can_restart && status == 401 && j->resp.www_authenticate) {
                cell_auth_forget(&j->f->c->auth, j->f->scope);
                if (cell_auth_challenge(&j->f->c->auth, &j->resp, err) < 0)
                        return JOB_FAILED;
                j->restarts++;
                return JOB_RESTART;
        }
        if (j->write_failed) {
                *err = j->write_err;
                job_discard_writer(j, false);
                cell_error_prefix(err, "blob %s", j->d->digest);
                return JOB_FAILED;
        }
        if (rc != CURLE_OK) {
                job_discard_writer(j, true);
                cell_error_set(err, 0, "fetch blob %s: %s", j->d->digest,
                               j->curl_error[0] ? j->curl_error : curl_easy_strerror(rc));
                return JOB_FAILED;
        }
        if (status != 200 && status != 206) {
                j->resp.status = status;
                _cleanup_free_ char *why = cell_http_error_text(&j->resp);
                job_discard_writer(j, true);
                cell_error_set(err, 0, "fetch blob %s: %s", j->d->digest, why);
                return JOB_FAILED;
        }
        if (j->offset + j->received != (uint64_t)j->d->size) {
                job_discard_writer(j, false);
                cell_error_set(err, 0, "fetch blob %s: got %llu bytes, the manifest gives %lld",
                               j->d->digest, (unsigned long long)(j->offset + j->received),
                               (long long)j->d->size);
                return JOB_FAILED;
        }
        return job_commit(j, err) < 0 ? JOB_FAILED : JOB_DONE;
}

/* Collect finished transfers; restart those that should be.  Returns < 0 on
 * the first failure. */
static int collect(struct fetch *f, struct cell_error *err)
{
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(f->multi, &left))) {
                if (msg->msg != CURLMSG_DONE)
                        continue;
                struct job *j = NULL;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
                enum job_next next = job_end(j, msg->data.result, err);
                job_drop_transfer(j);
                if (next == JOB_FAILED)
                        return -1;
                bool finished;
                if (next == JOB_RESTART && job_start(j, &finished, err) < 0)
                        return -1;
        }
        return 0;
}

static int run(struct fetch *f, struct job *jobs, size_t n, struct cell_error *err)
{
        size_t next = 0;
        for (;;) {
                while (next < n && f->active < PARALLEL) {
                        bool finished;
                        if (job_start(&jobs[next++], &finished, err) < 0)
                                return -1;
                }
                int running = 0;
                CURLMcode mc = curl_multi_perform(f->multi, &running);
                if (mc != CURLM_OK)
                        return cell_error_set(err, 0, "fetching blobs: %s",
                                              curl_multi_strerror(mc));
                if (collect(f, err) < 0)
                        return -1;
                if (f->active == 0 && next == n)
                        return 0;
                /* Wakes on socket activity or the caller's fds; the timeout
                 * keeps the progress moving. */
                struct curl_waitfd extra[16];
                unsigned n_extra = 0;
                if (f->hooks && f->hooks->wait_fds)
                        n_extra = f->hooks->wait_fds(f->hooks->data, extra, CELL_ARRAY_SIZE(extra));
                curl_multi_poll(f->multi, extra, n_extra, 200, NULL);
                if (f->hooks && f->hooks->after_wait &&
                    f->hooks->after_wait(f->hooks->data, err) < 0)
                        return -1;
        }
}

static bool seen_before(const struct cell_descriptor *const *blobs, size_t i)
{
        for (size_t k = 0; k < i; k++)
                if (strcmp(blobs[k]->digest, blobs[i]->digest) == 0)
                        return true;
        return false;
}

int registry_fetch_blobs(struct registry_client *c, struct cell_store *s, const char *repo,
                         const char *scope, const struct cell_descriptor *const *blobs, size_t n,
                         struct cell_progress *progress, const struct registry_fetch_hooks *hooks,
                         struct cell_error *err)
{
        struct fetch f = {.c = c,
                          .s = s,
                          .repo = repo,
                          .scope = scope,
                          .progress = progress,
                          .hooks = hooks,
                          .blobs = blobs,
                          .n_blobs = n};
        _cleanup_free_ struct job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
        size_t n_jobs = 0;
        for (size_t i = 0; i < n; i++) {
                const struct cell_descriptor *d = blobs[i];
                bool config = strcmp(d->media_type, CELL_MT_OCI_CONFIG) == 0 ||
                              strcmp(d->media_type, CELL_MT_DOCKER_CONFIG) == 0;
                _cleanup_free_ char *label =
                        xasprintf("Copying %s %.12s", config ? "config" : "blob", d->digest + 7);
                size_t item = cell_progress_add(progress, label, d->size);
                if (cell_blob_exists(s, d->digest)) {
                        cell_progress_finish(progress, item, "skipped: already exists");
                        if (hooks && hooks->blob_ready &&
                            hooks->blob_ready(hooks->data, i, err) < 0)
                                return -1;
                        continue;
                }
                if (seen_before(blobs, i)) {
                        cell_progress_finish(progress, item, "done");
                        continue; /* ready() announces it with the first */
                }
                jobs[n_jobs++] = (struct job){.d = d, .index = i, .f = &f, .item = item};
        }
        if (n_jobs == 0)
                return 0;
        f.multi = curl_multi_init();
        if (!f.multi)
                abort();
        int ret = run(&f, jobs, n_jobs, err);
        /* After a failure: stop the others, keeping what they have fetched. */
        for (size_t i = 0; i < n_jobs; i++) {
                job_drop_transfer(&jobs[i]);
                job_discard_writer(&jobs[i], true);
        }
        curl_multi_cleanup(f.multi);
        return ret;
}
