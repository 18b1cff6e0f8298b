/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char *pick(const char *given, const char *env, const char *fallback)
{
        const char *v = given;
        if (!v || !*v)
                v = getenv(env);
        if (!v || !*v)
                v = fallback;
        char *cwd = NULL;
        if (v[0] != '/') {
                cwd = getcwd(NULL, 0);
                if (!cwd)
                        cwd = xstrdup("/");
        }
        char *abs = cwd ? cell_path_join(cwd, v) : xstrdup(v);
        free(cwd);
        char *clean = cell_path_clean(abs);
        free(abs);
        return clean;
}

int cell_engine_open(const struct cell_engine_opts *opts, struct cell_engine *out,
                     struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        out->containers_dirfd = -1;
        out->storage = pick(opts->storage, "CELL_STORAGE", CELL_ENGINE_DEFAULT_STORAGE);
        out->runroot = pick(opts->runroot, "CELL_RUNROOT", CELL_ENGINE_DEFAULT_RUNROOT);
        out->rt.root = out->runroot;
        out->rt.cgroup_manager = CELL_CGROUP_MANAGER_CGROUPFS;
        out->rt.debug = opts->debug;
        out->rt.self_argv = opts->self_argv;

        _cleanup_free_ char *containers = cell_path_join(out->storage, "containers");
        _cleanup_free_ char *volumes = cell_path_join(out->storage, "volumes");
        if (cell_mkdir_p(containers, 0700, err) < 0 || cell_mkdir_p(volumes, 0700, err) < 0 ||
            cell_mkdir_p(out->runroot, 0700, err) < 0) {
                cell_engine_close(out);
                return cell_error_prefix(err, "open engine storage %s", opts->storage ? opts->storage : "");
        }
        out->containers_dirfd = open(containers, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (out->containers_dirfd < 0) {
                cell_error_errno(err, "open %s", containers);
                cell_engine_close(out);
                return -1;
        }
        return 0;
}

char *cell_engine_container_dir(const struct cell_engine *e, const char *id)
{
        return xasprintf("%s/containers/%s", e->storage, id);
}

char *cell_engine_volumes_dir(const struct cell_engine *e)
{
        return cell_path_join(e->storage, "volumes");
}

char *cell_engine_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char buf[64];
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

void cell_engine_close(struct cell_engine *e)
{
        if (e->store && e->store_close)
                e->store_close(e->store);
        e->store = NULL;
        if (e->containers_dirfd >= 0)
                close(e->containers_dirfd);
        e->containers_dirfd = -1;
        free(e->storage);
        free(e->runroot);
        e->storage = e->runroot = NULL;
        e->rt.root = NULL;
}
