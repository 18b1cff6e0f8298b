/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bundle annotated cell.isolation=vm (vm/vm.h): the "container init" is a
 * micro-VM.  Its process (cell-vm, which owns QEMU) is what the state
 * records; it holds exec.fifo until `start`, so the status reads created,
 * then running, as for an init; kill signals it (it passes the signal to the
 * guest's process; SIGKILL ends the VM) and delete kills it and removes the
 * state.  There are no namespaces, no cgroup and no hooks of a container:
 * the guest kernel is the isolation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/launch.h"
#include "util/xalloc.h"
#include "vm/vm.h"

static void fill_vm_record(struct cell_launch *l)
{
        struct cell_state_record *rec = &l->rec;
        rec->oci_version = xstrdup(l->spec->oci_version);
        rec->id = xstrdup(l->id);
        rec->bundle = xstrdup(l->bundle);
        rec->rootfs = xstrdup(l->rootfs ? l->rootfs : "");
        rec->created = cell_time_rfc3339();
        rec->n_annotations = l->spec->n_annotations;
        rec->annotations = xcalloc(rec->n_annotations + 1, sizeof(*rec->annotations));
        for (size_t i = 0; i < rec->n_annotations; i++) {
                rec->annotations[i].key = xstrdup(l->spec->annotations[i].key);
                rec->annotations[i].value = xstrdup(l->spec->annotations[i].value);
        }
}

int cell_launch_create_vm(struct cell_launch *l, struct cell_error *err)
{
        if (l->foreground)
                return cell_error_set(err, ENOTSUP,
                                      "a micro-VM bundle (%s=vm) runs with create and start, or "
                                      "run --detach",
                                      CELL_VM_ANNOTATION);
        if (cell_state_open(l->rt->root, l->id, true, true, &l->dirfd, err) < 0)
                return -1;
        l->dir_created = true;
        fill_vm_record(l);
        if (cell_state_write(l->dirfd, &l->rec, err) < 0)
                return -1;
        if (mkfifoat(l->dirfd, "exec.fifo", 0622) < 0)
                return cell_error_errno(err, "create exec.fifo");
        l->fifo_fd = openat(l->dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
        if (l->fifo_fd < 0)
                return cell_error_errno(err, "open exec.fifo");
        struct cell_vm_launch_opts o = {
                .console_socket = l->opts->console_socket,
                .cache_dir = l->rt->root,
                .start_fd = l->fifo_fd,
        };
        l->pid = cell_vm_launch_spec(l->bundle, l->spec, &o, err);
        if (l->pid < 0) {
                l->pid = 0;
                return -1;
        }
        l->rec.pid = l->pid;
        l->rec.pid_start = cell_proc_start_time(l->pid);
        if (cell_state_write(l->dirfd, &l->rec, err) < 0)
                return -1;
        if (l->opts->pid_file && cell_write_pid_file(l->opts->pid_file, l->pid, err) < 0)
                return -1;
        return 0;
}
