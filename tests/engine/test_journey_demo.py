# SPDX-License-Identifier: Apache-2.0
"""The README's first command ends with a container running from the
built-in busybox image, with no network.

scripts/demo.sh installs, builds and then runs cell; this test does not
repeat the install and the build: it finds the README's first command, checks
that it is scripts/demo.sh, that demo.sh's last `build/cell` command is a
`run` of `busybox`, and runs that command as written, against a private store
(CELL_STORAGE, CELL_RUNROOT), on a store with no image in it."""

import os
import re
import shlex
import subprocess

import enginelib
from journeylib import assert_nothing_left

DEMO = os.path.join(enginelib.REPO, "scripts", "demo.sh")
README = os.path.join(enginelib.REPO, "README.md")


def first_readme_command():
    with open(README) as f:
        text = f.read()
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert block, "README.md has no command block"
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            return line
    raise AssertionError("README.md's first block holds no command")


def last_cell_command():
    """demo.sh's last line that runs build/cell (joined over continuations)."""
    with open(DEMO) as f:
        text = f.read().replace("\\\n", " ")
    found = None
    for line in text.splitlines():
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
        if re.search(r'(^|[\s"/])build/cell"?\s', code):
            found = code.strip()
    assert found, "scripts/demo.sh never runs build/cell"
    return found


def test_readme_starts_with_demo_sh():
    assert first_readme_command() == "scripts/demo.sh"


def test_demo_ends_by_running_the_builtin_busybox(engine):
    line = last_cell_command()
    words = shlex.split(line.split("||")[0].split("&&")[0].replace("<", " < "))
    cell = next(i for i, w in enumerate(words) if w.endswith("build/cell"))
    verb = [w for w in words[cell + 1:] if not w.startswith("-")][:2]
    assert verb[:1] == ["run"] and "busybox" in words[cell + 2:], (
        "scripts/demo.sh's last cell command is %r, not a `cell run ... busybox ...`" % line)

    # run it as demo.sh would, from the repository, with the built cell
    assert not os.path.exists(os.path.join(engine.storage, "images.json"))
    script = line.replace('"$repo/build/cell"', "build/cell").replace("$repo/build/cell", "build/cell")
    script = re.sub(r'(^|[\s"])build/cell', lambda m: m.group(1) + shlex.quote(engine.binary), script)
    p = subprocess.run(["bash", "-euo", "pipefail", "-c", "repo=%s; status=0; %s"
                        % (shlex.quote(enginelib.REPO), script)],
                       cwd=enginelib.REPO, env=engine.env(), capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip(), "the demo's container printed nothing"
    # it ran from the built-in image, made from Debian's busybox-static
    names = [n for i in engine.json("images", "--format", "json") for n in [i.get("Repository", "")]]
    assert any("busybox" in n for n in names), names
    engine.run("rm", "-f", "--all")
    assert_nothing_left(engine, [])
