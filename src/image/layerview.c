/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "image/layerview.h"
#include "util/cleanup.h"
#include "util/mount_api.h"

/* The kernel's own words from the fs context's log ("e overlayfs: ..."), if any. */
static void add_kernel_log(int fsfd, struct cell_error *err)
{
        char buf[512];
        ssize_t n = read(fsfd, buf, sizeof(buf) - 1);
        if (n <= 2)
                return;
        buf[n] = '\0';
        if (buf[n - 1] == '\n')
                buf[n - 1] = '\0';
        cell_error_prefix(err, "%s", buf + 2);
}

int cell_layers_view(char *const *dirs, size_t n, struct cell_error *err)
{
        if (n < 2)
                return cell_error_set(err, EINVAL, "a read-only overlay needs two layers or more");
        _cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return cell_error_errno(err, "fsopen overlay");
        /* "lowerdir+" (Linux 6.8) takes one layer at a time: no 4096-byte option string. */
        for (size_t i = 0; i < n; i++) {
                if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", dirs[i], 0) < 0) {
                        cell_error_errno(err, "overlay layer %s", dirs[i]);
                        add_kernel_log(fsfd, err);
                        return -1;
                }
        }
        if (fsconfig(fsfd, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
            fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                cell_error_errno(err, "create a read-only overlay");
                add_kernel_log(fsfd, err);
                return -1;
        }
        int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
                          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID |
                                  MOUNT_ATTR_NOEXEC);
        if (mfd < 0)
                return cell_error_errno(err, "fsmount overlay");
        return mfd;
}
