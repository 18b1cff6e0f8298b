/* SPDX-License-Identifier: Apache-2.0 */
/* `cell login [-u USER] [-p PASSWORD | --password-stdin] REGISTRY`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/engine/ecli.h"
#include "cli/engine/registry_opts.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const struct ecli_option options[] = {
        REGISTRY_OPTIONS,
        {"username", 'u', ECLI_VALUE, "USER", "User name"},
        {"password", 'p', ECLI_VALUE, "PASSWORD",
         "Password (visible to other users: prefer --password-stdin)"},
        {"password-stdin", 0, ECLI_FLAG, NULL, "Read the password from standard input"},
        {0},
};

/* One line from the terminal, without its newline; echo off for a secret. */
static char *prompt(const char *text, bool secret)
{
        if (!isatty(STDIN_FILENO))
                return NULL;
        /* Echo off before the prompt shows, and without flushing: what is
         * typed as soon as the prompt appears must be neither shown nor lost. */
        struct termios old, quiet;
        bool restore = secret && tcgetattr(STDIN_FILENO, &old) == 0;
        if (restore) {
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t)ECHO;
                tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        }
        fputs(text, stderr);
        fflush(stderr);
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, stdin);
        if (restore) {
                tcsetattr(STDIN_FILENO, TCSANOW, &old);
                fputc('\n', stderr);
        }
        if (n < 0) {
                free(line);
                return NULL;
        }
        line[strcspn(line, "\r\n")] = '\0';
        return line;
}

static int read_password_stdin(char **out, struct cell_error *err)
{
        size_t len;
        if (cell_read_input("--password-stdin", "-", true, out, &len, err) < 0)
                return -1;
        while (len && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
                (*out)[--len] = '\0';
        return 0;
}

static int run_login(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        (void)ctx;
        struct cell_error err = {0};
        struct cell_pull_opts o = CELL_PULL_OPTS_DEFAULT;
        registry_opts_read(a, &o);
        const char *registry = a->argv[0];
        _cleanup_free_ char *user = xstrdup_or_null(ecli_value(a, "username"));
        _cleanup_free_ char *password = xstrdup_or_null(ecli_value(a, "password"));
        if (password && ecli_flag(a, "password-stdin"))
                return ecli_error("login: --password and --password-stdin are mutually exclusive");
        if (ecli_flag(a, "password-stdin")) {
                if (!user)
                        return ecli_error("login: --password-stdin needs --username");
                if (read_password_stdin(&password, &err) < 0)
                        return ecli_fail(&err);
        }
        if (!user && !(user = prompt("Username: ", false)))
                return ecli_error("login to %s: no user name given (-u) and no terminal to ask on",
                                  registry);
        if (!password && !(password = prompt("Password: ", true)))
                return ecli_error(
                        "login to %s: no password given (-p, --password-stdin) and no terminal "
                        "to ask on",
                        registry);
        if (cell_registry_login(registry, user, password, &o, &err) < 0)
                return ecli_fail(&err);
        puts("Login Succeeded!");
        return 0;
}

const struct ecli_verb ecli_verb_login = {
        .name = "login",
        .usage = "[OPTIONS] REGISTRY",
        .summary = "Log in to a registry",
        .description =
                "Checks the credentials against the registry (its /v2/ endpoint, through its token "
                "server when it uses one) and, when they are accepted, stores them in the "
                "authentication file as podman does ({\"auths\":{\"HOST\":{\"auth\":\"...\"}}}). "
                "Wrong credentials store nothing.",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_login,
};
