/* SPDX-License-Identifier: Apache-2.0 */
#include "image/digest.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/*
 * OpenSSL's sha256 (libcrypto's x86_64 assembly uses the SHA extensions where
 * the CPU has them: ~6x mbedtls 2.28's C code, which cost ~46% of a pull's
 * CPU).  The EVP_MD is fetched once, on first use: an EVP_DigestInit_ex with
 * EVP_sha256() would look the implementation up again for every digest.
 * Fetching initialises libcrypto (lazily: nothing of it runs before the first
 * digest, and never on the runtime path).
 */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* libcrypto fails here only without memory (or a build without sha256). */
__attribute__((noreturn)) static void sha256_fatal(const char *what)
{
        fprintf(stderr, "cell: sha256: %s failed (out of memory?)\n", what);
        abort();
}

static void sha256_fetch(void)
{
        sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
        pthread_once(&sha256_once, sha256_fetch);
        if (!sha256_md)
                sha256_fatal("EVP_MD_fetch");
        return sha256_md;
}

struct cell_sha256 {
        EVP_MD_CTX *ctx;
};

static void sha256_start(struct cell_sha256 *h)
{
        if (EVP_DigestInit_ex(h->ctx, sha256(), NULL) != 1)
                sha256_fatal("EVP_DigestInit_ex");
}

static void hex_digest(const unsigned char sum[32], char out[CELL_DIGEST_MAX])
{
        static const char hex[] = "0123456789abcdef";
        memcpy(out, "sha256:", 7);
        for (size_t i = 0; i < 32; i++) {
                out[7 + 2 * i] = hex[sum[i] >> 4];
                out[8 + 2 * i] = hex[sum[i] & 15];
        }
        out[7 + 64] = '\0';
}

struct cell_sha256 *cell_sha256_new(void)
{
        struct cell_sha256 *h = xzalloc(sizeof(*h));
        h->ctx = EVP_MD_CTX_new();
        if (!h->ctx)
                sha256_fatal("EVP_MD_CTX_new");
        sha256_start(h);
        return h;
}

void cell_sha256_update(struct cell_sha256 *h, const void *buf, size_t len)
{
        if (len > 0 && EVP_DigestUpdate(h->ctx, buf, len) != 1)
                sha256_fatal("EVP_DigestUpdate");
}

void cell_sha256_final(struct cell_sha256 *h, char out[CELL_DIGEST_MAX])
{
        unsigned char sum[EVP_MAX_MD_SIZE];
        if (EVP_DigestFinal_ex(h->ctx, sum, NULL) != 1)
                sha256_fatal("EVP_DigestFinal_ex");
        hex_digest(sum, out);
}

void cell_sha256_reset(struct cell_sha256 *h)
{
        sha256_start(h);
}

void cell_sha256_free(struct cell_sha256 *h)
{
        if (!h)
                return;
        EVP_MD_CTX_free(h->ctx);
        free(h);
}

void cell_sha256_digest(const void *buf, size_t len, char out[CELL_DIGEST_MAX])
{
        unsigned char sum[EVP_MAX_MD_SIZE];
        if (EVP_Digest(buf, len, sum, NULL, sha256(), NULL) != 1)
                sha256_fatal("EVP_Digest");
        hex_digest(sum, out);
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
