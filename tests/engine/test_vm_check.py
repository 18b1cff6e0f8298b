# SPDX-License-Identifier: Apache-2.0
"""`cell vm check`: which parts a micro-VM needs are there, which accelerator
QEMU gets and why (src/vm/accel.c).  The probe boots the guest kernel under KVM
when /dev/kvm runs a toy guest; these machines' paravirtual /dev/kvm does, but
QEMU cannot run a real guest on it, so the answer here is TCG with that reason.
"""

import os
import re

import pytest

from test_vm_run import vm_parts  # noqa: F401  (the fixture)

ACCEL = re.compile(r"^vm: accelerator: (kvm|tcg) \((.*)\)$", re.M)


def check(engine, parts, **env):
    e = {"CELL_GUEST_KERNEL": parts["CELL_GUEST_KERNEL"], "CELL_GUEST_INIT": parts["CELL_GUEST_INIT"]}
    e.update(env)
    return engine.run("vm", "check", env=e, check=False)


def test_vm_check_lists_the_parts(engine, vm_parts):  # noqa: F811
    p = check(engine, vm_parts, CELL_VM_ACCEL="tcg")
    assert p.returncode == 0, p.stderr
    assert "vm: qemu: /" in p.stdout
    assert "vm: guest kernel: %s\n" % vm_parts["CELL_GUEST_KERNEL"] in p.stdout
    assert "vm: guest init: %s\n" % vm_parts["CELL_GUEST_INIT"] in p.stdout
    m = ACCEL.search(p.stdout)
    assert m and m.group(1) == "tcg" and "forced by $CELL_VM_ACCEL" in m.group(2), p.stdout


def test_vm_check_probes_and_caches(engine, vm_parts):  # noqa: F811
    p = check(engine, vm_parts, CELL_VM_ACCEL="")
    assert p.returncode == 0, p.stderr
    m = ACCEL.search(p.stdout)
    assert m, p.stdout
    accel, reason = m.groups()
    if not os.path.exists("/dev/kvm"):
        assert accel == "tcg" and "/dev/kvm" in reason
    elif accel == "tcg":
        assert "/dev/kvm" in reason
    else:
        assert "booted cell's guest kernel" in reason
    assert not reason.endswith(", cached")
    again = check(engine, vm_parts, CELL_VM_ACCEL="")
    m2 = ACCEL.search(again.stdout)
    assert m2 and m2.group(1) == accel and m2.group(2).endswith(", cached"), again.stdout
    assert os.path.isfile(os.path.join(engine.runroot, "vm-accel"))


def test_vm_check_says_what_is_missing(engine, vm_parts):  # noqa: F811
    p = check(engine, vm_parts, CELL_GUEST_KERNEL=os.path.join(engine.root, "no-vmlinux"))
    assert p.returncode == 0, p.stderr
    assert "vm: guest kernel: guest kernel %s" % os.path.join(engine.root, "no-vmlinux") in p.stdout
    assert "vm: accelerator: not probed" in p.stdout


def test_vm_bad_accel_value(engine, vm_parts):  # noqa: F811
    p = check(engine, vm_parts, CELL_VM_ACCEL="hvf")
    assert "$CELL_VM_ACCEL=hvf: expected kvm, tcg or auto" in p.stdout
