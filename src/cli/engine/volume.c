/* SPDX-License-Identifier: Apache-2.0 */
/* `cell volume create|ls|inspect|rm|prune`: named volumes (engine/volume.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/volume.h"
#include "util/cleanup.h"

static json_object *volume_json(const struct cell_volume *v)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "Name", json_object_new_string(v->name));
        json_object_object_add(o, "Driver", json_object_new_string("local"));
        json_object_object_add(o, "Mountpoint", json_object_new_string(v->mountpoint));
        json_object_object_add(o, "CreatedAt", json_object_new_string(v->created ? v->created : ""));
        json_object_object_add(o, "Labels", v->labels ? json_object_get(v->labels) : json_object_new_object());
        json_object_object_add(o, "Scope", json_object_new_string("local"));
        json_object_object_add(o, "Options", json_object_new_object());
        json_object_object_add(o, "Anonymous", json_object_new_boolean(v->anonymous));
        return o;
}

static const struct ecli_option create_options[] = {
        {"label", 0, ECLI_VALUES, "K=V", "Set metadata for a volume"},
        {"driver", 'd', ECLI_VALUE, "NAME", "Volume driver name (only local)", .def = "local"},
        {0},
};

static int run_volume_create(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        if (strcmp(ecli_value(a, "driver"), "local") != 0)
                return ecli_error("volume driver %s: not supported (only local)", ecli_value(a, "driver"));
        size_t n;
        const char *const *labels = ecli_values(a, "label", &n);
        json_object *lab = json_object_new_object();
        for (size_t i = 0; i < n; i++) {
                const char *eq = strchr(labels[i], '=');
                _cleanup_free_ char *k = eq ? strndup(labels[i], (size_t)(eq - labels[i])) : strdup(labels[i]);
                json_object_object_add(lab, k, json_object_new_string(eq ? eq + 1 : ""));
        }
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0) {
                json_object_put(lab);
                return ecli_fail(&err);
        }
        struct cell_volume v;
        bool created_now;
        int r = cell_volume_create(&e, a->argc ? a->argv[0] : NULL, false, lab, &v, &created_now, &err);
        if (r == 0) {
                printf("%s\n", v.name);
                cell_volume_release(&v);
        }
        json_object_put(lab);
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

static const struct ecli_option ls_options[] = {
        ECLI_OPT_QUIET,
        ECLI_OPT_FORMAT,
        {0},
};

static int run_volume_ls(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        struct cell_volume *list;
        size_t n;
        if (ctr_verbs_engine(ctx, &e, &err) < 0 || cell_volume_list(&e, &list, &n, &err) < 0)
                return ecli_fail(&err);
        json_object *rows = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                json_object_array_add(rows, volume_json(&list[i]));
                cell_volume_release(&list[i]);
        }
        free(list);
        cell_engine_close(&e);
        static const struct ecli_column cols[] = {{"DRIVER", "Driver"}, {"VOLUME NAME", "Name"}, {0}};
        int r = ecli_print_list(a, rows, cols, "Name", &err);
        json_object_put(rows);
        return r < 0 ? ecli_fail(&err) : 0;
}

static int run_volume_inspect(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        json_object *out = json_object_new_array();
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                struct cell_volume v;
                if (cell_volume_get(&e, a->argv[i], &v, &err) < 0) {
                        rc = ecli_fail(&err);
                        continue;
                }
                json_object_array_add(out, volume_json(&v));
                cell_volume_release(&v);
        }
        ecli_print_json(stdout, out);
        json_object_put(out);
        cell_engine_close(&e);
        return rc;
}

static const struct ecli_option rm_options[] = {
        {"force", 'f', ECLI_FLAG, NULL, "Force the removal of one or more volumes"},
        {0},
};

static int run_volume_rm(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                if (cell_volume_remove(&e, a->argv[i], ecli_flag(a, "force"), &err) < 0)
                        rc = ecli_fail(&err);
                else
                        printf("%s\n", a->argv[i]);
        }
        cell_engine_close(&e);
        return rc;
}

static const struct ecli_option prune_options[] = {
        {"all", 'a', ECLI_FLAG, NULL, "Remove all unused volumes, not just anonymous ones"},
        {"force", 'f', ECLI_FLAG, NULL, "Do not prompt for confirmation"},
        {0},
};

static int run_volume_prune(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        struct cell_volume *list;
        size_t n;
        if (ctr_verbs_engine(ctx, &e, &err) < 0 || cell_volume_list(&e, &list, &n, &err) < 0)
                return ecli_fail(&err);
        bool all = ecli_flag(a, "all");
        int rc = 0;
        printf("Deleted Volumes:\n");
        for (size_t i = 0; i < n; i++) {
                /* docker 23+: only anonymous volumes unless --all; in use ones never */
                if ((all || list[i].anonymous) &&
                    cell_volume_remove(&e, list[i].name, false, &err) == 0)
                        printf("%s\n", list[i].name);
                cell_volume_release(&list[i]);
        }
        free(list);
        cell_engine_close(&e);
        return rc;
}

const struct ecli_verb ecli_verb_volume_create = {
        .name = "create", .group = "volume", .usage = "[OPTIONS] [VOLUME]",
        .summary = "Create a volume", .options = create_options, .max_args = 1,
        .topic = ECLI_TOPIC_VOLUME, .run = run_volume_create,
};
const struct ecli_verb ecli_verb_volume_ls = {
        .name = "ls", .group = "volume", .usage = "[OPTIONS]", .summary = "List volumes",
        .options = ls_options, .max_args = -1, .topic = ECLI_TOPIC_VOLUME, .run = run_volume_ls,
};
const struct ecli_verb ecli_verb_volume_inspect = {
        .name = "inspect", .group = "volume", .usage = "VOLUME [VOLUME...]",
        .summary = "Display detailed information on one or more volumes", .min_args = 1,
        .topic = ECLI_TOPIC_VOLUME, .run = run_volume_inspect,
};
const struct ecli_verb ecli_verb_volume_rm = {
        .name = "rm", .group = "volume", .usage = "[OPTIONS] VOLUME [VOLUME...]",
        .summary = "Remove one or more volumes", .description = "A volume a container uses is refused unless --force.",
        .options = rm_options, .min_args = 1, .topic = ECLI_TOPIC_VOLUME, .run = run_volume_rm,
};
const struct ecli_verb ecli_verb_volume_prune = {
        .name = "prune", .group = "volume", .usage = "[OPTIONS]",
        .summary = "Remove unused anonymous volumes (all unused ones with --all)",
        .options = prune_options, .max_args = -1, .topic = ECLI_TOPIC_VOLUME, .run = run_volume_prune,
};
