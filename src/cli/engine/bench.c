/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell bench isolation [IMAGE]`: the same image as a process, as a container
 * and as a micro-VM, measured on this host (src/bench/bench.h); parse, run,
 * print.
 */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/engine/ecli.h"
#include "engine/container.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const struct ecli_option options[] = {
        {"runs", 0, ECLI_VALUE, "N", "Start-up samples per mode", .def = "10"},
        {"density", 0, ECLI_VALUE, "N",
         "Idle instances: the N of the memory figure, and the density cap", .def = "10"},
        {"density-memory", 0, ECLI_VALUE, "BYTES",
         "Density: stop when the instances use this much memory", .def = "512m"},
        {"density-time", 0, ECLI_VALUE, "SECONDS", "Density: stop after this long, per mode",
         .def = "30"},
        {"format", 0, ECLI_VALUE, "FORMAT", "Output: table, json or csv",
         .complete = "table|json|csv", .def = "table"},
        {"html", 0, ECLI_VALUE, "FILE", "Also write a self-contained HTML report with charts",
         .complete = "file"},
        {0},
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        stop = sig;
}

/* SIGINT and SIGTERM set `stop` (no SA_RESTART: a wait returns, the bench cleans up). */
static void catch_signals(void)
{
        struct sigaction sa = {.sa_handler = on_signal};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
}

static int run_bench_isolation(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        long long runs, density, secs;
        int64_t budget;
        if (ecli_value_int(a, "runs", 10, 1, 1000, &runs, &err) < 0 ||
            ecli_value_int(a, "density", 10, 1, 1000, &density, &err) < 0 ||
            ecli_value_int(a, "density-time", 30, 1, 3600, &secs, &err) < 0 ||
            cell_size_parse(ecli_value(a, "density-memory"), &budget, &err) < 0)
                return ecli_fail(&err);
        const char *format = ecli_value(a, "format");
        if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv"))
                return ecli_error("invalid --format \"%s\": must be table, json or csv", format);
        _cleanup_free_ char *cell = cell_self_exe(&err);
        if (!cell)
                return ecli_fail(&err);
        _cleanup_free_ char *helper = cell_bench_find_helper(cell, &err);
        if (!helper)
                return ecli_fail(&err);
        const struct ecli_verb *run = ecli_find_verb(NULL, "run");
        struct cell_bench_config c = {
                .image = a->argc > 0 ? a->argv[0] : "busybox",
                .cell = cell,
                .storage = ctx->g.storage,
                .runroot = ctx->g.runroot,
                .helper = helper,
                .runs = (int)runs,
                .density = (int)density,
                .budget = (uint64_t)budget,
                .density_seconds = (int)secs,
                .vm_flag = run && ecli_has_option(run, "isolation"),
                .progress = stderr,
                .stop = &stop,
        };
        catch_signals();
        json_object *res = NULL;
        if (cell_bench_isolation(&c, &res, &err) < 0) {
                ecli_fail(&err);
                return stop ? 128 + stop : ECLI_EXIT_ENGINE;
        }
        const char *html = ecli_value(a, "html");
        int status = 0;
        if (html && cell_bench_write_html(html, res, &err) < 0)
                status = ecli_fail(&err);
        if (!strcmp(format, "json"))
                ecli_print_json(stdout, res);
        else if (!strcmp(format, "csv"))
                cell_bench_print_csv(stdout, res);
        else
                cell_bench_print_table(stdout, res);
        json_object_put(res);
        return status;
}

const struct ecli_verb ecli_verb_bench_isolation = {
        .name = "isolation",
        .group = "bench",
        .usage = "[OPTIONS] [IMAGE]",
        .summary = "Measure an image as a process, a container and a micro-VM on this host",
        .description =
                "Runs the same workloads on IMAGE (default: the built-in busybox) in three modes: "
                "\"process\" (chroot into the image's layers, no other isolation), \"container\" "
                "(`cell run`) and \"vm\" (`cell run --isolation=vm`, when this build has it): "
                "start-up, memory per idle instance, density, system-call cost, file I/O, network "
                "(from the host over each mode's path, and over loopback inside it), and an "
                "isolation table measured inside each.  Progress goes to stderr; "
                "Ctrl-C stops and removes everything it started.",
        .options = options,
        .max_args = 1,
        .complete_args = "image",
        .topic = ECLI_TOPIC_SYSTEM,
        .run = run_bench_isolation,
};
