/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec --cgroup`: an exec'd process placed in an existing sub-cgroup of
 * the container's cgroup, with runc's argument rules and error texts
 * (runc 1.1 exec.go getSubCgroupPaths, container_linux.go newSetnsProcess).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Whether `ctrl` is one of the comma-separated names of `key` ("cpu,cpuacct"). */
static bool key_has(const char *key, const char *ctrl, size_t len)
{
        for (const char *p = key; *p;) {
                size_t n = strcspn(p, ",");
                if (n == len && strncmp(p, ctrl, len) == 0)
                        return true;
                p += n + (p[n] == ',');
        }
        return false;
}

/*
 * "a//b/./c" -> "a/b/c"; NULL when a component is "..": runc joins and
 * cleans the path and refuses one that leaves the container's directory;
 * cell refuses every "..", which can only name that directory again or
 * leave it.
 */
static char *sub_path(const char *path)
{
        char *out = xzalloc(strlen(path) + 1);
        size_t len = 0;
        for (const char *p = path; *p;) {
                size_t n = strcspn(p, "/");
                if (n == 2 && strncmp(p, "..", 2) == 0) {
                        free(out);
                        return NULL;
                }
                if (n && !(n == 1 && p[0] == '.')) {
                        if (len)
                                out[len++] = '/';
                        memcpy(out + len, p, n);
                        len += n;
                }
                p += n + (p[n] == '/');
        }
        return out;
}

/* Point `d` at <its path>/<path>, which must be an existing directory. */
static int descend_dir(struct cell_cgroup_dir *d, const char *path, struct cell_error *err)
{
        _cleanup_free_ char *sub = sub_path(path);
        if (!sub)
                return cell_error_set(err, EINVAL, "%s is not a sub cgroup path", path);
        if (!sub[0])
                return 0;
        char *joined = cell_path_join(d->path, sub);
        struct stat st;
        int e = stat(joined, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
        if (e) {
                cell_error_set(err, e, "sub-cgroup %s: %s", joined, strerror(e));
                free(joined);
                return -1;
        }
        free(d->path);
        d->path = joined;
        d->made = 0;
        return 0;
}

/* Whether controller `name` (`len` bytes) is named in the prefix of an earlier argument. */
static bool named_before(char *const *args, size_t before, const char *name, size_t len)
{
        for (size_t a = 0; a < before; a++) {
                const char *colon = strchr(args[a], ':');
                if (!colon)
                        continue;
                _cleanup_free_ char *prefix = xasprintf("%.*s", (int)(colon - args[a]), args[a]);
                if (key_has(prefix, name, len))
                        return true;
        }
        return false;
}

/*
 * "CTRL[,CTRL...]:PATH" (args[a]): the directory of every controller named.
 * `done[i]` is 1 + the argument that moved dirs[i]: co-mounted controllers
 * ("cpu,cpuacct") share a directory, which can take only one path.
 */
static int descend_controllers(struct cell_cgroup *cg, char *const *args, size_t a, size_t *done,
                               struct cell_error *err)
{
        const char *arg = args[a];
        const char *colon = strchr(arg, ':');
        _cleanup_free_ char *prefix = xasprintf("%.*s", (int)(colon - arg), arg);
        for (const char *p = prefix;; p++) {
                size_t n = strcspn(p, ",");
                if (n == 0)
                        return cell_error_set(err, EINVAL,
                                              "invalid --cgroup argument: %s (empty <controller> "
                                              "prefix)",
                                              arg);
                if (named_before(args, a, p, n) || (p[n] && key_has(p + n + 1, p, n)))
                        return cell_error_set(err, EINVAL,
                                              "invalid --cgroup argument(s): controller %.*s "
                                              "specified multiple times",
                                              (int)n, p);
                size_t i = 0;
                while (i < cg->n_dirs && !key_has(cg->dirs[i].key, p, n))
                        i++;
                if (i == cg->n_dirs)
                        return cell_error_set(err, EINVAL,
                                              "unknown controller %.*s in SubCgroupPaths", (int)n,
                                              p);
                if (done[i] && strcmp(strchr(args[done[i] - 1], ':'), colon) != 0)
                        return cell_error_set(err, EINVAL,
                                              "invalid --cgroup argument: %s (controller %.*s "
                                              "shares hierarchy %s with another argument)",
                                              arg, (int)n, p, cg->dirs[i].key);
                if (!done[i] && descend_dir(&cg->dirs[i], colon + 1, err) < 0)
                        return -1;
                done[i] = a + 1;
                p += n;
                if (!*p)
                        return 0;
        }
}

int cell_cgroup_descend(struct cell_cgroup *cg, char *const *args, struct cell_error *err)
{
        size_t n_args = 0;
        while (args && args[n_args])
                n_args++;
        if (!n_args)
                return 0;
        if (!cg || !cg->n_dirs)
                return cell_error_set(err, EINVAL, "--cgroup: the container has no cgroup");
        _cleanup_free_ size_t *done = xzalloc(cg->n_dirs * sizeof(*done));
        for (size_t a = 0; a < n_args; a++) {
                const char *arg = args[a];
                const char *colon = strchr(arg, ':');
                if (colon && strchr(colon + 1, ':'))
                        return cell_error_set(err, EINVAL, "invalid --cgroup argument: %s", arg);
                if (colon) {
                        if (descend_controllers(cg, args, a, done, err) < 0)
                                return -1;
                        continue;
                }
                if (n_args != 1)
                        return cell_error_set(err, EINVAL,
                                              "invalid --cgroup argument: %s (missing "
                                              "<controller>: prefix)",
                                              arg);
                /* One path for every hierarchy (on cgroup v2 the only way). */
                for (size_t i = 0; i < cg->n_dirs; i++)
                        if (descend_dir(&cg->dirs[i], arg, err) < 0)
                                return -1;
        }
        return 0;
}
