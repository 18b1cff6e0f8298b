/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/oci/cli.h"
#include "cli/oci/options.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

enum { COLUMNS = 6 };

static const char *const table_header[COLUMNS] = {"ID",     "PID",     "STATUS",
                                                  "BUNDLE", "CREATED", "OWNER"};

static void fill_row(const struct cell_container_state *st, char *row[COLUMNS])
{
        row[0] = xstrdup(st->id);
        row[1] = xasprintf("%d", (int)st->pid);
        row[2] = xstrdup(cell_status_name(st->status));
        row[3] = xstrdup(st->bundle ? st->bundle : "");
        row[4] = xstrdup(st->created ? st->created : "");
        row[5] = xstrdup(st->owner ? st->owner : "");
}

/*
 * runc's table: Go's tabwriter with minwidth 12 and padding 3, so a column
 * is max(12, widest cell + 3) wide, and the last one is not padded.
 */
static void print_table(const struct cell_container_state *states, size_t n)
{
        char *(*rows)[COLUMNS] = xcalloc(n, sizeof(*rows));
        size_t width[COLUMNS];
        for (size_t c = 0; c < COLUMNS; c++)
                width[c] = strlen(table_header[c]);
        for (size_t r = 0; r < n; r++) {
                fill_row(&states[r], rows[r]);
                for (size_t c = 0; c < COLUMNS; c++) {
                        size_t len = strlen(rows[r][c]);
                        width[c] = len > width[c] ? len : width[c];
                }
        }
        for (size_t c = 0; c < COLUMNS; c++)
                width[c] = width[c] + 3 > 12 ? width[c] + 3 : 12;

        for (size_t r = 0; r <= n; r++) {
                const char *const *row = r == 0 ? table_header : (const char *const *)rows[r - 1];
                for (size_t c = 0; c + 1 < COLUMNS; c++)
                        printf("%-*s", (int)width[c], row[c]);
                printf("%s\n", row[COLUMNS - 1]);
        }
        for (size_t r = 0; r < n; r++) {
                for (size_t c = 0; c < COLUMNS; c++)
                        free(rows[r][c]);
        }
        free(rows);
}

/* runc prints `null` for no containers (a nil Go slice), then one line. */
static void print_json(const struct cell_container_state *states, size_t n)
{
        if (n == 0) {
                puts("null");
                return;
        }
        fputc('[', stdout);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *json = cell_container_state_json(&states[i], false);
                printf("%s%s", i ? "," : "", json);
        }
        fputs("]\n", stdout);
}

static int list_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_list_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_list(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        struct cell_container_state *states = NULL;
        size_t n = 0;
        if (cell_container_list(&ctx->rt, &states, &n, &err) < 0)
                return cli_fail(&err);
        if (args.quiet) {
                for (size_t i = 0; i < n; i++)
                        puts(states[i].id);
        } else if (args.format == CLI_LIST_JSON) {
                print_json(states, n);
        } else {
                print_table(states, n);
        }
        for (size_t i = 0; i < n; i++)
                cell_container_state_release(&states[i]);
        free(states);
        return 0;
}

const struct cli_verb cli_verb_list = {
        .name = "list",
        .run = list_main,
        .summary = "list the containers under --root",
        .usage = "Usage: cell-oci list [OPTIONS]\n"
                 "\n"
                 "List the containers under the state root: a table (ID, PID, STATUS, BUNDLE,\n"
                 "CREATED, OWNER), a JSON array of their states, or only their ids.\n"
                 "\n"
                 "Options:\n"
                 "  -f, --format table|json   output format (default table)\n"
                 "  -q, --quiet               print the ids only\n"
                 "  -h, --help                show this help\n",
};
