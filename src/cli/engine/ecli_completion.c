/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bash completion of `cell` and `cell-oci`, generated from the verb
 * tables (engine) and the usage texts (runtime).  The script holds the words
 * as data and one small walker; names of containers, images and volumes come
 * at completion time from the hidden verb `cell __complete KIND`.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli/engine/ecli.h"
#include "cli/engine/ecli_doc.h"
#include "cli/engine/ecli_generate.h"
#include "cli/oci/cli.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/*
 * What a verb's positional arguments complete to: .complete_args, else the
 * placeholders of its usage line (CONTAINER, IMAGE, VOLUME, FILE, PATH, DIR,
 * SIGNAL); `rest` for the arguments after the first.
 */
static const char *placeholder_kind(const char *word)
{
        if (strstr(word, "CONTAINER"))
                return "container";
        if (strstr(word, "IMAGE"))
                return "image";
        if (strstr(word, "VOLUME"))
                return "volume";
        if (strstr(word, "SIGNAL"))
                return "signal";
        if (strstr(word, "FILE") || strstr(word, "PATH"))
                return "file";
        if (strstr(word, "DIR"))
                return "dir";
        return "";
}

static void positional_kinds(const struct ecli_verb *v, const char **first, const char **rest)
{
        *first = *rest = "";
        if (v->complete_args) {
                *first = *rest = v->complete_args;
                return;
        }
        if (!v->usage)
                return;
        _cleanup_free_ char *copy = xstrdup(v->usage);
        char *save = NULL;
        int k = 0;
        for (char *w = strtok_r(copy, " []|", &save); w; w = strtok_r(NULL, " []|", &save)) {
                if (strcmp(w, "OPTIONS") == 0 || !isupper((unsigned char)w[0]))
                        continue;
                const char *kind = placeholder_kind(w);
                if (k == 0)
                        *first = kind;
                *rest = kind;
                if (k++ == 0 && strstr(w, "..."))
                        break;
                if (k == 2)
                        break;
        }
}

static void key_of(const struct ecli_verb *v, char *buf, size_t size)
{
        if (v->group)
                snprintf(buf, size, "%s %s", v->group, v->name);
        else
                snprintf(buf, size, "%s", v->name);
}

/* " --detach -d --env -e" and the ones taking a value. */
static void option_words(FILE *out, const struct ecli_option *opts, bool values_only)
{
        for (size_t i = 0; opts && opts[i].name; i++) {
                if (opts[i].hidden || (values_only && opts[i].kind == ECLI_FLAG))
                        continue;
                fprintf(out, " --%s", opts[i].name);
                if (opts[i].short_name)
                        fprintf(out, " -%c", opts[i].short_name);
        }
}

static void value_kinds(FILE *out, const char *key, const struct ecli_option *opts)
{
        for (size_t i = 0; opts && opts[i].name; i++) {
                if (opts[i].kind == ECLI_FLAG || !opts[i].complete)
                        continue;
                fprintf(out, "    \"%s --%s\"", key, opts[i].name);
                if (opts[i].short_name)
                        fprintf(out, "|\"%s -%c\"", key, opts[i].short_name);
                fprintf(out, ") echo '%s' ;;\n", opts[i].complete);
        }
}

static void verb_info(FILE *out, const struct ecli_verb *v)
{
        char key[64];
        const char *first, *rest;
        key_of(v, key, sizeof(key));
        positional_kinds(v, &first, &rest);
        fprintf(out, "    \"%s\")\n        _cell_opts=\"--help", key);
        option_words(out, v->options, false);
        fputs("\"\n        _cell_valopts=\"", out);
        option_words(out, v->options, true);
        fprintf(out, " \"\n        _cell_args='%s' _cell_args_rest='%s' _cell_stop=%d ;;\n", first, rest,
                v->stop_at_positional);
}

static void emit_engine_data(FILE *out)
{
        const struct ecli_verb *v[ECLI_MAX_VERBS];
        size_t n = ecli_sorted_verbs(v, ECLI_MAX_VERBS);
        const char *groups[ECLI_MAX_VERBS];
        size_t ng = ecli_groups(groups, ECLI_MAX_VERBS);

        fputs("_cell_commands=\"oci", out);
        for (size_t i = 0; i < n; i++) {
                if (!v[i]->group)
                        fprintf(out, " %s", v[i]->name);
                if (v[i]->aliases)
                        fprintf(out, " %s", v[i]->aliases);
        }
        for (size_t i = 0; i < ng; i++)
                fprintf(out, " %s", groups[i]);
        fputs("\"\n_cell_groups=\"", out);
        for (size_t i = 0; i < ng; i++)
                fprintf(out, " %s", groups[i]);
        fputs(" \"\n_cell_global_opts=\"--help -h", out);
        option_words(out, ecli_global_verb.options, false);
        fputs("\"\n_cell_global_valopts=\"", out);
        option_words(out, ecli_global_verb.options, true);
        fputs(" \"\n\n# $1: a group; the words of its sub-verbs\n_cell_subverbs() {\n    case \"$1\" in\n", out);
        for (size_t g = 0; g < ng; g++) {
                fprintf(out, "    %s) echo '", groups[g]);
                bool first = true;
                for (size_t i = 0; i < n; i++) {
                        if (v[i]->group && strcmp(v[i]->group, groups[g]) == 0) {
                                fprintf(out, "%s%s", first ? "" : " ", v[i]->name);
                                first = false;
                        }
                }
                fputs("' ;;\n", out);
        }
        fputs("    esac\n}\n\n", out);

        fputs("# $1: a command (\"run\", \"volume ls\", or an alias); sets _cell_opts, _cell_valopts,\n"
              "# _cell_args and _cell_args_rest (what positional arguments complete to), _cell_stop\n"
              "_cell_verb_info() {\n    _cell_opts='' _cell_valopts='' _cell_args='' _cell_args_rest='' "
              "_cell_stop=0\n    case \"$1\" in\n",
              out);
        for (size_t i = 0; i < n; i++) {
                verb_info(out, v[i]);
                for (const char *p = v[i]->aliases; p && *p;) {
                        size_t len = strcspn(p, " ");
                        char key[64];
                        key_of(v[i], key, sizeof(key));
                        fprintf(out, "    \"%.*s\") _cell_verb_info \"%s\" ;;\n", (int)len, p, key);
                        p += len;
                        p += strspn(p, " ");
                }
        }
        fputs("    esac\n}\n\n# $1: command, $2: option; what its value completes to\n"
              "_cell_value_kind() {\n    case \"$1 $2\" in\n",
              out);
        value_kinds(out, "", ecli_global_verb.options);
        for (size_t i = 0; i < n; i++) {
                char key[64];
                key_of(v[i], key, sizeof(key));
                value_kinds(out, key, v[i]->options);
                for (const char *p = v[i]->aliases; p && *p;) {
                        size_t len = strcspn(p, " ");
                        _cleanup_free_ char *alias = xstrndup(p, len);
                        value_kinds(out, alias, v[i]->options);
                        p += len;
                        p += strspn(p, " ");
                }
        }
        fputs("    esac\n}\n\n", out);
}

/* The runtime's verbs and, from each usage's option lines, its option words. */
enum oci_pass { OCI_NAMES, OCI_GLOBALS, OCI_CASES };

struct oci_data {
        FILE *out;
        enum oci_pass pass;
};

static void oci_option_words(FILE *out, const char *usage, bool values_only)
{
        _cleanup_free_ char *copy = xstrdup(usage);
        bool in_options = false;
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (strcmp(line, "Options:") == 0 || strcmp(line, "Global options:") == 0) {
                        in_options = true;
                        continue;
                }
                if (strcmp(line, "Commands:") == 0)
                        in_options = false;
                if (!in_options || strncmp(line, "  -", 3) != 0)
                        continue;
                char *gap = strstr(line + 2, "  ");
                if (gap)
                        *gap = '\0';
                /* "-b, --bundle DIR", "--no-subreaper, --detach": a word after an option is its value */
                char *s2 = NULL;
                const char *pending = NULL;
                for (char *w = strtok_r(line + 2, ", ", &s2); w; w = strtok_r(NULL, ", ", &s2)) {
                        if (w[0] == '-') {
                                if (pending && !values_only)
                                        fprintf(out, " %s", pending);
                                pending = w;
                        } else if (pending) {
                                fprintf(out, " %s", pending);
                                pending = NULL;
                        }
                }
                if (pending && !values_only)
                        fprintf(out, " %s", pending);
        }
}

static void emit_oci(const char *name, const char *summary, const char *usage, void *data)
{
        struct oci_data *d = data;
        (void)summary;
        switch (d->pass) {
        case OCI_NAMES:
                if (name)
                        fprintf(d->out, " %s", name);
                break;
        case OCI_GLOBALS:
                if (name)
                        break;
                fputs("_cell_oci_global_opts=\"", d->out);
                oci_option_words(d->out, usage, false);
                fputs("\"\n_cell_oci_global_valopts=\"", d->out);
                oci_option_words(d->out, usage, true);
                fputs(" \"\n", d->out);
                break;
        case OCI_CASES:
                if (!name)
                        break;
                fprintf(d->out, "    %s) _cell_opts=\"", name);
                oci_option_words(d->out, usage, false);
                fputs("\" _cell_valopts=\"", d->out);
                oci_option_words(d->out, usage, true);
                fputs(" \" ;;\n", d->out);
                break;
        }
}

static void emit_oci_data(FILE *out)
{
        struct oci_data d = {.out = out, .pass = OCI_NAMES};
        fputs("_cell_oci_commands=\"help", out);
        cli_oci_foreach_usage(emit_oci, &d);
        fputs("\"\n", out);
        d.pass = OCI_GLOBALS;
        cli_oci_foreach_usage(emit_oci, &d);
        fputs("\n# $1: a runtime verb; sets _cell_opts and _cell_valopts\n"
              "_cell_oci_verb_info() {\n    _cell_opts='' _cell_valopts=''\n    case \"$1\" in\n",
              out);
        d.pass = OCI_CASES;
        cli_oci_foreach_usage(emit_oci, &d);
        fputs("    esac\n}\n\n", out);
}

static const char bash_functions[] =
#include "cli/completion.bash.inc"
        ;

void ecli_generate_bash_completion(FILE *out)
{
        fputs("# bash completion for cell and cell-oci\n"
              "# Generated by `cell __generate bash-completion` from cell's own tables: edit\n"
              "# src/cli/engine/ (the verbs) or src/cli/engine/completion.bash, not this file.\n\n",
              out);
        emit_engine_data(out);
        emit_oci_data(out);
        fputs(bash_functions, out);
}
