/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_INIT_H
#define CELL_RUNTIME_INIT_H

/*
 * The container's init before it becomes the user process: the code that
 * runs in the child of clone(), inside the new namespaces, and ends in
 * execve() of process.args.  It talks to the parent as runtime/sync.h
 * describes.  It never returns: on failure it sends SYNC_ERROR and _exit()s.
 *
 * Everything it needs is prepared by the parent before clone() and read
 * from this struct (the child has a private copy of the parent's memory).
 * Every fd in it is CLOEXEC and numbered above the preserved range.
 */

#include <stdbool.h>

#include "oci/spec.h"
#include "cgroup/cgroup.h"
#include "sandbox/lsm.h"
#include "sandbox/rootfs.h"
#include "sandbox/seccomp.h"

struct cell_init_config {
        const struct cell_spec *spec;
        const char *id;
        const char *bundle;
        const char *rootfs; /* absolute host path */
        bool no_pivot;
        bool no_new_keyring;
        bool foreground;  /* run: no exec.fifo; exec as soon as READY is sent */
        int preserve_fds; /* fds 3 .. 3+preserve_fds-1 stay open */
        int sync_fd;
        int fifo_fd;                              /* O_PATH fd of exec.fifo, -1 in the foreground */
        int dmz_fd;                               /* sealed memfd of cell-dmz (runtime/dmz.h) */
        int ns_fds[CELL_NS__COUNT];               /* namespaces to join (setns), -1 = none */
        struct cell_rootfs_prepared *rootfs_prep; /* what the runtime opened (sandbox/rootfs.h) */
        char **env; /* process.env plus LISTEN_FDS/LISTEN_PID when passed on */
        struct cell_seccomp_filter *seccomp; /* may be NULL */
        const struct cell_lsm_attr *lsm;     /* AppArmor/SELinux for the exec, may be empty */
        struct cell_cgroup *cgroup;          /* joined by the init itself */
        bool placed_by_clone;                /* clone3 placed us in the v2 cgroup */
};

/*
 * Whether the init waits for SYNC_GO before it starts: only when the parent
 * has the uid/gid maps of a new user namespace to write first, or network
 * devices to move into its new network namespace (sandbox/netdev.h).
 */
bool cell_init_awaits_go(const struct cell_spec *spec);

/* Entry point of the cloned child. */
__attribute__((noreturn)) void cell_init_main(const struct cell_init_config *cfg);

#endif
