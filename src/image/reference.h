/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_REFERENCE_H
#define CELL_IMAGE_REFERENCE_H

/*
 * Image references in docker's grammar (distribution/reference):
 *
 *     [DOMAIN/]PATH[:TAG][@sha256:HEX]
 *
 * DOMAIN is present when the first '/'-separated component contains '.' or
 * ':', is "localhost", or has an upper-case letter (docker's rule); else the
 * reference names Docker Hub: "busybox" -> docker.io/library/busybox,
 * "foo/bar" -> docker.io/foo/bar ("index.docker.io" is docker.io too).
 * PATH components are lower-case alphanumerics joined by '.', '_', "__" or
 * runs of '-'; the whole name is at most 255 characters.  TAG is
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; it defaults to "latest" when neither a
 * tag nor a digest is given.  Only sha256 digests are accepted (the store
 * names everything by them).
 */

#include <stdbool.h>

#include "util/error.h"

/*
 * A parsed, normalized reference.  `domain` and `path` are never NULL after
 * a successful parse; `tag` and `digest` may be NULL (never both).  Every
 * field is owned by the struct: release with cell_ref_release().
 */
struct cell_ref {
        char *domain; /* "docker.io", "localhost", "registry:5000" */
        char *path;   /* "library/busybox" */
        char *tag;    /* "latest", or NULL when only a digest was given */
        char *digest; /* "sha256:<hex>" or NULL */
};

/*
 * Parse `s` into `out` (zeroed first), normalizing a short name.  On error
 * `out` holds nothing and err names the reference and the reason:
 * `invalid reference "Foo": repository name must be lowercase`.
 */
int cell_ref_parse(const char *s, struct cell_ref *out, struct cell_error *err);

/* "domain/path[:tag][@digest]", fully qualified.  Caller frees. */
char *cell_ref_string(const struct cell_ref *r);

/* "domain/path" (the repository, no tag or digest).  Caller frees. */
char *cell_ref_repository(const struct cell_ref *r);

/*
 * True when the text of reference `s` names its registry itself (the first
 * component is a domain as above), i.e. it is not a short name that lookup
 * may search for under several registries.
 */
bool cell_ref_has_domain(const char *s);

/* Free the fields and zero them; NULL fields are fine. */
void cell_ref_release(struct cell_ref *r);

#endif
