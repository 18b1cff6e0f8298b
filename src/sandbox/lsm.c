/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox/lsm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mountinfo.h"
#include "util/xalloc.h"

static bool exists_under(const char *root, const char *path)
{
        _cleanup_free_ char *full = xasprintf("%s%s", root, path);
        struct stat st;
        return stat(full, &st) == 0;
}

/* As runc's apparmor.IsEnabled(): securityfs shows it and the module says "Y". */
static bool apparmor_enabled(const char *root)
{
        if (!exists_under(root, "/sys/kernel/security/apparmor"))
                return false;
        _cleanup_free_ char *path = xasprintf("%s/sys/module/apparmor/parameters/enabled", root);
        char buf[8];
        return cell_read_small(path, buf, sizeof(buf)) > 0 && buf[0] == 'Y';
}

/* As go-selinux: enabled when a selinuxfs is mounted. */
static bool selinux_enabled(const char *root)
{
        _cleanup_free_ char *path = xasprintf("%s/proc/self/mountinfo", root);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return false;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                struct cell_mountinfo m;
                if (cell_mountinfo_split(line, &m) && !strcmp(m.fstype, "selinuxfs"))
                        return true;
        }
        return false;
}

unsigned cell_lsm_enabled(const char *root)
{
        return (apparmor_enabled(root) ? CELL_LSM_APPARMOR : 0) |
               (selinux_enabled(root) ? CELL_LSM_SELINUX : 0);
}

void cell_lsm_attr_release(struct cell_lsm_attr *attr)
{
        free(attr->path);
        free(attr->value);
        attr->path = attr->value = NULL;
}

int cell_lsm_exec_attr(const char *root, const char *profile_field, const char *profile,
                       const char *label_field, const char *label, struct cell_lsm_attr *out,
                       struct cell_error *err)
{
        *out = (struct cell_lsm_attr){NULL, NULL};
        bool want_profile = profile && *profile, want_label = label && *label;
        if (!want_profile && !want_label)
                return 0;
        unsigned enabled = cell_lsm_enabled(root);
        if (want_profile && !(enabled & CELL_LSM_APPARMOR))
                return cell_error_set(err, 0, "%s \"%s\": AppArmor is not enabled on this host",
                                      profile_field, profile);
        if (want_label && !(enabled & CELL_LSM_SELINUX))
                return cell_error_set(err, 0, "%s \"%s\": SELinux is not enabled on this host",
                                      label_field, label);
        if (want_profile && want_label)
                return cell_error_set(err, 0, "%s and %s: only one can confine a process",
                                      profile_field, label_field);
        if (want_label) {
                out->path = xstrdup("/proc/self/attr/exec");
                out->value = xstrdup(label);
                return 0;
        }
        /* As libapparmor's aa_change_onexec(); the per-LSM directory first. */
        out->path = xstrdup(exists_under(root, "/proc/self/attr/apparmor/exec")
                                    ? "/proc/self/attr/apparmor/exec"
                                    : "/proc/self/attr/exec");
        out->value = xasprintf("exec %s", profile);
        return 0;
}
