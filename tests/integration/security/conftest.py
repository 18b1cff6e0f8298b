# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the escape suite; the parent conftest's cell, bundle,
testdir and no_residue fixtures apply here unchanged.

Point the suite at another runtime with either

    CELL_BINARY=/usr/sbin/runc /usr/bin/python3 -m pytest tests/integration/security
    /usr/bin/python3 -m pytest tests/integration/security --runtime /usr/sbin/runc

(--runtime is defined in tests/conftest.py: pytest takes options only from
conftest files of the directories named on the command line and their
parents.)
"""

import os

import pytest

import attacks


# Finished attacks, by scenario: several tests check different outcomes of
# one attack, and each attack takes a second or two.
_ATTACKS = {}


@pytest.fixture
def scenario(cell, bundle, testdir):
    """scenario(kind, entry="probe", attacker="default") -> a finished
    attacks.Attack (see attacks.py): kind "created" (a neighbour container
    whose init is seen while created, then execs `entry`) or "exec" (a
    burst of exec), the watcher's capabilities one of Attack.ATTACKERS.
    Run once per session, by the first test that asks."""
    def get(kind, entry="probe", attacker="default"):
        key = (kind, entry, attacker)
        if key not in _ATTACKS:
            a = attacks.Attack(cell, bundle, testdir, attacker)
            _ATTACKS[key] = a.neighbour(entry) if kind == "created" else a.exec_burst()
        return _ATTACKS[key]
    return get


@pytest.fixture
def host_marker(testdir, token):
    """A file that exists only on the host (outside every rootfs)."""
    path = os.path.join(testdir, "host-marker")
    with open(path, "w") as f:
        f.write("host-only " + token + "\n")
    return path
