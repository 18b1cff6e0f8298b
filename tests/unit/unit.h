/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_TESTS_UNIT_H
#define CELL_TESTS_UNIT_H

/*
 * A tiny unit-test harness.  A test file defines `static void test_x(void)`
 * functions, lists them with UNIT_TEST(test_x) inside UNIT_MAIN(...), and
 * uses CHECK*() inside them.  Each failed CHECK prints file:line and the
 * expression; the program ends with "N passed, M failed" and exits 1 when
 * any test failed.
 *
 *     UNIT_MAIN(UNIT_TEST(test_parse_minimal), UNIT_TEST(test_bad_args))
 */

#include <stdio.h>
#include <string.h>

static int unit_failures_in_test;

#define CHECK(cond)                                                                                \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
                        unit_failures_in_test++;                                                   \
                }                                                                                  \
        } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
        do {                                                                                       \
                const char *unit_a_ = (a), *unit_b_ = (b);                                         \
                if (!unit_a_ || !unit_b_ || strcmp(unit_a_, unit_b_) != 0) {                       \
                        fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,         \
                                unit_a_ ? unit_a_ : "(null)", unit_b_ ? unit_b_ : "(null)");       \
                        unit_failures_in_test++;                                                   \
                }                                                                                  \
        } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
        do {                                                                                       \
                long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);                      \
                if (unit_a_ != unit_b_) {                                                          \
                        fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__,          \
                                __LINE__, #a, unit_a_, unit_b_);                                   \
                        unit_failures_in_test++;                                                   \
                }                                                                                  \
        } while (0)

/* Checks that `haystack` contains `needle`. */
#define CHECK_CONTAINS(haystack, needle)                                                           \
        do {                                                                                       \
                const char *unit_h_ = (haystack), *unit_n_ = (needle);                             \
                if (!unit_h_ || !strstr(unit_h_, unit_n_)) {                                       \
                        fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,     \
                                __LINE__, unit_h_ ? unit_h_ : "(null)", unit_n_);                  \
                        unit_failures_in_test++;                                                   \
                }                                                                                  \
        } while (0)

struct unit_test {
        const char *name;
        void (*fn)(void);
};

#define UNIT_TEST(f) {#f, f}

#define UNIT_MAIN(...)                                                                             \
        int main(void)                                                                             \
        {                                                                                          \
                static const struct unit_test tests[] = {__VA_ARGS__};                             \
                int passed = 0, failed = 0;                                                        \
                for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {                    \
                        unit_failures_in_test = 0;                                                 \
                        tests[i].fn();                                                             \
                        if (unit_failures_in_test) {                                               \
                                printf("FAIL %s\n", tests[i].name);                                \
                                failed++;                                                          \
                        } else {                                                                   \
                                printf("ok   %s\n", tests[i].name);                                \
                                passed++;                                                          \
                        }                                                                          \
                }                                                                                  \
                printf("%d passed, %d failed\n", passed, failed);                                  \
                return failed ? 1 : 0;                                                             \
        }

#endif
