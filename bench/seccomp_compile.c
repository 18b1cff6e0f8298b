/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What linux.seccomp costs on the create path, for a docker-sized profile.
 *
 *     seccomp_compile CONFIG.JSON [RUNS]
 *
 * CONFIG.JSON is a config with linux.seccomp (bench/seccomp_profile.py
 * makes one from podman's default profile).  Prints median / mean / min in
 * milliseconds over RUNS (default 200) of:
 *   parse        cell_spec_parse of the whole config
 *   compile      cell_seccomp_prepare: libseccomp rules + BPF export
 *   cache miss   cell_seccomp_prepare_cached with an empty cache (compile + write)
 *   cache hit    cell_seccomp_prepare_cached with the entry present
 *   load         cell_seccomp_load in a fresh child (one seccomp(2) call)
 * Run as root (load needs CAP_SYS_ADMIN); the cache lives in a temporary
 * directory that is removed.  bench/seccomp_compile.sh builds and runs it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci/spec.h"
#include "sandbox/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static double now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static void report(const char *what, double *samples, int n)
{
        double sum = 0;
        for (int i = 0; i < n; i++)
                sum += samples[i];
        qsort(samples, (size_t)n, sizeof(*samples), compare_doubles);
        printf("%-12s median %8.3f ms   mean %8.3f ms   min %8.3f ms   (%d runs)\n", what,
               samples[n / 2], sum / n, samples[0], n);
}

static void die(const char *what, const struct cell_error *err)
{
        fprintf(stderr, "seccomp_compile: %s: %s\n", what, err->msg);
        exit(1);
}

/* Time one prepare; `cache_dir` NULL compiles. */
static double time_prepare(const struct cell_seccomp *s, const char *cache_dir)
{
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        double start = now_ms();
        if (cell_seccomp_prepare_cached(s, cache_dir, &filter, &err) < 0)
                die("prepare", &err);
        double elapsed = now_ms() - start;
        cell_seccomp_filter_free(filter);
        return elapsed;
}

/* The child times its own load and sends the figure back through a pipe. */
static double time_load(struct cell_seccomp_filter *filter)
{
        int fds[2];
        if (pipe(fds) < 0)
                exit(1);
        pid_t pid = fork();
        if (pid == 0) {
                struct cell_error err = {0};
                double start = now_ms();
                int rc = cell_seccomp_load(filter, NULL, &err);
                double elapsed = rc < 0 ? -1 : now_ms() - start;
                _exit(write(fds[1], &elapsed, sizeof(elapsed)) == sizeof(elapsed) ? 0 : 1);
        }
        close(fds[1]);
        double elapsed = -1;
        if (read(fds[0], &elapsed, sizeof(elapsed)) != sizeof(elapsed) || elapsed < 0) {
                fprintf(stderr, "seccomp_compile: load failed in the child\n");
                exit(1);
        }
        close(fds[0]);
        waitpid(pid, NULL, 0);
        return elapsed;
}

static void bench_parse(const char *json, size_t len, int runs, double *samples)
{
        for (int i = 0; i < runs; i++) {
                struct cell_spec *spec = NULL;
                struct cell_error err = {0};
                double start = now_ms();
                if (cell_spec_parse(json, len, &spec, &err) < 0)
                        die("parse", &err);
                samples[i] = now_ms() - start;
                cell_spec_free(spec);
        }
        report("parse", samples, runs);
}

static void bench_cache(const struct cell_seccomp *s, int runs, double *samples)
{
        char base[] = "/tmp/cell-bench-seccomp-XXXXXX";
        if (!mkdtemp(base)) {
                perror("mkdtemp");
                exit(1);
        }
        struct cell_error err = {0};
        _cleanup_free_ char *dir = cell_path_join(base, "cache");
        for (int i = 0; i < runs; i++) {
                if (cell_remove_tree_at(AT_FDCWD, dir, &err) < 0)
                        die("clear cache", &err);
                samples[i] = time_prepare(s, dir);
        }
        report("cache miss", samples, runs);
        for (int i = 0; i < runs; i++)
                samples[i] = time_prepare(s, dir);
        report("cache hit", samples, runs);
        if (cell_remove_tree_at(AT_FDCWD, base, &err) < 0)
                die("remove cache", &err);
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: seccomp_compile CONFIG.JSON [RUNS]\n");
                return 2;
        }
        int runs = argc > 2 ? atoi(argv[2]) : 200;
        if (runs < 1)
                runs = 1;
        _cleanup_free_ char *json = NULL;
        size_t len;
        struct cell_error err = {0};
        struct cell_spec *spec = NULL;
        if (cell_read_file(argv[1], &json, &len, &err) < 0 ||
            cell_spec_parse(json, len, &spec, &err) < 0)
                die(argv[1], &err);
        const struct cell_seccomp *s = &spec->linux.seccomp;
        size_t names = 0;
        for (size_t i = 0; i < s->n_syscalls; i++)
                names += s->syscalls[i].n_names;
        printf("profile: %zu rules, %zu syscall names, %zu architectures\n", s->n_syscalls, names,
               s->n_architectures);

        double *samples = xcalloc((size_t)runs, sizeof(double));
        bench_parse(json, len, runs, samples);
        for (int i = 0; i < runs; i++)
                samples[i] = time_prepare(s, NULL);
        report("compile", samples, runs);
        bench_cache(s, runs, samples);
        struct cell_seccomp_filter *filter = NULL;
        if (cell_seccomp_prepare(s, &filter, &err) < 0)
                die("prepare", &err);
        for (int i = 0; i < runs; i++)
                samples[i] = time_load(filter);
        report("load", samples, runs);
        cell_seccomp_filter_free(filter);
        free(samples);
        cell_spec_free(spec);
        return 0;
}
