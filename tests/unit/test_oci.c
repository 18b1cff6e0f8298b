/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/oci/: config.json parsing, validation messages (each
 * naming the JSON path), mount option translation, name tables and the
 * default spec.  Documents are written with single quotes for readability
 * and turned into JSON by json_of().
 */
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include "oci/spec.h"
#include "unit.h"
#include "util/mount_api.h"

#define BASE "'ociVersion':'1.0.2','root':{'path':'rootfs'}"
#define PROC "'process':{'cwd':'/','args':['sh']}"

/* Returns a static copy of `text` with ' turned into ". */
static const char *json_of(const char *text)
{
        static char buf[16384];
        size_t i = 0;
        for (; text[i] && i + 1 < sizeof(buf); i++)
                buf[i] = text[i] == '\'' ? '"' : text[i];
        buf[i] = '\0';
        return buf;
}

static struct cell_spec *parse_ok(const char *text)
{
        struct cell_error err = {0};
        struct cell_spec *spec = NULL;
        const char *json = json_of(text);
        if (cell_spec_parse(json, strlen(json), &spec, &err) < 0) {
                fprintf(stderr, "  unexpected error: %s\n", err.msg);
                return NULL;
        }
        return spec;
}

/* Parsing must fail with a message "<path>: ...<text>...". */
static void expect_error_at(const char *text, const char *path, const char *what, int line)
{
        struct cell_error err = {0};
        struct cell_spec *spec = NULL;
        const char *json = json_of(text);
        char prefix[256];
        snprintf(prefix, sizeof(prefix), "%s: ", path);
        if (cell_spec_parse(json, strlen(json), &spec, &err) == 0) {
                fprintf(stderr, "  line %d: parse succeeded, expected \"%s%s\"\n", line, prefix,
                        what);
                unit_failures_in_test++;
                cell_spec_free(spec);
                return;
        }
        if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || !strstr(err.msg, what)) {
                fprintf(stderr, "  line %d: got \"%s\", expected \"%s...%s\"\n", line, err.msg,
                        prefix, what);
                unit_failures_in_test++;
        }
}
#define expect_error(text, path, what) expect_error_at(text, path, what, __LINE__)

#define CAP(n) (UINT64_C(1) << (n))

static void test_minimal(void)
{
        struct cell_spec *s = parse_ok("{" BASE "}");
        CHECK(s != NULL);
        if (!s)
                return;
        CHECK_STR_EQ(s->oci_version, "1.0.2");
        CHECK_STR_EQ(s->root_path, "rootfs");
        CHECK(!s->root_readonly);
        CHECK(!s->has_process);
        CHECK(s->hostname == NULL);
        CHECK_INT_EQ(s->n_mounts, 0);
        CHECK_INT_EQ(s->n_annotations, 0);
        for (int i = 0; i < CELL_NS__COUNT; i++)
                CHECK(!s->linux.namespaces[i].enabled);
        CHECK(!s->linux.resources.present);
        CHECK(!s->linux.seccomp.present);
        cell_spec_free(s);
}

static void test_minimal_process(void)
{
        struct cell_spec *s = parse_ok("{" BASE "," PROC ",'unknownField':{'x':1}}");
        CHECK(s != NULL);
        if (!s)
                return;
        struct cell_process *p = &s->process;
        CHECK(s->has_process);
        CHECK(!p->terminal);
        CHECK_INT_EQ(p->n_args, 1);
        CHECK_STR_EQ(p->args[0], "sh");
        CHECK(p->args[1] == NULL);
        CHECK_STR_EQ(p->cwd, "/");
        CHECK_INT_EQ(p->uid, 0);
        CHECK_INT_EQ(p->gid, 0);
        CHECK_INT_EQ(p->n_env, 0);
        CHECK(!p->caps.present);
        CHECK(!p->has_umask);
        CHECK(!p->has_oom_score_adj);
        CHECK(!p->io_priority.present);
        CHECK(!p->scheduler.present);
        cell_spec_free(s);
}

static void test_null_is_absent(void)
{
        struct cell_spec *s = parse_ok("{" BASE ",'hostname':null,'mounts':null,'linux':null}");
        CHECK(s != NULL);
        if (s)
                CHECK(s->hostname == NULL);
        cell_spec_free(s);
}

static void test_versions(void)
{
        static const char *const good[] = {"1.0.0", "1.0.2-dev", "1.2.0", "1.1.0-rc.1", "1.3"};
        static const char *const bad[] = {"2.0.0", "0.9.0", "", "1", "1.x.0", "10.0.0"};
        char doc[256];
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                snprintf(doc, sizeof(doc), "{'ociVersion':'%s','root':{'path':'r'}}", good[i]);
                struct cell_spec *s = parse_ok(doc);
                CHECK(s != NULL);
                cell_spec_free(s);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                snprintf(doc, sizeof(doc), "{'ociVersion':'%s','root':{'path':'r'}}", bad[i]);
                expect_error(doc, "ociVersion", "unsupported version");
        }
        expect_error("{'root':{'path':'r'}}", "ociVersion", "required");
        expect_error("{'ociVersion':1,'root':{'path':'r'}}", "ociVersion", "must be a string");
}

static void check_default_common(const struct cell_spec *s)
{
        const struct cell_process *p = &s->process;
        uint64_t caps = CAP(29) | CAP(5) | CAP(10); /* AUDIT_WRITE, KILL, NET_BIND_SERVICE */
        CHECK(s->has_process);
        CHECK(p->terminal);
        CHECK_STR_EQ(p->args[0], "sh");
        CHECK_INT_EQ(p->n_env, 2);
        CHECK_STR_EQ(p->env[1], "TERM=xterm");
        CHECK_STR_EQ(p->cwd, "/");
        CHECK(p->caps.present);
        CHECK_INT_EQ(p->caps.bounding, caps);
        CHECK_INT_EQ(p->caps.effective, caps);
        CHECK_INT_EQ(p->caps.permitted, caps);
        CHECK_INT_EQ(p->caps.inheritable, 0);
        CHECK_INT_EQ(p->caps.ambient, 0);
        CHECK_INT_EQ(p->n_rlimits, 1);
        CHECK_INT_EQ(p->rlimits[0].resource, RLIMIT_NOFILE);
        CHECK_INT_EQ(p->rlimits[0].soft, 1024);
        CHECK_INT_EQ(p->rlimits[0].hard, 1024);
        CHECK(p->no_new_privileges);
        CHECK_STR_EQ(s->root_path, "rootfs");
        CHECK(s->root_readonly);
        CHECK_STR_EQ(s->hostname, "cell");
        CHECK_INT_EQ(s->n_mounts, 7);
        CHECK_STR_EQ(s->mounts[0].destination, "/proc");
        CHECK_STR_EQ(s->mounts[1].destination, "/dev");
        CHECK_INT_EQ(s->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
        CHECK_STR_EQ(s->mounts[1].data, "mode=755,size=65536k");
        CHECK_STR_EQ(s->mounts[6].destination, "/sys/fs/cgroup");
        CHECK_INT_EQ(s->mounts[6].flags,
                     MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
        CHECK_INT_EQ(s->linux.n_masked_paths, 10);
        CHECK_INT_EQ(s->linux.n_readonly_paths, 5);
        CHECK_STR_EQ(s->linux.readonly_paths[4], "/proc/sysrq-trigger");
        for (int t = 0; t < CELL_NS__COUNT; t++)
                CHECK(s->linux.namespaces[t].path == NULL);
        CHECK(s->linux.namespaces[CELL_NS_PID].enabled);
        CHECK(s->linux.namespaces[CELL_NS_MOUNT].enabled);
        CHECK(s->linux.namespaces[CELL_NS_UTS].enabled);
        CHECK(s->linux.namespaces[CELL_NS_IPC].enabled);
        CHECK(!s->linux.namespaces[CELL_NS_TIME].enabled);
}

static void test_default_spec_roundtrip(void)
{
        char *json = cell_spec_default_json(false, false);
        struct cell_error err = {0};
        struct cell_spec *s = NULL;
        CHECK(strstr(json, "\n  \"ociVersion\": \"1.3.0\"") != NULL);
        CHECK(cell_spec_parse(json, strlen(json), &s, &err) == 0);
        free(json);
        if (!s) {
                fprintf(stderr, "  %s\n", err.msg);
                unit_failures_in_test++;
                return;
        }
        check_default_common(s);
        CHECK(s->linux.namespaces[CELL_NS_NET].enabled);
        CHECK(!s->linux.namespaces[CELL_NS_USER].enabled);
        CHECK(!s->linux.namespaces[CELL_NS_CGROUP].enabled);
        CHECK_INT_EQ(s->linux.n_uid_mappings, 0);
        CHECK_STR_EQ(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        CHECK_STR_EQ(s->mounts[5].type, "sysfs");
        CHECK(!s->mounts[5].bind);
        CHECK(s->linux.resources.present);
        CHECK_INT_EQ(s->linux.resources.n_devices, 1);
        CHECK(!s->linux.resources.devices[0].allow);
        CHECK_INT_EQ(s->linux.resources.devices[0].type, 'a');
        CHECK_INT_EQ(s->linux.resources.devices[0].major, -1);
        CHECK_STR_EQ(s->linux.resources.devices[0].access, "rwm");
        cell_spec_free(s);
}

static void test_default_spec_rootless(void)
{
        char *json = cell_spec_default_json(true, true);
        struct cell_error err = {0};
        struct cell_spec *s = NULL;
        CHECK(cell_spec_parse(json, strlen(json), &s, &err) == 0);
        free(json);
        if (!s) {
                fprintf(stderr, "  %s\n", err.msg);
                unit_failures_in_test++;
                return;
        }
        check_default_common(s);
        CHECK(!s->linux.namespaces[CELL_NS_NET].enabled);
        CHECK(s->linux.namespaces[CELL_NS_USER].enabled);
        CHECK(s->linux.namespaces[CELL_NS_CGROUP].enabled); /* asked for: a v2 host */
        CHECK_INT_EQ(s->linux.n_uid_mappings, 1);
        CHECK_INT_EQ(s->linux.uid_mappings[0].container_id, 0);
        CHECK_INT_EQ(s->linux.uid_mappings[0].host_id, geteuid());
        CHECK_INT_EQ(s->linux.uid_mappings[0].size, 1);
        CHECK_INT_EQ(s->linux.n_gid_mappings, 1);
        CHECK_INT_EQ(s->linux.gid_mappings[0].host_id, getegid());
        /* gid=5 is dropped from devpts; /sys becomes a read-only rbind. */
        CHECK_STR_EQ(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620");
        CHECK_STR_EQ(s->mounts[5].source, "/sys");
        CHECK(s->mounts[5].bind);
        CHECK(s->mounts[5].recursive);
        CHECK(s->mounts[5].flags & MS_RDONLY);
        CHECK(!s->linux.resources.present);
        cell_spec_free(s);
}

static void test_full_process(void)
{
        struct cell_spec *s = parse_ok(
                "{" BASE ",'process':{'terminal':true,'consoleSize':{'height':24,'width':80},"
                "'user':{'uid':1000,'gid':100,'umask':18,'additionalGids':[5,6]},"
                "'args':['/bin/app','-x'],'env':['A=1','EMPTY='],'cwd':'/work',"
                "'capabilities':{'bounding':['CAP_SYS_ADMIN','CAP_CHOWN'],'effective':['CAP_KILL'],"
                "'inheritable':[],'permitted':['CAP_NET_RAW'],'ambient':['CAP_NET_RAW']},"
                "'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':18446744073709551615},"
                "{'type':'RLIMIT_NPROC','soft':10,'hard':20}],"
                "'noNewPrivileges':true,'apparmorProfile':'prof','selinuxLabel':'lbl',"
                "'oomScoreAdj':-500,'ioPriority':{'class':'IOPRIO_CLASS_IDLE','priority':7},"
                "'scheduler':{'policy':'SCHED_FIFO','priority':10,'nice':-5,"
                "'flags':['SCHED_FLAG_RESET_ON_FORK','SCHED_FLAG_KEEP_POLICY']}}}");
        CHECK(s != NULL);
        if (!s)
                return;
        const struct cell_process *p = &s->process;
        CHECK(p->terminal);
        CHECK(p->has_console_size);
        CHECK_INT_EQ(p->console_height, 24);
        CHECK_INT_EQ(p->console_width, 80);
        CHECK_INT_EQ(p->uid, 1000);
        CHECK_INT_EQ(p->gid, 100);
        CHECK(p->has_umask);
        CHECK_INT_EQ(p->umask, 022);
        CHECK_INT_EQ(p->n_additional_gids, 2);
        CHECK_INT_EQ(p->additional_gids[1], 6);
        CHECK_INT_EQ(p->n_args, 2);
        CHECK_STR_EQ(p->args[1], "-x");
        CHECK_STR_EQ(p->env[1], "EMPTY=");
        CHECK(p->env[2] == NULL);
        CHECK_STR_EQ(p->cwd, "/work");
        CHECK_INT_EQ(p->caps.bounding, CAP(21) | CAP(0));
        CHECK_INT_EQ(p->caps.effective, CAP(5));
        CHECK_INT_EQ(p->caps.inheritable, 0);
        CHECK_INT_EQ(p->caps.permitted, CAP(13));
        CHECK_INT_EQ(p->caps.ambient, CAP(13));
        CHECK_INT_EQ(p->n_rlimits, 2);
        CHECK_STR_EQ(p->rlimits[0].name, "RLIMIT_CORE");
        CHECK(p->rlimits[0].hard == UINT64_MAX);
        CHECK_INT_EQ(p->rlimits[1].resource, RLIMIT_NPROC);
        CHECK_INT_EQ(p->rlimits[1].soft, 10);
        CHECK(p->no_new_privileges);
        CHECK_STR_EQ(p->apparmor_profile, "prof");
        CHECK_STR_EQ(p->selinux_label, "lbl");
        CHECK(p->has_oom_score_adj);
        CHECK_INT_EQ(p->oom_score_adj, -500);
        CHECK(p->io_priority.present);
        CHECK_INT_EQ(p->io_priority.class, 3); /* IOPRIO_CLASS_IDLE */
        CHECK_INT_EQ(p->io_priority.priority, 7);
        CHECK(p->scheduler.present);
        CHECK_INT_EQ(p->scheduler.policy, SCHED_FIFO);
        CHECK_INT_EQ(p->scheduler.priority, 10);
        CHECK_INT_EQ(p->scheduler.nice, -5);
        CHECK_INT_EQ(p->scheduler.flags, 0x01 | 0x08);
        cell_spec_free(s);
}

static void test_scheduler_deadline(void)
{
        struct cell_spec *s = parse_ok(
                "{" BASE ",'process':{'cwd':'/','args':['x'],'scheduler':{"
                "'policy':'SCHED_DEADLINE','runtime':1000,'deadline':2000,'period':3000}}}");
        CHECK(s != NULL);
        if (!s)
                return;
        CHECK_INT_EQ(s->process.scheduler.policy, 6);
        CHECK_INT_EQ(s->process.scheduler.runtime, 1000);
        CHECK_INT_EQ(s->process.scheduler.deadline, 2000);
        CHECK_INT_EQ(s->process.scheduler.period, 3000);
        cell_spec_free(s);
}

/* Applies `options` (a JSON array body) to a single mount and returns the spec. */
static struct cell_spec *one_mount(const char *type, const char *options)
{
        char doc[2048];
        snprintf(doc, sizeof(doc),
                 "{" BASE ",'mounts':[{'destination':'/m','type':'%s','source':'s',"
                 "'options':[%s]}]}",
                 type, options);
        return parse_ok(doc);
}

static void test_mount_flag_options(void)
{
        struct cell_spec *s = one_mount(
                "tmpfs", "'defaults','ro','nosuid','nodev','noexec','sync','dirsync','remount',"
                         "'mand','noatime','nodiratime','strictatime','nosymfollow','lazytime',"
                         "'iversion','silent'");
        CHECK(s != NULL);
        if (!s)
                return;
        const struct cell_mount *m = &s->mounts[0];
        CHECK_INT_EQ(m->flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS |
                                       MS_DIRSYNC | MS_REMOUNT | MS_MANDLOCK | MS_NOATIME |
                                       MS_NODIRATIME | MS_STRICTATIME | MS_NOSYMFOLLOW |
                                       MS_LAZYTIME | MS_I_VERSION | MS_SILENT);
        CHECK_INT_EQ(m->clear_flags, 0);
        CHECK(m->data == NULL);
        CHECK(!m->bind);
        CHECK_INT_EQ(m->n_options, 16);
        cell_spec_free(s);

        /* The inverse options clear, and the last word wins. */
        s = one_mount("tmpfs", "'ro','rw','nosuid','suid','dev','exec','async','nomand','atime',"
                               "'diratime','norelatime','nostrictatime','symfollow',"
                               "'nolazytime','noiversion','loud','relatime'");
        CHECK(s != NULL);
        if (!s)
                return;
        m = &s->mounts[0];
        CHECK_INT_EQ(m->flags, MS_RELATIME);
        CHECK_INT_EQ(m->clear_flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS |
                                             MS_MANDLOCK | MS_NOATIME | MS_NODIRATIME |
                                             MS_STRICTATIME | MS_NOSYMFOLLOW | MS_LAZYTIME |
                                             MS_I_VERSION | MS_SILENT);
        cell_spec_free(s);
}

static void test_mount_propagation_options(void)
{
        static const struct {
                const char *option;
                unsigned long flags;
        } cases[] = {
                {"'private'", MS_PRIVATE},
                {"'rprivate'", MS_PRIVATE | MS_REC},
                {"'shared'", MS_SHARED},
                {"'rshared'", MS_SHARED | MS_REC},
                {"'slave'", MS_SLAVE},
                {"'rslave'", MS_SLAVE | MS_REC},
                {"'unbindable'", MS_UNBINDABLE},
                {"'runbindable'", MS_UNBINDABLE | MS_REC},
                {"'rshared','private'", MS_PRIVATE},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct cell_spec *s = one_mount("bind", cases[i].option);
                CHECK(s != NULL);
                if (!s)
                        continue;
                CHECK_INT_EQ(s->mounts[0].propagation, cases[i].flags);
                CHECK(s->mounts[0].data == NULL);
                cell_spec_free(s);
        }
}

static void test_mount_bind_options(void)
{
        struct cell_spec *s = one_mount("none", "'bind','ro'");
        CHECK(s != NULL);
        if (s) {
                CHECK(s->mounts[0].bind);
                CHECK(!s->mounts[0].recursive);
                CHECK_INT_EQ(s->mounts[0].flags, MS_BIND | MS_RDONLY);
                cell_spec_free(s);
        }
        s = one_mount("none", "'rbind'");
        CHECK(s != NULL);
        if (s) {
                CHECK(s->mounts[0].bind);
                CHECK(s->mounts[0].recursive);
                CHECK_INT_EQ(s->mounts[0].flags, MS_BIND | MS_REC);
                cell_spec_free(s);
        }
        /* type "bind" alone means a (non-recursive) bind mount */
        s = one_mount("bind", "'nosuid'");
        CHECK(s != NULL);
        if (s) {
                CHECK(s->mounts[0].bind);
                CHECK(!s->mounts[0].recursive);
                CHECK_INT_EQ(s->mounts[0].flags, MS_BIND | MS_NOSUID);
                cell_spec_free(s);
        }
}

static void test_mount_recursive_attrs(void)
{
        struct cell_spec *s = one_mount("bind", "'rbind','rro','rnosuid','rnodev','rnoexec',"
                                                "'rnodiratime','rnosymfollow','rnoatime'");
        CHECK(s != NULL);
        if (!s)
                return;
        const struct cell_mount *m = &s->mounts[0];
        CHECK(m->recursive); /* from rbind */
        CHECK_INT_EQ(m->attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                          MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME |
                                          MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR_NOATIME);
        /* an atime mode also clears the whole atime field (mount_setattr(2)) */
        CHECK_INT_EQ(m->attr_clr, MOUNT_ATTR__ATIME);
        CHECK_INT_EQ(m->flags, MS_BIND | MS_REC);
        cell_spec_free(s);

        s = one_mount("bind", "'rrw','rsuid','rdev','rexec','rdiratime','rsymfollow','ratime',"
                              "'rnostrictatime'");
        CHECK(s != NULL);
        if (!s)
                return;
        m = &s->mounts[0];
        CHECK(!m->recursive); /* a plain bind stays non-recursive */
        CHECK(m->bind);
        CHECK_INT_EQ(m->attr_set, 0);
        CHECK_INT_EQ(m->attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                          MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME |
                                          MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR_NOATIME |
                                          MOUNT_ATTR_STRICTATIME);
        cell_spec_free(s);

        s = one_mount("bind", "'rstrictatime'");
        CHECK(s != NULL);
        if (s) {
                CHECK_INT_EQ(s->mounts[0].attr_set, MOUNT_ATTR_STRICTATIME);
                CHECK_INT_EQ(s->mounts[0].attr_clr, MOUNT_ATTR__ATIME);
                cell_spec_free(s);
        }
        s = one_mount("bind", "'rrelatime'");
        CHECK(s != NULL);
        if (s) {
                CHECK_INT_EQ(s->mounts[0].attr_set, MOUNT_ATTR_RELATIME);
                CHECK_INT_EQ(s->mounts[0].attr_clr, MOUNT_ATTR__ATIME);
                cell_spec_free(s);
        }
}

static void test_mount_data_and_extensions(void)
{
        struct cell_spec *s = one_mount("devpts", "'nosuid','newinstance','ptmxmode=0666',"
                                                  "'mode=0620','gid=5','tmpcopyup'");
        CHECK(s != NULL);
        if (!s)
                return;
        CHECK_STR_EQ(s->mounts[0].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        CHECK(s->mounts[0].copy_up);
        CHECK(!s->mounts[0].idmap);
        CHECK_INT_EQ(s->mounts[0].flags, MS_NOSUID);
        CHECK_STR_EQ(s->mounts[0].options[4], "gid=5");
        cell_spec_free(s);

        s = one_mount("bind", "'bind','idmap'");
        CHECK(s != NULL);
        if (s) {
                CHECK(s->mounts[0].idmap);
                CHECK(!s->mounts[0].recursive);
                CHECK(s->mounts[0].data == NULL);
                cell_spec_free(s);
        }
        s = parse_ok("{" BASE ",'mounts':[{'destination':'/m','source':'/src','type':'bind',"
                     "'options':['rbind','ridmap'],"
                     "'uidMappings':[{'containerID':0,'hostID':1000,'size':10}],"
                     "'gidMappings':[{'containerID':0,'hostID':2000,'size':20}]}]}");
        CHECK(s != NULL);
        if (s) {
                CHECK(s->mounts[0].idmap);
                CHECK(s->mounts[0].recursive);
                CHECK_INT_EQ(s->mounts[0].n_uid_mappings, 1);
                CHECK_INT_EQ(s->mounts[0].uid_mappings[0].host_id, 1000);
                CHECK_INT_EQ(s->mounts[0].gid_mappings[0].size, 20);
                cell_spec_free(s);
        }
        /* no options, no type, no source */
        s = parse_ok("{" BASE ",'mounts':[{'destination':'/m'}]}");
        CHECK(s != NULL);
        if (s) {
                CHECK(s->mounts[0].type == NULL);
                CHECK(s->mounts[0].source == NULL);
                CHECK_INT_EQ(s->mounts[0].n_options, 0);
                CHECK_INT_EQ(s->mounts[0].flags, 0);
                cell_spec_free(s);
        }
}

static void test_linux_fields(void)
{
        struct cell_spec *s =
                parse_ok("{" BASE ",'hostname':'box','domainname':'example.org','linux':{"
                         "'namespaces':[{'type':'pid'},{'type':'network','path':'/proc/1/ns/net'},"
                         "{'type':'uts'},{'type':'user'},{'type':'time'},{'type':'mount'}],"
                         "'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
                         "'gidMappings':[{'containerID':0,'hostID':200000,'size':1000}],"
                         "'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,"
                         "'fileMode':438,'uid':0,'gid':0},{'path':'/dev/fifo','type':'p'}],"
                         "'cgroupsPath':'/cell/x','sysctl':{'net.ipv4.ip_forward':'1'},"
                         "'maskedPaths':['/proc/kcore'],'readonlyPaths':['/proc/sys','/proc/bus'],"
                         "'rootfsPropagation':'rslave','mountLabel':'ml',"
                         "'personality':{'domain':'LINUX32','flags':['ADDR_NO_RANDOMIZE']},"
                         "'timeOffsets':{'monotonic':{'secs':10,'nanosecs':5},"
                         "'boottime':{'secs':-3}},'intelRdt':{'closID':'x'}}}");
        CHECK(s != NULL);
        if (!s)
                return;
        const struct cell_linux *l = &s->linux;
        CHECK_STR_EQ(s->hostname, "box");
        CHECK_STR_EQ(s->domainname, "example.org");
        CHECK(l->namespaces[CELL_NS_PID].enabled);
        CHECK(l->namespaces[CELL_NS_NET].enabled);
        CHECK_STR_EQ(l->namespaces[CELL_NS_NET].path, "/proc/1/ns/net");
        CHECK(l->namespaces[CELL_NS_TIME].enabled);
        CHECK(!l->namespaces[CELL_NS_IPC].enabled);
        CHECK(!l->namespaces[CELL_NS_CGROUP].enabled);
        CHECK_INT_EQ(l->n_uid_mappings, 1);
        CHECK_INT_EQ(l->uid_mappings[0].host_id, 100000);
        CHECK_INT_EQ(l->uid_mappings[0].size, 65536);
        CHECK_INT_EQ(l->gid_mappings[0].host_id, 200000);
        CHECK_INT_EQ(l->n_devices, 2);
        CHECK_STR_EQ(l->devices[0].path, "/dev/fuse");
        CHECK_INT_EQ(l->devices[0].type, 'c');
        CHECK_INT_EQ(l->devices[0].major, 10);
        CHECK_INT_EQ(l->devices[0].minor, 229);
        CHECK(l->devices[0].has_file_mode);
        CHECK_INT_EQ(l->devices[0].file_mode, 0666);
        CHECK(l->devices[0].has_uid && l->devices[0].has_gid);
        CHECK_INT_EQ(l->devices[1].type, 'p');
        CHECK(!l->devices[1].has_file_mode && !l->devices[1].has_uid);
        CHECK_STR_EQ(l->cgroups_path, "/cell/x");
        CHECK_INT_EQ(l->n_sysctl, 1);
        CHECK_STR_EQ(l->sysctl[0].key, "net.ipv4.ip_forward");
        CHECK_STR_EQ(l->sysctl[0].value, "1");
        CHECK_STR_EQ(l->masked_paths[0], "/proc/kcore");
        CHECK(l->masked_paths[1] == NULL);
        CHECK_INT_EQ(l->n_readonly_paths, 2);
        CHECK_INT_EQ(l->rootfs_propagation, MS_SLAVE | MS_REC);
        CHECK_STR_EQ(l->mount_label, "ml");
        CHECK(l->has_personality);
        CHECK_INT_EQ(l->personality, PER_LINUX32 | ADDR_NO_RANDOMIZE);
        CHECK(l->has_time_offsets);
        CHECK_INT_EQ(l->monotonic_secs, 10);
        CHECK_INT_EQ(l->monotonic_nanosecs, 5);
        CHECK_INT_EQ(l->boottime_secs, -3);
        CHECK_INT_EQ(l->boottime_nanosecs, 0);
        cell_spec_free(s);
}

static void test_rootfs_propagation_names(void)
{
        static const struct {
                const char *name;
                unsigned long flags;
        } cases[] = {
                {"private", MS_PRIVATE},
                {"rprivate", MS_PRIVATE | MS_REC},
                {"slave", MS_SLAVE},
                {"rslave", MS_SLAVE | MS_REC},
                {"shared", MS_SHARED},
                {"rshared", MS_SHARED | MS_REC},
                {"unbindable", MS_UNBINDABLE},
                {"runbindable", MS_UNBINDABLE | MS_REC},
                {"", 0},
        };
        char doc[256];
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(doc, sizeof(doc), "{" BASE ",'linux':{'rootfsPropagation':'%s'}}",
                         cases[i].name);
                struct cell_spec *s = parse_ok(doc);
                CHECK(s != NULL);
                if (s)
                        CHECK_INT_EQ(s->linux.rootfs_propagation, cases[i].flags);
                cell_spec_free(s);
        }
}

static void test_resources(void)
{
        struct cell_spec *s = parse_ok(
                "{" BASE ",'linux':{'resources':{"
                "'devices':[{'allow':false,'access':'rwm'},"
                "{'allow':true,'type':'c','major':1,'minor':3,'access':'mwr'},"
                "{'allow':true,'type':'b','major':8,'access':''}],"
                "'memory':{'limit':536870912,'reservation':1024,'swap':-1,'kernel':0,"
                "'kernelTCP':4096,'swappiness':60,'disableOOMKiller':true,"
                "'useHierarchy':false,'checkBeforeUpdate':true},"
                "'cpu':{'shares':1024,'quota':50000,'burst':1000,'period':100000,"
                "'realtimeRuntime':-1,'realtimePeriod':1000000,'cpus':'0-1','mems':'0',"
                "'idle':1},"
                "'pids':{'limit':100},"
                "'blockIO':{'weight':500,'leafWeight':300,"
                "'weightDevice':[{'major':8,'minor':0,'weight':600}],"
                "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1048576}],"
                "'throttleWriteBpsDevice':[{'major':8,'minor':16,'rate':2}],"
                "'throttleReadIOPSDevice':[{'major':8,'minor':0,'rate':3}],"
                "'throttleWriteIOPSDevice':[{'major':8,'minor':0,'rate':4}]},"
                "'hugepageLimits':[{'pageSize':'2MB','limit':209715200}],"
                "'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':5}]},"
                "'rdma':{'mlx5_1':{'hcaHandles':3}},"
                "'unified':{'memory.high':'max','io.weight':'100'}}}}");
        CHECK(s != NULL);
        if (!s)
                return;
        const struct cell_resources *r = &s->linux.resources;
        CHECK(r->present);
        CHECK_INT_EQ(r->n_devices, 3);
        CHECK(!r->devices[0].allow);
        CHECK_INT_EQ(r->devices[0].type, 'a');
        CHECK_INT_EQ(r->devices[0].minor, -1);
        CHECK(r->devices[1].allow);
        CHECK_INT_EQ(r->devices[1].type, 'c');
        CHECK_INT_EQ(r->devices[1].major, 1);
        CHECK_INT_EQ(r->devices[1].minor, 3);
        CHECK_STR_EQ(r->devices[1].access, "rwm");
        CHECK_INT_EQ(r->devices[2].minor, -1);
        CHECK_STR_EQ(r->devices[2].access, "rwm");
        CHECK(r->memory.has_limit && r->memory.limit == 536870912);
        CHECK(r->memory.has_swap && r->memory.swap == -1);
        CHECK(r->memory.has_kernel && r->memory.kernel == 0);
        CHECK(r->memory.has_kernel_tcp && r->memory.kernel_tcp == 4096);
        CHECK(r->memory.has_swappiness && r->memory.swappiness == 60);
        CHECK(r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
        CHECK(r->memory.has_use_hierarchy && !r->memory.use_hierarchy);
        CHECK(r->memory.has_check_before_update && r->memory.check_before_update);
        CHECK(r->cpu.has_shares && r->cpu.shares == 1024);
        CHECK(r->cpu.has_quota && r->cpu.quota == 50000);
        CHECK(r->cpu.has_burst && r->cpu.burst == 1000);
        CHECK(r->cpu.has_period && r->cpu.period == 100000);
        CHECK(r->cpu.has_realtime_runtime && r->cpu.realtime_runtime == -1);
        CHECK(r->cpu.has_realtime_period && r->cpu.realtime_period == 1000000);
        CHECK(r->cpu.has_idle && r->cpu.idle == 1);
        CHECK_STR_EQ(r->cpu.cpus, "0-1");
        CHECK_STR_EQ(r->cpu.mems, "0");
        CHECK(r->pids.has_limit && r->pids.limit == 100);
        CHECK(r->block_io.has_weight && r->block_io.weight == 500);
        CHECK(r->block_io.has_leaf_weight && r->block_io.leaf_weight == 300);
        CHECK_INT_EQ(r->block_io.n_weight_devices, 1);
        CHECK(r->block_io.weight_devices[0].has_weight);
        CHECK(!r->block_io.weight_devices[0].has_leaf_weight);
        CHECK_INT_EQ(r->block_io.weight_devices[0].weight, 600);
        CHECK_INT_EQ(r->block_io.throttle_read_bps[0].rate, 1048576);
        CHECK_INT_EQ(r->block_io.throttle_write_bps[0].minor, 16);
        CHECK_INT_EQ(r->block_io.throttle_read_iops[0].rate, 3);
        CHECK_INT_EQ(r->block_io.throttle_write_iops[0].rate, 4);
        CHECK_INT_EQ(r->n_hugepage_limits, 1);
        CHECK_STR_EQ(r->hugepage_limits[0].page_size, "2MB");
        CHECK_INT_EQ(r->hugepage_limits[0].limit, 209715200);
        CHECK(r->network.has_class_id && r->network.class_id == 1048577);
        CHECK_STR_EQ(r->network.priorities[0].name, "eth0");
        CHECK_INT_EQ(r->network.priorities[0].priority, 5);
        CHECK_INT_EQ(r->n_rdma, 1);
        CHECK_STR_EQ(r->rdma[0].device, "mlx5_1");
        CHECK(r->rdma[0].has_hca_handles && !r->rdma[0].has_hca_objects);
        CHECK_INT_EQ(r->rdma[0].hca_handles, 3);
        CHECK_INT_EQ(r->n_unified, 2);
        CHECK_STR_EQ(r->unified[0].key, "memory.high");
        CHECK_STR_EQ(r->unified[0].value, "max");
        cell_spec_free(s);

        s = parse_ok("{" BASE ",'linux':{'resources':{'memory':{'limit':1}}}}");
        CHECK(s != NULL);
        if (s) {
                CHECK(!s->linux.resources.memory.has_swap);
                CHECK(!s->linux.resources.cpu.has_shares);
                CHECK(!s->linux.resources.pids.has_limit);
                cell_spec_free(s);
        }
}

static void test_seccomp(void)
{
        struct cell_spec *s =
                parse_ok("{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ERRNO',"
                         "'defaultErrnoRet':1,'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86'],"
                         "'flags':['SECCOMP_FILTER_FLAG_LOG'],'listenerPath':'/run/l.sock',"
                         "'listenerMetadata':'meta','syscalls':["
                         "{'names':['read','write','no_such_syscall'],'action':'SCMP_ACT_ALLOW'},"
                         "{'names':['personality'],'action':'SCMP_ACT_ERRNO','errnoRet':38,"
                         "'args':[{'index':0,'value':8,'op':'SCMP_CMP_EQ'},"
                         "{'index':1,'value':255,'valueTwo':4,'op':'SCMP_CMP_MASKED_EQ'}]}]}}}");
        CHECK(s != NULL);
        if (!s)
                return;
        const struct cell_seccomp *sc = &s->linux.seccomp;
        CHECK(sc->present);
        CHECK_STR_EQ(sc->default_action, "SCMP_ACT_ERRNO");
        CHECK(sc->has_default_errno_ret);
        CHECK_INT_EQ(sc->default_errno_ret, 1);
        CHECK_INT_EQ(sc->n_architectures, 2);
        CHECK_STR_EQ(sc->architectures[1], "SCMP_ARCH_X86");
        CHECK_STR_EQ(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG");
        CHECK_STR_EQ(sc->listener_path, "/run/l.sock");
        CHECK_STR_EQ(sc->listener_metadata, "meta");
        CHECK_INT_EQ(sc->n_syscalls, 2);
        CHECK_INT_EQ(sc->syscalls[0].n_names, 3);
        CHECK_STR_EQ(sc->syscalls[0].names[2], "no_such_syscall");
        CHECK(!sc->syscalls[0].has_errno_ret);
        CHECK_STR_EQ(sc->syscalls[1].action, "SCMP_ACT_ERRNO");
        CHECK(sc->syscalls[1].has_errno_ret);
        CHECK_INT_EQ(sc->syscalls[1].errno_ret, 38);
        CHECK_INT_EQ(sc->syscalls[1].n_args, 2);
        CHECK_INT_EQ(sc->syscalls[1].args[1].index, 1);
        CHECK_INT_EQ(sc->syscalls[1].args[1].value, 255);
        CHECK_INT_EQ(sc->syscalls[1].args[1].value_two, 4);
        CHECK_STR_EQ(sc->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ");
        cell_spec_free(s);
}

static void test_hooks_and_annotations(void)
{
        struct cell_spec *s = parse_ok(
                "{" BASE ",'hooks':{'prestart':[{'path':'/bin/a'}],"
                "'createRuntime':[{'path':'/bin/b','args':['b','1'],'env':['X=1'],'timeout':5},"
                "{'path':'/bin/c'}],'createContainer':[],'startContainer':[{'path':'/bin/d'}],"
                "'poststart':[{'path':'/bin/e'}],'poststop':[{'path':'/bin/f'}]},"
                "'annotations':{'org.example.key':'value','b':''}}");
        CHECK(s != NULL);
        if (!s)
                return;
        CHECK_INT_EQ(s->hooks[CELL_HOOK_PRESTART].n, 1);
        CHECK_STR_EQ(s->hooks[CELL_HOOK_PRESTART].items[0].path, "/bin/a");
        CHECK(s->hooks[CELL_HOOK_PRESTART].items[0].args == NULL);
        CHECK_INT_EQ(s->hooks[CELL_HOOK_PRESTART].items[0].timeout, 0);
        const struct cell_hook *h = &s->hooks[CELL_HOOK_CREATE_RUNTIME].items[0];
        CHECK_INT_EQ(s->hooks[CELL_HOOK_CREATE_RUNTIME].n, 2);
        CHECK_INT_EQ(h->n_args, 2);
        CHECK_STR_EQ(h->args[1], "1");
        CHECK_STR_EQ(h->env[0], "X=1");
        CHECK_INT_EQ(h->timeout, 5);
        CHECK_INT_EQ(s->hooks[CELL_HOOK_CREATE_CONTAINER].n, 0);
        CHECK_STR_EQ(s->hooks[CELL_HOOK_START_CONTAINER].items[0].path, "/bin/d");
        CHECK_STR_EQ(s->hooks[CELL_HOOK_POSTSTART].items[0].path, "/bin/e");
        CHECK_STR_EQ(s->hooks[CELL_HOOK_POSTSTOP].items[0].path, "/bin/f");
        CHECK_INT_EQ(s->n_annotations, 2);
        CHECK_STR_EQ(s->annotations[0].key, "org.example.key");
        CHECK_STR_EQ(s->annotations[0].value, "value");
        CHECK_STR_EQ(s->annotations[1].value, "");
        cell_spec_free(s);
}

static void test_name_tables(void)
{
        CHECK_INT_EQ(cell_cap_from_name("CAP_CHOWN"), 0);
        CHECK_INT_EQ(cell_cap_from_name("CAP_SYS_ADMIN"), 21);
        CHECK_INT_EQ(cell_cap_from_name("CAP_AUDIT_READ"), 37);
        CHECK_INT_EQ(cell_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
        CHECK_INT_EQ(cell_cap_from_name("cap_chown"), -1);
        CHECK_INT_EQ(cell_cap_from_name("SYS_ADMIN"), -1);
        CHECK_INT_EQ(cell_cap_from_name("CAP_FOO"), -1);
        CHECK(cell_cap_name(41) == NULL);
        CHECK(cell_cap_name(-1) == NULL);
        for (int c = 0; c <= 40; c++)
                CHECK_INT_EQ(cell_cap_from_name(cell_cap_name(c)), c);

        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
        int last = -1;
        CHECK(f != NULL);
        if (f) {
                CHECK(fscanf(f, "%d", &last) == 1);
                fclose(f);
        }
        CHECK_INT_EQ(cell_cap_last(), last);

        static const struct {
                const char *name;
                int resource;
        } rl[] = {
                {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
                {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
                {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
                {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
                {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
                {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
                {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
                {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        };
        for (size_t i = 0; i < sizeof(rl) / sizeof(rl[0]); i++) {
                CHECK_INT_EQ(cell_rlimit_from_name(rl[i].name), rl[i].resource);
                CHECK_STR_EQ(cell_rlimit_name(rl[i].resource), rl[i].name);
        }
        CHECK_INT_EQ(cell_rlimit_from_name("RLIMIT_FOO"), -1);
        CHECK(cell_rlimit_name(RLIM_NLIMITS) == NULL);

        static const struct {
                enum cell_ns_type type;
                const char *name, *proc;
                int flag;
        } ns[] = {
                {CELL_NS_MOUNT, "mount", "mnt", CLONE_NEWNS},
                {CELL_NS_PID, "pid", "pid", CLONE_NEWPID},
                {CELL_NS_NET, "network", "net", CLONE_NEWNET},
                {CELL_NS_IPC, "ipc", "ipc", CLONE_NEWIPC},
                {CELL_NS_UTS, "uts", "uts", CLONE_NEWUTS},
                {CELL_NS_USER, "user", "user", CLONE_NEWUSER},
                {CELL_NS_CGROUP, "cgroup", "cgroup", CLONE_NEWCGROUP},
                {CELL_NS_TIME, "time", "time", 0x80},
        };
        for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
                CHECK_STR_EQ(cell_ns_type_name(ns[i].type), ns[i].name);
                CHECK_INT_EQ(cell_ns_type_from_name(ns[i].name), ns[i].type);
                CHECK_STR_EQ(cell_ns_proc_name(ns[i].type), ns[i].proc);
                CHECK_INT_EQ(cell_ns_clone_flag(ns[i].type), ns[i].flag);
        }
        CHECK_INT_EQ(cell_ns_type_from_name("mnt"), -1);
        CHECK(cell_ns_type_name(CELL_NS__COUNT) == NULL);

        CHECK_STR_EQ(cell_hook_kind_name(CELL_HOOK_PRESTART), "prestart");
        CHECK_STR_EQ(cell_hook_kind_name(CELL_HOOK_CREATE_RUNTIME), "createRuntime");
        CHECK_STR_EQ(cell_hook_kind_name(CELL_HOOK_CREATE_CONTAINER), "createContainer");
        CHECK_STR_EQ(cell_hook_kind_name(CELL_HOOK_START_CONTAINER), "startContainer");
        CHECK_STR_EQ(cell_hook_kind_name(CELL_HOOK_POSTSTART), "poststart");
        CHECK_STR_EQ(cell_hook_kind_name(CELL_HOOK_POSTSTOP), "poststop");
        CHECK(cell_hook_kind_name(CELL_HOOK__COUNT) == NULL);
}

/* A capability newer than the running kernel is dropped, not an error (as runc). */
static void test_cap_unknown_to_kernel(void)
{
        struct cell_spec *s =
                parse_ok("{" BASE ",'process':{'cwd':'/','args':['x'],'capabilities':{"
                         "'bounding':['CAP_CHECKPOINT_RESTORE','CAP_CHOWN']}}}");
        CHECK(s != NULL);
        if (!s)
                return;
        uint64_t want = CAP(0);
        if (cell_cap_last() >= 40)
                want |= CAP(40);
        CHECK_INT_EQ(s->process.caps.bounding, want);
        cell_spec_free(s);
}

static void test_invalid_json(void)
{
        struct cell_error err = {0};
        struct cell_spec *s = NULL;
        const char *text = "{\"ociVersion\": \"1.0.0\",\n  \"root\": {\"path\": \"r\",}}";
        CHECK(cell_spec_parse(text, strlen(text), &s, &err) < 0);
        CHECK_CONTAINS(err.msg, "invalid JSON: ");
        CHECK_CONTAINS(err.msg, "line 2, column 24");

        text = "{\"ociVersion\": \"1.0.0\"";
        CHECK(cell_spec_parse(text, strlen(text), &s, &err) < 0);
        CHECK_STR_EQ(err.msg, "invalid JSON: unexpected end of input");

        text = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}} x";
        CHECK(cell_spec_parse(text, strlen(text), &s, &err) < 0);
        CHECK_CONTAINS(err.msg, "invalid JSON: ");

        text = "[1, 2]";
        CHECK(cell_spec_parse(text, strlen(text), &s, &err) < 0);
        CHECK_CONTAINS(err.msg, "must be an object");

        CHECK(cell_spec_parse("", 0, &s, &err) < 0);
        CHECK_CONTAINS(err.msg, "invalid JSON");

        /* trailing whitespace is fine */
        text = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}\n\n";
        CHECK(cell_spec_parse(text, strlen(text), &s, &err) == 0);
        cell_spec_free(s);
}

struct bad_doc {
        const char *json;
        const char *path;
        const char *what;
};

static const struct bad_doc bad_docs[] = {
        {"{" BASE ",'process':{'cwd':'/'}}", "process.args",
         "must be a non-empty array of strings"},
        {"{" BASE ",'process':{'cwd':'/','args':[]}}", "process.args",
         "must be a non-empty array of strings"},
        {"{" BASE ",'process':{'cwd':'/','args':'sh'}}", "process.args",
         "must be a non-empty array of strings"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh',1]}}", "process.args[1]", "must be a string"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'env':['A=1',2]}}", "process.env[1]",
         "must be a string"},
        {"{" BASE ",'process':{'args':['sh']}}", "process.cwd", "required"},
        {"{" BASE ",'process':{'cwd':'work','args':['sh']}}", "process.cwd",
         "must be an absolute path"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'terminal':'yes'}}", "process.terminal",
         "must be a boolean"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'user':{'uid':'0'}}}", "process.user.uid",
         "must be an integer"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'user':{'uid':1.5}}}", "process.user.uid",
         "must be an integer"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'user':{'uid':-1}}}", "process.user.uid",
         "-1 is not a valid user id"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'user':{'gid':4294967296}}}",
         "process.user.gid", "4294967296 is not a valid group id"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'user':{'additionalGids':[1,-2]}}}",
         "process.user.additionalGids[1]", "-2 is not a valid group id"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'capabilities':{'bounding':"
         "['CAP_KILL','CAP_FOO']}}}",
         "process.capabilities.bounding[1]", "unknown capability \"CAP_FOO\""},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'capabilities':{'ambient':'CAP_KILL'}}}",
         "process.capabilities.ambient", "must be an array"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'rlimits':[{'type':'RLIMIT_FOO',"
         "'soft':1,'hard':1}]}}",
         "process.rlimits[0].type", "unknown rlimit \"RLIMIT_FOO\""},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'rlimits':[{'type':'RLIMIT_NOFILE',"
         "'soft':2048,'hard':1024}]}}",
         "process.rlimits[0].soft", "greater than the hard limit"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'rlimits':[{'type':'RLIMIT_NOFILE',"
         "'hard':1024}]}}",
         "process.rlimits[0].soft", "required"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'rlimits':[{'type':'RLIMIT_CORE',"
         "'soft':1,'hard':1},{'type':'RLIMIT_CORE','soft':1,'hard':1}]}}",
         "process.rlimits[1].type", "duplicate rlimit"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'oomScoreAdj':1001}}", "process.oomScoreAdj",
         "out of range"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'ioPriority':{'class':'IOPRIO_CLASS_X'}}}",
         "process.ioPriority.class", "unknown class"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'ioPriority':{'class':'IOPRIO_CLASS_BE',"
         "'priority':8}}}",
         "process.ioPriority.priority", "out of range"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'scheduler':{'policy':'SCHED_FOO'}}}",
         "process.scheduler.policy", "unknown policy"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'scheduler':{'policy':'SCHED_OTHER',"
         "'priority':5}}}",
         "process.scheduler.priority", "SCHED_FIFO or SCHED_RR"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'scheduler':{'policy':'SCHED_OTHER',"
         "'nice':20}}}",
         "process.scheduler.nice", "out of range"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'scheduler':{'policy':'SCHED_RR',"
         "'flags':['SCHED_FLAG_BOGUS']}}}",
         "process.scheduler.flags[0]", "unknown scheduler flag"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh'],'consoleSize':{'width':80}}}",
         "process.consoleSize.height", "required"},
        {"{'ociVersion':'1.0.0'}", "root", "required"},
        {"{'ociVersion':'1.0.0','root':{}}", "root.path", "required"},
        {"{'ociVersion':'1.0.0','root':{'path':'r','readonly':1}}", "root.readonly",
         "must be a boolean"},
        {"{'ociVersion':'3.0.0','root':{'path':'r'}}", "ociVersion", "unsupported version"},
        {"{" BASE ",'mounts':{}}", "mounts", "must be an array"},
        {"{" BASE ",'mounts':[{'destination':'/a'},{'destination':'/b'},{'destination':'/c'},"
         "{'destination':'rel/d'}]}",
         "mounts[3].destination", "must be an absolute path"},
        {"{" BASE ",'mounts':[{'type':'tmpfs'}]}", "mounts[0].destination", "required"},
        {"{" BASE ",'mounts':[{'destination':'/a','options':['ro',7]}]}", "mounts[0].options[1]",
         "must be a string"},
        {"{" BASE ",'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'size':1}]}]}",
         "mounts[0].uidMappings[0].hostID", "required"},
        {"{" BASE ",'hooks':{'prestart':[{'path':'bin/hook'}]}}", "hooks.prestart[0].path",
         "must be an absolute path"},
        {"{" BASE ",'hooks':{'poststop':[{'path':'/h','timeout':0}]}}", "hooks.poststop[0].timeout",
         "must be greater than zero"},
        {"{" BASE ",'hooks':{'createRuntime':[{'path':'/h','args':'x'}]}}",
         "hooks.createRuntime[0].args", "must be an array of strings"},
        {"{" BASE ",'annotations':{'a':1}}", "annotations.a", "must be a string"},
        {"{" BASE ",'annotations':{'':'x'}}", "annotations", "keys must not be empty"},
        {"{" BASE ",'hostname':'h'}", "hostname", "UTS namespace"},
        {"{" BASE ",'linux':{'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'foo'}]}}",
         "linux.namespaces[2].type", "unknown namespace type \"foo\""},
        {"{" BASE ",'linux':{'namespaces':[{'type':'pid'},{'type':'pid'}]}}", "linux.namespaces",
         "duplicate namespace \"pid\""},
        {"{" BASE ",'linux':{'namespaces':[{'type':'net','path':'/x'}]}}",
         "linux.namespaces[0].type", "unknown namespace type \"net\""},
        {"{" BASE ",'linux':{'namespaces':[{'type':'network','path':'proc/1/ns/net'}]}}",
         "linux.namespaces[0].path", "must be an absolute path"},
        {"{" BASE ",'linux':{'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
         "linux.uidMappings", "without a user namespace"},
        {"{" BASE ",'linux':{'namespaces':[{'type':'user','path':'/proc/1/ns/user'}],"
         "'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
         "linux.gidMappings", "joining an existing user namespace"},
        {"{" BASE ",'linux':{'namespaces':[{'type':'user'}]}}", "linux.uidMappings",
         "required when creating a new user namespace"},
        {"{" BASE ",'linux':{'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,"
         "'hostID':-1,'size':1}]}}",
         "linux.uidMappings[0].hostID", "out of range"},
        {"{" BASE ",'linux':{'rootfsPropagation':'bogus'}}", "linux.rootfsPropagation",
         "unknown propagation \"bogus\""},
        {"{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'x','major':1,'minor':1}]}}",
         "linux.devices[0].type", "unknown device type"},
        {"{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'c','minor':1}]}}",
         "linux.devices[0].major", "required"},
        {"{" BASE ",'linux':{'devices':[{'path':'dev/x','type':'c','major':1,'minor':1}]}}",
         "linux.devices[0].path", "must be an absolute path"},
        {"{" BASE ",'linux':{'sysctl':{'net.ipv4.ip_forward':1}}}",
         "linux.sysctl.net.ipv4.ip_forward", "must be a string"},
        {"{" BASE ",'linux':{'maskedPaths':['/ok','proc/kcore']}}", "linux.maskedPaths[1]",
         "must be an absolute path"},
        {"{" BASE ",'linux':{'personality':{'domain':'WIN32'}}}", "linux.personality.domain",
         "unknown domain"},
        {"{" BASE ",'linux':{'personality':{'domain':'LINUX','flags':['NOPE']}}}",
         "linux.personality.flags[0]", "unknown personality flag"},
        {"{" BASE ",'linux':{'namespaces':[{'type':'time'}],'timeOffsets':{'realtime':"
         "{'secs':1}}}}",
         "linux.timeOffsets.realtime", "unknown clock"},
        {"{" BASE ",'linux':{'namespaces':[{'type':'time'}],'timeOffsets':{'boottime':"
         "{'nanosecs':1000000000}}}}",
         "linux.timeOffsets.boottime.nanosecs", "out of range"},
        {"{" BASE ",'linux':{'timeOffsets':{'monotonic':{'secs':1}}}}", "linux.timeOffsets",
         "requires a new time namespace"},
        {"{" BASE ",'linux':{'resources':{'devices':[{'allow':true,'access':'rwx'}]}}}",
         "linux.resources.devices[0].access", "invalid access \"rwx\""},
        {"{" BASE ",'linux':{'resources':{'devices':[{'access':'r'}]}}}",
         "linux.resources.devices[0].allow", "required"},
        {"{" BASE ",'linux':{'resources':{'devices':[{'allow':true,'type':'p'}]}}}",
         "linux.resources.devices[0].type", "unknown device type"},
        {"{" BASE ",'linux':{'resources':{'memory':{'limit':'1G'}}}}",
         "linux.resources.memory.limit", "must be an integer"},
        {"{" BASE ",'linux':{'resources':{'memory':{'limit':9223372036854775808}}}}",
         "linux.resources.memory.limit", "out of range"},
        {"{" BASE ",'linux':{'resources':{'memory':{'swappiness':101}}}}",
         "linux.resources.memory.swappiness", "out of range"},
        {"{" BASE ",'linux':{'resources':{'cpu':{'shares':-1}}}}", "linux.resources.cpu.shares",
         "out of range"},
        {"{" BASE ",'linux':{'resources':{'blockIO':{'weight':70000}}}}",
         "linux.resources.blockIO.weight", "out of range"},
        {"{" BASE ",'linux':{'resources':{'blockIO':{'throttleReadBpsDevice':[{'major':8,"
         "'minor':0}]}}}}",
         "linux.resources.blockIO.throttleReadBpsDevice[0].rate", "required"},
        {"{" BASE ",'linux':{'resources':{'hugepageLimits':[{'limit':1}]}}}",
         "linux.resources.hugepageLimits[0].pageSize", "required"},
        {"{" BASE ",'linux':{'resources':{'unified':{'memory.max':100}}}}",
         "linux.resources.unified.memory.max", "must be a string"},
        {"{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_FOO'}}}",
         "linux.seccomp.defaultAction", "unknown action \"SCMP_ACT_FOO\""},
        {"{" BASE ",'linux':{'seccomp':{}}}", "linux.seccomp.defaultAction", "required"},
        {"{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':"
         "['SCMP_ARCH_FOO']}}}",
         "linux.seccomp.architectures[0]", "unknown architecture"},
        {"{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','flags':['TSYNC']}}}",
         "linux.seccomp.flags[0]", "unknown flag"},
        {"{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
         "{'names':['read'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,"
         "'op':'SCMP_CMP_FOO'}]}]}}}",
         "linux.seccomp.syscalls[0].args[0].op", "unknown operator"},
        {"{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
         "{'names':['read'],'action':'SCMP_ACT_ERRNO','args':[{'index':6,'value':1,"
         "'op':'SCMP_CMP_EQ'}]}]}}}",
         "linux.seccomp.syscalls[0].args[0].index", "out of range"},
        {"{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
         "{'names':['read']}]}}}",
         "linux.seccomp.syscalls[0].action", "required"},
        {"{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
         "{'action':'SCMP_ACT_ALLOW'}]}}}",
         "linux.seccomp.syscalls[0].names", "required"},
        {"{" BASE ",'linux':[]}", "linux", "must be an object"},
        {"{" BASE ",'process':[]}", "process", "must be an object"},
};

static void test_invalid_documents(void)
{
        CHECK(sizeof(bad_docs) / sizeof(bad_docs[0]) >= 30);
        for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++)
                expect_error_at(bad_docs[i].json, bad_docs[i].path, bad_docs[i].what, (int)i);
}

static void test_process_parse(void)
{
        struct cell_error err = {0};
        struct cell_process p;
        const char *json = json_of("{'terminal':false,'cwd':'/tmp','args':['ls','-l'],"
                                   "'env':['PATH=/bin'],'user':{'uid':5,'gid':6}}");
        CHECK(cell_process_parse(json, strlen(json), &p, &err) == 0);
        CHECK_INT_EQ(p.n_args, 2);
        CHECK_STR_EQ(p.args[1], "-l");
        CHECK_STR_EQ(p.cwd, "/tmp");
        CHECK_INT_EQ(p.uid, 5);
        CHECK_INT_EQ(p.gid, 6);
        cell_process_release(&p);
        CHECK(p.args == NULL);

        json = json_of("{'cwd':'/','args':['x'],'capabilities':{'effective':['CAP_NOPE']}}");
        CHECK(cell_process_parse(json, strlen(json), &p, &err) < 0);
        CHECK_STR_EQ(err.msg, "capabilities.effective[0]: unknown capability \"CAP_NOPE\"");
        CHECK(p.args == NULL);
}

static void test_load(void)
{
        char dir[] = "/tmp/cell-test-oci-XXXXXX";
        struct cell_error err = {0};
        struct cell_spec *s = NULL;
        char path[256];
        CHECK(mkdtemp(dir) != NULL);
        snprintf(path, sizeof(path), "%s/config.json", dir);

        CHECK(cell_spec_load(dir, &s, &err) < 0);
        CHECK_CONTAINS(err.msg, path);

        char *json = cell_spec_default_json(false, false);
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
                fputs(json, f);
                fclose(f);
        }
        free(json);
        CHECK(cell_spec_load(dir, &s, &err) == 0);
        if (s)
                CHECK_STR_EQ(s->hostname, "cell");
        cell_spec_free(s);

        f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
                fputs("{\"ociVersion\": \"1.0.0\",\n \"root\": {\"path\": }}", f);
                fclose(f);
        }
        CHECK(cell_spec_load(dir, &s, &err) < 0);
        CHECK_CONTAINS(err.msg, "config.json: invalid JSON: ");
        CHECK_CONTAINS(err.msg, "line 2");

        f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
                fputs(json_of("{" BASE ",'process':{'cwd':'/','args':[]}}"), f);
                fclose(f);
        }
        CHECK(cell_spec_load(dir, &s, &err) < 0);
        CHECK_CONTAINS(err.msg, "config.json: process.args: must be a non-empty array of strings");

        unlink(path);
        rmdir(dir);
}

#define NETNS "'namespaces':[{'type':'network'}]"

static void test_memory_policy(void)
{
        struct cell_spec *s = parse_ok(
                "{" BASE ",'linux':{'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'0-2,5,64',"
                "'flags':['MPOL_F_STATIC_NODES']}}}");
        CHECK(s != NULL);
        if (s) {
                const struct cell_memory_policy *m = &s->linux.memory_policy;
                CHECK(m->set);
                CHECK_INT_EQ(m->mode, 3);
                CHECK_INT_EQ(m->flags, 1U << 15);
                CHECK_INT_EQ(m->nodemask[0], 0x27);
                CHECK_INT_EQ(m->nodemask[1], 1);
                CHECK_INT_EQ(m->maxnode, 65);
        }
        cell_spec_free(s);
        s = parse_ok("{" BASE ",'linux':{'memoryPolicy':{'mode':'MPOL_LOCAL'}}}");
        CHECK(s && s->linux.memory_policy.set && s->linux.memory_policy.mode == 4 &&
              s->linux.memory_policy.maxnode == 0);
        cell_spec_free(s);
        s = parse_ok("{" BASE ",'linux':{}}");
        CHECK(s && !s->linux.memory_policy.set);
        cell_spec_free(s);
        CHECK_STR_EQ(cell_mempolicy_nth_mode(6), "MPOL_WEIGHTED_INTERLEAVE");
        CHECK(cell_mempolicy_nth_mode(7) == NULL);
        CHECK(cell_mempolicy_nth_flag(3) == NULL);

#define MP(x) "{" BASE ",'linux':{'memoryPolicy':{" x "}}}"
        expect_error(MP("'nodes':'0'"), "linux.memoryPolicy.mode", "required");
        expect_error(MP("'mode':'bind','nodes':'0'"), "linux.memoryPolicy.mode", "unknown");
        expect_error(MP("'mode':'MPOL_BIND'"), "linux.memoryPolicy.nodes", "required");
        expect_error(MP("'mode':'MPOL_BIND','nodes':''"), "linux.memoryPolicy.nodes", "required");
        expect_error(MP("'mode':'MPOL_BIND','nodes':'1-0'"), "linux.memoryPolicy.nodes",
                     "invalid node list");
        expect_error(MP("'mode':'MPOL_BIND','nodes':'0,'"), "linux.memoryPolicy.nodes",
                     "invalid node list");
        expect_error(MP("'mode':'MPOL_BIND','nodes':'1024'"), "linux.memoryPolicy.nodes",
                     "invalid node list");
        expect_error(MP("'mode':'MPOL_BIND','nodes':' 0'"), "linux.memoryPolicy.nodes",
                     "invalid node list");
        expect_error(MP("'mode':'MPOL_DEFAULT','nodes':'0'"), "linux.memoryPolicy.nodes",
                     "takes no nodes");
        expect_error(MP("'mode':'MPOL_PREFERRED','nodes':'0-1'"), "linux.memoryPolicy.nodes",
                     "takes one node");
        expect_error(MP("'mode':'MPOL_LOCAL','flags':['MPOL_F_STATIC_NODES']"),
                     "linux.memoryPolicy.flags", "takes no flags");
        expect_error(MP("'mode':'MPOL_BIND','nodes':'0','flags':['X']"),
                     "linux.memoryPolicy.flags[0]", "unknown memory policy flag");
        expect_error(MP("'mode':'MPOL_BIND','nodes':'0','flags':'MPOL_F_STATIC_NODES'"),
                     "linux.memoryPolicy.flags", "array");
        expect_error(MP("'mode':'MPOL_BIND','nodes':'0','flags':['MPOL_F_STATIC_NODES',"
                        "'MPOL_F_RELATIVE_NODES']"),
                     "linux.memoryPolicy.flags", "exclude each other");
#undef MP
}

static void test_net_devices(void)
{
        struct cell_spec *s = parse_ok("{" BASE ",'linux':{" NETNS ",'netDevices':{'eth1':{'name':"
                                       "'ctr0'},'dummy3':{}}}}");
        CHECK(s != NULL);
        if (s) {
                CHECK_INT_EQ(s->linux.n_net_devices, 2);
                CHECK_STR_EQ(s->linux.net_devices[0].host_name, "eth1");
                CHECK_STR_EQ(s->linux.net_devices[0].name, "ctr0");
                CHECK_STR_EQ(s->linux.net_devices[1].host_name, "dummy3");
                CHECK_STR_EQ(s->linux.net_devices[1].name, "dummy3");
        }
        cell_spec_free(s);
#define ND(ns, x) "{" BASE ",'linux':{" ns "'netDevices':{" x "}}}"
        expect_error(ND("", "'eth1':{}"), "linux.netDevices.eth1", "new network namespace");
        expect_error(ND("'namespaces':[{'type':'network','path':'/run/netns/x'}],", "'eth1':{}"),
                     "linux.netDevices.eth1", "new network namespace");
        expect_error(ND(NETNS ",", "'eth1':{'name':'a/b'}"), "linux.netDevices.eth1.name",
                     "invalid interface name");
        expect_error(ND(NETNS ",", "'eth1':{'name':'..'}"), "linux.netDevices.eth1.name",
                     "invalid interface name");
        expect_error(ND(NETNS ",", "'eth1':{'name':'0123456789abcdef'}"),
                     "linux.netDevices.eth1.name", "1 to 15 bytes");
        expect_error(ND(NETNS ",", "'a b':{}"), "linux.netDevices.a b", "invalid interface name");
        expect_error(ND(NETNS ",", "'eth1':{'name':'x'},'eth2':{'name':'x'}"),
                     "linux.netDevices.eth2.name", "already the name of eth1");
        expect_error(ND(NETNS ",", "'eth1':{'name':1}"), "linux.netDevices.eth1.name",
                     "must be a string");
        expect_error("{" BASE ",'linux':{'netDevices':[]}}", "linux.netDevices", "object");
#undef ND
}

static void test_intel_rdt(void)
{
        struct cell_spec *s = parse_ok(
                "{" BASE ",'linux':{'intelRdt':{'closID':'grp','l3CacheSchema':'L3:0=f',"
                "'memBwSchema':'MB:0=50','schemata':['L2:0=3'],'enableMonitoring':true}}}");
        CHECK(s != NULL);
        if (s) {
                const struct cell_intel_rdt *r = &s->linux.intel_rdt;
                CHECK(r->set && r->enable_monitoring);
                CHECK_STR_EQ(r->clos_id, "grp");
                CHECK_STR_EQ(r->l3_cache_schema, "L3:0=f");
                CHECK_STR_EQ(r->mem_bw_schema, "MB:0=50");
                CHECK_INT_EQ(r->n_schemata, 1);
                CHECK_STR_EQ(r->schemata[0], "L2:0=3");
        }
        cell_spec_free(s);
#define RDT(x) "{" BASE ",'linux':{'intelRdt':{" x "}}}"
        expect_error(RDT("'closID':'../x'"), "linux.intelRdt.closID", "invalid resctrl group");
        expect_error(RDT("'closID':'..'"), "linux.intelRdt.closID", "invalid resctrl group");
        expect_error(RDT("'memBwSchema':'L3:0=1'"), "linux.intelRdt.memBwSchema",
                     "must start with \"MB\"");
        expect_error(RDT("'memBwSchema':'MB:0=1\\nL3:0=f'"), "linux.intelRdt.memBwSchema",
                     "invalid schemata line");
        expect_error(RDT("'memBwSchema':'0=50'"), "linux.intelRdt.memBwSchema",
                     "invalid schemata line");
        expect_error(RDT("'schemata':['L3:0=f\\nMB:0=1']"), "linux.intelRdt.schemata[0]",
                     "invalid schemata line");
        expect_error(RDT("'enableMonitoring':1"), "linux.intelRdt.enableMonitoring", "boolean");
#undef RDT
}

UNIT_MAIN(UNIT_TEST(test_minimal), UNIT_TEST(test_minimal_process), UNIT_TEST(test_null_is_absent),
          UNIT_TEST(test_versions), UNIT_TEST(test_default_spec_roundtrip),
          UNIT_TEST(test_default_spec_rootless), UNIT_TEST(test_full_process),
          UNIT_TEST(test_scheduler_deadline), UNIT_TEST(test_mount_flag_options),
          UNIT_TEST(test_mount_propagation_options), UNIT_TEST(test_mount_bind_options),
          UNIT_TEST(test_mount_recursive_attrs), UNIT_TEST(test_mount_data_and_extensions),
          UNIT_TEST(test_linux_fields), UNIT_TEST(test_rootfs_propagation_names),
          UNIT_TEST(test_resources), UNIT_TEST(test_seccomp), UNIT_TEST(test_hooks_and_annotations),
          UNIT_TEST(test_name_tables), UNIT_TEST(test_cap_unknown_to_kernel),
          UNIT_TEST(test_invalid_json), UNIT_TEST(test_invalid_documents),
          UNIT_TEST(test_process_parse), UNIT_TEST(test_load), UNIT_TEST(test_memory_policy),
          UNIT_TEST(test_net_devices), UNIT_TEST(test_intel_rdt))
