/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -u / the image's User against the image's own /etc/passwd and /etc/group
 * (never the host's), as docker resolves it: "name", "uid", "name:group",
 * "uid:gid"; the supplementary groups are those /etc/group lists the user
 * in; HOME comes from the passwd entry.  The files are opened inside the
 * rootfs (RESOLVE_IN_ROOT), so an image's symlink cannot point at the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/plan.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char *read_in_root(const char *rootfs, const char *path)
{
        _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return NULL;
        struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        _cleanup_close_ int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
        if (fd < 0)
                return NULL;
        char *text = NULL;
        struct cell_error ignored;
        if (cell_read_fd(fd, path, 4 << 20, &text, NULL, &ignored) < 0)
                return NULL;
        return text;
}

static bool parse_id(const char *s, unsigned long *out)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (!*s || *end || errno || v > 0xfffffffeUL)
                return false;
        *out = v;
        return true;
}

/* Fields of one "a:b:c" line, split in place; returns the count. */
static size_t split_fields(char *line, char **f, size_t max)
{
        size_t n = 0;
        f[n++] = line;
        for (char *p = line; *p && n < max; p++)
                if (*p == ':') {
                        *p = '\0';
                        f[n++] = p + 1;
                }
        return n;
}

struct passwd_entry {
        char *name;
        unsigned long uid, gid;
        char *home;
};

static bool find_passwd(char *text, const char *user, bool by_id, unsigned long id,
                        struct passwd_entry *out)
{
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[7];
                unsigned long uid, gid;
                if (split_fields(line, f, 7) < 7 || !parse_id(f[2], &uid) || !parse_id(f[3], &gid))
                        continue;
                if (by_id ? uid != id : strcmp(f[0], user) != 0)
                        continue;
                out->name = f[0];
                out->uid = uid;
                out->gid = gid;
                out->home = f[5];
                return true;
        }
        return false;
}

/* The gid of group `name` (or of numeric `name`), and the groups listing `user`. */
static int scan_groups(char *text, const char *group, bool *found, unsigned long *gid,
                       const char *user, struct cell_ctr_plan *p)
{
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[4];
                unsigned long g;
                if (split_fields(line, f, 4) < 4 || !parse_id(f[2], &g))
                        continue;
                if (group && !*found && strcmp(f[0], group) == 0) {
                        *found = true;
                        *gid = g;
                }
                if (!user)
                        continue;
                char *s2 = NULL;
                for (char *m = strtok_r(f[3], ",", &s2); m; m = strtok_r(NULL, ",", &s2))
                        if (strcmp(m, user) == 0) {
                                p->gids = xreallocarray(p->gids, p->n_gids + 1, sizeof(gid_t));
                                p->gids[p->n_gids++] = (gid_t)g;
                        }
        }
        return 0;
}

int cell_ctr_plan_resolve_user(struct cell_ctr_plan *p, const char *rootfs, struct cell_error *err)
{
        _cleanup_free_ char *spec = xstrdup(p->user ? p->user : "");
        char *group = strchr(spec, ':');
        if (group)
                *group++ = '\0';
        const char *user = *spec ? spec : "0";
        _cleanup_free_ char *passwd = read_in_root(rootfs, "/etc/passwd");
        _cleanup_free_ char *groups = read_in_root(rootfs, "/etc/group");

        unsigned long uid = 0, gid = 0;
        bool numeric = parse_id(user, &uid);
        struct passwd_entry pw = {0};
        bool have_pw = passwd && find_passwd(passwd, user, numeric, uid, &pw);
        if (!numeric && !have_pw)
                return cell_error_set(err, 0, "unable to find user %s: no matching entries in passwd file",
                                      user);
        if (have_pw) {
                uid = pw.uid;
                gid = pw.gid;
        }
        free(p->gids);
        p->gids = NULL;
        p->n_gids = 0;
        if (group && *group) {
                unsigned long g;
                if (parse_id(group, &g)) {
                        gid = g;
                } else {
                        bool found = false;
                        _cleanup_free_ char *copy = xstrdup_or_null(groups);
                        if (copy)
                                scan_groups(copy, group, &found, &gid, NULL, p);
                        if (!found)
                                return cell_error_set(err, 0,
                                                      "unable to find group %s: no matching entries in group file",
                                                      group);
                }
        } else if (have_pw && groups) {
                /* supplementary groups only when no group was named, as docker */
                _cleanup_free_ char *copy = xstrdup(groups);
                bool unused = false;
                scan_groups(copy, NULL, &unused, &gid, pw.name, p);
        }
        p->uid = (uid_t)uid;
        p->gid = (gid_t)gid;
        bool has_home = false;
        for (char **e = p->env; e && *e; e++)
                has_home |= strncmp(*e, "HOME=", 5) == 0;
        if (!has_home) {
                const char *home = have_pw && pw.home && *pw.home ? pw.home : "/";
                size_t n = 0;
                while (p->env && p->env[n])
                        n++;
                p->env = xreallocarray(p->env, n + 2, sizeof(char *));
                p->env[n] = xasprintf("HOME=%s", home);
                p->env[n + 1] = NULL;
        }
        return 0;
}
