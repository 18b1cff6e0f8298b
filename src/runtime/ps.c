/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ps` as a table: the host's ps(1) output narrowed to the container's
 * processes, as runc does it (the header, then every line whose PID column
 * is one of the pids in the container's cgroup).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

extern char **environ;

/* Index of the "PID" column in ps's header line, or -1. */
static int pid_column(const char *header, size_t len)
{
        int index = 0;
        const char *p = header, *end = header + len;
        while (p < end) {
                while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
                if (p == end)
                        break;
                size_t n = strcspn(p, " \t\n");
                if (n > (size_t)(end - p))
                        n = (size_t)(end - p);
                if (n == 3 && !strncmp(p, "PID", 3))
                        return index;
                index++;
                p += n;
        }
        return -1;
}

/* The `column`th whitespace-separated field of the line as a pid, or -1. */
static long field_as_pid(const char *line, size_t len, int column)
{
        _cleanup_free_ char *copy = xstrndup(line, len);
        char *save = NULL, *tok = strtok_r(copy, " \t", &save);
        for (int i = 0; tok && i < column; i++)
                tok = strtok_r(NULL, " \t", &save);
        if (!tok)
                return -1;
        char *endp;
        errno = 0;
        long v = strtol(tok, &endp, 10);
        return errno || *endp || v <= 0 ? -1 : v;
}

static bool in_set(long pid, const pid_t *pids, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

int cell_ps_filter(const char *ps_output, const pid_t *pids, size_t n, char **out,
                   struct cell_error *err)
{
        *out = NULL;
        size_t header_len = strcspn(ps_output, "\n");
        int column = pid_column(ps_output, header_len);
        if (column < 0)
                return cell_error_set(err, 0, "couldn't find PID field in ps output");
        size_t size;
        FILE *f = open_memstream(out, &size);
        if (!f)
                abort();
        fprintf(f, "%.*s\n", (int)header_len, ps_output);
        const char *line = ps_output + header_len + (ps_output[header_len] == '\n');
        while (*line) {
                size_t len = strcspn(line, "\n");
                if (len && in_set(field_as_pid(line, len, column), pids, n))
                        fprintf(f, "%.*s\n", (int)len, line);
                line += len + (line[len] == '\n');
        }
        fclose(f);
        return 0;
}

/* Read `fd` to EOF into a NUL-terminated buffer. */
static char *read_pipe(int fd)
{
        size_t cap = 8192, len = 0;
        char *buf = xmalloc(cap);
        for (;;) {
                if (len + 1 >= cap)
                        buf = xrealloc(buf, cap *= 2);
                ssize_t r = read(fd, buf + len, cap - len - 1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                len += (size_t)r;
        }
        buf[len] = '\0';
        return buf;
}

/* Run `ps ARGS...` with stdout and stderr into one buffer (runc: CombinedOutput). */
static int run_ps(char *const *ps_args, char **output, struct cell_error *err)
{
        size_t n_args = 0;
        while (ps_args && ps_args[n_args])
                n_args++;
        /* "ps", the arguments (or "-ef"), NULL */
        _cleanup_free_ char **argv = xcalloc(n_args + 3, sizeof(char *));
        argv[0] = "ps";
        for (size_t i = 0; i < n_args; i++)
                argv[i + 1] = ps_args[i];
        if (n_args == 0)
                argv[1] = "-ef";
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
        pid_t pid;
        int r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        if (r != 0) {
                close(pipefd[0]);
                return cell_error_set(err, r, "run ps");
        }
        *output = read_pipe(pipefd[0]);
        close(pipefd[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                size_t len = strlen(*output);
                while (len && ((*output)[len - 1] == '\n' || (*output)[len - 1] == ' '))
                        (*output)[--len] = '\0';
                cell_error_set(err, 0, "ps exited with status %d: %s",
                               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                               *output);
                free(steal_ptr(*output));
                return -1;
        }
        return 0;
}

int cell_container_ps_table(const struct cell_runtime *rt, const char *id, char *const *ps_args,
                            char **out, struct cell_error *err)
{
        *out = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_free_ char *output = NULL;
        size_t n;
        if (cell_container_pids(rt, id, &pids, &n, err) < 0)
                return -1;
        if (run_ps(ps_args, &output, err) < 0 || cell_ps_filter(output, pids, n, out, err) < 0)
                return cell_error_prefix(err, "ps of container \"%s\"", id);
        return 0;
}
