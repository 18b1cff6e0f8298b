/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_REGISTRY_H
#define CELL_IMAGE_REGISTRY_H

/*
 * Registries (distribution-spec v2): pull, push, login, logout.
 *
 * Transport and trust: image/http.h (https first; plain http only for a
 * server without TLS on a loopback host or with tls_verify off; certs.d).
 * Authentication: image/auth.h (anonymous, Basic, Bearer tokens per scope;
 * credentials from auth.json).
 *
 * A pull: the manifest (an index is resolved to the platform asked for),
 * the config, then the layers, fetched in parallel over one libcurl multi
 * handle (no threads); each blob streams into the store's blob writer, which
 * verifies its sha256 before the blob becomes visible.  A blob the store
 * already holds is not fetched; a partial one (tmp/ingest-*.partial, kept
 * when a pull is killed or the connection drops) resumes with an HTTP Range
 * request.  Each layer is unpacked, by a child process of its own (up to one
 * per CPU), as soon as its blob is in; the image is added under its name
 * once all are: it is visible only at the very end, and a failure before
 * that leaves only complete verified blobs, unpacked layers and partials.
 *
 * Every failure names the reference, the object (manifest, blob digest) and
 * the reason: "pull 127.0.0.1:5000/foo:latest: fetch blob sha256:ab..: transfer
 * closed with 1234 bytes remaining to read".
 */

#include <stdbool.h>
#include <stdio.h>

#include "image/progress.h"
#include "image/store.h"
#include "util/error.h"

struct cell_pull_opts {
        bool tls_verify;      /* false: any certificate, and plain http is allowed */
        const char *platform; /* "os/arch[/variant]"; NULL: this machine's */
        const char *authfile; /* NULL: the default (auth.h) */
        const char *cert_dir; /* NULL: /etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST */
        const char *creds;    /* "user:password" instead of the auth file, or NULL */
        enum cell_progress_mode progress;
        FILE *output; /* progress and messages; NULL: stderr */
};

/* The defaults; a NULL `o` means the same. A zeroed struct does NOT verify TLS. */
#define CELL_PULL_OPTS_DEFAULT                                                                     \
        {                                                                                          \
                .tls_verify = true                                                                 \
        }

/*
 * Pull `ref` (short names as docker resolves them: "busybox" is
 * docker.io/library/busybox:latest) into `s` and fill `out` (release with
 * cell_image_release) with the image as the store now records it.  Takes
 * the store's shared lock.
 */
int cell_registry_pull(struct cell_store *s, const char *ref, const struct cell_pull_opts *o,
                       struct cell_image *out, struct cell_error *err);

/*
 * Push the stored image `image` (a name or id) to `dest` (a reference, an
 * optional "docker://" prefix allowed; NULL: `image` itself as a
 * reference): every blob the registry lacks (HEAD, then POST + monolithic
 * PUT), then the manifest under the tag.  The manifest is pushed byte for
 * byte, so the digest stays the same.  `o->platform` is ignored.
 */
int cell_registry_push(struct cell_store *s, const char *image, const char *dest,
                       const struct cell_pull_opts *o, struct cell_error *err);

/*
 * Check `user`/`password` against `registry` ("host[:port]", or a
 * reference whose domain is taken) and store them in the auth file.  Wrong
 * credentials: "login to HOST: unauthorized: ...", and nothing is stored.
 */
int cell_registry_login(const char *registry, const char *user, const char *password,
                        const struct cell_pull_opts *o, struct cell_error *err);

/* Remove the credentials for `registry` (NULL: all).  Not logged in:
 * "not logged into HOST". */
int cell_registry_logout(const char *registry, const char *authfile, struct cell_error *err);

/* The registry host of `text`: "127.0.0.1:5000" for itself or for a
 * reference on it, "docker.io" for "docker.io/library/x" or "busybox".  Caller frees. */
char *cell_registry_host(const char *text, struct cell_error *err);

#endif
