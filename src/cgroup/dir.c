/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operations on one cgroup directory, common to v1 and v2: reading and
 * writing its files, listing its processes, and removing it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

int cell_cg_write(const char *dir, const char *file, const char *value, struct cell_error *err)
{
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
                return cell_error_set(err, ENAMETOOLONG, "%s/%s", dir, file);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "%s", path);
        if (cell_write_all(fd, value, strlen(value)) < 0)
                return cell_error_errno(err, "write %s to %s", value, path);
        return 0;
}

int cell_cg_read(const char *dir, const char *file, char **out, struct cell_error *err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
        return cell_read_file(path, out, NULL, err);
}

int cell_cg_read_pids(const char *dir, pid_t **pids, size_t *n, struct cell_error *err)
{
        *pids = NULL;
        *n = 0;
        _cleanup_free_ char *text = NULL;
        if (cell_cg_read(dir, "cgroup.procs", &text, err) < 0) {
                if (err && err->errnum == ENOENT) {
                        cell_error_clear(err);
                        return 0;
                }
                return -1;
        }
        for (char *p = text; *p;) {
                char *end;
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                *pids = xreallocarray(*pids, *n + 1, sizeof(**pids));
                (*pids)[(*n)++] = (pid_t)pid;
                p = end + strspn(end, "\n");
        }
        return 0;
}

/*
 * One top-down pass of cell_cg_mkdir: 0 done, -1 failed (what it made is
 * removed), 1 a parent that existed vanished meanwhile (removed by the
 * teardown of whoever made it; nothing made yet): try again.
 */
static int mkdir_pass(struct cell_cgroup_dir *d, cell_cg_init_fn init,
                      const struct cell_resources *r, struct cell_error *err)
{
        _cleanup_free_ char *level = xstrdup(d->path);
        for (char *p = level + strlen(d->mount_point) + 1;; p++) {
                char *slash = strchr(p, '/');
                if (slash)
                        *slash = '\0';
                if (mkdir(level, 0755) == 0) {
                        d->made++;
                        if (init && init(level, slash ? NULL : r, err) < 0)
                                break;
                } else if (errno == ENOENT && d->made == 0) {
                        return 1;
                } else if (errno != EEXIST) {
                        cell_error_errno(err, "mkdir %s", level);
                        *strrchr(level, '/') = '\0'; /* not made: its parent was */
                        break;
                }
                if (!slash)
                        return 0;
                *slash = '/';
                p = slash;
        }
        cell_cg_rmdir_levels(level, d->made);
        d->made = 0;
        return -1;
}

int cell_cg_mkdir(struct cell_cgroup_dir *d, cell_cg_init_fn init, const struct cell_resources *r,
                  struct cell_error *err)
{
        d->made = 0;
        /* The usual case first: only the leaf is missing (or nothing is). */
        if (mkdir(d->path, 0755) == 0) {
                d->made = 1;
                if (init && init(d->path, r, err) < 0) {
                        cell_cg_rmdir_levels(d->path, d->made);
                        d->made = 0;
                        return -1;
                }
                return 0;
        }
        if (errno == EEXIST)
                return 0;
        if (errno != ENOENT)
                return cell_error_errno(err, "mkdir %s", d->path);
        for (int attempt = 0; attempt < 3; attempt++) {
                int r_pass = mkdir_pass(d, init, r, err);
                if (r_pass <= 0)
                        return r_pass;
        }
        return cell_error_set(err, ENOENT, "mkdir %s: a parent keeps vanishing", d->path);
}

void cell_cg_rmdir_levels(const char *path, int levels)
{
        _cleanup_free_ char *level = xstrdup(path);
        for (int i = 0; i < levels; i++) {
                if (rmdir(level) < 0 && errno != ENOENT)
                        return;
                char *slash = strrchr(level, '/');
                if (!slash || slash == level)
                        return;
                *slash = '\0';
        }
}

static void collect_pids(const char *path, bool recursive, pid_t **pids, size_t *n,
                         struct cell_error *err, int *ret)
{
        _cleanup_free_ pid_t *own = NULL;
        size_t n_own;
        if (cell_cg_read_pids(path, &own, &n_own, err) < 0) {
                *ret = -1;
                return;
        }
        *pids = xreallocarray(*pids, *n + n_own + 1, sizeof(**pids));
        if (n_own) /* an empty cgroup reads as no array at all */
                memcpy(*pids + *n, own, n_own * sizeof(*own));
        *n += n_own;
        _cleanup_closedir_ DIR *d = recursive ? opendir(path) : NULL;
        struct dirent *de;
        while (d && *ret == 0 && (de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *child = xasprintf("%s/%s", path, de->d_name);
                collect_pids(child, recursive, pids, n, err, ret);
        }
}

int cell_cg_collect_pids(const char *path, bool recursive, pid_t **pids, size_t *n,
                         struct cell_error *err)
{
        *pids = NULL;
        *n = 0;
        int ret = 0;
        collect_pids(path, recursive, pids, n, err, &ret);
        if (ret < 0) {
                free(*pids);
                *pids = NULL;
                *n = 0;
        }
        return ret;
}

int cell_cg_signal_listed(const char *path, bool recursive, int sig,
                          const struct cell_cgroup_owner *owner, size_t *owned, size_t *others,
                          struct cell_error *err)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n, n_owned = 0, n_others = 0;
        if (cell_cg_collect_pids(path, recursive, &pids, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                /* The pidfd first: should the pid be reused after the owner
                 * looked at /proc/<pid>, the signal goes to the old process. */
                _cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);
                if (fd < 0 && errno == ESRCH)
                        continue;
                if (fd < 0)
                        return cell_error_errno(err, "pidfd_open %d", (int)pids[i]);
                if (owner && !owner->owns(pids[i], owner->data)) {
                        n_others++;
                        continue;
                }
                n_owned++;
                if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0 && errno != ESRCH)
                        return cell_error_errno(err, "kill %d", (int)pids[i]);
        }
        if (owned)
                *owned = n_owned;
        if (others)
                *others = n_others;
        return 0;
}

static bool past(const struct timespec *deadline)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return now.tv_sec > deadline->tv_sec ||
               (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* 0: every child removed; 1: one is left in place (it holds others' processes). */
static int remove_children(const char *path, const struct timespec *deadline,
                           const struct timespec *grace, const struct cell_cgroup_owner *owner,
                           size_t *others, struct cell_error *err)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return errno == ENOENT ? 0 : cell_error_errno(err, "open %s", path);
        struct dirent *de;
        int left = 0;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *child = xasprintf("%s/%s", path, de->d_name);
                int r = cell_cg_remove_dir(child, deadline, grace, owner, others, err);
                if (r < 0)
                        return -1;
                left |= r;
        }
        return left;
}

/*
 * rmdir first: when the container is already gone (the usual case) that is
 * the only syscall.  EBUSY means processes or child cgroups remain: remove
 * the children, SIGKILL the container's processes listed, and retry with a
 * growing sleep (1 ms up to 20 ms) until the deadline.  A killed process
 * leaves cgroup.procs only once it has exited, so the first retries usually
 * find it still there.  Once none of the container's is left, processes
 * that are someone else's keep the directory, and it stays, once `grace`
 * has passed (see cgroup.c: cell_cgroup_destroy).
 */
int cell_cg_remove_dir(const char *path, const struct timespec *deadline,
                       const struct timespec *grace, const struct cell_cgroup_owner *owner,
                       size_t *others, struct cell_error *err)
{
        long sleep_ns = 1000000;
        for (;;) {
                if (rmdir(path) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return cell_error_errno(err, "rmdir %s", path);
                if (past(deadline))
                        return cell_error_set(err, EBUSY,
                                              "rmdir %s: processes still running after SIGKILL",
                                              path);
                size_t owned = 0, below = 0, here = 0;
                int left = remove_children(path, deadline, grace, owner, &below, err);
                if (left < 0 ||
                    cell_cg_signal_listed(path, false, SIGKILL, owner, &owned, &here, err) < 0)
                        return -1;
                if ((left || here) && !owned && (!grace || past(grace))) {
                        *others += below + here;
                        return 1;
                }
                nanosleep(&(struct timespec){0, sleep_ns}, NULL);
                if (sleep_ns < 20000000)
                        sleep_ns *= 2;
        }
}
