/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine CLI's dispatch: global options, the verb (or a management
 * group and its sub-verb), the verb's options (ecli_parse.c), then run().
 */
#include "cli/engine/ecli.h"

#include <stdlib.h>
#include <string.h>

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
        if (strcmp(word, "oci") == 0) {
                *status = ecli_error("the runtime's command line takes its own global options: "
                                     "cell oci [OPTIONS] COMMAND, or cell-oci [OPTIONS] COMMAND");
                return NULL;
        }
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
                *status = ecli_error("unknown command \"%s\" for \"cell %s\"; see 'cell %s --help'", argv[1], word,
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
                return ecli_error("%s\nSee '%s --help'.", err.msg, ecli_verb_fullname(v, name, sizeof(name)));
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
