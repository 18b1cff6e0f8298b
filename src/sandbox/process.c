/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox/process.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ioprio.h>
#include <linux/magic.h>
#include <linux/sched/types.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

int cell_sandbox_apply_time_offsets(const struct cell_linux *linux_cfg, struct cell_error *err)
{
        if (!linux_cfg->has_time_offsets)
                return 0;
        /*
         * /proc/self/timens_offsets describes the time namespace our children
         * will be born into (unshare(CLONE_NEWTIME) does not move the caller),
         * and the kernel accepts writes only until the first process enters it.
         */
        _cleanup_free_ char *data =
                xasprintf("monotonic %" PRId64 " %" PRIu32 "\n"
                          "boottime %" PRId64 " %" PRIu32 "\n",
                          linux_cfg->monotonic_secs, linux_cfg->monotonic_nanosecs,
                          linux_cfg->boottime_secs, linux_cfg->boottime_nanosecs);
        if (cell_write_file("/proc/self/timens_offsets", data, strlen(data), err) < 0)
                return cell_error_prefix(err, "linux.timeOffsets");
        return 0;
}

int cell_sandbox_set_hostname(const struct cell_spec *spec, struct cell_error *err)
{
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return cell_error_errno(err, "hostname: sethostname \"%s\"", spec->hostname);
        if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
                return cell_error_errno(err, "domainname: setdomainname \"%s\"", spec->domainname);
        return 0;
}

/*
 * The /proc/sys path of a sysctl key.  As sysctl(8) does, a key written with
 * '/' separators is taken as a path (its dots are literal, as in VLAN
 * interface names "eth0.100"); otherwise dots become slashes.  Components
 * "", "." and ".." are refused so a key cannot leave /proc/sys.
 */
static char *sysctl_path(const char *key)
{
        _cleanup_free_ char *rel = xstrdup(key[0] == '/' ? key + 1 : key);
        if (!strchr(rel, '/'))
                for (char *p = rel; *p; p++)
                        if (*p == '.')
                                *p = '/';
        for (const char *c = rel;;) {
                const char *end = strchrnul(c, '/');
                size_t n = (size_t)(end - c);
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return NULL;
                if (!*end)
                        break;
                c = end + 1;
        }
        return xasprintf("/proc/sys/%s", rel);
}

/*
 * Write one sysctl through the container's /proc, which must be procfs: an
 * image whose /proc is a plain directory (no proc mount in the spec), or
 * whose /proc/sys leads elsewhere, would otherwise take the value into a
 * file of its own, or of a bind mount, while the sysctl silently stays as
 * it was.  No file is created, and none is truncated before the check
 * (a sysctl takes its value from one write(2) and needs no O_TRUNC).
 */
static int write_sysctl(const char *path, const char *value, struct cell_error *err)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "open %s", path);
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0)
                return cell_error_errno(err, "statfs %s", path);
        if (sfs.f_type != PROC_SUPER_MAGIC)
                return cell_error_set(err, 0, "%s is not on procfs (is procfs mounted on /proc?)",
                                      path);
        if (cell_write_all(fd, value, strlen(value)) < 0)
                return cell_error_errno(err, "write %s", path);
        return 0;
}

int cell_sandbox_apply_sysctl(const struct cell_linux *linux_cfg, struct cell_error *err)
{
        for (size_t i = 0; i < linux_cfg->n_sysctl; i++) {
                const struct cell_key_value *kv = &linux_cfg->sysctl[i];
                _cleanup_free_ char *path = sysctl_path(kv->key);
                if (!path)
                        return cell_error_set(err, EINVAL, "linux.sysctl: invalid key \"%s\"",
                                              kv->key);
                if (write_sysctl(path, kv->value ? kv->value : "", err) < 0)
                        return cell_error_prefix(err, "linux.sysctl: %s", kv->key);
        }
        return 0;
}

int cell_sandbox_apply_oom_score_adj(const struct cell_process *process, struct cell_error *err)
{
        if (!process->has_oom_score_adj)
                return 0;
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", process->oom_score_adj);
        if (cell_write_file("/proc/self/oom_score_adj", buf, (size_t)n, err) < 0)
                return cell_error_prefix(err, "process.oomScoreAdj: %d", process->oom_score_adj);
        return 0;
}

static const char *rlimit_value(uint64_t v, char *buf, size_t size)
{
        if (v == (uint64_t)RLIM_INFINITY)
                return "unlimited";
        snprintf(buf, size, "%" PRIu64, v);
        return buf;
}

/*
 * Explain a failed setrlimit.  Raising the hard limit needs
 * CAP_SYS_RESOURCE (in the user namespace that owns the process), which is
 * the usual cause of EPERM, so that case names both values.
 */
static int rlimit_error(const struct cell_rlimit *r, const struct rlimit *old, int errnum,
                        struct cell_error *err)
{
        const char *name = r->name ? r->name : cell_rlimit_name(r->resource);
        char want[32], have[32], soft[32];
        if (!name)
                name = "RLIMIT_?";
        if (r->soft > r->hard && r->hard != (uint64_t)RLIM_INFINITY)
                return cell_error_set(err, errnum,
                                      "process.rlimits: %s: soft limit %s exceeds hard limit %s",
                                      name, rlimit_value(r->soft, soft, sizeof(soft)),
                                      rlimit_value(r->hard, want, sizeof(want)));
        if (errnum == EPERM && (old->rlim_max != RLIM_INFINITY &&
                                (r->hard == (uint64_t)RLIM_INFINITY || r->hard > old->rlim_max)))
                return cell_error_set(
                        err, errnum,
                        "process.rlimits: %s: cannot raise hard limit to %s (current hard "
                        "limit %s)",
                        name, rlimit_value(r->hard, want, sizeof(want)),
                        rlimit_value(old->rlim_max, have, sizeof(have)));
        return cell_error_set(err, errnum, "process.rlimits: %s: setrlimit soft %s hard %s", name,
                              rlimit_value(r->soft, soft, sizeof(soft)),
                              rlimit_value(r->hard, want, sizeof(want)));
}

int cell_sandbox_apply_rlimits(const struct cell_process *process, struct cell_error *err)
{
        for (size_t i = 0; i < process->n_rlimits; i++) {
                const struct cell_rlimit *r = &process->rlimits[i];
                struct rlimit old = {0, 0};
                struct rlimit want = {.rlim_cur = r->soft, .rlim_max = r->hard};
                if (getrlimit(r->resource, &old) < 0)
                        return rlimit_error(r, &old, errno, err);
                if (setrlimit(r->resource, &want) < 0)
                        return rlimit_error(r, &old, errno, err);
        }
        return 0;
}

static int apply_io_priority(const struct cell_io_priority *io, struct cell_error *err)
{
        if (!io->present)
                return 0;
        int value = IOPRIO_PRIO_VALUE(io->class, io->priority);
        if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
                return cell_error_errno(err, "process.ioPriority: ioprio_set class %d priority %d",
                                        io->class, io->priority);
        return 0;
}

static int apply_scheduler(const struct cell_scheduler *s, struct cell_error *err)
{
        if (!s->present)
                return 0;
        struct sched_attr attr = {
                .size = sizeof(attr),
                .sched_policy = (uint32_t)s->policy,
                .sched_flags = s->flags,
                .sched_nice = s->nice,
                .sched_priority = (uint32_t)s->priority,
                .sched_runtime = s->runtime,
                .sched_deadline = s->deadline,
                .sched_period = s->period,
        };
        if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
                return cell_error_errno(err, "process.scheduler: sched_setattr policy %d",
                                        s->policy);
        return 0;
}

int cell_sandbox_apply_sched(const struct cell_process *process, struct cell_error *err)
{
        if (apply_io_priority(&process->io_priority, err) < 0)
                return -1;
        return apply_scheduler(&process->scheduler, err);
}

int cell_sandbox_apply_personality(const struct cell_linux *linux_cfg, struct cell_error *err)
{
        if (!linux_cfg->has_personality)
                return 0;
        if (personality(linux_cfg->personality) < 0)
                return cell_error_errno(err, "linux.personality: personality(0x%lx)",
                                        linux_cfg->personality);
        return 0;
}
