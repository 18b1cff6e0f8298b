/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_VM_PROTOCOL_H
#define CELL_VM_PROTOCOL_H

/*
 * The one channel between the VM driver (host) and cell-guest-init (PID 1 in
 * the guest): a virtio-console port named CELL_VM_PORT_NAME, backed on the
 * host by one end of a socketpair handed to QEMU.
 *
 * Why one channel for everything: virtio-console ports are independent
 * virtqueues and a guest write() returns once the buffer is queued, not once
 * the host has it.  Stdout, stderr and the exit record on separate ports could
 * overtake one another, and a guest that powers off right after its exit
 * record could lose output still queued on another port.  On one port the
 * order is the guest's order, and the host acknowledges the exit record, after
 * which the guest may power off knowing everything before it arrived.
 *
 * Every message is a frame: a 6-byte header, type (1 byte), session (1 byte)
 * and payload length (4 bytes, little endian, at most CELL_VM_FRAME_MAX), then
 * the payload.  Session 0 is the VM's own process (the container's); sessions
 * 1..CELL_VM_SESSIONS_MAX-1 are `exec`s into the running VM, each opened by a
 * CONFIG frame of its own and ended by its EXIT or ERROR (not acknowledged: only
 * session 0's exit powers the VM off).
 *
 * Host to guest:
 *   CONFIG  once, first: NUL-terminated "key=value" records (see below)
 *   STDIN   bytes for the process' stdin
 *   STDIN_EOF  no payload: the process' stdin reaches end of file
 *   SIGNAL  decimal signal number, sent to the process
 *   RESIZE  "<rows> <cols>": the terminal's new size (a session with tty=1)
 *   ACK     no payload: the exit record arrived, the guest may power off
 * Guest to host:
 *   STARTED decimal pid of the process in the guest
 *   STDOUT, STDERR  the process' output
 *   EXIT    decimal exit status as docker reports it (128+N after signal N)
 *   ERROR   "<status> <message>": the process could not be started
 *           (status 125 setup, 126 not executable, 127 not found)
 *
 * CONFIG records: "arg=" (one per argv element, in order, at least one),
 * "env=" (one per variable), "cwd=", "uid=", "gid=", "groups=" (comma list of
 * gids), "hostname=", "rootfs=" ("overlay": the shared rootfs read-only under
 * a tmpfs writable layer; "shared": the shared directory itself, writable;
 * "shared-ro": the same, read-only),
 * "tty=1" (the process gets a pty of the guest: its output comes as STDOUT,
 * its stdin's end is not passed on), "rows=", "cols=" (the pty's first size),
 * "mount=<tag> <ro|rw> <destination>" (one per volume, in order: the 9p device
 * tagged CELL_VM_SHARE_TAG<N> mounted at destination in the new root).
 */

#include <stdint.h>

#define CELL_VM_PORT_NAME "cell.io"
#define CELL_VM_ROOTFS_TAG "cellroot"
#define CELL_VM_SHARE_TAG "cellv"
#define CELL_VM_SHARES_MAX 16
#define CELL_VM_FRAME_HEADER 6
#define CELL_VM_SESSIONS_MAX 16
#define CELL_VM_FRAME_MAX (64 * 1024)

enum cell_vm_frame_type {
        CELL_VM_CONFIG = 'C',
        CELL_VM_STDIN = 'I',
        CELL_VM_STDIN_EOF = 'Z',
        CELL_VM_SIGNAL = 'K',
        CELL_VM_RESIZE = 'W',
        CELL_VM_ACK = 'A',
        CELL_VM_STARTED = 's',
        CELL_VM_STDOUT = 'o',
        CELL_VM_STDERR = 'e',
        CELL_VM_EXIT = 'x',
        CELL_VM_ERROR = 'f',
};

static inline void cell_vm_frame_header(unsigned char out[CELL_VM_FRAME_HEADER], int type,
                                        int session, uint32_t len)
{
        out[0] = (unsigned char)type;
        out[1] = (unsigned char)session;
        out[2] = (unsigned char)(len & 0xff);
        out[3] = (unsigned char)((len >> 8) & 0xff);
        out[4] = (unsigned char)((len >> 16) & 0xff);
        out[5] = (unsigned char)((len >> 24) & 0xff);
}

static inline uint32_t cell_vm_frame_length(const unsigned char hdr[CELL_VM_FRAME_HEADER])
{
        return (uint32_t)hdr[2] | (uint32_t)hdr[3] << 8 | (uint32_t)hdr[4] << 16 |
               (uint32_t)hdr[5] << 24;
}

#endif
