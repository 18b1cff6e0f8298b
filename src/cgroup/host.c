/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's cgroup layout: which hierarchies are mounted where, parsed once
 * from /proc/self/mountinfo and cached for the life of the process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mountinfo.h"
#include "util/xalloc.h"

static const char *const v1_names[CELL_CG__COUNT] = {
        [CELL_CG_CPU] = "cpu",
        [CELL_CG_CPUACCT] = "cpuacct",
        [CELL_CG_CPUSET] = "cpuset",
        [CELL_CG_MEMORY] = "memory",
        [CELL_CG_DEVICES] = "devices",
        [CELL_CG_FREEZER] = "freezer",
        [CELL_CG_BLKIO] = "blkio",
        [CELL_CG_PIDS] = "pids",
        [CELL_CG_HUGETLB] = "hugetlb",
        [CELL_CG_NET_CLS] = "net_cls",
        [CELL_CG_NET_PRIO] = "net_prio",
        [CELL_CG_RDMA] = "rdma",
        [CELL_CG_PERF_EVENT] = "perf_event",
        [CELL_CG_MISC] = "misc",
};

/* cpuacct, devices, freezer, net_cls and net_prio have no v2 controller file. */
static const char *const v2_names[CELL_CG__COUNT] = {
        [CELL_CG_CPU] = "cpu",       [CELL_CG_CPUSET] = "cpuset",
        [CELL_CG_MEMORY] = "memory", [CELL_CG_BLKIO] = "io",
        [CELL_CG_PIDS] = "pids",     [CELL_CG_HUGETLB] = "hugetlb",
        [CELL_CG_RDMA] = "rdma",     [CELL_CG_PERF_EVENT] = "perf_event",
        [CELL_CG_MISC] = "misc",
};

/* What every cgroup2 directory offers without a controller in cgroup.controllers. */
#define V2_BUILTIN                                                                                 \
        (CELL_CG_BIT(CELL_CG_FREEZER) | CELL_CG_BIT(CELL_CG_DEVICES) | CELL_CG_BIT(CELL_CG_CPUACCT))

unsigned cell_cg_v2_share(unsigned v1_mask)
{
        unsigned v2 = V2_BUILTIN;
        for (int c = 0; c < CELL_CG__COUNT; c++)
                if (v2_names[c])
                        v2 |= CELL_CG_BIT(c);
        return v2 & ~v1_mask;
}

const char *cell_cg_controller_v1_name(enum cell_cg_controller c)
{
        return c < CELL_CG__COUNT ? v1_names[c] : NULL;
}

const char *cell_cg_controller_v2_name(enum cell_cg_controller c)
{
        return c < CELL_CG__COUNT ? v2_names[c] : NULL;
}

static int controller_index(const char *name, size_t len, bool v2)
{
        const char *const *names = v2 ? v2_names : v1_names;
        for (int c = 0; c < CELL_CG__COUNT; c++)
                if (names[c] && strlen(names[c]) == len && !strncmp(names[c], name, len))
                        return c;
        return -1;
}

unsigned cell_cg_controller_mask(const char *list, bool v2)
{
        unsigned mask = 0;
        while (*list) {
                size_t len = strcspn(list, ", \n");
                int c = controller_index(list, len, v2);
                if (c >= 0)
                        mask |= CELL_CG_BIT(c);
                list += len;
                list += strspn(list, ", \n");
        }
        return mask;
}

/* The v1 key of a hierarchy from its super options: controllers, then "name=". */
static char *v1_key(const char *superopts, unsigned *mask, bool *favordynmods)
{
        _cleanup_free_ char *copy = xstrdup(superopts);
        char *key = xmalloc(strlen(superopts) + 1), *end = key, *save = NULL;
        *mask = 0;
        *favordynmods = false;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                size_t len = strlen(tok);
                int c = controller_index(tok, len, false);
                if (!strcmp(tok, "favordynmods"))
                        *favordynmods = true;
                if (c < 0 && strncmp(tok, "name=", 5) != 0)
                        continue;
                if (c >= 0)
                        *mask |= CELL_CG_BIT(c);
                if (end != key)
                        *end++ = ',';
                memcpy(end, tok, len);
                end += len;
        }
        *end = '\0';
        return key;
}

static bool seen_devno(const char **devnos, size_t n, const char *devno)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(devnos[i], devno))
                        return true;
        return false;
}

static void add_mount(struct cell_cg_host *host, const struct cell_mountinfo *l, bool v2)
{
        host->mounts = xreallocarray(host->mounts, host->n_mounts + 1, sizeof(*host->mounts));
        struct cell_cg_mount *m = &host->mounts[host->n_mounts++];
        *m = (struct cell_cg_mount){
                .mount_point = xstrdup(l->mount_point),
                .root = xstrdup(l->root),
                .v2 = v2,
        };
        if (v2) {
                m->key = xstrdup("");
                m->favordynmods = cell_option_listed(l->super_options, "favordynmods");
        } else {
                m->key = v1_key(l->super_options, &m->controllers, &m->favordynmods);
        }
}

/* Orders v1 hierarchies first (in mountinfo order), then the cgroup2 tree. */
static void sort_v2_last(struct cell_cg_host *host)
{
        for (size_t i = 0; i + 1 < host->n_mounts; i++) {
                if (!host->mounts[i].v2)
                        continue;
                struct cell_cg_mount v2 = host->mounts[i];
                memmove(&host->mounts[i], &host->mounts[i + 1],
                        (host->n_mounts - i - 1) * sizeof(v2));
                host->mounts[host->n_mounts - 1] = v2;
                break;
        }
}

int cell_cg_host_parse(const char *mountinfo, struct cell_cg_host *host, struct cell_error *err)
{
        (void)err;
        *host = (struct cell_cg_host){0};
        _cleanup_free_ char *copy = xstrdup(mountinfo);
        _cleanup_free_ const char **devnos = NULL;
        size_t n_devnos = 0;
        bool have_v1 = false, have_v2 = false;
        host->all_below_sys_fs_cgroup = true;
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct cell_mountinfo l;
                if (!cell_mountinfo_split(line, &l))
                        continue;
                bool v2 = !strcmp(l.fstype, "cgroup2");
                if (!v2 && strcmp(l.fstype, "cgroup") != 0)
                        continue;
                bool again = seen_devno(devnos, n_devnos, l.devno) || (v2 && have_v2);
                if (again || !cell_path_has_prefix(l.mount_point, "/sys/fs/cgroup"))
                        host->all_below_sys_fs_cgroup = false;
                if (again)
                        continue;
                devnos = xreallocarray(devnos, n_devnos + 1, sizeof(*devnos));
                devnos[n_devnos++] = l.devno;
                add_mount(host, &l, v2);
                have_v1 |= !v2;
                have_v2 |= v2;
        }
        sort_v2_last(host);
        host->mode = have_v1 && have_v2 ? CELL_CGROUP_MODE_HYBRID
                     : have_v1          ? CELL_CGROUP_MODE_V1
                     : have_v2          ? CELL_CGROUP_MODE_V2
                                        : CELL_CGROUP_MODE_NONE;
        return 0;
}

void cell_cg_host_release(struct cell_cg_host *host)
{
        for (size_t i = 0; i < host->n_mounts; i++) {
                free(host->mounts[i].mount_point);
                free(host->mounts[i].root);
                free(host->mounts[i].key);
        }
        free(host->mounts);
        *host = (struct cell_cg_host){0};
}

static struct cell_cg_host cached_host;
static bool cached;

int cell_cg_host_get(const struct cell_cg_host **out, struct cell_error *err)
{
        if (!cached) {
                _cleanup_free_ char *text = NULL;
                if (cell_read_file("/proc/self/mountinfo", &text, NULL, err) < 0)
                        return cell_error_prefix(err, "detect cgroup hierarchies");
                if (cell_cg_host_parse(text, &cached_host, err) < 0)
                        return -1;
                cached = true;
        }
        *out = &cached_host;
        return 0;
}

unsigned cell_cg_v2_available(const char *mount_point)
{
        static unsigned mask;
        static bool known;
        if (!known) {
                _cleanup_free_ char *text = NULL;
                if (cell_cg_read(mount_point, "cgroup.controllers", &text, NULL) == 0)
                        mask = cell_cg_controller_mask(text, true);
                known = true;
        }
        return mask | V2_BUILTIN;
}

int cell_cgroup_detect(enum cell_cgroup_mode *mode, struct cell_error *err)
{
        const struct cell_cg_host *host;
        if (cell_cg_host_get(&host, err) < 0)
                return -1;
        *mode = host->mode;
        return 0;
}

const char *cell_cgroup_mode_name(enum cell_cgroup_mode mode)
{
        switch (mode) {
        case CELL_CGROUP_MODE_V1:
                return "v1";
        case CELL_CGROUP_MODE_V2:
                return "v2";
        case CELL_CGROUP_MODE_HYBRID:
                return "hybrid";
        case CELL_CGROUP_MODE_NONE:
                break;
        }
        return "none";
}

/* "cpu,cpuacct" for a v1 mount, cgroup.controllers for the v2 tree. */
static void print_controllers(FILE *f, const struct cell_cg_mount *m)
{
        unsigned mask = m->v2 ? cell_cg_v2_available(m->mount_point) : m->controllers;
        const char *sep = "";
        for (int c = 0; c < CELL_CG__COUNT; c++) {
                const char *name =
                        m->v2 ? cell_cg_controller_v2_name(c) : cell_cg_controller_v1_name(c);
                if (name && (mask & CELL_CG_BIT(c))) {
                        fprintf(f, "%s%s", sep, name);
                        sep = ",";
                }
        }
        const char *named = strstr(m->key, "name=");
        if (named)
                fprintf(f, "%s%s", sep, named);
        else if (!*sep)
                fputs("(none)", f);
}

int cell_cgroup_host_report(char **text, struct cell_error *err)
{
        const struct cell_cg_host *host;
        if (cell_cg_host_get(&host, err) < 0)
                return -1;
        size_t len;
        FILE *f = open_memstream(text, &len);
        if (!f)
                abort();
        fprintf(f, "cgroup mode: %s\n", cell_cgroup_mode_name(host->mode));
        unsigned have = 0;
        for (size_t i = 0; i < host->n_mounts; i++) {
                const struct cell_cg_mount *m = &host->mounts[i];
                have |= m->v2 ? cell_cg_v2_available(m->mount_point) : m->controllers;
                fprintf(f, "%s: %s, controllers: ", m->mount_point,
                        m->v2 ? "cgroup2" : "cgroup v1");
                print_controllers(f, m);
                fprintf(f, ", favordynmods: %s\n", m->favordynmods ? "yes" : "no");
        }
        for (size_t i = 0; i < host->n_mounts; i++) {
                const struct cell_cg_mount *m = &host->mounts[i];
                if (m->v2 || !(m->controllers & CELL_CG_BIT(CELL_CG_BLKIO)))
                        continue;
                _cleanup_free_ char *cfq = cell_path_join(m->mount_point, "blkio.weight");
                _cleanup_free_ char *bfq = cell_path_join(m->mount_point, "blkio.bfq.weight");
                if (access(cfq, F_OK) < 0 && access(bfq, F_OK) < 0)
                        fprintf(f,
                                "unavailable: linux.resources.blockIO.weight and weightDevice "
                                "(%s has neither blkio.weight nor blkio.bfq.weight: the kernel "
                                "has no CFQ or BFQ I/O scheduler)\n",
                                m->mount_point);
        }
        fputs("missing controllers:", f);
        const char *sep = " ";
        for (int c = 0; c < CELL_CG__COUNT; c++) {
                if (!(have & CELL_CG_BIT(c))) {
                        fprintf(f, "%s%s", sep, cell_cg_controller_v1_name(c));
                        sep = ",";
                }
        }
        fprintf(f, "%s\n", *sep == ' ' ? " (none)" : "");
        fclose(f);
        return 0;
}
