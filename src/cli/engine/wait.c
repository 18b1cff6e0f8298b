/* SPDX-License-Identifier: Apache-2.0 */
/* `cell wait`: block until containers stop, print their exit codes. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli/engine/ctr_verbs.h"
#include "util/cleanup.h"

/* Until the record says exited (its owner wrote the code) or the container is removed. */
static int wait_one(struct cell_engine *e, const char *name, struct cell_error *err)
{
        struct cell_ctr c;
        if (cell_ctr_lookup(e, name, false, &c, err) < 0)
                return -1;
        for (;;) {
                if (c.state.status == CELL_CTR_EXITED) {
                        /* the process is gone; give its owner a moment to record the code */
                        for (int i = 0; i < 40 && !c.state.finished_at; i++) {
                                struct timespec ts = {0, 50 * 1000 * 1000};
                                nanosleep(&ts, NULL);
                                if (cell_ctr_reload(e, &c, err) < 0)
                                        break;
                        }
                        break;
                }
                if (c.state.status == CELL_CTR_CREATED) {
                        struct timespec ts = {0, 100 * 1000 * 1000};
                        nanosleep(&ts, NULL);
                } else {
                        _cleanup_close_ int pidfd = c.state.pid > 0 ? (int)syscall(SYS_pidfd_open, c.state.pid, 0) : -1;
                        struct pollfd p = {.fd = pidfd, .events = POLLIN};
                        if (pidfd >= 0)
                                while (poll(&p, 1, -1) < 0 && errno == EINTR)
                                        ;
                        else {
                                struct timespec ts = {0, 100 * 1000 * 1000};
                                nanosleep(&ts, NULL);
                        }
                }
                if (cell_ctr_reload(e, &c, err) < 0) {
                        cell_ctr_release(&c);
                        return -1;
                }
        }
        int code = c.state.exit_code < 0 ? 0 : c.state.exit_code;
        cell_ctr_release(&c);
        return code;
}

static int run_wait(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                int code = wait_one(&e, a->argv[i], &err);
                if (code < 0)
                        rc = ecli_fail(&err);
                else
                        printf("%d\n", code);
                fflush(stdout);
        }
        cell_engine_close(&e);
        return rc;
}

const struct ecli_verb ecli_verb_wait = {
        .name = "wait",
        .usage = "CONTAINER [CONTAINER...]",
        .summary = "Block until one or more containers stop, then print their exit codes",
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_wait,
};
