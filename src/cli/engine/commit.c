/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]`: the container's
 * writable layer becomes a new layer on top of its image (image/layerimage.h).
 * A running container is paused meanwhile (as docker does, unless
 * --pause=false), so the layer is a consistent picture.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/vm_ctr.h"
#include "image/layerimage.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const struct ecli_option options[] = {
        {"author", 'a', ECLI_VALUE, "AUTHOR", "Author (e.g. \"Jane Doe <jane@example.com>\")"},
        {"change", 'c', ECLI_VALUES, "INSTRUCTION",
         "Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
         "STOPSIGNAL, USER, VOLUME, WORKDIR)"},
        {"message", 'm', ECLI_VALUE, "MESSAGE", "Commit message"},
        {"pause", 'p', ECLI_FLAG, NULL, "Pause the container during commit (default true)"},
        {0},
};

/* docker's history line: the container's command ("/bin/sh -c echo hi"). */
static char *container_command(const struct cell_ctr *c)
{
        char *out = xstrdup("");
        static const char *const keys[] = {"Entrypoint", "Cmd"};
        for (size_t k = 0; k < 2; k++) {
                json_object *v;
                if (!c->config || !json_object_object_get_ex(c->config, keys[k], &v) ||
                    !json_object_is_type(v, json_type_array))
                        continue;
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        char *next =
                                xasprintf("%s%s%s", out, *out ? " " : "",
                                          json_object_get_string(json_object_array_get_idx(v, i)));
                        free(out);
                        out = next;
                }
        }
        return out;
}

static int commit_container(struct ecli_ctx *ctx, struct cell_engine *e, const struct cell_ctr *c,
                            const struct ecli_args *a, char id[CELL_DIGEST_MAX],
                            struct cell_error *err)
{
        struct cell_store *s;
        struct cell_image base;
        if (ecli_store(ctx, &s, err) < 0 || cell_store_lock_shared(s, err) < 0 ||
            cell_image_lookup(s, c->image_id, &base, err) < 0)
                return -1;
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
        _cleanup_free_ char *cmd = container_command(c);
        struct cell_layer_image_opts o = {
                .name = a->argc > 1 ? a->argv[1] : NULL,
                .author = ecli_value(a, "author"),
                .comment = ecli_value(a, "message"),
                .created_by = cmd,
        };
        o.changes = ecli_values(a, "change", &o.n_changes);
        /* a micro-VM's writes reach the upper layer over 9p: nothing to freeze on the host */
        bool pause = c->state.status == CELL_CTR_RUNNING && !cell_ctr_is_vm(c) &&
                     (!ecli_given(a, "pause") || ecli_flag(a, "pause"));
        int r = pause ? cell_container_pause(&e->rt, c->id, err) : 0;
        if (r == 0)
                r = cell_image_commit(s, &base, upper, &o, id, err);
        if (pause) {
                struct cell_error e2 = {0};
                if (cell_container_resume(&e->rt, c->id, &e2) < 0 && r == 0) {
                        *err = e2;
                        r = -1;
                }
        }
        cell_image_release(&base);
        return r;
}

static int run_commit(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_ctr c;
        char id[CELL_DIGEST_MAX];
        int r = cell_ctr_lookup(&e, a->argv[0], false, &c, &err);
        if (r == 0) {
                r = commit_container(ctx, &e, &c, a, id, &err);
                if (r < 0)
                        cell_error_prefix(&err, "commit container %s", a->argv[0]);
                cell_ctr_release(&c);
        }
        cell_engine_close(&e);
        if (r < 0)
                return ecli_fail(&err);
        printf("%s\n", id);
        return 0;
}

const struct ecli_verb ecli_verb_commit = {
        .name = "commit",
        .usage = "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
        .summary = "Create a new image from a container's changes",
        .description =
                "Stores the container's writable layer (files added, changed and deleted, "
                "deleted ones as OCI whiteouts) as a new layer on top of the container's image, "
                "with a history entry and the --change instructions applied to the config, and "
                "names the new image REPOSITORY[:TAG] when given. Prints the new image's id.",
        .options = options,
        .min_args = 1,
        .max_args = 2,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_commit,
};
