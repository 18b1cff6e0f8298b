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
 * Both the idmapping and the open of a bind-mount source need the host's
 * privileges: the container's init runs inside its user namespace, where a
 * source below a directory only host root may enter is EACCES and a tree
 * of the host's mount namespace cannot be given attributes.  So the runtime
 * does these steps (the plan's ops up to CELL_MOP_ATTACH) before it clones
 * the init, which inherits the detached trees and attaches them.
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

static int write_map(pid_t pid, const char *file, const struct cell_id_mapping *maps, size_t n,
                     struct cell_error *err)
{
        _cleanup_free_ char *buf = xmalloc(n * 36 + 1);
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
                len += (size_t)sprintf(buf + len, "%u %u %u\n", maps[i].container_id,
                                       maps[i].host_id, maps[i].size);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
        return cell_write_file(path, buf, len, err);
}

/* A child that only waits in its new user namespace until `hold` closes. */
static pid_t clone_userns_holder(int *hold)
{
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -1;
        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid == 0) {
                char c;
                close(pipefd[1]);
                while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
                        ;
                _exit(0);
        }
        close(pipefd[0]);
        if (pid < 0) {
                int saved = errno;
                close(pipefd[1]);
                errno = saved;
                return -1;
        }
        *hold = pipefd[1];
        return pid;
}

int cell_mount_idmap_userns(const struct cell_mount_idmap *map, struct cell_error *err)
{
        int hold = -1;
        pid_t pid = clone_userns_holder(&hold);
        if (pid < 0)
                return cell_error_errno(err, "create a user namespace for the idmapping");
        int fd = -1;
        if (write_map(pid, "uid_map", map->uid, map->n_uid, err) == 0 &&
            write_map(pid, "gid_map", map->gid, map->n_gid, err) == 0) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
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

/* The runtime's side: the ops before the attach, for one mount; *fd -1 if not ours. */
static int open_source(const struct cell_spec *spec, size_t index, const char *bundle, int *fd,
                       struct cell_error *err)
{
        const struct cell_mount *m = &spec->mounts[index];
        struct cell_mount_plan plan;
        *fd = -1;
        if (cell_mount_plan_build(m, false, &plan, err) < 0)
                return cell_error_prefix(err, "mounts[%zu]", index);
        bool userns = spec->linux.namespaces[CELL_NS_USER].enabled;
        if (!plan.bind || !(userns || plan.idmapped))
                return 0;
        _cleanup_free_ char *source =
                m->source[0] == '/' ? xstrdup(m->source) : xasprintf("%s/%s", bundle, m->source);
        *fd = cell_mount_open_tree(&spec->linux, m, index, &plan, source, err);
        return *fd < 0 ? -1 : 0;
}

static int open_sources(const struct cell_spec *spec, const char *bundle, int **fds_out,
                        struct cell_error *err)
{
        int *fds = NULL;
        for (size_t i = 0; i < spec->n_mounts; i++) {
                int fd;
                if (open_source(spec, i, bundle, &fd, err) < 0) {
                        *fds_out = fds;
                        return -1;
                }
                if (fd < 0)
                        continue;
                if (!fds) {
                        fds = xmalloc(spec->n_mounts * sizeof(*fds));
                        for (size_t k = 0; k < spec->n_mounts; k++)
                                fds[k] = -1;
                }
                fds[i] = fd;
        }
        *fds_out = fds;
        return 0;
}

int cell_rootfs_prepare(const struct cell_spec *spec, const char *bundle, int state_dirfd,
                        struct cell_rootfs_prepared *prep, struct cell_error *err)
{
        *prep = (struct cell_rootfs_prepared)CELL_ROOTFS_PREPARED_INIT;
        if (!spec->linux.namespaces[CELL_NS_MOUNT].enabled && spec->n_mounts > 0 &&
            (prep->journal_fd = cell_host_mounts_journal_open(state_dirfd, err)) < 0)
                return -1;
        if (open_sources(spec, bundle, &prep->mount_fds, err) < 0) {
                cell_rootfs_prepared_release(prep, spec->n_mounts);
                return -1;
        }
        return 0;
}

void cell_rootfs_prepared_release(struct cell_rootfs_prepared *prep, size_t n_mounts)
{
        if (prep->mount_fds)
                for (size_t i = 0; i < n_mounts; i++)
                        cell_closep(&prep->mount_fds[i]);
        free(prep->mount_fds);
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
