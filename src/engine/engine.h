/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_ENGINE_H
#define CELL_ENGINE_ENGINE_H

/*
 * The engine context: what every engine verb opens first.
 *
 *   <storage>/            the image store (image/store.h) plus
 *     containers/<id>/    one engine container (engine/container.h)
 *     volumes/<name>/     one named volume (engine/volume.h)
 *   <runroot>/            the runtime library's state root for engine
 *                         containers (runtime/container.h, rt.root)
 *
 * The store is opened lazily (cell_engine_store): `ps`, `stop` or `rm`
 * never touch images, so they never wait for a garbage collection's lock.
 */

#include <stdbool.h>

#include "runtime/container.h"
#include "util/error.h"

struct cell_store;

struct cell_engine {
        char *storage;           /* absolute */
        char *runroot;           /* absolute */
        struct cell_runtime rt;  /* rt.root = runroot */
        int containers_dirfd;    /* <storage>/containers, O_PATH|O_DIRECTORY */
        struct cell_store *store; /* NULL until cell_engine_store() */
        bool store_locked;       /* LOCK_SH taken by cell_engine_store_locked() */
        /* set with `store` (engine_store.c), so that engine.c, and a verb
         * that never opens the store, do not link the store's code */
        void (*store_close)(struct cell_store *s);
};

struct cell_engine_opts {
        const char *storage;     /* NULL: $CELL_STORAGE, else /var/lib/cell */
        const char *runroot;     /* NULL: $CELL_RUNROOT, else /run/cell/engine */
        bool debug;
        char **self_argv;        /* the process' argv, for the runtime's re-exec (may be NULL) */
};

#define CELL_ENGINE_DEFAULT_STORAGE "/var/lib/cell"
#define CELL_ENGINE_DEFAULT_RUNROOT "/run/cell/engine"

/*
 * Open the engine: create <storage>, <storage>/containers, <storage>/volumes
 * and <runroot> when missing.  `*out` is filled; close with
 * cell_engine_close() (which also closes the store).
 */
int cell_engine_open(const struct cell_engine_opts *opts, struct cell_engine *out,
                     struct cell_error *err);
void cell_engine_close(struct cell_engine *e);

/* The image store, opened on first use (owned by `e`). */
int cell_engine_store(struct cell_engine *e, struct cell_store **out, struct cell_error *err);

/* As cell_engine_store(), with the store's LOCK_SH held until close (run, create). */
int cell_engine_store_locked(struct cell_engine *e, struct cell_store **out,
                             struct cell_error *err);

/* "<storage>/containers/<id>" and "<storage>/volumes"; caller frees. */
char *cell_engine_container_dir(const struct cell_engine *e, const char *id);
char *cell_engine_volumes_dir(const struct cell_engine *e);

/* RFC 3339 with nanoseconds, UTC ("2026-12-07T21:01:21.123456789Z"); caller frees. */
char *cell_engine_now(void);

#endif
