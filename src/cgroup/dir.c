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

static bool past(const struct timespec *deadline)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return now.tv_sec > deadline->tv_sec ||
               (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static int remove_children(const char *path, const struct timespec *deadline,
                           struct cell_error *err)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return errno == ENOENT ? 0 : cell_error_errno(err, "open %s", path);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *child = xasprintf("%s/%s", path, de->d_name);
                if (cell_cg_remove_dir(child, deadline, err) < 0)
                        return -1;
        }
        return 0;
}

static void kill_procs(const char *path)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        if (cell_cg_read_pids(path, &pids, &n, NULL) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                kill(pids[i], SIGKILL);
}

/*
 * rmdir first: when the container is already gone (the usual case) that is
 * the only syscall.  EBUSY means processes or child cgroups remain: remove
 * the children, SIGKILL what is listed, and retry with a growing sleep (1 ms
 * up to 20 ms) until the deadline.  A killed process leaves cgroup.procs only
 * once it has exited, so the first retries usually find it still there.
 */
int cell_cg_remove_dir(const char *path, const struct timespec *deadline, struct cell_error *err)
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
                if (remove_children(path, deadline, err) < 0)
                        return -1;
                kill_procs(path);
                nanosleep(&(struct timespec){0, sleep_ns}, NULL);
                if (sleep_ns < 20000000)
                        sleep_ns *= 2;
        }
}
