/* SPDX-License-Identifier: Apache-2.0 */
/*
 * floor: the kernel work that `runc spec`'s default config asks of any
 * runtime, and nothing else — the floor under every runtime's start-up on a
 * given host.  bench/startup.py times it beside cell, crun and runc.
 *
 *   floor ROOTFS
 *
 * runs /bin/true in ROOTFS the way that config says: new mount, uts, ipc,
 * pid and network namespaces; the rootfs bind-mounted and made the root with
 * pivot_root; /proc, /dev (tmpfs, devpts, shm, mqueue, the default device
 * nodes and links), /sys and a read-only /sys/fs/cgroup holding every host
 * hierarchy; hostname; masked and read-only paths; a read-only root; the
 * nofile rlimit; the capability sets cut to the config's three; no new
 * privileges.  It keeps no state, reads no config, creates no cgroup,
 * validates nothing and protects nothing (no CVE-2019-5736 defence): it is
 * not a runtime, only the measure of what one cannot avoid.  Exits with the
 * container's status; any failing step exits 125 naming it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
        fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
        _exit(125);
}

static void must(int r, const char *what)
{
        if (r < 0)
                die(what);
}

/* Bind every host cgroup hierarchy under /sys/fs/cgroup, read-only, into the
 * tmpfs at `dir` (relative to the rootfs, the current directory). */
static void cgroup_hierarchies(const char *dir)
{
        FILE *f = fopen("/proc/self/mountinfo", "r");
        if (!f)
                die("open /proc/self/mountinfo");
        char line[4096];
        while (fgets(line, sizeof(line), f)) {
                char point[1024], type[64];
                const char *dash = strstr(line, " - ");
                if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s", point) != 1 ||
                    sscanf(dash + 3, "%63s", type) != 1)
                        continue;
                if (strncmp(type, "cgroup", 6) != 0 || strncmp(point, "/sys/fs/cgroup/", 15) != 0)
                        continue;
                char target[2048];
                snprintf(target, sizeof(target), "%s/%s", dir, point + 15);
                must(mkdir(target, 0755), "mkdir cgroup dir");
                must(mount(point, target, NULL, MS_BIND | MS_REC, NULL), "bind cgroup");
                must(mount(NULL, target, NULL,
                           MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                           NULL),
                     "remount cgroup read-only");
        }
        fclose(f);
        must(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "mode=755"),
             "remount /sys/fs/cgroup read-only");
}

static void rootfs(const char *path)
{
        must(mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL), "make / rslave");
        must(mount(path, path, NULL, MS_BIND | MS_REC, NULL), "bind rootfs");
        must(chdir(path), "chdir rootfs");
        must(mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL), "proc");
        must(mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"),
             "dev");
        must(mkdir("dev/pts", 0755), "mkdir dev/pts");
        must(mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                   "newinstance,ptmxmode=0666,mode=0620,gid=5"),
             "devpts");
        must(mkdir("dev/shm", 0755), "mkdir dev/shm");
        must(mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
                   "mode=1777,size=65536k"),
             "shm");
        must(mkdir("dev/mqueue", 0755), "mkdir dev/mqueue");
        must(mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL),
             "mqueue");
        must(mount("sysfs", "sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL),
             "sysfs");
        must(mount("tmpfs", "sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"),
             "cgroup tmpfs");
        cgroup_hierarchies("sys/fs/cgroup");
        static const struct {
                const char *name;
                unsigned major, minor;
        } devs[] = {{"dev/null", 1, 3},   {"dev/zero", 1, 5},    {"dev/full", 1, 7},
                    {"dev/random", 1, 8}, {"dev/urandom", 1, 9}, {"dev/tty", 5, 0}};
        for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
                must(mknod(devs[i].name, S_IFCHR | 0666, makedev(devs[i].major, devs[i].minor)),
                     "mknod");
        static const char *const links[][2] = {{"/proc/self/fd", "dev/fd"},
                                               {"/proc/self/fd/0", "dev/stdin"},
                                               {"/proc/self/fd/1", "dev/stdout"},
                                               {"/proc/self/fd/2", "dev/stderr"},
                                               {"pts/ptmx", "dev/ptmx"}};
        for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
                must(symlink(links[i][0], links[i][1]), "symlink");
        must((int)syscall(SYS_pivot_root, ".", "."), "pivot_root");
        must(umount2(".", MNT_DETACH), "detach the old root");
        must(chdir("/"), "chdir /");
}

static void paths(void)
{
        static const char *const masked[] = {
                "/proc/acpi",          "/proc/asound",     "/proc/kcore",       "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                "/sys/firmware",       "/proc/scsi"};
        for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
                struct stat st;
                if (stat(masked[i], &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode))
                        must(mount("tmpfs", masked[i], "tmpfs", MS_RDONLY, NULL), "mask dir");
                else
                        must(mount("/dev/null", masked[i], NULL, MS_BIND, NULL), "mask file");
        }
        static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                               "/proc/sysrq-trigger"};
        for (size_t i = 0; i < sizeof(readonly) / sizeof(readonly[0]); i++) {
                if (mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
                        if (errno == ENOENT)
                                continue;
                        die("bind read-only path");
                }
                must(mount(NULL, readonly[i], NULL,
                           MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                           NULL),
                     "remount read-only path");
        }
        must(mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL), "read-only root");
}

static void process(void)
{
        struct rlimit nofile = {1024, 1024};
        must(setrlimit(RLIMIT_NOFILE, &nofile), "rlimit nofile");
        const uint64_t keep =
                (1ULL << CAP_AUDIT_WRITE) | (1ULL << CAP_KILL) | (1ULL << CAP_NET_BIND_SERVICE);
        for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
                if (!(keep & (1ULL << cap)))
                        must(prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop bounding cap");
        struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct data[2] = {{(uint32_t)keep, (uint32_t)keep, (uint32_t)keep},
                                                 {0, 0, 0}};
        must((int)syscall(SYS_capset, &hdr, data), "capset");
        must(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs");
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: floor ROOTFS\n");
                return 2;
        }
        struct clone_args args = {.flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                                           CLONE_NEWPID | CLONE_NEWNET,
                                  .exit_signal = SIGCHLD};
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0)
                die("clone3");
        if (pid == 0) {
                rootfs(argv[1]);
                must(sethostname("runc", 4), "sethostname");
                paths();
                process();
                char *const true_argv[] = {"/bin/true", NULL};
                char *const env[] = {
                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        "TERM=xterm", NULL};
                execve("/bin/true", true_argv, env);
                die("execve /bin/true");
        }
        int status;
        while (waitpid((pid_t)pid, &status, 0) < 0)
                if (errno != EINTR)
                        die("waitpid");
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
