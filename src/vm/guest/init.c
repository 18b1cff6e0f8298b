/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell-guest-init: PID 1 of a cell micro-VM.
 *
 * Started by the kernel from a one-file initramfs that the host driver builds
 * (src/vm/initramfs.c).  It mounts /dev, /proc and /sys, finds the virtio-console
 * port "cell.io" (src/vm/protocol.h), reads the process' configuration from it,
 * mounts the rootfs the host shares over 9p (read-only under a tmpfs overlay, or
 * the shared directory itself), switches root into it, runs the process with
 * its stdio relayed over the port, forwards the signals the host sends, reports
 * the exit status and powers the VM off once the host acknowledged the report.
 *
 * Static and free of cell's libraries on purpose: it runs in a guest with
 * nothing else, and every byte of it is loaded at every boot.  It reports its
 * own failures on the port (an ERROR frame) and on the kernel console.
 *
 * Power off is a reboot: the kernel is built without ACPI, so it has no way to
 * power off; QEMU runs with -no-reboot and exits when the guest resets
 * (reboot=t on the kernel command line makes that an immediate triple fault).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../protocol.h"

#define MAX_ARGS 4096
#define STDIN_BUFFER_MAX (1024 * 1024)

struct config {
        char *args[MAX_ARGS + 1];
        char *env[MAX_ARGS + 1];
        size_t n_args, n_env;
        const char *cwd, *hostname, *rootfs;
        uid_t uid;
        gid_t gid;
        gid_t groups[64];
        size_t n_groups;
        char *mounts[CELL_VM_SHARES_MAX]; /* "<tag> <ro|rw> <destination>" */
        size_t n_mounts;
        bool tty;
        unsigned short rows, cols;
        const char *net; /* "<address>/<prefix> <gateway|->" for eth0, or NULL */
};

/* A frame being assembled from reads of the port. */
struct reader {
        unsigned char buf[CELL_VM_FRAME_HEADER + CELL_VM_FRAME_MAX];
        size_t len;
};

static int io_fd = -1;
/* The host may acknowledge in advance (bench/vm.sh's plain QEMU run does): then no waiting. */
static bool acked;

static void console(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void console(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("cell-guest-init: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

static void power_off(void)
{
        sync();
        reboot(RB_AUTOBOOT);
        for (;;)
                pause();
}

static int write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int send_frame(int type, int session, const void *payload, size_t len)
{
        unsigned char hdr[CELL_VM_FRAME_HEADER];
        cell_vm_frame_header(hdr, type, session, (uint32_t)len);
        if (write_all(io_fd, hdr, sizeof hdr) < 0)
                return -1;
        return len ? write_all(io_fd, payload, len) : 0;
}

/* Returns 1 and the frame's type and payload length when buf holds a whole frame. */
static int reader_frame(const struct reader *r, int *type, size_t *len)
{
        if (r->len < CELL_VM_FRAME_HEADER)
                return 0;
        *type = r->buf[0];
        if (r->buf[1] >= CELL_VM_SESSIONS_MAX)
                return -1;
        *len = cell_vm_frame_length(r->buf);
        if (*len > CELL_VM_FRAME_MAX)
                return -1;
        return r->len >= CELL_VM_FRAME_HEADER + *len;
}

static void reader_consume(struct reader *r, size_t payload_len)
{
        size_t n = CELL_VM_FRAME_HEADER + payload_len;
        memmove(r->buf, r->buf + n, r->len - n);
        r->len -= n;
}

/* Reads once from the port; -1 on end of file or error. */
static int reader_fill(struct reader *r, int fd)
{
        ssize_t n = read(fd, r->buf + r->len, sizeof r->buf - r->len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n <= 0)
                return -1;
        r->len += (size_t)n;
        return 0;
}

/* Waits up to five seconds for the host's ACK so that nothing sent is lost. */
static void wait_ack(struct reader *r)
{
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        while (!acked) {
                int type;
                size_t len;
                int ret;
                while ((ret = reader_frame(r, &type, &len)) == 1) {
                        acked |= type == CELL_VM_ACK;
                        reader_consume(r, len);
                }
                if (acked || ret < 0)
                        return;
                clock_gettime(CLOCK_MONOTONIC, &now);
                long left = 5000 - (long)((now.tv_sec - start.tv_sec) * 1000 +
                                          (now.tv_nsec - start.tv_nsec) / 1000000);
                struct pollfd p = {.fd = io_fd, .events = POLLIN};
                if (left <= 0 || poll(&p, 1, (int)left) <= 0 || reader_fill(r, io_fd) < 0)
                        return;
        }
}

static void report_and_power_off(struct reader *r, int type, const char *fmt, ...)
        __attribute__((format(printf, 3, 4), noreturn));
static void report_and_power_off(struct reader *r, int type, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                n = 0;
        if ((size_t)n >= sizeof msg)
                n = sizeof msg - 1;
        if (type == CELL_VM_ERROR)
                console("%s", msg);
        if (io_fd >= 0 && send_frame(type, 0, msg, (size_t)n) == 0)
                wait_ack(r);
        power_off();
        __builtin_unreachable();
}

static int mount_fs(const char *src, const char *dst, const char *type, unsigned long flags,
                    const char *data, char *err, size_t errlen)
{
        mkdir(dst, 0755);
        if (mount(src, dst, type, flags, data) == 0)
                return 0;
        snprintf(err, errlen, "mount %s on %s: %s", type, dst, strerror(errno));
        return -1;
}

static int mkdir_or_say(const char *path, char *err, size_t errlen)
{
        if (mkdir(path, 0755) == 0)
                return 0;
        snprintf(err, errlen, "mkdir %.200s: %s", path, strerror(errno));
        return -1;
}

/* The port's device node: /dev/vportNpM whose sysfs name is CELL_VM_PORT_NAME. */
static int find_port(char *path, size_t len)
{
        _Static_assert(sizeof CELL_VM_PORT_NAME < 64, "port name");
        DIR *d = opendir("/sys/class/virtio-ports");
        if (!d)
                return -1;
        struct dirent *e;
        int found = -1;
        while (found < 0 && (e = readdir(d))) {
                char name_path[300], name[64] = "";
                if (e->d_name[0] == '.')
                        continue;
                snprintf(name_path, sizeof name_path, "/sys/class/virtio-ports/%s/name", e->d_name);
                int fd = open(name_path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                ssize_t n = read(fd, name, sizeof name - 1);
                close(fd);
                if (n > 0 && name[n - 1] == '\n')
                        n--;
                if (n == (ssize_t)strlen(CELL_VM_PORT_NAME) &&
                    !memcmp(name, CELL_VM_PORT_NAME, (size_t)n)) {
                        snprintf(path, len, "/dev/%s", e->d_name);
                        found = 0;
                }
        }
        closedir(d);
        return found;
}

/* Ports appear asynchronously after the virtio-console driver probed: poll for 10 s. */
static int open_port(void)
{
        char path[300];
        for (int i = 0; i < 10000; i++) {
                if (find_port(path, sizeof path) == 0) {
                        int fd = open(path, O_RDWR | O_CLOEXEC);
                        if (fd >= 0 || errno != ENOENT)
                                return fd;
                }
                nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        }
        errno = ETIMEDOUT;
        return -1;
}

static int parse_ids(struct config *c, const char *key, const char *val)
{
        char *end;
        if (!strcmp(key, "uid"))
                c->uid = (uid_t)strtoul(val, &end, 10);
        else if (!strcmp(key, "gid"))
                c->gid = (gid_t)strtoul(val, &end, 10);
        else {
                for (const char *p = val; *p && c->n_groups < 64; p = *end ? end + 1 : end)
                        c->groups[c->n_groups++] = (gid_t)strtoul(p, &end, 10);
                return 0;
        }
        return *end ? -1 : 0;
}

/* Parses CONFIG records in place: the strings point into the frame's payload. */
static int parse_config(struct config *c, char *p, size_t len)
{
        char *end = p + len;
        while (p < end) {
                char *rec = p, *eq = strchr(rec, '=');
                p += strlen(rec) + 1;
                if (!eq)
                        return -1;
                *eq = '\0';
                const char *val = eq + 1;
                if (!strcmp(rec, "arg") && c->n_args < MAX_ARGS)
                        c->args[c->n_args++] = eq + 1;
                else if (!strcmp(rec, "env") && c->n_env < MAX_ARGS)
                        c->env[c->n_env++] = eq + 1;
                else if (!strcmp(rec, "cwd"))
                        c->cwd = val;
                else if (!strcmp(rec, "hostname"))
                        c->hostname = val;
                else if (!strcmp(rec, "rootfs"))
                        c->rootfs = val;
                else if (!strcmp(rec, "mount") && c->n_mounts < CELL_VM_SHARES_MAX)
                        c->mounts[c->n_mounts++] = eq + 1;
                else if (!strcmp(rec, "net"))
                        c->net = val;
                else if (!strcmp(rec, "tty"))
                        c->tty = !strcmp(val, "1");
                else if (!strcmp(rec, "rows"))
                        c->rows = (unsigned short)atoi(val);
                else if (!strcmp(rec, "cols"))
                        c->cols = (unsigned short)atoi(val);
                else if (parse_ids(c, rec, val) < 0)
                        return -1;
        }
        return c->n_args > 0 ? 0 : -1;
}

static int read_config(struct reader *r, struct config *c, char *payload)
{
        for (;;) {
                int type;
                size_t len;
                int ret = reader_frame(r, &type, &len);
                if (ret < 0)
                        return -1;
                if (ret == 1) {
                        if (type != CELL_VM_CONFIG || r->buf[1] != 0)
                                return -1;
                        memcpy(payload, r->buf + CELL_VM_FRAME_HEADER, len);
                        payload[len] = '\0';
                        reader_consume(r, len);
                        return parse_config(c, payload, len);
                }
                if (reader_fill(r, io_fd) < 0)
                        return -1;
        }
}

/* mkdir -p of `path` (absolute, below /newroot). */
static int mkdir_parents(char *path, char *err, size_t errlen)
{
        for (char *p = path + 1;; p++) {
                if (*p != '/' && *p)
                        continue;
                char saved = *p;
                *p = '\0';
                int r = mkdir(path, 0755);
                *p = saved;
                if (r < 0 && errno != EEXIST) {
                        snprintf(err, errlen, "mkdir %.200s: %s", path, strerror(errno));
                        return -1;
                }
                if (!saved)
                        return 0;
        }
}

/* The volumes: each a 9p device of its own, mounted where the container wants it. */
static int mount_shares(const struct config *c, char *err, size_t errlen)
{
        for (size_t i = 0; i < c->n_mounts; i++) {
                char tag[32], mode[4], dest[4096], opts[256];
                if (sscanf(c->mounts[i], "%31s %3s", tag, mode) != 2 ||
                    !strchr(c->mounts[i], '/')) {
                        snprintf(err, errlen, "bad mount record \"%s\"", c->mounts[i]);
                        return -1;
                }
                snprintf(dest, sizeof dest, "/newroot%s", strchr(c->mounts[i], '/'));
                snprintf(opts, sizeof opts,
                         "trans=virtio,version=9p2000.L,msize=524288,cache=mmap");
                if (mkdir_parents(dest, err, errlen) < 0)
                        return -1;
                if (mount(tag, dest, "9p", strcmp(mode, "ro") ? 0 : MS_RDONLY, opts) < 0) {
                        snprintf(err, errlen, "mount volume %s on %.200s: %s", tag, dest + 8,
                                 strerror(errno));
                        return -1;
                }
        }
        return 0;
}

static int net_ioctl(int sock, unsigned long req, void *arg, const char *what, char *err,
                     size_t errlen)
{
        if (ioctl(sock, req, arg) == 0)
                return 0;
        snprintf(err, errlen, "network: %s: %s", what, strerror(errno));
        return -1;
}

static int link_up(int sock, const char *name, char *err, size_t errlen)
{
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
        if (net_ioctl(sock, SIOCGIFFLAGS, &ifr, name, err, errlen) < 0)
                return -1;
        ifr.ifr_flags |= IFF_UP;
        return net_ioctl(sock, SIOCSIFFLAGS, &ifr, name, err, errlen);
}

static int set_inet(int sock, unsigned long req, const char *name, in_addr_t addr,
                    const char *what, char *err, size_t errlen)
{
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
        struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = addr;
        return net_ioctl(sock, req, &ifr, what, err, errlen);
}

/* lo up; with a "net" record eth0 gets the container's address and default route. */
static int setup_net(const struct config *c, char *err, size_t errlen)
{
        int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0) {
                snprintf(err, errlen, "network: socket: %s", strerror(errno));
                return -1;
        }
        int r = link_up(sock, "lo", err, errlen);
        char ip[32], gw[32];
        unsigned prefix = 0;
        if (r == 0 && c->net) {
                struct in_addr a, g;
                if (sscanf(c->net, "%31[^/]/%u %31s", ip, &prefix, gw) != 3 || prefix > 32 ||
                    !inet_aton(ip, &a)) {
                        snprintf(err, errlen, "network: bad record \"%s\"", c->net);
                        close(sock);
                        return -1;
                }
                in_addr_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
                r = set_inet(sock, SIOCSIFADDR, "eth0", a.s_addr, "address of eth0", err, errlen);
                if (r == 0)
                        r = set_inet(sock, SIOCSIFNETMASK, "eth0", mask, "netmask of eth0", err,
                                     errlen);
                if (r == 0)
                        r = link_up(sock, "eth0", err, errlen);
                if (r == 0 && strcmp(gw, "-") && inet_aton(gw, &g)) {
                        struct rtentry rt = {0};
                        ((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
                        ((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
                        struct sockaddr_in *gwa = (struct sockaddr_in *)&rt.rt_gateway;
                        gwa->sin_family = AF_INET;
                        gwa->sin_addr = g;
                        rt.rt_flags = RTF_UP | RTF_GATEWAY;
                        rt.rt_dev = (char *)"eth0";
                        r = net_ioctl(sock, SIOCADDRT, &rt, "default route", err, errlen);
                }
        }
        close(sock);
        return r;
}

static int setup_root(const struct config *c, char *err, size_t errlen)
{
        static const char *const p9 = "trans=virtio,version=9p2000.L,msize=524288,";
        char opts[256];
        if (c->rootfs && !strncmp(c->rootfs, "shared", 6)) {
                snprintf(opts, sizeof opts, "%scache=mmap", p9);
                unsigned long flags = strcmp(c->rootfs, "shared-ro") ? 0 : MS_RDONLY;
                if (mount_fs(CELL_VM_ROOTFS_TAG, "/newroot", "9p", flags, opts, err, errlen) < 0)
                        return -1;
        } else {
                snprintf(opts, sizeof opts, "%scache=loose", p9);
                if (mount_fs(CELL_VM_ROOTFS_TAG, "/lower", "9p", MS_RDONLY, opts, err, errlen) <
                            0 ||
                    mount_fs("tmpfs", "/rw", "tmpfs", 0, "mode=0755", err, errlen) < 0 ||
                    mkdir_or_say("/rw/upper", err, errlen) < 0 ||
                    mkdir_or_say("/rw/work", err, errlen) < 0 ||
                    mount_fs("overlay", "/newroot", "overlay", 0,
                             "lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work", err,
                             errlen) < 0)
                        return -1;
        }
        if (mount_shares(c, err, errlen) < 0 || setup_net(c, err, errlen) < 0)
                return -1;
        if (mount_fs("proc", "/newroot/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err,
                     errlen) < 0 ||
            mount_fs("sysfs", "/newroot/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err,
                     errlen) < 0 ||
            mount_fs("devtmpfs", "/newroot/dev", "devtmpfs", MS_NOSUID, NULL, err, errlen) < 0 ||
            mount_fs("devpts", "/newroot/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                     "newinstance,ptmxmode=0666,mode=0620", err, errlen) < 0 ||
            mount_fs("shm", "/newroot/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", err,
                     errlen) < 0)
                return -1;
        if (chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
            chdir("/") < 0) {
                snprintf(err, errlen, "switch root: %s", strerror(errno));
                return -1;
        }
        if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0) {
                snprintf(err, errlen, "sethostname %s: %s", c->hostname, strerror(errno));
                return -1;
        }
        return 0;
}

/* In the forked child: what failed (a step and errno) goes back on a CLOEXEC pipe. */
struct exec_failure {
        int step; /* 0 chdir, 1 credentials, 2 exec, 3 terminal */
        int errnum;
};

/*
 * One process the host follows: session 0 is the VM's own, the others are
 * execs.  In init: the pipes' ends (or the pty master as `out`, with `in` a
 * dup of it and no `err`), -1 once closed.
 */
struct session {
        bool used;
        pid_t pid;
        int out, err, in;
        bool tty;
        char *pending; /* stdin not yet written to the process */
        size_t pending_len;
        bool stdin_eof;
        struct config *cfg; /* an exec's own configuration (and `payload`, its strings) */
        char *payload;
};

static struct session sessions[CELL_VM_SESSIONS_MAX];

static void __attribute__((noreturn))
child(const struct config *c, const int fds[3], const char *pty_slave, int report)
{
        struct exec_failure f;
        extern char **environ;
        setsid();
        int tty_fds[3];
        if (pty_slave) {
                int fd = open(pty_slave, O_RDWR);
                if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0) {
                        f = (struct exec_failure){3, errno};
                        if (write(report, &f, sizeof f) < 0)
                                _exit(125);
                        _exit(125);
                }
                tty_fds[0] = tty_fds[1] = tty_fds[2] = fd;
                fds = tty_fds;
        }
        for (int i = 0; i < 3; i++)
                if (dup2(fds[i], i) < 0)
                        _exit(125);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (setgroups(c->n_groups, c->groups) < 0 || setgid(c->gid) < 0 || setuid(c->uid) < 0) {
                f = (struct exec_failure){1, errno};
        } else if (chdir(c->cwd && *c->cwd ? c->cwd : "/") < 0) {
                f = (struct exec_failure){0, errno};
        } else {
                environ = (char **)c->env;
                execvp(c->args[0], c->args);
                f = (struct exec_failure){2, errno};
        }
        if (write(report, &f, sizeof f) < 0)
                _exit(125);
        _exit(127);
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/* The process' stdio: three pipes, or a pty whose slave path goes to the child. */
static int open_stdio(struct session *s, const struct config *c, int child_fds[3], char *slave,
                      size_t slave_len, char *msg, size_t msglen)
{
        if (c->tty) {
                int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, slave, slave_len)) {
                        snprintf(msg, msglen, "125 open a pty: %s", strerror(errno));
                        if (m >= 0)
                                close(m);
                        return -1;
                }
                struct winsize ws = {.ws_row = c->rows ? c->rows : 24,
                                     .ws_col = c->cols ? c->cols : 80};
                ioctl(m, TIOCSWINSZ, &ws);
                s->out = m;
                s->in = fcntl(m, F_DUPFD_CLOEXEC, 3);
                s->err = -1;
                child_fds[0] = child_fds[1] = child_fds[2] = -1;
                return 0;
        }
        int in[2], out[2], err[2];
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
                snprintf(msg, msglen, "125 pipe: %s", strerror(errno));
                return -1;
        }
        s->in = in[1];
        s->out = out[0];
        s->err = err[0];
        child_fds[0] = in[0];
        child_fds[1] = out[1];
        child_fds[2] = err[1];
        return 0;
}

/*
 * Start session `s`'s process.  Returns 0, or -1 with "<status> <message>" in
 * msg (the ERROR frame's payload).
 */
static int spawn(struct session *s, const struct config *c, char *msg, size_t msglen)
{
        int child_fds[3], report[2];
        char slave[64];
        s->tty = c->tty;
        if (open_stdio(s, c, child_fds, slave, sizeof slave, msg, msglen) < 0)
                return -1;
        if (pipe2(report, O_CLOEXEC) < 0) {
                snprintf(msg, msglen, "125 pipe: %s", strerror(errno));
                return -1;
        }
        pid_t pid = fork();
        if (pid < 0) {
                snprintf(msg, msglen, "125 fork: %s", strerror(errno));
                return -1;
        }
        if (pid == 0)
                child(c, child_fds, c->tty ? slave : NULL, report[1]);
        for (int i = 0; i < 3; i++)
                if (child_fds[i] >= 0)
                        close(child_fds[i]);
        close(report[1]);
        struct exec_failure f;
        ssize_t n = read(report[0], &f, sizeof f);
        close(report[0]);
        if (n == (ssize_t)sizeof f) {
                waitpid(pid, NULL, 0);
                static const char *const step[] = {"chdir to", "set user of", "exec",
                                                   "open the terminal of"};
                int code = f.step == 2 ? (f.errnum == ENOENT ? 127 : 126) : 125;
                const char *what = f.step == 0 ? (c->cwd ? c->cwd : "/") : c->args[0];
                snprintf(msg, msglen, "%d %s %s: %s", code, step[f.step], what,
                         strerror(f.errnum));
                return -1;
        }
        s->pid = pid;
        s->used = true;
        int fds[] = {s->out, s->err, s->in};
        for (int i = 0; i < 3; i++)
                if (fds[i] >= 0)
                        fcntl(fds[i], F_SETFL, O_NONBLOCK);
        return 0;
}

static void session_release(struct session *s)
{
        close_fd(&s->out);
        close_fd(&s->err);
        close_fd(&s->in);
        free(s->pending);
        free(s->cfg);
        free(s->payload);
        memset(s, 0, sizeof *s);
        s->out = s->err = s->in = -1;
}

static void relay_stdin(struct session *s)
{
        while (s->in >= 0 && s->pending_len > 0) {
                ssize_t n = write(s->in, s->pending, s->pending_len);
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n < 0) { /* the process closed its stdin: drop the rest */
                        s->pending_len = 0;
                        close_fd(&s->in);
                        return;
                }
                memmove(s->pending, s->pending + n, s->pending_len - (size_t)n);
                s->pending_len -= (size_t)n;
        }
        /* a terminal's end of input is the user's ^D, not the end of the stream */
        if (s->in >= 0 && s->stdin_eof && s->pending_len == 0 && !s->tty)
                close_fd(&s->in);
}

/* Copies what a pipe (or the pty) holds to the host; returns -1 at end of file. */
static int relay_output(int *fd, int type, int session)
{
        char buf[CELL_VM_FRAME_MAX];
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) { /* a pty master reads EIO once its slave is closed everywhere */
                close_fd(fd);
                return -1;
        }
        send_frame(type, session, buf, (size_t)n);
        return 0;
}

/* What the process wrote before it died is in the pipes: send it before the status. */
static void drain(struct session *s, int id)
{
        int *fds[] = {&s->out, &s->err};
        int types[] = {CELL_VM_STDOUT, CELL_VM_STDERR};
        for (int i = 0; i < 2; i++)
                while (*fds[i] >= 0 && relay_output(fds[i], types[i], id) == 0) {
                        struct pollfd p = {.fd = *fds[i], .events = POLLIN};
                        if (poll(&p, 1, s->tty ? 20 : 0) <= 0)
                                break;
                }
}

/* An exec (CONFIG on a session of its own): start it, or say why not. */
static void start_exec(int id, const char *payload, size_t len)
{
        struct session *s = &sessions[id];
        char msg[1024];
        if (s->used) {
                snprintf(msg, sizeof msg, "125 session %d is in use", id);
                send_frame(CELL_VM_ERROR, id, msg, strlen(msg));
                return;
        }
        s->payload = malloc(len + 1);
        s->cfg = calloc(1, sizeof *s->cfg);
        if (!s->payload || !s->cfg)
                abort();
        memcpy(s->payload, payload, len);
        s->payload[len] = '\0';
        if (parse_config(s->cfg, s->payload, len) < 0) {
                snprintf(msg, sizeof msg, "125 exec: malformed configuration");
        } else if (spawn(s, s->cfg, msg, sizeof msg) == 0) {
                snprintf(msg, sizeof msg, "%d", (int)s->pid);
                send_frame(CELL_VM_STARTED, id, msg, strlen(msg));
                return;
        }
        send_frame(CELL_VM_ERROR, id, msg, strlen(msg));
        session_release(s);
}

static void handle_host_frame(int type, int id, const char *payload, size_t len)
{
        struct session *s = &sessions[id];
        char text[32] = "";
        memcpy(text, payload, len < sizeof text - 1 ? len : sizeof text - 1);
        if (type == CELL_VM_ACK) {
                acked = true;
        } else if (type == CELL_VM_CONFIG && id != 0) {
                start_exec(id, payload, len);
        } else if (!s->used) {
                return; /* a session that ended meanwhile */
        } else if (type == CELL_VM_STDIN && s->in >= 0) {
                s->pending = realloc(s->pending, s->pending_len + len);
                if (!s->pending)
                        abort();
                memcpy(s->pending + s->pending_len, payload, len);
                s->pending_len += len;
        } else if (type == CELL_VM_STDIN_EOF) {
                s->stdin_eof = true;
        } else if (type == CELL_VM_SIGNAL) {
                kill(s->pid, atoi(text));
        } else if (type == CELL_VM_RESIZE && s->tty) {
                struct winsize ws = {0};
                unsigned rows = 0, cols = 0;
                if (sscanf(text, "%u %u", &rows, &cols) == 2) {
                        ws.ws_row = (unsigned short)rows;
                        ws.ws_col = (unsigned short)cols;
                        ioctl(s->out, TIOCSWINSZ, &ws);
                }
        }
        relay_stdin(s);
}

static void handle_host_frames(struct reader *r)
{
        int type;
        size_t len;
        while (reader_frame(r, &type, &len) == 1) {
                handle_host_frame(type, r->buf[1], (const char *)r->buf + CELL_VM_FRAME_HEADER,
                                  len);
                reader_consume(r, len);
        }
}

static int decode_status(int status)
{
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Reaps every child (orphans too); returns session 0's status once it exited, else -1. */
static int reap(void)
{
        int st, status = -1;
        pid_t dead;
        while ((dead = waitpid(-1, &st, WNOHANG)) > 0)
                for (int id = 0; id < CELL_VM_SESSIONS_MAX; id++) {
                        struct session *s = &sessions[id];
                        if (!s->used || s->pid != dead)
                                continue;
                        drain(s, id);
                        if (id == 0) {
                                status = decode_status(st);
                                continue;
                        }
                        char num[16];
                        snprintf(num, sizeof num, "%d", decode_status(st));
                        send_frame(CELL_VM_EXIT, id, num, strlen(num));
                        session_release(s);
                }
        return status;
}

/* Relays every session until session 0's process exits.  Returns its status. */
static int supervise(struct reader *r, int sigfd)
{
        bool host_open = true; /* false once the host's end reads as closed: poll it no more */
        for (;;) {
                struct pollfd p[2 + 3 * CELL_VM_SESSIONS_MAX];
                size_t pending = 0;
                for (int id = 0; id < CELL_VM_SESSIONS_MAX; id++)
                        pending += sessions[id].pending_len;
                p[0] = (struct pollfd){.fd = sigfd, .events = POLLIN};
                p[1] = (struct pollfd){.fd = host_open ? io_fd : -1,
                                       .events = pending < STDIN_BUFFER_MAX ? POLLIN : 0};
                for (int id = 0; id < CELL_VM_SESSIONS_MAX; id++) {
                        struct session *s = &sessions[id];
                        p[2 + 3 * id] = (struct pollfd){.fd = s->out, .events = POLLIN};
                        p[3 + 3 * id] = (struct pollfd){.fd = s->err, .events = POLLIN};
                        p[4 + 3 * id] = (struct pollfd){.fd = s->pending_len ? s->in : -1,
                                                        .events = POLLOUT};
                }
                if (poll(p, 2 + 3 * CELL_VM_SESSIONS_MAX, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return 125;
                }
                for (int id = 0; id < CELL_VM_SESSIONS_MAX; id++) {
                        struct session *s = &sessions[id];
                        if (p[2 + 3 * id].revents && s->out >= 0)
                                relay_output(&s->out, CELL_VM_STDOUT, id);
                        if (p[3 + 3 * id].revents && s->err >= 0)
                                relay_output(&s->err, CELL_VM_STDERR, id);
                        if (p[4 + 3 * id].revents)
                                relay_stdin(s);
                }
                if (p[1].revents & (POLLIN | POLLHUP)) {
                        if (reader_fill(r, io_fd) < 0)
                                host_open = false;
                        handle_host_frames(r);
                }
                if (p[0].revents) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof si) < 0 && errno != EAGAIN)
                                return 125;
                        int status = reap();
                        if (status >= 0)
                                return status;
                }
        }
}

static void run(struct reader *r, const struct config *c)
{
        for (int id = 0; id < CELL_VM_SESSIONS_MAX; id++)
                sessions[id].out = sessions[id].err = sessions[id].in = -1;
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, NULL);
        int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
        char msg[1024];
        if (spawn(&sessions[0], c, msg, sizeof msg) < 0)
                report_and_power_off(r, CELL_VM_ERROR, "%s", msg);
        snprintf(msg, sizeof msg, "%d", (int)sessions[0].pid);
        send_frame(CELL_VM_STARTED, 0, msg, strlen(msg));
        handle_host_frames(r); /* stdin that arrived with the configuration */
        int status = supervise(r, sigfd);
        report_and_power_off(r, CELL_VM_EXIT, "%d", status);
}

int main(void)
{
        static struct reader r;
        static struct config c;
        static char payload[CELL_VM_FRAME_MAX + 1];
        char err[512];

        if (getpid() != 1) {
                fprintf(stderr, "cell-guest-init: runs only as PID 1 of a cell micro-VM\n");
                return 1;
        }
        signal(SIGPIPE, SIG_IGN);
        if (mount_fs("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL, err, sizeof err) < 0 ||
            mount_fs("proc", "/proc", "proc", 0, NULL, err, sizeof err) < 0 ||
            mount_fs("sysfs", "/sys", "sysfs", 0, NULL, err, sizeof err) < 0) {
                console("%s", err);
                power_off();
        }
        io_fd = open_port();
        if (io_fd < 0) {
                console("open port %s: %s", CELL_VM_PORT_NAME, strerror(errno));
                power_off();
        }
        if (read_config(&r, &c, payload) < 0)
                report_and_power_off(&r, CELL_VM_ERROR,
                                     "125 read configuration: malformed or missing");
        /* The initramfs' mounts go with it: the new root gets its own. */
        umount2("/proc", MNT_DETACH);
        umount2("/sys", MNT_DETACH);
        umount2("/dev", MNT_DETACH);
        if (setup_root(&c, err, sizeof err) < 0)
                report_and_power_off(&r, CELL_VM_ERROR, "125 %s", err);
        run(&r, &c);
        return 0;
}
