/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One `mounts` entry: plan (pure) and executor.
 *
 * Filesystems (proc, tmpfs, sysfs, devpts, mqueue, ...) are mounted with
 * mount(2) onto "/proc/self/fd/N", N being an O_PATH fd of the destination
 * resolved inside the rootfs: one syscall, and the kernel mounts on exactly
 * the dentry we resolved, whatever happens to the path string afterwards.
 * procfs for a pid namespace joined by path is the exception: it is made
 * with fsopen() for that namespace (procfs.c), then fsmount + move_mount.
 * Every resolved destination is checked by identity: never the rootfs'
 * root itself, never inside a procfs unless below /proc, and proc or sysfs
 * only on an ordinary directory.  The one way onto the root is a bind
 * mount whose destination is literally "/" (after cleaning): as in runc it
 * covers the rootfs, and later destinations are resolved in the new mount.
 * A tmpfs without "mode=" keeps the mode of an existing mount point.
 *
 * Bind mounts use the new mount API instead: open_tree(OPEN_TREE_CLONE)
 * makes a detached copy of the source, mount_setattr() applies ro/nosuid/...
 * to that copy and move_mount() attaches it to the destination fd.  Unlike
 * the classic bind + MS_REMOUNT pair, mount_setattr() changes only the
 * attributes it is given, so flags the kernel locked on the source (nosuid,
 * nodev, ... of a host mount seen from a user namespace) are kept without a
 * statfs() round trip and a remount can never EPERM because of them; and
 * the mount is never visible in the container with the wrong flags.
 * With a new user namespace the runtime makes the detached copy (and its
 * idmapping) with its own privileges in our mount namespace and hands it
 * over (ctx->mount_fds, see mount_idmap.c); we only attach it.  Without a
 * mount namespace each destination is written to the host-mount journal
 * just before it is mounted on (host_mounts.c).
 */
#include "sandbox/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sandbox/paths.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mount_api.h"
#include "util/xalloc.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

const char *cell_proc_fd_path(char buf[CELL_PROC_FD_BUF], int fd)
{
        snprintf(buf, CELL_PROC_FD_BUF, "/proc/self/fd/%d", fd);
        return buf;
}

void cell_mount_flags_to_attr(unsigned long flags, unsigned long clear_flags, uint64_t *attr_set,
                              uint64_t *attr_clr)
{
        static const struct {
                unsigned long ms;
                uint64_t attr;
        } map[] = {
                {MS_RDONLY, MOUNT_ATTR_RDONLY},         {MS_NOSUID, MOUNT_ATTR_NOSUID},
                {MS_NODEV, MOUNT_ATTR_NODEV},           {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
                {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
        };
        uint64_t set = 0, clr = 0;
        for (size_t i = 0; i < CELL_ARRAY_SIZE(map); i++) {
                if (flags & map[i].ms)
                        set |= map[i].attr;
                else if (clear_flags & map[i].ms)
                        clr |= map[i].attr;
        }
        /* atime is a three-way choice: clear the field, then pick one. */
        if (flags & MS_NOATIME) {
                clr |= MOUNT_ATTR__ATIME;
                set |= MOUNT_ATTR_NOATIME;
        } else if (flags & MS_STRICTATIME) {
                clr |= MOUNT_ATTR__ATIME;
                set |= MOUNT_ATTR_STRICTATIME;
        } else if ((flags & MS_RELATIME) || (clear_flags & MS_NOATIME)) {
                clr |= MOUNT_ATTR__ATIME;
                set |= MOUNT_ATTR_RELATIME;
        }
        *attr_set = set;
        *attr_clr = clr;
}

static struct cell_mount_op *plan_add(struct cell_mount_plan *plan, enum cell_mount_op_kind kind)
{
        struct cell_mount_op *op = &plan->ops[plan->n_ops++];
        memset(op, 0, sizeof(*op));
        op->kind = kind;
        return op;
}

static void plan_tail(const struct cell_mount *m, struct cell_mount_plan *plan)
{
        if (m->attr_set || m->attr_clr) {
                struct cell_mount_op *op = plan_add(plan, CELL_MOP_SETATTR);
                op->attr_set = m->attr_set;
                op->attr_clr = m->attr_clr;
                op->recursive = true;
        }
        if (m->propagation & PROPAGATION_FLAGS)
                plan_add(plan, CELL_MOP_PROPAGATE)->flags = m->propagation;
}

static void plan_bind(const struct cell_mount *m, struct cell_mount_plan *plan)
{
        plan->bind = true;
        plan->recursive_bind = m->recursive && m->bind;
        struct cell_mount_op *op = plan_add(plan, CELL_MOP_CLONE);
        op->source = m->source;
        op->recursive = plan->recursive_bind;
        if (m->idmap || m->n_uid_mappings || m->n_gid_mappings) {
                plan->idmapped = true;
                op = plan_add(plan, CELL_MOP_IDMAP);
                for (size_t i = 0; i < m->n_options; i++)
                        if (!strcmp(m->options[i], "ridmap"))
                                op->recursive = true;
        }

        uint64_t set, clr;
        cell_mount_flags_to_attr(m->flags, m->clear_flags, &set, &clr);
        if (set || clr) {
                /* Top mount only, as a classic MS_REMOUNT does; "rro" & co. are recursive. */
                op = plan_add(plan, CELL_MOP_SETATTR);
                op->attr_set = set;
                op->attr_clr = clr;
        }
        plan_add(plan, CELL_MOP_ATTACH);
        plan_tail(m, plan);
}

static void plan_filesystem(const struct cell_mount *m, bool pidns_joined,
                            struct cell_mount_plan *plan)
{
        unsigned long flags = m->flags & ~(PROPAGATION_FLAGS | MS_REC | MS_BIND | MS_REMOUNT);
        bool late_rdonly = m->copy_up && (flags & MS_RDONLY);
        bool proc_pidns = pidns_joined && !strcmp(m->type, "proc");

        struct cell_mount_op *op =
                plan_add(plan, proc_pidns ? CELL_MOP_PROC_PIDNS : CELL_MOP_MOUNT);
        op->source = m->source ? m->source : m->type;
        op->type = m->type;
        op->data = m->data;
        op->flags = late_rdonly ? flags & ~MS_RDONLY : flags;
        if (m->copy_up) {
                plan->copy_up = true;
                plan_add(plan, CELL_MOP_COPYUP);
        }
        if (late_rdonly)
                plan_add(plan, CELL_MOP_SETATTR)->attr_set = MOUNT_ATTR_RDONLY;
        plan_tail(m, plan);
}

int cell_mount_plan_build(const struct cell_mount *m, bool pidns_joined,
                          struct cell_mount_plan *plan, struct cell_error *err)
{
        memset(plan, 0, sizeof(*plan));
        bool bind = m->bind || (m->type && !strcmp(m->type, "bind"));
        if (!bind && (m->idmap || m->n_uid_mappings || m->n_gid_mappings))
                return cell_error_set(err, 0,
                                      "idmapped mounts (idmap, uidMappings, gidMappings) need a "
                                      "bind mount");
        if (bind) {
                if (!m->source || !*m->source)
                        return cell_error_set(err, 0, "bind mount without a source");
                plan_bind(m, plan);
                return 0;
        }
        if (!m->type || !*m->type)
                return cell_error_set(err, 0, "mount type missing (and not a bind mount)");
        if (!strcmp(m->type, "cgroup")) {
                plan_add(plan, CELL_MOP_CGROUP);
                if (m->propagation & PROPAGATION_FLAGS)
                        plan_add(plan, CELL_MOP_PROPAGATE)->flags = m->propagation;
                return 0;
        }
        plan_filesystem(m, pidns_joined, plan);
        return 0;
}

/* The executor's handles for one mount. */
struct exec_state {
        struct cell_rootfs_ctx *ctx;
        const struct cell_mount *m;
        const char *dest; /* cleaned container path */
        size_t index;
        int dstfd;      /* O_PATH fd of the destination, before mounting */
        int treefd;     /* detached copy from CLONE; the mount itself once attached */
        int mntfd;      /* the new mount (reopened after MOUNT), for later ops */
        int copyfd;     /* readable fd of the destination's old content (tmpcopyup) */
        bool preopened; /* treefd came from the runtime with its ops up to ATTACH done */
        bool attached;
        char *data; /* the mount's data with the kept mode of the mount point, or NULL */
};

static void exec_state_release(struct exec_state *st)
{
        cell_closep(&st->dstfd);
        cell_closep(&st->treefd);
        cell_closep(&st->mntfd);
        cell_closep(&st->copyfd);
        free(st->data);
}

static int dest_error(struct exec_state *st, int errnum, const char *what, struct cell_error *err)
{
        return cell_error_set(err, errnum, "mounts[%zu].destination \"%s\"%s%s", st->index,
                              st->m->destination, what ? ": " : "", what ? what : "");
}

/*
 * Like runc's checkProcMount: nothing may be mounted inside the container's
 * /proc except procfs on /proc itself and a few files lxcfs-style tools
 * replace; and a destination that a symlink redirected into a procfs is
 * refused too (checked on the resolved fd).
 */
static bool proc_destination_allowed(const char *dest, const struct cell_mount *m)
{
        static const char *const allowed[] = {
                "/proc/cpuinfo", "/proc/diskstats",
                "/proc/meminfo", "/proc/stat",
                "/proc/swaps",   "/proc/uptime",
                "/proc/loadavg", "/proc/slabinfo",
                "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
        };
        if (!strcmp(dest, "/proc"))
                return m->bind || (m->type && !strcmp(m->type, "proc"));
        for (size_t i = 0; i < CELL_ARRAY_SIZE(allowed); i++)
                if (!strcmp(dest, allowed[i]))
                        return true;
        return false;
}

static bool needs_ordinary_dir(const struct cell_mount *m)
{
        return !m->bind && m->type && (!strcmp(m->type, "proc") || !strcmp(m->type, "sysfs"));
}

/*
 * proc and sysfs go on an ordinary directory, never through a symlink, as
 * in runc ("must be mounted on ordinary directory"): with an image's
 * /proc -> /elsewhere, procfs would land on /elsewhere and linux.maskedPaths
 * would mask a /proc that is not procfs (CVE-2019-16884, CVE-2019-19921).
 * The last component is opened without following it; an existing directory
 * found so is the fd mounted on, a missing one is created as usual.
 */
static int open_ordinary_dir(struct exec_state *st, struct cell_error *err)
{
        _cleanup_close_ int fd =
                cell_path_open_in_root(st->ctx->rootfd, st->dest, O_PATH | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : dest_error(st, errno, NULL, err);
        struct stat sb;
        if (fstat(fd, &sb) < 0)
                return dest_error(st, errno, NULL, err);
        if (S_ISLNK(sb.st_mode))
                return dest_error(st, 0,
                                  "is a symlink: proc and sysfs must be mounted on an "
                                  "ordinary directory",
                                  err);
        if (!S_ISDIR(sb.st_mode))
                return dest_error(st, 0,
                                  "is not a directory: proc and sysfs must be mounted on an "
                                  "ordinary directory",
                                  err);
        st->dstfd = steal_fd(fd);
        return 0;
}

/*
 * What the destination resolved to, by identity rather than by its text:
 * an image symlink such as /evil -> / leads there however clean the path.
 */
static int check_resolved(struct exec_state *st, struct cell_error *err)
{
        struct cell_path_id id;
        if (cell_path_identity(st->dstfd, &id) < 0)
                return dest_error(st, errno, "identify what it resolves to", err);
        if (cell_path_id_equal(&id, &st->ctx->root_id))
                return dest_error(
                        st, 0, "resolves to the container's root, refusing to mount over it", err);
        if (!cell_path_has_prefix(st->dest, "/proc")) {
                struct statfs sfs;
                if (fstatfs(st->dstfd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC)
                        return dest_error(st, 0, "resolves into /proc, refusing to mount there",
                                          err);
        }
        return 0;
}

static int resolve_dest(struct exec_state *st, enum cell_path_kind kind, struct cell_error *err)
{
        if (st->dstfd >= 0)
                return 0;
        if (!strcmp(st->dest, "/")) {
                /* Only a bind mount gets here (check_destination): as in
                 * runc, it covers the rootfs itself. */
                st->dstfd = openat(st->ctx->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                return st->dstfd < 0 ? dest_error(st, errno, NULL, err) : 0;
        }
        if (needs_ordinary_dir(st->m) && open_ordinary_dir(st, err) < 0)
                return -1;
        if (st->dstfd < 0)
                st->dstfd = cell_path_create_in_root(st->ctx->rootfd, st->dest, kind);
        if (st->dstfd < 0)
                return dest_error(st, errno, NULL, err);
        return check_resolved(st, err);
}

/* The new mount's root, opened after mount(2) (the dst fd still points below it). */
static int mount_handle(struct exec_state *st, struct cell_error *err)
{
        if (st->treefd >= 0)
                return st->treefd;
        if (st->mntfd < 0) {
                st->mntfd =
                        cell_path_open_in_root(st->ctx->rootfd, st->dest, O_RDONLY | O_DIRECTORY);
                if (st->mntfd < 0)
                        return dest_error(st, errno, "reopen after mount", err);
        }
        return st->mntfd;
}

static int op_error(struct exec_state *st, const struct cell_mount_op *op, struct cell_error *err)
{
        const struct cell_mount *m = st->m;
        size_t i = st->index;
        switch (op->kind) {
        case CELL_MOP_MOUNT:
        case CELL_MOP_PROC_PIDNS:
                return cell_error_errno(err, "mount \"%s\" on %s (mounts[%zu])", op->type,
                                        m->destination, i);
        case CELL_MOP_CLONE:
        case CELL_MOP_IDMAP:
                break; /* named by run_tree_op() */
        case CELL_MOP_ATTACH:
                return cell_error_errno(err, "bind mount \"%s\" on %s (mounts[%zu])", m->source,
                                        m->destination, i);
        case CELL_MOP_SETATTR:
                return cell_error_errno(err, "apply options of mount on %s (mounts[%zu])",
                                        m->destination, i);
        case CELL_MOP_COPYUP:
                return cell_error_errno(err, "tmpcopyup into %s (mounts[%zu])", m->destination, i);
        case CELL_MOP_PROPAGATE:
                return cell_error_errno(err, "set propagation of %s (mounts[%zu])", m->destination,
                                        i);
        case CELL_MOP_CGROUP:
                break;
        }
        return cell_error_errno(err, "mount on %s (mounts[%zu])", m->destination, i);
}

static int setattr_fd(int fd, uint64_t set, uint64_t clr, uint64_t propagation, bool recursive)
{
        struct mount_attr attr = {.attr_set = set, .attr_clr = clr, .propagation = propagation};
        return mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                             sizeof(attr));
}

/* An idmapping for the detached copy at *treefd. */
static int run_idmap(const struct cell_linux *lx, const struct cell_mount *m, size_t index,
                     int treefd, bool recursive, struct cell_error *err)
{
        struct cell_mount_idmap map;
        if (cell_mount_idmap_resolve(m, index, lx, &map, err) < 0)
                return -1;
        _cleanup_close_ int userns = cell_mount_idmap_userns(&map, err);
        if (userns < 0)
                return cell_error_prefix(err, "idmapped mount on %s (mounts[%zu])", m->destination,
                                         index);
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
        if (mount_setattr(treefd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                          sizeof(attr)) < 0)
                return cell_error_errno(err, "idmap the mount of \"%s\" on %s (mounts[%zu])",
                                        m->source, m->destination, index);
        return 0;
}

/* CLONE, IDMAP or SETATTR on the detached copy, before it is attached. */
static int run_tree_op(const struct cell_linux *lx, const struct cell_mount *m, size_t index,
                       const struct cell_mount_op *op, const char *source, int *treefd,
                       struct cell_error *err)
{
        switch (op->kind) {
        case CELL_MOP_CLONE:
                *treefd = open_tree(AT_FDCWD, source,
                                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                            (op->recursive ? AT_RECURSIVE : 0));
                if (*treefd < 0)
                        return cell_error_errno(err,
                                                "bind mount source \"%s\" for %s (mounts[%zu])",
                                                m->source, m->destination, index);
                return 0;
        case CELL_MOP_IDMAP:
                return run_idmap(lx, m, index, *treefd, op->recursive, err);
        case CELL_MOP_SETATTR:
                if (setattr_fd(*treefd, op->attr_set, op->attr_clr, 0, op->recursive) < 0)
                        return cell_error_errno(err, "apply options of mount on %s (mounts[%zu])",
                                                m->destination, index);
                return 0;
        default:
                return cell_error_set(err, EINVAL, "mounts[%zu]: not a detached-tree operation",
                                      index);
        }
}

int cell_mount_open_tree(const struct cell_linux *lx, const struct cell_mount *m, size_t index,
                         const struct cell_mount_plan *plan, const char *source,
                         struct cell_error *err)
{
        int treefd = -1;
        for (size_t i = 0; i < plan->n_ops && plan->ops[i].kind != CELL_MOP_ATTACH; i++) {
                if (run_tree_op(lx, m, index, &plan->ops[i], source, &treefd, err) < 0) {
                        cell_closep(&treefd);
                        return -1;
                }
        }
        return treefd;
}

static int run_clone(struct exec_state *st, const struct cell_mount_op *op, struct cell_error *err)
{
        if (!st->preopened && run_tree_op(&st->ctx->spec->linux, st->m, st->index, op, op->source,
                                          &st->treefd, err) < 0)
                return -1;
        /* The destination mirrors the source: a directory or an empty file. */
        struct stat sb;
        if (fstat(st->treefd, &sb) < 0)
                return op_error(st, op, err);
        /* Only a procfs may stand in for /proc (runc's checkProcMount): the
         * masks and read-only paths are meant for one. */
        struct statfs sfs;
        if (!strcmp(st->dest, "/proc") &&
            (fstatfs(st->treefd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC))
                return dest_error(st, 0, "a bind mount on /proc must come from a procfs", err);
        return resolve_dest(st, S_ISDIR(sb.st_mode) ? CELL_PATH_DIR : CELL_PATH_FILE, err);
}

/* Whether the comma-separated `data` has the option `key` ("key" or "key=..."). */
static bool data_has_key(const char *data, const char *key)
{
        size_t n = strlen(key);
        for (const char *p = data; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (!strncmp(p, key, n) && (p[n] == '=' || p[n] == ',' || !p[n]))
                        return true;
        return false;
}

/*
 * A tmpfs without "mode=" on an existing directory keeps that directory's
 * mode, setuid, setgid and sticky bits included, as runc does (it adds
 * mode=<the mount point's mode>); a created mount point gets tmpfs' default.
 * The destination is opened here, before resolve_dest would create it.
 */
static int keep_dest_mode(struct exec_state *st, const struct cell_mount_op *op,
                          struct cell_error *err)
{
        if (strcmp(op->type, "tmpfs") || st->m->copy_up || data_has_key(op->data, "mode") ||
            st->dstfd >= 0)
                return 0;
        st->dstfd = cell_path_open_in_root(st->ctx->rootfd, st->dest, O_PATH);
        if (st->dstfd < 0)
                return errno == ENOENT ? 0 : dest_error(st, errno, NULL, err);
        if (check_resolved(st, err) < 0)
                return -1;
        struct stat sb;
        if (fstat(st->dstfd, &sb) < 0)
                return dest_error(st, errno, NULL, err);
        if (S_ISDIR(sb.st_mode))
                st->data = xasprintf("mode=%o%s%s", (unsigned)(sb.st_mode & 07777),
                                     op->data && *op->data ? "," : "", op->data ? op->data : "");
        return 0;
}

static int run_mount(struct exec_state *st, const struct cell_mount_op *op, struct cell_error *err)
{
        if (keep_dest_mode(st, op, err) < 0 || resolve_dest(st, CELL_PATH_DIR, err) < 0)
                return -1;
        if (st->m->copy_up && st->copyfd < 0) {
                st->copyfd = openat(st->dstfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (st->copyfd < 0)
                        return dest_error(st, errno, "open for tmpcopyup", err);
        }
        if (cell_host_mounts_record(st->ctx, st->dstfd, st->m->destination, err) < 0)
                return -1;
        char buf[CELL_PROC_FD_BUF];
        const char *data = st->data ? st->data : op->data;
        if (mount(op->source, cell_proc_fd_path(buf, st->dstfd), op->type, op->flags, data) < 0)
                return op_error(st, op, err);
        return 0;
}

/* Each item of the comma-separated `data`, "key=value" or "key", through fsconfig(). */
static int configure_fs(struct exec_state *st, int fsfd, const char *data, struct cell_error *err)
{
        if (!data || !*data)
                return 0;
        _cleanup_free_ char *copy = xstrdup(data);
        char *save = NULL;
        for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                char *value = strchr(item, '=');
                if (value)
                        *value++ = '\0';
                int r = value ? fsconfig(fsfd, FSCONFIG_SET_STRING, item, value, 0)
                              : fsconfig(fsfd, FSCONFIG_SET_FLAG, item, NULL, 0);
                if (r < 0)
                        return cell_error_errno(err,
                                                "mount \"%s\" on %s (mounts[%zu]): option \"%s\"",
                                                st->m->type, st->m->destination, st->index, item);
        }
        return 0;
}

/* procfs of the pid namespace joined by path, which the init enters only later. */
static int run_proc_pidns(struct exec_state *st, const struct cell_mount_op *op,
                          struct cell_error *err)
{
        if (resolve_dest(st, CELL_PATH_DIR, err) < 0)
                return -1;
        _cleanup_close_ int fsfd = cell_procfs_context(st->ctx->pidns_fd);
        if (fsfd < 0)
                return cell_error_errno(err,
                                        "mount \"proc\" on %s (mounts[%zu]): procfs for the pid "
                                        "namespace %s",
                                        st->m->destination, st->index,
                                        st->ctx->spec->linux.namespaces[CELL_NS_PID].path);
        if (configure_fs(st, fsfd, op->data, err) < 0)
                return -1;
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return op_error(st, op, err);
        uint64_t set, clr;
        cell_mount_flags_to_attr(op->flags, 0, &set, &clr);
        st->treefd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)set);
        if (st->treefd < 0)
                return op_error(st, op, err);
        /* Whatever came over the helper's socket, only a procfs is mounted. */
        struct statfs sfs;
        if (fstatfs(st->treefd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
                return cell_error_set(err, EINVAL,
                                      "mount \"proc\" on %s (mounts[%zu]): not a procfs",
                                      st->m->destination, st->index);
        if (cell_host_mounts_record(st->ctx, st->dstfd, st->m->destination, err) < 0)
                return -1;
        if (move_mount(st->treefd, "", st->dstfd, "",
                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return op_error(st, op, err);
        return 0;
}

static int run_copyup(struct exec_state *st, const struct cell_mount_op *op, struct cell_error *err)
{
        int fd = mount_handle(st, err);
        if (fd < 0)
                return -1;
        if (cell_path_copy_tree(st->copyfd, fd) < 0)
                return op_error(st, op, err);
        /* The new root takes the old directory's owner (and mode unless data sets one). */
        struct stat sb;
        if (fstat(st->copyfd, &sb) < 0 || fchown(fd, sb.st_uid, sb.st_gid) < 0)
                return op_error(st, op, err);
        if (!(st->m->data && strstr(st->m->data, "mode=")) && fchmod(fd, sb.st_mode & 07777) < 0)
                return op_error(st, op, err);
        return 0;
}

static int run_op(struct exec_state *st, const struct cell_mount_op *op, struct cell_error *err)
{
        int fd;
        switch (op->kind) {
        case CELL_MOP_MOUNT:
                return run_mount(st, op, err);
        case CELL_MOP_PROC_PIDNS:
                return run_proc_pidns(st, op, err);
        case CELL_MOP_CLONE:
                return run_clone(st, op, err);
        case CELL_MOP_IDMAP:
                if (st->preopened)
                        return 0;
                return run_tree_op(&st->ctx->spec->linux, st->m, st->index, op, NULL, &st->treefd,
                                   err);
        case CELL_MOP_ATTACH:
                if (resolve_dest(st, CELL_PATH_DIR, err) < 0 ||
                    cell_host_mounts_record(st->ctx, st->dstfd, st->m->destination, err) < 0)
                        return -1;
                if (move_mount(st->treefd, "", st->dstfd, "",
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return op_error(st, op, err);
                st->attached = true;
                return 0;
        case CELL_MOP_SETATTR:
                if (st->preopened && !st->attached)
                        return 0; /* done by the runtime */
                if ((fd = mount_handle(st, err)) < 0)
                        return -1;
                if (setattr_fd(fd, op->attr_set, op->attr_clr, 0, op->recursive) < 0)
                        return op_error(st, op, err);
                return 0;
        case CELL_MOP_COPYUP:
                return run_copyup(st, op, err);
        case CELL_MOP_PROPAGATE:
                if ((fd = mount_handle(st, err)) < 0)
                        return -1;
                if (setattr_fd(fd, 0, 0, op->flags & PROPAGATION_FLAGS, op->flags & MS_REC) < 0)
                        return op_error(st, op, err);
                return 0;
        case CELL_MOP_CGROUP:
                if (resolve_dest(st, CELL_PATH_DIR, err) < 0 ||
                    cell_host_mounts_record(st->ctx, st->dstfd, st->m->destination, err) < 0)
                        return -1;
                if (cell_mount_cgroup(st->ctx, st->m, st->dest, st->dstfd, err) < 0)
                        return cell_error_prefix(err, "mount \"cgroup\" on %s (mounts[%zu])",
                                                 st->m->destination, st->index);
                return 0;
        }
        return cell_error_set(err, EINVAL, "mounts[%zu]: unknown operation", st->index);
}

static int run_plan(struct exec_state *st, const struct cell_mount_plan *plan,
                    struct cell_error *err)
{
        for (size_t i = 0; i < plan->n_ops; i++)
                if (run_op(st, &plan->ops[i], err) < 0)
                        return -1;
        return 0;
}

/*
 * sysfs can only be mounted by a process that owns its network namespace;
 * without one (rootless, or no "network" namespace) runc binds the host's
 * /sys read-only instead, and so do we.
 */
static void plan_sysfs_fallback(struct cell_mount_plan *plan)
{
        memset(plan, 0, sizeof(*plan));
        plan->bind = plan->recursive_bind = true;
        struct cell_mount_op *op = plan_add(plan, CELL_MOP_CLONE);
        op->source = "/sys";
        op->recursive = true;
        op = plan_add(plan, CELL_MOP_SETATTR);
        op->attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        op->recursive = true;
        plan_add(plan, CELL_MOP_ATTACH);
}

static int check_destination(struct exec_state *st, const struct cell_mount_plan *plan,
                             struct cell_error *err)
{
        if (!strcmp(st->dest, "/") && !plan->bind)
                return dest_error(st, 0, "cannot mount over the container's root", err);
        if (cell_path_has_prefix(st->dest, "/proc") && !proc_destination_allowed(st->dest, st->m))
                return dest_error(st, 0, "is inside /proc, refusing to mount there", err);
        return 0;
}

/* /dev is populated after the mounts: a read-only /dev becomes read-only only then. */
static void note_mount(struct cell_rootfs_ctx *ctx, const char *dest, struct cell_mount_plan *plan)
{
        if (!strcmp(dest, "/proc") && !plan->bind)
                ctx->proc_mounted = true;
        else if (!strcmp(dest, "/dev/pts"))
                ctx->pts_mounted = true;
        else if (!strcmp(dest, "/dev/shm"))
                ctx->shm_mounted = true;
        else if (!strcmp(dest, "/dev")) {
                ctx->dev_mounted = true;
                ctx->dev_bind = plan->bind;
                if (!plan->bind && (plan->ops[0].flags & MS_RDONLY)) {
                        plan->ops[0].flags &= ~MS_RDONLY;
                        ctx->dev_readonly = true;
                }
        }
}

/*
 * After a bind mount on "/", the rootfs path names the new mount: the
 * destinations that follow are resolved in it, and it is the root that no
 * later mount may cover.
 */
static int refresh_root(struct cell_rootfs_ctx *ctx, struct cell_error *err)
{
        int fd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "reopen rootfs %s after the mount on /", ctx->rootfs);
        close(ctx->rootfd);
        ctx->rootfd = fd;
        if (cell_path_identity(fd, &ctx->root_id) < 0)
                return cell_error_errno(err, "statx rootfs %s", ctx->rootfs);
        return 0;
}

int cell_mount_execute(struct cell_rootfs_ctx *ctx, const struct cell_mount *m, size_t index,
                       struct cell_error *err)
{
        _cleanup_free_ char *dest = cell_path_clean(m->destination ? m->destination : "");
        struct exec_state st = {.ctx = ctx,
                                .m = m,
                                .dest = dest,
                                .index = index,
                                .dstfd = -1,
                                .treefd = -1,
                                .mntfd = -1,
                                .copyfd = -1};
        if (ctx->mount_fds && ctx->mount_fds[index] >= 0) {
                st.treefd = steal_fd(ctx->mount_fds[index]);
                st.preopened = true;
        }
        struct cell_mount_plan plan;
        if (cell_mount_plan_build(m, ctx->pidns_fd >= 0, &plan, err) < 0) {
                exec_state_release(&st);
                return cell_error_prefix(err, "mounts[%zu]", index);
        }
        if (check_destination(&st, &plan, err) < 0) {
                exec_state_release(&st);
                return -1;
        }
        note_mount(ctx, dest, &plan);

        int r = run_plan(&st, &plan, err);
        if (r < 0 && err && err->errnum == EPERM && !ctx->netns && plan.n_ops > 0 &&
            plan.ops[0].kind == CELL_MOP_MOUNT && !strcmp(plan.ops[0].type, "sysfs")) {
                plan_sysfs_fallback(&plan);
                r = run_plan(&st, &plan, err);
        }
        exec_state_release(&st);
        if (r == 0 && !strcmp(dest, "/"))
                r = refresh_root(ctx, err);
        return r;
}

int cell_mount_bind_fd(const char *source, int dstfd, bool recursive)
{
        _cleanup_close_ int tree =
                open_tree(AT_FDCWD, source,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        if (tree < 0)
                return -1;
        return move_mount(tree, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}
