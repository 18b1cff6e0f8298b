/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layers unpacked in parallel while the other blobs still stream: one child
 * process per layer (cell_layer_unpack is safe to run concurrently with
 * itself), up to one per CPU, each started as soon as its blob is in the
 * store.  Decompressing, hashing and writing files is the longest part of a
 * pull of a big image, and the transfers use a single core.  A child reports
 * a failure as its message on a pipe, whose end (EOF) is also how the
 * parent learns it is done; it dies with its parent (PDEATHSIG), and what
 * it leaves in tmp/ carries its own pid, which the store's next open
 * removes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/manifest.h"
#include "image/registry_internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define MAX_CHILDREN 8

struct unpacker {
        pid_t pid;
        int fd;
};

struct registry_unpack {
        struct cell_store *s;
        const struct cell_descriptor *layers;
        char *const *diff_ids;
        size_t n;
        bool *ready, *started;
        struct unpacker running[MAX_CHILDREN];
        size_t n_running, max;
        struct cell_error first; /* the first failure */
        bool failed;
};

struct registry_unpack *registry_unpack_new(struct cell_store *s,
                                            const struct cell_descriptor *layers,
                                            char *const *diff_ids, size_t n)
{
        struct registry_unpack *u = xzalloc(sizeof(*u));
        u->s = s;
        u->layers = layers;
        u->diff_ids = diff_ids;
        u->n = n;
        u->ready = xcalloc(n ? n : 1, sizeof(bool));
        u->started = xcalloc(n ? n : 1, sizeof(bool));
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        u->max = cpus < 1 ? 1 : cpus > MAX_CHILDREN ? MAX_CHILDREN : (size_t)cpus;
        return u;
}

static void child(struct registry_unpack *u, size_t layer, int fd, pid_t parent)
{
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(1);
        struct cell_error err = {0};
        /* The store's message names the layer. */
        if (cell_layer_unpack(u->s, u->layers[layer].digest, u->diff_ids[layer], NULL, &err) < 0) {
                cell_write_all(fd, err.msg, strlen(err.msg));
                _exit(1);
        }
        _exit(0);
}

static int start(struct registry_unpack *u, size_t layer, struct cell_error *err)
{
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return cell_error_errno(err, "fork");
        }
        if (pid == 0) {
                close(fds[0]);
                child(u, layer, fds[1], parent);
        }
        close(fds[1]);
        u->running[u->n_running++] = (struct unpacker){.pid = pid, .fd = fds[0]};
        return 0;
}

static void fail(struct registry_unpack *u, const struct cell_error *err)
{
        if (!u->failed)
                u->first = *err;
        u->failed = true;
}

/* Start children for the ready layers, while there is room. */
static void fill(struct registry_unpack *u)
{
        for (size_t i = 0; i < u->n && !u->failed && u->n_running < u->max; i++) {
                if (!u->ready[i] || u->started[i])
                        continue;
                u->started[i] = true;
                if (cell_layer_exists(u->s, u->diff_ids[i]))
                        continue;
                struct cell_error err = {0};
                if (start(u, i, &err) < 0)
                        fail(u, &err);
        }
}

/* Reap child `i`, which has closed its pipe. */
static void reap(struct registry_unpack *u, size_t i)
{
        struct unpacker *c = &u->running[i];
        char msg[CELL_ERROR_MSG_MAX];
        ssize_t n = cell_read_all(c->fd, msg, sizeof(msg) - 1);
        close(c->fd);
        /* A message is a failure even when someone else reaped the child
         * (a SIGCHLD handler of the caller's: ECHILD, no status). */
        int status = 0;
        while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (n > 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                struct cell_error err = {0};
                msg[n > 0 ? n : 0] = '\0';
                cell_error_set(&err, 0, "%s",
                               n > 0 ? msg : "unpacking a layer: the unpacking process died");
                fail(u, &err);
        }
        *c = u->running[--u->n_running];
}

/* Reap the children that are done; with `block`, wait for one at least. */
static void collect(struct registry_unpack *u, bool block)
{
        struct pollfd pfd[MAX_CHILDREN];
        for (size_t i = 0; i < u->n_running; i++)
                pfd[i] = (struct pollfd){.fd = u->running[i].fd, .events = POLLIN};
        if (poll(pfd, u->n_running, block ? -1 : 0) <= 0)
                return;
        /* From the end, as reap() moves the last child into the hole. */
        for (size_t i = u->n_running; i-- > 0;)
                if (pfd[i].revents)
                        reap(u, i);
}

static int hook_ready(void *data, size_t index, struct cell_error *err)
{
        (void)err;
        struct registry_unpack *u = data;
        if (index < u->n)
                u->ready[index] = true;
        fill(u);
        return 0;
}

static unsigned hook_wait_fds(void *data, struct curl_waitfd *fds, unsigned max)
{
        struct registry_unpack *u = data;
        unsigned n = 0;
        for (size_t i = 0; i < u->n_running && n < max; i++)
                fds[n++] = (struct curl_waitfd){.fd = u->running[i].fd, .events = CURL_WAIT_POLLIN};
        return n;
}

static int hook_after_wait(void *data, struct cell_error *err)
{
        struct registry_unpack *u = data;
        collect(u, false);
        fill(u);
        /* A layer that cannot be unpacked fails the pull at once. */
        if (u->failed) {
                *err = u->first;
                return -1;
        }
        return 0;
}

void registry_unpack_hooks(struct registry_unpack *u, struct registry_fetch_hooks *hooks)
{
        *hooks = (struct registry_fetch_hooks){.data = u,
                                               .blob_ready = hook_ready,
                                               .wait_fds = hook_wait_fds,
                                               .after_wait = hook_after_wait};
}

int registry_unpack_finish(struct registry_unpack *u, bool run_rest, struct cell_error *err)
{
        if (run_rest)
                for (size_t i = 0; i < u->n; i++)
                        u->ready[i] = true;
        else
                for (size_t i = 0; i < u->n; i++)
                        u->ready[i] = u->started[i];
        for (;;) {
                fill(u);
                if (u->n_running == 0)
                        break;
                collect(u, true);
        }
        int ret = 0;
        if (u->failed) {
                *err = u->first;
                ret = -1;
        }
        /* Every layer is there, whatever the children said. */
        for (size_t i = 0; ret == 0 && run_rest && i < u->n; i++)
                if (!cell_layer_exists(u->s, u->diff_ids[i]))
                        ret = cell_error_set(err, 0, "layer %s: not unpacked", u->layers[i].digest);
        free(u->ready);
        free(u->started);
        free(u);
        return ret;
}
