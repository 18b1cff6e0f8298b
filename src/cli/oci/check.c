/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/oci/cli.h"
#include "cli/oci/options.h"
#include "runtime/hostcheck.h"
#include "util/cleanup.h"

static int check_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_no_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_no_args(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        _cleanup_free_ char *report = NULL, *runtime = NULL;
        if (cell_cgroup_host_report(&report, &err) < 0 ||
            cell_runtime_host_report(ctx->rt.root, &runtime, &err) < 0)
                return cli_fail(&err);
        fputs(report, stdout);
        fputs(runtime, stdout);
        return 0;
}

const struct cli_verb cli_verb_check = {
        .name = "check",
        .run = check_main,
        .summary = "describe what of the host decides container start-up cost",
        .usage = "Usage: cell-oci check\n"
                 "\n"
                 "Print the host's cgroup mode (v1, v2, hybrid or none), every cgroup\n"
                 "hierarchy with its mount point and controllers, the controllers this host\n"
                 "lacks, and whether each hierarchy is mounted with favordynmods.\n"
                 "\n"
                 "Without favordynmods, the kernel makes the first cgroup.procs write of a\n"
                 "new process wait for an RCU grace period (milliseconds per container\n"
                 "start).  Remounting a hierarchy with favordynmods (`mount -o\n"
                 "remount,favordynmods MOUNTPOINT`) removes that wait for every process on\n"
                 "the host, at the cost of slower fork and exit; cell never changes it.\n"
                 "\n"
                 "Then the filesystem of the state root (--root), noting a mount with\n"
                 "`discard`, whose synchronous discards every container deletion waits\n"
                 "for, and whether cell's binary is on a read-only mount: otherwise create\n"
                 "and exec re-execute it from a read-only bind mount of itself first\n"
                 "(CVE-2019-5736).\n"
                 "\n"
                 "Options:\n"
                 "  -h, --help   show this help\n",
};
