/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references: cell_ref_parse() on arbitrary text (what `cell pull`,
 * `cell run` and an archive's RepoTags hand it).  A parse either fails with
 * a message or yields a normalized reference whose fields obey reference.h
 * (domain and path set, tag or digest set), and whose string form parses
 * back to itself.  Seeds: corpus/reference/.
 */
#include <stdbool.h>

#include "fuzz.h"
#include "image/reference.h"

static void check_ref(const struct cell_ref *r)
{
        FUZZ_ASSERT(r->domain && *r->domain);
        FUZZ_ASSERT(r->path && *r->path);
        FUZZ_ASSERT(r->tag || r->digest);
        fuzz_touch(r->domain);
        fuzz_touch(r->path);
        fuzz_touch(r->tag);
        fuzz_touch(r->digest);
        if (r->digest)
                FUZZ_ASSERT(strncmp(r->digest, "sha256:", 7) == 0 && strlen(r->digest) == 71);
        if (r->tag)
                FUZZ_ASSERT(strlen(r->tag) <= 128);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = fuzz_strndup(data, size);
        struct cell_ref r;
        struct cell_error err = {0};
        int rc = cell_ref_parse(s, &r, &err);
        fuzz_check_result(rc, &err);
        (void)cell_ref_has_domain(s);
        if (rc == 0) {
                check_ref(&r);
                char *full = cell_ref_string(&r);
                char *repo = cell_ref_repository(&r);
                fuzz_touch(repo);
                /* The normalized form is a reference too, and a fixed point. */
                struct cell_ref again;
                int rc2 = cell_ref_parse(full, &again, &err);
                if (rc2 != 0)
                        fprintf(stderr, "\"%s\" -> \"%s\": %s\n", s, full, err.msg);
                FUZZ_ASSERT(rc2 == 0);
                FUZZ_ASSERT(cell_ref_has_domain(full));
                char *full2 = cell_ref_string(&again);
                FUZZ_ASSERT(strcmp(full, full2) == 0);
                free(full2);
                cell_ref_release(&again);
                free(repo);
                free(full);
                cell_ref_release(&r);
                FUZZ_ASSERT(r.domain == NULL && r.path == NULL);
        }
        free(s);
        return 0;
}
