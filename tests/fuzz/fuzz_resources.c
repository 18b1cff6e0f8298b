/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources as `update --resources FILE` reads it: cell_resources_parse()
 * on arbitrary bytes; a document that parses is walked (walk.h) and turned
 * into cgroup writes with cell_cg_plan_build() -- pure, nothing is written --
 * for three synthetic handles (cgroup v1, v2, and this host's hybrid
 * layout), fresh (create) and against a live cgroup (update).  Every write
 * must stay inside its directory: a file name without '/' that is not a dot
 * file, in a directory of the handle.  Seeds: corpus/resources/.
 */
#include <limits.h>

#include "cgroup/cgroup.h"
#include "cgroup/internal.h"
#include "fuzz.h"
#include "oci/spec.h"
#include "walk.h"

#define V1_DIR(key)                                                                                \
        "{\"key\":\"" key "\",\"mount\":\"/sys/fs/cgroup/" key "\",\"path\":\"/sys/fs/cgroup/" key \
        "/cell/c\"}"
#define V1_DIRS                                                                                                               \
        V1_DIR("cpu,cpuacct")                                                                                                 \
        "," V1_DIR("cpuset") "," V1_DIR("memory") "," V1_DIR("devices") "," V1_DIR("freezer") "," V1_DIR("blkio") "," V1_DIR( \
                "pids") "," V1_DIR("hugetlb") "," V1_DIR("net_cls,net_prio") "," V1_DIR("rdma") "," V1_DIR("perf_event") "," V1_DIR("misc")
#define V2_DIR(mount) "{\"key\":\"\",\"mount\":\"" mount "\",\"path\":\"" mount "/c\",\"v2\":true}"

static const char *const handles[] = {
        "{\"mode\":\"v1\",\"dirs\":[" V1_DIRS "]}",
        "{\"mode\":\"v2\",\"dirs\":[" V2_DIR("/sys/fs/cgroup") "]}",
        "{\"mode\":\"hybrid\",\"dirs\":[" V1_DIRS "," V2_DIR("/sys/fs/cgroup/unified") "]}",
};
static struct cell_cgroup *cgroups[3];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        for (size_t i = 0; i < 3; i++) {
                struct cell_error err = {0};
                FUZZ_ASSERT(cell_cgroup_from_string(handles[i], &cgroups[i], &err) == 0);
        }
        return 0;
}

static void check_file(const char *file)
{
        FUZZ_ASSERT(file && file[0] && file[0] != '.' && !strchr(file, '/'));
}

static void plan(const struct cell_cgroup *cg, const struct cell_resources *r,
                 const struct cell_cg_current *cur)
{
        struct cell_cg_plan p;
        struct cell_error err = {0};
        int rc = cell_cg_plan_build(cg, r, cur, &p, &err);
        fuzz_check_result(rc, &err);
        if (rc < 0)
                return;
        for (size_t i = 0; i < p.n; i++) {
                const struct cell_cg_write *w = &p.writes[i];
                FUZZ_ASSERT(w->dir < cg->n_dirs && w->field);
                check_file(w->file);
                FUZZ_ASSERT(w->value);
                fuzz_touch(w->value);
                if (w->alt_file) {
                        check_file(w->alt_file);
                        FUZZ_ASSERT(w->alt_value);
                        fuzz_touch(w->alt_value);
                }
        }
        cell_cg_plan_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cell_resources r;
        struct cell_error err = {0};
        int rc = cell_resources_parse((const char *)data, size, &r, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0) {
                fuzz_walk_resources(&r);
                const struct cell_cg_current live = {.memory_limit = 1 << 30,
                                                     .memory_usage = 1 << 28};
                for (size_t i = 0; i < 3; i++) {
                        plan(cgroups[i], &r, NULL);
                        plan(cgroups[i], &r, &live);
                }
        }
        cell_resources_release(&r);
        return 0;
}
