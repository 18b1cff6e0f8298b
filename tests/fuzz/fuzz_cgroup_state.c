/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup handle stored in a container's state file, read back by every
 * later command: cell_cgroup_from_string() on arbitrary strings.  A handle
 * that loads must survive a round trip: to_string, from_string again, and
 * to_string once more gives the same text.  Nothing touches the host (the
 * handle is only parsed and freed).  Seeds: corpus/cgroup_state/.
 */
#include "cgroup/cgroup.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = fuzz_strndup(data, size);
        struct cell_cgroup *cg = NULL;
        struct cell_error err = {0};
        int rc = cell_cgroup_from_string(s, &cg, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0) {
                FUZZ_ASSERT(cg);
                char *text = cell_cgroup_to_string(cg);
                struct cell_cgroup *again = NULL;
                FUZZ_ASSERT(cell_cgroup_from_string(text, &again, &err) == 0);
                char *text2 = cell_cgroup_to_string(again);
                FUZZ_ASSERT(strcmp(text, text2) == 0);
                free(text2);
                free(text);
                cell_cgroup_free(again);
        } else {
                FUZZ_ASSERT(cg == NULL);
        }
        cell_cgroup_free(cg);
        free(s);
        return 0;
}
