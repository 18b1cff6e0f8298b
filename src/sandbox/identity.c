/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox/process.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

/* Default umask when process.user.umask is absent, as runc. */
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
