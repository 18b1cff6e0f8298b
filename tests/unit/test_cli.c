/* SPDX-License-Identifier: Apache-2.0 */
/* The command line's pure parts: signal names and the option parsers. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/oci/options.h"
#include "unit.h"
#include "util/error.h"
#include "util/signals.h"

/* getopt permutes argv, so every call gets a fresh, writable array. */
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define PARSE(fn, out, err, ...) fn(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), out, err)

static int parse_signal(const char *s)
{
        struct cell_error err;
        cell_error_clear(&err);
        int sig = -100;
        if (cell_signal_parse(s, &sig, &err) < 0)
                return -1;
        return sig;
}

static void test_signal_names_and_numbers(void)
{
        CHECK_INT_EQ(parse_signal("TERM"), SIGTERM);
        CHECK_INT_EQ(parse_signal("SIGTERM"), SIGTERM);
        CHECK_INT_EQ(parse_signal("sigkill"), SIGKILL);
        CHECK_INT_EQ(parse_signal("Kill"), SIGKILL);
        CHECK_INT_EQ(parse_signal("SigHup"), SIGHUP);
        CHECK_INT_EQ(parse_signal("usr1"), SIGUSR1);
        CHECK_INT_EQ(parse_signal("WINCH"), SIGWINCH);
        CHECK_INT_EQ(parse_signal("IOT"), SIGABRT);
        CHECK_INT_EQ(parse_signal("CLD"), SIGCHLD);
        CHECK_INT_EQ(parse_signal("POLL"), SIGIO);
        CHECK_INT_EQ(parse_signal("9"), 9);
        CHECK_INT_EQ(parse_signal("15"), 15);
        CHECK_INT_EQ(parse_signal("0"), 0);
        CHECK_INT_EQ(parse_signal("64"), 64);
}

static void test_signal_realtime(void)
{
        CHECK_INT_EQ(parse_signal("RTMIN"), 34);
        CHECK_INT_EQ(parse_signal("SIGRTMIN"), 34);
        CHECK_INT_EQ(parse_signal("rtmin+3"), 34 + 3);
        CHECK_INT_EQ(parse_signal("SIGRTMIN+30"), 64);
        CHECK_INT_EQ(parse_signal("RTMAX"), 64);
        CHECK_INT_EQ(parse_signal("SIGRTMAX-2"), 64 - 2);
        CHECK_INT_EQ(parse_signal("RTMIN+31"), -1);
        CHECK_INT_EQ(parse_signal("RTMAX+1"), -1);
        CHECK_INT_EQ(parse_signal("RTMIN-1"), -1);
        CHECK_INT_EQ(parse_signal("RTMIN+"), -1);
        CHECK_INT_EQ(parse_signal("RTMIN+x"), -1);
        CHECK_INT_EQ(parse_signal("RTMINUTE"), -1);
}

static void test_signal_invalid(void)
{
        const char *bad[] = {"",   "FOO", "SIG", "SIGSIGTERM",           "65",    "-9",
                             " 9", "9x",  "+9",  "99999999999999999999", "TERM ", "1e3"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (parse_signal(bad[i]) != -1)
                        fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
                CHECK_INT_EQ(parse_signal(bad[i]), -1);
        }

        struct cell_error err;
        cell_error_clear(&err);
        int sig = 42;
        CHECK_INT_EQ(cell_signal_parse("FOO", &sig, &err), -1);
        CHECK_STR_EQ(err.msg, "invalid signal \"FOO\"");
        CHECK_INT_EQ(err.errnum, 0);
        CHECK_INT_EQ(sig, 42); /* untouched on failure */
}

static void test_signal_name(void)
{
        CHECK_STR_EQ(cell_signal_name(SIGTERM), "SIGTERM");
        CHECK_STR_EQ(cell_signal_name(SIGABRT), "SIGABRT"); /* not its alias SIGIOT */
        CHECK_STR_EQ(cell_signal_name(SIGCHLD), "SIGCHLD");
        CHECK_STR_EQ(cell_signal_name(34), "SIGRTMIN");
        CHECK_STR_EQ(cell_signal_name(34 + 2), "SIGRTMIN+2");
        CHECK_STR_EQ(cell_signal_name(64), "SIGRTMAX");
        CHECK(cell_signal_name(0) == NULL);
        CHECK(cell_signal_name(-1) == NULL);
        CHECK(cell_signal_name(64 + 1) == NULL);
        CHECK(cell_signal_name(32) == NULL); /* reserved by the libc for its threads */

        /* Every named signal parses back to itself. */
        for (int sig = 1; sig <= 64; sig++) {
                const char *name = cell_signal_name(sig);
                if (name && parse_signal(name) != sig)
                        fprintf(stderr, "  %d -> %s -> %d\n", sig, name, parse_signal(name));
                CHECK(!name || parse_signal(name) == sig);
        }
}

/* struct sigaction as rt_sigaction(2) takes it (musl's sigaction refuses 32..34). */
struct kernel_sigaction {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long long mask;
};

/* The kernel's view of one signal's handler (the libc may refuse to tell). */
static void *kernel_handler(int sig)
{
        struct kernel_sigaction old = {0};
        if (syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(old.mask)) < 0)
                return (void *)-2;
        return old.handler;
}

static void on_signal(int sig)
{
        (void)sig;
}

/* Ignored and caught signals back to SIG_DFL; read from /proc, so also
 * checked with /proc out of reach (the one-by-one fallback). */
static void check_signals_reset(bool hide_proc)
{
        pid_t pid = fork();
        if (pid == 0) {
                if (hide_proc && (unshare(CLONE_NEWNS) < 0 ||
                                  mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                                  mount("tmpfs", "/proc", "tmpfs", 0, NULL) < 0))
                        _exit(4);
                /* SIG_IGN for a standard signal and for 34, which musl keeps for
                 * itself; a blocked mask with every bit. */
                struct kernel_sigaction ign = {.handler = SIG_IGN};
                syscall(SYS_rt_sigaction, SIGUSR1, &ign, NULL, sizeof(ign.mask));
                syscall(SYS_rt_sigaction, 34, &ign, NULL, sizeof(ign.mask));
                syscall(SYS_rt_sigaction, 64, &ign, NULL, sizeof(ign.mask));
                /* and a caught one */
                struct sigaction caught = {.sa_handler = on_signal};
                sigaction(SIGHUP, &caught, NULL);
                sigset_t all;
                cell_sigset_fill(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                unsigned long long mask = 0;
                syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &mask, sizeof(mask));
                if (kernel_handler(34) != SIG_IGN || !(mask & (1ULL << (34 - 1))) ||
                    !(mask & (1ULL << (SIGTERM - 1))))
                        _exit(2);
                cell_signals_reset();
                syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &mask, sizeof(mask));
                _exit(kernel_handler(SIGUSR1) == SIG_DFL && kernel_handler(34) == SIG_DFL &&
                                      kernel_handler(64) == SIG_DFL &&
                                      kernel_handler(SIGHUP) == SIG_DFL && mask == 0
                              ? 0
                              : 3);
        }
        int status = -1;
        CHECK_INT_EQ(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status));
        CHECK_INT_EQ(WEXITSTATUS(status), 0);
}

static void test_signals_reset(void)
{
        check_signals_reset(false);
        check_signals_reset(true);
}

/* Error texts read as runc's (Go's) whichever libc cell is built with. */
static void test_errno_texts(void)
{
        CHECK_STR_EQ(cell_strerror(ENOENT), "No such file or directory");
        CHECK_STR_EQ(cell_strerror(EBUSY), "Device or resource busy");
        CHECK_STR_EQ(cell_strerror(EMFILE), "Too many open files");
        CHECK_STR_EQ(cell_strerror(ELOOP), "Too many levels of symbolic links");
        CHECK_STR_EQ(cell_strerror(ENOMEM), "Cannot allocate memory");
        CHECK_STR_EQ(cell_strerror(EIO), "Input/output error");
        CHECK_STR_EQ(cell_strerror(EHWPOISON), "Memory page has hardware error");
        CHECK_STR_EQ(cell_strerror(0), "Unknown error 0");
        CHECK_STR_EQ(cell_strerror(4242), "Unknown error 4242");
        struct cell_error err;
        cell_error_clear(&err);
        errno = EACCES;
        cell_error_errno(&err, "open %s", "/x");
        CHECK_STR_EQ(err.msg, "open /x: Permission denied");
        CHECK_INT_EQ(err.errnum, EACCES);
}

static void test_global_defaults_and_verb(void)
{
        struct cli_global_options g;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "state", "--root", "x"), 0);
        CHECK_STR_EQ(g.root, CELL_DEFAULT_ROOT);
        CHECK(g.log_path == NULL);
        CHECK_INT_EQ(g.log_format, CELL_LOG_TEXT);
        CHECK_INT_EQ(g.cgroup_manager, CELL_CGROUP_MANAGER_CGROUPFS);
        CHECK(!g.debug && !g.help && !g.version);
        CHECK_INT_EQ(g.verb_index, 1); /* stops at the verb: its options are its own */

        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell"), 0);
        CHECK_INT_EQ(g.verb_index, 1);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--debug"), 0);
        CHECK_INT_EQ(g.verb_index, 2);
        CHECK(g.debug);
}

static void test_global_options(void)
{
        struct cli_global_options g;
        struct cell_error err;
        cell_error_clear(&err);
        char **argv = ARGV("cell", "--root", "/r", "--log=/l", "--log-format", "json", "--debug",
                           "--rootless=true", "--criu", "/usr/sbin/criu", "kill", "--all", "id");
        CHECK_INT_EQ(cli_parse_global(13, argv, &g, &err), 0);
        CHECK_STR_EQ(g.root, "/r");
        CHECK_STR_EQ(g.log_path, "/l");
        CHECK_INT_EQ(g.log_format, CELL_LOG_JSON);
        CHECK(g.debug);
        CHECK_INT_EQ(g.verb_index, 10);
        CHECK_STR_EQ(argv[g.verb_index], "kill");

        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--root=/a", "--root", "/b", "x"),
                     0);
        CHECK_STR_EQ(g.root, "/b"); /* the last one wins */
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--log-format=text", "x"), 0);
        CHECK_INT_EQ(g.log_format, CELL_LOG_TEXT);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "-v"), 0);
        CHECK(g.version);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--version"), 0);
        CHECK(g.version);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "-h"), 0);
        CHECK(g.help);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--help"), 0);
        CHECK(g.help);
}

static void test_global_cgroup_manager(void)
{
        struct cli_global_options g;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--systemd-cgroup", "x"), 0);
        CHECK_INT_EQ(g.cgroup_manager, CELL_CGROUP_MANAGER_SYSTEMD);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--cgroup-manager", "disabled"), 0);
        CHECK_INT_EQ(g.cgroup_manager, CELL_CGROUP_MANAGER_DISABLED);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--cgroup-manager=systemd"), 0);
        CHECK_INT_EQ(g.cgroup_manager, CELL_CGROUP_MANAGER_SYSTEMD);
        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--systemd-cgroup",
                           "--cgroup-manager=cgroupfs"),
                     0);
        CHECK_INT_EQ(g.cgroup_manager, CELL_CGROUP_MANAGER_CGROUPFS);

        CHECK_INT_EQ(PARSE(cli_parse_global, &g, &err, "cell", "--cgroup-manager", "cgroupv3"), -1);
        CHECK_STR_EQ(
                err.msg,
                "invalid --cgroup-manager \"cgroupv3\": must be cgroupfs, systemd or disabled");
}

/* Parse the global options of `argv`; expect failure with `msg`. */
static void check_global_error(int argc, char **argv, const char *msg)
{
        struct cli_global_options g;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(cli_parse_global(argc, argv, &g, &err), -1);
        CHECK_STR_EQ(err.msg, msg);
}

#define CHECK_GLOBAL_ERROR(msg, ...) check_global_error(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), msg)

static void test_global_errors(void)
{
        CHECK_GLOBAL_ERROR("unknown option --foo", "cell", "--foo", "list");
        CHECK_GLOBAL_ERROR("unknown option --foo", "cell", "--foo=bar", "list");
        CHECK_GLOBAL_ERROR("unknown option -x", "cell", "-x", "list");
        /* an unknown short option inside a cluster is named by itself */
        CHECK_GLOBAL_ERROR("unknown option -x", "cell", "--debug", "-xv", "list");
        CHECK_GLOBAL_ERROR("option --log requires an argument", "cell", "--log");
        CHECK_GLOBAL_ERROR("option --root requires an argument", "cell", "--root");
        CHECK_GLOBAL_ERROR("option --debug does not take an argument", "cell", "--debug=1", "x");
        CHECK_GLOBAL_ERROR("invalid --log-format \"xml\": must be text or json", "cell",
                           "--log-format", "xml", "list");
        CHECK_GLOBAL_ERROR("invalid --rootless \"list\": must be true, false or auto", "cell",
                           "--rootless", "list");
}

static void test_create_options(void)
{
        struct cli_create_args a;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "ctr"), 0);
        CHECK_STR_EQ(a.id, "ctr");
        CHECK_STR_EQ(a.opts.bundle, ".");
        CHECK(a.opts.pid_file == NULL && a.opts.console_socket == NULL);
        CHECK(!a.opts.no_pivot && !a.opts.no_new_keyring && !a.opts.detach && !a.opts.keep);
        CHECK_INT_EQ(a.opts.preserve_fds, 0);
        CHECK(!a.help);

        /* what conmon and containerd's go-runc pass */
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "--bundle", "/b", "--pid-file",
                           "/p", "--console-socket=/s", "--no-pivot", "--no-new-keyring",
                           "--preserve-fds", "2", "--detach", "--no-subreaper", "ctr"),
                     0);
        CHECK_STR_EQ(a.id, "ctr");
        CHECK_STR_EQ(a.opts.bundle, "/b");
        CHECK_STR_EQ(a.opts.pid_file, "/p");
        CHECK_STR_EQ(a.opts.console_socket, "/s");
        CHECK(a.opts.no_pivot && a.opts.no_new_keyring);
        CHECK_INT_EQ(a.opts.preserve_fds, 2);
        CHECK(!a.opts.detach); /* create always returns at once */

        /* short form, options after the id */
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "ctr", "-b", "/c"), 0);
        CHECK_STR_EQ(a.id, "ctr");
        CHECK_STR_EQ(a.opts.bundle, "/c");
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "-b/d", "ctr"), 0);
        CHECK_STR_EQ(a.opts.bundle, "/d");
}

static void test_create_errors(void)
{
        struct cli_create_args a;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create"), -1);
        CHECK_STR_EQ(err.msg, "\"create\" requires exactly 1 argument(s)");
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "a", "b"), -1);
        CHECK_STR_EQ(err.msg, "\"create\" requires exactly 1 argument(s)");
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "--keep", "a"), -1);
        CHECK_STR_EQ(err.msg, "unknown option --keep");
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "a", "--bundle"), -1);
        CHECK_STR_EQ(err.msg, "option --bundle requires an argument");
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "a", "-b"), -1);
        CHECK_STR_EQ(err.msg, "option -b requires an argument");
        const char *bad_fds[] = {"-1", "x", "", "1x", "99999999999"};
        for (size_t i = 0; i < sizeof(bad_fds) / sizeof(bad_fds[0]); i++) {
                char *fds = (char *)bad_fds[i];
                CHECK_INT_EQ(
                        PARSE(cli_parse_create, &a, &err, "create", "--preserve-fds", fds, "a"),
                        -1);
                CHECK_CONTAINS(err.msg, "invalid --preserve-fds");
        }
        /* --help wins over a missing id */
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "--help"), 0);
        CHECK(a.help);
        CHECK_INT_EQ(PARSE(cli_parse_create, &a, &err, "create", "-h"), 0);
        CHECK(a.help);
}

static void test_run_options(void)
{
        struct cli_create_args a;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(PARSE(cli_parse_run, &a, &err, "run", "ctr"), 0);
        CHECK(!a.opts.detach && !a.opts.keep);
        CHECK_INT_EQ(PARSE(cli_parse_run, &a, &err, "run", "-d", "--keep", "-b", "/b", "ctr"), 0);
        CHECK(a.opts.detach && a.opts.keep);
        CHECK_STR_EQ(a.opts.bundle, "/b");
        CHECK_STR_EQ(a.id, "ctr");
        CHECK_INT_EQ(PARSE(cli_parse_run, &a, &err, "run", "--detach", "ctr"), 0);
        CHECK(a.opts.detach);
        CHECK_INT_EQ(PARSE(cli_parse_run, &a, &err, "run"), -1);
        CHECK_STR_EQ(err.msg, "\"run\" requires exactly 1 argument(s)");
}

static void test_kill_options(void)
{
        struct cli_kill_args a;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(PARSE(cli_parse_kill, &a, &err, "kill", "ctr"), 0);
        CHECK_STR_EQ(a.id, "ctr");
        CHECK_INT_EQ(a.signal, SIGTERM);
        CHECK(!a.all);
        CHECK_INT_EQ(PARSE(cli_parse_kill, &a, &err, "kill", "--all", "ctr", "KILL"), 0);
        CHECK(a.all);
        CHECK_INT_EQ(a.signal, SIGKILL);
        CHECK_INT_EQ(PARSE(cli_parse_kill, &a, &err, "kill", "-a", "ctr", "9"), 0);
        CHECK(a.all);
        CHECK_INT_EQ(a.signal, 9);
        CHECK_INT_EQ(PARSE(cli_parse_kill, &a, &err, "kill", "ctr", "sigusr1"), 0);
        CHECK_INT_EQ(a.signal, SIGUSR1);

        CHECK_INT_EQ(PARSE(cli_parse_kill, &a, &err, "kill", "ctr", "FOO"), -1);
        CHECK_STR_EQ(err.msg, "invalid signal \"FOO\"");
        CHECK_INT_EQ(PARSE(cli_parse_kill, &a, &err, "kill"), -1);
        CHECK_STR_EQ(err.msg, "\"kill\" requires a minimum of 1 argument(s)");
        CHECK_INT_EQ(PARSE(cli_parse_kill, &a, &err, "kill", "a", "b", "c"), -1);
        CHECK_STR_EQ(err.msg, "\"kill\" requires a maximum of 2 argument(s)");
        CHECK_INT_EQ(PARSE(cli_parse_kill, &a, &err, "kill", "--force", "a"), -1);
        CHECK_STR_EQ(err.msg, "unknown option --force");
}

static void test_delete_and_id_verbs(void)
{
        struct cli_delete_args d;
        struct cli_id_args s;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(PARSE(cli_parse_delete, &d, &err, "delete", "ctr"), 0);
        CHECK_STR_EQ(d.id, "ctr");
        CHECK(!d.force);
        CHECK_INT_EQ(PARSE(cli_parse_delete, &d, &err, "delete", "--force", "ctr"), 0);
        CHECK(d.force);
        CHECK_INT_EQ(PARSE(cli_parse_delete, &d, &err, "delete", "ctr", "-f"), 0);
        CHECK(d.force);
        CHECK_INT_EQ(PARSE(cli_parse_delete, &d, &err, "delete"), -1);
        CHECK_STR_EQ(err.msg, "\"delete\" requires exactly 1 argument(s)");

        CHECK_INT_EQ(PARSE(cli_parse_id_only, &s, &err, "start", "ctr"), 0);
        CHECK_STR_EQ(s.id, "ctr");
        CHECK_INT_EQ(PARSE(cli_parse_id_only, &s, &err, "start"), -1);
        CHECK_STR_EQ(err.msg, "\"start\" requires exactly 1 argument(s)");
        CHECK_INT_EQ(PARSE(cli_parse_id_only, &s, &err, "state", "a", "b"), -1);
        CHECK_STR_EQ(err.msg, "\"state\" requires exactly 1 argument(s)");
        CHECK_INT_EQ(PARSE(cli_parse_id_only, &s, &err, "state", "-a", "x"), -1);
        CHECK_STR_EQ(err.msg, "unknown option -a");
}

static void test_list_options(void)
{
        struct cli_list_args a;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(PARSE(cli_parse_list, &a, &err, "list"), 0);
        CHECK_INT_EQ(a.format, CLI_LIST_TABLE);
        CHECK(!a.quiet);
        CHECK_INT_EQ(PARSE(cli_parse_list, &a, &err, "list", "--format=json"), 0);
        CHECK_INT_EQ(a.format, CLI_LIST_JSON);
        CHECK_INT_EQ(PARSE(cli_parse_list, &a, &err, "list", "-f", "json", "-q"), 0);
        CHECK_INT_EQ(a.format, CLI_LIST_JSON);
        CHECK(a.quiet);
        CHECK_INT_EQ(PARSE(cli_parse_list, &a, &err, "list", "--format", "table", "--quiet"), 0);
        CHECK_INT_EQ(a.format, CLI_LIST_TABLE);
        CHECK(a.quiet);
        CHECK_INT_EQ(PARSE(cli_parse_list, &a, &err, "list", "--format", "yaml"), -1);
        CHECK_STR_EQ(err.msg, "invalid --format \"yaml\": must be table or json");
        CHECK_INT_EQ(PARSE(cli_parse_list, &a, &err, "list", "x"), -1);
        CHECK_STR_EQ(err.msg, "\"list\" requires exactly 0 argument(s)");
}

static void test_spec_and_features_options(void)
{
        struct cli_spec_args a;
        struct cli_no_args n;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(PARSE(cli_parse_spec, &a, &err, "spec"), 0);
        CHECK_STR_EQ(a.bundle, ".");
        CHECK(!a.rootless);
        CHECK_INT_EQ(PARSE(cli_parse_spec, &a, &err, "spec", "--rootless", "-b", "/x"), 0);
        CHECK(a.rootless);
        CHECK_STR_EQ(a.bundle, "/x");
        CHECK_INT_EQ(PARSE(cli_parse_spec, &a, &err, "spec", "--bundle=/y"), 0);
        CHECK_STR_EQ(a.bundle, "/y");
        CHECK_INT_EQ(PARSE(cli_parse_spec, &a, &err, "spec", "extra"), -1);
        CHECK_STR_EQ(err.msg, "\"spec\" requires exactly 0 argument(s)");

        CHECK_INT_EQ(PARSE(cli_parse_no_args, &n, &err, "features"), 0);
        CHECK(!n.help);
        CHECK_INT_EQ(PARSE(cli_parse_no_args, &n, &err, "features", "--help"), 0);
        CHECK(n.help);
        CHECK_INT_EQ(PARSE(cli_parse_no_args, &n, &err, "features", "x"), -1);
        CHECK_STR_EQ(err.msg, "\"features\" requires exactly 0 argument(s)");
}

UNIT_MAIN(UNIT_TEST(test_signal_names_and_numbers), UNIT_TEST(test_signal_realtime),
          UNIT_TEST(test_signal_invalid), UNIT_TEST(test_signal_name),
          UNIT_TEST(test_signals_reset), UNIT_TEST(test_errno_texts),
          UNIT_TEST(test_global_defaults_and_verb), UNIT_TEST(test_global_options),
          UNIT_TEST(test_global_cgroup_manager), UNIT_TEST(test_global_errors),
          UNIT_TEST(test_create_options), UNIT_TEST(test_create_errors),
          UNIT_TEST(test_run_options), UNIT_TEST(test_kill_options),
          UNIT_TEST(test_delete_and_id_verbs), UNIT_TEST(test_list_options),
          UNIT_TEST(test_spec_and_features_options))
