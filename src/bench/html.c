/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A result (bench.h) as one self-contained HTML page: the host, the modes,
 * one inline SVG bar chart per workload (written here, no script, no
 * external asset: it opens offline) and the isolation table.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bench/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const char *const colors[BENCH_NMODES] = {"#4c78a8", "#f58518", "#54a24b"};

static void esc(FILE *f, const char *s)
{
        for (; s && *s; s++) {
                switch (*s) {
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                case '&':
                        fputs("&amp;", f);
                        break;
                case '"':
                        fputs("&quot;", f);
                        break;
                default:
                        fputc(*s, f);
                }
        }
}

static json_object *member(json_object *o, const char *key)
{
        json_object *v = NULL;
        json_object_object_get_ex(o, key, &v);
        return v;
}

static const char *str(json_object *o, const char *key)
{
        json_object *v = member(o, key);
        return v ? json_object_get_string(v) : NULL;
}

/*
 * log10 without libm (nothing else of cell links it): x = m * 2^e with m in
 * [1, 2), ln m = 2 atanh((m - 1) / (m + 1)) by its series.  x > 0.
 */
static double log10_of(double x)
{
        int e = 0;
        while (x >= 2) {
                x /= 2;
                e++;
        }
        while (x < 1) {
                x *= 2;
                e--;
        }
        double t = (x - 1) / (x + 1), t2 = t * t, term = t, sum = 0;
        for (int k = 1; k < 40; k += 2) {
                sum += term / k;
                term *= t2;
        }
        return (2 * sum + e * 0.69314718055994531) / 2.30258509299404568;
}

/* One workload: a bar per mode, scaled to the largest; a missing one says why. */
static void chart(FILE *f, json_object *row)
{
        double v[BENCH_NMODES], max = 0, min = 0;
        bool has[BENCH_NMODES];
        for (int m = 0; m < BENCH_NMODES; m++) {
                json_object *x = member(member(row, "values"), bench_mode_names[m]);
                has[m] = x != NULL;
                v[m] = has[m] ? json_object_get_double(x) : 0;
                if (has[m] && v[m] > max)
                        max = v[m];
                if (has[m] && v[m] > 0 && (min == 0 || v[m] < min))
                        min = v[m];
        }
        /* Figures two orders of magnitude apart (a VM's start-up and a process') on a
         * log scale, else the smaller bars vanish; said in the caption. */
        bool logscale = min > 0 && max / min > 100;
        fprintf(f, "<figure class=\"chart\" id=\"chart-%s\"><figcaption>", str(row, "id"));
        esc(f, str(row, "title"));
        fprintf(f, " <span class=\"unit\">(%s, %s is better%s)</span>", str(row, "unit"),
                str(row, "better"), logscale ? ", log scale" : "");
        bool said = false;
        for (int m = 0; m < BENCH_NMODES; m++) {
                char path[96];
                bench_row_path(row, m, path, sizeof path);
                if (!*path)
                        continue;
                fprintf(f, "%s%s: ", said ? "; " : "<br><span class=\"path\">path from the host: ",
                        bench_mode_names[m]);
                esc(f, path);
                said = true;
        }
        if (said)
                fputs("</span>", f);
        fputs("</figcaption>\n", f);
        fprintf(f,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"%d\" "
                "role=\"img\">\n",
                BENCH_NMODES * 30 + 10);
        for (int m = 0; m < BENCH_NMODES; m++) {
                int y = 5 + m * 30;
                fprintf(f, "<text x=\"0\" y=\"%d\" font-size=\"13\">%s</text>\n", y + 17,
                        bench_mode_names[m]);
                if (!has[m]) {
                        fprintf(f,
                                "<text x=\"90\" y=\"%d\" font-size=\"12\" fill=\"#888\">not "
                                "measured: ",
                                y + 17);
                        const char *why = str(member(row, "notes"), bench_mode_names[m]);
                        char cut[90];
                        snprintf(cut, sizeof cut, "%s", why ? why : "");
                        esc(f, cut);
                        fputs("</text>\n", f);
                        continue;
                }
                /* log: a decade of room below the smallest figure, so that it shows */
                double w = logscale  ? (log10_of(v[m] / min) + 1) / (log10_of(max / min) + 1) * 520
                           : max > 0 ? v[m] / max * 520
                                     : 0;
                fprintf(f,
                        "<rect class=\"bar\" x=\"90\" y=\"%d\" width=\"%.1f\" height=\"22\" "
                        "fill=\"%s\"/>\n",
                        y, w < 1 ? 1 : w, colors[m]);
                fprintf(f,
                        v[m] >= 1000
                                ? "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%.0f %s</text>\n"
                                : "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%.4g %s</text>\n",
                        96 + w, y + 16, v[m], str(row, "unit"));
        }
        fputs("</svg></figure>\n", f);
}

static void host(FILE *f, json_object *res)
{
        json_object *h = member(res, "host");
        fputs("<h2>Host</h2><table>\n", f);
        json_object_object_foreach(h, key, val)
        {
                fputs("<tr><th>", f);
                esc(f, key);
                fputs("</th><td>", f);
                esc(f, json_object_get_string(val));
                fputs("</td></tr>\n", f);
        }
        fputs("</table>\n<h2>Modes</h2><table>\n", f);
        json_object *modes = member(res, "modes");
        for (size_t i = 0; i < json_object_array_length(modes); i++) {
                json_object *m = json_object_array_get_idx(modes, i);
                fputs("<tr><th>", f);
                esc(f, str(m, "name"));
                fputs("</th><td>", f);
                esc(f, str(m, "what"));
                if (str(m, "reason")) {
                        fputs("<br><b>not measured:</b> ", f);
                        esc(f, str(m, "reason"));
                }
                fputs("</td></tr>\n", f);
        }
        fputs("</table>\n<p>Network path: ", f);
        esc(f, str(res, "network_path"));
        fputs("</p>\n", f);
}

static void isolation(FILE *f, json_object *res)
{
        fputs("<h2>Isolation, measured inside each mode</h2><table class=\"iso\"><tr><th></th>", f);
        for (int m = 0; m < BENCH_NMODES; m++)
                fprintf(f, "<th>%s</th>", bench_mode_names[m]);
        fputs("</tr>\n", f);
        json_object *iso = member(res, "isolation");
        for (size_t i = 0; i < json_object_array_length(iso); i++) {
                json_object *row = json_object_array_get_idx(iso, i);
                fputs("<tr><th>", f);
                esc(f, str(row, "title"));
                fputs("</th>", f);
                for (int m = 0; m < BENCH_NMODES; m++) {
                        fputs("<td>", f);
                        esc(f, str(member(row, "values"), bench_mode_names[m]));
                        fputs("</td>", f);
                }
                fputs("</tr>\n", f);
        }
        fputs("</table>\n", f);
}

int cell_bench_write_html(const char *path, json_object *res, struct cell_error *err)
{
        _cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
        FILE *f = fopen(tmp, "we");
        if (!f)
                return cell_error_errno(err, "HTML report %s", tmp);
        fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
              "<title>cell bench isolation</title>\n<style>"
              "body{font-family:sans-serif;margin:2em;color:#222;background:#fff}"
              "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid "
              "#ccc;padding:4px 8px;"
              "text-align:left;vertical-align:top;font-size:13px}"
              "figure{margin:1em "
              "0}figcaption{font-weight:bold;margin-bottom:4px}.unit{font-weight:normal;"
              "color:#666}</style></head><body>\n<h1>cell bench isolation: ",
              f);
        esc(f, str(res, "image"));
        fputs("</h1>\n", f);
        host(f, res);
        fputs("<h2>Workloads</h2>\n", f);
        json_object *rows = member(res, "workloads");
        for (size_t i = 0; i < json_object_array_length(rows); i++)
                chart(f, json_object_array_get_idx(rows, i));
        isolation(f, res);
        fputs("</body></html>\n", f);
        if (ferror(f) | (fclose(f) != 0)) {
                cell_error_errno(err, "write HTML report %s", tmp);
                unlink(tmp);
                return -1;
        }
        if (rename(tmp, path) < 0) {
                cell_error_errno(err, "rename %s to %s", tmp, path);
                unlink(tmp);
                return -1;
        }
        return 0;
}
