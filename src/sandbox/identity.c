/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Default umask when process.user.umask is absent, as runc. */
/* More than any real /etc/passwd (10,000 users take ~600 KB). */
#define PASSWD_MAX ((size_t)4 << 20)
#define DEFAULT_UMASK 0022

/*
 * In a user namespace whose /proc/self/setgroups is "deny" (an unprivileged
 * mapping made without newgidmap) setgroups() always fails with EPERM.
 * A kernel without the file predates the knob and always allows it.
 */
bool cell_sandbox_setgroups_allowed(void)
{
        _cleanup_free_ char *content = NULL;
        struct cell_error ignored;
        if (cell_read_file("/proc/self/setgroups", &content, NULL, &ignored) < 0)
                return true;
        return strncmp(content, "deny", 4) != 0;
}

static int apply_groups(const struct cell_process *process, bool setgroups_allowed,
                        struct cell_error *err)
{
        if (!setgroups_allowed) {
                if (process->n_additional_gids > 0)
                        return cell_error_set(err, EPERM,
                                              "process.user.additionalGids: cannot set "
                                              "supplementary groups: setgroups is denied in "
                                              "this user namespace");
                return 0;
        }
        if (setgroups(process->n_additional_gids, process->additional_gids) < 0)
                return cell_error_errno(err, "process.user.additionalGids: setgroups (%zu groups)",
                                        process->n_additional_gids);
        return 0;
}

static int apply_uid_gid(const struct cell_process *process, struct cell_error *err)
{
        gid_t gid = process->gid;
        uid_t uid = process->uid;
        if (setresgid(gid, gid, gid) < 0)
                return cell_error_errno(err, "process.user.gid: setresgid(%u)", (unsigned)gid);
        /*
         * Leaving uid 0 would clear the permitted set; PR_SET_KEEPCAPS keeps
         * it (the effective set is still cleared, cell_caps_apply raises it
         * again).  The flag is reset so it does not survive into the user's
         * program, and execve() resets it anyway.
         */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return cell_error_errno(err, "process.user: prctl(PR_SET_KEEPCAPS)");
        if (setresuid(uid, uid, uid) < 0)
                return cell_error_errno(err, "process.user.uid: setresuid(%u)", (unsigned)uid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return cell_error_errno(err, "process.user: prctl(PR_SET_KEEPCAPS, 0)");
        return 0;
}

int cell_sandbox_apply_identity(const struct cell_process *process, bool setgroups_allowed,
                                struct cell_error *err)
{
        /* Groups first: setgroups() needs CAP_SETGID, which setresuid may take. */
        if (apply_groups(process, setgroups_allowed, err) < 0)
                return -1;
        if (apply_uid_gid(process, err) < 0)
                return -1;
        if (cell_caps_apply(&process->caps, err) < 0)
                return -1;
        umask(process->has_umask ? process->umask : DEFAULT_UMASK);
        if (process->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return cell_error_errno(err, "process.noNewPrivileges: prctl(PR_SET_NO_NEW_PRIVS)");
        return 0;
}

/* Field `n` (0-based) of the ':'-separated `line` of `len` bytes, or NULL. */
static const char *passwd_field(const char *line, size_t len, int n, size_t *field_len)
{
        const char *end = line + len, *p = line;
        for (int i = 0; i < n; i++) {
                p = memchr(p, ':', (size_t)(end - p));
                if (!p)
                        return NULL;
                p++;
        }
        const char *stop = memchr(p, ':', (size_t)(end - p));
        *field_len = (size_t)((stop ? stop : end) - p);
        return p;
}

/* The uid field is decimal digits only; leading zeros count, as for libc. */
static bool passwd_uid_is(const char *line, size_t len, uid_t uid)
{
        size_t n;
        const char *f = passwd_field(line, len, 2, &n);
        if (!f || n == 0)
                return false;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) {
                if (f[i] < '0' || f[i] > '9' || v > UINT32_MAX)
                        return false;
                v = v * 10 + (uint64_t)(f[i] - '0');
        }
        return v == uid;
}

char *cell_passwd_home(const char *text, size_t len, uid_t uid)
{
        for (const char *line = text, *end = text + len; line < end;) {
                const char *nl = memchr(line, '\n', (size_t)(end - line));
                size_t n = (size_t)((nl ? nl : end) - line), home_len;
                const char *home = passwd_field(line, n, 5, &home_len);
                if (home && passwd_uid_is(line, n, uid))
                        return xstrndup(home, home_len);
                line += n + 1;
        }
        return NULL;
}

char *cell_sandbox_home_of(uid_t uid)
{
        struct open_how how = {.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                               .resolve = RESOLVE_NO_MAGICLINKS};
        _cleanup_close_ int fd =
                (int)syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof(how));
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        struct cell_error ignored;
        char *home = NULL;
        if (fd >= 0 && cell_read_fd(fd, "/etc/passwd", PASSWD_MAX, &text, &len, &ignored) == 0)
                home = cell_passwd_home(text, len, uid);
        return home ? home : xstrdup("/");
}
