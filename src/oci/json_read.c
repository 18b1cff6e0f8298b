/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/json_read.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/xalloc.h"

static size_t path_render(const struct oci_path *path, char *buf, size_t size)
{
        if (!path)
                return 0;
        size_t n = path_render(path->parent, buf, size);
        int w;
        if (!path->key)
                w = snprintf(buf + n, size - n, "[%zu]", path->index);
        else
                w = snprintf(buf + n, size - n, "%s%s", n ? "." : "", path->key);
        if (w < 0)
                return n;
        n += (size_t)w;
        return n < size ? n : size - 1;
}

void oci_path_format(const struct oci_path *path, char *buf, size_t size)
{
        if (size == 0)
                return;
        buf[0] = '\0';
        path_render(path, buf, size);
}

int oci_error(struct cell_error *err, const struct oci_path *path, const char *fmt, ...)
{
        char where[512], what[CELL_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        oci_path_format(path, where, sizeof(where));
        if (where[0])
                return cell_error_set(err, 0, "%s: %s", where, what);
        return cell_error_set(err, 0, "%s", what);
}

json_object *oci_member(json_object *obj, const char *key)
{
        json_object *v = NULL;
        if (!json_object_object_get_ex(obj, key, &v))
                return NULL;
        return v;
}

int oci_expect_object(json_object *v, const struct oci_path *path, struct cell_error *err)
{
        if (!json_object_is_type(v, json_type_object))
                return oci_error(err, path, "must be an object");
        return 0;
}

int oci_expect_array(json_object *v, const struct oci_path *path, size_t *len,
                     struct cell_error *err)
{
        if (!json_object_is_type(v, json_type_array))
                return oci_error(err, path, "must be an array");
        *len = json_object_array_length(v);
        return 0;
}

int oci_get_cstring(json_object *v, const struct oci_path *path, const char **out,
                    struct cell_error *err)
{
        if (!json_object_is_type(v, json_type_string))
                return oci_error(err, path, "must be a string");
        const char *s = json_object_get_string(v);
        if (strlen(s) != (size_t)json_object_get_string_len(v))
                return oci_error(err, path, "contains a NUL byte");
        *out = s;
        return 0;
}

int oci_get_string(json_object *v, const struct oci_path *path, char **out, struct cell_error *err)
{
        const char *s;
        if (oci_get_cstring(v, path, &s, err) < 0)
                return -1;
        free(*out);
        *out = xstrdup(s);
        return 0;
}

int oci_get_bool(json_object *v, const struct oci_path *path, bool *out, struct cell_error *err)
{
        if (!json_object_is_type(v, json_type_boolean))
                return oci_error(err, path, "must be a boolean");
        *out = json_object_get_boolean(v);
        return 0;
}

/*
 * json-c stores integers above INT64_MAX as uint64.  It would saturate
 * anything beyond UINT64_MAX / below INT64_MIN, but tokenize() (spec.c)
 * refuses such literals, so every integer seen here is exact.
 */
int oci_get_int64(json_object *v, const struct oci_path *path, int64_t *out, struct cell_error *err)
{
        if (!json_object_is_type(v, json_type_int))
                return oci_error(err, path, "must be an integer");
        int64_t i = json_object_get_int64(v);
        if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
                return oci_error(err, path, "%" PRIu64 " is out of range (at most %" PRId64 ")",
                                 json_object_get_uint64(v), INT64_MAX);
        *out = i;
        return 0;
}

int oci_get_uint64(json_object *v, const struct oci_path *path, uint64_t *out,
                   struct cell_error *err)
{
        if (!json_object_is_type(v, json_type_int))
                return oci_error(err, path, "must be an integer");
        int64_t i = json_object_get_int64(v);
        if (i < 0)
                return oci_error(err, path, "%" PRId64 " is out of range (must not be negative)",
                                 i);
        *out = json_object_get_uint64(v);
        return 0;
}

int oci_get_int_range(json_object *v, const struct oci_path *path, int64_t min, int64_t max,
                      int64_t *out, struct cell_error *err)
{
        int64_t i;
        if (oci_get_int64(v, path, &i, err) < 0)
                return -1;
        if (i < min || i > max)
                return oci_error(err, path,
                                 "%" PRId64 " is out of range (%" PRId64 "..%" PRId64 ")", i, min,
                                 max);
        *out = i;
        return 0;
}

int oci_get_uint32(json_object *v, const struct oci_path *path, uint32_t *out,
                   struct cell_error *err)
{
        int64_t i;
        if (oci_get_int_range(v, path, 0, UINT32_MAX, &i, err) < 0)
                return -1;
        *out = (uint32_t)i;
        return 0;
}

int oci_get_id(json_object *v, const struct oci_path *path, const char *kind, uint32_t *out,
               struct cell_error *err)
{
        if (!json_object_is_type(v, json_type_int))
                return oci_error(err, path, "must be an integer");
        int64_t i = json_object_get_int64(v);
        if (i < 0 || i > (int64_t)CELL_ID_MAX) {
                /* i is INT64_MAX for anything above it: print the uint64. */
                if (i < 0)
                        return oci_error(err, path,
                                         "%" PRId64 " is not a valid %s id (0..%" PRIu32 ")", i,
                                         kind, CELL_ID_MAX);
                return oci_error(err, path, "%" PRIu64 " is not a valid %s id (0..%" PRIu32 ")",
                                 json_object_get_uint64(v), kind, CELL_ID_MAX);
        }
        *out = (uint32_t)i;
        return 0;
}

int oci_get_strv(json_object *v, const struct oci_path *path, char ***out, size_t *n,
                 struct cell_error *err)
{
        size_t len;
        if (!json_object_is_type(v, json_type_array))
                return oci_error(err, path, "must be an array of strings");
        len = json_object_array_length(v);
        oci_strv_free(*out, *n);
        *out = xcalloc(len + 1, sizeof(char *));
        *n = len;
        for (size_t i = 0; i < len; i++) {
                const char *s;
                if (oci_get_cstring(json_object_array_get_idx(v, i), OCI_INDEX(path, i), &s, err) <
                    0)
                        return -1;
                (*out)[i] = xstrdup(s);
        }
        return 0;
}

int oci_get_key_values(json_object *v, const struct oci_path *path, struct cell_key_value **out,
                       size_t *n, struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0)
                return -1;
        oci_key_values_free(*out, *n);
        *n = 0;
        *out = xcalloc((size_t)json_object_object_length(v) + 1, sizeof(**out));
        json_object_object_foreach(v, key, val)
        {
                const char *s;
                if (oci_get_cstring(val, OCI_KEY(path, key), &s, err) < 0)
                        return -1;
                (*out)[*n].key = xstrdup(key);
                (*out)[*n].value = xstrdup(s);
                (*n)++;
        }
        return 0;
}

/* Shared head of the oci_field_*() readers: 1 = present, 0 = absent, -1 = error. */
static int field_lookup(json_object *obj, const struct oci_path *parent, const char *key,
                        bool required, json_object **v, struct cell_error *err)
{
        *v = oci_member(obj, key);
        if (*v)
                return 1;
        if (required)
                return oci_error(err, OCI_KEY(parent, key), "required");
        return 0;
}

int oci_field_string(json_object *obj, const struct oci_path *parent, const char *key,
                     bool required, char **out, struct cell_error *err)
{
        json_object *v;
        int r = field_lookup(obj, parent, key, required, &v, err);
        if (r <= 0)
                return r;
        return oci_get_string(v, OCI_KEY(parent, key), out, err) < 0 ? -1 : 1;
}

int oci_field_abs_path(json_object *obj, const struct oci_path *parent, const char *key,
                       bool required, char **out, struct cell_error *err)
{
        int r = oci_field_string(obj, parent, key, required, out, err);
        if (r <= 0)
                return r;
        if ((*out)[0] != '/')
                return oci_error(err, OCI_KEY(parent, key), "must be an absolute path, got \"%s\"",
                                 *out);
        return 1;
}

int oci_field_bool(json_object *obj, const struct oci_path *parent, const char *key, bool *out,
                   struct cell_error *err)
{
        json_object *v;
        int r = field_lookup(obj, parent, key, false, &v, err);
        if (r <= 0)
                return r;
        return oci_get_bool(v, OCI_KEY(parent, key), out, err) < 0 ? -1 : 1;
}

int oci_field_int64(json_object *obj, const struct oci_path *parent, const char *key, bool required,
                    int64_t *out, struct cell_error *err)
{
        json_object *v;
        int r = field_lookup(obj, parent, key, required, &v, err);
        if (r <= 0)
                return r;
        return oci_get_int64(v, OCI_KEY(parent, key), out, err) < 0 ? -1 : 1;
}

int oci_field_uint64(json_object *obj, const struct oci_path *parent, const char *key,
                     bool required, uint64_t *out, struct cell_error *err)
{
        json_object *v;
        int r = field_lookup(obj, parent, key, required, &v, err);
        if (r <= 0)
                return r;
        return oci_get_uint64(v, OCI_KEY(parent, key), out, err) < 0 ? -1 : 1;
}

int oci_field_uint32(json_object *obj, const struct oci_path *parent, const char *key,
                     bool required, uint32_t *out, struct cell_error *err)
{
        json_object *v;
        int r = field_lookup(obj, parent, key, required, &v, err);
        if (r <= 0)
                return r;
        return oci_get_uint32(v, OCI_KEY(parent, key), out, err) < 0 ? -1 : 1;
}

int oci_field_id(json_object *obj, const struct oci_path *parent, const char *key, const char *kind,
                 bool required, uint32_t *out, struct cell_error *err)
{
        json_object *v;
        int r = field_lookup(obj, parent, key, required, &v, err);
        if (r <= 0)
                return r;
        return oci_get_id(v, OCI_KEY(parent, key), kind, out, err) < 0 ? -1 : 1;
}

int oci_field_int_range(json_object *obj, const struct oci_path *parent, const char *key,
                        int64_t min, int64_t max, int64_t *out, struct cell_error *err)
{
        json_object *v;
        int r = field_lookup(obj, parent, key, false, &v, err);
        if (r <= 0)
                return r;
        return oci_get_int_range(v, OCI_KEY(parent, key), min, max, out, err) < 0 ? -1 : 1;
}

int oci_field_strv(json_object *obj, const struct oci_path *parent, const char *key, char ***out,
                   size_t *n, struct cell_error *err)
{
        json_object *v;
        int r = field_lookup(obj, parent, key, false, &v, err);
        if (r <= 0)
                return r;
        return oci_get_strv(v, OCI_KEY(parent, key), out, n, err) < 0 ? -1 : 1;
}

void oci_strv_free(char **v, size_t n)
{
        if (!v)
                return;
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

void oci_key_values_free(struct cell_key_value *kv, size_t n)
{
        if (!kv)
                return;
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}
