/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/dmz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

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

int cell_dmz_exec(int dmz_fd, const char *path, char *const argv[], char *const envp[], int sync_fd)
{
        size_t n = 0;
        while (argv[n])
                n++;
        char **args = calloc(n + 3, sizeof(char *));
        if (!args)
                return -1;
        char fdbuf[16];
        snprintf(fdbuf, sizeof(fdbuf), "%d", sync_fd);
        args[0] = (char *)path;
        args[1] = fdbuf;
        for (size_t i = 0; i < n; i++)
                args[i + 2] = argv[i];
        /* cell-dmz needs the socket across this exec and marks it CLOEXEC again. */
        fcntl(sync_fd, F_SETFD, 0);
        syscall(SYS_execveat, dmz_fd, "", args, envp, AT_EMPTY_PATH);
        int saved = errno;
        fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
        free(args);
        errno = saved;
        return -1;
}
