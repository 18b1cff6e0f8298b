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
#include "util/fs.h"
#include "util/xalloc.h"

struct mount_entry {
        char *point;
        char *fstype;
        char *super_opts;
};

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
        char *w = s;
        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

static bool under(const char *path, const char *point)
{
        size_t n = strlen(point);
        if (strcmp(point, "/") == 0)
                return true;
        return strncmp(path, point, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The mount `path` (absolute, resolved) is on: the last, longest match. */
static int find_mount(const char *path, struct mount_entry *out, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        if (cell_read_file("/proc/self/mountinfo", &text, NULL, err) < 0)
                return -1;
        size_t best = 0;
        for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                /* id parent major:minor root point opts [optional...] - type source super */
                char *field[6] = {0};
                char *s2 = NULL, *tok = strtok_r(line, " ", &s2);
                int i = 0;
                for (; tok && i < 5; i++, tok = strtok_r(NULL, " ", &s2))
                        field[i] = tok;
                while (tok && strcmp(tok, "-") != 0)
                        tok = strtok_r(NULL, " ", &s2);
                char *type = tok ? strtok_r(NULL, " ", &s2) : NULL;
                char *source = type ? strtok_r(NULL, " ", &s2) : NULL;
                char *super = source ? strtok_r(NULL, " ", &s2) : NULL;
                if (i < 5 || !super)
                        continue;
                unescape(field[4]);
                size_t n = strlen(field[4]);
                if (under(path, field[4]) && n >= best) {
                        best = n;
                        free(out->point);
                        free(out->fstype);
                        free(out->super_opts);
                        out->point = xstrdup(field[4]);
                        out->fstype = xstrdup(type);
                        out->super_opts = xstrdup(super);
                }
        }
        if (!out->point)
                return cell_error_set(err, 0, "no mount holds %s in /proc/self/mountinfo", path);
        return 0;
}

static bool has_option(const char *opts, const char *name)
{
        size_t n = strlen(name);
        for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
                        return true;
        return false;
}

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
        struct mount_entry m = {0};
        char *line = NULL;
        if (find_mount(path, &m, err) == 0) {
                /* ext4 -o discard frees a deleted file's blocks with a
                 * synchronous discard: ~0.25 ms per container here. */
                const char *note = has_option(m.super_opts, "discard")
                                           ? " (mounted with discard: deleting a container "
                                             "waits for the disk; a tmpfs, as /run usually "
                                             "is, does not)"
                                           : "";
                line = xasprintf("state root: %s: %s on %s%s\n", root, m.fstype, m.point, note);
        }
        free(m.point);
        free(m.fstype);
        free(m.super_opts);
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
