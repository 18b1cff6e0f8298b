/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.json (exec --process FILE): cell_process_parse() on arbitrary
 * bytes.  On failure the struct must already be released (the harness then
 * releases the zeroed struct once more, which must be harmless); on success
 * every field is read (walk.h) and released.  Seeds: corpus/process/.
 */
#include "fuzz.h"
#include "oci/spec.h"
#include "walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cell_process process;
        struct cell_error err = {0};
        int rc = cell_process_parse((const char *)data, size, &process, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0) {
                fuzz_walk_process(&process);
                fuzz_check_rlimits_exact(&process, data, size);
        }
        cell_process_release(&process);
        return 0;
}
