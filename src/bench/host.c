/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host a result was measured on, so that results from two machines can
 * be told apart: kernel, CPU model and count, memory, the micro-VM
 * accelerator (KVM or TCG and why, from src/vm's probe) and the cgroup layout.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "vm/vm.h"

/* The first "KEY : value" line of a /proc file whose key starts with `key`. */
static char *proc_field(const char *path, const char *key)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[512];
        size_t kl = strlen(key);
        while (f && fgets(line, sizeof line, f)) {
                if (strncmp(line, key, kl) != 0)
                        continue;
                char *v = strchr(line, ':');
                if (!v)
                        continue;
                v += 1 + strspn(v + 1, " \t");
                v[strcspn(v, "\n")] = 0;
                return xstrdup(v);
        }
        return xstrdup("unknown");
}

/* "KVM", "TCG" or "unavailable", and why, as `cell vm check` decides. */
static void accel(const char *runroot, json_object *host)
{
        struct cell_error err = {0};
        _cleanup_free_ char *qemu = cell_vm_find_qemu(&err);
        _cleanup_free_ char *kernel = qemu ? cell_vm_find_kernel(&err) : NULL;
        _cleanup_free_ char *init = kernel ? cell_vm_find_init(&err) : NULL;
        struct cell_vm_accel_info info = {0};
        if (init && cell_vm_accel_probe(qemu, kernel, init, runroot, &info, &err) == 0) {
                json_object_object_add(host, "accelerator",
                                       json_object_new_string(cell_vm_accel_name(info.accel)));
                json_object_object_add(host, "accelerator_reason",
                                       json_object_new_string(info.reason));
                return;
        }
        json_object_object_add(host, "accelerator", json_object_new_string("unavailable"));
        json_object_object_add(host, "accelerator_reason", json_object_new_string(err.msg));
}

json_object *cell_bench_host(const char *runroot)
{
        json_object *host = json_object_new_object();
        struct utsname u;
        if (uname(&u) == 0) {
                _cleanup_free_ char *k = xasprintf("%s %s %s", u.sysname, u.release, u.machine);
                json_object_object_add(host, "kernel", json_object_new_string(k));
                json_object_object_add(host, "hostname", json_object_new_string(u.nodename));
        }
        _cleanup_free_ char *cpu = proc_field("/proc/cpuinfo", "model name");
        json_object_object_add(host, "cpu", json_object_new_string(cpu));
        json_object_object_add(host, "cpus", json_object_new_int64(sysconf(_SC_NPROCESSORS_ONLN)));
        _cleanup_free_ char *mem = proc_field("/proc/meminfo", "MemTotal");
        json_object_object_add(host, "memory", json_object_new_string(mem));
        accel(runroot, host);
        struct cell_error err = {0};
        enum cell_cgroup_mode mode;
        json_object_object_add(host, "cgroup",
                               json_object_new_string(cell_cgroup_detect(&mode, &err) == 0
                                                              ? cell_cgroup_mode_name(mode)
                                                              : err.msg));
        return host;
}
