/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parts of src/sandbox/ rootfs handling: mount plans, MS_* ->
 * MOUNT_ATTR_* translation, lexical path cleaning, and the refusals that
 * happen before any syscall.  Runs without root; the mounting itself is
 * exercised by rootfs_driver.c.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/mounts.h"
#include "sandbox/paths.h"
#include "sandbox/rootfs.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mount_api.h"
#include "util/xalloc.h"

static struct cell_mount mount_of(const char *type, const char *source, const char *dest,
                                  unsigned long flags)
{
        struct cell_mount m = {0};
        m.type = (char *)type;
        m.source = (char *)source;
        m.destination = (char *)dest;
        m.flags = flags;
        m.bind = type && !strcmp(type, "bind");
        return m;
}

static void check_clean(const char *in, const char *out)
{
        _cleanup_free_ char *c = cell_path_clean(in);
        CHECK_STR_EQ(c, out);
}

static void test_path_clean(void)
{
        check_clean("/", "/");
        check_clean("", "/");
        check_clean("/proc", "/proc");
        check_clean("/a//b/./c/", "/a/b/c");
        check_clean("/etc/../..", "/");
        check_clean("/../../../../tmp/hostdir", "/tmp/hostdir");
        check_clean("/a/b/../../c", "/c");
        check_clean("relative/x", "/relative/x");
        check_clean("/a/..b/.c", "/a/..b/.c");
}

static void test_path_prefix(void)
{
        CHECK(cell_path_has_prefix("/proc", "/proc"));
        CHECK(cell_path_has_prefix("/proc/sys", "/proc"));
        CHECK(!cell_path_has_prefix("/procfoo", "/proc"));
        CHECK(cell_path_has_prefix("/anything", "/"));
        CHECK(!cell_path_has_prefix("/sys", "/sys/fs/cgroup"));
}

/* A scratch root in /tmp with image symlinks that try to leave it. */
static char *make_root(void)
{
        char *dir = xstrdup("/tmp/cell-paths-XXXXXX");
        if (!mkdtemp(dir))
                abort();
        _cleanup_free_ char *etc = cell_path_join(dir, "etc");
        _cleanup_free_ char *evil = cell_path_join(dir, "etc/evil");
        _cleanup_free_ char *hostetc = cell_path_join(dir, "hostetc");
        _cleanup_free_ char *rel = cell_path_join(dir, "etc/rel");
        if (mkdir(etc, 0755) < 0 || symlink("/../../../../nowhere/deep", evil) < 0 ||
            symlink("/etc", hostetc) < 0 || symlink("../../../srv", rel) < 0)
                abort();
        return dir;
}

static void test_paths_stay_in_root(void)
{
        _cleanup_free_ char *dir = make_root();
        _cleanup_close_ int rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(rootfd >= 0);

        /* an absolute symlink to the host's /etc resolves to <root>/etc */
        int fd = cell_path_open_in_root(rootfd, "/hostetc/passwd", O_RDONLY);
        CHECK(fd < 0 && errno == ENOENT);

        /* a dangling symlink is followed inside the root and its target created */
        fd = cell_path_create_in_root(rootfd, "/etc/evil/sub", CELL_PATH_DIR);
        CHECK(fd >= 0);
        close(fd);
        _cleanup_free_ char *created = cell_path_join(dir, "nowhere/deep/sub");
        struct stat sb;
        CHECK(stat(created, &sb) == 0 && S_ISDIR(sb.st_mode));
        CHECK(access("/nowhere", F_OK) < 0);

        /* relative ".." above the root is clamped at the root */
        fd = cell_path_create_in_root(rootfd, "/etc/rel/file", CELL_PATH_FILE);
        CHECK(fd >= 0);
        close(fd);
        _cleanup_free_ char *file = cell_path_join(dir, "srv/file");
        CHECK(stat(file, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0);

        /* an existing object is returned as is */
        fd = cell_path_create_in_root(rootfd, "/srv/file", CELL_PATH_DIR);
        CHECK(fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode));
        close(fd);

        /* a dangling last component of a file is followed, not returned itself */
        _cleanup_free_ char *link = cell_path_join(dir, "etc/resolv.conf");
        CHECK(symlink("/run/resolv.conf", link) == 0);
        fd = cell_path_create_in_root(rootfd, "/etc/resolv.conf", CELL_PATH_FILE);
        CHECK(fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode));
        close(fd);
        _cleanup_free_ char *target = cell_path_join(dir, "run/resolv.conf");
        CHECK(stat(target, &sb) == 0 && S_ISREG(sb.st_mode));
        CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode));

        struct cell_error err;
        CHECK(cell_remove_tree_at(AT_FDCWD, dir, &err) == 0);
}

static void test_copy_tree(void)
{
        _cleanup_free_ char *dir = make_root();
        _cleanup_free_ char *src = cell_path_join(dir, "etc");
        _cleanup_free_ char *dst = cell_path_join(dir, "copy");
        _cleanup_free_ char *data = cell_path_join(dir, "etc/data");
        struct cell_error err;
        CHECK(mkdir(dst, 0700) == 0 && mkdir(data, 0750) == 0);
        _cleanup_free_ char *f = cell_path_join(dir, "etc/data/f");
        _cleanup_close_ int wfd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
        CHECK(wfd >= 0 && cell_write_all(wfd, "content", 7) == 0);
        _cleanup_close_ int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(cell_path_copy_tree(sfd, dfd) == 0);
        _cleanup_free_ char *copied = NULL;
        _cleanup_free_ char *cf = cell_path_join(dir, "copy/data/f");
        CHECK(cell_read_file(cf, &copied, NULL, &err) == 0);
        CHECK_STR_EQ(copied, "content");
        struct stat sb;
        CHECK(stat(cf, &sb) == 0 && (sb.st_mode & 07777) == 0640);
        _cleanup_free_ char *cd = cell_path_join(dir, "copy/data");
        CHECK(stat(cd, &sb) == 0 && (sb.st_mode & 07777) == 0750);
        char target[64] = "";
        _cleanup_free_ char *cl = cell_path_join(dir, "copy/evil");
        CHECK(readlink(cl, target, sizeof(target) - 1) > 0);
        CHECK_STR_EQ(target, "/../../../../nowhere/deep");
        CHECK(cell_remove_tree_at(AT_FDCWD, dir, &err) == 0);
}

static void test_plan_proc(void)
{
        struct cell_mount m = mount_of("proc", "proc", "/proc", MS_NOSUID | MS_NOEXEC | MS_NODEV);
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) == 0);
        CHECK_INT_EQ(plan.n_ops, 1);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_MOUNT);
        CHECK_STR_EQ(plan.ops[0].type, "proc");
        CHECK_INT_EQ(plan.ops[0].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
        CHECK(!plan.bind);
}

/*
 * With a pid namespace joined by path, procfs is made for that namespace
 * (the init is not in it yet); other filesystems are mounted as usual.
 */
static void test_plan_proc_joined_pidns(void)
{
        struct cell_mount m = mount_of("proc", "proc", "/proc", MS_NOSUID | MS_NOEXEC | MS_NODEV);
        m.data = "hidepid=2,subset=pid";
        m.propagation = MS_PRIVATE;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, true, &plan, &err) == 0);
        CHECK_INT_EQ(plan.n_ops, 2);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_PROC_PIDNS);
        CHECK_STR_EQ(plan.ops[0].type, "proc");
        CHECK_STR_EQ(plan.ops[0].data, "hidepid=2,subset=pid");
        CHECK_INT_EQ(plan.ops[0].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_PROPAGATE);

        m = mount_of("tmpfs", "tmpfs", "/run", MS_NOSUID);
        CHECK(cell_mount_plan_build(&m, true, &plan, &err) == 0);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_MOUNT);
        m = mount_of("bind", "/proc", "/hostproc", MS_BIND);
        CHECK(cell_mount_plan_build(&m, true, &plan, &err) == 0);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_CLONE);
}

/* The pids a procfs mount `mnt` lists, as a count, and whether "1" is one. */
static int count_pids(int mnt, bool *has_init)
{
        int fd = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        int n = 0;
        *has_init = false;
        for (struct dirent *de; dir && (de = readdir(dir));) {
                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                n++;
                *has_init |= !strcmp(de->d_name, "1");
        }
        return n;
}

/* A pid namespace holding one sleeping process (its pid 1); returns that pid. */
static pid_t pid_ns_with_one_process(pid_t *outer)
{
        int p[2];
        if (pipe(p) < 0)
                abort();
        *outer = fork();
        if (*outer == 0) {
                if (unshare(CLONE_NEWPID) < 0)
                        _exit(1);
                pid_t inner = fork();
                if (inner == 0) {
                        pause();
                        _exit(0);
                }
                (void)cell_write_all(p[1], &inner, sizeof(inner));
                waitpid(inner, NULL, 0);
                _exit(0);
        }
        close(p[1]);
        pid_t inner = -1;
        if (read(p[0], &inner, sizeof(inner)) != sizeof(inner))
                abort();
        close(p[0]);
        return inner;
}

/*
 * procfs for a pid namespace we are not in lists that namespace's
 * processes, through procfs' "pidns" or through the helper (needs root).
 */
static void test_procfs_of_other_pid_ns(void)
{
        if (geteuid() != 0)
                return;
        pid_t outer, inner = pid_ns_with_one_process(&outer);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/pid", inner);
        _cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(nsfd >= 0);
        int (*const makers[])(int) = {cell_procfs_context, cell_procfs_context_by_helper};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(makers); i++) {
                _cleanup_close_ int fs = makers[i](nsfd);
                CHECK(fs >= 0);
                CHECK(fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0);
                _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
                CHECK(mnt >= 0);
                bool has_init;
                CHECK_INT_EQ(count_pids(mnt, &has_init), 1);
                CHECK(has_init);
        }
        kill(inner, SIGKILL);
        waitpid(outer, NULL, 0);
}

static void test_plan_tmpfs_data_and_propagation(void)
{
        struct cell_mount m = mount_of("tmpfs", NULL, "/run", MS_NOSUID);
        m.data = "mode=755,size=65536k";
        m.propagation = MS_SHARED | MS_REC;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) == 0);
        CHECK_INT_EQ(plan.n_ops, 2);
        CHECK_STR_EQ(plan.ops[0].source, "tmpfs"); /* no source: the type stands in */
        CHECK_STR_EQ(plan.ops[0].data, "mode=755,size=65536k");
        CHECK_INT_EQ(plan.ops[0].flags, MS_NOSUID); /* propagation never goes to mount(2) */
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_PROPAGATE);
        CHECK_INT_EQ(plan.ops[1].flags, MS_SHARED | MS_REC);
}

static void test_plan_tmpcopyup_readonly(void)
{
        struct cell_mount m = mount_of("tmpfs", "tmpfs", "/etc", MS_RDONLY | MS_NODEV);
        m.copy_up = true;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) == 0);
        CHECK(plan.copy_up);
        CHECK_INT_EQ(plan.n_ops, 3);
        /* writable while the old content is copied in, read-only afterwards */
        CHECK_INT_EQ(plan.ops[0].flags, MS_NODEV);
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_COPYUP);
        CHECK_INT_EQ(plan.ops[2].kind, CELL_MOP_SETATTR);
        CHECK_INT_EQ(plan.ops[2].attr_set, MOUNT_ATTR_RDONLY);
}

static void test_plan_bind(void)
{
        struct cell_mount m = mount_of("bind", "/src", "/dst", MS_BIND | MS_RDONLY | MS_NOSUID);
        m.clear_flags = MS_NOEXEC;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) == 0);
        CHECK(plan.bind && !plan.recursive_bind);
        CHECK_INT_EQ(plan.n_ops, 3);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_CLONE);
        CHECK_STR_EQ(plan.ops[0].source, "/src");
        CHECK(!plan.ops[0].recursive);
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_SETATTR);
        CHECK_INT_EQ(plan.ops[1].attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
        CHECK_INT_EQ(plan.ops[1].attr_clr, MOUNT_ATTR_NOEXEC);
        CHECK(!plan.ops[1].recursive); /* "ro" applies to the top mount, as in runc */
        CHECK_INT_EQ(plan.ops[2].kind, CELL_MOP_ATTACH);
}

static void test_plan_rbind_recursive_attrs(void)
{
        struct cell_mount m = mount_of(NULL, "/src", "/dst", MS_BIND | MS_REC);
        m.bind = true;
        m.recursive = true;
        m.attr_set = MOUNT_ATTR_RDONLY;
        m.propagation = MS_PRIVATE;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) == 0);
        CHECK(plan.recursive_bind);
        CHECK_INT_EQ(plan.n_ops, 4); /* clone, attach, recursive setattr, propagation */
        CHECK(plan.ops[0].recursive);
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_ATTACH);
        CHECK_INT_EQ(plan.ops[2].kind, CELL_MOP_SETATTR);
        CHECK(plan.ops[2].recursive);
        CHECK_INT_EQ(plan.ops[2].attr_set, MOUNT_ATTR_RDONLY);
        CHECK_INT_EQ(plan.ops[3].kind, CELL_MOP_PROPAGATE);
}

static void test_plan_cgroup_and_invalid(void)
{
        struct cell_mount m = mount_of("cgroup", "cgroup", "/sys/fs/cgroup", MS_RDONLY);
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) == 0);
        CHECK_INT_EQ(plan.n_ops, 1);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_CGROUP);

        m = mount_of(NULL, "x", "/x", 0);
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "type missing");
        m = mount_of("bind", NULL, "/x", 0);
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "without a source");
        m = mount_of("tmpfs", "tmpfs", "/x", 0);
        m.idmap = true;
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "need a bind mount");
}

/* An idmapped bind: clone, idmap ("ridmap": recursive), options, attach. */
static void test_plan_idmap(void)
{
        char *options[] = {"rbind", "ridmap", "ro"};
        struct cell_mount m = mount_of("bind", "/src", "/x", MS_RDONLY);
        m.recursive = true;
        m.idmap = true;
        m.options = options;
        m.n_options = 3;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) == 0);
        CHECK(plan.idmapped);
        CHECK_INT_EQ(plan.n_ops, 4);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_CLONE);
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_IDMAP);
        CHECK(plan.ops[1].recursive);
        CHECK_INT_EQ(plan.ops[2].kind, CELL_MOP_SETATTR);
        CHECK_INT_EQ(plan.ops[3].kind, CELL_MOP_ATTACH);
        m.n_options = 1; /* "idmap" through uidMappings alone: top mount only */
        m.idmap = false;
        struct cell_id_mapping map = {0, 1000, 1};
        m.uid_mappings = &map;
        m.n_uid_mappings = 1;
        CHECK(cell_mount_plan_build(&m, false, &plan, &err) == 0);
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_IDMAP);
        CHECK(!plan.ops[1].recursive);
}

/* The mapping: the mount's own (both needed), else the container's; validated. */
static void test_idmap_resolve(void)
{
        struct cell_mount m = mount_of("bind", "/src", "/x", 0);
        struct cell_linux lx = {0};
        struct cell_mount_idmap map;
        struct cell_error err;
        m.idmap = true;
        CHECK(cell_mount_idmap_resolve(&m, 2, &lx, &map, &err) < 0);
        CHECK_CONTAINS(err.msg, "mounts[2]");
        CHECK_CONTAINS(err.msg, "linux.uidMappings");

        struct cell_id_mapping ctr = {0, 100000, 65536};
        lx.uid_mappings = lx.gid_mappings = &ctr;
        lx.n_uid_mappings = lx.n_gid_mappings = 1;
        CHECK(cell_mount_idmap_resolve(&m, 2, &lx, &map, &err) == 0);
        CHECK(map.uid == &ctr && map.n_gid == 1);

        struct cell_id_mapping own = {0, 1000, 1};
        m.uid_mappings = &own;
        m.n_uid_mappings = 1;
        CHECK(cell_mount_idmap_resolve(&m, 2, &lx, &map, &err) < 0);
        CHECK_CONTAINS(err.msg, "mounts[2].gidMappings");
        m.gid_mappings = &own;
        m.n_gid_mappings = 1;
        CHECK(cell_mount_idmap_resolve(&m, 2, &lx, &map, &err) == 0);
        CHECK(map.uid == &own && map.gid == &own);

        struct cell_id_mapping zero = {0, 1000, 0}, wrap = {4294967000u, 0, 1000};
        m.uid_mappings = &zero;
        CHECK(cell_mount_idmap_resolve(&m, 2, &lx, &map, &err) < 0);
        CHECK_CONTAINS(err.msg, "mounts[2].uidMappings[0].size");
        m.uid_mappings = &wrap;
        CHECK(cell_mount_idmap_resolve(&m, 2, &lx, &map, &err) < 0);
        CHECK_CONTAINS(err.msg, "mounts[2].uidMappings[0]");
        CHECK_CONTAINS(err.msg, "exceeds");
}

static void test_flags_to_attr(void)
{
        uint64_t set, clr;
        cell_mount_flags_to_attr(MS_NOATIME | MS_NODEV, MS_RDONLY, &set, &clr);
        CHECK_INT_EQ(set, MOUNT_ATTR_NOATIME | MOUNT_ATTR_NODEV);
        CHECK_INT_EQ(clr, MOUNT_ATTR__ATIME | MOUNT_ATTR_RDONLY);
        cell_mount_flags_to_attr(MS_STRICTATIME, 0, &set, &clr);
        CHECK_INT_EQ(set, MOUNT_ATTR_STRICTATIME);
        CHECK_INT_EQ(clr, MOUNT_ATTR__ATIME);
        cell_mount_flags_to_attr(0, 0, &set, &clr);
        CHECK_INT_EQ(set, 0);
        CHECK_INT_EQ(clr, 0);
}

static void test_no_mount_namespace(void)
{
        struct cell_mount m = mount_of("proc", "proc", "/proc", 0);
        struct cell_spec spec = {0};
        spec.mounts = &m;
        spec.n_mounts = 1;
        struct cell_error err;
        /* Mounts go to the host's mount table: only with the runtime's journal. */
        CHECK(cell_rootfs_mount_all(&spec, "/nonexistent", NULL, -1, -1, NULL, &err) < 0);
        CHECK_CONTAINS(err.msg, "mounts[0] (/proc)");
        CHECK_CONTAINS(err.msg, "journal");
        /* Never over the rootfs itself there. */
        struct cell_mount root = mount_of("bind", "/src", "/.", 0);
        spec.mounts = &root;
        CHECK(cell_rootfs_mount_all(&spec, "/nonexistent", NULL, -1, -1, NULL, &err) < 0);
        CHECK_CONTAINS(err.msg, "mounts[0].destination \"/\"");
        CHECK_CONTAINS(err.msg, "linux.namespaces");

        spec.n_mounts = 0;
        CHECK(cell_rootfs_mount_all(&spec, "/nonexistent", NULL, -1, -1, NULL, &err) == 0);
        char *masked[] = {"/proc/kcore", NULL};
        spec.linux.masked_paths = masked;
        spec.linux.n_masked_paths = 1;
        CHECK(cell_rootfs_finalize(&spec, &err) < 0);
        CHECK_CONTAINS(err.msg, "linux.namespaces");
}

UNIT_MAIN(UNIT_TEST(test_path_clean), UNIT_TEST(test_path_prefix),
          UNIT_TEST(test_paths_stay_in_root), UNIT_TEST(test_copy_tree), UNIT_TEST(test_plan_proc),
          UNIT_TEST(test_plan_proc_joined_pidns), UNIT_TEST(test_procfs_of_other_pid_ns),
          UNIT_TEST(test_plan_tmpfs_data_and_propagation), UNIT_TEST(test_plan_tmpcopyup_readonly),
          UNIT_TEST(test_plan_bind), UNIT_TEST(test_plan_rbind_recursive_attrs),
          UNIT_TEST(test_plan_cgroup_and_invalid), UNIT_TEST(test_plan_idmap),
          UNIT_TEST(test_idmap_resolve), UNIT_TEST(test_flags_to_attr),
          UNIT_TEST(test_no_mount_namespace))
