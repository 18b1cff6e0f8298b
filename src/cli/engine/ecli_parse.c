/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine CLI's option parser (docker's syntax, see ecli.h) and the
 * lookups verbs make in its result.  Knows no verb but the one it is given,
 * so tests/unit/test_cli_engine.c links it alone.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/engine/ecli.h"
#include "util/log.h"
#include "util/xalloc.h"

struct ecli_parsed {
        int count;
        bool flag;
        const char **values; /* NULL-terminated once any value is given */
        size_t n;
};

static const char *const empty_values[] = {NULL};


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

/* "cell run", "cell volume ls"; "cell" for the global options. */
const char *ecli_verb_fullname(const struct ecli_verb *v, char *buf, size_t size)
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
                                      o->name, ecli_verb_fullname(v, name, sizeof(name)));
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
                                              ecli_verb_fullname(v, name, sizeof(name)));
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
                                                      c, c, ecli_verb_fullname(v, name, sizeof(name)));
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
                                      ecli_verb_fullname(v, name, sizeof(name)));
        struct ecli_parsed *p = &a->opts[o - v->options];
        if (o->kind == ECLI_FLAG)
                return set_flag(v, o, p, eq ? eq + 1 : NULL, err);
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
                if (*i + 1 >= argc)
                        return cell_error_set(err, 0, "flag needs an argument: --%s for '%s'", o->name,
                                              ecli_verb_fullname(v, name, sizeof(name)));
                value = argv[++*i];
        }
        add_value(p, value);
        return 0;
}

static int check_arg_count(const struct ecli_verb *v, int n, struct cell_error *err)
{
        char name[64];
        ecli_verb_fullname(v, name, sizeof(name));
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
                fprintf(stderr, "cell: bug: verb '%s' has no option --%s\n", ecli_verb_fullname(a->verb, buf, sizeof(buf)),
                        name);
                abort();
        }
        if (opt)
                *opt = o;
        return &a->opts[o - a->verb->options];
}

bool ecli_has_option(const struct ecli_verb *v, const char *name)
{
        return find_long(v, name, strlen(name)) != NULL;
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

