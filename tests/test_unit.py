# SPDX-License-Identifier: Apache-2.0
"""Run each unit-test executable of the build directory as one pytest test.

The build directory is $CELL_BUILD_DIR, else the directory of $CELL_BINARY,
else <repo>/build.  Executables are tests/unit/test_* as built by meson.
"""

import glob
import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_dir():
    if os.environ.get("CELL_BUILD_DIR"):
        return os.environ["CELL_BUILD_DIR"]
    binary = os.environ.get("CELL_BINARY")
    if binary and os.path.isfile(os.path.join(os.path.dirname(binary), "build.ninja")):
        return os.path.dirname(binary)
    return os.path.join(REPO, "build")


def unit_tests():
    found = []
    for path in sorted(glob.glob(os.path.join(build_dir(), "tests", "unit", "test_*"))):
        if os.path.isfile(path) and os.access(path, os.X_OK) and not path.endswith(".p"):
            found.append(path)
    return found


UNIT_TESTS = unit_tests()


@pytest.mark.skipif(not UNIT_TESTS, reason="no unit test executables in %s" % build_dir())
@pytest.mark.parametrize("exe", UNIT_TESTS, ids=[os.path.basename(p) for p in UNIT_TESTS])
def test_unit(exe):
    p = subprocess.run([exe], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120, cwd=os.path.dirname(exe))
    output = p.stdout.decode(errors="replace")
    assert p.returncode == 0, "%s exited %d:\n%s" % (os.path.basename(exe), p.returncode,
                                                     output)
