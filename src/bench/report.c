/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A result (bench.h) as an aligned table for a terminal, with each mode's
 * ratio to "process", and as CSV (one line per workload and mode).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bench/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const char *str(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

static bool num(json_object *row, const char *mode, double *out)
{
        json_object *values, *v;
        if (!json_object_object_get_ex(row, "values", &values) ||
            !json_object_object_get_ex(values, mode, &v) || !v)
                return false;
        *out = json_object_get_double(v);
        return true;
}

static void fmt(double v, char *buf, size_t size)
{
        if (v >= 1000 || v <= -1000 || v == (double)(long long)v)
                snprintf(buf, size, "%.0f", v);
        else
                snprintf(buf, size, "%.3g", v);
}

static json_object *member(json_object *o, const char *key)
{
        json_object *v = NULL;
        json_object_object_get_ex(o, key, &v);
        return v;
}

/* The path a row's figure for mode m took ("bridge 10.88.0.2"), or "" (not a network row). */
void bench_row_path(json_object *row, int m, char *buf, size_t size)
{
        const char *path = str(member(row, "paths"), bench_mode_names[m]);
        const char *addr = str(member(row, "addresses"), bench_mode_names[m]);
        snprintf(buf, size, "%s%s%s", path ? path : "", path && addr ? " " : "",
                 path && addr ? addr : "");
}

static void print_host(FILE *out, json_object *res)
{
        json_object *h = member(res, "host");
        fprintf(out, "host: %s; %s (%s CPUs); %s; cgroups %s; accelerator %s (%s)\n",
                str(h, "kernel"), str(h, "cpu"), str(h, "cpus"), str(h, "memory"), str(h, "cgroup"),
                str(h, "accelerator"), str(h, "accelerator_reason"));
        fprintf(out, "image: %s, %s start-up runs, density up to %s instances\n", str(res, "image"),
                str(res, "runs"), str(res, "density"));
        json_object *modes = member(res, "modes");
        for (size_t i = 0; i < json_object_array_length(modes); i++) {
                json_object *m = json_object_array_get_idx(modes, i);
                fprintf(out, "  %-10s %s%s%s\n", str(m, "name"), str(m, "what"),
                        str(m, "reason") ? "\n             NOT MEASURED: " : "",
                        str(m, "reason") ? str(m, "reason") : "");
        }
        fprintf(out, "  network path: %s\n\n", str(res, "network_path"));
}

void cell_bench_print_table(FILE *out, json_object *res)
{
        print_host(out, res);
        json_object *rows = member(res, "workloads");
        size_t n = json_object_array_length(rows);
        fprintf(out, "%-28s %-10s", "WORKLOAD", "UNIT");
        for (int m = 0; m < BENCH_NMODES; m++)
                fprintf(out, " %-20s", bench_mode_names[m]);
        fputc('\n', out);
        for (size_t i = 0; i < n; i++) {
                json_object *row = json_object_array_get_idx(rows, i);
                fprintf(out, "%-28s %-10s", str(row, "id"), str(row, "unit"));
                double base = 0;
                bool has_base = num(row, "process", &base) && base != 0;
                for (int m = 0; m < BENCH_NMODES; m++) {
                        double v;
                        char cell[64], val[32];
                        if (!num(row, bench_mode_names[m], &v)) {
                                snprintf(cell, sizeof cell, "-");
                        } else {
                                fmt(v, val, sizeof val);
                                if (m == BENCH_PROCESS || !has_base)
                                        snprintf(cell, sizeof cell, "%s", val);
                                else
                                        snprintf(cell, sizeof cell,
                                                 v / base >= 1000 ? "%s (x%.0f)" : "%s (x%.3g)",
                                                 val, v / base);
                        }
                        fprintf(out, " %-20s", cell);
                }
                fputc('\n', out);
        }
        fputs("\n(xR: the mode's figure divided by process'; '-': not measured, see the JSON "
              "notes)\n",
              out);
        for (size_t i = 0; i < n; i++) {
                json_object *row = json_object_array_get_idx(rows, i);
                if (strcmp(str(row, "id"), "net_rtt") != 0)
                        continue;
                fputs("network path of net_rtt and net_throughput (from the host):", out);
                for (int m = 0; m < BENCH_NMODES; m++) {
                        char path[96];
                        bench_row_path(row, m, path, sizeof path);
                        fprintf(out, " %s %s%s", bench_mode_names[m], *path ? path : "-",
                                m + 1 < BENCH_NMODES ? ";" : "");
                }
                fputs("\nnet_lo_*: over 127.0.0.1 inside each instance\n", out);
        }
        for (size_t i = 0; i < n; i++) {
                json_object *row = json_object_array_get_idx(rows, i);
                if (strcmp(str(row, "id"), "density") != 0)
                        continue;
                fputs("density stopped:", out);
                for (int m = 0; m < BENCH_NMODES; m++) {
                        const char *note = str(member(row, "notes"), bench_mode_names[m]);
                        double v;
                        if (note && num(row, bench_mode_names[m], &v))
                                fprintf(out, " %s %s.", bench_mode_names[m], note);
                }
                fputc('\n', out);
        }
        fputc('\n', out);
        json_object *iso = member(res, "isolation");
        fputs("ISOLATION (measured inside each mode)\n", out);
        for (size_t i = 0; i < json_object_array_length(iso); i++) {
                json_object *row = json_object_array_get_idx(iso, i);
                fprintf(out, "%s\n", str(row, "title"));
                for (int m = 0; m < BENCH_NMODES; m++)
                        fprintf(out, "  %-10s %s\n", bench_mode_names[m],
                                str(member(row, "values"), bench_mode_names[m]));
        }
}

/* A CSV field, quoted when it must be (RFC 4180). */
static void csv(FILE *out, const char *s, bool last)
{
        s = s ? s : "";
        if (strpbrk(s, ",\"\n")) {
                fputc('"', out);
                for (; *s; s++) {
                        if (*s == '"')
                                fputc('"', out);
                        fputc(*s, out);
                }
                fputc('"', out);
        } else {
                fputs(s, out);
        }
        fputc(last ? '\n' : ',', out);
}

void cell_bench_print_csv(FILE *out, json_object *res)
{
        fputs("section,id,title,unit,mode,value,note,path\n", out);
        json_object *rows = member(res, "workloads");
        for (size_t i = 0; i < json_object_array_length(rows); i++) {
                json_object *row = json_object_array_get_idx(rows, i);
                for (int m = 0; m < BENCH_NMODES; m++) {
                        double v;
                        char val[64] = "";
                        if (num(row, bench_mode_names[m], &v))
                                snprintf(val, sizeof val, "%.6g", v);
                        csv(out, "workload", false);
                        csv(out, str(row, "id"), false);
                        csv(out, str(row, "title"), false);
                        csv(out, str(row, "unit"), false);
                        csv(out, bench_mode_names[m], false);
                        csv(out, val, false);
                        csv(out, str(member(row, "notes"), bench_mode_names[m]), false);
                        char path[96];
                        bench_row_path(row, m, path, sizeof path);
                        csv(out, path, true);
                }
        }
        json_object *iso = member(res, "isolation");
        for (size_t i = 0; i < json_object_array_length(iso); i++) {
                json_object *row = json_object_array_get_idx(iso, i);
                for (int m = 0; m < BENCH_NMODES; m++) {
                        csv(out, "isolation", false);
                        csv(out, str(row, "id"), false);
                        csv(out, str(row, "title"), false);
                        csv(out, "", false);
                        csv(out, bench_mode_names[m], false);
                        csv(out, str(member(row, "values"), bench_mode_names[m]), false);
                        csv(out, "", false);
                        csv(out, "", true);
                }
        }
}
