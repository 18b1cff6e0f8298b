/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The three modes of `cell bench isolation` (bench.h): how a command is
 * started in each, how an idle instance is held, found and removed.
 *
 * process    fork, chroot(2) into <scratch>/bundle/rootfs (the image's layers
 *            under a throwaway overlay upper, src/engine/rootfs.h, with the
 *            host's /proc bind-mounted at /proc), exec.  Same user, same
 *            namespaces, same cgroup as cell.
 * container  `cell --storage S --runroot R run [--rm|-d --name N] IMAGE CMD`.
 * vm         the same with --isolation=vm.
 *
 * Every child gets a process group of its own, so the terminal's Ctrl-C
 * reaches only `cell bench`, which then finishes the step at hand (each is
 * short) and removes what it started.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/internal.h"
#include "engine/image_source.h"
#include "engine/rootfs.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

const char *const bench_mode_names[BENCH_NMODES] = {"process", "container", "vm"};

static char *const image_env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME=/",
        NULL,
};

double bench_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool bench_stopped(const struct bench *b)
{
        return b->c->stop && *b->c->stop;
}

void bench_progress(const struct bench *b, const char *fmt, ...)
{
        if (!b->c->progress)
                return;
        va_list ap;
        va_start(ap, fmt);
        fputs("bench: ", b->c->progress);
        vfprintf(b->c->progress, fmt, ap);
        fputc('\n', b->c->progress);
        fflush(b->c->progress);
        va_end(ap);
}

static int copy_file(const char *from, const char *to, struct cell_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        if (cell_read_file(from, &data, &len, err) < 0)
                return -1;
        _cleanup_close_ int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (fd < 0 || cell_write_all(fd, data, len) < 0)
                return cell_error_errno(err, "write %s", to);
        return 0;
}

/* The image's layers, top first, as the engine would stack them. */
static int mount_rootfs(struct bench *b, struct cell_error *err)
{
        struct cell_store *s;
        if (cell_store_open(b->c->storage, &s, err) < 0)
                return -1;
        struct cell_engine_image img = {0};
        int r = cell_store_lock_shared(s, err);
        if (r == 0)
                r = cell_engine_image_resolve(s, b->c->image, CELL_PULL_NEVER, NULL, NULL, &img,
                                              err);
        if (r == 0) {
                size_t n = 0;
                while (img.lower_dirs[n])
                        n++;
                r = cell_rootfs_mount(b->scratch, img.lower_dirs, n, true, err);
                b->rootfs_mounted = r == 0;
        }
        cell_engine_image_release(&img);
        cell_store_close(s);
        if (r < 0)
                return cell_error_prefix(err, "process mode: image %s", b->c->image);
        return 0;
}

static int bind(const char *from, const char *root, const char *to, bool *done,
                struct cell_error *err)
{
        _cleanup_free_ char *target = xasprintf("%s/%s", root, to);
        if (cell_mkdir_p(target, 0755, err) < 0)
                return -1;
        if (mount(from, target, NULL, MS_BIND, NULL) < 0)
                return cell_error_errno(err, "process mode: bind-mount %s on %s", from, target);
        *done = true;
        return 0;
}

int bench_setup(struct bench *b, struct cell_error *err)
{
        b->scratch = xasprintf("%s/bench-%d", b->c->runroot, (int)getpid());
        b->rootfs = xasprintf("%s/bundle/rootfs", b->scratch);
        b->helper_dir = xasprintf("%s/helper", b->scratch);
        b->vol_dir = xasprintf("%s/vol", b->scratch);
        if (cell_mkdir_p(b->helper_dir, 0755, err) < 0 || cell_mkdir_p(b->vol_dir, 0777, err) < 0)
                return -1;
        _cleanup_free_ char *helper = xasprintf("%s/cell-bench-helper", b->helper_dir);
        if (copy_file(b->c->helper, helper, err) < 0 || mount_rootfs(b, err) < 0)
                return -1;
        _cleanup_free_ char *in_root = xasprintf("%s/.cell-bench", b->rootfs);
        _cleanup_free_ char *in_root_helper = xasprintf("%s/cell-bench-helper", in_root);
        if (cell_mkdir_p(in_root, 0755, err) < 0 || copy_file(helper, in_root_helper, err) < 0)
                return cell_error_prefix(err, "process mode");
        if (bind("/proc", b->rootfs, "proc", &b->proc_mounted, err) < 0 ||
            bind(b->vol_dir, b->rootfs, "vol", &b->vol_mounted, err) < 0)
                return -1;
        return 0;
}

static void umount_at(const char *root, const char *sub, bool *mounted)
{
        if (!*mounted)
                return;
        _cleanup_free_ char *p = xasprintf("%s/%s", root, sub);
        if (umount2(p, MNT_DETACH) == 0 || errno == EINVAL || errno == ENOENT)
                *mounted = false;
        else
                fprintf(stderr, "cell: bench: unmount %s: %s\n", p, strerror(errno));
}

void bench_teardown(struct bench *b)
{
        bench_idle_stop_all(b);
        if (b->rootfs) {
                umount_at(b->rootfs, "proc", &b->proc_mounted);
                umount_at(b->rootfs, "vol", &b->vol_mounted);
        }
        if (b->rootfs_mounted) {
                struct cell_error err = {0};
                if (cell_rootfs_umount(b->scratch, &err) < 0)
                        fprintf(stderr, "cell: bench: %s\n", err.msg);
                else
                        b->rootfs_mounted = false;
        }
        /* Never remove a tree under a mount still there. */
        if (b->scratch && !b->rootfs_mounted && !b->proc_mounted && !b->vol_mounted) {
                struct cell_error err = {0};
                if (cell_remove_tree_at(AT_FDCWD, b->scratch, &err) < 0 && err.errnum != ENOENT)
                        fprintf(stderr, "cell: bench: remove %s: %s\n", b->scratch, err.msg);
        }
        free(b->scratch);
        free(b->rootfs);
        free(b->helper_dir);
        free(b->vol_dir);
        for (int m = 0; m < BENCH_NMODES; m++)
                free(b->reason[m]);
        free(b->idle);
}

/* `cell --storage S --runroot R run [--isolation=vm] ARGS... IMAGE CMD...` */
static char **cell_run_argv(struct bench *b, enum bench_mode m, char *const *args, char *const *cmd)
{
        size_t n = 0, na = 0, nc = 0;
        while (args[na])
                na++;
        while (cmd[nc])
                nc++;
        char **v = xcalloc(na + nc + 10, sizeof *v);
        v[n++] = xstrdup(b->c->cell);
        v[n++] = xstrdup("--storage");
        v[n++] = xstrdup(b->c->storage);
        v[n++] = xstrdup("--runroot");
        v[n++] = xstrdup(b->c->runroot);
        v[n++] = xstrdup("run");
        if (m == BENCH_VM)
                v[n++] = xstrdup("--isolation=vm");
        for (size_t i = 0; i < na; i++)
                v[n++] = xstrdup(args[i]);
        v[n++] = xstrdup(b->c->image);
        for (size_t i = 0; i < nc; i++)
                v[n++] = xstrdup(cmd[i]);
        return v;
}

static void child_stdio(int out_fd, int err_fd)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(null, STDIN_FILENO);
        dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
        dup2(err_fd >= 0 ? err_fd : null, STDERR_FILENO);
}

int bench_spawn(struct bench *b, enum bench_mode m, char *const *cmd, bool mounts, int out_fd,
                int err_fd, pid_t *pid, struct cell_error *err)
{
        _cleanup_strv_ char **argv = NULL;
        if (m != BENCH_PROCESS) {
                _cleanup_free_ char *h = xasprintf("%s:/.cell-bench:ro", b->helper_dir);
                _cleanup_free_ char *v = xasprintf("%s:/vol", b->vol_dir);
                char *with[] = {"--rm", "-v", h, "-v", v, NULL};
                char *without[] = {"--rm", NULL};
                argv = cell_run_argv(b, m, mounts ? with : without, cmd);
        }
        pid_t p = fork();
        if (p < 0)
                return cell_error_errno(err, "fork");
        if (p == 0) {
                setpgid(0, 0);
                child_stdio(out_fd, err_fd);
                if (m == BENCH_PROCESS) {
                        if (chroot(b->rootfs) < 0 || chdir("/") < 0) {
                                dprintf(STDERR_FILENO, "chroot %s: %s\n", b->rootfs,
                                        strerror(errno));
                                _exit(125);
                        }
                        execvpe(cmd[0], cmd, image_env);
                        dprintf(STDERR_FILENO, "exec %s: %s\n", cmd[0], strerror(errno));
                        _exit(127);
                }
                execv(argv[0], argv);
                _exit(127);
        }
        *pid = p;
        return 0;
}

int bench_wait(pid_t pid)
{
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Everything a child writes on fd until it closes it (blocking; at most 1 MiB kept). */
static char *slurp(int fd)
{
        size_t len = 0, cap = 4096;
        char *buf = xmalloc(cap);
        for (;;) {
                if (cap - len < 2048 && cap < (1 << 20))
                        buf = xrealloc(buf, cap *= 2);
                ssize_t r = read(fd, buf + len, cap - len - 1 < 2048 ? 0 : cap - len - 1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r == 0 && cap - len - 1 < 2048) {
                        char sink[4096]; /* over the cap: drain */
                        r = read(fd, sink, sizeof sink);
                        if (r > 0 || (r < 0 && errno == EINTR))
                                continue;
                }
                if (r <= 0)
                        break;
                len += (size_t)r;
        }
        buf[len] = 0;
        return buf;
}

/* The first line of what a child wrote on stderr, for an error. */
static void first_line(int fd, char *buf, size_t size)
{
        ssize_t n = pread(fd, buf, size - 1, 0);
        buf[n > 0 ? n : 0] = 0;
        buf[strcspn(buf, "\n")] = 0;
}

int bench_capture(struct bench *b, enum bench_mode m, char *const *cmd, bool mounts, char **out,
                  struct cell_error *err)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        _cleanup_free_ char *errpath = xasprintf("%s/stderr", b->scratch);
        _cleanup_close_ int efd = open(errpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        pid_t pid;
        if (efd < 0 || bench_spawn(b, m, cmd, mounts, pfd[1], efd, &pid, err) < 0) {
                if (efd < 0)
                        cell_error_errno(err, "open %s", errpath);
                close(pfd[0]);
                close(pfd[1]);
                return -1;
        }
        close(pfd[1]);
        *out = slurp(pfd[0]);
        close(pfd[0]);
        int status = bench_wait(pid);
        if (status != 0) {
                char line[512];
                first_line(efd, line, sizeof line);
                free(*out);
                *out = NULL;
                return cell_error_set(err, 0, "%s: %s exited %d%s%s", bench_mode_names[m], cmd[0],
                                      status, *line ? ": " : "", line);
        }
        return 0;
}

/* Whether /proc/PID/comm is `comm` (the exec of the idle command happened). */
static bool comm_is(pid_t pid, const char *comm)
{
        char path[64], buf[64];
        snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
        ssize_t n = cell_read_small(path, buf, sizeof buf);
        if (n <= 0)
                return false;
        buf[strcspn(buf, "\n")] = 0;
        return !strcmp(buf, comm);
}

int bench_inspect(struct bench *b, const char *name, const char *format, char **out,
                  struct cell_error *err)
{
        char *cmd[] = {(char *)b->c->cell,
                       "--storage",
                       (char *)b->c->storage,
                       "--runroot",
                       (char *)b->c->runroot,
                       "inspect",
                       "--format",
                       (char *)format,
                       (char *)name,
                       NULL};
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        pid_t p = fork();
        if (p < 0) {
                close(pfd[0]);
                close(pfd[1]);
                return cell_error_errno(err, "fork");
        }
        if (p == 0) {
                setpgid(0, 0);
                child_stdio(pfd[1], -1);
                execv(cmd[0], cmd);
                _exit(127);
        }
        close(pfd[1]);
        *out = slurp(pfd[0]);
        close(pfd[0]);
        if (bench_wait(p) != 0) {
                free(*out);
                *out = NULL;
                return cell_error_set(err, 0, "cell inspect --format '%s' %s failed", format, name);
        }
        (*out)[strcspn(*out, "\n")] = 0;
        return 0;
}

static int container_pid(struct bench *b, const char *name, pid_t *pid, struct cell_error *err)
{
        _cleanup_free_ char *out = NULL;
        if (bench_inspect(b, name, "{{.State.Pid}}", &out, err) < 0 ||
            (*pid = (pid_t)atol(out)) <= 0)
                return cell_error_set(err, 0, "cell inspect %s: no running process", name);
        return 0;
}

int bench_idle_start(struct bench *b, enum bench_mode m, struct cell_error *err)
{
        char *sleep_cmd[] = {"sleep", "1000000", NULL};
        return bench_instance_start(b, m, sleep_cmd, false, err);
}

int bench_instance_start(struct bench *b, enum bench_mode m, char *const *cmd, bool mounts,
                         struct cell_error *err)
{
        b->idle = xreallocarray(b->idle, b->n_idle + 1, sizeof *b->idle);
        struct bench_idle *in = &b->idle[b->n_idle];
        *in = (struct bench_idle){0};
        b->idle_mode = m;
        if (m == BENCH_PROCESS) {
                if (bench_spawn(b, m, cmd, mounts, -1, -1, &in->pid, err) < 0)
                        return -1;
                b->n_idle++;
                const char *base = strrchr(cmd[0], '/') ? strrchr(cmd[0], '/') + 1 : cmd[0];
                for (int i = 0; i < 400 && !comm_is(in->pid, base); i++)
                        usleep(5000);
                bench_progress(b, "started process (pid %d)", (int)in->pid);
                return 0;
        }
        in->name = xasprintf("cellbench-%d-%s-%zu", (int)getpid(), bench_mode_names[m], b->n_idle);
        /* Counted before it exists: an interrupted `cell run -d` may still have made it. */
        b->n_idle++;
        _cleanup_strv_ char **argv = NULL;
        _cleanup_free_ char *h = xasprintf("%s:/.cell-bench:ro", b->helper_dir);
        char *args[] = {"-d", "--name", in->name, "-v", h, NULL};
        if (!mounts)
                args[3] = NULL;
        argv = cell_run_argv(b, m, args, cmd);
        _cleanup_free_ char *out = NULL;
        /* cell_run_argv's argv without "cell": bench_capture runs mode commands, so run it here */
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        _cleanup_free_ char *errpath = xasprintf("%s/stderr", b->scratch);
        _cleanup_close_ int efd = open(errpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        pid_t p = fork();
        if (p < 0)
                return cell_error_errno(err, "fork");
        if (p == 0) {
                setpgid(0, 0);
                child_stdio(pfd[1], efd);
                execv(argv[0], argv);
                _exit(127);
        }
        close(pfd[1]);
        out = slurp(pfd[0]);
        close(pfd[0]);
        int status = bench_wait(p);
        if (status != 0) {
                char line[512];
                first_line(efd, line, sizeof line);
                return cell_error_set(err, 0, "%s: cell run -d %s exited %d: %s",
                                      bench_mode_names[m], b->c->image, status, line);
        }
        out[strcspn(out, "\n")] = 0;
        in->id = xstrdup(out);
        bench_progress(b, "started %s %s (id %s)", bench_mode_names[m], in->name, in->id);
        if (container_pid(b, in->name, &in->pid, err) < 0)
                return -1;
        /* Up when it answers an exec (a VM's `run -d` returns before its guest booted). */
        char *exec[] = {(char *)b->c->cell,
                        "--storage",
                        (char *)b->c->storage,
                        "--runroot",
                        (char *)b->c->runroot,
                        "exec",
                        in->name,
                        "true",
                        NULL};
        pid_t p2 = fork();
        if (p2 < 0)
                return cell_error_errno(err, "fork");
        if (p2 == 0) {
                setpgid(0, 0);
                child_stdio(-1, efd);
                execv(exec[0], exec);
                _exit(127);
        }
        if ((status = bench_wait(p2)) != 0) {
                char line[512];
                first_line(efd, line, sizeof line);
                return cell_error_set(err, 0, "%s: cell exec %s true exited %d: %s",
                                      bench_mode_names[m], in->name, status, line);
        }
        return 0;
}

static pid_t ppid_of(pid_t pid)
{
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        ssize_t n = cell_read_small(path, buf, sizeof buf);
        if (n <= 0)
                return -1;
        char *rp = strrchr(buf, ')');
        int ppid;
        if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
                return -1;
        return ppid;
}

static int64_t pss_kib(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[256];
        long long v;
        while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "Pss: %lld kB", &v) == 1)
                        return v;
        return 0;
}

/*
 * The directory of pid's memory cgroup: v1's memory hierarchy, else the
 * cgroup2 one.  Returns false when /proc/PID/cgroup names neither.
 */
static bool memory_cgroup_dir(pid_t pid, char *dir, size_t size)
{
        char path[64], line[1024];
        snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        *dir = 0;
        bool v1 = false;
        while (f && fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = 0;
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = 0;
                if (!strcmp(c1 + 1, "memory")) {
                        snprintf(dir, size, "/sys/fs/cgroup/memory%s", c2 + 1);
                        v1 = true;
                } else if (c1[1] == 0 && !v1) {
                        snprintf(dir, size, "/sys/fs/cgroup%s", c2 + 1);
                }
        }
        return *dir != 0;
}

/* v1's memory.kmem.usage_in_bytes, or cgroup2's "kernel" of memory.stat; -1 when neither. */
static int64_t cgroup_kernel_kib(const char *dir)
{
        char buf[64], line[256];
        _cleanup_free_ char *kmem = xasprintf("%s/memory.kmem.usage_in_bytes", dir);
        if (cell_read_small(kmem, buf, sizeof buf) > 0)
                return atoll(buf) / 1024;
        _cleanup_free_ char *stat = xasprintf("%s/memory.stat", dir);
        _cleanup_fclose_ FILE *s = fopen(stat, "re");
        long long k;
        while (s && fgets(line, sizeof line, s))
                if (sscanf(line, "kernel %lld", &k) == 1)
                        return k / 1024;
        return -1;
}

/* The pids of the cgroup at dir, added to set. */
static void cgroup_pids(const char *dir, pid_t *set, size_t *n, size_t max)
{
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
        _cleanup_fclose_ FILE *p = fopen(procs, "re");
        long v;
        while (p && *n < max && fscanf(p, "%ld", &v) == 1) {
                bool seen = false;
                for (size_t i = 0; i < *n; i++)
                        seen |= set[i] == (pid_t)v;
                if (!seen)
                        set[(*n)++] = (pid_t)v;
        }
}

/* Every descendant of root (in /proc's order), added to set. */
static void descendants(pid_t root, pid_t *set, size_t *n, size_t max)
{
        for (size_t from = *n - 1, to = *n; from < to; from = to, to = *n) {
                _cleanup_closedir_ DIR *d = opendir("/proc");
                struct dirent *e;
                while (d && (e = readdir(d)) && *n < max) {
                        pid_t p = (pid_t)atol(e->d_name);
                        if (p <= 0)
                                continue;
                        pid_t pp = ppid_of(p);
                        for (size_t i = from; i < to; i++)
                                if (pp == set[i]) {
                                        set[(*n)++] = p;
                                        break;
                                }
                }
        }
        (void)root;
}

/*
 * A container's (or VM's) processes: its cgroup's, and its monitor (the
 * parent of State.Pid, cell-monitor) with every descendant of the monitor
 * (a VM's QEMU, should it be one).
 */
int bench_idle_memory(struct bench *b, size_t i, int64_t *pss, int64_t *kernel,
                      struct cell_error *err)
{
        const struct bench_idle *in = &b->idle[i];
        if (kill(in->pid, 0) < 0)
                return cell_error_errno(err, "%s instance %zu (pid %d)",
                                        bench_mode_names[b->idle_mode], i, (int)in->pid);
        pid_t set[256];
        size_t n = 0;
        if (b->idle_mode == BENCH_PROCESS) {
                set[n++] = in->pid;
                *kernel = -1;
        } else {
                pid_t mon = ppid_of(in->pid);
                if (mon > 1) {
                        set[n++] = mon;
                        descendants(mon, set, &n, 256);
                }
                /* cell names a container's cgroup after its id; any other is not the
                 * instance's own (a VM's launcher may stay in cell's) */
                char dir[1100];
                const char *base =
                        memory_cgroup_dir(in->pid, dir, sizeof dir) ? strrchr(dir, '/') : NULL;
                *kernel = -1;
                if (base && in->id && !strcmp(base + 1, in->id)) {
                        cgroup_pids(dir, set, &n, 256);
                        *kernel = cgroup_kernel_kib(dir);
                }
        }
        *pss = 0;
        for (size_t k = 0; k < n; k++)
                *pss += pss_kib(set[k]);
        return 0;
}

void bench_idle_stop_all(struct bench *b)
{
        if (!b->n_idle)
                return;
        if (b->idle_mode == BENCH_PROCESS) {
                for (size_t i = 0; i < b->n_idle; i++) {
                        kill(b->idle[i].pid, SIGKILL);
                        bench_wait(b->idle[i].pid);
                }
        } else {
                char **argv = xcalloc(b->n_idle + 9, sizeof *argv);
                size_t n = 0;
                argv[n++] = (char *)b->c->cell;
                argv[n++] = "--storage";
                argv[n++] = (char *)b->c->storage;
                argv[n++] = "--runroot";
                argv[n++] = (char *)b->c->runroot;
                argv[n++] = "rm";
                argv[n++] = "-f";
                for (size_t i = 0; i < b->n_idle; i++)
                        argv[n++] = b->idle[i].name;
                pid_t p = fork();
                if (p == 0) {
                        setpgid(0, 0);
                        child_stdio(-1, -1);
                        execv(argv[0], argv);
                        _exit(127);
                }
                if (p > 0)
                        bench_wait(p);
                free(argv);
        }
        for (size_t i = 0; i < b->n_idle; i++) {
                free(b->idle[i].name);
                free(b->idle[i].id);
        }
        b->n_idle = 0;
}
