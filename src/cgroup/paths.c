/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a container's cgroup lives on each hierarchy (runc's cgroupfs rules,
 * see cell_cg_derive_path in internal.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

char *cell_cg_clean_path(const char *path)
{
        size_t len = strlen(path);
        char *out = xmalloc(len + 2);
        size_t o = 0;
        const char *p = path;
        while (*p) {
                p += strspn(p, "/");
                size_t n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.')) {
                        p += n;
                        continue;
                }
                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--; /* the '/' before the dropped component */
                        p += n;
                        continue;
                }
                out[o++] = '/';
                memcpy(out + o, p, n);
                o += n;
                p += n;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = '\0';
        return out;
}

/* "name=systemd" out of a key or a /proc/self/cgroup list, or "" when none. */
static const char *named_part(const char *list, size_t *len)
{
        const char *name = strstr(list, "name=");
        if (!name) {
                *len = 0;
                return "";
        }
        *len = strcspn(name, ",:\n");
        return name;
}

/* `exact`: the list as written equals the key; else the same controllers and name. */
static bool line_matches(const char *list, size_t list_len, const struct cell_cg_mount *m,
                         bool exact)
{
        if (m->v2)
                return list_len == 0;
        if (exact)
                return list_len > 0 && !strncmp(list, m->key, list_len) && m->key[list_len] == '\0';
        _cleanup_free_ char *copy = xstrndup(list, list_len);
        size_t a_len, b_len;
        const char *a = named_part(copy, &a_len), *b = named_part(m->key, &b_len);
        return list_len > 0 && cell_cg_controller_mask(copy, false) == m->controllers &&
               a_len == b_len && !strncmp(a, b, a_len);
}

int cell_cg_own_path(const char *proc_self_cgroup, const struct cell_cg_mount *m, char **out,
                     struct cell_error *err)
{
        /* The kernel lists a hierarchy's controllers in the same order in
         * /proc/self/cgroup and in its mount options (the key), so an exact
         * match is tried first; comparing controller sets is the fallback. */
        for (int exact = 1; exact >= 0; exact--) {
                const char *line = proc_self_cgroup;
                while (*line) {
                        size_t len = strcspn(line, "\n");
                        const char *c1 = memchr(line, ':', len);
                        const char *c2 =
                                c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
                        if (c2 && line_matches(c1 + 1, (size_t)(c2 - c1 - 1), m, exact)) {
                                *out = xstrndup(c2 + 1, len - (size_t)(c2 + 1 - line));
                                return 0;
                        }
                        line += len;
                        line += *line == '\n';
                }
        }
        return cell_error_set(err, ENOENT,
                              "cgroup hierarchy %s (%s) not listed in /proc/self/cgroup",
                              m->v2 ? "cgroup2" : m->key, m->mount_point);
}

/* `own` relative to the mount's root, or NULL when the mount does not show it. */
static const char *below_root(const char *own, const char *mount_root)
{
        size_t n = strlen(mount_root);
        while (n > 0 && mount_root[n - 1] == '/')
                n--;
        if (strncmp(own, mount_root, n) != 0 || (own[n] != '/' && own[n] != '\0'))
                return NULL;
        return own + n;
}

int cell_cg_derive_path(const char *cgroups_path, const char *id, const char *own,
                        const char *mount_root, bool v2, char **out, struct cell_error *err)
{
        _cleanup_free_ char *result = NULL;
        if (cgroups_path && cgroups_path[0] == '/') {
                result = cell_cg_clean_path(cgroups_path);
        } else {
                const char *base = below_root(own, mount_root);
                if (!base)
                        return cell_error_set(err, 0,
                                              "own cgroup %s is outside the hierarchy's mount "
                                              "(root %s)",
                                              own, mount_root);
                _cleanup_free_ char *parent = cell_cg_clean_path(base);
                if (v2) {
                        char *slash = strrchr(parent, '/');
                        slash[slash == parent ? 1 : 0] = '\0';
                }
                /* As runc's CleanPath: ".." in a relative path stops at its start. */
                _cleanup_free_ char *rel =
                        cell_cg_clean_path(cgroups_path && cgroups_path[0] ? cgroups_path : id);
                _cleanup_free_ char *joined = xasprintf("%s%s", parent, rel);
                result = cell_cg_clean_path(joined);
        }
        if (!strcmp(result, "/"))
                return cell_error_set(err, 0, "linux.cgroupsPath: %s resolves to the root cgroup",
                                      cgroups_path ? cgroups_path : id);
        *out = steal_ptr(result);
        return 0;
}
