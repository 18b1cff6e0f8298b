/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What of the host, besides its cgroups, decides how fast containers start,
 * for `cell check`: where the state root lives, and whether cell's binary
 * sits on a read-only mount.  Like favordynmods, both are the host owner's
 * choice; cell only reports them.
 */
#include "runtime/hostcheck.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/dmz.h"
#include "util/cleanup.h"
#include "util/mountinfo.h"
#include "util/xalloc.h"

/* `root` resolved, or its nearest existing ancestor (it is made on first use). */
static char *existing_ancestor(const char *root)
{
        _cleanup_free_ char *path = xstrdup(root);
        for (;;) {
                char resolved[PATH_MAX];
                if (realpath(path, resolved))
                        return xstrdup(resolved);
                char *slash = strrchr(path, '/');
                if (!slash || slash == path)
                        return xstrdup("/");
                *slash = '\0';
        }
}

static char *state_root_line(const char *root, struct cell_error *err)
{
        _cleanup_free_ char *path = existing_ancestor(root);
        struct cell_mount_holding m;
        if (cell_mount_holding(path, &m, err) < 0)
                return NULL;
        /* ext4 -o discard frees a deleted file's blocks with a synchronous
         * discard: ~0.25 ms per container here. */
        const char *note = cell_option_listed(m.super_options, "discard")
                                   ? " (mounted with discard: deleting a container waits for "
                                     "the disk; a tmpfs, as /run usually is, does not)"
                                   : "";
        char *line = xasprintf("state root: %s: %s on %s%s\n", root, m.fstype, m.mount_point, note);
        cell_mount_holding_free(&m);
        return line;
}

int cell_runtime_host_report(const char *root, char **out, struct cell_error *err)
{
        _cleanup_free_ char *state = state_root_line(root, err);
        if (!state)
                return -1;
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n < 0)
                return cell_error_errno(err, "readlink /proc/self/exe");
        exe[n] = '\0';
        const char *binary =
                cell_dmz_self_protected()
                        ? "read-only (create and exec run it as it is)"
                        : "writable (create and exec first re-execute it from a read-only bind "
                          "mount of itself, against CVE-2019-5736: installing it on a "
                          "read-only mount saves a process start per container)";
        *out = xasprintf("%sbinary: %s: %s\n", state, exe, binary);
        return 0;
}
