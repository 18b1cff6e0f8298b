/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's state.json, as every later command reads it (state, list,
 * kill, delete): the input is written to <dir>/state.json and read back with
 * cell_state_read(), then, like `delete`, its cgroup handle is restored.  A
 * file that a crash or a full disk left behind must give an error, never a
 * crash.  A record that loads is written back over the input
 * (cell_state_write pads a shorter text with spaces) and must load again,
 * and a second write must give the same text (stable after one round).
 *
 * <dir> is a fresh directory under $TMPDIR (tests/fuzz/run.sh points it into
 * its scratch directory), removed at exit.  Seeds: corpus/state/.
 */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "fuzz.h"
#include "runtime/state.h"
#include "util/fs.h"

static char state_dir[PATH_MAX];
static int state_dirfd = -1;

static void remove_dir(void)
{
        unlinkat(state_dirfd, "state.json", 0);
        close(state_dirfd);
        rmdir(state_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        const char *tmp = getenv("TMPDIR");
        snprintf(state_dir, sizeof(state_dir), "%s/cell-fuzz-state-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        FUZZ_ASSERT(mkdtemp(state_dir));
        state_dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        FUZZ_ASSERT(state_dirfd >= 0);
        atexit(remove_dir);
        return 0;
}

static void put(const uint8_t *data, size_t size)
{
        int fd = openat(state_dirfd, "state.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        FUZZ_ASSERT(fd >= 0);
        FUZZ_ASSERT(size == 0 || write(fd, data, size) == (ssize_t)size);
        close(fd);
}

/* state.json without the padding of an in-place rewrite; free() it. */
static char *get(void)
{
        char *text = NULL;
        size_t len = 0;
        struct cell_error err = {0};
        FUZZ_ASSERT(cell_read_file_at(state_dirfd, "state.json", &text, &len, &err) == 0);
        while (len > 0 && text[len - 1] == ' ')
                text[--len] = '\0';
        return text;
}

static void walk(const struct cell_state_record *rec)
{
        FUZZ_ASSERT(rec->oci_version && rec->id && rec->bundle && rec->rootfs && rec->created);
        fuzz_touch(rec->oci_version);
        fuzz_touch(rec->id);
        fuzz_touch(rec->bundle);
        fuzz_touch(rec->rootfs);
        fuzz_touch(rec->created);
        fuzz_touch(rec->cgroup);
        for (size_t i = 0; i < rec->n_annotations; i++) {
                FUZZ_ASSERT(rec->annotations[i].key && rec->annotations[i].value);
                fuzz_touch(rec->annotations[i].key);
                fuzz_touch(rec->annotations[i].value);
        }
        if (rec->cgroup) {
                struct cell_cgroup *cg = NULL;
                struct cell_error err = {0};
                fuzz_check_result(cell_cgroup_from_string(rec->cgroup, &cg, &err), &err);
                cell_cgroup_free(cg);
        }
}

/* Write `rec` over the current file, read it back: the text written. */
static char *round_trip(const struct cell_state_record *rec, struct cell_state_record *again)
{
        struct cell_error err = {0};
        FUZZ_ASSERT(cell_state_write(state_dirfd, rec, &err) == 0);
        FUZZ_ASSERT(cell_state_read(state_dirfd, again, &err) == 0);
        walk(again);
        return get();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cell_state_record rec, rec1, rec2;
        struct cell_error err = {0};
        put(data, size);
        int next_fd = fuzz_next_fd();
        int rc = cell_state_read(state_dirfd, &rec, &err);
        fuzz_check_result(rc, &err);
        FUZZ_ASSERT(fuzz_next_fd() == next_fd);
        if (rc < 0)
                return 0;
        walk(&rec);
        char *text1 = round_trip(&rec, &rec1);
        char *text2 = round_trip(&rec1, &rec2);
        FUZZ_ASSERT(strcmp(text1, text2) == 0);
        FUZZ_ASSERT(fuzz_next_fd() == next_fd);
        free(text1);
        free(text2);
        cell_state_record_release(&rec);
        cell_state_record_release(&rec1);
        cell_state_record_release(&rec2);
        return 0;
}
