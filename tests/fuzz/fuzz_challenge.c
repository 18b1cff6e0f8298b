/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A registry's WWW-Authenticate header: cell_auth_challenge() on arbitrary
 * text, into a session that already holds a Bearer realm and a cached token
 * (so a changed realm drops it) and again into a fresh one.  A challenge is
 * refused with a message or leaves a scheme of "basic" or "bearer" (Bearer
 * always with a realm).  Seeds: corpus/challenge/.
 */
#include <stdbool.h>

#include "fuzz.h"
#include "image/auth.h"
#include "util/xalloc.h"

static void check_session(const struct cell_auth *a)
{
        FUZZ_ASSERT(a->scheme);
        FUZZ_ASSERT(strcmp(a->scheme, "basic") == 0 || strcmp(a->scheme, "bearer") == 0);
        if (strcmp(a->scheme, "bearer") == 0)
                FUZZ_ASSERT(a->realm);
        fuzz_touch(a->realm);
        fuzz_touch(a->service);
        for (size_t i = 0; i < a->n_tokens; i++) {
                fuzz_touch(a->tokens[i].scope);
                fuzz_touch(a->tokens[i].header);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *h = fuzz_strndup(data, size);
        struct cell_http_response r = {.status = 401, .www_authenticate = h};
        struct cell_error err = {0};

        /* A session that has a Bearer token cached for one scope. */
        struct cell_auth a;
        cell_auth_init(&a, "alice", "wonderland");
        struct cell_http_response first = {
                .status = 401,
                .www_authenticate = "Bearer realm=\"https://auth.example/token\",service=reg"};
        FUZZ_ASSERT(cell_auth_challenge(&a, &first, &err) == 0);
        a.tokens = xcalloc(1, sizeof(*a.tokens));
        a.tokens[0].scope = xstrdup("repository:a/b:pull");
        a.tokens[0].header = xstrdup("Authorization: Bearer t");
        a.n_tokens = 1;

        int rc = cell_auth_challenge(&a, &r, &err);
        fuzz_check_result(rc, &err);
        check_session(&a);
        if (rc == 0 && a.realm && strcmp(a.realm, "https://auth.example/token") != 0)
                FUZZ_ASSERT(a.n_tokens == 0);
        cell_auth_forget(&a, "repository:a/b:pull");
        FUZZ_ASSERT(a.n_tokens == 0);
        cell_auth_release(&a);

        /* An anonymous, fresh session. */
        cell_auth_init(&a, NULL, NULL);
        int rc2 = cell_auth_challenge(&a, &r, &err);
        fuzz_check_result(rc2, &err);
        FUZZ_ASSERT(rc2 == rc);
        if (rc2 == 0)
                check_session(&a);
        else
                FUZZ_ASSERT(a.scheme == NULL);
        cell_auth_release(&a);
        free(h);
        return 0;
}
