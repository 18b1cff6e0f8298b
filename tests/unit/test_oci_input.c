/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile input to src/oci/ and the bounded file readers: NUL bytes inside
 * JSON strings and keys, integers json-c would saturate, ids the kernel
 * reads as "unchanged", env entries without '=', device modes and default
 * devices, and files that never end.  Each case must fail with a message
 * naming the field (or the file) and the reason.  Documents are written
 * with single quotes and turned into JSON by json_of().
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/spec.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define BASE "'ociVersion':'1.0.2','root':{'path':'rootfs'}"
#define PROC_WITH(x) "'process':{'cwd':'/','args':['sh']" x "}"

static const char *json_of(const char *text)
{
        static char buf[4096];
        size_t i = 0;
        for (; text[i] && i + 1 < sizeof(buf); i++)
                buf[i] = text[i] == '\'' ? '"' : text[i];
        buf[i] = '\0';
        return buf;
}

struct bad {
        const char *json;
        const char *want; /* the whole message starts with the path: "process.env[1]: ..." */
};

static const struct bad bad_docs[] = {
        /* NUL inside strings: every string field, named by its path. */
        {"{" BASE "," PROC_WITH(",'env':['A=1','TERM=x\\u0000LD_PRELOAD=/x']") "}",
         "process.env[1]: contains a NUL byte"},
        {"{" BASE ",'process':{'cwd':'/','args':['sh','a\\u0000b']}}",
         "process.args[1]: contains a NUL byte"},
        {"{" BASE ",'process':{'cwd':'/tmp\\u0000/x','args':['sh']}}",
         "process.cwd: contains a NUL byte"},
        {"{'ociVersion':'1.0.2','root':{'path':'rootfs\\u0000x'}}",
         "root.path: contains a NUL byte"},
        {"{" BASE ",'mounts':[{'destination':'/dev/mqueue\\u0000/../../x','type':'tmpfs'}]}",
         "mounts[0].destination: contains a NUL byte"},
        {"{" BASE ",'linux':{'maskedPaths':['/proc/kcore\\u0000x']}}",
         "linux.maskedPaths[0]: contains a NUL byte"},
        {"{" BASE ",'hooks':{'prestart':[{'path':'/bin/true','env':['A=1\\u0000B=2']}]}}",
         "hooks.prestart[0].env[0]: contains a NUL byte"},
        {"{" BASE ",'hostname':'h\\u0000x'}", "hostname: contains a NUL byte"},
        {"{" BASE ",'annotations':{'a':'b\\u0000c'}}", "annotations.a: contains a NUL byte"},
        {"{" BASE "," PROC_WITH(",'capabilities':{'bounding':['CAP_KILL\\u0000x']}") "}",
         "process.capabilities.bounding[0]: contains a NUL byte"},
        {"{" BASE ",'linux':{'sysctl':{'net.ipv4.ip_forward':'1\\u0000'}}}",
         "linux.sysctl.net.ipv4.ip_forward: contains a NUL byte"},
        /* Ids the kernel cannot set: 4294967295 is "unchanged", i.e. root stays root. */
        {"{" BASE "," PROC_WITH(",'user':{'uid':4294967295}") "}",
         "process.user.uid: 4294967295 is not a valid user id"},
        {"{" BASE "," PROC_WITH(",'user':{'uid':0,'gid':4294967295}") "}",
         "process.user.gid: 4294967295 is not a valid group id"},
        {"{" BASE "," PROC_WITH(",'user':{'additionalGids':[4294967295]}") "}",
         "process.user.additionalGids[0]: 4294967295 is not a valid group id"},
        {"{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,"
         "'uid':4294967295}]}}",
         "linux.devices[0].uid: 4294967295 is not a valid user id"},
        {"{" BASE ",'linux':{'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':"
         "4294967295,'hostID':1000,'size':1}]}}",
         "linux.uidMappings[0]: containerID 4294967295 + size 1 goes past"},
        {"{" BASE ",'linux':{'namespaces':[{'type':'user'}],'gidMappings':[{'containerID':1,"
         "'hostID':0,'size':4294967295}]}}",
         "linux.gidMappings[0]: containerID 1 + size 4294967295 goes past"},
        {"{" BASE ",'linux':{'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,"
         "'hostID':0,'size':0}]}}",
         "linux.uidMappings[0].size: must not be 0"},
        /* Environment entries runc refuses when the process starts. */
        {"{" BASE "," PROC_WITH(",'env':['PATH=/bin','NOEQUALS']") "}",
         "process.env[1]: \"NOEQUALS\": missing '='"},
        {"{" BASE "," PROC_WITH(",'env':['=x']") "}",
         "process.env[0]: \"=x\": empty variable name"},
        /* Device modes: permission bits only. */
        {"{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,"
         "'fileMode':2486}]}}",
         "linux.devices[0].fileMode: 04666 has setuid"},
        {"{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,"
         "'fileMode':1073742262}]}}",
         "linux.devices[0].fileMode: 010000000666 is not a file mode"},
        /* Numbers mknod(2) would truncate into another device. */
        {"{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'b','major':4104,'minor':0}]}}",
         "linux.devices[0].major: 4104 is out of range (0..4095)"},
        {"{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'c','major':1,'minor':1048579}]}}",
         "linux.devices[0].minor: 1048579 is out of range (0..1048575)"},
        /* A default device replaced by another node. */
        {"{" BASE ",'linux':{'devices':[{'path':'/dev/null','type':'b','major':8,'minor':0}]}}",
         "linux.devices[0]: /dev/null must be the character device 1:3"},
        {"{" BASE ",'linux':{'devices':[{'path':'/dev//zero','type':'c','major':1,'minor':3}]}}",
         "linux.devices[0]: /dev/zero must be the character device 1:5"},
        {"{" BASE ",'linux':{'devices':[{'path':'/dev/x/../tty','type':'c','major':4,'minor':1}]}}",
         "linux.devices[0]: /dev/tty must be the character device 5:0"},
        /* Numbers: negative for unsigned, numbers as strings, floats. */
        {"{" BASE "," PROC_WITH(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':-1,'hard':1}]") "}",
         "process.rlimits[0].soft: -1 is out of range"},
        {"{" BASE "," PROC_WITH(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':'1','hard':1}]") "}",
         "process.rlimits[0].soft: must be an integer"},
        {"{" BASE ",'linux':{'resources':{'memory':{'limit':1e400}}}}",
         "linux.resources.memory.limit: must be an integer"},
};

static void test_bad_documents(void)
{
        for (size_t i = 0; i < CELL_ARRAY_SIZE(bad_docs); i++) {
                struct cell_error err = {0};
                struct cell_spec *spec = NULL;
                const char *json = json_of(bad_docs[i].json);
                if (cell_spec_parse(json, strlen(json), &spec, &err) == 0) {
                        fprintf(stderr, "  case %zu: accepted, expected \"%s\"\n", i,
                                bad_docs[i].want);
                        cell_spec_free(spec);
                        unit_failures_in_test++;
                        continue;
                }
                if (strncmp(err.msg, bad_docs[i].want, strlen(bad_docs[i].want)) != 0) {
                        fprintf(stderr, "  case %zu: got \"%s\", expected \"%s...\"\n", i, err.msg,
                                bad_docs[i].want);
                        unit_failures_in_test++;
                }
        }
}

/* What json-c loses while tokenizing: found in the text, with the literal. */
static void test_lost_in_tokenizer(void)
{
        static const struct {
                const char *json, *want;
        } cases[] = {
                {"{" BASE ",'annotations':{'a\\u0000b':'x'}}",
                 "invalid JSON: object key contains a NUL byte: 'a\\u0000b' at line 1"},
                {"{" BASE "," PROC_WITH(",'env\\u0000x':['A=1']") "}",
                 "invalid JSON: object key contains a NUL byte: 'env\\u0000x'"},
                {"{" BASE "," PROC_WITH(",'rlimits':[{'type':'RLIMIT_CORE','soft':1,"
                                        "'hard':18446744073709551616}]") "}",
                 "invalid JSON: integer out of range (more than 64 bits): 18446744073709551616 at "
                 "line 1"},
                {"{" BASE ",'linux':{'timeOffsets':{'monotonic':{'secs':-9223372036854775809}}}}",
                 "invalid JSON: integer out of range (more than 64 bits): -9223372036854775809"},
                {"{" BASE ",'x':1000000000000000000000000000000000000000000000000000000}",
                 "invalid JSON: integer out of range (more than 64 bits): 10000000000"},
        };
        for (size_t i = 0; i < CELL_ARRAY_SIZE(cases); i++) {
                struct cell_error err = {0};
                struct cell_spec *spec = NULL;
                char json[4096], want[4096];
                memcpy(json, json_of(cases[i].json), sizeof(json));
                memcpy(want, json_of(cases[i].want), sizeof(want));
                CHECK(cell_spec_parse(json, strlen(json), &spec, &err) < 0);
                CHECK_CONTAINS(err.msg, want);
        }
}

/* The edges that must still work: the largest ids, exact 64-bit integers. */
static void test_edges_accepted(void)
{
        struct cell_error err = {0};
        struct cell_spec *s = NULL;
        const char *json = json_of("{" BASE "," PROC_WITH(
                ",'user':{'uid':4294967294,'gid':4294967294},"
                "'env':['A=','B=c=d'],'rlimits':[{'type':'RLIMIT_CORE',"
                "'soft':18446744073709551615,'hard':18446744073709551615}]") ",'annotations':{'k':'"
                                                                             "a\\\\u0000b'},"
                                                                             "'linux':{'devices':[{"
                                                                             "'path':'/dev/"
                                                                             "null','type':'c','"
                                                                             "major':1,'minor':3,"
                                                                             "'fileMode':8630}]}}");
        CHECK(cell_spec_parse(json, strlen(json), &s, &err) == 0);
        if (!s) {
                fprintf(stderr, "  %s\n", err.msg);
                return;
        }
        CHECK_INT_EQ(s->process.uid, 4294967294U);
        CHECK(s->process.rlimits[0].hard == UINT64_MAX);
        CHECK_STR_EQ(s->annotations[0].value, "a\\u0000b"); /* an escaped backslash */
        CHECK_INT_EQ(s->linux.devices[0].file_mode, 0666);  /* S_IFCHR|0666 from stat(2) */
        cell_spec_free(s);
}

/* exec --process parses the same way: a NUL and a bad uid are refused. */
static void test_process_document(void)
{
        struct cell_error err = {0};
        struct cell_process p;
        const char *json = json_of("{'cwd':'/','args':['sh'],'user':{'uid':4294967295}}");
        CHECK(cell_process_parse(json, strlen(json), &p, &err) < 0);
        CHECK_STR_EQ(err.msg, "user.uid: 4294967295 is not a valid user id (0..4294967294)");
        json = json_of("{'cwd':'/','args':['sh'],'env':['X=1\\u0000Y=2']}");
        CHECK(cell_process_parse(json, strlen(json), &p, &err) < 0);
        CHECK_STR_EQ(err.msg, "env[0]: contains a NUL byte");

        struct cell_resources r;
        json = json_of("{'pids':{'limit':1},'unified':{'pids.max':'1\\u0000'}}");
        CHECK(cell_resources_parse(json, strlen(json), &r, &err) < 0);
        CHECK_STR_EQ(err.msg, "resources.unified.pids.max: contains a NUL byte");
}

/* The bounded readers: no device, FIFO or oversized file is read. */
static void test_bounded_reads(void)
{
        struct cell_error err = {0};
        char *text = NULL;
        size_t len;
        CHECK(cell_read_input("config.json", "/dev/zero", false, &text, &len, &err) < 0);
        CHECK_STR_EQ(err.msg, "config.json /dev/zero: not a regular file");
        CHECK(cell_read_file("/dev/urandom", &text, &len, &err) < 0);
        CHECK_STR_EQ(err.msg, "/dev/urandom: not a regular file");

        char dir[] = "/tmp/cell-test-input-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        char path[128];
        snprintf(path, sizeof(path), "%s/fifo", dir);
        CHECK(mkfifo(path, 0600) == 0);
        CHECK(cell_read_input("--process", path, true, &text, &len, &err) < 0); /* no hang */
        CHECK_CONTAINS(err.msg, "not a regular file");
        unlink(path);

        snprintf(path, sizeof(path), "%s/sparse", dir);
        int fd = open(path, O_WRONLY | O_CREAT, 0600);
        CHECK(fd >= 0 && ftruncate(fd, (off_t)1 << 40) == 0);
        close(fd);
        CHECK(cell_read_input("--resources", path, true, &text, &len, &err) < 0);
        char want[256];
        snprintf(want, sizeof(want), "--resources %s: larger than %zu bytes", path, CELL_INPUT_MAX);
        CHECK_STR_EQ(err.msg, want);
        CHECK(cell_read_file(path, &text, &len, &err) < 0);
        CHECK_CONTAINS(err.msg, "larger than");

        /* Exactly the cap is fine. */
        fd = open(path, O_WRONLY | O_TRUNC);
        CHECK(fd >= 0 && ftruncate(fd, (off_t)CELL_INPUT_MAX) == 0);
        close(fd);
        CHECK(cell_read_input("config.json", path, false, &text, &len, &err) == 0);
        CHECK_INT_EQ(len, CELL_INPUT_MAX);
        free(text);
        unlink(path);
        rmdir(dir);
}

/* Standard input: any type, the same cap. */
static void test_bounded_stdin(void)
{
        struct cell_error err = {0};
        char *text = NULL;
        size_t len;
        int saved = dup(STDIN_FILENO);
        int zero = open("/dev/zero", O_RDONLY);
        CHECK(saved >= 0 && zero >= 0 && dup2(zero, STDIN_FILENO) == STDIN_FILENO);
        CHECK(cell_read_input("--process", "-", true, &text, &len, &err) < 0);
        CHECK_CONTAINS(err.msg, "--process - (standard input): larger than");
        /* Without allow_stdin, "-" is a file name. */
        CHECK(cell_read_input("config.json", "-", false, &text, &len, &err) < 0);
        CHECK_CONTAINS(err.msg, "open config.json -");
        dup2(saved, STDIN_FILENO);
        close(saved);
        close(zero);
}

UNIT_MAIN(UNIT_TEST(test_bad_documents), UNIT_TEST(test_lost_in_tokenizer),
          UNIT_TEST(test_edges_accepted), UNIT_TEST(test_process_document),
          UNIT_TEST(test_bounded_reads), UNIT_TEST(test_bounded_stdin))
