/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/runtime: state store, ids, times, exec's process edits. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/exec_process.h"
#include "runtime/owner.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void test_id_validate(void)
{
        struct cell_error err;
        CHECK(cell_container_id_validate("web-1_a.b+c", &err) == 0);
        CHECK(cell_container_id_validate("0abc", &err) == 0);
        const char *bad[] = {"", "-x", ".x", "a/b", "a b", "..", "a\n", "é"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                CHECK(cell_container_id_validate(bad[i], &err) < 0);
                CHECK_CONTAINS(err.msg, "invalid container id");
        }
        char long_id[1100];
        memset(long_id, 'a', sizeof(long_id) - 1);
        long_id[sizeof(long_id) - 1] = '\0';
        CHECK(cell_container_id_validate(long_id, &err) < 0);
        /* Up to NAME_MAX: the id names the state directory. */
        long_id[CELL_CONTAINER_ID_MAX] = '\0';
        CHECK(cell_container_id_validate(long_id, &err) == 0);
        long_id[CELL_CONTAINER_ID_MAX] = 'a';
        long_id[CELL_CONTAINER_ID_MAX + 1] = '\0';
        CHECK(cell_container_id_validate(long_id, &err) < 0);
        CHECK_CONTAINS(err.msg, "256 bytes long, at most 255 are allowed");
        CHECK(strlen(err.msg) < 128); /* the id is not echoed whole */
}

static void test_time_rfc3339_matches_gmtime(void)
{
        time_t before = time(NULL);
        _cleanup_free_ char *s = cell_time_rfc3339();
        struct tm tm;
        gmtime_r(&before, &tm);
        char date[16];
        strftime(date, sizeof(date), "%Y-%m-%d", &tm);
        CHECK(strncmp(s, date, 10) == 0 || tm.tm_hour == 23);
        CHECK_INT_EQ(strlen(s), strlen("2026-11-22T01:02:03.123456789Z"));
        CHECK(s[10] == 'T' && s[strlen(s) - 1] == 'Z');
}

static char *make_dir(void)
{
        char tmpl[] = "/tmp/cell-unit-state-XXXXXX";
        return xstrdup(mkdtemp(tmpl));
}

/*
 * state.json holding `text`: its cgroup reads back as `want` (not the text
 * of a JSON object when `damaged`), and again the same after
 * cell_state_write() of what was read.
 */
static void check_cgroup_read(int dfd, const char *text, const char *want, bool damaged)
{
        struct cell_error err;
        struct cell_state_record rec;
        CHECK(cell_write_file_at(dfd, "state.json", text, strlen(text), &err) == 0);
        for (int round = 0; round < 2; round++) {
                CHECK(cell_state_read(dfd, &rec, &err) == 0);
                CHECK_STR_EQ(rec.cgroup, want);
                CHECK(rec.cgroup_not_json == damaged);
                if (round == 0)
                        CHECK(cell_state_write(dfd, &rec, &err) == 0);
                cell_state_record_release(&rec);
        }
}

static void test_state_roundtrip_in_place(void)
{
        _cleanup_free_ char *dir = make_dir();
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct cell_error err;
        struct cell_key_value ann = {.key = (char *)"k", .value = (char *)"v \"quoted\""};
        struct cell_state_record rec = {.oci_version = (char *)"1.2.0",
                                        .id = (char *)"c1",
                                        .pid = 123456,
                                        .pid_start = 987654321ULL,
                                        .bundle = (char *)"/b/with a space",
                                        .rootfs = (char *)"/b/rootfs",
                                        .created = (char *)"2026-01-01T00:00:00Z",
                                        .cgroup = (char *)"{\"mode\":\"none\"}",
                                        .annotations = &ann,
                                        .n_annotations = 1};
        CHECK(cell_state_write(dfd, &rec, &err) == 0);
        /* the cgroup handle is nested as a JSON object, and read back as its text */
        _cleanup_free_ char *text = NULL;
        CHECK(cell_read_file_at(dfd, "state.json", &text, NULL, &err) == 0);
        CHECK_CONTAINS(text, "\"cgroup\":{\"mode\":\"none\"}");
        struct cell_state_record nested;
        CHECK(cell_state_read(dfd, &nested, &err) == 0);
        CHECK_STR_EQ(nested.cgroup, "{\"mode\":\"none\"}");
        cell_state_record_release(&nested);
        /* state from earlier builds held it as a string */
        check_cgroup_read(dfd,
                          "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"bundle\":\"/b\","
                          "\"cgroup\":\"{\\\"mode\\\":\\\"v1\\\"}\"}",
                          "{\"mode\":\"v1\"}", false);
        /* a damaged string stays a string through a rewrite (the fuzzer's find) */
        check_cgroup_read(dfd,
                          "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"bundle\":\"/b\","
                          "\"cgroup\":\"{\\\"mode\\\",\"}",
                          "{\"mode\",", true);
        CHECK(cell_state_write(dfd, &rec, &err) == 0);
        /* A shorter rewrite in place must still read back exactly. */
        rec.pid = 7;
        rec.cgroup = NULL;
        rec.n_annotations = 0;
        CHECK(cell_state_write(dfd, &rec, &err) == 0);
        struct cell_state_record got;
        CHECK(cell_state_read(dfd, &got, &err) == 0);
        CHECK_INT_EQ(got.pid, 7);
        CHECK(got.pid_start == 987654321ULL);
        CHECK_STR_EQ(got.bundle, "/b/with a space");
        CHECK(got.cgroup == NULL);
        CHECK_INT_EQ(got.n_annotations, 0);
        cell_state_record_release(&got);
        _cleanup_free_ char *tmp = cell_path_join(dir, "state.json.tmp");
        CHECK(access(tmp, F_OK) < 0);
        struct cell_error ignored;
        cell_remove_tree_at(AT_FDCWD, dir, &ignored);
}

/* "ownNs" survives a rewrite; state without it (older builds) or with a damaged one reads unset. */
static void test_state_own_ns(void)
{
        _cleanup_free_ char *dir = make_dir();
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct cell_error err;
        struct cell_state_record rec = {.oci_version = (char *)"1.2.0",
                                        .id = (char *)"c1",
                                        .bundle = (char *)"/b",
                                        .rootfs = (char *)"/b/rootfs",
                                        .created = (char *)"2026-01-01T00:00:00Z",
                                        .has_own_ns = true,
                                        .own_ns = CELL_NS_MOUNT,
                                        .own_ns_id = 21578,
                                        .own_ns_ino = 4026532247ULL};
        CHECK(cell_state_write(dfd, &rec, &err) == 0);
        struct cell_state_record got;
        CHECK(cell_state_read(dfd, &got, &err) == 0);
        CHECK(got.has_own_ns && got.own_ns == CELL_NS_MOUNT);
        CHECK(got.own_ns_id == 21578 && got.own_ns_ino == 4026532247ULL);
        cell_state_record_release(&got);
        rec.own_ns = CELL_NS_PID;
        rec.own_ns_id = rec.own_ns_ino = 0;
        CHECK(cell_state_write(dfd, &rec, &err) == 0);
        CHECK(cell_state_read(dfd, &got, &err) == 0);
        CHECK(got.has_own_ns && got.own_ns == CELL_NS_PID && !got.own_ns_id && !got.own_ns_ino);
        cell_state_record_release(&got);
        static const char *const unset[] = {
                "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"bundle\":\"/b\"}",
                "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"bundle\":\"/b\",\"ownNs\":\"mnt\"}",
                ("{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"bundle\":\"/b\","
                 "\"ownNs\":{\"type\":\"nope\",\"id\":1}}"),
        };
        for (size_t i = 0; i < CELL_ARRAY_SIZE(unset); i++) {
                CHECK(cell_write_file_at(dfd, "state.json", unset[i], strlen(unset[i]), &err) == 0);
                CHECK(cell_state_read(dfd, &got, &err) == 0);
                CHECK(!got.has_own_ns);
                cell_state_record_release(&got);
        }
        struct cell_error ignored;
        cell_remove_tree_at(AT_FDCWD, dir, &ignored);
}

/*
 * The namespace that tells the container's processes from others: one it
 * creates, never one it joins by path (a pod's, shared), a pid namespace first.
 */
static void test_owner_choose(void)
{
        struct cell_spec spec;
        struct cell_state_record rec;
        memset(&spec, 0, sizeof(spec));
        memset(&rec, 0, sizeof(rec));
        struct cell_namespace *ns = spec.linux.namespaces;
        cell_owner_choose(&spec, &rec);
        CHECK(!rec.has_own_ns);
        ns[CELL_NS_NET].enabled = ns[CELL_NS_MOUNT].enabled = ns[CELL_NS_PID].enabled = true;
        cell_owner_choose(&spec, &rec);
        CHECK(rec.has_own_ns && rec.own_ns == CELL_NS_PID);
        ns[CELL_NS_PID].path = (char *)"/proc/1/ns/pid";
        cell_owner_choose(&spec, &rec);
        CHECK(rec.has_own_ns && rec.own_ns == CELL_NS_MOUNT);
        ns[CELL_NS_MOUNT].enabled = false;
        cell_owner_choose(&spec, &rec);
        CHECK(rec.has_own_ns && rec.own_ns == CELL_NS_NET);
        ns[CELL_NS_NET].path = (char *)"/run/netns/pod";
        cell_owner_choose(&spec, &rec);
        CHECK(!rec.has_own_ns);
}

/* Processes in the recorded namespace are the container's; others are not. */
static void test_owner_owns_by_namespace(void)
{
        struct cell_state_record rec;
        memset(&rec, 0, sizeof(rec));
        rec.id = (char *)"c1";
        rec.pid = getpid();
        rec.pid_start = cell_proc_start_time(getpid());
        rec.has_own_ns = true;
        rec.own_ns = CELL_NS_MOUNT;
        struct cell_error err;
        CHECK_INT_EQ(cell_owner_record(&rec, &err), 1);
        CHECK(rec.own_ns_ino != 0);
        struct cell_owner o;
        CHECK_INT_EQ(cell_owner_load(&rec, &o, &err), 0);
        struct cell_cgroup_owner f = cell_owner_filter(&o);
        CHECK(f.owns(getpid(), f.data));
        rec.own_ns_ino += 1; /* another namespace */
        rec.own_ns_id = 0;
        CHECK_INT_EQ(cell_owner_load(&rec, &o, &err), 0);
        CHECK(!f.owns(getpid(), f.data));
}

static void test_state_open_errors(void)
{
        _cleanup_free_ char *dir = make_dir();
        struct cell_error err;
        int fd = -1;
        CHECK(cell_state_open(dir, "nope", false, false, &fd, &err) < 0);
        CHECK_STR_EQ(err.msg, "container \"nope\" does not exist");
        CHECK_INT_EQ(err.errnum, ENOENT);
        CHECK(cell_state_open(dir, "x", true, true, &fd, &err) == 0);
        close(fd);
        CHECK(cell_state_open(dir, "x", true, true, &fd, &err) < 0);
        CHECK_STR_EQ(err.msg, "container with id exists: x");
        CHECK(cell_state_remove(dir, "x", &err) == 0);
        CHECK(rmdir(dir) == 0);
}

/* Whatever a container's state directory holds, removing it leaves nothing. */
static void test_state_remove_held(void)
{
        static const char *const contents[][3] = {
                {"state.json", NULL, NULL},                 /* a foreground run */
                {"state.json", "exec.fifo", "config.json"}, /* created, never started */
                {"state.json", "stray", NULL},              /* something unexpected */
                {NULL, NULL, NULL},                         /* already empty */
        };
        _cleanup_free_ char *dir = make_dir();
        for (size_t i = 0; i < CELL_ARRAY_SIZE(contents); i++) {
                struct cell_error err;
                int fd = -1;
                CHECK(cell_state_open(dir, "x", true, true, &fd, &err) == 0);
                for (size_t j = 0; j < 3 && contents[i][j]; j++) {
                        int f = openat(fd, contents[i][j], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                        CHECK(f >= 0);
                        close(f);
                }
                CHECK(cell_state_remove_held(dir, "x", fd, &err) == 0);
                close(fd);
                _cleanup_free_ char *path = cell_path_join(dir, "x");
                CHECK(access(path, F_OK) < 0 && errno == ENOENT);
        }
        CHECK(rmdir(dir) == 0);
}

static void test_status_of_dead_pid(void)
{
        struct cell_state_record rec = {.pid = 0};
        CHECK(cell_state_status(-1, &rec) == CELL_STATUS_CREATING);
        rec.pid = getpid();
        rec.pid_start = cell_proc_start_time(getpid()) + 1; /* a recycled pid */
        CHECK(cell_state_status(-1, &rec) == CELL_STATUS_STOPPED);
        rec.pid_start = cell_proc_start_time(getpid());
        CHECK(cell_state_pid_alive(&rec));
}

static void test_state_json(void)
{
        struct cell_key_value ann = {.key = (char *)"a", .value = (char *)"b"};
        struct cell_container_state st = {.oci_version = (char *)"1.2.0",
                                          .id = (char *)"c",
                                          .status = CELL_STATUS_RUNNING,
                                          .pid = 42,
                                          .bundle = (char *)"/x/\"y\"",
                                          .rootfs = (char *)"/r",
                                          .created = (char *)"t",
                                          .owner = (char *)"",
                                          .annotations = &ann,
                                          .n_annotations = 1};
        _cleanup_free_ char *s = cell_container_state_json(&st, false);
        CHECK_CONTAINS(s, "\"status\":\"running\"");
        CHECK_CONTAINS(s, "\"pid\":42");
        CHECK_CONTAINS(s, "\"bundle\":\"/x/\\\"y\\\"\"");
        CHECK_CONTAINS(s, "\"annotations\":{\"a\":\"b\"}");
        CHECK_STR_EQ(cell_status_name(CELL_STATUS_PAUSED), "paused");
}

static struct cell_spec *spec_with_process(void)
{
        const char *json =
                "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
                "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
                "\"env\":[\"PATH=/bin\",\"A=1\"],\"capabilities\":{\"bounding\":[\"CAP_KILL\"],"
                "\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"]}}}";
        struct cell_spec *spec = NULL;
        struct cell_error err;
        CHECK(cell_spec_parse(json, strlen(json), &spec, &err) == 0);
        return spec;
}

static void test_exec_process_overrides(void)
{
        struct cell_spec *spec = spec_with_process();
        char *args[] = {(char *)"echo", (char *)"hi", NULL};
        char *env[] = {(char *)"A=2", (char *)"B=3", NULL};
        char *gids[] = {(char *)"10", (char *)"20", NULL};
        char *caps[] = {(char *)"net_admin", NULL};
        struct cell_exec_opts o = {.args = args,
                                   .tty = true,
                                   .cwd = "/tmp",
                                   .env = env,
                                   .user = "1000:1001",
                                   .additional_gids = gids,
                                   .caps = caps,
                                   .no_new_privs = true};
        struct cell_process file = {0}, *p = NULL;
        struct cell_error err;
        CHECK(cell_exec_build_process(&o, spec, &file, &p, &err) == 0);
        CHECK(p == &spec->process);
        CHECK_INT_EQ(p->n_args, 2);
        CHECK_STR_EQ(p->args[1], "hi");
        CHECK(p->args[2] == NULL);
        CHECK(p->terminal);
        CHECK_STR_EQ(p->cwd, "/tmp");
        CHECK_INT_EQ(p->n_env, 3);
        CHECK_STR_EQ(p->env[1], "A=2");
        CHECK_STR_EQ(p->env[2], "B=3");
        CHECK_INT_EQ(p->uid, 1000);
        CHECK_INT_EQ(p->gid, 1001);
        CHECK_INT_EQ(p->n_additional_gids, 2);
        int net_admin = cell_cap_from_name("CAP_NET_ADMIN");
        CHECK(p->caps.effective & (UINT64_C(1) << net_admin));
        CHECK(p->caps.bounding & (UINT64_C(1) << net_admin));
        CHECK(!(p->caps.ambient & (UINT64_C(1) << net_admin)));
        CHECK(p->no_new_privileges);
        cell_spec_free(spec);
}

static void test_exec_process_errors(void)
{
        struct cell_error err;
        struct cell_process file = {0}, *p = NULL;
        char *args[] = {(char *)"true", NULL};
        struct {
                struct cell_exec_opts o;
                const char *msg;
        } cases[] = {
                {{.args = args, .user = "x"}, "--user \"x\""},
                {{.args = args, .user = "1:y"}, "--user \"y\""},
                {{.args = args, .cwd = "rel"}, "--cwd \"rel\""},
                {{.args = args, .caps = (char *[]){(char *)"CAP_NOPE", NULL}},
                 "--cap \"CAP_NOPE\""},
                {{.args = args, .additional_gids = (char *[]){(char *)"-1", NULL}},
                 "--additional-gids \"-1\""},
                {{.args = args, .user = "4294967295"}, "--user \"4294967295\": not a valid id"},
                {{.args = args, .user = "0:4294967295"}, "--user \"4294967295\": not a valid id"},
                {{.args = args, .additional_gids = (char *[]){(char *)"4294967295", NULL}},
                 "--additional-gids \"4294967295\": not a valid id"},
                {{.args = args, .env = (char *[]){(char *)"NOEQUALS", NULL}},
                 "--env: \"NOEQUALS\": missing '='"},
                {{.args = args, .env = (char *[]){(char *)"=x", NULL}},
                 "--env: \"=x\": empty variable name"},
                {{.process_file = "/dev/zero"}, "--process /dev/zero: not a regular file"},
                {{.args = NULL}, "a command or --process is required"},
                {{.process_file = "/nonexistent/process.json"}, "--process"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct cell_spec *spec = spec_with_process();
                CHECK(cell_exec_build_process(&cases[i].o, spec, &file, &p, &err) < 0);
                CHECK_CONTAINS(err.msg, cases[i].msg);
                cell_spec_free(spec);
        }
}

static void test_exec_process_file(void)
{
        char path[] = "/tmp/cell-unit-process-XXXXXX";
        int fd = mkstemp(path);
        const char *json = "{\"args\":[\"/bin/id\"],\"cwd\":\"/\",\"user\":{\"uid\":5,\"gid\":6},"
                           "\"env\":[\"X=1\"]}";
        CHECK(write(fd, json, strlen(json)) == (ssize_t)strlen(json));
        close(fd);
        struct cell_spec *spec = spec_with_process();
        struct cell_exec_opts o = {.process_file = path};
        struct cell_process file = {0}, *p = NULL;
        struct cell_error err;
        CHECK(cell_exec_build_process(&o, spec, &file, &p, &err) == 0);
        CHECK(p == &file);
        CHECK_STR_EQ(p->args[0], "/bin/id");
        CHECK_INT_EQ(p->uid, 5);
        cell_process_release(&file);
        cell_spec_free(spec);
        unlink(path);
}

/*
 * Messages as cell-dmz sends them: only as much of the text as there is,
 * its NUL included or not, or none at all.  The text ends where the
 * message does (an exec failure once reached the user as an empty error).
 */
static void test_sync_recv_short_text(void)
{
        int sp[2];
        CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
        struct cell_sync_msg out = {.type = CELL_SYNC_ERROR, .errnum = ENOEXEC};
        const char *text = "exec \"/x\": exec format error";
        strcpy(out.msg, text);
        size_t head = offsetof(struct cell_sync_msg, msg);
        size_t lengths[] = {head + strlen(text) + 1, head + 4, head, sizeof(out)};
        const char *want[] = {text, "exec", "", text};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(lengths); i++) {
                CHECK(send(sp[0], &out, lengths[i], 0) == (ssize_t)lengths[i]);
                struct cell_sync_msg in;
                memset(&in, 'x', sizeof(in));
                struct cell_error err;
                CHECK_INT_EQ(cell_sync_recv(sp[1], &in, NULL, &err), 1);
                CHECK_INT_EQ(in.type, CELL_SYNC_ERROR);
                CHECK_INT_EQ(in.errnum, ENOEXEC);
                CHECK_STR_EQ(in.msg, want[i]);
        }
        close(sp[0]);
        close(sp[1]);
}

UNIT_MAIN(UNIT_TEST(test_id_validate), UNIT_TEST(test_time_rfc3339_matches_gmtime),
          UNIT_TEST(test_state_roundtrip_in_place), UNIT_TEST(test_state_own_ns),
          UNIT_TEST(test_owner_choose), UNIT_TEST(test_owner_owns_by_namespace),
          UNIT_TEST(test_state_open_errors), UNIT_TEST(test_state_remove_held),
          UNIT_TEST(test_status_of_dead_pid), UNIT_TEST(test_state_json),
          UNIT_TEST(test_exec_process_overrides), UNIT_TEST(test_exec_process_errors),
          UNIT_TEST(test_exec_process_file), UNIT_TEST(test_sync_recv_short_text))
