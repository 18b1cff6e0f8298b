# SPDX-License-Identifier: Apache-2.0
"""Helpers for the engine tests (`cell run IMAGE` and friends).

Every test gets its own store (--storage) and runtime state root (--runroot)
under a private directory, so tests run in parallel and never touch
/var/lib/cell.  The engine is driven only through its command line, as a
user would.
"""

import json
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir():
    return os.environ.get("CELL_BUILD_DIR") or os.path.join(REPO, "build")


def engine_binary():
    """$CELL_ENGINE, else <build>/cell."""
    return os.environ.get("CELL_ENGINE") or os.path.join(build_dir(), "cell")


class Engine:
    """`cell` with a private --storage and --runroot."""

    def __init__(self, binary, root):
        self.binary = binary
        self.root = root
        self.storage = os.path.join(root, "storage")
        self.runroot = os.path.join(root, "run")
        os.makedirs(self.storage, exist_ok=True)
        os.makedirs(self.runroot, exist_ok=True)

    def argv(self, *args):
        return [self.binary, "--storage", self.storage, "--runroot", self.runroot] + [str(a) for a in args]

    def env(self, extra=None):
        env = dict(os.environ)
        env["CELL_STORAGE"] = self.storage
        env["CELL_RUNROOT"] = self.runroot
        if extra:
            env.update(extra)
        return env

    def run(self, *args, check=True, input=None, timeout=120, env=None):
        """Run `cell ARGS`; returns the CompletedProcess (text).  With check, a
        non-zero exit fails with the command's stderr."""
        p = subprocess.run(self.argv(*args), input=input, capture_output=True, text=True,
                           timeout=timeout, env=self.env(env))
        if check and p.returncode != 0:
            raise AssertionError("cell %s: exit %d\nstdout: %s\nstderr: %s"
                                 % (" ".join(map(str, args)), p.returncode, p.stdout, p.stderr))
        return p

    def out(self, *args, **kw):
        return self.run(*args, **kw).stdout

    def json(self, *args, **kw):
        return json.loads(self.run(*args, **kw).stdout)

    def popen(self, *args, env=None, **kw):
        return subprocess.Popen(self.argv(*args), env=self.env(env), **kw)
