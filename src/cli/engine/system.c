/* SPDX-License-Identifier: Apache-2.0 */
/* `cell system df` and `cell system prune`: what the store, containers and volumes use. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/engine/ctr_verbs.h"
#include "cli/engine/image_verbs.h"
#include "engine/lifecycle.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* image.c: `image prune`, which system prune runs for the images */
extern const struct ecli_verb ecli_verb_image_prune;

static int64_t du_total;

static int du_add(const char *path, const struct stat *st, int type, struct FTW *f)
{
        (void)path, (void)type, (void)f;
        if (S_ISREG(st->st_mode))
                du_total += (int64_t)st->st_blocks * 512;
        return 0;
}

/* Bytes used by the files under `path` (not crossing mounts). */
static int64_t disk_usage(const char *path)
{
        du_total = 0;
        nftw(path, du_add, 16, FTW_PHYS | FTW_MOUNT);
        return du_total;
}

static bool in_list(char **list, const char *s)
{
        for (; list && *list; list++)
                if (strcmp(*list, s) == 0)
                        return true;
        return false;
}

static json_object *df_row(const char *type, size_t total, size_t active, int64_t size, int64_t reclaimable)
{
        char s[32], r[48];
        ecli_human_size(size, s, sizeof(s));
        ecli_human_size(reclaimable, r, sizeof(r));
        if (size > 0) {
                size_t len = strlen(r);
                snprintf(r + len, sizeof(r) - len, " (%d%%)", (int)(reclaimable * 100 / size));
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "Type", json_object_new_string(type));
        json_object_object_add(o, "TotalCount", json_object_new_int64((int64_t)total));
        json_object_object_add(o, "Active", json_object_new_int64((int64_t)active));
        json_object_object_add(o, "Size", json_object_new_string(s));
        json_object_object_add(o, "Reclaimable", json_object_new_string(r));
        return o;
}

static int images_row(struct ecli_ctx *ctx, json_object *rows, struct cell_error *err)
{
        struct cell_store *s;
        _cleanup_strv_ char **used = NULL;
        struct cell_image *imgs;
        size_t n;
        if (ecli_store(ctx, &s, err) < 0 || cell_store_lock_shared(s, err) < 0 ||
            image_verbs_used_ids(ctx, &used, NULL, err) < 0 || cell_image_list(s, &imgs, &n, err) < 0)
                return -1;
        size_t active = 0;
        int64_t size = 0, reclaimable = 0;
        for (size_t i = 0; i < n; i++) {
                size += imgs[i].size;
                if (in_list(used, imgs[i].id))
                        active++;
                else
                        reclaimable += imgs[i].size;
        }
        cell_image_list_free(imgs, n);
        json_object_array_add(rows, df_row("Images", n, active, size, reclaimable));
        return 0;
}

static int run_df(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        json_object *rows = json_object_new_array();
        struct cell_engine e;
        if (images_row(ctx, rows, &err) < 0 || ctr_verbs_engine(ctx, &e, &err) < 0) {
                json_object_put(rows);
                return ecli_fail(&err);
        }
        struct cell_ctr *list = NULL;
        size_t n = 0, active = 0;
        int64_t size = 0, reclaimable = 0;
        if (cell_ctr_list(&e, &list, &n, &err) == 0) {
                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *dir = cell_engine_container_dir(&e, list[i].id);
                        _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
                        int64_t used = disk_usage(upper);
                        size += used;
                        bool running = list[i].state.status == CELL_CTR_RUNNING ||
                                       list[i].state.status == CELL_CTR_PAUSED;
                        active += running;
                        if (!running)
                                reclaimable += used;
                }
                cell_ctr_list_free(list, n);
        }
        json_object_array_add(rows, df_row("Containers", n, active, size, reclaimable));
        struct cell_volume *vols = NULL;
        size_t nv = 0, vactive = 0;
        size = reclaimable = 0;
        if (cell_volume_list(&e, &vols, &nv, &err) == 0) {
                for (size_t i = 0; i < nv; i++) {
                        int64_t used = disk_usage(vols[i].mountpoint);
                        _cleanup_strv_ char **users = cell_volume_users(&e, vols[i].name, &err);
                        bool in_use = users && users[0];
                        size += used;
                        vactive += in_use;
                        if (!in_use)
                                reclaimable += used;
                        cell_volume_release(&vols[i]);
                }
                free(vols);
        }
        json_object_array_add(rows, df_row("Local Volumes", nv, vactive, size, reclaimable));
        cell_engine_close(&e);
        static const struct ecli_column cols[] = {{"TYPE", "Type"}, {"TOTAL", "TotalCount"},
                                                  {"ACTIVE", "Active"}, {"SIZE", "Size"},
                                                  {"RECLAIMABLE", "Reclaimable"}, {0}};
        int r = ecli_print_list(a, rows, cols, "Type", &err);
        json_object_put(rows);
        return r < 0 ? ecli_fail(&err) : 0;
}

static const struct ecli_option df_options[] = {
        ECLI_OPT_FORMAT,
        {0},
};

static const struct ecli_option prune_options[] = {
        {"all", 'a', ECLI_FLAG, NULL, "Remove all unused images not just dangling ones"},
        {"force", 'f', ECLI_FLAG, NULL, "Do not prompt for confirmation"},
        {"volumes", 0, ECLI_FLAG, NULL, "Prune anonymous volumes"},
        {0},
};

static void prune_containers(struct cell_engine *e)
{
        struct cell_ctr *list;
        size_t n;
        struct cell_error err;
        if (cell_ctr_list(e, &list, &n, &err) < 0) {
                ecli_fail(&err);
                return;
        }
        bool header = false;
        for (size_t i = 0; i < n; i++) {
                if (list[i].state.status != CELL_CTR_EXITED && list[i].state.status != CELL_CTR_CREATED)
                        continue;
                if (cell_engine_ctr_remove(e, &list[i], false, false, &err) < 0) {
                        ecli_fail(&err);
                        continue;
                }
                if (!header)
                        printf("Deleted Containers:\n");
                header = true;
                printf("%s\n", list[i].id);
        }
        if (header)
                printf("\n");
        cell_ctr_list_free(list, n);
}

static void prune_volumes(struct cell_engine *e)
{
        struct cell_volume *vols;
        size_t n;
        struct cell_error err;
        if (cell_volume_list(e, &vols, &n, &err) < 0)
                return;
        bool header = false;
        for (size_t i = 0; i < n; i++) {
                if (vols[i].anonymous && cell_volume_remove(e, vols[i].name, false, &err) == 0) {
                        if (!header)
                                printf("Deleted Volumes:\n");
                        header = true;
                        printf("%s\n", vols[i].name);
                }
                cell_volume_release(&vols[i]);
        }
        free(vols);
        if (header)
                printf("\n");
}

static int run_prune(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        if (!ecli_flag(a, "force")) {
                printf("WARNING! This will remove:\n  - all stopped containers\n%s  - all %s images\n"
                       "Are you sure you want to continue? [y/N] ",
                       ecli_flag(a, "volumes") ? "  - all anonymous volumes not used by at least one container\n" : "",
                       ecli_flag(a, "all") ? "images without at least one container associated to them" : "dangling");
                fflush(stdout);
                char line[16];
                if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
                        return 0;
        }
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        prune_containers(&e);
        if (ecli_flag(a, "volumes"))
                prune_volumes(&e);
        cell_engine_close(&e);
        /* the images as `image prune` removes them, through its own verb */
        char *argv[] = {"prune", "--force", ecli_flag(a, "all") ? "--all" : NULL, NULL};
        struct ecli_args ia;
        if (ecli_parse(&ecli_verb_image_prune, argv[2] ? 3 : 2, argv, &ia, &err) != 0)
                return ecli_fail(&err);
        int rc = ecli_verb_image_prune.run(ctx, &ia);
        ecli_args_release(&ia);
        return rc;
}

const struct ecli_verb ecli_verb_system_df = {
        .name = "df", .group = "system", .usage = "[OPTIONS]", .summary = "Show cell disk usage",
        .options = df_options, .max_args = -1, .topic = ECLI_TOPIC_SYSTEM, .run = run_df,
};

const struct ecli_verb ecli_verb_system_prune = {
        .name = "prune", .group = "system", .usage = "[OPTIONS]",
        .summary = "Remove stopped containers, unused images and (with --volumes) anonymous volumes",
        .options = prune_options, .max_args = -1, .topic = ECLI_TOPIC_SYSTEM, .run = run_prune,
};
