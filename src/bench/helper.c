/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell-bench-helper: the workloads of `cell bench isolation` that the image
 * cannot run by itself (busybox has no syscall loop, no timed file I/O, no
 * TCP ping-pong).  A static executable of its own, copied into the process
 * mode's rootfs and bind-mounted read-only into a container or VM, so each
 * mode runs the very same code.  One result line on stdout, "key=value ...".
 *
 *   syscall N           N getppid(2) calls, ns per call
 *   fileio DIR MIB      write MIB MiB to DIR/.cell-bench (1 MiB writes,
 *                       fsync), read it back, remove it; MB/s each way
 *   net N MIB           TCP over 127.0.0.1 inside the instance: N 1-byte
 *                       round trips (median, us), then MIB MiB one way (MB/s)
 *   serve PORT REPS N MIB
 *                       the server side of `net` on 0.0.0.0:PORT for a client
 *                       outside the instance (`cell bench` on the host, over
 *                       the veth/bridge or the tap): REPS connections one
 *                       after the other, then exit
 *   isolation HOSTPID   what the instance can see and do: kernel release,
 *                       boot id, pids visible, whether HOSTPID is visible,
 *                       network interfaces, CapEff, Seccomp, what a 1-byte
 *                       write to /proc/sysrq-trigger and a module load do
 *
 * Nothing here changes the host: the sysrq byte is ' ', which no sysrq
 * command uses (the kernel logs its help line), and the module calls pass
 * no module (finit_module(-1), init_module(NULL, 0)): the kernel's answer
 * tells whether the permission checks let it that far (EBADF/EFAULT) or not
 * (EPERM).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The errno names the probes can meet (musl has no strerrorname_np). */
static const char *errno_name(int e)
{
        switch (e) {
        case EPERM:
                return "EPERM";
        case ENOENT:
                return "ENOENT";
        case EACCES:
                return "EACCES";
        case EROFS:
                return "EROFS";
        case EBADF:
                return "EBADF";
        case EFAULT:
                return "EFAULT";
        case EINVAL:
                return "EINVAL";
        case ENOSYS:
                return "ENOSYS";
        case ENOEXEC:
                return "ENOEXEC";
        case EIO:
                return "EIO";
        default:
                return "E?";
        }
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int do_syscall(long n)
{
        double t0 = now();
        for (long i = 0; i < n; i++)
                syscall(SYS_getppid);
        double t = now() - t0;
        printf("ns_per_call=%.1f calls=%ld\n", t * 1e9 / (double)n, n);
        return 0;
}

static int do_fileio(const char *dir, long mib)
{
        static char buf[1 << 20];
        char path[4096];
        snprintf(path, sizeof path, "%s/.cell-bench-io", dir);
        memset(buf, 'x', sizeof buf);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
                fprintf(stderr, "open %s: %s\n", path, strerror(errno));
                return 1;
        }
        double t0 = now();
        for (long i = 0; i < mib; i++)
                if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
                        fprintf(stderr, "write %s: %s\n", path, strerror(errno));
                        close(fd);
                        unlink(path);
                        return 1;
                }
        if (fsync(fd) < 0) {
                fprintf(stderr, "fsync %s: %s\n", path, strerror(errno));
                close(fd);
                unlink(path);
                return 1;
        }
        double tw = now() - t0;
        close(fd);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "open %s: %s\n", path, strerror(errno));
                unlink(path);
                return 1;
        }
        t0 = now();
        long long total = 0;
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0)
                total += r;
        double tr = now() - t0;
        close(fd);
        unlink(path);
        double mb = (double)mib * 1048576.0 / 1e6;
        printf("write_mbps=%.1f read_mbps=%.1f bytes=%lld\n", mb / tw, mb / tr, total);
        return 0;
}

static int full_io(int fd, char *p, size_t n, int wr)
{
        while (n) {
                ssize_t r = wr ? write(fd, p, n) : read(fd, p, n);
                if (r <= 0)
                        return -1;
                p += r;
                n -= (size_t)r;
        }
        return 0;
}

/* The server side of one connection: echo the round trips, swallow the stream, ack it. */
static int serve_one(int c, long n, long mib)
{
        char b;
        for (long i = 0; i < n; i++)
                if (full_io(c, &b, 1, 0) < 0 || full_io(c, &b, 1, 1) < 0)
                        return -1;
        static char buf[1 << 16];
        long long want = (long long)mib << 20;
        while (want > 0) {
                ssize_t r = read(c, buf, sizeof buf);
                if (r <= 0)
                        return -1;
                want -= r;
        }
        return full_io(c, &b, 1, 1);
}

static void net_server(int lfd, long n, long mib)
{
        int c = accept(lfd, NULL, NULL);
        _exit(c < 0 || serve_one(c, n, mib) < 0 ? 1 : 0);
}

static int cmp_dbl(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/*
 * Bring the instance's own "lo" up when it is down (cell's guest boots with
 * it down; the kernel gives an up lo 127.0.0.1).  Only ever reached where
 * 127.0.0.1 is not there, so never on a host whose loopback is up.
 */
static int raise_lo(void)
{
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
        int r = fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ? -1 : 0;
        if (r == 0) {
                ifr.ifr_flags |= IFF_UP;
                r = ioctl(fd, SIOCSIFFLAGS, &ifr);
        }
        if (fd >= 0)
                close(fd);
        return r;
}

static int do_net(long n, long mib)
{
        int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t sl = sizeof sa;
        int raised = 0;
        int rb = lfd < 0 ? -1 : bind(lfd, (struct sockaddr *)&sa, sizeof sa);
        if (rb < 0 && errno == EADDRNOTAVAIL && raise_lo() == 0) {
                raised = 1;
                rb = bind(lfd, (struct sockaddr *)&sa, sizeof sa);
        }
        if (rb < 0 || listen(lfd, 1) < 0 || getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
                fprintf(stderr, "listen on 127.0.0.1: %s\n", strerror(errno));
                return 1;
        }
        pid_t pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0)
                net_server(lfd, n, mib);
        close(lfd);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
                fprintf(stderr, "connect 127.0.0.1: %s\n", strerror(errno));
                return 1;
        }
        char b = 'x';
        double *rt = calloc((size_t)n, sizeof *rt), t0;
        if (!rt || n < 1)
                return 1;
        for (long i = 0; i < n; i++) {
                t0 = now();
                if (full_io(fd, &b, 1, 1) < 0 || full_io(fd, &b, 1, 0) < 0)
                        return 1;
                rt[i] = now() - t0;
        }
        qsort(rt, (size_t)n, sizeof *rt, cmp_dbl);
        double rtt = rt[n / 2];
        free(rt);
        static char buf[1 << 16];
        memset(buf, 'y', sizeof buf);
        t0 = now();
        for (long long left = (long long)mib << 20; left > 0; left -= (long long)sizeof buf)
                if (full_io(fd, buf, sizeof buf, 1) < 0)
                        return 1;
        if (full_io(fd, &b, 1, 0) < 0)
                return 1;
        double t = now() - t0;
        close(fd);
        int st;
        waitpid(pid, &st, 0);
        printf("rtt_us=%.1f throughput_mbps=%.1f lo_raised=%d\n", rtt * 1e6,
               (double)mib * 1048576.0 / 1e6 / t, raised);
        return 0;
}

static void status_field(const char *key, char *out, size_t size)
{
        snprintf(out, size, "unknown");
        FILE *f = fopen("/proc/self/status", "re");
        if (!f)
                return;
        char line[256];
        size_t kl = strlen(key);
        while (fgets(line, sizeof line, f))
                if (!strncmp(line, key, kl) && line[kl] == ':') {
                        char *v = line + kl + 1;
                        v += strspn(v, " \t");
                        v[strcspn(v, "\n")] = 0;
                        snprintf(out, size, "%s", v);
                }
        fclose(f);
}

/* "ok", "kernel" (reached the kernel), "devnull", or the errno's name. */
static const char *sysrq_probe(void)
{
        static char out[64];
        int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                snprintf(out, sizeof out, "open:%s", errno_name(errno));
                return out;
        }
        struct stat st;
        const char *target = "proc";
        if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode))
                target = st.st_rdev == makedev(1, 3) ? "devnull" : "chardev";
        ssize_t r = write(fd, " ", 1);
        if (r == 1)
                snprintf(out, sizeof out, "written:%s", target);
        else
                snprintf(out, sizeof out, "write:%s", errno_name(errno));
        close(fd);
        return out;
}

static const char *errname(long r)
{
        if (r == 0)
                return "ok";
        return errno_name(errno);
}

static int do_isolation(const char *hostpid)
{
        struct utsname u;
        uname(&u);
        char boot[64] = "unknown";
        FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (f) {
                if (fgets(boot, sizeof boot, f))
                        boot[strcspn(boot, "\n")] = 0;
                fclose(f);
        }
        int pids = 0;
        DIR *d = opendir("/proc");
        if (d) {
                struct dirent *e;
                while ((e = readdir(d)))
                        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
                                pids++;
                closedir(d);
        }
        char path[64], comm[64] = "";
        snprintf(path, sizeof path, "/proc/%s/comm", hostpid);
        f = fopen(path, "re");
        if (f) {
                if (fgets(comm, sizeof comm, f))
                        comm[strcspn(comm, "\n")] = 0;
                fclose(f);
        }
        char ifs[512] = "";
        f = fopen("/proc/net/dev", "re");
        if (f) {
                char line[512];
                while (fgets(line, sizeof line, f)) {
                        char *colon = strchr(line, ':');
                        if (!colon)
                                continue;
                        *colon = 0;
                        char *name = line + strspn(line, " ");
                        if (strlen(ifs) + strlen(name) + 2 < sizeof ifs) {
                                if (*ifs)
                                        strcat(ifs, ",");
                                strcat(ifs, name);
                        }
                }
                fclose(f);
        }
        char cap[64], sec[16];
        status_field("CapEff", cap, sizeof cap);
        status_field("Seccomp", sec, sizeof sec);
        const char *sysrq = sysrq_probe();
        long r1 = syscall(SYS_finit_module, -1, "", 0);
        char fin[32];
        snprintf(fin, sizeof fin, "%s", errname(r1));
        long r2 = syscall(SYS_init_module, NULL, 0UL, "");
        printf("kernel=%s boot_id=%s pids=%d hostpid_comm=%s ifaces=%s capeff=%s seccomp=%s "
               "sysrq=%s finit_module=%s init_module=%s\n",
               u.release, boot, pids, *comm ? comm : "-", *ifs ? ifs : "-", cap, sec, sysrq, fin,
               errname(r2));
        return 0;
}

/* serve PORT REPS N MIB: REPS clients from outside the instance, one after the other. */
static int do_serve(int port, long reps, long n, long mib)
{
        int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_addr.s_addr = htonl(INADDR_ANY),
                                 .sin_port = htons((uint16_t)port)};
        if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
            bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1) < 0) {
                fprintf(stderr, "listen on 0.0.0.0:%d: %s\n", port, strerror(errno));
                return 1;
        }
        for (long r = 0; r < reps; r++) {
                int c = accept(lfd, NULL, NULL);
                if (c < 0) {
                        fprintf(stderr, "accept on 0.0.0.0:%d: %s\n", port, strerror(errno));
                        return 1;
                }
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                int rc = serve_one(c, n, mib);
                close(c);
                if (rc < 0) {
                        fprintf(stderr, "client %ld on port %d: connection lost\n", r + 1, port);
                        return 1;
                }
        }
        close(lfd);
        return 0;
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc == 3 && !strcmp(argv[1], "syscall"))
                return do_syscall(atol(argv[2]));
        if (argc == 4 && !strcmp(argv[1], "fileio"))
                return do_fileio(argv[2], atol(argv[3]));
        if (argc == 4 && !strcmp(argv[1], "net"))
                return do_net(atol(argv[2]), atol(argv[3]));
        if (argc == 6 && !strcmp(argv[1], "serve"))
                return do_serve(atoi(argv[2]), atol(argv[3]), atol(argv[4]), atol(argv[5]));
        if (argc == 3 && !strcmp(argv[1], "isolation"))
                return do_isolation(argv[2]);
        fprintf(stderr, "usage: cell-bench-helper syscall N | fileio DIR MIB | net N MIB | "
                        "serve PORT REPS N MIB | isolation HOSTPID\n");
        return 2;
}
