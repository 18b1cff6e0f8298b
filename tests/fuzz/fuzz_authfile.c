/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.json: the input is the credentials file; cell_auth_file_get() reads
 * it for a host with a port and for docker.io (which also looks at docker's
 * key), then cell_auth_file_set() / _remove() rewrite it.  Reading fails
 * with a message, finds nothing, or finds a user and a password; an entry
 * just set is read back exactly, and removed again.  The file lives in a
 * directory made once under $TMPDIR.  Seeds: corpus/authfile/.
 */
#include <stdbool.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "image/auth.h"

static char dir[4096], path[4200];

static void cleanup(void)
{
        unlink(path);
        rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/cell-fuzz-auth-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        FUZZ_ASSERT(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/auth.json", dir);
        atexit(cleanup);
        return 0;
}

static void get(const char *host)
{
        char *user = NULL, *password = NULL;
        struct cell_error err = {0};
        int rc = cell_auth_file_get(path, host, &user, &password, &err);
        FUZZ_ASSERT(rc == -1 || rc == 0 || rc == 1);
        if (rc < 0)
                fuzz_check_result(rc, &err);
        if (rc == 1) {
                FUZZ_ASSERT(user && password);
                fuzz_touch(user);
                fuzz_touch(password);
        } else {
                FUZZ_ASSERT(!user && !password);
        }
        free(user);
        free(password);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        int fds = fuzz_next_fd();
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        FUZZ_ASSERT(fd >= 0);
        FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
        close(fd);

        get("h:5000");
        get("docker.io");

        struct cell_error err = {0};
        int rc = cell_auth_file_set(path, "h:5000", "alice", "pa:ss\"\\", &err);
        fuzz_check_result(rc, &err);
        if (rc == 0) {
                char *user = NULL, *password = NULL;
                FUZZ_ASSERT(cell_auth_file_get(path, "h:5000", &user, &password, &err) == 1);
                FUZZ_ASSERT(strcmp(user, "alice") == 0 && strcmp(password, "pa:ss\"\\") == 0);
                free(user);
                free(password);
                get("docker.io");
                FUZZ_ASSERT(cell_auth_file_remove(path, "h:5000", &err) == 1);
                FUZZ_ASSERT(cell_auth_file_get(path, "h:5000", &user, &password, &err) == 0);
                rc = cell_auth_file_remove(path, NULL, &err);
                FUZZ_ASSERT(rc == 0 || rc == 1);
        }
        FUZZ_ASSERT(fuzz_next_fd() == fds);
        /* Nothing but auth.json is left behind (no temporary file of a rewrite). */
        unlink(path);
        FUZZ_ASSERT(rmdir(dir) == 0);
        FUZZ_ASSERT(mkdir(dir, 0700) == 0);
        return 0;
}
