/* SPDX-License-Identifier: Apache-2.0 */
#include "util/signals.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

/*
 * Real-time signals as runc, crun and glibc number them (34..64), whatever this
 * binary's libc reserves for itself: musl's SIGRTMIN is 35.
 */
#define RTMIN 34
#define RTMAX 64

struct signal_entry {
        const char *name; /* "SIGHUP": compared without the "SIG" */
        int number;
};

/* Canonical names first: cell_signal_name() returns the first match. */
static const struct signal_entry signal_table[] = {
        {"SIGHUP", SIGHUP},
        {"SIGINT", SIGINT},
        {"SIGQUIT", SIGQUIT},
        {"SIGILL", SIGILL},
        {"SIGTRAP", SIGTRAP},
        {"SIGABRT", SIGABRT},
        {"SIGBUS", SIGBUS},
        {"SIGFPE", SIGFPE},
        {"SIGKILL", SIGKILL},
        {"SIGUSR1", SIGUSR1},
        {"SIGSEGV", SIGSEGV},
        {"SIGUSR2", SIGUSR2},
        {"SIGPIPE", SIGPIPE},
        {"SIGALRM", SIGALRM},
        {"SIGTERM", SIGTERM},
        {"SIGSTKFLT", SIGSTKFLT},
        {"SIGCHLD", SIGCHLD},
        {"SIGCONT", SIGCONT},
        {"SIGSTOP", SIGSTOP},
        {"SIGTSTP", SIGTSTP},
        {"SIGTTIN", SIGTTIN},
        {"SIGTTOU", SIGTTOU},
        {"SIGURG", SIGURG},
        {"SIGXCPU", SIGXCPU},
        {"SIGXFSZ", SIGXFSZ},
        {"SIGVTALRM", SIGVTALRM},
        {"SIGPROF", SIGPROF},
        {"SIGWINCH", SIGWINCH},
        {"SIGIO", SIGIO},
        {"SIGPWR", SIGPWR},
        {"SIGSYS", SIGSYS},
        /* aliases */
        {"SIGIOT", SIGIOT},
        {"SIGCLD", SIGCHLD},
        {"SIGPOLL", SIGPOLL},
};

/* SIGRTMIN+0 .. SIGRTMIN+29; SIGRTMAX (SIGRTMIN+30) is named apart. */
static const char *const realtime_names[] = {
        "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
        "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
        "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMIN+16", "SIGRTMIN+17",
        "SIGRTMIN+18", "SIGRTMIN+19", "SIGRTMIN+20", "SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23",
        "SIGRTMIN+24", "SIGRTMIN+25", "SIGRTMIN+26", "SIGRTMIN+27", "SIGRTMIN+28", "SIGRTMIN+29",
};

/* Parse a string of decimal digits only (no sign, no spaces) up to `max`. */
static int parse_small_number(const char *s, int max, int *out)
{
        if (!isdigit((unsigned char)*s))
                return -1;
        errno = 0;
        char *end = NULL;
        long v = strtol(s, &end, 10);
        if (errno || *end || v > max)
                return -1;
        *out = (int)v;
        return 0;
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (already without "SIG"). */
static int parse_realtime(const char *name, int *sig)
{
        int base, offset = 0, direction;
        if (strncasecmp(name, "RTMIN", 5) == 0) {
                base = RTMIN;
                direction = 1;
        } else if (strncasecmp(name, "RTMAX", 5) == 0) {
                base = RTMAX;
                direction = -1;
        } else {
                return -1;
        }
        const char *rest = name + 5;
        if (*rest) {
                if (*rest != (direction > 0 ? '+' : '-'))
                        return -1;
                if (parse_small_number(rest + 1, RTMAX - RTMIN, &offset) < 0)
                        return -1;
        }
        *sig = base + direction * offset;
        return 0;
}

static int parse_name(const char *s, int *sig)
{
        const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        for (size_t i = 0; i < CELL_ARRAY_SIZE(signal_table); i++) {
                if (strcasecmp(name, signal_table[i].name + 3) == 0) {
                        *sig = signal_table[i].number;
                        return 0;
                }
        }
        return parse_realtime(name, sig);
}

int cell_signal_parse(const char *s, int *sig, struct cell_error *err)
{
        int value;
        if (s && (parse_small_number(s, RTMAX, &value) == 0 || parse_name(s, &value) == 0)) {
                *sig = value;
                return 0;
        }
        return cell_error_set(err, 0, "invalid signal \"%s\"", s ? s : "");
}

const char *cell_signal_name(int sig)
{
        for (size_t i = 0; sig > 0 && i < CELL_ARRAY_SIZE(signal_table); i++) {
                if (signal_table[i].number == sig)
                        return signal_table[i].name;
        }
        if (sig == RTMAX)
                return "SIGRTMAX";
        if (sig >= RTMIN && sig < RTMAX && (size_t)(sig - RTMIN) < CELL_ARRAY_SIZE(realtime_names))
                return realtime_names[sig - RTMIN];
        return NULL;
}

void cell_sigset_fill(sigset_t *set)
{
        /* Every bit, the libc's own signals (32..34) included: sigprocmask and
         * signalfd hand the first 64 bits to the kernel as they are (glibc drops
         * its two internal signals from a mask; musl does not). */
        memset(set, 0xff, sizeof(*set));
}

/* struct sigaction as the kernel's rt_sigaction(2) takes it, not a libc's. */
struct kernel_sigaction {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long long mask;
};

/* The hexadecimal mask after `key` in a /proc status text. */
static int status_mask(const char *text, const char *key, uint64_t *out)
{
        const char *at = strstr(text, key);
        if (!at)
                return -1;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(at + strlen(key), &end, 16);
        if (errno || end == at + strlen(key) || *end != '\n')
                return -1;
        *out = v;
        return 0;
}

/*
 * The signals not at SIG_DFL, ignored or caught (bit N-1 for signal N), from
 * /proc/thread-self/status: one read instead of a call per signal.  -1 when
 * /proc cannot tell.
 */
static int non_default_signals(uint64_t *out)
{
        char buf[4096];
        if (cell_read_small("/proc/thread-self/status", buf, sizeof(buf)) <= 0)
                return -1;
        uint64_t ignored, caught;
        if (status_mask(buf, "\nSigIgn:\t", &ignored) < 0 ||
            status_mask(buf, "\nSigCgt:\t", &caught) < 0)
                return -1;
        *out = ignored | caught;
        return 0;
}

void cell_signals_reset(void)
{
        /* With the kernel's call: a libc's sigaction() refuses the signals it
         * reserves, which a caller may still have set to SIG_IGN. */
        struct kernel_sigaction dfl = {.handler = SIG_DFL};
        uint64_t set;
        bool known = non_default_signals(&set) == 0;
        for (int sig = 1; sig <= RTMAX; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                if (known && !(set & (UINT64_C(1) << (sig - 1))))
                        continue;
                syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
        }
        unsigned long long none = 0;
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
}

bool cell_pid_running(pid_t pid)
{
        if (pid <= 0)
                return false;
        if (kill(pid, 0) < 0 && errno != EPERM)
                return false;
        char path[64], stat[512];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (cell_read_small(path, stat, sizeof(stat)) <= 0)
                return errno != ENOENT;
        /* "pid (comm) S ...": the state follows the last ')' (comm may hold one). */
        const char *paren = strrchr(stat, ')');
        return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}
