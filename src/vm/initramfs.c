/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's initramfs: a newc cpio archive (the kernel's own format,
 * Documentation/driver-api/early-userspace/buffer-format.rst) with /init and
 * /dev/console, written into a memfd at every start.  Writing it costs a copy of
 * the ~80 KiB init; a cached file would cost a place on disk to keep in step.
 * /dev/console must exist in the archive: the kernel opens it for init's stdio
 * before init can mount devtmpfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/vm.h"

struct cpio_entry {
        const char *name;
        unsigned mode;
        unsigned rdev_major, rdev_minor;
        const char *data;
        size_t size;
};

static int write_padded(int fd, const void *buf, size_t len)
{
        static const char zeros[4];
        if (cell_write_all(fd, buf, len) < 0)
                return -1;
        return cell_write_all(fd, zeros, (4 - len % 4) % 4);
}

static int write_entry(int fd, unsigned ino, const struct cpio_entry *e)
{
        char hdr[128];
        size_t namesize = strlen(e->name) + 1;
        snprintf(hdr, sizeof hdr, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino,
                 e->mode, 0, 0, 1, 0, (unsigned)e->size, 0, 0, e->rdev_major, e->rdev_minor,
                 (unsigned)namesize, 0);
        /* header (110 bytes) and name are padded together to a multiple of four */
        _cleanup_free_ char *head = xasprintf("%s%s", hdr, e->name);
        if (write_padded(fd, head, 110 + namesize) < 0)
                return -1;
        return e->size ? write_padded(fd, e->data, e->size) : 0;
}

int cell_vm_initramfs(const char *init, struct cell_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        if (cell_read_file(init, &data, &size, err) < 0)
                return cell_error_prefix(err, "guest init");
        _cleanup_close_ int fd = memfd_create("cell-initramfs", 0);
        if (fd < 0)
                return cell_error_errno(err, "memfd for the guest's initramfs");
        const struct cpio_entry entries[] = {
                {"dev", S_IFDIR | 0755, 0, 0, NULL, 0},
                {"dev/console", S_IFCHR | 0600, 5, 1, NULL, 0},
                {"init", S_IFREG | 0755, 0, 0, data, size},
                {"TRAILER!!!", 0, 0, 0, NULL, 0},
        };
        for (unsigned i = 0; i < sizeof entries / sizeof *entries; i++)
                if (write_entry(fd, i + 1, &entries[i]) < 0)
                        return cell_error_errno(err, "write the guest's initramfs");
        return steal_fd(fd);
}
