/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell --help`, `cell GROUP --help` and `cell VERB --help`, printed from the
 * verbs' tables.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cell-version.h"
#include "cli/engine/ecli.h"
#include "cli/engine/ecli_doc.h"
#include "oci/spec.h"
#include "util/xalloc.h"

static const struct {
        const char *group;
        const char *summary;
} group_summaries[] = {
        {"container", "Manage containers"}, {"image", "Manage images"},   {"network", "Manage networks"},
        {"system", "Manage cell's store"},  {"volume", "Manage volumes"},
        {"vm", "Run commands in micro-VMs"},
        {"bench", "Measure process, container and micro-VM isolation on this host"},
};

const char *ecli_group_summary(const char *group)
{
        for (size_t i = 0; i < sizeof(group_summaries) / sizeof(group_summaries[0]); i++) {
                if (strcmp(group_summaries[i].group, group) == 0)
                        return group_summaries[i].summary;
        }
        return "";
}

const char *ecli_topic_title(enum ecli_topic t)
{
        switch (t) {
        case ECLI_TOPIC_CONTAINER:
                return "Container commands";
        case ECLI_TOPIC_IMAGE:
                return "Image commands";
        case ECLI_TOPIC_VOLUME:
                return "Volume commands";
        case ECLI_TOPIC_NETWORK:
                return "Network commands";
        case ECLI_TOPIC_SYSTEM:
                return "System commands";
        case ECLI_TOPIC_OTHER:
                break;
        }
        return "Other commands";
}

void ecli_print_version(FILE *out)
{
        fprintf(out, "cell version %s\n", CELL_VERSION);
}

static int by_name(const void *pa, const void *pb)
{
        const struct ecli_verb *a = *(const struct ecli_verb *const *)pa;
        const struct ecli_verb *b = *(const struct ecli_verb *const *)pb;
        int r = strcmp(a->group ? a->group : "", b->group ? b->group : "");
        return r ? r : strcmp(a->name, b->name);
}

size_t ecli_sorted_verbs(const struct ecli_verb **out, size_t max)
{
        size_t n, k = 0;
        const struct ecli_verb *const *v = ecli_verbs(&n);
        for (size_t i = 0; i < n && k < max; i++) {
                if (!v[i]->hidden)
                        out[k++] = v[i];
        }
        qsort(out, k, sizeof(*out), by_name);
        return k;
}

size_t ecli_groups(const char **out, size_t max)
{
        const struct ecli_verb *v[ECLI_MAX_VERBS];
        size_t n = ecli_sorted_verbs(v, ECLI_MAX_VERBS), k = 0;
        for (size_t i = 0; i < n && k < max; i++) {
                if (v[i]->group && (k == 0 || strcmp(out[k - 1], v[i]->group) != 0))
                        out[k++] = v[i]->group;
        }
        return k;
}

/* "-d, --detach", "    --name NAME" */
void ecli_option_synopsis(const struct ecli_option *o, char *buf, size_t size)
{
        char shortpart[8] = "    ";
        if (o->short_name)
                snprintf(shortpart, sizeof(shortpart), "-%c, ", o->short_name);
        snprintf(buf, size, "%s--%s%s%s", shortpart, o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
}

static void print_options(FILE *out, const struct ecli_option *opts, bool help_has_h)
{
        size_t width = 20;
        char syn[128];
        for (size_t i = 0; opts && opts[i].name; i++) {
                ecli_option_synopsis(&opts[i], syn, sizeof(syn));
                if (!opts[i].hidden && strlen(syn) > width)
                        width = strlen(syn);
        }
        for (size_t i = 0; opts && opts[i].name; i++) {
                if (opts[i].hidden)
                        continue;
                ecli_option_synopsis(&opts[i], syn, sizeof(syn));
                fprintf(out, "  %-*s  %s", (int)width, syn, opts[i].help);
                if (opts[i].kind == ECLI_VALUES)
                        fputs(" (repeatable)", out);
                if (opts[i].def)
                        fprintf(out, " (default \"%s\")", opts[i].def);
                fputc('\n', out);
        }
        fprintf(out, "  %-*s  %s\n", (int)width, help_has_h ? "-h, --help" : "    --help", "Print usage");
}

/*
 * `text` with every line longer than `width` broken at spaces; the line
 * breaks the author wrote are kept (lists, examples).
 */
static void print_wrapped(FILE *out, const char *text, size_t width)
{
        for (const char *line = text; *line;) {
                size_t len = strcspn(line, "\n");
                const char *p = line, *end = line + len;
                while ((size_t)(end - p) > width) {
                        const char *brk = p + width;
                        while (brk > p && *brk != ' ')
                                brk--;
                        if (brk == p)
                                brk = memchr(p + width, ' ', (size_t)(end - p - width));
                        if (!brk)
                                break;
                        fprintf(out, "%.*s\n", (int)(brk - p), p);
                        p = brk + 1;
                }
                fprintf(out, "%.*s\n", (int)(end - p), p);
                line = *end ? end + 1 : end;
        }
}

static bool has_short_h(const struct ecli_option *opts)
{
        for (size_t i = 0; opts && opts[i].name; i++) {
                if (opts[i].short_name == 'h')
                        return true;
        }
        return false;
}

void ecli_print_verb_help(FILE *out, const struct ecli_verb *v)
{
        if (v->group)
                fprintf(out, "Usage:  cell %s %s %s\n\n", v->group, v->name, v->usage ? v->usage : "");
        else
                fprintf(out, "Usage:  cell %s %s\n\n", v->name, v->usage ? v->usage : "");
        fprintf(out, "%s\n", v->summary);
        if (v->description) {
                fputc('\n', out);
                print_wrapped(out, v->description, 80);
        }
        if (v->aliases) {
                fprintf(out, "\nAliases:\n  cell %s%s%s", v->group ? v->group : "", v->group ? " " : "", v->name);
                for (const char *p = v->aliases; *p;) {
                        size_t n = strcspn(p, " ");
                        fprintf(out, ", cell %.*s", (int)n, p);
                        p += n;
                        p += strspn(p, " ");
                }
                fputc('\n', out);
        }
        fputs("\nOptions:\n", out);
        print_options(out, v->options, !has_short_h(v->options));
}

void ecli_print_group_help(FILE *out, const char *group)
{
        const struct ecli_verb *v[ECLI_MAX_VERBS];
        size_t n = ecli_sorted_verbs(v, ECLI_MAX_VERBS);
        fprintf(out, "Usage:  cell %s COMMAND\n\n%s\n\nCommands:\n", group, ecli_group_summary(group));
        for (size_t i = 0; i < n; i++) {
                if (v[i]->group && strcmp(v[i]->group, group) == 0)
                        fprintf(out, "  %-12s %s\n", v[i]->name, v[i]->summary);
        }
        fprintf(out, "\nRun 'cell %s COMMAND --help' for more information on a command.\n", group);
}

struct entry {
        char *word;
        const struct ecli_verb *verb;
};

static int by_word(const void *pa, const void *pb)
{
        return strcmp(((const struct entry *)pa)->word, ((const struct entry *)pb)->word);
}

/*
 * The words `cell --help` lists under a topic, sorted: the top-level verbs,
 * and the aliases of sub-verbs (`images` for `image ls`, `rmi` for `image
 * rm`), which docker lists among the commands too.
 */
static size_t topic_entries(const struct ecli_verb *const *v, size_t n, enum ecli_topic topic, struct entry *e,
                            size_t max)
{
        size_t k = 0;
        for (size_t i = 0; i < n && k < max; i++) {
                if (v[i]->topic != topic)
                        continue;
                if (!v[i]->group)
                        e[k++] = (struct entry){xstrdup(v[i]->name), v[i]};
                for (const char *p = v[i]->group ? v[i]->aliases : NULL; p && *p && k < max;) {
                        size_t len = strcspn(p, " ");
                        e[k++] = (struct entry){xstrndup(p, len), v[i]};
                        p += len;
                        p += strspn(p, " ");
                }
        }
        qsort(e, k, sizeof(*e), by_word);
        return k;
}

void ecli_print_main_help(FILE *out)
{
        const struct ecli_verb *v[ECLI_MAX_VERBS];
        size_t n = ecli_sorted_verbs(v, ECLI_MAX_VERBS);
        fprintf(out, "Usage:  cell %s\n\n%s\n", ecli_global_verb.usage, ECLI_DESCRIPTION);
        static const enum ecli_topic topics[] = {ECLI_TOPIC_CONTAINER, ECLI_TOPIC_IMAGE,  ECLI_TOPIC_VOLUME,
                                                 ECLI_TOPIC_NETWORK,   ECLI_TOPIC_SYSTEM, ECLI_TOPIC_OTHER};
        for (size_t t = 0; t < sizeof(topics) / sizeof(topics[0]); t++) {
                struct entry e[2 * ECLI_MAX_VERBS];
                size_t ne = topic_entries(v, n, topics[t], e, 2 * ECLI_MAX_VERBS);
                if (ne)
                        fprintf(out, "\n%s:\n", ecli_topic_title(topics[t]));
                for (size_t i = 0; i < ne; i++) {
                        if (e[i].verb->group)
                                fprintf(out, "  %-12s %s (cell %s %s)\n", e[i].word, e[i].verb->summary,
                                        e[i].verb->group, e[i].verb->name);
                        else
                                fprintf(out, "  %-12s %s\n", e[i].word, e[i].verb->summary);
                        free(e[i].word);
                }
        }
        const char *groups[ECLI_MAX_VERBS];
        size_t ng = ecli_groups(groups, ECLI_MAX_VERBS);
        if (ng)
                fputs("\nManagement commands:\n", out);
        for (size_t i = 0; i < ng; i++)
                fprintf(out, "  %-12s %s\n", groups[i], ecli_group_summary(groups[i]));
        fputs("\nGlobal options:\n", out);
        print_options(out, ecli_global_verb.options, true);
        fputs("\nRun 'cell COMMAND --help' for more information on a command.\n"
              "The OCI runtime (runc's command line) is 'cell oci COMMAND', also installed as cell-oci.\n",
              out);
}
