/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/vm.sh's baseline: the least a driver of cell's micro-VM must do.
 * Usage: vm_plain FRAMES_FILE QEMU_ARG...
 * Makes a socketpair, writes FRAMES_FILE (what cell sends the guest: the
 * configuration, stdin's end, the acknowledgement) into one end, and execs
 * QEMU with both ends open: "@IO@" in an argument becomes the fd QEMU gives the
 * guest's port.  QEMU keeps the other end, so the guest's output has somewhere
 * to go (and the port counts as connected: with a file chardev the guest's
 * writes block forever).  No relay, no timeout, no status: QEMU's exit is the end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        int sv[2];
        char buf[65536], fdstr[16];
        if (argc < 3 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
                return 125;
        int in = open(argv[1], O_RDONLY);
        ssize_t n = in < 0 ? -1 : read(in, buf, sizeof buf);
        if (n <= 0 || write(sv[0], buf, (size_t)n) != n)
                return 125;
        close(in);
        snprintf(fdstr, sizeof fdstr, "%d", sv[1]);
        for (int i = 2; i < argc; i++) {
                char *at = strstr(argv[i], "@IO@");
                if (at) {
                        size_t len = strlen(argv[i]) + strlen(fdstr);
                        char *s = malloc(len);
                        snprintf(s, len, "%.*s%s%s", (int)(at - argv[i]), argv[i], fdstr, at + 4);
                        argv[i] = s;
                }
        }
        execv(argv[2], argv + 2);
        perror(argv[2]);
        return 127;
}
