/* SPDX-License-Identifier: Apache-2.0 */
/*
 * End-to-end test of src/sandbox/rootfs.c, as root: each scenario forks a
 * child that unshares its own mount/pid/net/ipc namespaces, builds a small
 * busybox rootfs in a temp dir, runs cell_rootfs_mount_all(), _pivot() and
 * _finalize() with a hand-built spec and then checks, from inside the new
 * root, what a container would see.  The parent checks that the host's
 * mount table and the host directory an image symlink points at are
 * untouched, and removes the temp dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/rootfs.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mount_api.h"
#include "util/xalloc.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

static char tmpdir[64];

/* ---- building the fixture --------------------------------------------- */

/* Fixture set-up cannot fail quietly. */
static void must(bool ok, const char *what, const char *path)
{
        if (ok)
                return;
        fprintf(stderr, "fixture: %s %s: %s\n", what, path, strerror(errno));
        abort();
}

static char *tpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *tpath(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *rel;
        must(vasprintf(&rel, fmt, ap) >= 0, "format", fmt);
        va_end(ap);
        char *p = xasprintf("%s/%s", tmpdir, rel);
        free(rel);
        return p;
}

static void write_file(const char *rel, const void *data, size_t len, mode_t mode)
{
        _cleanup_free_ char *path = tpath("%s", rel);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        must(fd >= 0 && cell_write_all(fd, data, len) == 0, "write", path);
}

static void copy_busybox(void)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        struct cell_error err;
        must(cell_read_file("/bin/busybox", &data, &len, &err) == 0, "read", "/bin/busybox");
        write_file("rootfs/bin/busybox", data, len, 0755);
        static const char *const applets[] = {"sh", "ls", "cat", "test", "mkdir", "touch"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(applets); i++) {
                _cleanup_free_ char *link = tpath("rootfs/bin/%s", applets[i]);
                must(symlink("busybox", link) == 0, "symlink", link);
        }
}

/*
 * rootfs/          busybox, /etc/evil -> /../../../../<tmpdir>/hostdir,
 *                  /etc/secret, /etc/secretdir/x, /opt/data/hello
 * hostdir/         what the evil symlink aims at on the host (must stay empty)
 * bindsrc/marker   a bind mount source;  hostfile  a file bind source
 */
static void build_fixture(void)
{
        strcpy(tmpdir, "/tmp/cell-rootfs-XXXXXX");
        must(mkdtemp(tmpdir) != NULL, "mkdtemp", tmpdir);
        static const char *const dirs[] = {
                "rootfs/bin", "rootfs/etc/secretdir", "rootfs/opt/data", "rootfs/proc",
                "rootfs/dev", "rootfs/sys",           "rootfs/tmp",      "hostdir",
                "bindsrc"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(dirs); i++) {
                _cleanup_free_ char *p = tpath("%s", dirs[i]);
                struct cell_error err;
                must(cell_mkdir_p(p, 0755, &err) == 0, "mkdir", p);
        }
        copy_busybox();
        _cleanup_free_ char *evil = tpath("rootfs/etc/evil");
        _cleanup_free_ char *target = xasprintf("/../../../..%s/hostdir", tmpdir);
        must(symlink(target, evil) == 0, "symlink", evil);
        static const char *const files[][2] = {
                {"rootfs/etc/secret", "top secret\n"},
                {"rootfs/etc/secretdir/x", "x\n"},
                {"rootfs/opt/data/hello", "hello from the image\n"},
                {"bindsrc/marker", "marker\n"},
                {"hostfile", "host file\n"},
        };
        for (size_t i = 0; i < CELL_ARRAY_SIZE(files); i++)
                write_file(files[i][0], files[i][1], strlen(files[i][1]), 0644);
}

static void remove_fixture(void)
{
        struct cell_error err;
        if (cell_remove_tree_at(AT_FDCWD, tmpdir, &err) < 0)
                fprintf(stderr, "cleanup: %s\n", err.msg);
}

/* ---- the spec --------------------------------------------------------- */

struct spec_builder {
        struct cell_spec spec;
        struct cell_mount mounts[24];
        char *masked[8], *readonly[8];
        struct cell_device devices[4];
};

static struct cell_mount *add_mount(struct spec_builder *b, const char *type, const char *source,
                                    const char *dest, unsigned long flags, const char *data)
{
        struct cell_mount *m = &b->mounts[b->spec.n_mounts++];
        memset(m, 0, sizeof(*m));
        m->type = (char *)type;
        m->source = (char *)source;
        m->destination = (char *)dest;
        m->flags = flags;
        m->data = (char *)data;
        m->bind = type && !strcmp(type, "bind");
        return m;
}

static void standard_mounts(struct spec_builder *b)
{
        add_mount(b, "proc", "proc", "/proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
        add_mount(b, "tmpfs", "tmpfs", "/dev", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
        add_mount(b, "devpts", "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620,gid=5");
        add_mount(b, "tmpfs", "shm", "/dev/shm", MS_NOSUID | MS_NOEXEC | MS_NODEV,
                  "mode=1777,size=65536k");
        add_mount(b, "mqueue", "mqueue", "/dev/mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
        add_mount(b, "sysfs", "sysfs", "/sys", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
        add_mount(b, "cgroup", "cgroup", "/sys/fs/cgroup",
                  MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY, NULL);
}

static void init_builder(struct spec_builder *b)
{
        memset(b, 0, sizeof(*b));
        b->spec.mounts = b->mounts;
        b->spec.linux.masked_paths = b->masked;
        b->spec.linux.readonly_paths = b->readonly;
        b->spec.linux.devices = b->devices;
        b->spec.linux.namespaces[CELL_NS_MOUNT].enabled = true;
        b->spec.linux.namespaces[CELL_NS_PID].enabled = true;
}

/* ---- running a scenario ---------------------------------------------- */

typedef void (*inside_fn)(void);

/* Runs in the container's mount namespace before cell_rootfs_mount_all(). */
static int (*prepare_hook)(void);

/* The runtime's cgroup plan handed to cell_rootfs_mount_all() (-1: it reads /proc). */
static const struct cell_cgroup_hierarchy *cgroup_layout;
static ssize_t n_cgroup_layout = -1;

static int run_in_container(struct cell_spec *spec, bool no_pivot, int unshare_flags,
                            inside_fn inside)
{
        _cleanup_free_ char *rootfs = tpath("rootfs");
        struct cell_error err;
        cell_error_clear(&err);
        if (unshare(unshare_flags) < 0) {
                perror("unshare");
                return 100;
        }
        /* Bind sources are relative to the bundle, i.e. the init's cwd. */
        if (chdir(tmpdir) < 0)
                return 100;
        if (prepare_hook && prepare_hook() < 0)
                return 100;
        if (cell_rootfs_mount_all(spec, rootfs, cgroup_layout, n_cgroup_layout, -1, NULL, &err) <
                    0 ||
            cell_rootfs_pivot(spec, rootfs, no_pivot, &err) < 0 ||
            cell_rootfs_finalize(spec, &err) < 0) {
                fprintf(stderr, "  rootfs: %s\n", err.msg);
                return 101;
        }
        unit_failures_in_test = 0;
        inside();
        return unit_failures_in_test;
}

/*
 * With CLONE_NEWUSER in `unshare_flags`, the outer child creates the user
 * namespace first (so that the pid, mount and network namespaces below are
 * owned by it, as in a real container) and we write an identity mapping:
 * still uid 0, but with every user-namespace restriction (no mknod, locked
 * mount flags, sysfs needs an owned netns).
 */
static void map_identity(pid_t pid)
{
        static const char *const files[][2] = {
                {"uid_map", "0 0 4294967295\n"},
                {"gid_map", "0 0 4294967295\n"},
        };
        for (size_t i = 0; i < CELL_ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, files[i][0]);
                struct cell_error err;
                if (cell_write_file(path, files[i][1], strlen(files[i][1]), &err) < 0)
                        fprintf(stderr, "  %s\n", err.msg);
        }
}

static int outer_child(struct cell_spec *spec, bool no_pivot, int unshare_flags, inside_fn inside,
                       int ready_fd, int go_fd)
{
        char c = 0;
        if (unshare_flags & CLONE_NEWUSER) {
                if (unshare(CLONE_NEWUSER) < 0 || write(ready_fd, &c, 1) != 1 ||
                    read(go_fd, &c, 1) != 1)
                        return 100;
        }
        if (unshare(CLONE_NEWPID) < 0)
                return 100;
        pid_t init = fork();
        if (init == 0)
                _exit(run_in_container(spec, no_pivot, unshare_flags & ~CLONE_NEWUSER, inside));
        int status;
        if (init < 0 || waitpid(init, &status, 0) < 0)
                return 100;
        fflush(NULL);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 102;
}

/* Forks twice (the second child is pid 1 of a new pid namespace). */
static int scenario(struct cell_spec *spec, bool no_pivot, int unshare_flags, inside_fn inside)
{
        int ready[2], go[2];
        if (pipe(ready) < 0 || pipe(go) < 0)
                abort();
        fflush(NULL);
        pid_t outer = fork();
        if (outer < 0)
                abort();
        if (outer == 0)
                _exit(outer_child(spec, no_pivot, unshare_flags, inside, ready[1], go[0]));
        char c = 0;
        if ((unshare_flags & CLONE_NEWUSER) && read(ready[0], &c, 1) == 1) {
                map_identity(outer);
                if (write(go[1], &c, 1) != 1)
                        abort();
        }
        for (int i = 0; i < 2; i++) {
                close(ready[i]);
                close(go[i]);
        }
        int status;
        if (waitpid(outer, &status, 0) < 0)
                abort();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 102;
}

/* ---- checks inside the container -------------------------------------- */

static bool is_fs(const char *path, unsigned long magic)
{
        struct statfs sfs;
        return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type == magic;
}

static bool read_only(const char *path)
{
        struct statvfs sv;
        return statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static char *read_text(const char *path)
{
        char *data = NULL;
        struct cell_error err;
        if (cell_read_file(path, &data, NULL, &err) < 0)
                return NULL;
        return data;
}

/*
 * The host's mounts are out of sight: "/" is the rootfs bind and every other
 * mount point is one the spec asked for.
 */
static void check_old_root_gone(void)
{
        static const char *const allowed[] = {"/proc", "/dev", "/sys", "/tmp",
                                              "/etc",  "/mnt", "/opt"};
        _cleanup_free_ char *info = read_text("/proc/self/mountinfo");
        CHECK(info != NULL);
        int roots = 0;
        char *save = NULL;
        for (char *line = info ? strtok_r(info, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                char root[4096], mountpoint[4096];
                CHECK(sscanf(line, "%*s %*s %*s %4095s %4095s", root, mountpoint) == 2);
                if (!strcmp(mountpoint, "/")) {
                        roots++;
                        size_t n = strlen(root);
                        CHECK(n >= 7 && !strcmp(root + n - 7, "/rootfs"));
                        continue;
                }
                bool ok = false;
                for (size_t i = 0; i < CELL_ARRAY_SIZE(allowed); i++)
                        ok |= !strncmp(mountpoint, allowed[i], strlen(allowed[i]));
                if (!ok)
                        fprintf(stderr, "  unexpected mount %s\n", mountpoint);
                CHECK(ok);
        }
        CHECK_INT_EQ(roots, 1);
}

static void check_symlink(const char *path, const char *target)
{
        char buf[256];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        CHECK(n > 0);
        buf[n > 0 ? n : 0] = '\0';
        CHECK_STR_EQ(buf, target);
}

static void check_dev(void)
{
        struct stat sb;
        CHECK(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode));
        CHECK_INT_EQ(major(sb.st_rdev), 1);
        CHECK_INT_EQ(minor(sb.st_rdev), 3);
        CHECK_INT_EQ(sb.st_mode & 07777, 0666);
        CHECK(stat("/dev/tty", &sb) == 0 && S_ISCHR(sb.st_mode) && major(sb.st_rdev) == 5);
        CHECK(stat("/dev/urandom", &sb) == 0 && minor(sb.st_rdev) == 9);
        int fd = open("/dev/zero", O_RDONLY);
        char c = 1;
        CHECK(fd >= 0 && read(fd, &c, 1) == 1 && c == 0);
        close(fd);
        check_symlink("/dev/ptmx", "pts/ptmx");
        check_symlink("/dev/fd", "/proc/self/fd");
        check_symlink("/dev/stderr", "/proc/self/fd/2");
        if (access("/proc/kcore", F_OK) == 0)
                check_symlink("/dev/core", "/proc/kcore");
        else
                CHECK(access("/dev/core", F_OK) < 0 && errno == ENOENT);
        CHECK(is_fs("/dev", TMPFS_MAGIC));
        CHECK(is_fs("/dev/pts", DEVPTS_SUPER_MAGIC));
        CHECK(is_fs("/dev/shm", TMPFS_MAGIC));
        CHECK(is_fs("/dev/mqueue", MQUEUE_MAGIC));
        /* linux.devices: mode and owner as asked. */
        CHECK(stat("/dev/custom", &sb) == 0 && S_ISCHR(sb.st_mode));
        CHECK_INT_EQ(sb.st_mode & 07777, 0600);
        CHECK_INT_EQ(sb.st_uid, 1000);
        CHECK_INT_EQ(sb.st_gid, 1001);
        CHECK_INT_EQ(minor(sb.st_rdev), 5);
        /* A pty from the container's own devpts instance. */
        fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
        CHECK(fd >= 0);
        close(fd);
}

static void check_masks(void)
{
        _cleanup_free_ char *secret = read_text("/etc/secret");
        CHECK_STR_EQ(secret, ""); /* /dev/null over the file */
        DIR *d = opendir("/etc/secretdir");
        CHECK(d != NULL);
        int entries = 0;
        for (struct dirent *de; d && (de = readdir(d));)
                entries += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
        if (d)
                closedir(d);
        CHECK_INT_EQ(entries, 0);
        CHECK(mkdir("/etc/secretdir/y", 0755) < 0 && errno == EROFS);
        _cleanup_free_ char *timers = read_text("/proc/timer_list");
        CHECK_STR_EQ(timers, "");
        /* readonlyPaths */
        int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
        CHECK(fd < 0 && errno == EROFS);
        CHECK(mkdir("/opt/data/new", 0755) < 0 && errno == EROFS);
        CHECK(mkdir("/opt/new", 0755) == 0); /* /opt itself (a tmpfs) stays writable */
        /* root.readonly */
        CHECK(mkdir("/newdir", 0755) < 0 && errno == EROFS);
        CHECK(read_only("/"));
}

static void check_mounts(void)
{
        struct stat sb;
        CHECK(stat("/proc/self/status", &sb) == 0);
        CHECK(is_fs("/proc", PROC_SUPER_MAGIC));
        CHECK_INT_EQ(getpid(), 1);
        CHECK(is_fs("/sys", SYSFS_MAGIC) && read_only("/sys"));
        CHECK(is_fs("/sys/fs/cgroup", TMPFS_MAGIC) && read_only("/sys/fs/cgroup"));
        CHECK(is_fs("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC));
        CHECK(access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0);
        CHECK(read_only("/sys/fs/cgroup/memory"));
        /* tmpfs data: mode and size */
        CHECK(stat("/tmp", &sb) == 0 && (sb.st_mode & 07777) == 01770);
        struct statvfs sv;
        CHECK(statvfs("/tmp", &sv) == 0 && sv.f_blocks * sv.f_frsize == 1024 * 1024);
        /* the evil symlink destination landed inside the rootfs */
        _cleanup_free_ char *marker = read_text("/etc/evil/marker");
        CHECK_STR_EQ(marker, "marker\n");
        /* ... at the symlink's target resolved inside the root (in the /tmp tmpfs) */
        _cleanup_free_ char *target = xasprintf("%s/hostdir/marker", tmpdir);
        CHECK(access(target, F_OK) == 0);
        /* read-only bind, file bind */
        CHECK(access("/mnt/ro/marker", F_OK) == 0);
        CHECK(mkdir("/mnt/ro/x", 0755) < 0 && errno == EROFS);
        _cleanup_free_ char *hostfile = read_text("/etc/hostfile");
        CHECK_STR_EQ(hostfile, "host file\n");
        /* tmpcopyup */
        CHECK(is_fs("/opt", TMPFS_MAGIC));
        _cleanup_free_ char *hello = read_text("/opt/data/hello");
        CHECK_STR_EQ(hello, "hello from the image\n");
        check_old_root_gone();
}

static void check_exec(void)
{
        pid_t pid = fork();
        if (pid == 0) {
                execl("/bin/sh", "sh", "-c",
                      "test -c /dev/null && test -L /dev/ptmx && ! touch /x 2>/dev/null && "
                      "cat /etc/hostfile >/dev/null",
                      (char *)NULL);
                _exit(127);
        }
        int status = -1; /* not an exit: the second CHECK fails too when waitpid did */
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void inside_full(void)
{
        check_mounts();
        check_dev();
        check_masks();
        check_exec();
}

/* ---- scenarios -------------------------------------------------------- */

/*
 * The host's mount table after a scenario.  Other tests may mount things
 * concurrently, so compare what this driver could disturb: the host's own
 * mounts ("/", /proc, /sys, /dev and below) keep their exact mountinfo line
 * (options and propagation), and no mount anywhere mentions our temp dir.
 */
static void check_host_unchanged(const char *before)
{
        static const char *const watched[] = {"/proc", "/sys", "/dev"};
        _cleanup_free_ char *after = read_text("/proc/self/mountinfo");
        _cleanup_free_ char *copy = xstrdup(before ? before : "");
        CHECK(before && after && !strstr(after, tmpdir));
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); after && line;
             line = strtok_r(NULL, "\n", &save)) {
                char mp[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                bool host = !strcmp(mp, "/");
                for (size_t i = 0; i < CELL_ARRAY_SIZE(watched); i++)
                        host |= !strncmp(mp, watched[i], strlen(watched[i]));
                if (host && !strstr(after, line))
                        fprintf(stderr, "  host mount changed: %s\n", line);
                CHECK(!host || strstr(after, line));
        }
}

static bool dir_is_empty(const char *path)
{
        DIR *d = opendir(path);
        if (!d)
                return false;
        int n = 0;
        for (struct dirent *de; (de = readdir(d));)
                n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
        closedir(d);
        return n == 0;
}

static void full_spec(struct spec_builder *b)
{
        init_builder(b);
        standard_mounts(b);
        b->spec.linux.namespaces[CELL_NS_NET].enabled = true;
        b->spec.linux.namespaces[CELL_NS_IPC].enabled = true;
        add_mount(b, "tmpfs", "tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "mode=1770,size=1m");
        add_mount(b, "bind", "bindsrc", "/etc/evil", 0, NULL);
        add_mount(b, "bind", "bindsrc", "/mnt/ro", MS_RDONLY, NULL);
        add_mount(b, "bind", "hostfile", "/etc/hostfile", MS_RDONLY | MS_NOSUID, NULL);
        add_mount(b, "tmpfs", "tmpfs", "/opt", MS_NOSUID, NULL)->copy_up = true;
        b->devices[0] = (struct cell_device){.path = "/dev/custom",
                                             .type = 'c',
                                             .major = 1,
                                             .minor = 5,
                                             .has_file_mode = true,
                                             .file_mode = 0600,
                                             .has_uid = true,
                                             .uid = 1000,
                                             .has_gid = true,
                                             .gid = 1001};
        b->spec.linux.n_devices = 1;
        char **masked = b->spec.linux.masked_paths, **ro = b->spec.linux.readonly_paths;
        masked[0] = "/etc/secret";
        masked[1] = "/etc/secretdir";
        masked[2] = "/proc/timer_list";
        masked[3] = "/does/not/exist";
        b->spec.linux.n_masked_paths = 4;
        ro[0] = "/proc/sys";
        ro[1] = "/opt/data";
        ro[2] = "/not/there";
        b->spec.linux.n_readonly_paths = 3;
        b->spec.root_readonly = true;
}

static void test_full_container(void)
{
        _cleanup_free_ char *before = read_text("/proc/self/mountinfo");
        static struct spec_builder b;
        full_spec(&b);
        int rc = scenario(&b.spec, false, CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC, inside_full);
        CHECK_INT_EQ(rc, 0);
        check_host_unchanged(before);
        _cleanup_free_ char *hostdir = tpath("hostdir");
        CHECK(dir_is_empty(hostdir));
}

static void inside_no_netns(void)
{
        /* no network namespace: sysfs falls back to a read-only rbind of /sys */
        CHECK(is_fs("/sys", SYSFS_MAGIC));
        CHECK(read_only("/sys"));
        CHECK(is_fs("/proc", PROC_SUPER_MAGIC));
        struct stat sb;
        CHECK(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode));
        check_old_root_gone();
}

static void test_no_pivot_no_netns(void)
{
        _cleanup_free_ char *before = read_text("/proc/self/mountinfo");
        static struct spec_builder b;
        init_builder(&b);
        standard_mounts(&b);
        int rc = scenario(&b.spec, true, CLONE_NEWNS, inside_no_netns);
        CHECK_INT_EQ(rc, 0);
        check_host_unchanged(before);
}

static void inside_default_spec(void)
{
        CHECK(is_fs("/proc", PROC_SUPER_MAGIC));
        CHECK_INT_EQ(getpid(), 1);
        struct stat sb;
        CHECK(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(1, 3));
        check_symlink("/dev/ptmx", "pts/ptmx");
        CHECK(is_fs("/sys", SYSFS_MAGIC) && read_only("/sys"));
        CHECK(is_fs("/sys/fs/cgroup", TMPFS_MAGIC) && read_only("/sys/fs/cgroup"));
        CHECK(is_fs("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC) &&
              read_only("/sys/fs/cgroup/memory"));
        CHECK(is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC));
        /* masked: /proc/keys (a file) reads empty, /sys/firmware (a dir) is an empty tmpfs */
        _cleanup_free_ char *keys = read_text("/proc/keys");
        CHECK_STR_EQ(keys, "");
        CHECK(is_fs("/sys/firmware", TMPFS_MAGIC) && read_only("/sys/firmware"));
        /* readonly: /proc/sys, /proc/sysrq-trigger */
        int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
        CHECK(fd < 0 && errno == EROFS);
        if (access("/proc/sysrq-trigger", F_OK) == 0) { /* CONFIG_MAGIC_SYSRQ */
                fd = open("/proc/sysrq-trigger", O_WRONLY);
                CHECK(fd < 0 && errno == EROFS);
        }
        /* root.readonly is true in the default spec */
        CHECK(mkdir("/newdir", 0755) < 0 && errno == EROFS);
        CHECK(is_fs("/dev/shm", TMPFS_MAGIC) && is_fs("/dev/mqueue", MQUEUE_MAGIC));
        check_old_root_gone();
        check_exec();
}

static struct cell_spec *parse_default_spec(bool rootless)
{
        _cleanup_free_ char *json = cell_spec_default_json(rootless, false);
        struct cell_spec *spec = NULL;
        struct cell_error err;
        if (cell_spec_parse(json, strlen(json), &spec, &err) < 0) {
                fprintf(stderr, "  default spec: %s\n", err.msg);
                return NULL;
        }
        return spec;
}

/* The spec `cell spec` writes, through the real parser. */
static void test_default_spec(void)
{
        _cleanup_free_ char *before = read_text("/proc/self/mountinfo");
        struct cell_spec *spec = parse_default_spec(false);
        CHECK(spec != NULL);
        if (!spec)
                return;
        int rc =
                scenario(spec, false,
                         CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP,
                         inside_default_spec);
        CHECK_INT_EQ(rc, 0);
        check_host_unchanged(before);
        cell_spec_free(spec);
}

static void inside_userns(void)
{
        struct stat sb;
        /* no mknod in a user namespace: the host's node is bound instead */
        CHECK(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(1, 3));
        CHECK(stat("/dev/fuse", &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(10, 229));
        int fd = open("/dev/null", O_WRONLY);
        CHECK(fd >= 0 && write(fd, "x", 1) == 1);
        close(fd);
        check_symlink("/dev/ptmx", "pts/ptmx");
        CHECK(is_fs("/proc", PROC_SUPER_MAGIC));
        CHECK(is_fs("/sys", SYSFS_MAGIC) && read_only("/sys"));
        CHECK(is_fs("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC) &&
              read_only("/sys/fs/cgroup/memory"));
        _cleanup_free_ char *keys = read_text("/proc/keys");
        CHECK_STR_EQ(keys, "");
        fd = open("/proc/sys/kernel/hostname", O_WRONLY);
        CHECK(fd < 0 && errno == EROFS);
        CHECK(mkdir("/newdir", 0755) < 0 && errno == EROFS);
        /* a read-only bind of a host dir whose flags the user namespace locks */
        CHECK(access("/mnt/ro/marker", F_OK) == 0);
        CHECK(mkdir("/mnt/ro/x", 0755) < 0 && errno == EROFS);
        check_old_root_gone();
        check_exec();
}

/* `cell spec --rootless`: user namespace, no network namespace, /sys rbound. */
static void test_rootless_spec_in_userns(void)
{
        _cleanup_free_ char *before = read_text("/proc/self/mountinfo");
        struct cell_spec *spec = parse_default_spec(true);
        CHECK(spec != NULL);
        if (!spec)
                return;
        /* The parsed arrays are ours to extend for the test. */
        spec->mounts = xreallocarray(spec->mounts, spec->n_mounts + 1, sizeof(*spec->mounts));
        struct cell_mount *m = &spec->mounts[spec->n_mounts++];
        memset(m, 0, sizeof(*m));
        m->destination = xstrdup("/mnt/ro");
        m->source = xstrdup("bindsrc");
        m->type = xstrdup("bind");
        m->bind = true;
        m->flags = MS_RDONLY;
        spec->linux.devices = xcalloc(1, sizeof(*spec->linux.devices));
        spec->linux.devices[0] = (struct cell_device){
                .path = xstrdup("/dev/fuse"), .type = 'c', .major = 10, .minor = 229};
        spec->linux.n_devices = 1;
        int rc = scenario(spec, false, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS,
                          inside_userns);
        CHECK_INT_EQ(rc, 0);
        check_host_unchanged(before);
        cell_spec_free(spec);
}

/* A submount in a bind source, made in the private namespace only. */
static int mount_submount(void)
{
        if (mkdir("bindsrc/sub", 0755) < 0 && errno != EEXIST)
                return -1;
        return mount("tmpfs", "bindsrc/sub", "tmpfs", 0, "size=64k");
}

static bool has_shared_tag(const char *mountpoint)
{
        _cleanup_free_ char *info = read_text("/proc/self/mountinfo");
        char *save = NULL;
        for (char *line = info ? strtok_r(info, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                char mp[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && !strcmp(mp, mountpoint))
                        return strstr(line, " shared:") != NULL;
        }
        return false;
}

static void inside_recursive(void)
{
        /* "rbind,ro": only the top mount is read-only, as in runc */
        CHECK(mkdir("/mnt/ro/x", 0755) < 0 && errno == EROFS);
        CHECK(mkdir("/mnt/ro/sub/x", 0755) == 0);
        /* "rbind,rro": recursively read-only (mount_setattr AT_RECURSIVE) */
        CHECK(mkdir("/mnt/rro/x", 0755) < 0 && errno == EROFS);
        CHECK(mkdir("/mnt/rro/sub/y", 0755) < 0 && errno == EROFS); /* same tmpfs as ro/sub */
        /* "bind" (not recursive): the submount is not carried along */
        CHECK(access("/mnt/plain/sub", F_OK) == 0 && !is_fs("/mnt/plain/sub", TMPFS_MAGIC));
        /* per-mount propagation, and rootfsPropagation "rshared" on the new / */
        CHECK(has_shared_tag("/mnt/shared"));
        CHECK(!has_shared_tag("/mnt/ro"));
        CHECK(has_shared_tag("/"));
        /* tmpcopyup onto a read-only tmpfs: content copied, then read-only */
        _cleanup_free_ char *hello = read_text("/opt/data/hello");
        CHECK_STR_EQ(hello, "hello from the image\n");
        CHECK(is_fs("/opt", TMPFS_MAGIC) && read_only("/opt"));
        check_old_root_gone();
}

static void test_recursive_and_propagation(void)
{
        _cleanup_free_ char *before = read_text("/proc/self/mountinfo");
        static struct spec_builder b;
        init_builder(&b);
        add_mount(&b, "proc", "proc", "/proc", 0, NULL);
        struct cell_mount *m = add_mount(&b, "bind", "bindsrc", "/mnt/ro", MS_RDONLY, NULL);
        m->recursive = true;
        m = add_mount(&b, "bind", "bindsrc", "/mnt/rro", 0, NULL);
        m->recursive = true;
        m->attr_set = MOUNT_ATTR_RDONLY;
        add_mount(&b, "bind", "bindsrc", "/mnt/plain", 0, NULL);
        m = add_mount(&b, "bind", "bindsrc", "/mnt/shared", 0, NULL);
        m->propagation = MS_SHARED;
        add_mount(&b, "tmpfs", "tmpfs", "/opt", MS_RDONLY, "mode=755")->copy_up = true;
        b.spec.linux.rootfs_propagation = MS_SHARED;
        prepare_hook = mount_submount;
        int rc = scenario(&b.spec, false, CLONE_NEWNS, inside_recursive);
        prepare_hook = NULL;
        CHECK_INT_EQ(rc, 0);
        check_host_unchanged(before);
        _cleanup_free_ char *sub = tpath("bindsrc/sub");
        CHECK(dir_is_empty(sub)); /* the tmpfs lived in the private namespace only */
}

static void inside_v2_only(void)
{
        /* the one hierarchy is /sys/fs/cgroup itself, read-only */
        CHECK(is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC) && read_only("/sys/fs/cgroup"));
        CHECK(access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0);
        CHECK(access("/sys/fs/cgroup/memory", F_OK) < 0 && errno == ENOENT);
}

/*
 * A cgroup2-only host, as the runtime's plan describes it (this host's
 * cgroup2 tree stands in): the tree is mounted on /sys/fs/cgroup itself,
 * bound without a cgroup namespace and mounted afresh with one.
 */
static void test_cgroup_v2_only_host(void)
{
        struct cell_cgroup_hierarchy v2_only = {
                .mount_point = "/sys/fs/cgroup", .controllers = "", .v2 = true};
        if (is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC))
                v2_only.dir = "/sys/fs/cgroup/unified"; /* hybrid */
        else if (is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC))
                v2_only.dir = "/sys/fs/cgroup"; /* unified */
        CHECK(v2_only.dir != NULL);             /* every host this runs on has a cgroup2 tree */
        if (!v2_only.dir)
                return;
        cgroup_layout = &v2_only;
        n_cgroup_layout = 1;
        for (int cgroupns = 0; cgroupns < 2; cgroupns++) {
                static struct spec_builder b;
                init_builder(&b);
                standard_mounts(&b);
                b.spec.linux.namespaces[CELL_NS_CGROUP].enabled = cgroupns;
                int rc = scenario(&b.spec, false,
                                  CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
                                          (cgroupns ? CLONE_NEWCGROUP : 0),
                                  inside_v2_only);
                CHECK_INT_EQ(rc, 0);
        }
        cgroup_layout = NULL;
        n_cgroup_layout = -1;
}

static int mount_all_error(struct cell_spec *spec, struct cell_error *err)
{
        int pipefd[2];
        if (pipe(pipefd) < 0)
                abort();
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                close(pipefd[0]);
                _cleanup_free_ char *rootfs = tpath("rootfs");
                if (chdir(tmpdir) < 0 || unshare(CLONE_NEWNS) < 0)
                        _exit(100);
                int r = cell_rootfs_mount_all(spec, rootfs, NULL, -1, -1, NULL, err);
                if (cell_write_all(pipefd[1], err->msg, strlen(err->msg) + 1) < 0)
                        _exit(100);
                _exit(r < 0 ? 1 : 0);
        }
        close(pipefd[1]);
        ssize_t n = cell_read_all(pipefd[0], err->msg, sizeof(err->msg) - 1);
        err->msg[n > 0 ? n : 0] = '\0';
        close(pipefd[0]);
        int status;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void test_errors_name_the_mount(void)
{
        static struct spec_builder b;
        struct cell_error err;

        init_builder(&b);
        add_mount(&b, "proc", "proc", "/proc", 0, NULL);
        add_mount(&b, "tmpfs", "tmpfs", "/etc/../..", 0, NULL);
        CHECK(mount_all_error(&b.spec, &err) < 0);
        CHECK_CONTAINS(err.msg, "mounts[1].destination \"/etc/../..\"");

        init_builder(&b);
        add_mount(&b, "bind", "/nonexistent-source", "/mnt/x", 0, NULL);
        CHECK(mount_all_error(&b.spec, &err) < 0);
        CHECK_CONTAINS(err.msg, "\"/nonexistent-source\"");
        CHECK_CONTAINS(err.msg, "(mounts[0])");
        CHECK_CONTAINS(err.msg, "No such file or directory");

        init_builder(&b);
        add_mount(&b, "nosuchfs", "none", "/mnt/y", 0, NULL);
        CHECK(mount_all_error(&b.spec, &err) < 0);
        CHECK_CONTAINS(err.msg, "mount \"nosuchfs\" on /mnt/y (mounts[0]): No such device");

        init_builder(&b);
        add_mount(&b, "proc", "proc", "/proc", 0, NULL);
        add_mount(&b, "bind", "bindsrc", "/proc/sys", 0, NULL);
        CHECK(mount_all_error(&b.spec, &err) < 0);
        CHECK_CONTAINS(err.msg, "mounts[1].destination \"/proc/sys\"");
}

static void test_setup(void)
{
        CHECK_INT_EQ(geteuid(), 0); /* this driver needs root */
        build_fixture();
}

static void test_teardown(void)
{
        remove_fixture();
        CHECK(access(tmpdir, F_OK) < 0);
}

UNIT_MAIN(UNIT_TEST(test_setup), UNIT_TEST(test_full_container), UNIT_TEST(test_no_pivot_no_netns),
          UNIT_TEST(test_default_spec), UNIT_TEST(test_rootless_spec_in_userns),
          UNIT_TEST(test_recursive_and_propagation), UNIT_TEST(test_cgroup_v2_only_host),
          UNIT_TEST(test_errors_name_the_mount), UNIT_TEST(test_teardown))
