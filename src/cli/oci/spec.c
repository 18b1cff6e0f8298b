/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "cli/oci/cli.h"
#include "cli/oci/options.h"
#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Create DIR/config.json; like runc, never overwrite an existing one. */
static int write_new_config(const char *bundle, const char *json, struct cell_error *err)
{
        _cleanup_free_ char *path = cell_path_join(bundle, "config.json");
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST)
                return cell_error_set(err, 0, "File config.json exists. Remove it first");
        if (fd < 0)
                return cell_error_errno(err, "create %s", path);
        if (cell_write_all(fd, json, strlen(json)) < 0 || cell_write_all(fd, "\n", 1) < 0) {
                cell_error_errno(err, "write %s", path);
                unlink(path);
                return -1;
        }
        return 0;
}

/*
 * runc adds a cgroup namespace to its spec only on a pure cgroup v2 host;
 * doing it on v1 or hybrid hosts too made configs that merge runc's spec
 * with ours fail with "duplicate namespace".  A host whose layout cannot
 * be read gets none, as on v1.
 */
static bool host_is_cgroup_v2(void)
{
        enum cell_cgroup_mode mode;
        return cell_cgroup_detect(&mode, NULL) == 0 && mode == CELL_CGROUP_MODE_V2;
}

static int spec_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_spec_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_spec(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        _cleanup_free_ char *json = cell_spec_default_json(args.rootless, host_is_cgroup_v2());
        if (write_new_config(args.bundle, json, &err) < 0)
                return cli_fail(&err);
        return 0;
}

const struct cli_verb cli_verb_spec = {
        .name = "spec",
        .run = spec_main,
        .summary = "write a default config.json",
        .usage = "Usage: cell-oci spec [OPTIONS]\n"
                 "\n"
                 "Write a default config.json (runtime-spec 1.x) into the bundle directory,\n"
                 "which must not hold one already.  The bundle needs a rootfs/ next to it.\n"
                 "\n"
                 "Options:\n"
                 "  -b, --bundle DIR   where to write config.json (default: the current one)\n"
                 "  --rootless         a spec for a container started by an unprivileged user\n"
                 "  -h, --help         show this help\n",
};
