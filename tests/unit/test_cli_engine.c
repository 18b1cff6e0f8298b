/* SPDX-License-Identifier: Apache-2.0 */
/* The engine CLI's option parser (docker's syntax), its table writer and human formats. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/engine/ecli.h"
#include "unit.h"
#include "util/error.h"

#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define PARSE(verb, a, err, ...) ecli_parse(verb, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), a, err)

static const struct ecli_option run_options[] = {
        {"detach", 'd', ECLI_FLAG, NULL, "Run in the background"},
        {"interactive", 'i', ECLI_FLAG, NULL, "Keep stdin open"},
        {"tty", 't', ECLI_FLAG, NULL, "Allocate a pseudo-TTY"},
        {"rm", 0, ECLI_FLAG, NULL, "Remove when it exits"},
        {"env", 'e', ECLI_VALUES, "K=V", "Set an environment variable"},
        {"name", 0, ECLI_VALUE, "NAME", "Name the container"},
        {"hostname", 'h', ECLI_VALUE, "NAME", "Host name"},
        {"pull", 0, ECLI_VALUE, "POLICY", "Pull policy", .def = "missing"},
        {"verbose", 'v', ECLI_FLAG, NULL, "More"},
        {0},
};

static const struct ecli_verb run_verb = {
        .name = "run",
        .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        .summary = "Run",
        .options = run_options,
        .stop_at_positional = true,
        .min_args = 1,
};

static const struct ecli_option rm_options[] = {
        {"force", 'f', ECLI_FLAG, NULL, "Force"},
        {"time", 't', ECLI_VALUE, "SECONDS", "Wait"},
        {0},
};

static const struct ecli_verb rm_verb = {
        .name = "rm", .group = "volume", .summary = "Remove", .options = rm_options, .min_args = 1, .max_args = 2,
};

static const struct ecli_verb noargs_verb = {.name = "df", .summary = "Disk", .max_args = -1};

static void test_long_options_both_forms(void)
{
        struct ecli_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "--name", "web", "--rm", "--env=A=1", "busybox"), 0);
        CHECK_STR_EQ(ecli_value(&a, "name"), "web");
        CHECK(ecli_flag(&a, "rm"));
        CHECK(!ecli_flag(&a, "detach"));
        CHECK(!ecli_given(&a, "detach"));
        size_t n;
        const char *const *env = ecli_values(&a, "env", &n);
        CHECK_INT_EQ(n, 1);
        CHECK_STR_EQ(env[0], "A=1");
        CHECK(env[1] == NULL);
        CHECK_INT_EQ(a.argc, 1);
        CHECK_STR_EQ(a.argv[0], "busybox");
        CHECK(a.argv[1] == NULL);
        ecli_args_release(&a);
}

static void test_clustered_short_flags(void)
{
        struct ecli_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "-dit", "-vvv", "busybox", "sh"), 0);
        CHECK(ecli_flag(&a, "detach"));
        CHECK(ecli_flag(&a, "interactive"));
        CHECK(ecli_flag(&a, "tty"));
        CHECK_INT_EQ(ecli_count(&a, "verbose"), 3);
        CHECK_INT_EQ(a.argc, 2);
        ecli_args_release(&a);

        /* a value option ends the cluster: the rest of it, else the next argument */
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "-ite", "K=V", "-eX=1", "-e=Y=2", "-hbox", "img"), 0);
        CHECK(ecli_flag(&a, "tty"));
        const char *const *env = ecli_values(&a, "env", NULL);
        CHECK_STR_EQ(env[0], "K=V");
        CHECK_STR_EQ(env[1], "X=1");
        CHECK_STR_EQ(env[2], "Y=2");
        CHECK(env[3] == NULL);
        CHECK_STR_EQ(ecli_value(&a, "hostname"), "box");
        ecli_args_release(&a);
}

static void test_repeatable_and_last_wins(void)
{
        struct ecli_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "-e", "A=1", "--name", "x", "-e", "B=2", "--name=y",
                           "--env", "C=3", "img"),
                     0);
        size_t n;
        const char *const *env = ecli_values(&a, "env", &n);
        CHECK_INT_EQ(n, 3);
        CHECK_STR_EQ(env[0], "A=1");
        CHECK_STR_EQ(env[2], "C=3");
        CHECK_INT_EQ(ecli_count(&a, "env"), 3);
        CHECK_STR_EQ(ecli_value(&a, "name"), "y");
        CHECK_STR_EQ(ecli_value(&a, "pull"), "missing"); /* the default */
        ecli_args_release(&a);

        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "img"), 0);
        CHECK_INT_EQ(ecli_values(&a, "env", &n)[0] == NULL, 1);
        CHECK_INT_EQ(n, 0);
        CHECK(ecli_value(&a, "name") == NULL);
        ecli_args_release(&a);
}

static void test_boolean_values(void)
{
        struct ecli_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "--rm=false", "-d=true", "--tty=0", "img"), 0);
        CHECK(!ecli_flag(&a, "rm"));
        CHECK(ecli_given(&a, "rm"));
        CHECK(ecli_flag(&a, "detach"));
        CHECK(!ecli_flag(&a, "tty"));
        ecli_args_release(&a);

        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "--rm=maybe", "img"), -1);
        CHECK_CONTAINS(err.msg, "\"maybe\"");
        CHECK_CONTAINS(err.msg, "--rm");
}

static void test_stop_at_positional(void)
{
        struct ecli_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "-d", "busybox", "ls", "-l", "--rm", "--", "-d"), 0);
        CHECK(ecli_flag(&a, "detach"));
        CHECK(!ecli_flag(&a, "rm"));
        CHECK_INT_EQ(a.argc, 6);
        CHECK_STR_EQ(a.argv[0], "busybox");
        CHECK_STR_EQ(a.argv[2], "-l");
        CHECK_STR_EQ(a.argv[3], "--rm");
        CHECK_STR_EQ(a.argv[4], "--");
        CHECK_STR_EQ(a.argv[5], "-d");
        ecli_args_release(&a);
}

static void test_interspersed_and_double_dash(void)
{
        struct ecli_args a;
        struct cell_error err;
        /* without stop_at_positional, options may follow arguments */
        CHECK_INT_EQ(PARSE(&rm_verb, &a, &err, "rm", "vol1", "-f", "--", "-t"), 0);
        CHECK(ecli_flag(&a, "force"));
        CHECK(ecli_value(&a, "time") == NULL);
        CHECK_INT_EQ(a.argc, 2);
        CHECK_STR_EQ(a.argv[0], "vol1");
        CHECK_STR_EQ(a.argv[1], "-t"); /* after "--", and "--" itself dropped */
        ecli_args_release(&a);

        /* "-" alone is an argument */
        CHECK_INT_EQ(PARSE(&rm_verb, &a, &err, "rm", "-"), 0);
        CHECK_STR_EQ(a.argv[0], "-");
        ecli_args_release(&a);
}

static void test_help(void)
{
        struct ecli_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(&rm_verb, &a, &err, "rm", "--help"), 1);
        CHECK_INT_EQ(PARSE(&rm_verb, &a, &err, "rm", "-fh"), 1);
        /* run gives -h to --hostname, as docker does */
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "-h", "box", "img"), 0);
        CHECK_STR_EQ(ecli_value(&a, "hostname"), "box");
        ecli_args_release(&a);
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "--help"), 1);
}

static void test_bad_input(void)
{
        struct ecli_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "--bogus", "img"), -1);
        CHECK_CONTAINS(err.msg, "unknown flag: --bogus");
        CHECK_CONTAINS(err.msg, "cell run");
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "--bogus=1", "img"), -1);
        CHECK_CONTAINS(err.msg, "--bogus for");
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "-dx", "img"), -1);
        CHECK_CONTAINS(err.msg, "'x'");
        CHECK_CONTAINS(err.msg, "cell run");
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "img", "--name"), 0); /* the command's, after IMAGE */
        ecli_args_release(&a);
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "--name"), -1);
        CHECK_CONTAINS(err.msg, "flag needs an argument: --name");
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "-e"), -1);
        CHECK_CONTAINS(err.msg, "flag needs an argument");
        CHECK_INT_EQ(PARSE(&run_verb, &a, &err, "run", "-d"), -1);
        CHECK_CONTAINS(err.msg, "\"cell run\" requires at least 1 argument");
        CHECK_INT_EQ(PARSE(&rm_verb, &a, &err, "rm", "a", "b", "c"), -1);
        CHECK_CONTAINS(err.msg, "\"cell volume rm\" requires at most 2 arguments");
        CHECK_INT_EQ(PARSE(&noargs_verb, &a, &err, "df", "x"), -1);
        CHECK_CONTAINS(err.msg, "accepts no arguments");
        CHECK_INT_EQ(PARSE(&noargs_verb, &a, &err, "df", "--x"), -1);
        CHECK_CONTAINS(err.msg, "unknown flag: --x for 'cell df'");
}

static void test_value_int(void)
{
        struct ecli_args a;
        struct cell_error err;
        long long v = 0;
        CHECK_INT_EQ(PARSE(&rm_verb, &a, &err, "rm", "-t", "30", "x"), 0);
        CHECK_INT_EQ(ecli_value_int(&a, "time", 10, 0, 100, &v, &err), 0);
        CHECK_INT_EQ(v, 30);
        ecli_args_release(&a);
        CHECK_INT_EQ(PARSE(&rm_verb, &a, &err, "rm", "x"), 0);
        CHECK_INT_EQ(ecli_value_int(&a, "time", 10, 0, 100, &v, &err), 0);
        CHECK_INT_EQ(v, 10);
        ecli_args_release(&a);
        CHECK_INT_EQ(PARSE(&rm_verb, &a, &err, "rm", "-t", "3s", "x"), 0);
        CHECK_INT_EQ(ecli_value_int(&a, "time", 10, 0, 100, &v, &err), -1);
        CHECK_CONTAINS(err.msg, "invalid value \"3s\" for --time");
        ecli_args_release(&a);
        CHECK_INT_EQ(PARSE(&rm_verb, &a, &err, "rm", "--time=-1", "x"), 0);
        CHECK_INT_EQ(ecli_value_int(&a, "time", 10, 0, 100, &v, &err), -1);
        CHECK_CONTAINS(err.msg, "out of range");
        ecli_args_release(&a);
}

static char *capture_table(const struct ecli_table *t)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        ecli_table_print(t, f);
        fclose(f);
        return buf;
}

static void test_table(void)
{
        struct ecli_table *t = ecli_table_new(3, (const char *[]){"CONTAINER ID", "NAME", "STATUS"});
        ecli_table_add(t, (const char *[]){"abc", "a", "Up 5 seconds"});
        ecli_table_add(t, (const char *[]){"0123456789ab", NULL, "Exited (0) 2 minutes ago"});
        char *out = capture_table(t);
        /* max(10, widest + 3): "CONTAINER ID" + 3, then the minimum 10 for NAME */
        CHECK_STR_EQ(out, "CONTAINER ID   NAME      STATUS\n"
                          "abc            a         Up 5 seconds\n"
                          "0123456789ab             Exited (0) 2 minutes ago\n");
        free(out);
        ecli_table_free(t);
}

static void test_human_formats(void)
{
        char b[64];
        static const struct {
                int64_t s;
                const char *want;
        } durations[] = {
                {0, "Less than a second"}, {1, "1 second"},         {5, "5 seconds"},
                {60, "About a minute"},    {119, "About a minute"}, {120, "2 minutes"},
                {3599, "59 minutes"},      {3600, "About an hour"}, {5400, "2 hours"},
                {86400 * 3, "3 days"},     {86400 * 15, "2 weeks"}, {86400 * 90, "3 months"},
                {86400 * 800, "2 years"},
        };
        for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
                ecli_human_duration(durations[i].s, b, sizeof(b));
                CHECK_STR_EQ(b, durations[i].want);
        }
        static const struct {
                int64_t n;
                const char *want;
        } sizes[] = {{0, "0B"}, {999, "999B"}, {1000, "1kB"}, {1234567, "1.23MB"}, {4200000, "4.2MB"},
                     {5 * 1000 * 1000 * 1000LL, "5GB"}};
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                ecli_human_size(sizes[i].n, b, sizeof(b));
                CHECK_STR_EQ(b, sizes[i].want);
        }
        struct timespec ts;
        CHECK_INT_EQ(ecli_parse_rfc3339("2026-12-07T21:01:21.5Z", &ts), 0);
        CHECK_INT_EQ(ts.tv_sec, 1796677281);
        CHECK_INT_EQ(ts.tv_nsec, 500000000);
        CHECK_INT_EQ(ecli_parse_rfc3339("2026-12-07T22:01:21+01:00", &ts), 0);
        CHECK_INT_EQ(ts.tv_sec, 1796677281);
        CHECK_INT_EQ(ecli_parse_rfc3339("yesterday", &ts), -1);
        CHECK_INT_EQ(ecli_parse_rfc3339("2026-12-07T21:01:21", &ts), -1);

        char when[64];
        time_t now = time(NULL) - 125;
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        ecli_human_ago(when, b, sizeof(b));
        CHECK_STR_EQ(b, "2 minutes ago");
        ecli_human_status("exited", 3, when, when, b, sizeof(b));
        CHECK_STR_EQ(b, "Exited (3) 2 minutes ago");
        ecli_human_status("running", 0, when, NULL, b, sizeof(b));
        CHECK_STR_EQ(b, "Up 2 minutes");
        ecli_human_status("paused", 0, when, NULL, b, sizeof(b));
        CHECK_STR_EQ(b, "Up 2 minutes (Paused)");
        ecli_human_status("created", 0, NULL, NULL, b, sizeof(b));
        CHECK_STR_EQ(b, "Created");
}

static const struct ecli_option list_options[] = {
        ECLI_OPT_FORMAT,
        ECLI_OPT_QUIET,
        {0},
};

static const struct ecli_verb list_verb = {.name = "ls", .summary = "List", .options = list_options, .max_args = -1};

/* ecli_print_list() of two rows for `argv`, as stdout shows it; NULL on error. */
static char *print_list(int argc, char **argv, struct cell_error *err)
{
        struct ecli_args a;
        if (ecli_parse(&list_verb, argc, argv, &a, err) != 0)
                return NULL;
        struct json_object *rows = json_tokener_parse(
                "[{\"ID\": \"aaa111\", \"Name\": \"web\", \"Size\": 12, \"State\": {\"Status\": \"running\"}},"
                " {\"ID\": \"bbb222\", \"Name\": \"db\", \"Size\": 3, \"State\": {\"Status\": \"exited\"}}]");
        static const struct ecli_column cols[] = {{"CONTAINER ID", "ID"}, {"NAMES", "Name"}, {0}};
        fflush(stdout);
        FILE *tmp = tmpfile();
        int saved = dup(1);
        dup2(fileno(tmp), 1);
        int r = ecli_print_list(&a, rows, cols, "ID", err);
        fflush(stdout);
        dup2(saved, 1);
        close(saved);
        json_object_put(rows);
        ecli_args_release(&a);
        char *out = NULL;
        if (r == 0) {
                long len = ftell(tmp);
                out = calloc(1, (size_t)len + 1);
                rewind(tmp);
                if (fread(out, 1, (size_t)len, tmp) != (size_t)len)
                        out[0] = '\0';
        }
        fclose(tmp);
        return out;
}

static void test_print_list(void)
{
        struct cell_error err;
        char *out = print_list(ARGC("ls"), ARGV("ls"), &err);
        CHECK_STR_EQ(out, "CONTAINER ID   NAMES\naaa111         web\nbbb222         db\n");
        free(out);
        out = print_list(ARGC("ls", "-q"), ARGV("ls", "-q"), &err);
        CHECK_STR_EQ(out, "aaa111\nbbb222\n");
        free(out);
        out = print_list(ARGC("ls", "--format", "json"), ARGV("ls", "--format", "json"), &err);
        struct json_object *back = out ? json_tokener_parse(out) : NULL;
        CHECK(back && json_object_is_type(back, json_type_array) && json_object_array_length(back) == 2);
        json_object_put(back);
        free(out);
        out = print_list(ARGC("ls", "--format", "{{.Name}}:{{ .State.Status }} {{.Size}}"),
                         ARGV("ls", "--format", "{{.Name}}:{{ .State.Status }} {{.Size}}"), &err);
        CHECK_STR_EQ(out, "web:running 12\ndb:exited 3\n");
        free(out);
        out = print_list(ARGC("ls", "--format", "{{json .State}}"), ARGV("ls", "--format", "{{json .State}}"), &err);
        CHECK_STR_EQ(out, "{\"Status\":\"running\"}\n{\"Status\":\"exited\"}\n");
        free(out);
        out = print_list(ARGC("ls", "--format", "table {{.Name}}\\t{{.Size}}"),
                         ARGV("ls", "--format", "table {{.Name}}\\t{{.Size}}"), &err);
        CHECK_STR_EQ(out, "NAMES     SIZE\nweb       12\ndb        3\n");
        free(out);
        out = print_list(ARGC("ls", "--format", "{{.Nope}}"), ARGV("ls", "--format", "{{.Nope}}"), &err);
        CHECK(out == NULL);
        CHECK_CONTAINS(err.msg, "unknown field Nope");
        out = print_list(ARGC("ls", "--format", "yaml"), ARGV("ls", "--format", "yaml"), &err);
        CHECK(out == NULL);
        CHECK_CONTAINS(err.msg, "invalid --format \"yaml\"");
}

UNIT_MAIN(UNIT_TEST(test_print_list), UNIT_TEST(test_long_options_both_forms), UNIT_TEST(test_clustered_short_flags),
          UNIT_TEST(test_repeatable_and_last_wins), UNIT_TEST(test_boolean_values),
          UNIT_TEST(test_stop_at_positional), UNIT_TEST(test_interspersed_and_double_dash), UNIT_TEST(test_help),
          UNIT_TEST(test_bad_input), UNIT_TEST(test_value_int), UNIT_TEST(test_table),
          UNIT_TEST(test_human_formats))
