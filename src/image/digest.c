/* SPDX-License-Identifier: Apache-2.0 */
#include "image/digest.h"

#include <mbedtls/sha256.h>
#include <mbedtls/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/*
 * mbedtls 2.x names the int-returning calls *_ret (the void ones are
 * deprecated); 3.x dropped the suffix.  Software sha256 cannot fail, so the
 * return values are only there for hardware back-ends we do not build.
 */
#if MBEDTLS_VERSION_NUMBER < 0x03000000
#define sha256_starts mbedtls_sha256_starts_ret
#define sha256_update mbedtls_sha256_update_ret
#define sha256_finish mbedtls_sha256_finish_ret
#else
#define sha256_starts mbedtls_sha256_starts
#define sha256_update mbedtls_sha256_update
#define sha256_finish mbedtls_sha256_finish
#endif

struct cell_sha256 {
        mbedtls_sha256_context ctx;
};

struct cell_sha256 *cell_sha256_new(void)
{
        struct cell_sha256 *h = xzalloc(sizeof(*h));
        mbedtls_sha256_init(&h->ctx);
        (void)sha256_starts(&h->ctx, 0);
        return h;
}

void cell_sha256_update(struct cell_sha256 *h, const void *buf, size_t len)
{
        if (len > 0)
                (void)sha256_update(&h->ctx, buf, len);
}

void cell_sha256_final(struct cell_sha256 *h, char out[CELL_DIGEST_MAX])
{
        static const char hex[] = "0123456789abcdef";
        unsigned char sum[32];
        (void)sha256_finish(&h->ctx, sum);
        memcpy(out, "sha256:", 7);
        for (size_t i = 0; i < sizeof(sum); i++) {
                out[7 + 2 * i] = hex[sum[i] >> 4];
                out[8 + 2 * i] = hex[sum[i] & 15];
        }
        out[7 + 64] = '\0';
}

void cell_sha256_reset(struct cell_sha256 *h)
{
        mbedtls_sha256_free(&h->ctx);
        mbedtls_sha256_init(&h->ctx);
        (void)sha256_starts(&h->ctx, 0);
}

void cell_sha256_free(struct cell_sha256 *h)
{
        if (!h)
                return;
        mbedtls_sha256_free(&h->ctx);
        free(h);
}

void cell_sha256_digest(const void *buf, size_t len, char out[CELL_DIGEST_MAX])
{
        struct cell_sha256 h;
        mbedtls_sha256_init(&h.ctx);
        (void)sha256_starts(&h.ctx, 0);
        cell_sha256_update(&h, buf, len);
        cell_sha256_final(&h, out);
        mbedtls_sha256_free(&h.ctx);
}

bool cell_digest_valid(const char *digest)
{
        if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + 64)
                return false;
        for (const char *p = digest + 7; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        return true;
}

int cell_digest_check(const char *digest, const char *what, struct cell_error *err)
{
        if (cell_digest_valid(digest))
                return 0;
        return cell_error_set(err, 0, "%s \"%s\": not a sha256 digest (sha256:<64 hex>)", what,
                              digest ? digest : "");
}

const char *cell_digest_hex(const char *digest)
{
        return digest + 7;
}
