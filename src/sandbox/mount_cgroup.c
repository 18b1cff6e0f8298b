/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "cgroup" mount type.
 *
 * What the container sees depends on the host layout: the container's
 * directory on each hierarchy, as the runtime planned it before the clone
 * (cell_cgroup_hierarchies(): no need to read /proc again), or else the
 * caller's /proc/self/mountinfo (cgroup mounts below /sys/fs/cgroup) and
 * /proc/self/cgroup (the caller's own cgroup in each hierarchy: the
 * container's init is already in the container's cgroup here):
 *
 * - unified host (cgroup2 on /sys/fs/cgroup): a cgroup2 mount on the
 *   destination.  In a cgroup namespace it shows the container's cgroup as
 *   its root; without one (or when the kernel refuses, e.g. in a user
 *   namespace without a cgroup namespace) the container's own cgroup
 *   directory is bound instead.
 * - v1 or hybrid host: as runc does, a tmpfs (mode=755) on the destination
 *   with one directory per hierarchy named like the host's ("cpu,cpuacct",
 *   "systemd", "unified"), symlinks for co-mounted controllers ("cpu" ->
 *   "cpu,cpuacct"), and in each directory either a fresh cgroup/cgroup2
 *   mount (with a cgroup namespace, whose root is the container's cgroup) or
 *   a recursive bind of the container's own cgroup directory.  The entry's
 *   flags (normally ro,nosuid,nodev,noexec) apply to every hierarchy, and
 *   the tmpfs itself is made read-only last when "ro" was asked.
 */
#include "sandbox/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/paths.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mount_api.h"
#include "util/mountinfo.h"
#include "util/xalloc.h"

/* What the mount shows: the runtime's list (cell_cgroup_hierarchies), or one read from /proc. */
struct layout {
        struct cell_cgroup_hierarchy items[32];
        size_t n;
        bool owned; /* read from /proc: the strings are ours to free */
};

static void layout_release(struct layout *l)
{
        for (size_t i = 0; l->owned && i < l->n; i++) {
                free((char *)l->items[i].mount_point);
                free((char *)l->items[i].controllers);
                free((char *)l->items[i].dir);
        }
        l->n = 0;
}

/* True when every comma-separated item of `set` appears in the list `opts`. */
static bool items_subset(const char *set, const char *opts)
{
        _cleanup_free_ char *copy = xstrdup(set);
        char *save = NULL;
        for (char *it = strtok_r(copy, ",", &save); it; it = strtok_r(NULL, ",", &save))
                if (!cell_option_listed(opts, it))
                        return false;
        return true;
}

/* Host directory of our own cgroup: mount point + path relative to the mount's root. */
static char *own_cgroup_dir(const struct cell_mountinfo *m, const char *path)
{
        const char *rel = path;
        if (strcmp(m->root, "/") != 0 && cell_path_has_prefix(path, m->root))
                rel = path + strlen(m->root);
        return cell_path_join(m->mount_point, rel);
}

/* One mountinfo line: keep cgroup mounts below /sys/fs/cgroup. */
static void parse_mountinfo_line(char *line, struct layout *l, const char *cgroups)
{
        struct cell_mountinfo m;
        if (!cell_mountinfo_split(line, &m) || l->n == CELL_ARRAY_SIZE(l->items))
                return;
        bool v2 = !strcmp(m.fstype, "cgroup2");
        if (!v2 && strcmp(m.fstype, "cgroup") != 0)
                return;
        if (!cell_path_has_prefix(m.mount_point, "/sys/fs/cgroup"))
                return;
        /* Find our line in /proc/self/cgroup: "ID:controllers:path". */
        _cleanup_free_ char *copy = xstrdup(cgroups);
        char *lsave = NULL;
        for (char *cl = strtok_r(copy, "\n", &lsave); cl; cl = strtok_r(NULL, "\n", &lsave)) {
                char *c1 = strchr(cl, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = '\0';
                const char *ctrl = c1 + 1;
                if (v2 ? *ctrl != '\0' : (*ctrl == '\0' || !items_subset(ctrl, m.super_options)))
                        continue;
                for (size_t i = 0; i < l->n; i++)
                        if (!strcmp(l->items[i].controllers, ctrl))
                                return; /* already have this hierarchy */
                l->items[l->n++] = (struct cell_cgroup_hierarchy){
                        .mount_point = xstrdup(m.mount_point),
                        .controllers = xstrdup(ctrl),
                        .dir = own_cgroup_dir(&m, c2 + 1),
                        .v2 = v2,
                };
                return;
        }
}

static int read_layout(const struct cell_rootfs_ctx *ctx, struct layout *l, struct cell_error *err)
{
        if (ctx->n_cgroups >= 0 && (size_t)ctx->n_cgroups <= CELL_ARRAY_SIZE(l->items)) {
                memcpy(l->items, ctx->cgroups, (size_t)ctx->n_cgroups * sizeof(*ctx->cgroups));
                l->n = (size_t)ctx->n_cgroups;
                return 0;
        }
        _cleanup_free_ char *mountinfo = NULL, *cgroups = NULL;
        if (cell_read_file("/proc/self/mountinfo", &mountinfo, NULL, err) < 0 ||
            cell_read_file("/proc/self/cgroup", &cgroups, NULL, err) < 0)
                return -1;
        l->owned = true;
        char *save = NULL;
        for (char *line = strtok_r(mountinfo, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save))
                parse_mountinfo_line(line, l, cgroups);
        return 0;
}

/*
 * Onto `name` in the directory `dirfd` ("": dirfd itself).  A name is one
 * this process just made in its own fresh tmpfs: nothing to lead the walk
 * astray, and no open/close of it per hierarchy.
 */
static int bind_hierarchy(const struct cell_cgroup_hierarchy *h, const struct cell_mount *m,
                          int dirfd, const char *name)
{
        _cleanup_close_ int tree =
                open_tree(AT_FDCWD, h->dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (tree < 0)
                return -1;
        uint64_t set, clr;
        cell_mount_flags_to_attr(m->flags, m->clear_flags, &set, &clr);
        struct mount_attr attr = {.attr_set = set, .attr_clr = clr};
        if ((set || clr) &&
            mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return -1;
        return move_mount(tree, "", dirfd, name,
                          MOVE_MOUNT_F_EMPTY_PATH | (*name ? 0 : MOVE_MOUNT_T_EMPTY_PATH));
}

static int mount_hierarchy(struct cell_rootfs_ctx *ctx, const struct cell_cgroup_hierarchy *h,
                           const struct cell_mount *m, int dirfd, const char *name)
{
        if (!ctx->cgroupns)
                return bind_hierarchy(h, m, dirfd, name);
        char buf[CELL_PROC_FD_BUF];
        _cleanup_free_ char *target =
                xasprintf("%s%s%s", cell_proc_fd_path(buf, dirfd), *name ? "/" : "", name);
        unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
                                          MS_RELATIME | MS_NOATIME | MS_STRICTATIME);
        int r = mount("cgroup", target, h->v2 ? "cgroup2" : "cgroup", flags,
                      h->v2 ? NULL : h->controllers);
        /* The kernel may refuse a fresh mount (user namespace rules); bind instead. */
        if (r < 0 && (errno == EPERM || errno == EBUSY))
                r = bind_hierarchy(h, m, dirfd, name);
        return r;
}

static int populate_hierarchy(struct cell_rootfs_ctx *ctx, const struct cell_cgroup_hierarchy *h,
                              const struct cell_mount *m, int tmpfsfd, struct cell_error *err)
{
        const char *name = strrchr(h->mount_point, '/') + 1;
        if (mkdirat(tmpfsfd, name, 0755) < 0 && errno != EEXIST)
                return cell_error_errno(err, "mkdir %s", name);
        if (mount_hierarchy(ctx, h, m, tmpfsfd, name) < 0)
                return cell_error_errno(err, "hierarchy \"%s\" (%s)", name, h->mount_point);
        if (!strchr(name, ','))
                return 0;
        /* Co-mounted controllers: "cpu" -> "cpu,cpuacct", like the host. */
        _cleanup_free_ char *copy = xstrdup(name);
        char *save = NULL;
        for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
                if (symlinkat(name, tmpfsfd, c) < 0 && errno != EEXIST)
                        return cell_error_errno(err, "symlink %s -> %s", c, name);
        return 0;
}

/* v1 or hybrid host: the tmpfs with one directory per hierarchy. */
static int mount_v1_tree(struct cell_rootfs_ctx *ctx, const struct layout *l,
                         const struct cell_mount *m, const char *dest, int dstfd,
                         struct cell_error *err)
{
        char buf[CELL_PROC_FD_BUF];
        if (mount("tmpfs", cell_proc_fd_path(buf, dstfd), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=755") < 0)
                return cell_error_errno(err, "tmpfs");
        _cleanup_close_ int tmpfsfd =
                cell_path_open_in_root(ctx->rootfd, dest, O_PATH | O_DIRECTORY);
        if (tmpfsfd < 0)
                return cell_error_errno(err, "reopen after mount");
        for (size_t i = 0; i < l->n; i++)
                if (populate_hierarchy(ctx, &l->items[i], m, tmpfsfd, err) < 0)
                        return -1;
        if (m->flags & MS_RDONLY) {
                struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
                if (mount_setattr(tmpfsfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                        return cell_error_errno(err, "make tmpfs read-only");
        }
        return 0;
}

int cell_mount_cgroup(struct cell_rootfs_ctx *ctx, const struct cell_mount *m, const char *dest,
                      int dstfd, struct cell_error *err)
{
        struct layout l = {.n = 0};
        int r = read_layout(ctx, &l, err);
        const struct cell_cgroup_hierarchy *unified = NULL;
        for (size_t i = 0; r == 0 && i < l.n; i++)
                if (l.items[i].v2 && !strcmp(l.items[i].mount_point, "/sys/fs/cgroup"))
                        unified = &l.items[i];
        if (r == 0 && unified && mount_hierarchy(ctx, unified, m, dstfd, "") < 0)
                r = cell_error_errno(err, "cgroup2 (%s)", unified->mount_point);
        else if (r == 0 && !unified)
                r = mount_v1_tree(ctx, &l, m, dest, dstfd, err);
        layout_release(&l);
        return r;
}
