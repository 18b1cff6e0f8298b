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
 *   argv[1]  the init's sync socket, as a decimal fd number
 *   argv[2…] the user's argv
 *
 * The sync socket is made close-on-exec, so a successful execve() closes
 * it and the runtime reads EOF; a failure is sent over it in the layout of
 * struct cell_sync_msg (runtime/sync.h) and the program exits 127 (126 for
 * EACCES), as a shell would.
 */

#include <stddef.h>

#define SYNC_ERROR 7 /* CELL_SYNC_ERROR */
#define MSG_MAX 2048 /* CELL_ERROR_MSG_MAX */

#if defined(__x86_64__)
#define NR_execve 59
#define NR_fcntl 72
#define NR_sendto 44
#define NR_exit_group 231
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
#define NR_exit_group 94
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
        default: return "exec failed";
        }
}

static size_t append(char *buf, size_t at, const char *s)
{
        while (*s && at < MSG_MAX - 1)
                buf[at++] = *s++;
        buf[at] = '\0';
        return at;
}

__attribute__((noreturn)) void dmz_main(long *sp);

void dmz_main(long *sp)
{
        long argc = sp[0];
        char **argv = (char **)(sp + 1);
        char **envp = argv + argc + 1;
        long fd = -1;
        if (argc >= 2) {
                fd = 0;
                for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
                        fd = fd * 10 + (*p - '0');
                sys6(NR_fcntl, fd, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */, 0, 0, 0);
        }
        long e = argc >= 3 ? -sys6(NR_execve, (long)argv[0], (long)(argv + 2), (long)envp, 0, 0, 0)
                           : 22;
        static struct sync_msg m;
        m.type = SYNC_ERROR;
        m.errnum = (int)e;
        size_t n = append(m.msg, 0, "exec \"");
        n = append(m.msg, n, argc >= 1 ? argv[0] : "?");
        n = append(m.msg, n, "\": ");
        n = append(m.msg, n, errno_text(e));
        if (fd >= 0)
                sys6(NR_sendto, fd, (long)&m, (long)(offsetof(struct sync_msg, msg) + n + 1),
                     0x4000 /* MSG_NOSIGNAL */, 0, 0);
        for (;;)
                sys6(NR_exit_group, e == 13 ? 126 : 127, 0, 0, 0, 0, 0);
}
