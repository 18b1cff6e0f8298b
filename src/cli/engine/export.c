/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell export [-o FILE] CONTAINER`: the container's whole root filesystem
 * (its image's layers under its writable layer, as the container sees it)
 * as one tar.  The tree is read through a read-only overlay of the same
 * directories that is never attached to any mount table (image/layerview.h),
 * whether the container runs or not: nothing to unmount, nothing left
 * behind by a SIGKILL.  With -o the tar is written beside FILE and renamed
 * (image/output.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/engine/ctr_verbs.h"
#include "image/layerview.h"
#include "image/output.h"
#include "image/tarwrite.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const struct ecli_option options[] = {
        {"output", 'o', ECLI_VALUE, "FILE", "Write to a file instead of standard output",
         .complete = "file"},
        {0},
};

/* Tar the container's rootfs into `fd`. */
static int export_rootfs(struct cell_engine *e, const struct cell_ctr *c, int fd,
                         struct cell_error *err)
{
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
        size_t n = 1;
        for (char **l = c->lower_dirs; l && *l; l++)
                n++;
        _cleanup_free_ char **dirs = xcalloc(n + 1, sizeof(char *));
        dirs[0] = upper;
        for (size_t i = 1; i < n; i++)
                dirs[i] = c->lower_dirs[i - 1];
        /* An image without layers: the writable layer is the whole rootfs. */
        if (n == 1)
                return cell_layer_tar_from_dir(upper, CELL_TAR_TREE_OVERLAY_UPPER, cell_tar_sink_fd,
                                               &fd, err);
        _cleanup_close_ int view = cell_layers_view(dirs, n, err);
        if (view < 0)
                return -1;
        char root[64];
        snprintf(root, sizeof(root), "/proc/self/fd/%d", view);
        return cell_layer_tar_from_dir(root, CELL_TAR_TREE_PLAIN, cell_tar_sink_fd, &fd, err);
}

static int export_to_file(struct cell_engine *e, const struct cell_ctr *c, const char *path,
                          struct cell_error *err)
{
        struct cell_output o;
        if (cell_output_begin(path, false, &o, err) < 0)
                return -1;
        if (export_rootfs(e, c, o.fd, err) < 0) {
                cell_output_abort(&o);
                return -1;
        }
        return cell_output_commit(&o, err);
}

static int run_export(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        const char *output = ecli_value(a, "output");
        if (!output && isatty(STDOUT_FILENO))
                return ecli_error(
                        "cowardly refusing to save to a terminal: use -o FILE or redirect");
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_ctr c;
        int r = cell_ctr_lookup(&e, a->argv[0], false, &c, &err);
        if (r == 0) {
                r = output ? export_to_file(&e, &c, output, &err)
                           : export_rootfs(&e, &c, STDOUT_FILENO, &err);
                if (r < 0)
                        cell_error_prefix(&err, "export container %s", a->argv[0]);
                cell_ctr_release(&c);
        }
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_export = {
        .name = "export",
        .usage = "[OPTIONS] CONTAINER",
        .summary = "Export a container's filesystem as a tar archive",
        .description =
                "Writes the container's root filesystem as the container sees it (its image's "
                "layers under its own changes; not its volumes or tmpfs mounts) as one tar, to "
                "standard output or, with -o, to a file written under a temporary name and "
                "renamed when complete. `cell import` makes an image of it again.",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_export,
};
