/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Idmapped bind mounts (runtime-spec 1.2: mounts[].uidMappings/gidMappings,
 * options "idmap"/"ridmap") and bind-mount sources opened by the runtime.
 *
 * An idmapped mount is mount_setattr(MOUNT_ATTR_IDMAP) on a detached
 * open_tree() copy, given a user namespace that holds the mapping.  That
 * namespace is a throwaway one, as in runc and crun: a child cloned into a
 * new user namespace only to have its maps written, its ns/user opened, and
 * then killed.  The mapping is the mount's own, or, for "idmap" without
 * one, the container's linux.uidMappings/gidMappings.
 *
 * With a new user namespace, both the idmapping and the open of a
 * bind-mount source need the host's privileges: the init runs inside that
 * namespace, where a source below a directory only host root may enter is
 * EACCES.  So the runtime does these steps (the plan's ops up to
 * CELL_MOP_ATTACH) itself, in the init's mount namespace, once the id maps
 * are written and before it lets the init go; the detached trees go over
 * the sync socket and the init attaches them.  Without a user namespace
 * the init, host root, does it all itself.
 *
 * Also here: cell_rootfs_prepare(), what the runtime opens before the
 * clone (the journal of host mounts, host_mounts.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/mounts.h"
#include "sandbox/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mount_api.h"
#include "util/xalloc.h"

#define MAX_ID_MAPPINGS 340 /* the kernel's limit per map (Linux 4.15) */

static int check_mappings(const struct cell_id_mapping *maps, size_t n, size_t index,
                          const char *key, struct cell_error *err)
{
        if (n > MAX_ID_MAPPINGS)
                return cell_error_set(err, 0, "mounts[%zu].%s: %zu mappings, at most %d", index,
                                      key, n, MAX_ID_MAPPINGS);
        for (size_t j = 0; j < n; j++) {
                const struct cell_id_mapping *e = &maps[j];
                if (e->size == 0)
                        return cell_error_set(err, 0, "mounts[%zu].%s[%zu].size: must not be 0",
                                              index, key, j);
                if ((uint64_t)e->container_id + e->size > UINT32_MAX ||
                    (uint64_t)e->host_id + e->size > UINT32_MAX)
                        return cell_error_set(err, 0,
                                              "mounts[%zu].%s[%zu]: id + size exceeds the "
                                              "32-bit id range",
                                              index, key, j);
        }
        return 0;
}

int cell_mount_idmap_resolve(const struct cell_mount *m, size_t index, const struct cell_linux *lx,
                             struct cell_mount_idmap *out, struct cell_error *err)
{
        if (m->n_uid_mappings || m->n_gid_mappings) {
                if (!m->n_uid_mappings || !m->n_gid_mappings)
                        return cell_error_set(err, 0,
                                              "mounts[%zu].%s: an idmapped mount needs both "
                                              "uidMappings and gidMappings",
                                              index,
                                              m->n_uid_mappings ? "gidMappings" : "uidMappings");
                *out = (struct cell_mount_idmap){m->uid_mappings, m->n_uid_mappings,
                                                 m->gid_mappings, m->n_gid_mappings};
        } else if (lx->n_uid_mappings && lx->n_gid_mappings) {
                *out = (struct cell_mount_idmap){lx->uid_mappings, lx->n_uid_mappings,
                                                 lx->gid_mappings, lx->n_gid_mappings};
        } else {
                return cell_error_set(err, 0,
                                      "mounts[%zu].options: \"idmap\" without "
                                      "mounts[%zu].uidMappings/gidMappings needs the "
                                      "container's linux.uidMappings and gidMappings",
                                      index, index);
        }
        if (check_mappings(out->uid, out->n_uid, index, "uidMappings", err) < 0 ||
            check_mappings(out->gid, out->n_gid, index, "gidMappings", err) < 0)
                return -1;
        return 0;
}

static int write_map(const char *proc_name, const char *file, const struct cell_id_mapping *maps,
                     size_t n, struct cell_error *err)
{
        _cleanup_free_ char *buf = xmalloc(n * 36 + 1);
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
                len += (size_t)sprintf(buf + len, "%u %u %u\n", maps[i].container_id,
                                       maps[i].host_id, maps[i].size);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%s/%s", proc_name, file);
        return cell_write_file(path, buf, len, err);
}

/*
 * A child that waits in a new user namespace until `hold` closes.  Its
 * directory in our /proc is named by its pid as that procfs sees it, which
 * is not what clone() returns when we are in a pid namespace of our own
 * (the init, before its /proc is mounted): the child reads its /proc/self
 * link and sends the name.
 */
static pid_t clone_userns_holder(int *hold, char name[16])
{
        int down[2], up[2];
        if (pipe2(down, O_CLOEXEC) < 0)
                return -1;
        if (pipe2(up, O_CLOEXEC) < 0) {
                close(down[0]);
                close(down[1]);
                return -1;
        }
        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid == 0) {
                char self[16], c;
                ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
                if (n > 0 && write(up[1], self, (size_t)n) == n) {
                        close(up[1]);
                        while (read(down[0], &c, 1) < 0 && errno == EINTR)
                                ;
                }
                _exit(0);
        }
        int saved = errno;
        close(down[0]);
        close(up[1]);
        ssize_t n = -1;
        if (pid > 0)
                while ((n = read(up[0], name, 15)) < 0 && errno == EINTR)
                        ;
        close(up[0]);
        if (pid > 0 && n > 0) {
                name[n] = '\0';
                *hold = down[1];
                return pid;
        }
        close(down[1]);
        if (pid > 0) {
                kill(pid, SIGKILL);
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                saved = EPROTO;
        }
        errno = saved;
        return -1;
}

int cell_mount_idmap_userns(const struct cell_mount_idmap *map, struct cell_error *err)
{
        int hold = -1;
        char name[16];
        pid_t pid = clone_userns_holder(&hold, name);
        if (pid < 0)
                return cell_error_errno(err, "create a user namespace for the idmapping");
        int fd = -1;
        if (write_map(name, "uid_map", map->uid, map->n_uid, err) == 0 &&
            write_map(name, "gid_map", map->gid, map->n_gid, err) == 0) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%s/ns/user", name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        cell_error_errno(err, "open %s", path);
        }
        close(hold);
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return fd;
}

/* The runtime's side: the ops before the attach, for one mount; *fd -1 if not a bind. */
static int open_source(const struct cell_spec *spec, size_t index, const char *bundle, int *fd,
                       struct cell_error *err)
{
        const struct cell_mount *m = &spec->mounts[index];
        struct cell_mount_plan plan;
        *fd = -1;
        if (cell_mount_plan_build(m, false, &plan, err) < 0)
                return cell_error_prefix(err, "mounts[%zu]", index);
        if (!plan.bind)
                return 0;
        _cleanup_free_ char *source =
                m->source[0] == '/' ? xstrdup(m->source) : xasprintf("%s/%s", bundle, m->source);
        *fd = cell_mount_open_tree(&spec->linux, m, index, &plan, source, err);
        return *fd < 0 ? -1 : 0;
}

static int open_sources(const struct cell_spec *spec, const char *bundle, int *fds,
                        struct cell_error *err)
{
        for (size_t i = 0; i < spec->n_mounts; i++)
                if (open_source(spec, i, bundle, &fds[i], err) < 0)
                        return -1;
        return 0;
}

bool cell_rootfs_sources_needed(const struct cell_spec *spec)
{
        const struct cell_namespace *user = &spec->linux.namespaces[CELL_NS_USER];
        if (!user->enabled || user->path)
                return false;
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct cell_mount *m = &spec->mounts[i];
                if (m->bind || (m->type && !strcmp(m->type, "bind")))
                        return true;
        }
        return false;
}

/*
 * In the init's mount namespace, a copy of ours made at clone: every mount
 * there is locked as the kernel locks a namespace handed to a less
 * privileged user namespace (flags such as a host's read-only, and the
 * submounts of an rbind), and a clone of it stays so.  Cloned from our own
 * namespace instead, the trees would reach the container unlocked: its
 * root could remount a host read-only mount read-write.
 */
int cell_rootfs_open_sources(const struct cell_spec *spec, const char *bundle, pid_t init_pid,
                             int **fds_out, struct cell_error *err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", init_pid);
        _cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int home = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (target < 0 || home < 0 || cwd < 0)
                return cell_error_errno(err, "open the mount namespaces for the bind sources");
        if (setns(target, CLONE_NEWNS) < 0)
                return cell_error_errno(err, "enter the container's mount namespace %s", path);
        int *fds = xmalloc(spec->n_mounts * sizeof(*fds));
        for (size_t k = 0; k < spec->n_mounts; k++)
                fds[k] = -1;
        int r = open_sources(spec, bundle, fds, err);
        if (setns(home, CLONE_NEWNS) < 0 || fchdir(cwd) < 0) {
                cell_error_errno(err, "return to the runtime's mount namespace");
                r = -1;
        }
        if (r < 0) {
                cell_rootfs_close_sources(fds, spec->n_mounts);
                return -1;
        }
        *fds_out = fds;
        return 0;
}

int cell_rootfs_prepare(const struct cell_spec *spec, int state_dirfd,
                        struct cell_rootfs_prepared *prep, struct cell_error *err)
{
        *prep = (struct cell_rootfs_prepared)CELL_ROOTFS_PREPARED_INIT;
        if (!spec->linux.namespaces[CELL_NS_MOUNT].enabled && spec->n_mounts > 0 &&
            (prep->journal_fd = cell_host_mounts_journal_open(state_dirfd, err)) < 0)
                return -1;
        return 0;
}

void cell_rootfs_close_sources(int *fds, size_t n)
{
        for (size_t i = 0; fds && i < n; i++)
                cell_closep(&fds[i]);
        free(fds);
}

void cell_rootfs_prepared_release(struct cell_rootfs_prepared *prep, size_t n_mounts)
{
        cell_rootfs_close_sources(prep->mount_fds, n_mounts);
        cell_closep(&prep->journal_fd);
        *prep = (struct cell_rootfs_prepared)CELL_ROOTFS_PREPARED_INIT;
}

int cell_rootfs_prepared_fds(const struct cell_rootfs_prepared *prep, size_t n_mounts, int *out)
{
        int n = 0;
        for (size_t i = 0; prep->mount_fds && i < n_mounts; i++)
                if (prep->mount_fds[i] >= 0)
                        out[n++] = prep->mount_fds[i];
        if (prep->journal_fd >= 0)
                out[n++] = prep->journal_fd;
        return n;
}
