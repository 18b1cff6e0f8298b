/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Values with units on the command line (src/cli/oci/units.c): every input goes
 * to cli_parse_size() (update --memory 1.5G) and to cli_parse_duration()
 * (events --interval 1m30s).  Checks options.h's ranges: a size is -1
 * (only for "-1") or >= 0, a duration 1 ms..1000 h; a failure leaves the
 * output untouched.  Seeds: corpus/units/.
 */
#include <stdint.h>

#include "cli/oci/options.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = fuzz_strndup(data, size);
        struct cell_error err = {0};
        int64_t bytes = INT64_MIN;
        int rc = cli_parse_size(s, &bytes, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0)
                FUZZ_ASSERT(bytes >= 0 || (bytes == -1 && strcmp(s, "-1") == 0));
        else
                FUZZ_ASSERT(bytes == INT64_MIN);

        unsigned ms = 0;
        rc = cli_parse_duration(s, &ms, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0)
                FUZZ_ASSERT(ms >= 1 && ms <= 3600000000u);
        else
                FUZZ_ASSERT(ms == 0);
        free(s);
        return 0;
}
