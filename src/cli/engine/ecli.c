/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine CLI's parser and dispatch: global options, the verb (or a
 * management group and its sub-verb), the verb's options, then run().
 */
#include "cli/engine/ecli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"
#include "util/xalloc.h"

#define ECLI_VERB(n) extern const struct ecli_verb ecli_verb_##n;
#include "cli/engine/verbs.def"
#undef ECLI_VERB

static const struct ecli_verb *const all_verbs[] = {
#define ECLI_VERB(n) &ecli_verb_##n,
#include "cli/engine/verbs.def"
#undef ECLI_VERB
};

struct ecli_parsed {
        int count;
        bool flag;
        const char **values; /* NULL-terminated once any value is given */
        size_t n;
};

static const char *const empty_values[] = {NULL};


const struct ecli_verb *const *ecli_verbs(size_t *n)
{
        *n = sizeof(all_verbs) / sizeof(all_verbs[0]);
        return all_verbs;
}

/* Whether `word` is one of the space-separated `list`. */
static bool word_in(const char *list, const char *word)
{
        size_t len = strlen(word);
        for (const char *p = list; p && *p;) {
                size_t n = strcspn(p, " ");
                if (n == len && strncmp(p, word, n) == 0)
                        return true;
                p += n;
                p += strspn(p, " ");
        }
        return false;
}

const struct ecli_verb *ecli_find_verb(const char *group, const char *name)
{
        size_t n;
        const struct ecli_verb *const *v = ecli_verbs(&n);
        for (size_t i = 0; i < n; i++) {
                bool same_group = group ? v[i]->group && strcmp(v[i]->group, group) == 0 : !v[i]->group;
                if (same_group && strcmp(v[i]->name, name) == 0)
                        return v[i];
        }
        if (group)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (word_in(v[i]->aliases, name))
                        return v[i];
        }
        return NULL;
}

static bool is_group(const char *word)
{
        size_t n;
        const struct ecli_verb *const *v = ecli_verbs(&n);
        for (size_t i = 0; i < n; i++) {
                if (v[i]->group && strcmp(v[i]->group, word) == 0)
                        return true;
        }
        return false;
}

/* "cell run", "cell volume ls"; "cell" for the global options. */
static const char *full_name(const struct ecli_verb *v, char *buf, size_t size)
{
        if (v == &ecli_global_verb)
                snprintf(buf, size, "cell");
        else if (v->group)
                snprintf(buf, size, "cell %s %s", v->group, v->name);
        else
                snprintf(buf, size, "cell %s", v->name);
        return buf;
}

static size_t option_count(const struct ecli_verb *v)
{
        size_t n = 0;
        while (v->options && v->options[n].name)
                n++;
        return n;
}

static const struct ecli_option *find_long(const struct ecli_verb *v, const char *name, size_t len)
{
        for (size_t i = 0; v->options && v->options[i].name; i++) {
                if (strlen(v->options[i].name) == len && strncmp(v->options[i].name, name, len) == 0)
                        return &v->options[i];
        }
        return NULL;
}

static const struct ecli_option *find_short(const struct ecli_verb *v, char c)
{
        for (size_t i = 0; v->options && v->options[i].name; i++) {
                if (v->options[i].short_name == c)
                        return &v->options[i];
        }
        return NULL;
}

/* pflag's strconv.ParseBool. */
static int parse_bool(const char *s, bool *out)
{
        static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
        static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
        for (size_t i = 0; i < 6; i++) {
                if (strcmp(s, yes[i]) == 0)
                        return *out = true, 0;
                if (strcmp(s, no[i]) == 0)
                        return *out = false, 0;
        }
        return -1;
}

static void add_value(struct ecli_parsed *p, const char *value)
{
        p->values = xreallocarray(p->values, p->n + 2, sizeof(*p->values));
        p->values[p->n++] = value;
        p->values[p->n] = NULL;
        p->count++;
}

static int set_flag(const struct ecli_verb *v, const struct ecli_option *o, struct ecli_parsed *p,
                    const char *value, struct cell_error *err)
{
        char name[64];
        bool b = true;
        if (value && parse_bool(value, &b) < 0)
                return cell_error_set(err, 0, "invalid argument \"%s\" for --%s of '%s': not a boolean", value,
                                      o->name, full_name(v, name, sizeof(name)));
        p->flag = b;
        p->count++;
        return 0;
}

/* One "-xyz" cluster; *i may advance past a value in the next argument. */
static int parse_short(const struct ecli_verb *v, struct ecli_args *a, int argc, char **argv, int *i,
                       struct cell_error *err)
{
        const char *arg = argv[*i];
        char name[64];
        for (size_t j = 1; arg[j]; j++) {
                char c = arg[j];
                const struct ecli_option *o = find_short(v, c);
                if (!o && c == 'h')
                        return 1;
                if (!o)
                        return cell_error_set(err, 0, "unknown shorthand flag '%c' in %s for '%s'", c, arg,
                                              full_name(v, name, sizeof(name)));
                struct ecli_parsed *p = &a->opts[o - v->options];
                if (o->kind == ECLI_FLAG) {
                        if (arg[j + 1] == '=')
                                return set_flag(v, o, p, arg + j + 2, err);
                        set_flag(v, o, p, NULL, err);
                        continue;
                }
                const char *value = arg + j + 1;
                if (*value == '=')
                        value++;
                if (!arg[j + 1]) {
                        if (*i + 1 >= argc)
                                return cell_error_set(err, 0, "flag needs an argument: '%c' in -%c for '%s'",
                                                      c, c, full_name(v, name, sizeof(name)));
                        value = argv[++*i];
                }
                add_value(p, value);
                return 0;
        }
        return 0;
}

static int parse_long(const struct ecli_verb *v, struct ecli_args *a, int argc, char **argv, int *i,
                      struct cell_error *err)
{
        const char *arg = argv[*i] + 2;
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        char name[64];
        const struct ecli_option *o = find_long(v, arg, len);
        if (!o && !eq && strcmp(arg, "help") == 0)
                return 1;
        if (!o)
                return cell_error_set(err, 0, "unknown flag: --%.*s for '%s'", (int)len, arg,
                                      full_name(v, name, sizeof(name)));
        struct ecli_parsed *p = &a->opts[o - v->options];
        if (o->kind == ECLI_FLAG)
                return set_flag(v, o, p, eq ? eq + 1 : NULL, err);
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
                if (*i + 1 >= argc)
                        return cell_error_set(err, 0, "flag needs an argument: --%s for '%s'", o->name,
                                              full_name(v, name, sizeof(name)));
                value = argv[++*i];
        }
        add_value(p, value);
        return 0;
}

static int check_arg_count(const struct ecli_verb *v, int n, struct cell_error *err)
{
        char name[64];
        full_name(v, name, sizeof(name));
        if (v->max_args < 0 && n > 0)
                return cell_error_set(err, 0, "\"%s\" accepts no arguments", name);
        if (v->min_args > 0 && v->min_args == v->max_args && n != v->min_args)
                return cell_error_set(err, 0, "\"%s\" requires exactly %d argument%s", name, v->min_args,
                                      v->min_args == 1 ? "" : "s");
        if (n < v->min_args)
                return cell_error_set(err, 0, "\"%s\" requires at least %d argument%s", name, v->min_args,
                                      v->min_args == 1 ? "" : "s");
        if (v->max_args > 0 && n > v->max_args)
                return cell_error_set(err, 0, "\"%s\" requires at most %d argument%s", name, v->max_args,
                                      v->max_args == 1 ? "" : "s");
        return 0;
}

void ecli_args_release(struct ecli_args *a)
{
        if (a->opts) {
                size_t n = option_count(a->verb);
                for (size_t i = 0; i < n; i++)
                        free(a->opts[i].values);
        }
        free(a->opts);
        free(a->argv);
        *a = (struct ecli_args){0};
}

int ecli_parse(const struct ecli_verb *v, int argc, char **argv, struct ecli_args *a, struct cell_error *err)
{
        *a = (struct ecli_args){
                .verb = v,
                .opts = xcalloc(option_count(v) + 1, sizeof(struct ecli_parsed)),
                .argv = xcalloc((size_t)argc + 1, sizeof(char *)),
        };
        bool options_done = false;
        int r = 0;
        for (int i = 1; i < argc && r == 0; i++) {
                const char *arg = argv[i];
                if (options_done || arg[0] != '-' || arg[1] == '\0') {
                        a->argv[a->argc++] = argv[i];
                        options_done = options_done || v->stop_at_positional;
                } else if (strcmp(arg, "--") == 0) {
                        options_done = true;
                } else if (arg[1] == '-') {
                        r = parse_long(v, a, argc, argv, &i, err);
                } else {
                        r = parse_short(v, a, argc, argv, &i, err);
                }
        }
        if (r == 0)
                r = check_arg_count(v, a->argc, err);
        if (r != 0)
                ecli_args_release(a);
        return r;
}

static const struct ecli_parsed *lookup(const struct ecli_args *a, const char *name,
                                        const struct ecli_option **opt)
{
        const struct ecli_option *o = find_long(a->verb, name, strlen(name));
        if (!o) {
                char buf[64];
                fprintf(stderr, "cell: bug: verb '%s' has no option --%s\n", full_name(a->verb, buf, sizeof(buf)),
                        name);
                abort();
        }
        if (opt)
                *opt = o;
        return &a->opts[o - a->verb->options];
}

bool ecli_flag(const struct ecli_args *a, const char *name)
{
        return lookup(a, name, NULL)->flag;
}

int ecli_count(const struct ecli_args *a, const char *name)
{
        return lookup(a, name, NULL)->count;
}

bool ecli_given(const struct ecli_args *a, const char *name)
{
        return lookup(a, name, NULL)->count > 0;
}

const char *ecli_value(const struct ecli_args *a, const char *name)
{
        const struct ecli_option *o;
        const struct ecli_parsed *p = lookup(a, name, &o);
        return p->n ? p->values[p->n - 1] : o->def;
}

const char *const *ecli_values(const struct ecli_args *a, const char *name, size_t *n)
{
        const struct ecli_parsed *p = lookup(a, name, NULL);
        if (n)
                *n = p->n;
        return p->n ? p->values : empty_values;
}

int ecli_value_int(const struct ecli_args *a, const char *name, long long def, long long min, long long max,
                   long long *out, struct cell_error *err)
{
        const char *s = ecli_value(a, name);
        if (!s) {
                *out = def;
                return 0;
        }
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end)
                return cell_error_set(err, 0, "invalid value \"%s\" for --%s: not an integer", s, name);
        if (v < min || v > max)
                return cell_error_set(err, 0, "invalid value \"%s\" for --%s: out of range [%lld, %lld]", s, name,
                                      min, max);
        *out = v;
        return 0;
}

int ecli_fail(const struct cell_error *err)
{
        cell_log(CELL_LOG_ERROR, "%s", err->msg[0] ? err->msg : "unknown error");
        return ECLI_EXIT_ENGINE;
}

int ecli_error(const char *fmt, ...)
{
        struct cell_error err;
        va_list ap;
        va_start(ap, fmt);
        char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        cell_error_set(&err, 0, "%s", msg);
        free(msg);
        return ecli_fail(&err);
}

/*
 * The global options are parsed as the options of a verb "cell" whose first
 * positional argument (the verb) ends them.
 */
static const struct ecli_option global_options[] = {
        {"storage", 0, ECLI_VALUE, "DIR", "Image and container store (default $CELL_STORAGE, else /var/lib/cell)",
         .complete = "dir"},
        {"runroot", 0, ECLI_VALUE, "DIR",
         "Runtime state of the engine's containers (default $CELL_RUNROOT, else /run/cell/engine)",
         .complete = "dir"},
        {"debug", 'D', ECLI_FLAG, NULL, "Log debug messages"},
        {"log-level", 'l', ECLI_VALUE, "LEVEL", "Log level: debug, info, warn or error",
         .complete = "debug|info|warn|error", .def = "warn"},
        {"version", 'v', ECLI_FLAG, NULL, "Print the version and exit"},
        {0},
};

const struct ecli_verb ecli_global_verb = {
        .name = "cell",
        .usage = "[OPTIONS] COMMAND [ARG...]",
        .summary = "A daemonless container engine",
        .options = global_options,
        .stop_at_positional = true,
};

static const char *env_or(const char *name, const char *def)
{
        const char *v = getenv(name);
        return v && *v ? v : def;
}

static int parse_globals(const struct ecli_args *a, struct ecli_globals *g, struct cell_error *err)
{
        *g = (struct ecli_globals){
                .storage = ecli_value(a, "storage"),
                .runroot = ecli_value(a, "runroot"),
                .log_level = ecli_value(a, "log-level"),
                .debug = ecli_flag(a, "debug"),
        };
        if (!g->storage)
                g->storage = env_or("CELL_STORAGE", "/var/lib/cell");
        if (!g->runroot)
                g->runroot = env_or("CELL_RUNROOT", "/run/cell/engine");
        static const char *const levels[] = {"debug", "info", "warn", "warning", "error"};
        bool known = false;
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                known = known || strcmp(g->log_level, levels[i]) == 0;
        if (!known)
                return cell_error_set(err, 0, "invalid --log-level \"%s\": must be debug, info, warn or error",
                                      g->log_level);
        if (strcmp(g->log_level, "debug") == 0)
                g->debug = true;
        cell_log_set_debug(g->debug);
        return 0;
}

/*
 * From the words after the global options to the verb: a top-level verb or
 * alias, or a group and its sub-verb.  Prints group help itself (*done).
 */
static const struct ecli_verb *resolve_verb(int argc, char **argv, int *consumed, int *status)
{
        const char *word = argv[0];
        const struct ecli_verb *v = ecli_find_verb(NULL, word);
        *consumed = 1;
        *status = -1;
        if (v)
                return v;
        if (!is_group(word)) {
                *status = ecli_error("unknown command \"%s\" for \"cell\"; see 'cell --help'", word);
                return NULL;
        }
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                ecli_print_group_help(stdout, word);
                *status = 0;
                return NULL;
        }
        v = ecli_find_verb(word, argv[1]);
        if (!v) {
                *status = ecli_error("unknown command \"%s\" for \"%s\"; see 'cell %s --help'", argv[1], word,
                                     word);
                return NULL;
        }
        *consumed = 2;
        return v;
}

static int run_verb(const struct ecli_verb *v, const struct ecli_globals *g, int argc, char **argv,
                    int self_argc, char **self_argv)
{
        struct ecli_args a;
        struct cell_error err;
        cell_error_clear(&err);
        int r = ecli_parse(v, argc, argv, &a, &err);
        if (r == 1) {
                ecli_print_verb_help(stdout, v);
                return 0;
        }
        if (r < 0) {
                char name[64];
                return ecli_error("%s\nSee '%s --help'.", err.msg, full_name(v, name, sizeof(name)));
        }
        struct ecli_ctx ctx = {.g = *g, .verb = v, .argc = self_argc, .argv = self_argv};
        int status = v->run(&ctx, &a);
        if (ctx.store && ctx.store_close)
                ctx.store_close(ctx.store);
        ecli_args_release(&a);
        return status;
}

int ecli_main(int argc, char **argv)
{
        struct ecli_args ga;
        struct ecli_globals g;
        struct cell_error err;
        cell_error_clear(&err);
        int r = ecli_parse(&ecli_global_verb, argc, argv, &ga, &err);
        if (r == 1) {
                ecli_print_main_help(stdout);
                return 0;
        }
        if (r < 0)
                return ecli_fail(&err);
        if (parse_globals(&ga, &g, &err) < 0) {
                ecli_args_release(&ga);
                return ecli_fail(&err);
        }
        int status;
        if (ecli_flag(&ga, "version")) {
                ecli_print_version(stdout);
                status = 0;
        } else if (ga.argc == 0) {
                ecli_print_main_help(stdout);
                status = 0;
        } else {
                int consumed;
                const struct ecli_verb *v = resolve_verb(ga.argc, ga.argv, &consumed, &status);
                if (v)
                        status = run_verb(v, &g, ga.argc - consumed + 1, ga.argv + consumed - 1, argc, argv);
        }
        ecli_args_release(&ga);
        return status;
}
