/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signal names and numbers (`kill ID SIGNAL`): cell_signal_parse() on
 * arbitrary strings.  Checks signals.h's contract: a parsed signal lies in
 * 0..SIGRTMAX, its canonical name (when it has one) parses back to the same
 * number, and a failure leaves the output untouched.  Seeds: corpus/signal/.
 */
#include <signal.h>

#include "fuzz.h"
#include "util/signals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = fuzz_strndup(data, size);
        int sig = -12345;
        struct cell_error err = {0};
        int rc = cell_signal_parse(s, &sig, &err);
        fuzz_check_result(rc, &err);
        if (rc < 0) {
                FUZZ_ASSERT(sig == -12345);
        } else {
                FUZZ_ASSERT(sig >= 0 && sig <= SIGRTMAX);
                const char *name = cell_signal_name(sig);
                if (name) {
                        int again = -1;
                        FUZZ_ASSERT(cell_signal_parse(name, &again, &err) == 0);
                        FUZZ_ASSERT(again == sig);
                }
        }
        free(s);
        return 0;
}
