/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What listing verbs print: docker's aligned tables, --format json and
 * templates, -q.
 */
#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli/engine/ecli.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

void ecli_print_json(FILE *out, struct json_object *v)
{
        fprintf(out, "%s\n",
                json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
}

struct ecli_table {
        size_t ncols, nrows;
        char **cells; /* nrows * ncols, row 0 the headers */
};

struct ecli_table *ecli_table_new(size_t ncols, const char *const *headers)
{
        struct ecli_table *t = xzalloc(sizeof(*t));
        t->ncols = ncols;
        ecli_table_add(t, headers);
        return t;
}

void ecli_table_add(struct ecli_table *t, const char *const *cells)
{
        t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof(char *));
        for (size_t c = 0; c < t->ncols; c++)
                t->cells[t->nrows * t->ncols + c] = xstrdup(cells[c] ? cells[c] : "");
        t->nrows++;
}

/* Width on a terminal: UTF-8 continuation bytes take no column. */
static size_t display_width(const char *s)
{
        size_t w = 0;
        for (; *s; s++)
                w += ((unsigned char)*s & 0xc0) != 0x80;
        return w;
}

/* text/tabwriter as docker configures it: minwidth 10, padding 3. */
void ecli_table_print(const struct ecli_table *t, FILE *out)
{
        _cleanup_free_ size_t *width = xcalloc(t->ncols, sizeof(size_t));
        for (size_t r = 0; r < t->nrows; r++) {
                for (size_t c = 0; c < t->ncols; c++) {
                        size_t w = display_width(t->cells[r * t->ncols + c]) + 3;
                        if (w > width[c])
                                width[c] = w;
                }
        }
        for (size_t r = 0; r < t->nrows; r++) {
                for (size_t c = 0; c < t->ncols; c++) {
                        const char *cell = t->cells[r * t->ncols + c];
                        fputs(cell, out);
                        if (c + 1 == t->ncols)
                                break;
                        size_t w = width[c] < 10 ? 10 : width[c];
                        for (size_t pad = display_width(cell); pad < w; pad++)
                                fputc(' ', out);
                }
                fputc('\n', out);
        }
}

void ecli_table_free(struct ecli_table *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->nrows * t->ncols; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
}

/* A member as text: strings as they are, other values as JSON, null as "". */
static char *member_text(struct json_object *v)
{
        if (!v)
                return xstrdup("");
        if (json_object_is_type(v, json_type_string))
                return xstrdup(json_object_get_string(v));
        return xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ".State.Status" in `row`; false when a step is missing. */
static bool find_path(struct json_object *row, const char *path, struct json_object **out)
{
        _cleanup_free_ char *copy = xstrdup(path);
        struct json_object *cur = row;
        char *save = NULL;
        for (char *part = strtok_r(copy, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
                if (!json_object_is_type(cur, json_type_object) || !json_object_object_get_ex(cur, part, &cur))
                        return false;
        }
        *out = cur;
        return true;
}

/* One action of a template, the text between "{{" and "}}", trimmed. */
static int render_action(const char *action, struct json_object *row, FILE *out, struct cell_error *err)
{
        bool as_json = strncmp(action, "json ", 5) == 0;
        if (as_json)
                action += 5 + strspn(action + 5, " ");
        if (action[0] != '.')
                return cell_error_set(err, 0, "template action \"{{%s}}\" is not supported: use {{.Field}} or "
                                              "{{json .Field}}", action);
        struct json_object *v = row;
        if (action[1] && !find_path(row, action + 1, &v))
                return cell_error_set(err, 0, "template: unknown field %s", action + 1);
        if (as_json) {
                fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                      out);
        } else {
                _cleanup_free_ char *text = member_text(v);
                fputs(text, out);
        }
        return 0;
}

/* `tmpl` with "\t" and "\n" already turned into the characters, for one row. */
static int render_template(const char *tmpl, struct json_object *row, FILE *out, struct cell_error *err)
{
        const char *p = tmpl;
        while (*p) {
                const char *open = strstr(p, "{{");
                if (!open) {
                        fputs(p, out);
                        break;
                }
                fwrite(p, 1, (size_t)(open - p), out);
                const char *close = strstr(open + 2, "}}");
                if (!close)
                        return cell_error_set(err, 0, "template: unclosed action in \"%s\"", tmpl);
                const char *a = open + 2;
                while (a < close && isspace((unsigned char)*a))
                        a++;
                size_t len = (size_t)(close - a);
                while (len > 0 && isspace((unsigned char)a[len - 1]))
                        len--;
                _cleanup_free_ char *action = xstrndup(a, len);
                if (render_action(action, row, out, err) < 0)
                        return -1;
                p = close + 2;
        }
        return 0;
}

static char *unescape_template(const char *format)
{
        char *s = xstrdup(format), *w = s;
        for (const char *r = s; *r; r++) {
                if (r[0] == '\\' && (r[1] == 't' || r[1] == 'n')) {
                        *w++ = r[1] == 't' ? '\t' : '\n';
                        r++;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
        return s;
}

/* The header of "{{.Key}}" in a table template: the column's, else KEY. */
static char *template_header(const char *cell, const struct ecli_column *cols)
{
        const char *open = strstr(cell, "{{");
        if (!open)
                return xstrdup(cell);
        const char *a = open + 2 + strspn(open + 2, " ");
        if (strncmp(a, "json ", 5) == 0)
                a += 5 + strspn(a + 5, " ");
        if (*a == '.')
                a++;
        size_t len = strcspn(a, " }");
        for (size_t i = 0; cols && cols[i].header; i++) {
                if (strlen(cols[i].key) == len && strncmp(cols[i].key, a, len) == 0)
                        return xstrdup(cols[i].header);
        }
        char *h = xstrndup(a, len);
        for (char *c = h; *c; c++)
                *c = (char)toupper((unsigned char)*c);
        return h;
}

/* "table {{.A}}\t{{.B}}": each row rendered, then split on tabs into columns. */
static int print_table_template(const char *tmpl, struct json_object *rows, const struct ecli_column *cols,
                                FILE *out, struct cell_error *err)
{
        size_t ncols = 1;
        for (const char *p = tmpl; *p; p++)
                ncols += *p == '\t';
        _cleanup_free_ char *copy = xstrdup(tmpl);
        _cleanup_free_ const char **cells = xcalloc(ncols, sizeof(char *));
        _cleanup_free_ char **parts = xcalloc(ncols, sizeof(char *));
        char *save = copy;
        for (size_t c = 0; c < ncols; c++)
                parts[c] = strsep(&save, "\t");
        for (size_t c = 0; c < ncols; c++)
                cells[c] = template_header(parts[c], cols);
        struct ecli_table *t = ecli_table_new(ncols, cells);
        for (size_t c = 0; c < ncols; c++)
                free((char *)cells[c]);
        int r = 0;
        for (size_t i = 0; r == 0 && i < json_object_array_length(rows); i++) {
                for (size_t c = 0; c < ncols; c++) {
                        char *buf = NULL;
                        size_t len = 0;
                        FILE *f = open_memstream(&buf, &len);
                        if (!f)
                                abort();
                        if (r == 0)
                                r = render_template(parts[c], json_object_array_get_idx(rows, i), f, err);
                        fclose(f);
                        cells[c] = buf;
                }
                if (r == 0)
                        ecli_table_add(t, cells);
                for (size_t c = 0; c < ncols; c++)
                        free((char *)cells[c]);
        }
        if (r == 0)
                ecli_table_print(t, out);
        ecli_table_free(t);
        return r;
}

static void print_columns(struct json_object *rows, const struct ecli_column *cols, FILE *out)
{
        size_t ncols = 0;
        while (cols[ncols].header)
                ncols++;
        _cleanup_free_ const char **cells = xcalloc(ncols + 1, sizeof(char *));
        for (size_t c = 0; c < ncols; c++)
                cells[c] = cols[c].header;
        struct ecli_table *t = ecli_table_new(ncols, cells);
        for (size_t i = 0; i < json_object_array_length(rows); i++) {
                struct json_object *row = json_object_array_get_idx(rows, i);
                for (size_t c = 0; c < ncols; c++) {
                        struct json_object *v = NULL;
                        cells[c] = find_path(row, cols[c].key, &v) ? member_text(v) : xstrdup("");
                }
                ecli_table_add(t, cells);
                for (size_t c = 0; c < ncols; c++)
                        free((char *)cells[c]);
        }
        ecli_table_print(t, out);
        ecli_table_free(t);
}

int ecli_print_list(const struct ecli_args *a, struct json_object *rows, const struct ecli_column *cols,
                    const char *id_key, struct cell_error *err)
{
        const char *format = ecli_has_option(a->verb, "format") ? ecli_value(a, "format") : NULL;
        bool quiet = ecli_has_option(a->verb, "quiet") && ecli_flag(a, "quiet");
        if (quiet && id_key) {
                for (size_t i = 0; i < json_object_array_length(rows); i++) {
                        struct json_object *v = NULL;
                        find_path(json_object_array_get_idx(rows, i), id_key, &v);
                        _cleanup_free_ char *text = member_text(v);
                        printf("%s\n", text);
                }
                return 0;
        }
        if (!format || !*format || strcmp(format, "table") == 0) {
                print_columns(rows, cols, stdout);
                return 0;
        }
        if (strcmp(format, "json") == 0) {
                ecli_print_json(stdout, rows);
                return 0;
        }
        _cleanup_free_ char *tmpl = unescape_template(format);
        if (strncmp(tmpl, "table", 5) == 0 && (tmpl[5] == ' ' || tmpl[5] == '\0')) {
                const char *body = tmpl + 5 + strspn(tmpl + 5, " ");
                if (!*body) {
                        print_columns(rows, cols, stdout);
                        return 0;
                }
                return print_table_template(body, rows, cols, stdout, err);
        }
        if (!strstr(tmpl, "{{"))
                return cell_error_set(err, 0, "invalid --format \"%s\": use table, json or a template such as "
                                              "'{{.%s}}'", format, id_key ? id_key : "ID");
        for (size_t i = 0; i < json_object_array_length(rows); i++) {
                if (render_template(tmpl, json_object_array_get_idx(rows, i), stdout, err) < 0)
                        return -1;
                fputc('\n', stdout);
        }
        return 0;
}
