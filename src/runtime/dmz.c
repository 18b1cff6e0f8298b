/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/dmz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sandbox/lsm.h"
#include "sandbox/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mount_api.h"

/* Generated from src/runtime/dmz/dmz.c at build time. */
extern const unsigned char cell_dmz_image[];
extern const unsigned long cell_dmz_image_size;

int cell_dmz_open(struct cell_error *err)
{
        _cleanup_close_ int fd = memfd_create("cell-dmz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return cell_error_errno(err, "memfd_create");
        if (cell_write_all(fd, cell_dmz_image, cell_dmz_image_size) < 0)
                return cell_error_errno(err, "write cell-dmz into a memfd");
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                return cell_error_errno(err, "seal the cell-dmz memfd");
        return steal_fd(fd);
}

int cell_dmz_filter_open(const struct cell_seccomp_filter *filter, const void *msg, size_t msg_len,
                         struct cell_error *err)
{
        const void *insns;
        size_t n;
        unsigned flags;
        cell_seccomp_filter_program(filter, &flags, &insns, &n);
        if (msg_len > CELL_DMZ_MSG_MAX)
                return cell_error_set(err, E2BIG,
                                      "linux.seccomp.listenerPath: the state to send is %zu bytes, "
                                      "more than %d",
                                      msg_len, CELL_DMZ_MSG_MAX);
        /* The layout cell-dmz reads: struct filter_header in dmz/dmz.c. */
        uint32_t h[3] = {flags, (uint32_t)n, (uint32_t)msg_len};
        struct iovec iov[3] = {{h, sizeof(h)}, {(void *)insns, n * 8}, {(void *)msg, msg_len}};
        size_t total = sizeof(h) + n * 8 + msg_len;
        /* Not close-on-exec: cell-dmz, the next program, reads and closes it. */
        _cleanup_close_ int fd = memfd_create("cell-seccomp", 0);
        if (fd < 0)
                return cell_error_errno(err, "linux.seccomp: memfd_create");
        if (writev(fd, iov, 3) != (ssize_t)total)
                return cell_error_errno(err, "linux.seccomp: write the filter for cell-dmz");
        return steal_fd(fd);
}

int cell_dmz_exec(int dmz_fd, const char *path, char *const argv[], char *const envp[], int sync_fd,
                  unsigned flags, const struct cell_dmz_filter *filter,
                  const struct cell_lsm_attr *attr)
{
        size_t n = 0;
        while (argv[n])
                n++;
        bool with_attr = attr && attr->path;
        char **args = calloc(n + 5, sizeof(char *));
        if (!args)
                return -1;
        char fdbuf[48];
        int len = snprintf(fdbuf, sizeof(fdbuf), "%d%s%s%s", sync_fd,
                           (flags & CELL_DMZ_HOP) ? "h" : "",
                           (flags & CELL_DMZ_HOP) && (flags & CELL_DMZ_TTY) ? "t" : "",
                           (flags & CELL_DMZ_HOP) && (flags & CELL_DMZ_PDEATHSIG) ? "k" : "");
        if (filter) {
                snprintf(fdbuf + len, sizeof(fdbuf) - (size_t)len, "s%d,%d", filter->program_fd,
                         filter->socket_fd);
                if (filter->socket_fd != sync_fd)
                        fcntl(filter->socket_fd, F_SETFD, 0);
        }
        args[0] = (char *)path;
        args[1] = fdbuf;
        size_t first = 2;
        if (with_attr) {
                strcat(fdbuf, "a");
                args[first++] = attr->path;
                args[first++] = attr->value;
        }
        for (size_t i = 0; i < n; i++)
                args[first + i] = argv[i];
        /* cell-dmz needs the socket across this exec and marks it CLOEXEC again. */
        fcntl(sync_fd, F_SETFD, 0);
        syscall(SYS_execveat, dmz_fd, "", args, envp, AT_EMPTY_PATH);
        int saved = errno;
        fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
        if (filter && filter->socket_fd != sync_fd)
                fcntl(filter->socket_fd, F_SETFD, FD_CLOEXEC);
        free(args);
        errno = saved;
        return -1;
}

/* Read-only (its mount) or sealed against writes (a memfd copy). */
static bool exe_is_protected(int fd)
{
        struct statvfs sv;
        if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
                return true;
        int seals = fcntl(fd, F_GET_SEALS);
        return seals >= 0 && (seals & F_SEAL_WRITE);
}

/*
 * A detached bind mount of the binary, made read-only.  It is in no
 * mount table (nothing to clean up, nothing for a container to see) and
 * lives as long as a process runs from it.  Needs CAP_SYS_ADMIN.
 */
static int readonly_view(void)
{
        int fd = open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (fd < 0)
                return -1;
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
        if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0 ||
            !exe_is_protected(fd)) {
                close(fd);
                return -1;
        }
        return fd;
}

static int sealed_copy(int self, struct cell_error *err)
{
        struct stat st;
        if (fstat(self, &st) < 0)
                return cell_error_errno(err, "stat /proc/self/exe");
        _cleanup_close_ int fd = memfd_create("cell", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return cell_error_errno(err, "memfd_create");
        off_t off = 0;
        while (off < st.st_size) {
                ssize_t n = sendfile(fd, self, &off, (size_t)(st.st_size - off));
                if (n <= 0)
                        return cell_error_errno(err, "copy /proc/self/exe into a memfd");
        }
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                return cell_error_errno(err, "seal the memfd copy of cell");
        return steal_fd(fd);
}

bool cell_dmz_self_protected(void)
{
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        return self >= 0 && exe_is_protected(self);
}

int cell_dmz_protect_self(char *const argv[], struct cell_error *err)
{
        if (!argv)
                return cell_error_set(err, 0,
                                      "re-executing cell from a read-only view of its "
                                      "binary (CVE-2019-5736) needs its argv");
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return cell_error_errno(err, "open /proc/self/exe");
        if (exe_is_protected(self))
                return 0;
        _cleanup_close_ int fd = readonly_view();
        if (fd < 0 && (fd = sealed_copy(self, err)) < 0)
                return -1;
        syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
        return cell_error_errno(err, "re-execute cell from a read-only view of its binary");
}

static bool has_ptrace(const struct cell_process *p)
{
        return p && p->caps.present && (p->caps.bounding & (UINT64_C(1) << CAP_SYS_PTRACE));
}

bool cell_dmz_needed(const struct cell_spec *spec, const struct cell_process *extra)
{
        const struct cell_namespace *ns = spec->linux.namespaces;
        if (ns[CELL_NS_USER].enabled)
                return false;
        if (!ns[CELL_NS_PID].enabled || ns[CELL_NS_PID].path)
                return true;
        return has_ptrace(spec->has_process ? &spec->process : NULL) || has_ptrace(extra);
}

int cell_dmz_protect_if_needed(char *const argv[], const struct cell_spec *spec,
                               const struct cell_process *extra, struct cell_error *err)
{
        return cell_dmz_needed(spec, extra) ? cell_dmz_protect_self(argv, err) : 0;
}
