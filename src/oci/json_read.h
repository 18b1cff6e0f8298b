/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_OCI_JSON_READ_H
#define CELL_OCI_JSON_READ_H

/*
 * Typed readers for json-c values, private to src/oci/.
 *
 * Every reader takes the JSON path of the value as a chain of stack frames
 * (`struct oci_path`), which is only rendered into text when an error is
 * reported, so a successful parse never formats a path.  Errors read
 * "<path>: <problem>", e.g. "process.capabilities.bounding[1]: unknown
 * capability \"CAP_FOO\"".
 *
 * JSON null is treated as "absent", as Go's encoding/json (and so runc) does.
 *
 * The oci_field_*() variants look `key` up in an object: they return 1 when
 * the field was present and stored, 0 when it is absent (nothing stored, or
 * an error when `required`), -1 on error.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"
#include "util/error.h"

struct oci_path {
        const struct oci_path *parent;
        const char *key; /* NULL: an array element, `index` is used */
        size_t index;
};

/* A path frame living until the end of the enclosing block. */
#define OCI_KEY(parent_, key_) (&(const struct oci_path){.parent = (parent_), .key = (key_)})
#define OCI_INDEX(parent_, i_) (&(const struct oci_path){.parent = (parent_), .index = (i_)})

/* Render `path` ("linux.namespaces[2].type") into buf. */
void oci_path_format(const struct oci_path *path, char *buf, size_t size);

/* Set err to "<path>: <message>".  Returns -1. */
int oci_error(struct cell_error *err, const struct oci_path *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The member `key` of `obj`, or NULL when absent or null. */
json_object *oci_member(json_object *obj, const char *key);

int oci_expect_object(json_object *v, const struct oci_path *path, struct cell_error *err);
/* Checks that `v` is an array and stores its length. */
int oci_expect_array(json_object *v, const struct oci_path *path, size_t *len,
                     struct cell_error *err);

/*
 * Value readers: 0 on success, -1 (err set) on a wrong type or range.
 *
 * Every string reader refuses a string with a NUL inside ("\u0000" is valid
 * JSON and json-c keeps it): C would silently cut the string there, so
 * "/dev/mqueue\u0000/../../x" would mount at /dev/mqueue and an env entry
 * "TERM=x\u0000LD_PRELOAD=/x" become "TERM=x".  Error: "<path>: contains a
 * NUL byte".  Object keys with a NUL are refused when the text is tokenized.
 */
/* The text of a string value, borrowed from `v`. */
int oci_get_cstring(json_object *v, const struct oci_path *path, const char **out,
                    struct cell_error *err);
int oci_get_string(json_object *v, const struct oci_path *path, char **out, struct cell_error *err);
int oci_get_bool(json_object *v, const struct oci_path *path, bool *out, struct cell_error *err);
int oci_get_int64(json_object *v, const struct oci_path *path, int64_t *out,
                  struct cell_error *err);
int oci_get_uint64(json_object *v, const struct oci_path *path, uint64_t *out,
                   struct cell_error *err);
/* An integer within [min, max]. */
int oci_get_int_range(json_object *v, const struct oci_path *path, int64_t min, int64_t max,
                      int64_t *out, struct cell_error *err);
int oci_get_uint32(json_object *v, const struct oci_path *path, uint32_t *out,
                   struct cell_error *err);
/*
 * A user or group id the kernel can set: 0..CELL_ID_MAX.  4294967295 is
 * (uid_t)-1, which setresuid(2)/setresgid(2)/chown(2) read as "leave
 * unchanged": a process.user.uid of 4294967295 would run as root.  `kind`
 * ("user", "group") words the error: "process.user.uid: 4294967295 is not a
 * valid user id (0..4294967294)".  runc 1.1 is stricter for process.user
 * (0..2147483647, "uids and gids must be in range"); cell allows every id
 * the kernel can set, as user namespaces may map ids above 2^31.
 */
#define CELL_ID_MAX UINT32_C(4294967294)
int oci_get_id(json_object *v, const struct oci_path *path, const char *kind, uint32_t *out,
               struct cell_error *err);
/* An array of strings; `*out` is NULL-terminated and has `*n` entries. */
int oci_get_strv(json_object *v, const struct oci_path *path, char ***out, size_t *n,
                 struct cell_error *err);
/* An object whose values are all strings. */
int oci_get_key_values(json_object *v, const struct oci_path *path, struct cell_key_value **out,
                       size_t *n, struct cell_error *err);

int oci_field_string(json_object *obj, const struct oci_path *parent, const char *key,
                     bool required, char **out, struct cell_error *err);
/* A string that must be an absolute path. */
int oci_field_abs_path(json_object *obj, const struct oci_path *parent, const char *key,
                       bool required, char **out, struct cell_error *err);
int oci_field_bool(json_object *obj, const struct oci_path *parent, const char *key, bool *out,
                   struct cell_error *err);
int oci_field_int64(json_object *obj, const struct oci_path *parent, const char *key, bool required,
                    int64_t *out, struct cell_error *err);
int oci_field_uint64(json_object *obj, const struct oci_path *parent, const char *key,
                     bool required, uint64_t *out, struct cell_error *err);
int oci_field_uint32(json_object *obj, const struct oci_path *parent, const char *key,
                     bool required, uint32_t *out, struct cell_error *err);
int oci_field_id(json_object *obj, const struct oci_path *parent, const char *key, const char *kind,
                 bool required, uint32_t *out, struct cell_error *err);
int oci_field_int_range(json_object *obj, const struct oci_path *parent, const char *key,
                        int64_t min, int64_t max, int64_t *out, struct cell_error *err);
int oci_field_strv(json_object *obj, const struct oci_path *parent, const char *key, char ***out,
                   size_t *n, struct cell_error *err);

/*
 * Run `fn(member, path_of_member, target, err)` when member `key` of `obj` is
 * present; evaluates to fn's result, or 0 when absent.
 */
#define OCI_PARSE_MEMBER(obj, path, key, fn, target, err)                                          \
        ({                                                                                         \
                json_object *oci_member_ = oci_member((obj), (key));                               \
                oci_member_ ? fn(oci_member_, OCI_KEY((path), (key)), (target), (err)) : 0;        \
        })

/* Release helpers for the parsed model (NULL/0 safe). */
void oci_strv_free(char **v, size_t n);
void oci_key_values_free(struct cell_key_value *kv, size_t n);

#endif
