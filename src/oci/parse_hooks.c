/* SPDX-License-Identifier: Apache-2.0 */
/* The `hooks` object: one list of {path, args, env, timeout} per lifecycle point. */
#include <string.h>

#include "oci/parse.h"
#include "util/xalloc.h"

static int parse_hook(json_object *v, const struct oci_path *path, struct cell_hook *h,
                      struct cell_error *err)
{
        int64_t timeout = 0;
        if (oci_expect_object(v, path, err) < 0 ||
            oci_field_abs_path(v, path, "path", true, &h->path, err) < 0 ||
            oci_field_strv(v, path, "args", &h->args, &h->n_args, err) < 0 ||
            oci_field_strv(v, path, "env", &h->env, &h->n_env, err) < 0)
                return -1;
        int r = oci_field_int_range(v, path, "timeout", INT32_MIN, INT32_MAX, &timeout, err);
        if (r < 0)
                return -1;
        if (r > 0 && timeout <= 0)
                return oci_error(err, OCI_KEY(path, "timeout"), "must be greater than zero");
        h->timeout = (int)timeout;
        return 0;
}

static int parse_hook_list(json_object *v, const struct oci_path *path, struct cell_hook_list *list,
                           struct cell_error *err)
{
        size_t n;
        if (oci_expect_array(v, path, &n, err) < 0)
                return -1;
        list->items = xcalloc(n + 1, sizeof(*list->items));
        list->n = n;
        for (size_t i = 0; i < n; i++)
                if (parse_hook(json_object_array_get_idx(v, i), OCI_INDEX(path, i), &list->items[i],
                               err) < 0)
                        return -1;
        return 0;
}

int oci_parse_hooks(json_object *v, const struct oci_path *path,
                    struct cell_hook_list hooks[CELL_HOOK__COUNT], struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0)
                return -1;
        for (int kind = 0; kind < CELL_HOOK__COUNT; kind++) {
                const char *name = cell_hook_kind_name(kind);
                json_object *list = oci_member(v, name);
                if (list && parse_hook_list(list, OCI_KEY(path, name), &hooks[kind], err) < 0)
                        return -1;
        }
        return 0;
}

void oci_hooks_release(struct cell_hook_list hooks[CELL_HOOK__COUNT])
{
        for (int kind = 0; kind < CELL_HOOK__COUNT; kind++) {
                struct cell_hook_list *list = &hooks[kind];
                for (size_t i = 0; i < list->n; i++) {
                        struct cell_hook *h = &list->items[i];
                        free(h->path);
                        oci_strv_free(h->args, h->n_args);
                        oci_strv_free(h->env, h->n_env);
                }
                free(list->items);
                list->items = NULL;
                list->n = 0;
        }
}
