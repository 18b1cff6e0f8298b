/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cell-version.h"
#include "cli/oci/cli.h"
#include "cli/oci/options.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

/* In the order `cell-oci --help` lists them. */
static const struct cli_verb *const verbs[] = {
        &cli_verb_create, &cli_verb_delete, &cli_verb_exec,   &cli_verb_features,
        &cli_verb_kill,   &cli_verb_list,   &cli_verb_run,    &cli_verb_spec,
        &cli_verb_start,  &cli_verb_state,  &cli_verb_pause,  &cli_verb_resume,
        &cli_verb_update, &cli_verb_ps,     &cli_verb_events, &cli_verb_check,
};

static const char global_usage[] =
        "Usage: cell-oci [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
        "\n"
        "cell-oci is cell's OCI container runtime, with a runc-compatible command line.\n"
        "\n"
        "Global options:\n"
        "  --root DIR                   state directory (default " CELL_DEFAULT_ROOT ")\n"
        "  --log FILE                   write log records to FILE\n"
        "  --log-format text|json       format of the --log records (default text)\n"
        "  --debug                      log debug records too\n"
        "  --systemd-cgroup             use the systemd cgroup manager\n"
        "  --cgroup-manager MANAGER     cgroupfs (default), systemd or disabled\n"
        "  --rootless true|false|auto   accepted for runc compatibility; ignored\n"
        "  --criu PATH                  accepted for runc compatibility; ignored\n"
        "  -h, --help                   show this help\n"
        "  -v, --version                show the version\n"
        "\n"
        "Commands:\n";

int cli_fail(const struct cell_error *err)
{
        cell_log(CELL_LOG_ERROR, "%s", err->msg[0] ? err->msg : "unknown error");
        return 1;
}

int cli_verb_help(const struct cli_context *ctx)
{
        fputs(ctx->verb->usage, stdout);
        return 0;
}

static void print_global_usage(FILE *out)
{
        fputs(global_usage, out);
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                fprintf(out, "  %-10s %s\n", verbs[i]->name, verbs[i]->summary);
        fputs("\nRun 'cell-oci COMMAND --help' for a command's options.\n", out);
}

void cli_oci_foreach_usage(void (*emit)(const char *name, const char *summary, const char *usage, void *data),
                           void *data)
{
        emit(NULL, NULL, global_usage, data);
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                emit(verbs[i]->name, verbs[i]->summary, verbs[i]->usage, data);
}

static const struct cli_verb *find_verb(const char *name)
{
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
                if (strcmp(verbs[i]->name, name) == 0)
                        return verbs[i];
        }
        return NULL;
}

/* `cell-oci help [COMMAND]` */
static int run_help(struct cli_context *ctx, int argc, char **argv)
{
        struct cell_error err;
        if (argc > 2) {
                cell_error_set(&err, 0, "\"help\" requires a maximum of 1 argument(s)");
                return cli_fail(&err);
        }
        if (argc < 2) {
                print_global_usage(stdout);
                return 0;
        }
        ctx->verb = find_verb(argv[1]);
        if (!ctx->verb) {
                cell_error_set(&err, 0, "unknown command \"%s\"", argv[1]);
                return cli_fail(&err);
        }
        return cli_verb_help(ctx);
}

/* With --debug, the command line itself is the first record. */
static void log_command_line(int argc, char **argv)
{
        if (!cell_log_debug_enabled())
                return;
        _cleanup_free_ char *line = xstrdup(argv[0]);
        for (int i = 1; i < argc; i++) {
                char *longer = xasprintf("%s %s", line, argv[i]);
                free(line);
                line = longer;
        }
        cell_debug("command line: %s", line);
}

static int setup_logging(const struct cli_global_options *g)
{
        cell_log_set_debug(g->debug);
        if (g->log_path && cell_log_open(g->log_path, g->log_format) < 0) {
                struct cell_error err;
                cell_error_errno(&err, "open log file %s", g->log_path);
                return cli_fail(&err);
        }
        return 0;
}

int cli_oci_main(int argc, char **argv, char **self_argv)
{
        struct cli_global_options g;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_global(argc, argv, &g, &err) < 0)
                return cli_fail(&err);
        if (g.help) {
                print_global_usage(stdout);
                return 0;
        }
        if (g.version) {
                printf("cell version %s\nspec: %s\n", CELL_VERSION, CELL_OCI_VERSION);
                return 0;
        }
        if (setup_logging(&g) != 0)
                return 1;
        log_command_line(argc, argv);
        if (g.verb_index >= argc) {
                cell_error_set(&err, 0, "missing command; see 'cell-oci --help'");
                return cli_fail(&err);
        }

        struct cli_context ctx = {
                .rt = {.root = g.root,
                       .cgroup_manager = g.cgroup_manager,
                       .debug = g.debug,
                       .self_argv = self_argv},
        };
        const char *name = argv[g.verb_index];
        if (strcmp(name, "help") == 0)
                return run_help(&ctx, argc - g.verb_index, argv + g.verb_index);
        ctx.verb = find_verb(name);
        if (!ctx.verb) {
                cell_error_set(&err, 0, "unknown command \"%s\"", name);
                return cli_fail(&err);
        }
        return ctx.verb->run(&ctx, argc - g.verb_index, argv + g.verb_index);
}
