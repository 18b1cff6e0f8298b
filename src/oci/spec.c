/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json entry points: tokenizing, the top-level fields (ociVersion,
 * root, hostname, annotations), checks that span sections, and release.
 * Unknown fields are ignored at every level, as the runtime-spec requires.
 */
#include "oci/spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/parse.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Nesting limit for the tokenizer; config.json is at most ~8 levels deep. */
#define OCI_JSON_MAX_DEPTH 64

/* Line and column (1-based) of byte `offset` in `text`. */
static void text_position(const char *text, size_t offset, size_t *line, size_t *column)
{
        *line = 1;
        *column = 1;
        for (size_t i = 0; i < offset; i++) {
                if (text[i] == '\n') {
                        (*line)++;
                        *column = 1;
                } else {
                        (*column)++;
                }
        }
}

static size_t skip_space(const char *text, size_t i, size_t len)
{
        while (i < len && isspace((unsigned char)text[i]))
                i++;
        return i;
}

/* The string starting at text[i] == '"': the index of its closing quote. */
static size_t string_end(const char *text, size_t i, size_t len, bool *has_nul)
{
        /* Most strings have no escape: two memchr()s instead of a byte loop. */
        const char *quote = memchr(text + i + 1, '"', len - i - 1);
        if (quote && !memchr(text + i + 1, '\\', (size_t)(quote - text) - i - 1))
                return (size_t)(quote - text);
        for (i++; i < len && text[i] != '"'; i++) {
                if (text[i] != '\\')
                        continue;
                if (len - i > 5 && memcmp(text + i + 1, "u0000", 5) == 0)
                        *has_nul = true;
                i++;
        }
        return i;
}

/* Whether the integer literal text[start..end) fits in int64 (negative) or uint64. */
static bool integer_fits(const char *text, size_t start, size_t end)
{
        char buf[32];
        if (end - start >= sizeof(buf))
                return false; /* strict JSON has no leading zeros: > 30 digits */
        memcpy(buf, text + start, end - start);
        buf[end - start] = '\0';
        errno = 0;
        if (buf[0] == '-')
                (void)strtoll(buf, NULL, 10);
        else
                (void)strtoull(buf, NULL, 10);
        return errno != ERANGE;
}

static int scan_error(const char *text, size_t offset, struct cell_error *err, const char *what,
                      int width)
{
        size_t line, column;
        text_position(text, offset, &line, &column);
        width = width > 64 ? 64 : width; /* enough to recognize it */
        return cell_error_set(err, 0, "invalid JSON: %s%.*s at line %zu, column %zu", what, width,
                              text + offset, line, column);
}

/*
 * What json-c loses while tokenizing, looked for in the (valid) text: an
 * object key with "\u0000" (json-c cuts keys at the NUL, so "env\u0000x"
 * would silently be "env"; NULs in values are refused by the readers of
 * json_read.h, which name the field) and an integer beyond 64 bits (json-c
 * saturates 18446744073709551616 to UINT64_MAX, which for an rlimit means
 * unlimited).  One pass over the text, ~3% of the cost of parsing it.
 */
static int scan_lost_values(const char *text, size_t len, struct cell_error *err)
{
        for (size_t i = 0; i < len; i++) {
                size_t start = i;
                if (text[i] == '"') {
                        bool nul = false;
                        i = string_end(text, i, len, &nul);
                        size_t next = skip_space(text, i + 1, len);
                        if (nul && next < len && text[next] == ':')
                                return scan_error(
                                        text, start, err,
                                        "object key contains a NUL byte: ", (int)(i + 1 - start));
                } else if (text[i] == '-' || isdigit((unsigned char)text[i])) {
                        bool integer = true;
                        while (i + 1 < len && (isdigit((unsigned char)text[i + 1]) ||
                                               strchr("+-.eE", text[i + 1]))) {
                                integer = integer && isdigit((unsigned char)text[i + 1]);
                                i++;
                        }
                        if (integer && !integer_fits(text, start, i + 1))
                                return scan_error(text, start, err,
                                                  "integer out of range (more than 64 bits): ",
                                                  (int)(i + 1 - start));
                }
        }
        return 0;
}

/* Tokenize a whole document (strict JSON); the result must be an object. */
static int tokenize(const char *json, size_t len, json_object **out, struct cell_error *err)
{
        if (len > INT32_MAX)
                return cell_error_set(err, 0, "invalid JSON: document too large (%zu bytes)", len);
        json_tokener *tok = json_tokener_new_ex(OCI_JSON_MAX_DEPTH);
        if (!tok)
                return cell_error_set(err, 0, "invalid JSON: cannot allocate tokenizer");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        json_object *root = json_tokener_parse_ex(tok, json, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);

        if (jerr == json_tokener_continue || (jerr == json_tokener_success && !root))
                return cell_error_set(err, 0, "invalid JSON: unexpected end of input");
        if (jerr != json_tokener_success) {
                size_t line, column;
                /* The tokener stops at the offending character. */
                text_position(json, end < len ? end : len, &line, &column);
                return cell_error_set(err, 0, "invalid JSON: %s at line %zu, column %zu",
                                      json_tokener_error_desc(jerr), line, column);
        }
        for (size_t i = end; i < len; i++) {
                if (!isspace((unsigned char)json[i])) {
                        json_object_put(root);
                        return cell_error_set(err, 0, "invalid JSON: trailing data at offset %zu",
                                              i);
                }
        }
        if (!json_object_is_type(root, json_type_object)) {
                json_object_put(root);
                return cell_error_set(err, 0, "invalid JSON: the document must be an object");
        }
        if (scan_lost_values(json, end, err) < 0) {
                json_object_put(root);
                return -1;
        }
        *out = root;
        return 0;
}

/* "1.<minor>[.<patch>][-pre][+build]": any 1.x release or pre-release. */
static bool version_supported(const char *v)
{
        if (strncmp(v, "1.", 2) != 0 || !isdigit((unsigned char)v[2]))
                return false;
        const char *p = v + 2;
        while (isdigit((unsigned char)*p))
                p++;
        if (*p == '.') {
                if (!isdigit((unsigned char)p[1]))
                        return false;
                p++;
                while (isdigit((unsigned char)*p))
                        p++;
        }
        return *p == '\0' || *p == '-' || *p == '+';
}

static int parse_version(json_object *doc, struct cell_spec *spec, struct cell_error *err)
{
        const struct oci_path *path = OCI_KEY(NULL, "ociVersion");
        if (oci_field_string(doc, NULL, "ociVersion", true, &spec->oci_version, err) < 0)
                return -1;
        if (!version_supported(spec->oci_version))
                return oci_error(err, path, "unsupported version \"%s\" (want 1.x)",
                                 spec->oci_version);
        return 0;
}

static int parse_root(json_object *doc, struct cell_spec *spec, struct cell_error *err)
{
        const struct oci_path *path = OCI_KEY(NULL, "root");
        json_object *root = oci_member(doc, "root");
        if (!root)
                return oci_error(err, path, "required");
        if (oci_expect_object(root, path, err) < 0)
                return -1;
        if (oci_field_string(root, path, "path", true, &spec->root_path, err) < 0)
                return -1;
        if (spec->root_path[0] == '\0')
                return oci_error(err, OCI_KEY(path, "path"), "must not be empty");
        return oci_field_bool(root, path, "readonly", &spec->root_readonly, err);
}

static int parse_annotations(json_object *doc, struct cell_spec *spec, struct cell_error *err)
{
        const struct oci_path *path = OCI_KEY(NULL, "annotations");
        json_object *v = oci_member(doc, "annotations");
        if (!v)
                return 0;
        if (oci_get_key_values(v, path, &spec->annotations, &spec->n_annotations, err) < 0)
                return -1;
        for (size_t i = 0; i < spec->n_annotations; i++)
                if (spec->annotations[i].key[0] == '\0')
                        return oci_error(err, path, "keys must not be empty");
        return 0;
}

/* Rules that relate fields of different sections (runc's config validation). */
static int validate_spec(const struct cell_spec *spec, struct cell_error *err)
{
        const struct cell_linux *l = &spec->linux;
        const struct oci_path *linux_path = OCI_KEY(NULL, "linux");

        if (spec->hostname && spec->hostname[0] && !l->namespaces[CELL_NS_UTS].enabled)
                return oci_error(err, OCI_KEY(NULL, "hostname"),
                                 "cannot set a hostname without a UTS namespace");
        if (spec->domainname && spec->domainname[0] && !l->namespaces[CELL_NS_UTS].enabled)
                return oci_error(err, OCI_KEY(NULL, "domainname"),
                                 "cannot set a domainname without a UTS namespace");

        bool has_mappings = l->n_uid_mappings > 0 || l->n_gid_mappings > 0;
        const char *map_key = l->n_uid_mappings > 0 ? "uidMappings" : "gidMappings";
        const struct cell_namespace *user = &l->namespaces[CELL_NS_USER];
        if (has_mappings && !user->enabled)
                return oci_error(err, OCI_KEY(linux_path, map_key),
                                 "user namespace mappings given without a user namespace");
        if (has_mappings && user->path)
                return oci_error(err, OCI_KEY(linux_path, map_key),
                                 "cannot be combined with joining an existing user namespace "
                                 "(linux.namespaces path %s)",
                                 user->path);
        if (user->enabled && !user->path && !has_mappings)
                return oci_error(err, OCI_KEY(linux_path, "uidMappings"),
                                 "required when creating a new user namespace");
        if (l->has_time_offsets &&
            (!l->namespaces[CELL_NS_TIME].enabled || l->namespaces[CELL_NS_TIME].path))
                return oci_error(err, OCI_KEY(linux_path, "timeOffsets"),
                                 "requires a new time namespace");
        return 0;
}

static int parse_document(json_object *doc, struct cell_spec *spec, struct cell_error *err)
{
        json_object *v;
        if (parse_version(doc, spec, err) < 0 || parse_root(doc, spec, err) < 0)
                return -1;
        if (oci_field_string(doc, NULL, "hostname", false, &spec->hostname, err) < 0 ||
            oci_field_string(doc, NULL, "domainname", false, &spec->domainname, err) < 0)
                return -1;
        if ((v = oci_member(doc, "process"))) {
                spec->has_process = true;
                if (oci_parse_process(v, OCI_KEY(NULL, "process"), &spec->process, err) < 0)
                        return -1;
        }
        if ((v = oci_member(doc, "mounts")) &&
            oci_parse_mounts(v, OCI_KEY(NULL, "mounts"), &spec->mounts, &spec->n_mounts, err) < 0)
                return -1;
        if ((v = oci_member(doc, "hooks")) &&
            oci_parse_hooks(v, OCI_KEY(NULL, "hooks"), spec->hooks, err) < 0)
                return -1;
        if (parse_annotations(doc, spec, err) < 0)
                return -1;
        if ((v = oci_member(doc, "linux")) &&
            oci_parse_linux(v, OCI_KEY(NULL, "linux"), &spec->linux, err) < 0)
                return -1;
        return validate_spec(spec, err);
}

int cell_spec_parse(const char *json, size_t len, struct cell_spec **out, struct cell_error *err)
{
        json_object *doc;
        if (tokenize(json, len, &doc, err) < 0)
                return -1;
        struct cell_spec *spec = xzalloc(sizeof(*spec));
        int r = parse_document(doc, spec, err);
        json_object_put(doc);
        if (r < 0) {
                cell_spec_free(spec);
                return -1;
        }
        *out = spec;
        return 0;
}

int cell_spec_load(const char *bundle, struct cell_spec **out, struct cell_error *err)
{
        _cleanup_free_ char *path = cell_path_join(bundle, "config.json");
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (cell_read_input("config.json", path, false, &text, &len, err) < 0)
                return -1;
        if (cell_spec_parse(text, len, out, err) < 0)
                return cell_error_prefix(err, "%s", path);
        return 0;
}

int cell_process_parse(const char *json, size_t len, struct cell_process *out,
                       struct cell_error *err)
{
        json_object *doc;
        memset(out, 0, sizeof(*out));
        if (tokenize(json, len, &doc, err) < 0)
                return -1;
        int r = oci_parse_process(doc, NULL, out, err);
        json_object_put(doc);
        if (r < 0) {
                cell_process_release(out);
                return -1;
        }
        return 0;
}

int cell_resources_parse(const char *json, size_t len, struct cell_resources *out,
                         struct cell_error *err)
{
        json_object *doc;
        memset(out, 0, sizeof(*out));
        if (tokenize(json, len, &doc, err) < 0)
                return -1;
        int r = oci_parse_resources(doc, OCI_KEY(NULL, "resources"), out, err);
        json_object_put(doc);
        if (r < 0) {
                oci_resources_release(out);
                return -1;
        }
        return 0;
}

void cell_resources_release(struct cell_resources *resources)
{
        oci_resources_release(resources);
}

void cell_spec_free(struct cell_spec *spec)
{
        if (!spec)
                return;
        free(spec->oci_version);
        free(spec->root_path);
        free(spec->hostname);
        free(spec->domainname);
        oci_mounts_free(spec->mounts, spec->n_mounts);
        cell_process_release(&spec->process);
        oci_hooks_release(spec->hooks);
        oci_key_values_free(spec->annotations, spec->n_annotations);
        oci_linux_release(&spec->linux);
        free(spec);
}
