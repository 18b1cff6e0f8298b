# SPDX-License-Identifier: Apache-2.0
"""podman drives cell-oci into a micro-VM (issue 15, check 1's last item):
`podman run --runtime cell-oci --annotation cell.isolation=vm` runs the
container's process under cell's guest kernel.  The podman harness (a fully
private podman, --network none) is test_podman.py's.  Under TCG
($CELL_VM_ACCEL=tcg); skipped, saying which, without QEMU or the guest kernel.
"""

import os
import platform
import shutil
from pathlib import Path

import pytest

from test_podman import IMAGE, REPO, clean, podman  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


@pytest.fixture
def vm_podman(clean):  # noqa: F811
    if not shutil.which("qemu-system-x86_64"):
        pytest.skip("qemu-system-x86_64 not installed (Debian's qemu-system-x86)")
    kernel = os.environ.get("CELL_GUEST_KERNEL") or str(
        REPO / ".deps" / "guest-kernel" / "current" / "vmlinux")
    if not Path(kernel).is_file():
        pytest.skip("guest kernel not built: run scripts/guest-kernel.sh (or set CELL_GUEST_KERNEL)")
    saved = dict(clean.env)
    clean.env.update(CELL_GUEST_KERNEL=kernel, CELL_VM_ACCEL="tcg")
    yield clean
    clean.env.clear()
    clean.env.update(saved)


def test_podman_runs_the_container_in_a_vm(vm_podman):
    r = vm_podman.run("--annotation", "cell.isolation=vm", "-e", "FOO=bar", IMAGE,
                      "sh", "-c", "uname -r; echo $FOO; echo to-err >&2; exit 3")
    assert r.returncode == 3, r.stderr
    guest, foo = r.stdout.split()
    assert guest != platform.release() and guest.startswith("6.1."), r.stdout
    assert foo == "bar"
    assert "to-err" in r.stderr
    # the same image without the annotation is a container on the host's kernel
    r = vm_podman.run(IMAGE, "uname", "-r")
    assert r.stdout.strip() == platform.release(), r.stderr


def test_podman_exec_into_a_vm_is_refused(vm_podman):
    """The VM's init is a process on the host: an OCI exec would join the host's
    namespaces, so cell-oci refuses it instead of running the command there."""
    name = "vm-exec"
    r = vm_podman("run", "-d", "--network", "none", "--name", name, "--annotation",
                  "cell.isolation=vm", IMAGE, "sleep", "600")
    assert r.returncode == 0, r.stderr
    try:
        r = vm_podman("exec", name, "uname", "-r")
        assert r.returncode != 0
        assert "micro-VM" in r.stderr
        assert platform.release() not in r.stdout
    finally:
        vm_podman("rm", "-f", "-t", "0", name)


def test_podman_tty_in_a_vm(vm_podman):
    status, out = vm_podman.run_tty("--annotation", "cell.isolation=vm", IMAGE, "sh",
                                    send=b"tty; uname -r; exit 7\r")
    assert status == 7, out
    assert "/dev/pts/" in out
    assert "6.1." in out
