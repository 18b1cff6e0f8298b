/* SPDX-License-Identifier: Apache-2.0 */
#include "image/reference.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "image/digest.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * One path component: alnum+ (separator alnum+)*, where a separator is '.',
 * '_', "__" or one or more '-'.  `upper` is set when an upper-case letter is
 * the only thing wrong, so the error can say "must be lowercase".
 */
static bool path_component_valid(const char *s, size_t len, bool *upper)
{
        size_t i = 0;
        if (len == 0)
                return false;
        for (size_t k = 0; k < len; k++)
                if (isupper((unsigned char)s[k]))
                        *upper = true;
        while (i < len) {
                size_t start = i;
                while (i < len && is_lower_alnum(s[i]))
                        i++;
                if (i == start)
                        return false;
                if (i == len)
                        return true;
                if (s[i] == '.' || (s[i] == '_' && (i + 1 >= len || s[i + 1] != '_')))
                        i++;
                else if (s[i] == '_')
                        i += 2;
                else if (s[i] == '-')
                        while (i < len && s[i] == '-')
                                i++;
                else
                        return false;
                if (i == len)
                        return false;
        }
        return true;
}

/* host components [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])? joined by '.', then :port. */
static bool domain_valid(const char *s, size_t len)
{
        const char *colon = memchr(s, ':', len);
        size_t host_len = colon ? (size_t)(colon - s) : len;
        if (host_len == 0)
                return false;
        size_t i = 0;
        while (i < host_len) {
                size_t start = i;
                while (i < host_len && (isalnum((unsigned char)s[i]) || s[i] == '-'))
                        i++;
                if (i == start || s[start] == '-' || s[i - 1] == '-')
                        return false;
                if (i < host_len) {
                        if (s[i] != '.' || i + 1 == host_len)
                                return false;
                        i++;
                }
        }
        if (colon) {
                size_t plen = len - host_len - 1;
                if (plen == 0 || plen > 5)
                        return false;
                for (size_t k = host_len + 1; k < len; k++)
                        if (!isdigit((unsigned char)s[k]))
                                return false;
        }
        return true;
}

static bool tag_valid(const char *t)
{
        size_t len = strlen(t);
        if (len == 0 || len > TAG_MAX_LEN)
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)t[i];
                if (!(isalnum(c) || c == '_' || (i > 0 && (c == '.' || c == '-'))))
                        return false;
        }
        return true;
}

static bool first_component_is_domain(const char *s, size_t len)
{
        if (memchr(s, '.', len) || memchr(s, ':', len))
                return true;
        if (len == 9 && memcmp(s, "localhost", 9) == 0)
                return true;
        for (size_t i = 0; i < len; i++)
                if (isupper((unsigned char)s[i]))
                        return true;
        return false;
}

bool cell_ref_has_domain(const char *s)
{
        const char *slash = strchr(s, '/');
        return slash && first_component_is_domain(s, (size_t)(slash - s));
}

static bool is_hex64(const char *s)
{
        if (strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

static int bad(struct cell_error *err, const char *s, const char *why)
{
        return cell_error_set(err, 0, "invalid reference \"%s\": %s", s, why);
}

/* Check the repository part `name` ("[domain/]path") and split it into out. */
static int parse_name(const char *s, const char *name, struct cell_ref *out, struct cell_error *err)
{
        size_t len = strlen(name);
        if (len == 0)
                return bad(err, s, "empty repository name");
        if (len > NAME_MAX_LEN)
                return bad(err, s, "repository name longer than 255 characters");
        const char *path = name;
        const char *slash = strchr(name, '/');
        if (slash && first_component_is_domain(name, (size_t)(slash - name))) {
                if (!domain_valid(name, (size_t)(slash - name)))
                        return bad(err, s, "invalid registry domain");
                out->domain = xstrndup(name, (size_t)(slash - name));
                path = slash + 1;
        } else {
                out->domain = xstrdup("docker.io");
        }
        if (strcmp(out->domain, "index.docker.io") == 0) {
                free(out->domain);
                out->domain = xstrdup("docker.io");
        }
        bool upper = false;
        const char *p = path;
        for (;;) {
                const char *end = strchr(p, '/');
                size_t clen = end ? (size_t)(end - p) : strlen(p);
                if (!path_component_valid(p, clen, &upper))
                        return bad(err, s,
                                   upper ? "repository name must be lowercase"
                                         : "invalid repository name");
                if (!end)
                        break;
                p = end + 1;
        }
        if (strcmp(out->domain, "docker.io") == 0 && !strchr(path, '/'))
                out->path = xasprintf("library/%s", path);
        else
                out->path = xstrdup(path);
        /* Docker checks the length of the normalized name: "docker.io/library/" counts too,
         * or the full form of an accepted short name would not parse. */
        if (strlen(out->domain) + 1 + strlen(out->path) > NAME_MAX_LEN)
                return bad(err, s, "repository name longer than 255 characters");
        return 0;
}

int cell_ref_parse(const char *s, struct cell_ref *out, struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        if (!s || !*s)
                return cell_error_set(err, 0, "invalid reference \"\": empty");
        _cleanup_free_ char *copy = xstrdup(s);
        char *at = strchr(copy, '@');
        if (at) {
                *at = '\0';
                if (!cell_digest_valid(at + 1))
                        return bad(err, s, "invalid digest (want sha256:<64 lowercase hex>)");
                out->digest = xstrdup(at + 1);
        }
        /* A ':' after the last '/' starts the tag; one before it is a port. */
        char *last_slash = strrchr(copy, '/');
        char *colon = strrchr(last_slash ? last_slash : copy, ':');
        if (colon) {
                *colon = '\0';
                if (!tag_valid(colon + 1)) {
                        cell_ref_release(out);
                        return bad(err, s, "invalid tag");
                }
                out->tag = xstrdup(colon + 1);
        }
        if (!strchr(copy, '/') && is_hex64(copy)) {
                cell_ref_release(out);
                return bad(err, s, "a repository name cannot be 64 hexadecimal characters");
        }
        if (parse_name(s, copy, out, err) < 0) {
                cell_ref_release(out);
                return -1;
        }
        if (!out->tag && !out->digest)
                out->tag = xstrdup("latest");
        return 0;
}

char *cell_ref_repository(const struct cell_ref *r)
{
        return xasprintf("%s/%s", r->domain, r->path);
}

char *cell_ref_string(const struct cell_ref *r)
{
        return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "",
                         r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}

void cell_ref_release(struct cell_ref *r)
{
        if (!r)
                return;
        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        memset(r, 0, sizeof(*r));
}
