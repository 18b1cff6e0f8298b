/* SPDX-License-Identifier: Apache-2.0 */
/* `cell inspect`: containers (docker's object, plus the generated OCI spec), then images. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/engine/ctr_verbs.h"
#include "cli/engine/image_verbs.h"

static const struct ecli_option options[] = {
        {"type", 0, ECLI_VALUE, "TYPE", "Only inspect objects of this type: container or image",
         .complete = "container|image"},
        ECLI_OPT_FORMAT,
        {0},
};

static json_object *image_object(struct ecli_ctx *ctx, const char *name, struct cell_error *err)
{
        struct cell_store *s;
        if (ecli_store(ctx, &s, err) < 0 || cell_store_lock_shared(s, err) < 0)
                return NULL;
        struct cell_image img;
        json_object *cfg = NULL;
        if (cell_image_find(s, name, &img, err) < 0)
                return NULL;
        if (cell_image_config(s, &img, &cfg, err) < 0) {
                cell_image_release(&img);
                return NULL;
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "Id", json_object_new_string(img.id));
        json_object *tags = json_object_new_array();
        for (size_t i = 0; i < img.n_names; i++)
                json_object_array_add(tags, json_object_new_string(img.names[i]));
        json_object_object_add(o, "RepoTags", tags);
        json_object_object_add(o, "Created", img.created ? json_object_new_string(img.created) : NULL);
        json_object_object_add(o, "Size", json_object_new_int64(img.size));
        json_object *c;
        if (json_object_object_get_ex(cfg, "config", &c))
                json_object_object_add(o, "Config", json_object_get(c));
        json_object_put(cfg);
        cell_image_release(&img);
        return o;
}

static int run_inspect(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        const char *type = ecli_value(a, "type");
        bool want_ctr = !type || !strcmp(type, "container"), want_img = !type || !strcmp(type, "image");
        json_object *out = json_object_new_array();
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                struct cell_ctr c;
                json_object *o = NULL;
                cell_error_clear(&err);
                if (want_ctr && cell_ctr_lookup(&e, a->argv[i], false, &c, &err) == 0) {
                        o = ctr_verbs_inspect_json(&e, &c);
                        cell_ctr_release(&c);
                } else if (want_img && (!want_ctr || err.errnum == ENOENT)) {
                        o = image_object(ctx, a->argv[i], &err);
                }
                if (!o) {
                        cell_error_set(&err, 0, "no such object: %s", a->argv[i]);
                        rc = ecli_fail(&err);
                        continue;
                }
                json_object_array_add(out, o);
        }
        const char *format = ecli_value(a, "format");
        if (format && strcmp(format, "json") && json_object_array_length(out) > 0) {
                int r = ecli_print_list(a, out, NULL, "Id", &err);
                if (r < 0)
                        rc = ecli_fail(&err);
        } else {
                ecli_print_json(stdout, out);
        }
        json_object_put(out);
        cell_engine_close(&e);
        return rc;
}

const struct ecli_verb ecli_verb_inspect = {
        .name = "inspect",
        .usage = "[OPTIONS] NAME|ID [NAME|ID...]",
        .summary = "Return low-level information on containers or images",
        .description = "Prints a JSON array: a container as docker shows it (Id, Name, State, Config, "
                       "HostConfig, Mounts, ...) with the OCI config.json cell generated under "
                       "\"CellOCISpec\"; a name that is no container is looked up as an image.",
        .options = options,
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_inspect,
};
