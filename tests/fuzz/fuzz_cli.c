/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command line (src/cli/oci/options.c), parsed as main() does: the input is
 * argv without argv[0], elements separated by NUL bytes ("--root\0/r\0kill\0
 * id\0KILL").  cli_parse_global() runs first; when it names a verb, that
 * verb's parser runs on argv + verb_index.  Every element is its own
 * exact-size allocation, so reading past one is an ASan report.
 *
 * Checks options.h's contract: 0 or -1 with a message; after a successful
 * parse (without --help) every string in the struct points into an argv
 * element, positional arguments are where the verb needs them, and numbers
 * are in range.  Seeds: corpus/cli/ (written by tests/fuzz/make_corpus.py).
 */
#include <signal.h>

#include "cli/oci/options.h"
#include "fuzz.h"

#define MAX_ARGS 64

struct fuzz_argv {
        int argc;
        char *argv[MAX_ARGS + 2];
        char *orig[MAX_ARGS + 1]; /* getopt permutes argv; these stay */
};

static void push(struct fuzz_argv *a, const uint8_t *s, size_t len)
{
        if (a->argc <= MAX_ARGS)
                a->argv[a->argc++] = fuzz_strndup(s, len);
}

/* "a\0b" and "a\0b\0" are {"a", "b"}; "a\0\0" is {"a", ""}. */
static void split(const uint8_t *data, size_t size, struct fuzz_argv *a)
{
        a->argc = 0;
        push(a, (const uint8_t *)"cell", 4);
        size_t start = 0;
        for (size_t i = 0; i < size; i++) {
                if (data[i] == '\0') {
                        push(a, data + start, i - start);
                        start = i + 1;
                }
        }
        if (start < size)
                push(a, data + start, size - start);
        a->argv[a->argc] = NULL;
        for (int i = 0; i < a->argc; i++)
                a->orig[i] = a->argv[i];
}

/* `s` is (inside) one of the argv elements: strings in the structs point into argv. */
static void check_in_argv(const struct fuzz_argv *a, const char *s)
{
        FUZZ_ASSERT(s);
        for (int i = 0; i < a->argc; i++) {
                size_t len = strlen(a->orig[i]);
                if (s >= a->orig[i] && s <= a->orig[i] + len)
                        return;
        }
        FUZZ_ASSERT(!"string outside argv");
}

/* ... or equal to the default (a literal of options.c: compared by value) */
static void check_in_argv_or(const struct fuzz_argv *a, const char *s, const char *dflt)
{
        FUZZ_ASSERT(s);
        if (strcmp(s, dflt) != 0)
                check_in_argv(a, s);
}

static void verb_create(const struct fuzz_argv *a, int argc, char **argv, bool run)
{
        struct cli_create_args c;
        struct cell_error err = {0};
        int rc = run ? cli_parse_run(argc, argv, &c, &err) : cli_parse_create(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc < 0 || c.help)
                return;
        check_in_argv(a, c.id);
        check_in_argv_or(a, c.opts.bundle, ".");
        if (c.opts.pid_file)
                check_in_argv(a, c.opts.pid_file);
        if (c.opts.console_socket)
                check_in_argv(a, c.opts.console_socket);
        FUZZ_ASSERT(c.opts.preserve_fds >= 0);
        FUZZ_ASSERT(run || (!c.opts.detach && !c.opts.keep));
}

static void verb_id(const struct fuzz_argv *a, int argc, char **argv)
{
        struct cli_id_args c;
        struct cell_error err = {0};
        int rc = cli_parse_id_only(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0 && !c.help)
                check_in_argv(a, c.id);
}

static void verb_kill(const struct fuzz_argv *a, int argc, char **argv)
{
        struct cli_kill_args c;
        struct cell_error err = {0};
        int rc = cli_parse_kill(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc < 0 || c.help)
                return;
        check_in_argv(a, c.id);
        FUZZ_ASSERT(c.signal >= 0 && c.signal <= SIGRTMAX);
}

static void verb_delete(const struct fuzz_argv *a, int argc, char **argv)
{
        struct cli_delete_args c;
        struct cell_error err = {0};
        int rc = cli_parse_delete(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0 && !c.help)
                check_in_argv(a, c.id);
}

static void verb_list(int argc, char **argv)
{
        struct cli_list_args c;
        struct cell_error err = {0};
        int rc = cli_parse_list(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0 && !c.help)
                FUZZ_ASSERT(c.format == CLI_LIST_TABLE || c.format == CLI_LIST_JSON);
}

static void verb_spec(const struct fuzz_argv *a, int argc, char **argv)
{
        struct cli_spec_args c;
        struct cell_error err = {0};
        int rc = cli_parse_spec(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0 && !c.help)
                check_in_argv_or(a, c.bundle, ".");
}

/* A NULL-terminated vector of `n` argv strings. */
static void check_vector_in_argv(const struct fuzz_argv *a, char *const *v, size_t n)
{
        fuzz_touch_vector(v, n);
        for (size_t i = 0; i < n; i++)
                check_in_argv(a, v[i]);
}

static void verb_exec(const struct fuzz_argv *a, int argc, char **argv)
{
        struct cli_exec_args c;
        struct cell_error err = {0};
        int rc = cli_parse_exec(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0 && !c.help) {
                const struct cell_exec_opts *o = &c.opts;
                check_in_argv(a, c.id);
                FUZZ_ASSERT(o->process_file || (o->args && o->args[0]));
                for (char **p = o->args; p && *p; p++)
                        check_in_argv(a, *p);
                check_vector_in_argv(a, o->env, c.n_env);
                check_vector_in_argv(a, o->additional_gids, c.n_gids);
                check_vector_in_argv(a, o->caps, c.n_caps);
                const char *strings[] = {o->process_file, o->console_socket, o->pid_file, o->cwd,
                                         o->user};
                for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
                        if (strings[i])
                                check_in_argv(a, strings[i]);
                FUZZ_ASSERT(o->preserve_fds >= 0);
        }
        cli_exec_args_release(&c); /* also after a failure: LSan checks it frees all */
}

static void verb_update(const struct fuzz_argv *a, int argc, char **argv)
{
        struct cli_update_args c;
        struct cell_error err = {0};
        int rc = cli_parse_update(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc < 0 || c.help)
                return;
        const struct cell_resources *r = &c.flags;
        check_in_argv(a, c.id);
        if (c.resources_file)
                check_in_argv(a, c.resources_file);
        if (r->cpu.cpus)
                check_in_argv(a, r->cpu.cpus);
        if (r->cpu.mems)
                check_in_argv(a, r->cpu.mems);
        FUZZ_ASSERT(!r->memory.has_limit || r->memory.limit >= -1);
        FUZZ_ASSERT(!r->memory.has_swap || r->memory.swap >= -1);
        FUZZ_ASSERT(!r->pids.has_limit || r->pids.limit >= -1);
        FUZZ_ASSERT(!r->cpu.has_idle || r->cpu.idle == 0 || r->cpu.idle == 1);
        FUZZ_ASSERT(!r->block_io.has_weight || r->block_io.weight <= 1000);
}

static void verb_ps(const struct fuzz_argv *a, int argc, char **argv)
{
        struct cli_ps_args c;
        struct cell_error err = {0};
        int rc = cli_parse_ps(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc < 0 || c.help)
                return;
        check_in_argv(a, c.id);
        FUZZ_ASSERT(c.format == CLI_LIST_TABLE || c.format == CLI_LIST_JSON);
        FUZZ_ASSERT(c.ps_args);
        for (char **p = c.ps_args; *p; p++)
                check_in_argv(a, *p);
}

static void verb_events(const struct fuzz_argv *a, int argc, char **argv)
{
        struct cli_events_args c;
        struct cell_error err = {0};
        int rc = cli_parse_events(argc, argv, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc < 0 || c.help)
                return;
        check_in_argv(a, c.id);
        FUZZ_ASSERT(c.interval_ms >= 1);
}

static void verb_no_args(int argc, char **argv)
{
        struct cli_no_args c;
        struct cell_error err = {0};
        fuzz_check_result(cli_parse_no_args(argc, argv, &c, &err), &err);
}

/* Dispatch as main() does, by the verb's name (argv[0] of the verb's vector). */
static void parse_verb(const struct fuzz_argv *a, int argc, char **argv)
{
        const char *verb = argv[0];
        if (!strcmp(verb, "create") || !strcmp(verb, "run"))
                verb_create(a, argc, argv, !strcmp(verb, "run"));
        else if (!strcmp(verb, "start") || !strcmp(verb, "state") || !strcmp(verb, "pause") ||
                 !strcmp(verb, "resume"))
                verb_id(a, argc, argv);
        else if (!strcmp(verb, "exec"))
                verb_exec(a, argc, argv);
        else if (!strcmp(verb, "update"))
                verb_update(a, argc, argv);
        else if (!strcmp(verb, "ps"))
                verb_ps(a, argc, argv);
        else if (!strcmp(verb, "events"))
                verb_events(a, argc, argv);
        else if (!strcmp(verb, "kill"))
                verb_kill(a, argc, argv);
        else if (!strcmp(verb, "delete"))
                verb_delete(a, argc, argv);
        else if (!strcmp(verb, "list"))
                verb_list(argc, argv);
        else if (!strcmp(verb, "spec"))
                verb_spec(a, argc, argv);
        else if (!strcmp(verb, "features") || !strcmp(verb, "check"))
                verb_no_args(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fuzz_argv a;
        split(data, size, &a);
        struct cli_global_options g;
        struct cell_error err = {0};
        int rc = cli_parse_global(a.argc, a.argv, &g, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0 && !g.help && !g.version) {
                FUZZ_ASSERT(g.verb_index >= 1 && g.verb_index <= a.argc);
                check_in_argv_or(&a, g.root, CELL_DEFAULT_ROOT);
                if (g.log_path)
                        check_in_argv(&a, g.log_path);
                if (g.verb_index < a.argc)
                        parse_verb(&a, a.argc - g.verb_index, a.argv + g.verb_index);
        }
        for (int i = 0; i < a.argc; i++)
                free(a.orig[i]);
        return 0;
}
