/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker's human formats (github.com/docker/go-units: HumanDuration,
 * HumanSizeWithPrecision), so that cell's listings read as docker's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/engine/ecli.h"

void ecli_human_duration(int64_t seconds, char *buf, size_t size)
{
        int64_t minutes = seconds / 60;
        int64_t hours = (seconds + 1800) / 3600; /* Go: int(d.Hours() + 0.5) */
        if (seconds < 1)
                snprintf(buf, size, "Less than a second");
        else if (seconds == 1)
                snprintf(buf, size, "1 second");
        else if (seconds < 60)
                snprintf(buf, size, "%lld seconds", (long long)seconds);
        else if (minutes == 1)
                snprintf(buf, size, "About a minute");
        else if (minutes < 60)
                snprintf(buf, size, "%lld minutes", (long long)minutes);
        else if (hours == 1)
                snprintf(buf, size, "About an hour");
        else if (hours < 48)
                snprintf(buf, size, "%lld hours", (long long)hours);
        else if (hours < 24 * 7 * 2)
                snprintf(buf, size, "%lld days", (long long)(hours / 24));
        else if (hours < 24 * 30 * 2)
                snprintf(buf, size, "%lld weeks", (long long)(hours / 24 / 7));
        else if (hours < 24 * 365 * 2)
                snprintf(buf, size, "%lld months", (long long)(hours / 24 / 30));
        else
                snprintf(buf, size, "%lld years", (long long)(seconds / 3600 / 24 / 365));
}

void ecli_human_size(int64_t bytes, char *buf, size_t size)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double v = (double)bytes;
        size_t u = 0;
        while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
                v /= 1000;
                u++;
        }
        snprintf(buf, size, "%.3g%s", v, units[u]);
}

int ecli_parse_rfc3339(const char *s, struct timespec *out)
{
        struct tm tm = {0};
        if (!s)
                return -1;
        const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p)
                return -1;
        long nsec = 0;
        if (*p == '.') {
                long scale = 100000000;
                for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                        nsec += scale > 0 ? (*p - '0') * scale : 0;
        }
        long offset = 0;
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
                offset = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
                if (*p == '-')
                        offset = -offset;
                p += 6;
        } else {
                return -1;
        }
        if (*p)
                return -1;
        out->tv_sec = timegm(&tm) - offset;
        out->tv_nsec = nsec;
        return 0;
}

/* Whole seconds from `rfc3339` to now; -1 when it is not a time (or Go's zero time). */
static int64_t seconds_since(const char *rfc3339)
{
        struct timespec t, now;
        if (ecli_parse_rfc3339(rfc3339, &t) < 0 || t.tv_sec <= 0)
                return -1;
        clock_gettime(CLOCK_REALTIME, &now);
        int64_t d = (int64_t)now.tv_sec - (int64_t)t.tv_sec - (now.tv_nsec < t.tv_nsec);
        return d < 0 ? 0 : d;
}

void ecli_human_ago(const char *rfc3339, char *buf, size_t size)
{
        int64_t d = seconds_since(rfc3339);
        if (d < 0) {
                snprintf(buf, size, "%s", "");
                return;
        }
        char h[64];
        ecli_human_duration(d, h, sizeof(h));
        snprintf(buf, size, "%s ago", h);
}

void ecli_human_status(const char *status, int exit_code, const char *started_at, const char *finished_at,
                       char *buf, size_t size)
{
        char h[64];
        if (status && (strcmp(status, "running") == 0 || strcmp(status, "paused") == 0)) {
                int64_t d = seconds_since(started_at);
                ecli_human_duration(d < 0 ? 0 : d, h, sizeof(h));
                snprintf(buf, size, "Up %s%s", h, strcmp(status, "paused") == 0 ? " (Paused)" : "");
        } else if (status && strcmp(status, "exited") == 0) {
                int64_t d = seconds_since(finished_at);
                if (d < 0) {
                        snprintf(buf, size, "Exited (%d)", exit_code);
                        return;
                }
                ecli_human_duration(d, h, sizeof(h));
                snprintf(buf, size, "Exited (%d) %s ago", exit_code, h);
        } else if (status && strcmp(status, "created") == 0) {
                snprintf(buf, size, "Created");
        } else {
                snprintf(buf, size, "%s", status ? status : "");
        }
}
