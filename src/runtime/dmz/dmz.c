/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell-dmz: the last program the container's init runs before the user's.
 *
 * The init is a clone of the cell binary; were it to execve() the user's
 * program directly and that program be /proc/self/exe (or have it as its
 * interpreter), the container would run — and could later reopen for
 * writing — the host's cell binary (CVE-2019-5736).  Instead the init
 * execs this tiny program from a sealed memfd, so /proc/self/exe is
 * read-only for the rest of the container's life, and this program execs
 * the user's.  It is a few hundred bytes with no libc, so copying it into
 * a memfd for every container costs next to nothing (the alternative,
 * re-executing cell itself from a memfd copy, copies ~1 MB and runs a
 * second process start-up).
 *
 *   argv[0]  path of the user's program (already resolved by the init)
 *   argv[1]  the init's sync socket, as a decimal fd number; "h" after it
 *            asks for a hop into the pid namespace first (see hop()), and
 *            "s<program fd>,<socket fd>" for a seccomp filter to load last
 *            (see load_filter()), "a" for an LSM attribute to write first
 *            (see write_attr())
 *   argv[2…] the user's argv; with "a", argv[2] and argv[3] are the
 *            attribute's path and value, and the user's argv follows
 *
 * The sync socket is made close-on-exec, so a successful execve() closes
 * it and the runtime reads EOF; a failure is sent over it in the layout of
 * struct cell_sync_msg (runtime/sync.h) and the program exits 127 (126 for
 * EACCES), as a shell would.
 */

#include <stddef.h>

#define SYNC_ERROR 7 /* CELL_SYNC_ERROR */
#define SYNC_PID 8   /* CELL_SYNC_PID */
#define MSG_MAX 2048 /* CELL_ERROR_MSG_MAX */

#if defined(__x86_64__)
#define NR_execve 59
#define NR_fcntl 72
#define NR_sendto 44
#define NR_sendmsg 46
#define NR_clone 56
#define NR_pipe2 293
#define NR_read 0
#define NR_close 3
#define NR_setsid 112
#define NR_ioctl 16
#define NR_prctl 157
#define NR_exit_group 231
#define NR_seccomp 317
#define NR_pread64 17
#define NR_openat 257
#define NR_fstatfs 138
#define NR_write 1
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
        long r;
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;
        register long r9 __asm__("r9") = f;
        __asm__ volatile("syscall"
                         : "=a"(r)
                         : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
        return r;
}
__asm__(".text\n.global _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n"
        " and $-16,%rsp\n call dmz_main\n hlt\n");
#elif defined(__aarch64__)
#define NR_execve 221
#define NR_fcntl 25
#define NR_sendto 206
#define NR_sendmsg 211
#define NR_clone 220
#define NR_pipe2 59
#define NR_read 63
#define NR_close 57
#define NR_setsid 157
#define NR_ioctl 29
#define NR_prctl 167
#define NR_exit_group 94
#define NR_seccomp 277
#define NR_pread64 67
#define NR_openat 56
#define NR_fstatfs 44
#define NR_write 64
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
        register long x8 __asm__("x8") = n;
        register long x0 __asm__("x0") = a;
        register long x1 __asm__("x1") = b;
        register long x2 __asm__("x2") = c;
        register long x3 __asm__("x3") = d;
        register long x4 __asm__("x4") = e;
        register long x5 __asm__("x5") = f;
        __asm__ volatile("svc 0"
                         : "+r"(x0)
                         : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                         : "memory");
        return x0;
}
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x0, sp\n bl dmz_main\n");
#else
#error "cell-dmz: unsupported architecture"
#endif

struct sync_msg {
        int type;
        int errnum;
        char msg[MSG_MAX];
};

/* clang-format off */
static const char *errno_text(long e)
{
        switch (e) {
        case 2: return "no such file or directory";
        case 13: return "permission denied";
        case 8: return "exec format error";
        case 20: return "not a directory";
        case 40: return "too many levels of symbolic links";
        case 7: return "argument list too long";
        case 12: return "cannot allocate memory";
        case 26: return "text file busy";
        case 1: return "operation not permitted";
        case 9: return "bad file descriptor";
        case 22: return "invalid argument";
        case 32: return "broken pipe";
        case 38: return "function not implemented";
        case 111: return "connection refused";
        case 18: return "not on procfs";
        default: return "exec failed";
        }
}
/* clang-format on */

static size_t append(char *buf, size_t at, const char *s)
{
        while (*s && at < MSG_MAX - 1)
                buf[at++] = *s++;
        buf[at] = '\0';
        return at;
}

/* LP64 layouts of the kernel's msghdr, iovec and cmsghdr (x86_64 and aarch64 alike). */
struct iov {
        void *base;
        size_t len;
};
struct msg_hdr {
        void *name;
        unsigned int namelen;
        struct iov *iov;
        size_t iovlen;
        void *control;
        size_t controllen;
        int flags;
};
struct cmsg_fd {
        size_t len;
        int level, type;
        int fd, pad;
};

static struct sync_msg m;

static long send_bytes(long sock, void *data, size_t len, int passed_fd)
{
        struct iov iov = {data, len};
        struct cmsg_fd c = {sizeof(size_t) + 3 * sizeof(int), 1 /* SOL_SOCKET */,
                            1 /* SCM_RIGHTS */, passed_fd, 0};
        struct msg_hdr h = {0, 0, &iov, 1, passed_fd >= 0 ? &c : 0, passed_fd >= 0 ? sizeof(c) : 0,
                            0};
        return sys6(NR_sendmsg, sock, (long)&h, 0x4000 /* MSG_NOSIGNAL */, 0, 0, 0);
}

static void send_msg(long sock, size_t len, int passed_fd)
{
        send_bytes(sock, &m, len, passed_fd);
}

static __attribute__((noreturn)) void fail(long fd, long e, const char *what, const char *path)
{
        m.type = SYNC_ERROR;
        m.errnum = (int)e;
        size_t n = append(m.msg, 0, what);
        n = append(m.msg, n, " \"");
        n = append(m.msg, n, path);
        n = append(m.msg, n, "\": ");
        n = append(m.msg, n, errno_text(e));
        if (fd >= 0)
                send_msg(fd, offsetof(struct sync_msg, msg) + n + 1, -1);
        for (;;)
                sys6(NR_exit_group, e == 13 ? 126 : 127, 0, 0, 0, 0, 0);
}

/*
 * The seccomp filter, when the runtime passes one ("s<program fd>,<socket
 * fd>", cell_dmz_exec): the program file holds this header, the BPF
 * instructions (8 bytes each) and `msg_len` bytes of message.  It is read
 * in full before anything else; the filter is loaded as the very last
 * step before the execve of the user's program, so that nothing of the
 * runtime's own meets it, and its NOTIFY listener fd (if it has one) goes
 * out at once, with the message, on the socket: an agent must hold it
 * before the user's program makes a notified call.  sendmsg (refused as a
 * NOTIFY target when the profile is compiled) and the execve are the only
 * calls under the filter.  Loading needs no_new_privs here: without it
 * the kernel wants CAP_SYS_ADMIN, which this process does not have (the
 * runtime loads such a filter itself, runtime/procsetup.h).
 */
struct filter_header {
        unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
        unsigned int n_insns;
        unsigned int msg_len;
};
#define FILTER_MAX (12 + 4096 * 8 + 65536) /* BPF_MAXINSNS instructions, CELL_DMZ_MSG_MAX */
static unsigned long filter[(FILTER_MAX + sizeof(long) - 1) / sizeof(long)];
static long filter_socket = -1;

static void read_filter(long fd, long program, long sock, const char *path)
{
        long n = sys6(NR_pread64, program, (long)filter, sizeof(filter), 0, 0, 0);
        const struct filter_header *h = (const struct filter_header *)filter;
        if (n < 0)
                fail(fd, -n, "read the seccomp filter for", path);
        if ((unsigned long)n < sizeof(*h) ||
            (unsigned long)n != sizeof(*h) + (unsigned long)h->n_insns * 8 + h->msg_len)
                fail(fd, 22, "read the seccomp filter for", path);
        sys6(NR_close, program, 0, 0, 0, 0, 0);
        if (sock != fd)
                sys6(NR_fcntl, sock, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */, 0, 0, 0);
        filter_socket = sock;
}

static void load_filter(long fd, const char *path)
{
        const struct filter_header *h = (const struct filter_header *)filter;
        struct {
                unsigned short len;
                const void *insns;
        } prog = {(unsigned short)h->n_insns, h + 1};
        long r = sys6(NR_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, h->flags, (long)&prog, 0, 0, 0);
        if (r < 0)
                fail(fd, -r, "load the seccomp filter (linux.seccomp) for", path);
        if (!(h->flags & 8 /* SECCOMP_FILTER_FLAG_NEW_LISTENER */))
                return;
        char *msg = (char *)(h + 1) + (unsigned long)h->n_insns * 8;
        long s = send_bytes(filter_socket, msg, h->msg_len, (int)r);
        if (s < 0)
                fail(fd, -s, "hand the seccomp listener fd (linux.seccomp.listenerPath) on for",
                     path);
}

/*
 * "a": process.apparmorProfile or selinuxLabel (sandbox/lsm.h).  The
 * kernel applies the attribute at our next execve, the user's program's,
 * so the transition happens there and not at the exec of this memfd.  The
 * file must be on procfs: were something mounted over the container's
 * /proc (CVE-2019-16884), the write would confine nothing.
 */
static const char *attr_path, *attr_value;

static void write_attr(long fd)
{
        long a = sys6(NR_openat, -100 /* AT_FDCWD */, (long)attr_path,
                      01 | 02000000 /* O_WRONLY | O_CLOEXEC */, 0, 0, 0);
        if (a < 0)
                fail(fd, -a, "confine the process (LSM): open", attr_path);
        long statfs[16]; /* f_type first, a long on LP64 */
        long r = sys6(NR_fstatfs, a, (long)statfs, 0, 0, 0, 0);
        if (r < 0 || statfs[0] != 0x9fa0 /* PROC_SUPER_MAGIC */)
                fail(fd, r < 0 ? -r : 18, "confine the process (LSM): open", attr_path);
        size_t n = 0;
        while (attr_value[n])
                n++;
        r = sys6(NR_write, a, (long)attr_value, (long)n, 0, 0, 0);
        if (r != (long)n)
                fail(fd, r < 0 ? -r : 5 /* EIO */, "confine the process (LSM): write", attr_path);
        sys6(NR_close, a, 0, 0, 0, 0, 0);
}

/* The user's argv: after argv[1], or after the attribute's two entries. */
static char **user_args;

static __attribute__((noreturn)) void exec_user(char **argv, char **envp, long fd)
{
        if (attr_path)
                write_attr(fd);
        if (filter_socket >= 0)
                load_filter(fd, argv[0]);
        long e = -sys6(NR_execve, (long)argv[0], (long)user_args, (long)envp, 0, 0, 0);
        fail(fd, e, "exec", argv[0]);
}

/*
 * "hop" mode (argv[1] "<fd>h", plus 't' with a terminal on fd 0 to take,
 * 'k' to die with the runtime waiting in the foreground): the
 * caller already setns()'d into the container's pid namespace, which
 * applies to children only.  Fork a sibling (CLONE_PARENT: the runtime
 * stays its parent) born there, hand the runtime its pidfd and pid
 * (SYNC_PID), and exit.  The sibling waits until that is sent (EOF on a
 * pipe), starts its own session (taking the terminal), and execs the user
 * program.  So nothing but this sealed image ever runs in the container's
 * pid namespace before the user program: no clone of cell for the
 * container's processes to reach (runtime/exec.c).
 */
static __attribute__((noreturn)) void hop(char **argv, char **envp, long fd, int tty, int kill)
{
        int order[2];
        int pidfd = -1;
        /* exec made us dumpable again; the child is born in the container's
         * pid namespace holding the sync socket: nothing there may ptrace it
         * or open its /proc entries until it execs the user program (which
         * makes it dumpable as any exec does).  The flag is inherited. */
        sys6(NR_prctl, 4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0, 0);
        long r = sys6(NR_pipe2, (long)order, 02000000 /* O_CLOEXEC */, 0, 0, 0, 0);
        if (r < 0)
                fail(fd, -r, "pipe for", argv[0]);
        long pid = sys6(NR_clone, 0x8000 | 0x1000 /* CLONE_PARENT | CLONE_PIDFD */, 0, (long)&pidfd,
                        0, 0, 0);
        if (pid < 0)
                fail(fd, -pid, "clone into the container's pid namespace for", argv[0]);
        if (pid == 0) {
                char c;
                sys6(NR_close, order[1], 0, 0, 0, 0, 0);
                while (sys6(NR_read, order[0], (long)&c, 1, 0, 0, 0) == -4 /* EINTR */)
                        ;
                sys6(NR_close, order[0], 0, 0, 0, 0, 0);
                /* fork cleared it: dies with the runtime waiting in the foreground */
                if (kill)
                        sys6(NR_prctl, 1 /* PR_SET_PDEATHSIG */, 9 /* SIGKILL */, 0, 0, 0, 0);
                sys6(NR_setsid, 0, 0, 0, 0, 0, 0);
                if (tty && sys6(NR_ioctl, 0, 0x540E /* TIOCSCTTY */, 0, 0, 0, 0) < 0)
                        fail(fd, 25 /* ENOTTY */, "set the controlling terminal of", argv[0]);
                exec_user(argv, envp, fd);
        }
        m.type = SYNC_PID;
        m.errnum = (int)pid;
        send_msg(fd, offsetof(struct sync_msg, msg) + 1, pidfd);
        for (;;)
                sys6(NR_exit_group, 0, 0, 0, 0, 0, 0);
}

/* The decimal number at `s` into `*out`; returns the first character after it. */
static const char *number(const char *s, long *out)
{
        for (*out = 0; *s >= '0' && *s <= '9'; s++)
                *out = *out * 10 + (*s - '0');
        return s;
}

__attribute__((noreturn)) void dmz_main(long *sp);

void dmz_main(long *sp)
{
        long argc = sp[0];
        char **argv = (char **)(sp + 1);
        char **envp = argv + argc + 1;
        long fd = -1, program = -1, sock = -1;
        const char *mode = "";
        if (argc >= 2) {
                mode = number(argv[1], &fd);
                sys6(NR_fcntl, fd, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */, 0, 0, 0);
        }
        if (argc < 3)
                for (;;)
                        sys6(NR_exit_group, 127, 0, 0, 0, 0, 0);
        int hopping = 0, tty = 0, kill = 0;
        user_args = argv + 2;
        for (const char *c = mode; *c;) {
                char k = *c++;
                if (k == 'a' && argc >= 5) {
                        attr_path = argv[2];
                        attr_value = argv[3];
                        user_args = argv + 4;
                }
                hopping |= k == 'h';
                tty |= k == 't';
                kill |= k == 'k';
                if (k == 's') {
                        c = number(c, &program);
                        if (*c == ',')
                                c = number(c + 1, &sock);
                }
        }
        if (program >= 0 && sock >= 0)
                read_filter(fd, program, sock, argv[0]);
        if (hopping)
                hop(argv, envp, fd, tty, kill);
        exec_user(argv, envp, fd);
}
