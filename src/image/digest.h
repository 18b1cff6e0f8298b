/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_DIGEST_H
#define CELL_IMAGE_DIGEST_H

/*
 * Content digests of the image store: "sha256:<64 lowercase hex>".
 *
 * The hash itself is OpenSSL's sha256 (libcrypto 3: built by
 * scripts/musl-deps.sh for the static musl build, Debian's libssl-dev for a
 * glibc build), whose assembly uses the CPU's SHA extensions; this file only
 * wraps it so that the rest of src/image/ never includes OpenSSL.
 */

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* "sha256:" + 64 hex + NUL, rounded up: the size of every digest buffer. */
#define CELL_DIGEST_MAX 72

/* An incremental sha256.  Opaque; cell_sha256_new() never fails (OOM aborts). */
struct cell_sha256;

struct cell_sha256 *cell_sha256_new(void);
void cell_sha256_update(struct cell_sha256 *h, const void *buf, size_t len);
/*
 * Write "sha256:<hex>" of everything hashed so far into `out`.  The state is
 * left finished: call cell_sha256_reset() before hashing again.
 */
void cell_sha256_final(struct cell_sha256 *h, char out[CELL_DIGEST_MAX]);
/* Start over, as if just made. */
void cell_sha256_reset(struct cell_sha256 *h);
/* NULL is accepted. */
void cell_sha256_free(struct cell_sha256 *h);

/* "sha256:<hex>" of one buffer. */
void cell_sha256_digest(const void *buf, size_t len, char out[CELL_DIGEST_MAX]);

/*
 * True when `digest` is "sha256:" followed by exactly 64 lowercase hex
 * digits.  No other algorithm is accepted: the store names files by it.
 */
bool cell_digest_valid(const char *digest);

/*
 * As cell_digest_valid(), else err = "<what> \"<digest>\": not a sha256
 * digest (sha256:<64 hex>)".  Returns 0 or -1.
 */
int cell_digest_check(const char *digest, const char *what, struct cell_error *err);

/* The 64 hex digits of a valid digest (a pointer into `digest`). */
const char *cell_digest_hex(const char *digest);

#endif
