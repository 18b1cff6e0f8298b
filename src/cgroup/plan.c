/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resource plans: a list of {directory, file, value, spec field} writes
 * (built by resources*.c without touching the host) and the one loop that
 * writes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

void cell_cg_plan_add(struct cell_cg_plan *plan, size_t dir, enum cell_cg_controller c,
                      const char *field, const char *file, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *value = xvasprintf(fmt, ap);
        va_end(ap);
        plan->writes = xreallocarray(plan->writes, plan->n + 1, sizeof(*plan->writes));
        plan->writes[plan->n++] = (struct cell_cg_write){
                .dir = dir,
                .controller = c,
                .field = field,
                .file = xstrdup(file),
                .value = value,
        };
}

void cell_cg_plan_alt(struct cell_cg_plan *plan, const char *file, const char *fmt, ...)
{
        struct cell_cg_write *w = &plan->writes[plan->n - 1];
        va_list ap;
        va_start(ap, fmt);
        w->alt_value = xvasprintf(fmt, ap);
        va_end(ap);
        w->alt_file = xstrdup(file);
}

void cell_cg_plan_release(struct cell_cg_plan *plan)
{
        for (size_t i = 0; i < plan->n; i++) {
                free(plan->writes[i].file);
                free(plan->writes[i].value);
                free(plan->writes[i].alt_file);
                free(plan->writes[i].alt_value);
        }
        free(plan->writes);
        *plan = (struct cell_cg_plan){0};
}

/*
 * The controllers of the v2 directory the plan writes to, checked against
 * what the tree offers, then enabled in its ancestors' subtree_control.
 */
static int enable_v2(struct cell_cgroup *cg, const struct cell_cg_plan *plan,
                     struct cell_error *err)
{
        struct cell_cgroup_dir *d = cell_cg_dir_v2(cg);
        if (!d)
                return 0;
        size_t v2_index = (size_t)(d - cg->dirs);
        unsigned need = 0, available = cell_cg_v2_available(d->mount_point);
        for (size_t i = 0; i < plan->n; i++) {
                const struct cell_cg_write *w = &plan->writes[i];
                if (w->dir != v2_index || w->controller >= CELL_CG__COUNT)
                        continue;
                if (!(available & CELL_CG_BIT(w->controller)))
                        return cell_error_set(err, 0,
                                              "%s: controller %s not available in "
                                              "%s/cgroup.controllers",
                                              w->field, cell_cg_controller_v2_name(w->controller),
                                              d->mount_point);
                need |= CELL_CG_BIT(w->controller);
        }
        return d->driver->enable(d, need, err);
}

/* Opens <dir>/<file> for writing; -1 with errno when it cannot. */
static int open_file(const char *dir, const char *file, char *path, size_t size)
{
        if ((size_t)snprintf(path, size, "%s/%s", dir, file) >= size) {
                errno = ENAMETOOLONG;
                return -1;
        }
        return open(path, O_WRONLY | O_CLOEXEC);
}

/*
 * One write.  Consecutive writes to the same file share one open (the v1
 * device rules are a dozen writes to devices.allow): `*fd`/`last` carry it.
 */
static int write_one(const struct cell_cgroup *cg, const struct cell_cg_write *w, int *fd,
                     const struct cell_cg_write **last, struct cell_error *err)
{
        const char *dir = cg->dirs[w->dir].path, *file = w->file, *value = w->value;
        char path[PATH_MAX];
        if (!*last || (*last)->dir != w->dir || strcmp((*last)->file, w->file) != 0) {
                if (*fd >= 0)
                        close(*fd);
                *last = NULL;
                *fd = open_file(dir, file, path, sizeof(path));
                if (*fd < 0 && errno == ENOENT && w->alt_file) {
                        file = w->alt_file;
                        value = w->alt_value;
                        *fd = open_file(dir, file, path, sizeof(path));
                        /* Neither file: the kernel lacks the feature (blkio
                         * weights without CFQ or BFQ), not the directory. */
                        if (*fd < 0 && errno == ENOENT && !w->optional)
                                return cell_error_errno(err,
                                                        "%s: neither %s nor %s exists in %s (not "
                                                        "offered by this kernel)",
                                                        w->field, w->file, w->alt_file, dir);
                } else if (*fd >= 0) {
                        *last = w;
                }
                if (*fd < 0)
                        return errno == ENOENT && w->optional
                                       ? 0
                                       : cell_error_errno(err, "%s: %s", w->field, path);
        }
        if (cell_write_all(*fd, value, strlen(value)) < 0) {
                int e = errno;
                snprintf(path, sizeof(path), "%s/%s", dir, file);
                errno = e;
                return cell_error_errno(err, "%s: write %s to %s", w->field, value, path);
        }
        return 0;
}

/*
 * Writes i and i+1, in the other order when the kernel refuses i with
 * EINVAL (runc's way with the real-time period and runtime).  Returns how
 * many writes were done, or -1.
 */
static int write_pair(const struct cell_cgroup *cg, const struct cell_cg_plan *plan, size_t i,
                      int *fd, const struct cell_cg_write **last, struct cell_error *err)
{
        struct cell_error first;
        cell_error_clear(&first);
        if (write_one(cg, &plan->writes[i], fd, last, &first) == 0)
                return 1;
        if (first.errnum != EINVAL) {
                if (err)
                        *err = first;
                return -1;
        }
        if (write_one(cg, &plan->writes[i + 1], fd, last, err) < 0 ||
            write_one(cg, &plan->writes[i], fd, last, err) < 0)
                return -1;
        return 2;
}

int cell_cg_plan_execute(struct cell_cgroup *cg, const struct cell_cg_plan *plan,
                         struct cell_error *err)
{
        if (enable_v2(cg, plan, err) < 0)
                return -1;
        _cleanup_close_ int fd = -1;
        const struct cell_cg_write *last = NULL;
        for (size_t i = 0; i < plan->n;) {
                int done = 1;
                if (plan->writes[i].swap_on_einval && i + 1 < plan->n)
                        done = write_pair(cg, plan, i, &fd, &last, err);
                else if (write_one(cg, &plan->writes[i], &fd, &last, err) < 0)
                        done = -1;
                if (done < 0)
                        return -1;
                i += (size_t)done;
        }
        return 0;
}
