/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/procsetup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/sync.h"
#include "sandbox/paths.h"
#include "sandbox/process.h"
#include "sandbox/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_get(char *const *env, const char *key)
{
        size_t klen = strlen(key);
        for (; env && *env; env++)
                if (!strncmp(*env, key, klen) && (*env)[klen] == '=')
                        return *env + klen + 1;
        return NULL;
}

static int check_executable(const char *path, const char *name, struct cell_error *err)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return cell_error_errno(err, "exec \"%s\": stat %s", name, path);
        if (S_ISDIR(st.st_mode))
                return cell_error_set(err, EACCES, "exec \"%s\": is a directory", name);
        if (access(path, X_OK) < 0)
                return cell_error_errno(err, "exec \"%s\"", name);
        return 0;
}

char *cell_proc_find_executable(const char *name, char *const *env, struct cell_error *err)
{
        if (strchr(name, '/'))
                return check_executable(name, name, err) < 0 ? NULL : xstrdup(name);
        const char *path = env_get(env, "PATH");
        if (!path)
                path = DEFAULT_PATH;
        _cleanup_free_ char *copy = xstrdup(path);
        char *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *candidate = cell_path_join(*dir ? dir : ".", name);
                struct stat st;
                if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) &&
                    access(candidate, X_OK) == 0)
                        return steal_ptr(candidate);
        }
        cell_error_set(err, 0, "exec: \"%s\": executable file not found in $PATH", name);
        return NULL;
}

int cell_proc_send_terminal(const struct cell_process *process, int sync_fd, bool session,
                            struct cell_error *err)
{
        if (!process->terminal)
                return 0;
        int master = -1;
        if (cell_terminal_open(process, session, &master, err) < 0)
                return -1;
        int r = cell_sync_send_fd(sync_fd, CELL_SYNC_PTY, master, err);
        close(master);
        return r;
}

int cell_proc_enter_cwd(const char *cwd, bool may_defer, struct cell_error *err)
{
        struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                               .resolve = RESOLVE_NO_MAGICLINKS};
        _cleanup_close_ int fd = (int)syscall(SYS_openat2, AT_FDCWD, cwd, &how, sizeof(how));
        if (fd >= 0 && fchdir(fd) == 0)
                return 0;
        if (may_defer && (errno == EACCES || errno == EPERM))
                return 1;
        return cell_error_errno(err, fd < 0 ? "process.cwd: %s" : "process.cwd: chdir %s", cwd);
}

int cell_proc_make_cwd(const char *cwd, struct cell_error *err)
{
        /* After pivot_root our cwd is the container's "/": the root to resolve in. */
        _cleanup_free_ char *clean = cell_path_clean(cwd);
        _cleanup_close_ int fd = cell_path_create_in_root(AT_FDCWD, clean, CELL_PATH_DIR);
        if (fd < 0)
                return cell_error_errno(err, "process.cwd: create %s", cwd);
        return 0;
}

char **cell_proc_env_with_home(char **env, uid_t uid)
{
        size_t n = 0, at = SIZE_MAX;
        for (; env && env[n]; n++)
                if (!strncmp(env[n], "HOME=", 5)) {
                        if (env[n][5])
                                return env;
                        at = n;
                }
        _cleanup_free_ char *home = cell_sandbox_home_of(uid);
        char **out = xcalloc(n + 2, sizeof(char *));
        if (n)
                memcpy(out, env, n * sizeof(char *));
        out[at == SIZE_MAX ? n : at] = xasprintf("HOME=%s", home);
        return out;
}

/*
 * Pipes and sockets carry nothing but this process' stdio.  A character
 * device is given only when it is the pty cell made for the process: the
 * caller's own terminal (a foreground `run` passes its stdio on, where
 * runc relays through pipes) must never become a container user's, nor
 * /dev/null.  Nor a caller's file: runc chowns those in a detached run,
 * which hands a host file to a container uid for good.
 */
static bool stdio_to_give(const struct stat *st, bool own_pty)
{
        if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
                return true;
        return own_pty && S_ISCHR(st->st_mode) &&
               !(major(st->st_rdev) == 1 && minor(st->st_rdev) == 3);
}

int cell_proc_give_stdio(uid_t uid, bool own_pty, struct cell_error *err)
{
        for (int fd = 0; fd < 3; fd++) {
                struct stat st;
                if (fstat(fd, &st) < 0) {
                        if (errno == EBADF)
                                continue;
                        return cell_error_errno(err, "stat fd %d", fd);
                }
                if (!stdio_to_give(&st, own_pty) || st.st_uid == uid)
                        continue;
                /* As runc: an owner or group outside our user namespace
                 * (EPERM, EINVAL) or a read-only file system leave it as it is. */
                if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EPERM && errno != EINVAL &&
                    errno != EROFS)
                        return cell_error_errno(err, "process.user.uid: chown fd %d to %u", fd,
                                                (unsigned)uid);
        }
        return 0;
}

int cell_proc_load_privileged_seccomp(const struct cell_process *p,
                                      struct cell_seccomp_filter *seccomp, int *notify_fd,
                                      struct cell_error *err)
{
        *notify_fd = -1;
        if (!seccomp || p->no_new_privileges)
                return 0;
        return cell_seccomp_load(seccomp, notify_fd, err);
}

int cell_proc_dmz_filter(const struct cell_process *p, struct cell_seccomp_filter *seccomp,
                         int socket_fd, const void *msg, size_t msg_len,
                         struct cell_dmz_filter *out, struct cell_error *err)
{
        if (!seccomp || !p->no_new_privileges)
                return 0;
        out->socket_fd = socket_fd;
        out->program_fd = cell_dmz_filter_open(seccomp, msg, msg_len, err);
        return out->program_fd < 0 ? -1 : 1;
}

static int compare_int(const void *a, const void *b)
{
        return *(const int *)a - *(const int *)b;
}

void cell_proc_close_fds_except(int from, int *keep, int n)
{
        qsort(keep, (size_t)n, sizeof(int), compare_int);
        unsigned next = (unsigned)from;
        for (int i = 0; i < n; i++) {
                if (keep[i] < 0)
                        continue;
                if ((unsigned)keep[i] > next)
                        syscall(SYS_close_range, next, (unsigned)keep[i] - 1, 0);
                if ((unsigned)keep[i] + 1 > next)
                        next = (unsigned)keep[i] + 1;
        }
        syscall(SYS_close_range, next, ~0U, 0);
}

extern char **environ;

void cell_proc_scrub_environ(void)
{
        for (char **e = environ; e && *e; e++)
                memset(*e, 0, strlen(*e));
}
