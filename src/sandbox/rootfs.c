/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The three phases of the container's filesystem view (see rootfs.h):
 * mount_all (before pivot_root, old root visible), pivot, finalize (after
 * pivot_root, sees the container's own /proc and /dev).
 */
#include "sandbox/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/mounts.h"
#include "sandbox/paths.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mount_api.h"
#include "util/mountinfo.h"
#include "util/xalloc.h"

static bool has_mount_ns(const struct cell_spec *spec)
{
        return spec->linux.namespaces[CELL_NS_MOUNT].enabled;
}

/*
 * Find the mount point of the mount holding `path` in /proc/self/mountinfo
 * and, when it is shared, make it private.  Needed only with a shared
 * rootfsPropagation: pivot_root(2) refuses a new root whose parent mount is
 * shared, and the self-bind of the rootfs below would propagate to the host.
 */
static int make_parent_private(const char *path, struct cell_error *err)
{
        struct cell_mount_holding m;
        if (cell_mount_holding(path, &m, err) < 0)
                return -1;
        int r = 0;
        if (m.shared && mount(NULL, m.mount_point, NULL, MS_PRIVATE, NULL) < 0)
                r = cell_error_errno(err, "make %s private", m.mount_point);
        cell_mount_holding_free(&m);
        return r;
}

/* "/" slave (or rootfsPropagation), then the rootfs bound onto itself. */
static int prepare_root(const struct cell_spec *spec, const char *rootfs, struct cell_error *err)
{
        unsigned long propagation = spec->linux.rootfs_propagation;
        /* An unbindable "/" would forbid binding the rootfs onto itself: such a
         * value is only applied to the new root, in finalize. */
        if (!propagation || (propagation & MS_UNBINDABLE))
                propagation = MS_SLAVE | MS_REC;
        if (mount(NULL, "/", NULL, propagation, NULL) < 0)
                return cell_error_errno(err, "linux.rootfsPropagation: set propagation of /");
        if ((propagation & MS_SHARED) && make_parent_private(rootfs, err) < 0)
                return -1;
        if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return cell_error_errno(err, "bind rootfs %s onto itself", rootfs);
        return 0;
}

/*
 * Without a mount namespace the mounts go into the host's mount table
 * (recorded in the journal first, see host_mounts.c); linux.devices and a
 * mount covering the rootfs itself are refused there, and /dev stays as
 * the image has it.
 */
static int check_without_mount_ns(const struct cell_spec *spec, int journal_fd,
                                  struct cell_error *err)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                _cleanup_free_ char *dest = cell_path_clean(spec->mounts[i].destination);
                if (!strcmp(dest, "/"))
                        return cell_error_set(err, 0,
                                              "mounts[%zu].destination \"/\": a mount on the "
                                              "root needs a mount namespace, but "
                                              "linux.namespaces has no \"mount\" entry",
                                              i);
        }
        if (spec->n_mounts > 0 && journal_fd < 0)
                return cell_error_set(err, 0,
                                      "mounts[0] (%s): mounts without a mount namespace need "
                                      "the runtime's journal of host mounts",
                                      spec->mounts[0].destination);
        if (spec->linux.n_devices > 0)
                return cell_error_set(err, 0,
                                      "linux.devices: devices need a mount namespace, but "
                                      "linux.namespaces has no \"mount\" entry");
        return 0;
}

static int mount_entries(struct cell_rootfs_ctx *ctx, struct cell_error *err)
{
        if (ctx->journal_fd >= 0 && cell_host_mounts_begin(ctx, err) < 0)
                return -1;
        for (size_t i = 0; i < ctx->spec->n_mounts; i++)
                if (cell_mount_execute(ctx, &ctx->spec->mounts[i], i, err) < 0)
                        return -1;
        if (!has_mount_ns(ctx->spec))
                return cell_host_mounts_seal(ctx, err);
        return cell_rootfs_setup_dev(ctx, err);
}

static int open_root(struct cell_rootfs_ctx *ctx, struct cell_error *err)
{
        /* Owned by ctx: a bind mount on "/" replaces it (mounts.c). */
        ctx->rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (ctx->rootfd < 0)
                return cell_error_errno(err, "open rootfs %s", ctx->rootfs);
        if (cell_path_identity(ctx->rootfd, &ctx->root_id) < 0)
                return cell_error_errno(err, "statx rootfs %s", ctx->rootfs);
        return 0;
}

int cell_rootfs_mount_all(const struct cell_spec *spec, const char *rootfs,
                          const struct cell_cgroup_hierarchy *cgroups, ssize_t n_cgroups,
                          int pidns_fd, struct cell_rootfs_prepared *prep, struct cell_error *err)
{
        int journal_fd = prep ? prep->journal_fd : -1;
        if (!has_mount_ns(spec)) {
                if (check_without_mount_ns(spec, journal_fd, err) < 0)
                        return -1;
                if (spec->n_mounts == 0)
                        return 0;
        } else if (prepare_root(spec, rootfs, err) < 0) {
                return -1;
        }

        const struct cell_namespace *ns = spec->linux.namespaces;
        struct cell_rootfs_ctx ctx = {
                .spec = spec,
                .rootfs = rootfs,
                .rootfd = -1,
                .userns = ns[CELL_NS_USER].enabled,
                .netns = ns[CELL_NS_NET].enabled,
                .cgroupns = ns[CELL_NS_CGROUP].enabled,
                .cgroups = cgroups,
                .n_cgroups = n_cgroups,
                .pidns_fd = pidns_fd,
                .mount_fds = prep ? prep->mount_fds : NULL,
                .journal_fd = has_mount_ns(spec) ? -1 : journal_fd,
        };
        int r = open_root(&ctx, err);
        /* Modes below are meant literally (0666 devices, 1777 /dev/shm, copied modes). */
        mode_t old_umask = umask(0);
        if (r == 0)
                r = mount_entries(&ctx, err);
        umask(old_umask);
        cell_closep(&ctx.rootfd);
        free(ctx.rootfs_real);
        free(ctx.host_premounted);
        return r;
}

/*
 * pivot_root(".", "."): the old root ends up stacked on top of the new one
 * at "/", so no put_old directory is needed in the image.  fchdir to the old
 * root's fd lands on it; it is made rslave first so that detaching it
 * cannot propagate unmounts to the host, then lazily detached.
 */
static int pivot(const char *rootfs, struct cell_error *err)
{
        _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (oldroot < 0)
                return cell_error_errno(err, "open /");
        _cleanup_close_ int newroot = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (newroot < 0)
                return cell_error_errno(err, "open rootfs %s", rootfs);
        if (fchdir(newroot) < 0)
                return cell_error_errno(err, "chdir to rootfs %s", rootfs);
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return cell_error_errno(err, "pivot_root into %s", rootfs);
        if (fchdir(oldroot) < 0)
                return cell_error_errno(err, "chdir to the old root");
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return cell_error_errno(err, "make the old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
                return cell_error_errno(err, "detach the old root");
        if (chdir("/") < 0)
                return cell_error_errno(err, "chdir /");
        return 0;
}

/*
 * The mounts of /proc/self/mountinfo outside `rootfs` (and other than "/"),
 * in its order, as NUL-separated pairs "fstype", "mount point", ending in
 * an empty string.
 */
static int mounts_outside(const char *rootfs, char **out, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (cell_read_file("/proc/self/mountinfo", &text, &len, err) < 0)
                return -1;
        char *list = xmalloc(len + 2), *p = list;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct cell_mountinfo m;
                if (!cell_mountinfo_split(line, &m) || !strcmp(m.mount_point, "/") ||
                    cell_path_has_prefix(m.mount_point, rootfs))
                        continue;
                /* Both fit in the line they come from (paths unescaped: never longer). */
                p = stpcpy(p, m.fstype) + 1;
                p = stpcpy(p, m.mount_point) + 1;
        }
        *p = '\0';
        *out = list;
        return 0;
}

static bool fully_visible_kind(const char *fstype)
{
        return !strcmp(fstype, "proc") || !strcmp(fstype, "sysfs");
}

/*
 * Detach each mount of `list` (see mounts_outside), rslave first so that
 * nothing propagates to the host.  Paths are still the host's: our root is
 * the old "/", which the moved rootfs covers but does not replace.  A mount
 * point that is no longer one (it went with its parent) is EINVAL or
 * ENOENT for MS_SLAVE, and skipped, as is one our user namespace cannot reach
 * (EACCES) unless it is a proc or sysfs.  A mount that a user namespace of ours
 * inherited is locked in place (EINVAL for umount2): a host proc or sysfs
 * is then covered with a read-only tmpfs, which is locked too in any
 * namespace made from ours, so that neither counts as fully visible there.
 */
static int detach_one(const char *fstype, const char *path, struct cell_error *err)
{
        if (mount(NULL, path, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
                if (errno == EINVAL || errno == ENOENT)
                        return 0;
                /* Under a directory our user namespace may not search (an engine's
                 * 0700 store, say): out of our reach by any path, so it stays, unless
                 * it is a procfs or sysfs, which would count as fully visible. */
                if (errno == EACCES && !fully_visible_kind(fstype))
                        return 0;
                return cell_error_errno(err, "--no-pivot: make the host's mount %s rslave", path);
        }
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                return 0;
        if (errno != EINVAL)
                return cell_error_errno(err, "--no-pivot: detach the host's mount %s", path);
        if (fully_visible_kind(fstype) &&
            mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return cell_error_errno(err, "--no-pivot: cover the host's %s mount %s", fstype,
                                        path);
        return 0;
}

static int detach_mounts(const char *list, struct cell_error *err)
{
        for (const char *fstype = list; *fstype;) {
                const char *path = fstype + strlen(fstype) + 1;
                if (detach_one(fstype, path, err) < 0)
                        return -1;
                fstype = path + strlen(path) + 1;
        }
        return 0;
}

/*
 * no_pivot: move the rootfs mount onto "/" and chroot into it.  chroot alone
 * would leave every host mount in our mount namespace, out of sight but
 * there: a host procfs or sysfs in it counts as "fully visible", which lets
 * a user namespace inside the container mount a fresh, unmasked one.  So,
 * as runc does, everything but the rootfs is detached (or, locked, covered)
 * first; "/" itself, the namespace's root, stays under the rootfs.
 */
static int move_root(const char *rootfs, struct cell_error *err)
{
        _cleanup_free_ char *outside = NULL;
        if (mounts_outside(rootfs, &outside, err) < 0)
                return -1;
        if (chdir(rootfs) < 0)
                return cell_error_errno(err, "chdir to rootfs %s", rootfs);
        if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                return cell_error_errno(err, "move rootfs %s onto /", rootfs);
        if (detach_mounts(outside, err) < 0)
                return -1;
        if (chroot(".") < 0)
                return cell_error_errno(err, "chroot into %s", rootfs);
        if (chdir("/") < 0)
                return cell_error_errno(err, "chdir /");
        return 0;
}

int cell_rootfs_pivot(const struct cell_spec *spec, const char *rootfs, bool no_pivot,
                      struct cell_error *err)
{
        if (has_mount_ns(spec))
                return no_pivot ? move_root(rootfs, err) : pivot(rootfs, err);
        if (chroot(rootfs) < 0)
                return cell_error_errno(err, "chroot into %s", rootfs);
        if (chdir("/") < 0)
                return cell_error_errno(err, "chdir /");
        return 0;
}

/*
 * Bind the container's /dev/null over a file; a directory gets an empty
 * read-only tmpfs.  Missing paths are skipped, as runc does.  The stat()
 * first is not only tidier: a bind that fails (ENOTDIR on a directory) has
 * already cloned the mount, and dropping it costs an expedited RCU grace
 * period (~70 µs here).  A path that turns into a directory in between is
 * still handled by the ENOTDIR case.  Returns -2 when /dev/null is missing.
 */
static int mask_path(const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return errno == ENOENT ? 0 : -1;
        if (!S_ISDIR(st.st_mode) && mount("/dev/null", path, NULL, MS_BIND, NULL) == 0)
                return 0;
        if (S_ISDIR(st.st_mode) || errno == ENOTDIR)
                return mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL);
        if (errno != ENOENT)
                return -1;
        return access("/dev/null", F_OK) < 0 ? -2 : 0; /* else the path went away */
}

/*
 * A read-only recursive copy of `path` attached on top of it.
 * mount_setattr() adds ro/nosuid/nodev/noexec and keeps every other flag,
 * so flags locked by a user namespace need no statfs() round trip.
 */
static int readonly_path(const char *path)
{
        _cleanup_close_ int tree =
                open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (tree < 0)
                return errno == ENOENT ? 0 : -1;
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                              MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
        if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return -1;
        return move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
}

static int finalize_paths(const struct cell_linux *lx, struct cell_error *err)
{
        for (size_t i = 0; i < lx->n_masked_paths; i++) {
                switch (mask_path(lx->masked_paths[i])) {
                case -1:
                        return cell_error_errno(err, "linux.maskedPaths[%zu] \"%s\"", i,
                                                lx->masked_paths[i]);
                case -2:
                        return cell_error_errno(err, "linux.maskedPaths[%zu] \"%s\": /dev/null", i,
                                                lx->masked_paths[i]);
                }
        }
        for (size_t i = 0; i < lx->n_readonly_paths; i++)
                if (readonly_path(lx->readonly_paths[i]) < 0)
                        return cell_error_errno(err, "linux.readonlyPaths[%zu] \"%s\"", i,
                                                lx->readonly_paths[i]);
        return 0;
}

int cell_rootfs_finalize(const struct cell_spec *spec, struct cell_error *err)
{
        const struct cell_linux *lx = &spec->linux;
        if (!has_mount_ns(spec)) {
                if (lx->n_masked_paths || lx->n_readonly_paths || spec->root_readonly)
                        return cell_error_set(err, 0,
                                              "linux.maskedPaths, linux.readonlyPaths and "
                                              "root.readonly need a mount namespace, but "
                                              "linux.namespaces has no \"mount\" entry");
                return 0;
        }
        if (finalize_paths(lx, err) < 0)
                return -1;
        if (spec->root_readonly) {
                struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
                if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof(attr)) < 0)
                        return cell_error_errno(err, "root.readonly: remount / read-only");
        }
        if (lx->rootfs_propagation && mount(NULL, "/", NULL, lx->rootfs_propagation, NULL) < 0)
                return cell_error_errno(err, "linux.rootfsPropagation: set propagation of /");
        return 0;
}
