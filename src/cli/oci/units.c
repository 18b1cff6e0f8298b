/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Values with units on the command line: sizes as runc's update takes them
 * and durations as Go prints them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/oci/options.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* Binary multiplier of a size suffix letter, 0 when not one. */
static int64_t size_unit(char c)
{
        switch (c) {
        case 'k':
        case 'K':
                return INT64_C(1) << 10;
        case 'm':
        case 'M':
                return INT64_C(1) << 20;
        case 'g':
        case 'G':
                return INT64_C(1) << 30;
        case 't':
        case 'T':
                return INT64_C(1) << 40;
        case 'p':
        case 'P':
                return INT64_C(1) << 50;
        }
        return 0;
}

/* docker/go-units RAMInBytes, which runc uses: ^(\d+(\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$ */
int cli_parse_size(const char *arg, int64_t *out, struct cell_error *err)
{
        if (strcmp(arg, "-1") == 0) {
                *out = -1;
                return 0;
        }
        const char *p = arg;
        while (*p >= '0' && *p <= '9')
                p++;
        if (p == arg)
                return cell_error_set(err, 0, "invalid size \"%s\"", arg);
        if (*p == '.' && p[1] >= '0' && p[1] <= '9')
                for (p++; *p >= '0' && *p <= '9'; p++)
                        ;
        const char *number_end = p;
        if (*p == ' ')
                p++;
        int64_t unit = size_unit(*p);
        if (unit)
                p++;
        else
                unit = 1;
        if (*p == 'i' || *p == 'I')
                p++;
        if (*p == 'b' || *p == 'B')
                p++;
        _cleanup_free_ char *number = xstrndup(arg, (size_t)(number_end - arg));
        errno = 0;
        double v = strtod(number, NULL);
        if (*p || errno || v * (double)unit >= 9.2e18)
                return cell_error_set(err, 0, "invalid size \"%s\"", arg);
        *out = (int64_t)(v * (double)unit);
        return 0;
}

/* Nanoseconds per unit of a Go duration ("ns", "us", "µs", "ms", "s", "m", "h"), 0 if unknown. */
static double duration_unit(const char *s, size_t len)
{
        static const struct {
                const char *name;
                double ns;
        } units[] = {{"ns", 1},  {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6},
                     {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (strlen(units[i].name) == len && !strncmp(s, units[i].name, len))
                        return units[i].ns;
        return 0;
}

int cli_parse_duration(const char *arg, unsigned *ms, struct cell_error *err)
{
        double ns = 0;
        const char *p = strcmp(arg, "0") == 0 ? "" : arg; /* Go's one duration without a unit */
        while (*p) {
                char *end;
                errno = 0;
                double v = (*p >= '0' && *p <= '9') || *p == '.' ? strtod(p, &end) : -1;
                if (v < 0 || errno || end == p)
                        return cell_error_set(err, 0, "invalid duration \"%s\"", arg);
                size_t len = strspn(end, "nsuµmh\xc2\xb5");
                double unit = duration_unit(end, len);
                if (!unit)
                        return cell_error_set(err, 0,
                                              "invalid duration \"%s\": missing or "
                                              "unknown unit",
                                              arg);
                ns += v * unit;
                p = end + len;
        }
        if (ns < 1e6 || ns / 1e6 > 3.6e9)
                return cell_error_set(err, 0, "invalid duration \"%s\": must be 1ms..1000h", arg);
        *ms = (unsigned)(ns / 1e6);
        return 0;
}
