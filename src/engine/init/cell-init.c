/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell-init: the init of a container run with `--init`.
 *
 *   cell-init [--] COMMAND [ARG...]
 *
 * As pid 1 of the container's pid namespace it runs COMMAND as its child,
 * passes every signal it gets on to it (pid 1 gets only the signals it has
 * a handler for: the command, pid 1 no more, gets them with their default
 * actions), reaps every process that is re-parented to it (the zombies a
 * command that does not wait(2) would leave), and exits with the command's
 * status: its exit code, or 128+N when signal N killed it.  Outside a pid
 * namespace of its own it is a child subreaper to the same effect.
 *
 * 127 when COMMAND is not found, 126 when it cannot be executed, as a
 * shell says.  A static program of libc only: the engine bind-mounts it
 * into containers (engine/monitor.h: cell_init_path()).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t spawn(char **argv, const sigset_t *old)
{
        pid_t pid = fork();
        if (pid != 0)
                return pid;
        for (int sig = 1; sig < NSIG; sig++)
                signal(sig, SIG_DFL);
        sigprocmask(SIG_SETMASK, old, NULL);
        execvp(argv[0], argv);
        int e = errno;
        fprintf(stderr, "cell-init: exec %s: %s\n", argv[0], strerror(e));
        _exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

/* Reap every child that has exited; returns 1 with *status once `child` is among them. */
static int reap(pid_t child, int *status)
{
        int found = 0, st;
        pid_t p;
        while ((p = waitpid(-1, &st, WNOHANG)) > 0)
                if (p == child) {
                        *status = st;
                        found = 1;
                }
        return found;
}

int main(int argc, char **argv)
{
        int first = 1;
        if (first < argc && strcmp(argv[first], "--") == 0)
                first++;
        if (first >= argc) {
                fprintf(stderr, "usage: cell-init [--] COMMAND [ARG...]\n");
                return 125;
        }
        if (getpid() != 1)
                prctl(PR_SET_CHILD_SUBREAPER, 1);
        sigset_t all, old;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        pid_t child = spawn(argv + first, &old);
        if (child < 0) {
                perror("cell-init: fork");
                return 125;
        }
        int status = 0;
        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);
                if (sig < 0)
                        continue;
                if (sig == SIGCHLD) {
                        if (reap(child, &status))
                                break;
                        continue;
                }
                /* Job control from a terminal stops the command, not us. */
                kill(child, sig);
        }
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 255;
}
