/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A handle as a string for the container's state file, so that `delete` in
 * a later process finds every directory without the spec:
 *
 *   {"mode":"hybrid","dirs":[{"key":"memory","mount":"/sys/fs/cgroup/memory",
 *     "path":"/sys/fs/cgroup/memory/x","made":1}, ..., {"key":"","v2":true,...}]}
 *
 * "made": how many levels of "path", leaf up, cell created (0: it joined a
 * directory that existed).  Absent in a plan saved before the directories
 * were made and in state of older builds: unknown (CELL_CG_MADE_UNKNOWN).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static void json_freep(json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_freep)

char *cell_cgroup_to_string(const struct cell_cgroup *cg)
{
        _cleanup_json_ json_object *root = json_object_new_object();
        json_object *dirs = json_object_new_array();
        json_object_object_add(root, "mode",
                               json_object_new_string(cell_cgroup_mode_name(cg->mode)));
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const struct cell_cgroup_dir *d = &cg->dirs[i];
                json_object *o = json_object_new_object();
                json_object_object_add(o, "key", json_object_new_string(d->key));
                json_object_object_add(o, "mount", json_object_new_string(d->mount_point));
                json_object_object_add(o, "path", json_object_new_string(d->path));
                if (d->driver == &cell_cg_driver_v2)
                        json_object_object_add(o, "v2", json_object_new_boolean(1));
                if (d->made != CELL_CG_MADE_UNKNOWN)
                        json_object_object_add(o, "made", json_object_new_int(d->made));
                json_object_array_add(dirs, o);
        }
        json_object_object_add(root, "dirs", dirs);
        return xstrdup(json_object_to_json_string_ext(
                root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static enum cell_cgroup_mode mode_from_name(const char *name)
{
        static const enum cell_cgroup_mode modes[] = {CELL_CGROUP_MODE_V1, CELL_CGROUP_MODE_V2,
                                                      CELL_CGROUP_MODE_HYBRID};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(modes); i++)
                if (!strcmp(name, cell_cgroup_mode_name(modes[i])))
                        return modes[i];
        return CELL_CGROUP_MODE_NONE;
}

static const char *get_string(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int load_dir(struct cell_cgroup *cg, json_object *o, struct cell_error *err)
{
        const char *key = get_string(o, "key"), *mount = get_string(o, "mount");
        const char *path = get_string(o, "path");
        json_object *v2_flag, *made_v;
        bool v2 = json_object_object_get_ex(o, "v2", &v2_flag) && json_object_get_boolean(v2_flag);
        int made = CELL_CG_MADE_UNKNOWN;
        if (json_object_object_get_ex(o, "made", &made_v)) {
                if (!json_object_is_type(made_v, json_type_int))
                        return cell_error_set(err, 0, "cgroup state: \"made\" is not a number");
                int64_t m = json_object_get_int64(made_v);
                if (m < 0 || m > 4096)
                        return cell_error_set(err, 0, "cgroup state: \"made\" out of range");
                made = (int)m;
        }
        if (!key || !mount || !path || path[0] != '/')
                return cell_error_set(err, 0, "cgroup state: bad directory entry");
        cg->dirs = xreallocarray(cg->dirs, cg->n_dirs + 1, sizeof(*cg->dirs));
        cg->dirs[cg->n_dirs++] = (struct cell_cgroup_dir){
                .driver = v2 ? &cell_cg_driver_v2 : &cell_cg_driver_v1,
                .key = xstrdup(key),
                .path = xstrdup(path),
                .mount_point = xstrdup(mount),
                .controllers = v2 ? 0 : cell_cg_controller_mask(key, false),
                .fd = -1,
                .made = made,
                .named_levels = 0,
        };
        return 0;
}

/* The v2 directory serves what no v1 directory of the handle serves. */
static void assign_v2_controllers(struct cell_cgroup *cg)
{
        unsigned v1 = 0;
        for (size_t i = 0; i < cg->n_dirs; i++)
                v1 |= cg->dirs[i].controllers;
        struct cell_cgroup_dir *d = cell_cg_dir_v2(cg);
        if (d)
                d->controllers = cell_cg_v2_share(v1);
}

int cell_cgroup_from_string(const char *s, struct cell_cgroup **out, struct cell_error *err)
{
        *out = NULL;
        _cleanup_json_ json_object *root = json_tokener_parse(s);
        json_object *dirs;
        const char *mode = root ? get_string(root, "mode") : NULL;
        if (!mode || !json_object_object_get_ex(root, "dirs", &dirs) ||
            !json_object_is_type(dirs, json_type_array))
                return cell_error_set(err, 0, "cgroup state: not a cgroup handle: %.80s", s);
        struct cell_cgroup *cg = xzalloc(sizeof(*cg));
        cg->mode = mode_from_name(mode);
        for (size_t i = 0; i < json_object_array_length(dirs); i++) {
                if (load_dir(cg, json_object_array_get_idx(dirs, i), err) < 0) {
                        cell_cgroup_free(cg);
                        return -1;
                }
        }
        assign_v2_controllers(cg);
        /* clone_fd is only needed while creating; a restored handle has none. */
        *out = cg;
        return 0;
}
