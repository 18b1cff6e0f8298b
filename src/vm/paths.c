/* SPDX-License-Identifier: Apache-2.0 */
/* Where the micro-VM's parts are: QEMU, the guest kernel, cell-guest-init (vm.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/vm.h"

/* The directory of the running executable, or NULL. */
static char *exe_dir(void)
{
        struct cell_error ignored;
        char *self = cell_self_exe(&ignored);
        char *slash = self ? strrchr(self, '/') : NULL;
        if (!slash) {
                free(self);
                return NULL;
        }
        *slash = '\0';
        return self;
}

static bool is_file(const char *path, int mode)
{
        return access(path, mode) == 0;
}

/* The first of `candidates` (relative ones under the executable's directory) that exists. */
static char *first_existing(const char *const *candidates, size_t n, int mode)
{
        _cleanup_free_ char *dir = exe_dir();
        for (size_t i = 0; i < n; i++) {
                char *path = candidates[i][0] == '/' ? xstrdup(candidates[i])
                             : dir                   ? xasprintf("%s/%s", dir, candidates[i])
                                                     : NULL;
                if (path && is_file(path, mode))
                        return path;
                free(path);
        }
        return NULL;
}

char *cell_vm_find_qemu(struct cell_error *err)
{
        const char *env = getenv("CELL_QEMU");
        if (env && *env) {
                if (is_file(env, X_OK))
                        return xstrdup(env);
                cell_error_errno(err, "QEMU %s ($CELL_QEMU)", env);
                return NULL;
        }
        const char *path = getenv("PATH");
        _cleanup_free_ char *copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
        char *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                char *candidate = xasprintf("%s/qemu-system-x86_64", dir);
                if (is_file(candidate, X_OK))
                        return candidate;
                free(candidate);
        }
        cell_error_set(err, ENOENT,
                       "QEMU not found: qemu-system-x86_64 is not in PATH (install Debian's "
                       "qemu-system-x86, or set $CELL_QEMU)");
        return NULL;
}

char *cell_vm_find_kernel(struct cell_error *err)
{
        const char *env = getenv("CELL_GUEST_KERNEL");
        if (env && *env) {
                if (is_file(env, R_OK))
                        return xstrdup(env);
                cell_error_errno(err, "guest kernel %s ($CELL_GUEST_KERNEL)", env);
                return NULL;
        }
        static const char *const candidates[] = {
                "../.deps/guest-kernel/current/vmlinux",
                "../../../.deps/guest-kernel/current/vmlinux",
                "/usr/lib/cell/vmlinux",
        };
        char *path = first_existing(candidates, sizeof candidates / sizeof *candidates, R_OK);
        if (!path)
                cell_error_set(err, ENOENT,
                               "guest kernel not found: build it with scripts/guest-kernel.sh "
                               "(or set $CELL_GUEST_KERNEL to a PVH vmlinux)");
        return path;
}

char *cell_vm_find_init(struct cell_error *err)
{
        const char *env = getenv("CELL_GUEST_INIT");
        if (env && *env) {
                if (is_file(env, R_OK))
                        return xstrdup(env);
                cell_error_errno(err, "guest init %s ($CELL_GUEST_INIT)", env);
                return NULL;
        }
        static const char *const candidates[] = {
                "cell-guest-init",
                "src/vm/cell-guest-init",
                "/usr/libexec/cell/cell-guest-init",
        };
        char *path = first_existing(candidates, sizeof candidates / sizeof *candidates, R_OK);
        if (!path)
                cell_error_set(
                        err, ENOENT,
                        "cell-guest-init not found next to this executable nor in "
                        "/usr/libexec/cell (build it: ninja -C build; or set $CELL_GUEST_INIT)");
        return path;
}
