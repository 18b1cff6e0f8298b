/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp beyond the filter itself: SCMP_ACT_NOTIFY with a listener
 * written here (the seccomp state and the fd over SCM_RIGHTS, answers the
 * child sees), a missing listener, and the compiled-program cache.  Needs
 * root, like test_seccomp.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <sys/prctl.h>

#include "runtime/dmz.h"
#include "runtime/sync.h"
#include "seccomp_test.h"
#include "unit.h"
#include "util/fs.h"
#include "util/socket.h"

/* ---- NOTIFY and the listener ---- */

#define CONTAINER_STATE                                                                            \
        "{\"ociVersion\":\"1.2.0\",\"id\":\"web\",\"status\":\"creating\",\"pid\":1,"              \
        "\"bundle\":\"/bundle\"}"

/* The listener answers the first call with EXDEV, the second with 4242. */
static int notified_calls(void)
{
        errno = 0;
        long r1 = syscall(SYS_getppid);
        int e1 = errno;
        long r2 = syscall(SYS_getppid);
        return r1 == -1 && e1 == EXDEV && r2 == 4242 ? CHILD_OK : CHILD_WRONG;
}

/* Child: load, hand the listener fd on, then make two notified calls. */
static pid_t spawn_notify_child(struct cell_seccomp_filter *filter, const char *listener)
{
        fflush(NULL);
        pid_t pid = fork();
        if (pid != 0)
                return pid;
        struct cell_error err = {0};
        int fd = -1;
        if (cell_seccomp_load(filter, &fd, &err) < 0 || fd < 0)
                _exit(CHILD_LOAD_FAILED);
        if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
                _exit(CHILD_WRONG);
        _cleanup_free_ char *state = NULL;
        if (cell_seccomp_state_json(CONTAINER_STATE, getpid(), "MKNOD=/dev/null", &state, &err) <
                    0 ||
            cell_seccomp_send_listener(listener, state, fd, &err) < 0) {
                fprintf(stderr, "  child: %s\n", err.msg);
                _exit(CHILD_WRONG);
        }
        close(fd);
        _exit(notified_calls());
}

static bool wait_readable(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        return poll(&p, 1, 5000) == 1;
}

static void check_seccomp_state(const char *json, pid_t child)
{
        json_object *o = json_tokener_parse(json), *v, *state;
        CHECK(o != NULL);
        if (!o)
                return;
        CHECK(json_object_object_get_ex(o, "ociVersion", &v));
        CHECK_STR_EQ(json_object_get_string(v), "1.2.0");
        CHECK(json_object_object_get_ex(o, "fds", &v) && json_object_array_length(v) == 1);
        CHECK_STR_EQ(json_object_get_string(json_object_array_get_idx(v, 0)), "seccompFd");
        CHECK(json_object_object_get_ex(o, "pid", &v));
        CHECK_INT_EQ(json_object_get_int64(v), child);
        CHECK(json_object_object_get_ex(o, "metadata", &v));
        CHECK_STR_EQ(json_object_get_string(v), "MKNOD=/dev/null");
        CHECK(json_object_object_get_ex(o, "state", &state));
        CHECK(json_object_object_get_ex(state, "id", &v));
        CHECK_STR_EQ(json_object_get_string(v), "web");
        json_object_put(o);
}

/* Answer one notification: an error when `error` != 0, else the value `val`. */
static void answer(int notify_fd, pid_t child, int error, long long val)
{
        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        CHECK_INT_EQ(seccomp_notify_alloc(&req, &resp), 0);
        CHECK(wait_readable(notify_fd));
        CHECK_INT_EQ(seccomp_notify_receive(notify_fd, req), 0);
        CHECK_INT_EQ(req->pid, child);
        CHECK_INT_EQ(req->data.nr, SYS_getppid);
        resp->id = req->id;
        resp->error = error ? -error : 0;
        resp->val = val;
        resp->flags = 0;
        CHECK_INT_EQ(seccomp_notify_respond(notify_fd, resp), 0);
        seccomp_notify_free(req, resp);
}

static int listen_unix(const char *path)
{
        int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
        if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
            listen(sock, 1) < 0) {
                if (sock >= 0)
                        close(sock);
                return -1;
        }
        return sock;
}

static void test_notify_listener(void)
{
        char dir[] = "/tmp/cell-test-seccomp-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *path = cell_path_join(dir, "listener.sock");
        int listener = listen_unix(path);
        CHECK(listener >= 0);

        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        s.listener_path = xstrdup(path);
        s.flags = strv_append(NULL, &s.n_flags, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
        s.flags = strv_append(s.flags, &s.n_flags, "SECCOMP_FILTER_FLAG_TSYNC");
        rule(&s, "SCMP_ACT_NOTIFY", "getppid");
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_seccomp_prepare(&s, &filter, &err), 0);
        pid_t child = spawn_notify_child(filter, path);

        CHECK(wait_readable(listener));
        _cleanup_close_ int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        char json[4096] = {0};
        size_t len = 0;
        _cleanup_close_ int notify_fd =
                conn < 0 ? -1 : cell_socket_recv_fd(conn, json, sizeof(json) - 1, &len, &err);
        CHECK(notify_fd >= 0);
        if (notify_fd >= 0) {
                check_seccomp_state(json, child);
                answer(notify_fd, child, EXDEV, 0);
                answer(notify_fd, child, 0, 4242);
        } else {
                kill(child, SIGKILL);
        }
        int status = -1;
        waitpid(child, &status, 0);
        CHECK(exited_ok(status));

        close(listener);
        unlink(path);
        rmdir(dir);
        cell_seccomp_filter_free(filter);
        profile_release(&s);
}

/* An absent listener fails at once (create fails), it does not wait. */
static void test_listener_absent(void)
{
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_seccomp_send_listener("/nonexistent/cell/listener.sock", "{}", 0, &err),
                     -1);
        CHECK_CONTAINS(err.msg, "linux.seccomp.listenerPath");
        CHECK_INT_EQ(err.errnum, ENOENT);

        char dir[] = "/tmp/cell-test-seccomp-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *path = cell_path_join(dir, "dead.sock");
        int sock = listen_unix(path);
        CHECK(sock >= 0);
        close(sock); /* the file stays, nobody listens */
        cell_error_clear(&err);
        CHECK_INT_EQ(cell_seccomp_send_listener(path, "{}", 0, &err), -1);
        CHECK_INT_EQ(err.errnum, ECONNREFUSED);
        unlink(path);
        rmdir(dir);

        char *out = (char *)1;
        CHECK_INT_EQ(cell_seccomp_state_json("[1]", 1, NULL, &out, &err), -1);
        CHECK(out == NULL);
        CHECK_INT_EQ(cell_seccomp_state_json(CONTAINER_STATE, 7, NULL, &out, &err), 0);
        CHECK(out && !strstr(out, "metadata"));
        free(out);
}

/* ---- the program cache ---- */

static char *only_entry(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        char *found = NULL;
        int count = 0;
        for (struct dirent *e; d && (e = readdir(d));) {
                if (e->d_name[0] == '.')
                        continue;
                count++;
                free(found);
                found = cell_path_join(dir, e->d_name);
        }
        if (count != 1) {
                free(found);
                return NULL;
        }
        return found;
}

static struct cell_seccomp errno_profile(unsigned errno_ret)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule_errno(rule(&s, "SCMP_ACT_ERRNO", "getppid"), errno_ret);
        return s;
}

static int probe_cached(const char *dir, unsigned errno_ret, int expect_errno)
{
        struct cell_seccomp s = errno_profile(errno_ret);
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        int status = -1;
        if (cell_seccomp_prepare_cached(&s, dir, &filter, &err) == 0) {
                struct expect e = {SYS_getppid, 0, 0, -1, expect_errno};
                status = run_filtered(filter, call_expect, &e);
        }
        cell_seccomp_filter_free(filter);
        profile_release(&s);
        return status;
}

/*
 * Proves the hit path: the program bytes in profile A's entry are replaced
 * by profile B's (same length, different errno), and preparing A then
 * behaves as B.  A torn entry is a miss and is rewritten.
 */
static void test_cache(void)
{
        char base[] = "/tmp/cell-test-seccomp-XXXXXX";
        CHECK(mkdtemp(base) != NULL);
        _cleanup_free_ char *dir_a = cell_path_join(base, "a/cache");
        _cleanup_free_ char *dir_b = cell_path_join(base, "b");
        CHECK(exited_ok(probe_cached(dir_a, EPERM, EPERM)));
        CHECK(exited_ok(probe_cached(dir_b, ENOSYS, ENOSYS)));
        _cleanup_free_ char *entry_a = only_entry(dir_a);
        _cleanup_free_ char *entry_b = only_entry(dir_b);
        CHECK(entry_a && entry_b);
        struct stat st;
        CHECK(stat(dir_a, &st) == 0 && (st.st_mode & 0777) == 0700);
        _cleanup_free_ char *a = NULL, *b = NULL;
        size_t len_a = 0, len_b = 0;
        struct cell_error err = {0};
        CHECK(entry_a && cell_read_file(entry_a, &a, &len_a, &err) == 0);
        CHECK(entry_b && cell_read_file(entry_b, &b, &len_b, &err) == 0);
        CHECK(len_a == len_b && len_a > 16);
        if (a && b && len_a == len_b && len_a > 16) {
                /* Layout: magic[8], u64 key length, key, u64 program length, program. */
                uint64_t key_len, program_len;
                memcpy(&key_len, a + 8, sizeof(key_len));
                memcpy(&program_len, a + 16 + key_len, sizeof(program_len));
                CHECK(16 + key_len + 8 + program_len == len_a);
                memcpy(a + len_a - program_len, b + len_b - program_len, program_len);
                CHECK_INT_EQ(cell_write_file(entry_a, a, len_a, &err), 0);
                CHECK(exited_ok(probe_cached(dir_a, EPERM, ENOSYS)));
                /* Torn: a miss, recompiled (EPERM again) and rewritten whole. */
                CHECK_INT_EQ(truncate(entry_a, (off_t)len_a - 3), 0);
                CHECK(exited_ok(probe_cached(dir_a, EPERM, EPERM)));
                CHECK(stat(entry_a, &st) == 0 && (size_t)st.st_size == len_a);
                CHECK(exited_ok(probe_cached(dir_a, EPERM, EPERM)));
        }
        CHECK_INT_EQ(cell_remove_tree_at(AT_FDCWD, base, &err), 0);
}

/*
 * With noNewPrivileges, cell-dmz loads the filter as its very last step
 * and hands the listener fd on at once with the message given to it
 * (runtime/dmz.h): the program it execs runs filtered, with neither the
 * program file nor the listener socket among its fds.
 */
static void test_dmz_loads_the_filter_last(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        s.listener_path = xstrdup("/unused");
        /* A call neither the shell nor grep nor ls makes (dash calls getppid). */
        rule(&s, "SCMP_ACT_NOTIFY", "mknodat");
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_seccomp_prepare(&s, &filter, &err), 0);
        int dmz = cell_dmz_open(&err), sync[2], listener[2], out[2];
        CHECK(dmz >= 0);
        CHECK_INT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync), 0);
        CHECK_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, listener), 0);
        CHECK_INT_EQ(pipe2(out, O_CLOEXEC), 0);
        struct cell_dmz_filter f = {cell_dmz_filter_open(filter, "state", 5, &err), listener[1]};
        CHECK(f.program_fd >= 0);
        fflush(NULL);
        pid_t child = fork();
        if (child == 0) {
                dup2(out[1], 1);
                prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                char *argv[] = {(char *)"sh", (char *)"-c",
                                (char *)"grep ^Seccomp: /proc/self/status; ls /proc/self/fd", NULL};
                char *envp[] = {NULL};
                if (f.program_fd >= 0)
                        cell_dmz_exec(dmz, "/bin/sh", argv, envp, sync[1], 0, &f, NULL);
                _exit(99);
        }
        close(sync[1]);
        close(listener[1]);
        close(out[1]);
        close(f.program_fd);
        char msg[16] = {0};
        size_t len = 0;
        _cleanup_close_ int notify_fd =
                cell_socket_recv_fd(listener[0], msg, sizeof(msg) - 1, &len, &err);
        CHECK(notify_fd >= 0);
        CHECK_STR_EQ(msg, "state");
        char link[64] = {0}, proc[32];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", notify_fd);
        CHECK(readlink(proc, link, sizeof(link) - 1) > 0);
        CHECK_STR_EQ(link, "anon_inode:seccomp notify");
        char text[1024] = {0};
        size_t got = 0;
        ssize_t n;
        while ((n = read(out[0], text + got, sizeof(text) - 1 - got)) > 0)
                got += (size_t)n;
        CHECK(strncmp(text, "Seccomp:\t2\n", 11) == 0);
        char program[16], socket_fd[16];
        snprintf(program, sizeof(program), "\n%d\n", f.program_fd);
        snprintf(socket_fd, sizeof(socket_fd), "\n%d\n", f.socket_fd);
        CHECK(strstr(text, program) == NULL && strstr(text, socket_fd) == NULL);
        struct cell_sync_msg m;
        CHECK_INT_EQ(cell_sync_recv(sync[0], &m, NULL, &err), 0); /* EOF: exec'd */
        int status = -1;
        waitpid(child, &status, 0);
        CHECK(exited_ok(status));
        close(sync[0]);
        close(listener[0]);
        close(out[0]);
        close(dmz);
        cell_seccomp_filter_free(filter);
        profile_release(&s);
}

UNIT_MAIN(UNIT_TEST(test_notify_listener), UNIT_TEST(test_dmz_loads_the_filter_last),
          UNIT_TEST(test_listener_absent), UNIT_TEST(test_cache))
