/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The workloads of `cell bench isolation`, the same in each mode (mode.c),
 * each filling rows of the result (bench.h).  A mode that cannot run a
 * workload gets null with a note saying why, and the rest still runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define HELPER "/.cell-bench/cell-bench-helper"

static json_object *add_row(json_object *result, const char *id, const char *title,
                            const char *unit, const char *better)
{
        json_object *row = json_object_new_object();
        json_object_object_add(row, "id", json_object_new_string(id));
        json_object_object_add(row, "title", json_object_new_string(title));
        json_object_object_add(row, "unit", json_object_new_string(unit));
        json_object_object_add(row, "better", json_object_new_string(better));
        json_object *values = json_object_new_object();
        for (int m = 0; m < BENCH_NMODES; m++)
                json_object_object_add(values, bench_mode_names[m], NULL);
        json_object_object_add(row, "values", values);
        json_object_object_add(row, "notes", json_object_new_object());
        json_object *rows;
        json_object_object_get_ex(result, "workloads", &rows);
        json_object_array_add(rows, row);
        return row;
}

static void set_value(json_object *row, enum bench_mode m, double v)
{
        json_object *values;
        json_object_object_get_ex(row, "values", &values);
        json_object_object_add(values, bench_mode_names[m], json_object_new_double(v));
}

static void set_note(json_object *row, enum bench_mode m, const char *why)
{
        json_object *notes;
        json_object_object_get_ex(row, "notes", &notes);
        json_object_object_add(notes, bench_mode_names[m], json_object_new_string(why));
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of n sorted samples. */
static double quantile(const double *s, int n, double q)
{
        int i = (int)(q * n + 0.999999) - 1;
        return s[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* Launch to exit of `cmd` (first_output: to its first byte on stdout), in seconds. */
static int time_once(struct bench *b, enum bench_mode m, char *const *cmd, bool first_output,
                     double *secs, struct cell_error *err)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        _cleanup_free_ char *errpath = xasprintf("%s/stderr", b->scratch);
        _cleanup_close_ int efd = open(errpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        pid_t pid;
        double t0 = bench_now(), t1 = 0;
        if (bench_spawn(b, m, cmd, false, pfd[1], efd, &pid, err) < 0) {
                close(pfd[0]);
                close(pfd[1]);
                return -1;
        }
        close(pfd[1]);
        char buf[256];
        ssize_t r;
        while ((r = read(pfd[0], buf, sizeof buf)) != 0) {
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        break;
                if (!t1)
                        t1 = bench_now();
        }
        close(pfd[0]);
        int status = bench_wait(pid);
        double t2 = bench_now();
        if (status != 0 || (first_output && !t1)) {
                char line[256] = "";
                ssize_t n = pread(efd, line, sizeof line - 1, 0);
                line[n > 0 ? n : 0] = 0;
                line[strcspn(line, "\n")] = 0;
                return cell_error_set(err, 0, "%s exited %d%s%s", cmd[0], status, *line ? ": " : "",
                                      line);
        }
        *secs = (first_output ? t1 : t2) - t0;
        return 0;
}

/* Whether each mode runs `true` at all; the reason when not. */
static void probe_modes(struct bench *b, json_object *result)
{
        json_object *modes = json_object_new_array();
        static const char *const what[BENCH_NMODES] = {
                "fork + chroot into the image's layers (overlay, throwaway upper) with the host's "
                "/proc bind-mounted; same user, namespaces and cgroup as cell: no other isolation",
                "`cell run --rm IMAGE` as a user types it (the CLI process included): namespaces, "
                "cgroup, seccomp, dropped capabilities, the default bridge network",
                "`cell run --rm --isolation=vm IMAGE`: a QEMU micro-VM with cell's guest kernel",
        };
        for (int m = 0; m < BENCH_NMODES; m++) {
                char *cmd[] = {"true", NULL};
                double t;
                struct cell_error err = {0};
                if (m == BENCH_VM && !b->c->vm_flag) {
                        b->reason[m] =
                                xstrdup("cell run --isolation=vm is not available in this build");
                } else if (time_once(b, (enum bench_mode)m, cmd, false, &t, &err) < 0) {
                        b->reason[m] = xstrdup(err.msg);
                } else {
                        b->available[m] = true;
                }
                json_object *o = json_object_new_object();
                json_object_object_add(o, "name", json_object_new_string(bench_mode_names[m]));
                json_object_object_add(o, "available", json_object_new_boolean(b->available[m]));
                json_object_object_add(o, "what", json_object_new_string(what[m]));
                json_object_object_add(o, "reason",
                                       b->reason[m] ? json_object_new_string(b->reason[m]) : NULL);
                json_object_array_add(modes, o);
                bench_progress(b, "mode %s: %s", bench_mode_names[m],
                               b->available[m] ? "available" : b->reason[m]);
        }
        json_object_object_add(result, "modes", modes);
}

/* A mode unavailable or failing: null with the reason in the row's notes. */
static bool skip(struct bench *b, json_object **rows, size_t n, enum bench_mode m)
{
        if (b->available[m])
                return false;
        for (size_t i = 0; i < n; i++)
                set_note(rows[i], m, b->reason[m]);
        return true;
}

static void fail_rows(json_object **rows, size_t n, enum bench_mode m, const struct cell_error *e)
{
        for (size_t i = 0; i < n; i++)
                set_note(rows[i], m, e->msg);
}

static int startup(struct bench *b, json_object *result)
{
        json_object *rows[] = {
                add_row(result, "startup_median", "start-up: launch to exit of `true`, median",
                        "ms", "lower"),
                add_row(result, "startup_p90", "start-up: launch to exit of `true`, p90", "ms",
                        "lower"),
                add_row(result, "first_output_median",
                        "start-up: launch to first output of `echo`, median", "ms", "lower"),
        };
        int runs = b->c->runs;
        _cleanup_free_ double *s = xcalloc((size_t)runs, sizeof *s);
        _cleanup_free_ double *f = xcalloc((size_t)runs, sizeof *f);
        for (int m = 0; m < BENCH_NMODES; m++) {
                if (skip(b, rows, 3, m))
                        continue;
                bench_progress(b, "start-up: %s, %d runs", bench_mode_names[m], runs);
                char *t[] = {"true", NULL}, *e[] = {"echo", "ready", NULL};
                struct cell_error err = {0};
                for (int i = 0; i < runs; i++) {
                        if (bench_stopped(b))
                                return -1;
                        if (time_once(b, m, t, false, &s[i], &err) < 0 ||
                            time_once(b, m, e, true, &f[i], &err) < 0)
                                break;
                }
                if (err.msg[0]) {
                        fail_rows(rows, 3, m, &err);
                        continue;
                }
                qsort(s, (size_t)runs, sizeof *s, cmp_double);
                qsort(f, (size_t)runs, sizeof *f, cmp_double);
                set_value(rows[0], m, quantile(s, runs, 0.5) * 1e3);
                set_value(rows[1], m, quantile(s, runs, 0.9) * 1e3);
                set_value(rows[2], m, quantile(f, runs, 0.5) * 1e3);
        }
        return 0;
}

/* "key=value ..." of the helper's output: the value of key as a number. */
static bool field(const char *out, const char *key, double *v)
{
        _cleanup_free_ char *pat = xasprintf("%s=", key);
        for (const char *p = out; (p = strstr(p, pat)); p++)
                if (p == out || p[-1] == ' ') {
                        *v = strtod(p + strlen(pat), NULL);
                        return true;
                }
        return false;
}

/* The helper's text value of key, malloc'ed ("-" when absent). */
static char *field_str(const char *out, const char *key)
{
        _cleanup_free_ char *pat = xasprintf("%s=", key);
        for (const char *p = out; (p = strstr(p, pat)); p++)
                if (p == out || p[-1] == ' ') {
                        p += strlen(pat);
                        return xstrndup(p, strcspn(p, " \n"));
                }
        return xstrdup("-");
}

/* Run the helper with args in every mode; fill rows[i] from keys[i] (times scale[i]). */
/* Samples of the helper workloads per mode: their median is kept (each starts an instance). */
#define HELPER_REPS_MAX 3

/*
 * Run the helper with args in every mode, min(--runs, 3) times (each in an
 * instance of its own); fill rows[i] with the median of key keys[i].
 */
static int helper_rows(struct bench *b, const char *what, char *const *args, json_object **rows,
                       const char *const *keys, size_t n)
{
        int reps = b->c->runs < HELPER_REPS_MAX ? b->c->runs : HELPER_REPS_MAX;
        for (int m = 0; m < BENCH_NMODES; m++) {
                if (skip(b, rows, n, m))
                        continue;
                bench_progress(b, "%s: %s, %d run(s)", what, bench_mode_names[m], reps);
                double v[4][HELPER_REPS_MAX];
                struct cell_error err = {0};
                for (int r = 0; r < reps && !err.msg[0]; r++) {
                        if (bench_stopped(b))
                                return -1;
                        _cleanup_free_ char *out = NULL;
                        if (bench_capture(b, m, args, true, &out, &err) < 0)
                                break;
                        for (size_t i = 0; i < n; i++)
                                if (!field(out, keys[i], &v[i][r]))
                                        cell_error_set(&err, 0, "%s: the helper printed no %s",
                                                       bench_mode_names[m], keys[i]);
                }
                if (err.msg[0]) {
                        fail_rows(rows, n, m, &err);
                        continue;
                }
                for (size_t i = 0; i < n; i++) {
                        qsort(v[i], (size_t)reps, sizeof v[i][0], cmp_double);
                        set_value(rows[i], m, quantile(v[i], reps, 0.5));
                }
        }
        return 0;
}

/* The port cell-bench-helper serves on inside a container or guest (its own namespace). */
#define NET_PORT 5201
#define NET_RTTS 5000
#define NET_MIB 256

static void row_path(json_object *row, enum bench_mode m, const char *path, const char *addr)
{
        json_object *paths, *addrs;
        if (!json_object_object_get_ex(row, "paths", &paths)) {
                paths = json_object_new_object();
                json_object_object_add(row, "paths", paths);
        }
        if (!json_object_object_get_ex(row, "addresses", &addrs)) {
                addrs = json_object_new_object();
                json_object_object_add(row, "addresses", addrs);
        }
        json_object_object_add(paths, bench_mode_names[m], json_object_new_string(path));
        json_object_object_add(addrs, bench_mode_names[m], json_object_new_string(addr));
}

static int io_all(int fd, char *p, size_t n, bool wr)
{
        while (n) {
                ssize_t r = wr ? write(fd, p, n) : read(fd, p, n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return -1;
                p += r;
                n -= (size_t)r;
        }
        return 0;
}

/*
 * One client run against `cell-bench-helper serve` at addr:NET_PORT, from
 * the bench process itself (the host's side of the path): NET_RTTS 1-byte
 * round trips (median, us), then NET_MIB MiB one way (MB/s).  Connection
 * refused is retried for up to 60 s (the server may still be starting).
 */
static int net_client(struct bench *b, const char *addr, double *rtt_us, double *mbps,
                      struct cell_error *err)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(NET_PORT)};
        if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
                return cell_error_set(err, 0, "not an IPv4 address: '%s'", addr);
        _cleanup_close_ int fd = -1;
        for (int i = 0;; i++) {
                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return cell_error_errno(err, "socket");
                int one = 1;
                struct timeval tv = {.tv_sec = 60};
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
                if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
                        break;
                int e = errno;
                close(fd);
                fd = -1;
                if ((e != ECONNREFUSED && e != EINTR) || i >= 600 || bench_stopped(b))
                        return cell_error_set(err, e, "connect %s:%d", addr, NET_PORT);
                usleep(100000);
        }
        _cleanup_free_ double *rt = xcalloc(NET_RTTS, sizeof *rt);
        char c = 'x';
        for (int i = 0; i < NET_RTTS; i++) {
                double t0 = bench_now();
                if (io_all(fd, &c, 1, true) < 0 || io_all(fd, &c, 1, false) < 0)
                        return cell_error_errno(err, "round trip to %s:%d", addr, NET_PORT);
                rt[i] = bench_now() - t0;
        }
        qsort(rt, NET_RTTS, sizeof *rt, cmp_double);
        *rtt_us = quantile(rt, NET_RTTS, 0.5) * 1e6;
        _cleanup_free_ char *buf = xmalloc(1 << 16);
        memset(buf, 'y', 1 << 16);
        double t0 = bench_now();
        for (long long left = (long long)NET_MIB << 20; left > 0; left -= 1 << 16)
                if (io_all(fd, buf, 1 << 16, true) < 0)
                        return cell_error_errno(err, "stream to %s:%d", addr, NET_PORT);
        if (io_all(fd, &c, 1, false) < 0)
                return cell_error_errno(err, "stream to %s:%d: no ack", addr, NET_PORT);
        *mbps = (double)NET_MIB * 1048576.0 / 1e6 / (bench_now() - t0);
        return 0;
}

/*
 * The network over each mode's own path.  process shares the host's stack:
 * its path is the host's loopback, the figure the loopback rows measured in
 * it.  container and vm: one instance running the helper's server, its
 * address from `cell inspect` (NetworkSettings.IPAddress), and the bench
 * process as the client, min(--runs, 3) connections, medians kept.
 */
static int net_path_rows(struct bench *b, json_object **rows, json_object **lo)
{
        for (int i = 0; i < 2; i++) {
                json_object *v, *lv;
                json_object_object_get_ex(lo[i], "values", &lv);
                json_object *pv = json_object_object_get(lv, bench_mode_names[BENCH_PROCESS]);
                json_object_object_get_ex(rows[i], "values", &v);
                if (pv)
                        json_object_object_add(v, bench_mode_names[BENCH_PROCESS],
                                               json_object_get(pv));
                else
                        set_note(rows[i], BENCH_PROCESS, "the loopback figure failed");
                row_path(rows[i], BENCH_PROCESS, "loopback", "127.0.0.1");
        }
        int reps = b->c->runs < HELPER_REPS_MAX ? b->c->runs : HELPER_REPS_MAX;
        for (int m = BENCH_CONTAINER; m < BENCH_NMODES; m++) {
                if (skip(b, rows, 2, m))
                        continue;
                bench_progress(b, "network over the %s path: %s, %d run(s)",
                               m == BENCH_VM ? "bridge/tap" : "veth/bridge", bench_mode_names[m],
                               reps);
                struct cell_error err = {0};
                _cleanup_free_ char *port = xasprintf("%d", NET_PORT);
                _cleanup_free_ char *nreps = xasprintf("%d", reps);
                _cleanup_free_ char *nrtt = xasprintf("%d", NET_RTTS);
                _cleanup_free_ char *nmib = xasprintf("%d", NET_MIB);
                char *cmd[] = {HELPER, "serve", port, nreps, nrtt, nmib, NULL};
                double v[2][HELPER_REPS_MAX];
                _cleanup_free_ char *addr = NULL;
                if (bench_instance_start(b, m, cmd, true, &err) == 0 &&
                    bench_inspect(b, b->idle[b->n_idle - 1].name, "{{.NetworkSettings.IPAddress}}",
                                  &addr, &err) == 0) {
                        if (!*addr)
                                cell_error_set(&err, 0,
                                               "%s has no IPv4 address (cell inspect: "
                                               "NetworkSettings.IPAddress is empty)",
                                               b->idle[b->n_idle - 1].name);
                        for (int r = 0; r < reps && !err.msg[0]; r++)
                                net_client(b, addr, &v[0][r], &v[1][r], &err);
                }
                bench_idle_stop_all(b);
                if (bench_stopped(b))
                        return -1;
                if (err.msg[0]) {
                        fail_rows(rows, 2, m, &err);
                        continue;
                }
                for (int i = 0; i < 2; i++) {
                        qsort(v[i], (size_t)reps, sizeof v[i][0], cmp_double);
                        set_value(rows[i], m, quantile(v[i], reps, 0.5));
                        row_path(rows[i], m, m == BENCH_VM ? "tap" : "bridge", addr);
                }
        }
        return 0;
}

static int helpers(struct bench *b, json_object *result)
{
        json_object *sys[] = {add_row(result, "syscall_ns", "system call: getppid(2) in a loop",
                                      "ns/call", "lower")};
        char *sargs[] = {HELPER, "syscall", "2000000", NULL};
        const char *skeys[] = {"ns_per_call"};
        if (helper_rows(b, "syscall loop", sargs, sys, skeys, 1) < 0)
                return -1;
        json_object *io_root[] = {
                add_row(result, "rootfs_write", "file I/O on the rootfs: write 64 MiB + fsync",
                        "MB/s", "higher"),
                add_row(result, "rootfs_read", "file I/O on the rootfs: read it back", "MB/s",
                        "higher"),
        };
        char *rargs[] = {HELPER, "fileio", "/", "64", NULL};
        const char *iokeys[] = {"write_mbps", "read_mbps"};
        if (helper_rows(b, "file I/O on the rootfs", rargs, io_root, iokeys, 2) < 0)
                return -1;
        json_object *io_vol[] = {
                add_row(result, "volume_write",
                        "file I/O on a volume (host directory): write 64 MiB + fsync", "MB/s",
                        "higher"),
                add_row(result, "volume_read", "file I/O on a volume: read it back", "MB/s",
                        "higher"),
        };
        char *vargs[] = {HELPER, "fileio", "/vol", "64", NULL};
        if (helper_rows(b, "file I/O on a volume", vargs, io_vol, iokeys, 2) < 0)
                return -1;
        json_object *net[] = {
                add_row(result, "net_rtt",
                        "network over the mode's path: TCP round trip, 1 byte, median "
                        "(process: host loopback; container: host to its bridge address, "
                        "veth/bridge; vm: host to the guest, bridge/tap)",
                        "us", "lower"),
                add_row(result, "net_throughput",
                        "network over the mode's path: TCP throughput, 256 MiB one way", "MB/s",
                        "higher"),
        };
        json_object *lo[] = {
                add_row(result, "net_lo_rtt",
                        "network inside the instance: TCP round trip over its own loopback, median",
                        "us", "lower"),
                add_row(result, "net_lo_throughput",
                        "network inside the instance: TCP throughput over its own loopback", "MB/s",
                        "higher"),
        };
        char *nargs[] = {HELPER, "net", "5000", "256", NULL};
        const char *nkeys[] = {"rtt_us", "throughput_mbps"};
        if (helper_rows(b, "network inside the instance (loopback)", nargs, lo, nkeys, 2) < 0)
                return -1;
        return net_path_rows(b, net, lo);
}

/* The host's network interfaces, "lo,eth0" as the helper lists them (/proc/net/dev order). */
static void host_interfaces(char *out, size_t size)
{
        *out = 0;
        _cleanup_fclose_ FILE *f = fopen("/proc/net/dev", "re");
        char line[512];
        while (f && fgets(line, sizeof line, f)) {
                char *colon = strchr(line, ':');
                if (!colon)
                        continue;
                *colon = 0;
                const char *name = line + strspn(line, " ");
                size_t len = strlen(out);
                snprintf(out + len, size - len, "%s%s", len ? "," : "", name);
        }
}

static void isolation_row(json_object *result, const char *id, const char *title, char *const *vals)
{
        json_object *row = json_object_new_object();
        json_object_object_add(row, "id", json_object_new_string(id));
        json_object_object_add(row, "title", json_object_new_string(title));
        json_object *values = json_object_new_object();
        for (int m = 0; m < BENCH_NMODES; m++)
                json_object_object_add(values, bench_mode_names[m],
                                       json_object_new_string(vals[m]));
        json_object_object_add(row, "values", values);
        json_object *rows;
        json_object_object_get_ex(result, "isolation", &rows);
        json_object_array_add(rows, row);
}

static char *sysrq_text(const char *v)
{
        if (!strcmp(v, "written:proc"))
                return xstrdup("reached the kernel's sysrq handler (a ' ': help line logged)");
        if (!strcmp(v, "written:devnull"))
                return xstrdup("went to /dev/null (masked)");
        if (!strncmp(v, "open:", 5))
                return xasprintf("refused: open fails with %s", v + 5);
        if (!strncmp(v, "write:", 6))
                return xasprintf("refused: write fails with %s", v + 6);
        return xstrdup(v);
}

static char *module_text(const char *v)
{
        if (!strcmp(v, "EBADF") || !strcmp(v, "EFAULT") || !strcmp(v, "ENOEXEC") ||
            !strcmp(v, "EINVAL"))
                return xasprintf("permitted (the kernel got past its checks: %s on no module)", v);
        if (!strcmp(v, "EPERM"))
                return xstrdup("refused: EPERM");
        if (!strcmp(v, "ENOSYS"))
                return xstrdup("ENOSYS (no module support, or seccomp answers ENOSYS)");
        return xstrdup(v);
}

static char *caps_text(const char *hex)
{
        unsigned long long v = strtoull(hex, NULL, 16);
        return xasprintf("%s (%d capabilities)", hex, __builtin_popcountll(v));
}

static int isolation(struct bench *b, json_object *result)
{
        _cleanup_free_ char *self = xasprintf("%d", (int)getpid());
        char *args[] = {HELPER, "isolation", self, NULL};
        char host_boot[64] = "", host_rel[128] = "", host_ifs[512] = "";
        cell_read_small("/proc/sys/kernel/random/boot_id", host_boot, sizeof host_boot);
        cell_read_small("/proc/sys/kernel/osrelease", host_rel, sizeof host_rel);
        host_boot[strcspn(host_boot, "\n")] = 0;
        host_interfaces(host_ifs, sizeof host_ifs);
        host_rel[strcspn(host_rel, "\n")] = 0;
        char *rows[7][BENCH_NMODES] = {{0}};
        for (int m = 0; m < BENCH_NMODES; m++) {
                if (bench_stopped(b))
                        return -1;
                _cleanup_free_ char *out = NULL;
                struct cell_error err = {0};
                if (b->available[m])
                        bench_progress(b, "isolation probes: %s", bench_mode_names[m]);
                if (!b->available[m] || bench_capture(b, m, args, true, &out, &err) < 0) {
                        const char *why = b->available[m] ? err.msg : b->reason[m];
                        for (int r = 0; r < 7; r++)
                                rows[r][m] = xasprintf("not measured: %s", why);
                        continue;
                }
                _cleanup_free_ char *boot = field_str(out, "boot_id"),
                                    *rel = field_str(out, "kernel");
                _cleanup_free_ char *pids = field_str(out, "pids"),
                                    *comm = field_str(out, "hostpid_comm");
                _cleanup_free_ char *ifs = field_str(out, "ifaces"),
                                    *cap = field_str(out, "capeff");
                _cleanup_free_ char *sec = field_str(out, "seccomp"), *rq = field_str(out, "sysrq");
                _cleanup_free_ char *fin = field_str(out, "finit_module"),
                                    *ini = field_str(out, "init_module");
                rows[0][m] = xasprintf("%s (%s, boot id %s the host's)",
                                       !strcmp(boot, host_boot) ? "same kernel" : "another kernel",
                                       rel, !strcmp(boot, host_boot) ? "=" : "!=");
                rows[1][m] = xasprintf("%s (pid %s of cell %s; %s pids visible)",
                                       !strcmp(comm, "cell") ? "visible" : "hidden", self,
                                       !strcmp(comm, "cell") ? "seen" : "not seen", pids);
                /* The host's network namespace, or one of its own (a container's, a guest's). */
                bool same = !strcmp(ifs, host_ifs) && strcmp(host_ifs, "lo") != 0;
                rows[2][m] = xasprintf("%s (interfaces: %s)", same ? "visible" : "hidden", ifs);
                rows[3][m] = caps_text(cap);
                rows[4][m] = xstrdup(!strcmp(sec, "0")         ? "off"
                                     : !strcmp(sec, "2")       ? "on (filter)"
                                     : !strcmp(sec, "unknown") ? "none (the kernel has no seccomp)"
                                                               : sec);
                rows[5][m] = sysrq_text(rq);
                _cleanup_free_ char *ft = module_text(fin), *it = module_text(ini);
                rows[6][m] = xasprintf("finit_module: %s; init_module: %s", ft, it);
        }
        static const char *const ids[7][2] = {
                {"kernel", "same kernel as the host"},
                {"host_pids", "host pids visible"},
                {"host_network", "host network visible"},
                {"capabilities", "effective capability set"},
                {"seccomp", "seccomp"},
                {"sysrq", "a write to /proc/sysrq-trigger"},
                {"module_load",
                 "a module load (no module: finit_module(-1), init_module(NULL, 0))"},
        };
        for (int r = 0; r < 7; r++) {
                isolation_row(result, ids[r][0], ids[r][1], rows[r]);
                for (int m = 0; m < BENCH_NMODES; m++)
                        free(rows[r][m]);
        }
        return 0;
}

/* Start idle instances until --density, the memory budget or the time limit. */
static int density(struct bench *b, json_object *result)
{
        json_object *rows[] = {
                add_row(result, "memory_1", "memory of 1 idle instance (PSS of its processes)",
                        "KiB", "lower"),
                add_row(result, "kernel_1", "kernel memory its cgroup charges (1 instance)", "KiB",
                        "lower"),
                add_row(result, "memory_n", "memory per idle instance with N running (PSS)", "KiB",
                        "lower"),
                add_row(result, "density",
                        "density: idle instances started within the budget and time limit",
                        "instances", "higher"),
                add_row(result, "density_start",
                        "density: start of one idle instance until it is up (a container or VM: "
                        "answers `cell exec`), mean",
                        "ms", "lower"),
        };
        for (int m = 0; m < BENCH_NMODES; m++) {
                if (skip(b, rows, 5, m))
                        continue;
                double t0 = bench_now();
                int64_t total = 0;
                const char *why = "reached --density";
                struct cell_error err = {0};
                while ((int)b->n_idle < b->c->density) {
                        if (bench_stopped(b)) {
                                bench_idle_stop_all(b);
                                return -1;
                        }
                        if (bench_now() - t0 > b->c->density_seconds) {
                                why = "reached the time limit";
                                break;
                        }
                        if ((uint64_t)total * 1024 > b->c->budget) {
                                why = "reached the memory budget";
                                break;
                        }
                        if (bench_idle_start(b, m, &err) < 0)
                                break;
                        total = 0;
                        for (size_t i = 0; i < b->n_idle && !err.msg[0]; i++) {
                                int64_t pss, kernel;
                                if (bench_idle_memory(b, i, &pss, &kernel, &err) == 0)
                                        total += pss + (kernel > 0 ? kernel : 0);
                                if (b->n_idle == 1 && !err.msg[0]) {
                                        set_value(rows[0], m, (double)pss);
                                        if (kernel >= 0)
                                                set_value(rows[1], m, (double)kernel);
                                        else
                                                set_note(rows[1], m,
                                                         "no cgroup of its own (cell's)");
                                }
                        }
                        if (err.msg[0])
                                break;
                        bench_progress(b, "density: %s, %zu instance(s), %lld KiB",
                                       bench_mode_names[m], b->n_idle, (long long)total);
                }
                double secs = bench_now() - t0;
                size_t n = b->n_idle;
                int64_t pss_sum = 0;
                for (size_t i = 0; i < n && !err.msg[0]; i++) {
                        int64_t pss, kernel;
                        if (bench_idle_memory(b, i, &pss, &kernel, &err) == 0)
                                pss_sum += pss;
                }
                bench_idle_stop_all(b);
                if (err.msg[0]) {
                        fail_rows(rows, 5, m, &err);
                        continue;
                }
                if (n > 0) {
                        set_value(rows[2], m, (double)pss_sum / (double)n);
                        set_value(rows[4], m, secs * 1e3 / (double)n);
                }
                set_value(rows[3], m, (double)n);
                _cleanup_free_ char *note = xasprintf("N=%zu; %s", n, why);
                set_note(rows[3], m, note);
        }
        return 0;
}

int bench_workloads(struct bench *b, json_object *result)
{
        json_object_object_add(result, "workloads", json_object_new_array());
        json_object_object_add(result, "isolation", json_object_new_array());
        probe_modes(b, result);
        if (startup(b, result) < 0 || density(b, result) < 0 || helpers(b, result) < 0 ||
            isolation(b, result) < 0)
                return -1;
        return 0;
}
