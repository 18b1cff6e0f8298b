/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry manifests: cell_manifest_parse() on what a registry may answer
 * (OCI manifest and index, docker manifest and manifest list), then, for an
 * index, cell_manifest_select() as a pull does it.  The first byte picks
 * the Content-Type the body "came with" (none, or one of the four); the
 * rest is the body.  A parsed manifest has the fields manifest.h promises
 * (sha256 digests, sizes >= 0); every platform an index names selects an
 * entry of that platform; a platform it lacks fails with a message.
 * Seeds: corpus/manifest/.
 */
#include <stdbool.h>

#include "fuzz.h"
#include "image/manifest.h"

static const char *const content_types[] = {
        NULL, CELL_MT_OCI_MANIFEST, CELL_MT_OCI_INDEX, CELL_MT_DOCKER_MANIFEST, CELL_MT_DOCKER_LIST,
        "application/json",
};

static void check_descriptor(const struct cell_descriptor *d)
{
        FUZZ_ASSERT(d->digest);
        FUZZ_ASSERT(strncmp(d->digest, "sha256:", 7) == 0 && strlen(d->digest) == 71);
        FUZZ_ASSERT(d->size >= 0);
        fuzz_touch(d->media_type);
        fuzz_touch(d->os);
        fuzz_touch(d->arch);
        fuzz_touch(d->variant);
}

static void select_platform(const struct cell_manifest *m, const char *text)
{
        struct cell_platform want;
        struct cell_error err = {0};
        int rc = cell_platform_parse(text, &want, &err);
        fuzz_check_result(rc, &err);
        if (rc < 0)
                return;
        const struct cell_descriptor *d = NULL;
        rc = cell_manifest_select(m, &want, "fuzz", &d, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0) {
                FUZZ_ASSERT(d >= m->entries && d < m->entries + m->n_entries);
                FUZZ_ASSERT(strcmp(d->os, want.os) == 0 && strcmp(d->arch, want.arch) == 0);
        }
        char *s = cell_platform_string(&want);
        fuzz_touch(s);
        free(s);
        cell_platform_release(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        const char *ct = content_types[data[0] % (sizeof(content_types) / sizeof(*content_types))];
        struct cell_manifest m;
        memset(&m, 0, sizeof(m));
        struct cell_error err = {0};
        int rc = cell_manifest_parse((const char *)data + 1, size - 1, ct, "manifest fuzz", &m,
                                     &err);
        fuzz_check_result(rc, &err);
        if (rc < 0)
                return 0;
        fuzz_touch(m.media_type);
        FUZZ_ASSERT(m.n_entries == 0 || m.entries);
        for (size_t i = 0; i < m.n_entries; i++)
                check_descriptor(&m.entries[i]);
        if (!m.is_index) {
                check_descriptor(&m.config);
                for (size_t i = 0; i < m.n_entries; i++)
                        (void)cell_layer_media_type_known(m.entries[i].media_type);
        } else {
                /* Each platform the index names is found (that entry or an earlier twin). */
                for (size_t i = 0; i < m.n_entries; i++) {
                        const struct cell_descriptor *e = &m.entries[i];
                        if (!e->os || !e->arch || !*e->os || !*e->arch || strchr(e->os, '/') ||
                            strchr(e->arch, '/') || (e->variant && strchr(e->variant, '/')))
                                continue;
                        size_t n = strlen(e->os) + strlen(e->arch) +
                                   (e->variant ? strlen(e->variant) : 0) + 3;
                        char *text = malloc(n);
                        FUZZ_ASSERT(text);
                        if (e->variant && *e->variant)
                                snprintf(text, n, "%s/%s/%s", e->os, e->arch, e->variant);
                        else
                                snprintf(text, n, "%s/%s", e->os, e->arch);
                        struct cell_platform want;
                        FUZZ_ASSERT(cell_platform_parse(text, &want, &err) == 0);
                        const struct cell_descriptor *d = NULL;
                        FUZZ_ASSERT(cell_manifest_select(&m, &want, "fuzz", &d, &err) == 0);
                        FUZZ_ASSERT(d <= e);
                        cell_platform_release(&want);
                        free(text);
                }
                select_platform(&m, "linux/amd64");
                select_platform(&m, "linux/arm64/v8");
                select_platform(&m, "linux/arm/v7");
                select_platform(&m, NULL);
        }
        cell_manifest_release(&m);
        return 0;
}
