/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json: cell_spec_parse() on arbitrary bytes.  A parse either fails
 * with an error message or yields a spec whose every field can be read
 * (walk.h) and freed.  Seeds: corpus/spec/.
 */
#include <stdbool.h>

#include "fuzz.h"
#include "oci/spec.h"
#include "walk.h"

/* The default spec (what `cell spec` writes) must parse: the harness works. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        for (int rootless = 0; rootless <= 1; rootless++) {
                char *json = cell_spec_default_json(rootless, false);
                struct cell_spec *spec = NULL;
                struct cell_error err = {0};
                FUZZ_ASSERT(cell_spec_parse(json, strlen(json), &spec, &err) == 0);
                fuzz_walk_spec(spec);
                cell_spec_free(spec);
                free(json);
        }
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cell_spec *spec = NULL;
        struct cell_error err = {0};
        int rc = cell_spec_parse((const char *)data, size, &spec, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0) {
                FUZZ_ASSERT(spec);
                fuzz_walk_spec(spec);
                if (spec->has_process)
                        fuzz_check_rlimits_exact(&spec->process, data, size);
                cell_spec_free(spec);
        }
        return 0;
}
