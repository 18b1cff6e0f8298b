/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CLI_ENGINE_ECLI_H
#define CELL_CLI_ENGINE_ECLI_H

/*
 * The engine's command line (`cell run`, `cell ps`, `cell image ls`, ...):
 * docker's language, parsed from declarative tables.
 *
 * A verb is one constant in its own file, src/cli/engine/<verb>.c:
 *
 *     static const struct ecli_option options[] = {
 *             {"detach", 'd', ECLI_FLAG, NULL, "Run the container in the background"},
 *             {"env", 'e', ECLI_VALUES, "K=V", "Set an environment variable"},
 *             {"name", 0, ECLI_VALUE, "NAME", "Name the container", .complete = "container"},
 *             {0},
 *     };
 *     static int run_run(struct ecli_ctx *ctx, const struct ecli_args *a);
 *     const struct ecli_verb ecli_verb_run = {
 *             .name = "run", .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
 *             .summary = "Create and run a new container from an image",
 *             .options = options, .stop_at_positional = true, .min_args = 1,
 *             .run = run_run, .topic = ECLI_TOPIC_CONTAINER,
 *     };
 *
 * and one line `ECLI_VERB(run)` in src/cli/engine/verbs.def (a sub-verb
 * `cell volume ls` is `ECLI_VERB(volume_ls)` with .group = "volume",
 * .name = "ls").  From these tables the framework parses argv, prints
 * `cell --help` and `cell VERB --help`, and generates cell(1) and the bash
 * completion, so none of them can drift from what the parser accepts.
 *
 * Syntax (docker's, i.e. pflag's): `--opt value`, `--opt=value`, `-o value`,
 * `-ovalue`, clustered short flags `-it`, `-dit --name x`, `-e K=V`, a flag
 * given a boolean `--rm=false` / `-d=true`, `--` ends the options (and is
 * dropped), a lone `-` is a positional argument.  Options and positional
 * arguments may be mixed unless .stop_at_positional, where the first
 * positional argument ends the options (`cell run IMAGE ls -l`: "-l" belongs
 * to the command, and so does a "--" after IMAGE).  `--help` is always there;
 * `-h` means help unless the verb gives 'h' to one of its options (docker's
 * `run -h` is --hostname).
 *
 * Exit status (docker's): a verb's run() returns it.  ECLI_EXIT_ENGINE (125)
 * for an engine error (usage error, unknown image or container, failed
 * create, ...), ECLI_EXIT_CANNOT_EXEC (126) / ECLI_EXIT_NOT_FOUND (127) when
 * the container's command cannot be executed / is not found, else the
 * container's status.  Errors are printed as "cell: <message>" on stderr,
 * through ecli_fail()/ecli_error().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "util/error.h"

struct json_object;

/*
 * Option tables read best positionally with the rarer fields designated
 * ({"rm", 0, ECLI_FLAG, NULL, "Remove ...", .hidden = true}); the fields left
 * out are meant to be zero, which -Wextra would otherwise flag in every verb.
 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define ECLI_EXIT_ENGINE 125
#define ECLI_EXIT_CANNOT_EXEC 126
#define ECLI_EXIT_NOT_FOUND 127

enum ecli_option_kind {
        ECLI_FLAG,   /* boolean; `--x`, `--x=false`; ecli_flag(), ecli_count() */
        ECLI_VALUE,  /* one value; given twice, the last one wins; ecli_value() */
        ECLI_VALUES, /* repeatable value, every one kept in order; ecli_values() */
};

struct ecli_option {
        const char *name;  /* long name without "--": "detach" */
        char short_name;   /* 'd', or 0 for none */
        enum ecli_option_kind kind;
        const char *metavar; /* the value's name in help: "NAME", "K=V"; NULL for flags */
        const char *help;    /* one line, no trailing period */
        /*
         * What bash completes for the value: NULL (nothing), "container",
         * "image", "volume", "file", "dir", "signal", "command" (cell's own
         * verbs), or fixed words separated by '|' ("json|table", "no|always").
         */
        const char *complete;
        /* Value of ecli_value() when not given; shown in help.  NULL: none. */
        const char *def;
        bool hidden; /* accepted, but left out of help, man page and completion */
};

enum ecli_topic {
        ECLI_TOPIC_OTHER = 0,
        ECLI_TOPIC_CONTAINER,
        ECLI_TOPIC_IMAGE,
        ECLI_TOPIC_VOLUME,
        ECLI_TOPIC_NETWORK,
        ECLI_TOPIC_SYSTEM,
};

struct ecli_ctx;
struct ecli_args;

struct ecli_verb {
        const char *name;  /* "run"; for a sub-verb its own word: "ls" */
        const char *group; /* NULL, or the management word: "volume", "image", "system", "network" */
        /* Top-level aliases, separated by spaces: "images" for `image ls`, "rmi" for `image rm`. */
        const char *aliases;
        const char *usage;       /* the arguments: "[OPTIONS] IMAGE [COMMAND] [ARG...]" */
        const char *summary;     /* one line for `cell --help`, no trailing period */
        const char *description; /* paragraphs for VERB --help and the man page; may be NULL */
        const struct ecli_option *options; /* ends with {0}; may be NULL */
        bool stop_at_positional;           /* run, create, exec: options after IMAGE/NAME are the command's */
        int min_args;                      /* positional arguments: at least */
        int max_args;                      /* at most; 0: no limit; -1: none accepted */
        enum ecli_topic topic;             /* where `cell --help` lists it */
        /*
         * What bash completes for the positional arguments (as .complete of
         * an option); NULL: guessed from the usage's placeholders (CONTAINER,
         * IMAGE, VOLUME, FILE, PATH, DIR, SIGNAL).
         */
        const char *complete_args;
        bool hidden;                       /* internal (__complete, __generate): not listed */
        int (*run)(struct ecli_ctx *ctx, const struct ecli_args *args);
};

/* The engine's global options, parsed before the verb. */
struct ecli_globals {
        const char *storage;   /* --storage, else $CELL_STORAGE, else /var/lib/cell */
        const char *runroot;   /* --runroot, else $CELL_RUNROOT, else /run/cell/engine */
        const char *log_level; /* --log-level: debug|info|warn|error (default warn) */
        bool debug;            /* --debug, or --log-level debug */
};

struct cell_store;

/*
 * What a verb's run() gets.  The framework owns it; a verb may keep pointers
 * into it until run() returns.
 */
struct ecli_ctx {
        struct ecli_globals g;
        const struct ecli_verb *verb;
        int argc;   /* the process' whole command line, for a runtime that */
        char **argv; /* re-executes itself (struct cell_runtime.self_argv) */
        struct cell_store *store; /* opened by ecli_store(), closed after run() */
        void (*store_close)(struct cell_store *store);
};

/* Parsed options and positional arguments (see ecli_flag() and friends). */
struct ecli_args {
        int argc;    /* positional arguments */
        char **argv; /* argv[argc] == NULL */
        const struct ecli_verb *verb;
        struct ecli_parsed *opts; /* private: one per entry of verb->options */
};

/*
 * Lookups by long name.  Asking for a name the verb's table lacks is a bug in
 * the verb: it aborts with a message naming both.
 */
bool ecli_flag(const struct ecli_args *a, const char *name);   /* last value given, false when absent */
int ecli_count(const struct ecli_args *a, const char *name);   /* times given (-vvv: 3) */
const char *ecli_value(const struct ecli_args *a, const char *name); /* last given, else .def, else NULL */
/* Every value of a repeatable option in order, NULL-terminated (never NULL); n may be NULL. */
const char *const *ecli_values(const struct ecli_args *a, const char *name, size_t *n);
bool ecli_given(const struct ecli_args *a, const char *name); /* given on the command line at all */
bool ecli_has_option(const struct ecli_verb *v, const char *name); /* whether v's table has --name */

/*
 * ecli_value() as an integer in [min, max]; `def` when not given (and no
 * .def).  A bad value fills err ("invalid value \"x\" for --time: ...").
 */
int ecli_value_int(const struct ecli_args *a, const char *name, long long def, long long min, long long max,
                   long long *out, struct cell_error *err);

/*
 * Print "cell: <message>" on stderr (and to the --debug log) and return
 * ECLI_EXIT_ENGINE, so a verb can `return ecli_fail(&err);`.
 */
int ecli_fail(const struct cell_error *err);
int ecli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The image store at ctx->g.storage, opened on first use (cell_store_open)
 * and closed by the framework after run() returns.  Verbs that need no store
 * never open one.  Returns 0 and sets *out, or < 0 with err.
 */
int ecli_store(struct ecli_ctx *ctx, struct cell_store **out, struct cell_error *err);

/* The global options, parsed as a verb named "cell" (for help and generators). */
extern const struct ecli_verb ecli_global_verb;

/* "cell version X" and the runtime-spec version. */
void ecli_print_version(FILE *out);

/* The engine CLI: argv as main() got it.  Returns the exit status. */
int ecli_main(int argc, char **argv);

/* Every registered verb (verbs.def order) and lookups, for help and generators. */
const struct ecli_verb *const *ecli_verbs(size_t *n);
const struct ecli_verb *ecli_find_verb(const char *group, const char *name); /* group NULL: top level or alias */
const char *ecli_group_summary(const char *group);
/* "cell run", "cell volume ls" ("cell" for ecli_global_verb) into buf. */
const char *ecli_verb_fullname(const struct ecli_verb *v, char *buf, size_t size);
const char *ecli_topic_title(enum ecli_topic t);

/* `cell VERB --help` text, and `cell --help`. */
void ecli_print_verb_help(FILE *out, const struct ecli_verb *v);
void ecli_print_group_help(FILE *out, const char *group);
void ecli_print_main_help(FILE *out);

/*
 * The argument parser alone, for tests: parses argv (argv[0] is the verb's
 * word) against `v`'s table into `a`.  Returns 0, 1 when --help was asked
 * (a is then unusable), or -1 with err.  Release with ecli_args_release().
 */
int ecli_parse(const struct ecli_verb *v, int argc, char **argv, struct ecli_args *a, struct cell_error *err);
void ecli_args_release(struct ecli_args *a);

/* --- Output shared by listing verbs (ecli_output.c) --- */

/* The standard options of a listing verb, for its table. */
#define ECLI_OPT_FORMAT                                                                                        \
        {"format", 0, ECLI_VALUE, "FORMAT",                                                                    \
         "Format the output: table, json (a JSON array), or a template such as '{{.ID}} {{.Name}}'",           \
         .complete = "table|json"}
#define ECLI_OPT_QUIET {"quiet", 'q', ECLI_FLAG, NULL, "Only display IDs"}

/*
 * An aligned table as docker prints it: every column but the last is
 * max(10, widest cell + 3) wide.  Cells are copied.
 */
struct ecli_table;
struct ecli_table *ecli_table_new(size_t ncols, const char *const *headers);
void ecli_table_add(struct ecli_table *t, const char *const *cells); /* ncols cells; NULL prints as "" */
void ecli_table_print(const struct ecli_table *t, FILE *out);
void ecli_table_free(struct ecli_table *t);

/* One table column of a listing: its header and the key of each row object. */
struct ecli_column {
        const char *header; /* "CONTAINER ID" */
        const char *key;    /* "ID": a string, number or boolean member of the row */
};

/*
 * Print a listing from its rows (a json-c array of objects) as the verb's
 * -q / --format ask: -q prints each row's `id_key` member, one a line;
 * "json" prints the array; a template ("{{.Name}}\t{{.ID}}", "{{json .}}",
 * with "table " in front for a header line) prints one line per row;
 * otherwise ("table" or none) the aligned table of `cols` (ends with {0}).
 * A verb without -q or --format in its table gets the table.  Returns 0, or
 * -1 with err for a template that names no member ("unknown field Foo").
 */
int ecli_print_list(const struct ecli_args *a, struct json_object *rows, const struct ecli_column *cols,
                    const char *id_key, struct cell_error *err);

/* Print a json-c value, indented, as `inspect` and `--format json` do. */
void ecli_print_json(FILE *out, struct json_object *v);

/* --- docker's human formats (units.HumanDuration, HumanSizeWithPrecision(3)) --- */

/* "Less than a second", "1 second", "5 seconds", "About a minute", "3 hours", "2 weeks". */
void ecli_human_duration(int64_t seconds, char *buf, size_t size);
/* "1.2MB", "0B", "512kB": decimal units, 3 significant digits. */
void ecli_human_size(int64_t bytes, char *buf, size_t size);
/* RFC 3339 ("2026-12-07T21:01:21.123456789Z", "...+01:00") to seconds since the epoch; -1 if not one. */
int ecli_parse_rfc3339(const char *s, struct timespec *out);
/* "5 minutes ago" for an RFC 3339 time; "" when the time is missing or not one. */
void ecli_human_ago(const char *rfc3339, char *buf, size_t size);
/*
 * docker ps's STATUS column: "Created", "Up 5 seconds", "Up 2 hours (Paused)",
 * "Exited (0) 3 minutes ago".  status is the record's: created|running|paused|exited.
 */
void ecli_human_status(const char *status, int exit_code, const char *started_at, const char *finished_at,
                       char *buf, size_t size);

#endif
