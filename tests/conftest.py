# SPDX-License-Identifier: Apache-2.0
"""--runtime PATH: run the tests against another runtime binary (runc, crun,
a sanitizer build); the same as CELL_BINARY=PATH.

pytest reads command-line options only from the conftest files it loads
before parsing the command line: those of the directories named on it and
of their parents.  Here, under tests/, the option works for `pytest tests/`
and for any directory or file below it.
"""

import os


def pytest_addoption(parser):
    parser.addoption("--runtime", metavar="PATH", default=None,
                     help="runtime binary to test (sets CELL_BINARY; default build/cell-oci)")


def pytest_configure(config):
    runtime = config.getoption("runtime")
    if runtime:
        os.environ["CELL_BINARY"] = os.path.abspath(runtime)
    config.addinivalue_line(
        "markers", "normal_pass_only: run only against the normal build; scripts/test.sh's "
        "sanitizer pass deselects it (it is not skipped: the same CI run runs it)")


def sanitizer_pass():
    """scripts/test.sh's second pass, against build-asan/."""
    return "asan" in os.path.basename(os.environ.get("CELL_BUILD_DIR", "")) or \
        "ASAN_OPTIONS" in os.environ


def pytest_collection_modifyitems(config, items):
    """Tests that take minutes under ASan (strace sweeps) or build their own
    binary (valgrind) run once per CI run, in the normal pass: the sanitizer
    pass deselects them.  CELL_FAULTS_UNDER_ASAN=1 keeps them."""
    if not sanitizer_pass() or os.environ.get("CELL_FAULTS_UNDER_ASAN"):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("normal_pass_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
