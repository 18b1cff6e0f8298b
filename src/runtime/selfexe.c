/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/selfexe.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

extern char **environ;

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool is_protected(int fd)
{
        int seals = fcntl(fd, F_GET_SEALS);
        if (seals >= 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
                return true;
        struct statvfs sv;
        return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static int copy_to_memfd(int src, struct cell_error *err)
{
        struct stat st;
        if (fstat(src, &st) < 0)
                return cell_error_errno(err, "stat /proc/self/exe");
        _cleanup_close_ int mfd = memfd_create("cell", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return cell_error_errno(err, "memfd_create");
        off_t off = 0;
        while (off < st.st_size) {
                ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return cell_error_errno(err, "copy /proc/self/exe into a memfd");
        }
        if (fchmod(mfd, 0555) < 0 || fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
                return cell_error_errno(err, "seal the memfd copy of cell");
        return steal_fd(mfd);
}

int cell_selfexe_protect(char **argv, struct cell_error *err)
{
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return cell_error_errno(err, "open /proc/self/exe");
        if (is_protected(self))
                return 0;
        _cleanup_close_ int mfd = copy_to_memfd(self, err);
        if (mfd < 0)
                return -1;
        syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
        return cell_error_errno(err, "re-execute from the sealed copy of cell");
}
