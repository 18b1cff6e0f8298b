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
                     help="runtime binary to test (sets CELL_BINARY; default build/cell)")


def pytest_configure(config):
    runtime = config.getoption("runtime")
    if runtime:
        os.environ["CELL_BINARY"] = os.path.abspath(runtime)
