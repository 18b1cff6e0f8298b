/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell run -d`: start the holder program (cell-monitor) outside our
 * session and wait for its word on the first start.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/monitor_internal.h"
#include "util/cleanup.h"
#include "util/signals.h"

static int holder_argv(const struct cell_monitor_opts *o, const char *holder, struct cell_argv *a,
                       struct cell_error *err)
{
        cell_argv_push(a, holder);
        cell_argv_push(a, "--id");
        cell_argv_push(a, o->id);
        cell_argv_push(a, "--bundle");
        cell_argv_push(a, o->bundle);
        cell_argv_push(a, "--log");
        cell_argv_push(a, o->log_path);
        if (o->tty)
                cell_argv_push(a, "--tty");
        if (o->auto_remove)
                cell_argv_push(a, "--rm");
        if (o->open_stdin)
                cell_argv_push(a, "--stdin");
        cell_argv_push(a, "--restart");
        cell_argv_push(a, cell_monitor_restart_name(o->restart));
        cell_argv_pushf(a, "--restart-max=%d", o->restart_max);
        cell_argv_pushf(a, "--restart-count=%d", o->restart_count);
        cell_argv_push(a, "--");
        return cell_monitor_verb_prefix(o, a, err);
}

/*
 * The holder's process: a grandchild in a session of its own (no terminal
 * can hang it up), its parent gone at once so that init (or our own
 * subreaper) adopts it, stdio on /dev/null, fd 3 the report pipe, every
 * other fd closed (the store's lock among them: a monitor that lives for
 * weeks must not hold it).
 */
static void exec_holder(char **argv, int report_w)
{
        if (setsid() < 0)
                _exit(125);
        pid_t p = fork();
        if (p != 0)
                _exit(p < 0 ? 125 : 0);
        int null = open("/dev/null", O_RDWR);
        int rep = fcntl(report_w, F_DUPFD, 10);
        if (null < 0 || rep < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
            dup2(rep, 3) < 0)
                _exit(125);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
                for (int fd = 4; fd < 1024; fd++)
                        close(fd);
        execv(argv[0], argv);
        dprintf(3, "err 125 execute the monitor %s: %s\n", argv[0], strerror(errno));
        _exit(125);
}

int cell_monitor_run_detached(const struct cell_monitor_opts *o, pid_t *pid, int *exit_status,
                              struct cell_error *err)
{
        *exit_status = 125;
        _cleanup_free_ char *holder = cell_monitor_holder_path(err);
        if (!holder)
                return -1;
        if (access(holder, X_OK) < 0)
                return cell_error_errno(err, "the monitor program %s", holder);
        struct cell_argv argv = {0};
        if (holder_argv(o, holder, &argv, err) < 0) {
                cell_argv_release(&argv);
                return -1;
        }
        int rp[2];
        if (pipe2(rp, O_CLOEXEC) < 0) {
                cell_argv_release(&argv);
                return cell_error_errno(err, "pipe");
        }
        pid_t c = fork();
        if (c == 0)
                exec_holder(argv.v, rp[1]);
        close(rp[1]);
        cell_argv_release(&argv);
        if (c < 0) {
                close(rp[0]);
                return cell_error_errno(err, "fork");
        }
        while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
                ;
        char line[CELL_ERROR_MSG_MAX + 32];
        if (cell_monitor_read_report(rp[0], line, sizeof(line)) < 0)
                line[0] = '\0';
        close(rp[0]);
        pid_t p = 0;
        if (cell_monitor_parse_report(line, &p, exit_status, err) < 0)
                return -1;
        if (pid)
                *pid = p;
        return 0;
}
