/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/output.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Remove ".<base>.cell-tmp-<pid>-*" in `dir` whose process is gone. */
static void remove_stale(const char *dir, const char *base)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return;
        _cleanup_free_ char *prefix = xasprintf(".%s.cell-tmp-", base);
        size_t plen = strlen(prefix);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strncmp(de->d_name, prefix, plen) != 0)
                        continue;
                char *end;
                long pid = strtol(de->d_name + plen, &end, 10);
                if (end == de->d_name + plen || *end != '-' || pid <= 0)
                        continue;
                if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
                        continue;
                struct cell_error ignored;
                cell_remove_tree_at(dirfd(d), de->d_name, &ignored);
        }
}

int cell_output_begin(const char *path, bool dir, struct cell_output *out, struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        out->fd = -1;
        _cleanup_free_ char *d = xstrdup(path), *b = xstrdup(path);
        const char *parent = dirname(d), *base = basename(b);
        remove_stale(parent, base);
        out->path = xstrdup(path);
        out->dir = dir;
        out->tmp = xasprintf("%s/.%s.cell-tmp-%d-XXXXXX", parent, base, (int)getpid());
        if (dir) {
                if (!mkdtemp(out->tmp) ||
                    (out->fd = open(out->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                        cell_error_errno(err, "create a temporary directory beside %s", path);
                        cell_output_abort(out);
                        return -1;
                }
                return 0;
        }
        out->fd = mkostemp(out->tmp, O_CLOEXEC);
        if (out->fd < 0) {
                cell_error_errno(err, "create a temporary file beside %s", path);
                free(out->tmp); /* nothing was made */
                out->tmp = NULL;
                cell_output_abort(out);
                return -1;
        }
        return 0;
}

int cell_output_commit(struct cell_output *o, struct cell_error *err)
{
        int r = 0;
        if (o->dir ? syncfs(o->fd) < 0 : fsync(o->fd) < 0)
                r = cell_error_errno(err, "sync %s", o->tmp);
        if (r == 0 && fchmod(o->fd, o->dir ? 0755 : 0644) < 0)
                r = cell_error_errno(err, "chmod %s", o->tmp);
        if (r == 0 && rename(o->tmp, o->path) < 0)
                r = o->dir && (errno == ENOTEMPTY || errno == EEXIST)
                            ? cell_error_set(err, EEXIST, "%s exists and is not empty", o->path)
                            : cell_error_errno(err, "rename %s to %s", o->tmp, o->path);
        if (r == 0) {
                free(o->tmp);
                o->tmp = NULL;
        }
        cell_output_abort(o);
        return r;
}

void cell_output_abort(struct cell_output *o)
{
        if (o->fd >= 0)
                close(o->fd);
        o->fd = -1;
        if (o->tmp) {
                struct cell_error ignored;
                if (o->dir)
                        cell_remove_tree_at(AT_FDCWD, o->tmp, &ignored);
                else
                        unlink(o->tmp);
        }
        free(o->tmp);
        free(o->path);
        o->tmp = o->path = NULL;
}
