/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mount_api.h"
#include "util/xalloc.h"

bool cell_rootfs_is_mounted(const char *ctr_dir)
{
        _cleanup_free_ char *bundle = xasprintf("%s/bundle", ctr_dir);
        _cleanup_free_ char *target = xasprintf("%s/bundle/rootfs", ctr_dir);
        struct stat a, b;
        if (stat(bundle, &a) < 0 || stat(target, &b) < 0)
                return false;
        return a.st_dev != b.st_dev;
}

/* The kernel's own words from the fs context's log, if it left any. */
static void append_kernel_log(int fsfd, struct cell_error *err)
{
        char buf[512];
        ssize_t n = read(fsfd, buf, sizeof(buf) - 1);
        if (n <= 2)
                return;
        buf[n] = '\0';
        if (buf[n - 1] == '\n')
                buf[n - 1] = '\0';
        cell_error_prefix(err, "%s", buf + 2); /* "e overlayfs: ..." */
}

static int configure(int fsfd, char *const *lowers, size_t n, const char *upper, const char *work,
                     bool volatile_upper, struct cell_error *err)
{
        for (size_t i = 0; i < n; i++)
                if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0) {
                        cell_error_errno(err, "overlay lower layer %s", lowers[i]);
                        append_kernel_log(fsfd, err);
                        return -1;
                }
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
            fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0) {
                cell_error_errno(err, "overlay upperdir %s", upper);
                append_kernel_log(fsfd, err);
                return -1;
        }
        if (volatile_upper && fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0) {
                cell_error_errno(err, "overlay option volatile");
                append_kernel_log(fsfd, err);
                return -1;
        }
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                cell_error_errno(err, "create the overlay");
                append_kernel_log(fsfd, err);
                return -1;
        }
        return 0;
}

int cell_rootfs_mount(const char *ctr_dir, char *const *lowers, size_t n, bool volatile_upper,
                      struct cell_error *err)
{
        if (cell_rootfs_is_mounted(ctr_dir))
                return 0;
        /* overlayfs leaves this behind a volatile mount and refuses the work dir while it
         * is there: the upper dir was never synced, so after a host crash its contents may
         * be torn.  Say so rather than relay the kernel's EINVAL. */
        _cleanup_free_ char *dirty = xasprintf("%s/work/work/incompat/volatile", ctr_dir);
        if (access(dirty, F_OK) == 0)
                return cell_error_set(err, 0,
                                      "rootfs: %s/upper was mounted volatile (--rm) and the host "
                                      "went down before the container ended: its contents cannot "
                                      "be trusted; remove the container",
                                      ctr_dir);
        _cleanup_free_ char *upper = xasprintf("%s/upper", ctr_dir);
        _cleanup_free_ char *work = xasprintf("%s/work", ctr_dir);
        _cleanup_free_ char *target = xasprintf("%s/bundle/rootfs", ctr_dir);
        _cleanup_free_ char *empty = xasprintf("%s/empty", ctr_dir);
        if (cell_mkdir_p(upper, 0755, err) < 0 || cell_mkdir_p(work, 0700, err) < 0 ||
            cell_mkdir_p(target, 0755, err) < 0)
                return cell_error_prefix(err, "rootfs");
        char *only_empty[] = {empty, NULL};
        if (n == 0) {
                /* overlayfs needs a lower layer: an image without layers gets an empty one */
                if (cell_mkdir_p(empty, 0755, err) < 0)
                        return -1;
                lowers = only_empty;
                n = 1;
        }
        _cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return cell_error_errno(err, "rootfs: fsopen overlay");
        if (configure(fsfd, lowers, n, upper, work, volatile_upper, err) < 0)
                return cell_error_prefix(err, "rootfs");
        _cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
        if (mfd < 0)
                return cell_error_errno(err, "rootfs: fsmount overlay");
        if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return cell_error_errno(err, "rootfs: mount the overlay on %s", target);
        return 0;
}

int cell_rootfs_umount(const char *ctr_dir, struct cell_error *err)
{
        _cleanup_free_ char *target = xasprintf("%s/bundle/rootfs", ctr_dir);
        for (int i = 0; i < 8 && cell_rootfs_is_mounted(ctr_dir); i++) {
                if (umount2(target, UMOUNT_NOFOLLOW | MNT_DETACH) < 0 && errno != EINVAL &&
                    errno != ENOENT)
                        return cell_error_errno(err, "unmount %s", target);
        }
        return 0;
}
