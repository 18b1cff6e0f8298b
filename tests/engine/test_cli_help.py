# SPDX-License-Identifier: Apache-2.0
"""The engine's command line as a whole: help for every verb, docker's exit
codes for usage errors, and the two command lines of one binary (`cell`,
`cell oci` / `cell-oci`).

The verbs and their options are read from the binary's own tables
(`cell __generate verbs-json`) and from src/cli/engine/verbs.def; every
check below is of another output (help, parser, man page, completion)
against them.
"""

import json
import os
import re
import subprocess

import pytest

import enginelib

REPO = enginelib.REPO


def cell(*args, env=None, binary=None):
    e = dict(os.environ)
    e.pop("CELL_STORAGE", None)
    e.pop("CELL_RUNROOT", None)
    if env:
        e.update(env)
    return subprocess.run([binary or enginelib.engine_binary()] + list(args), capture_output=True, text=True,
                          timeout=60, env=e)


@pytest.fixture(scope="module")
def tables(engine_binary):
    p = cell("__generate", "verbs-json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def visible_verbs(tables):
    return [v for v in tables["verbs"] if not v["hidden"]]


def words(v):
    return ([v["group"]] if v["group"] else []) + [v["name"]]


def test_tables_match_verbs_def(tables):
    """Every ECLI_VERB(x) line is a registered verb and the other way round."""
    with open(os.path.join(REPO, "src/cli/engine/verbs.def")) as f:
        listed = re.findall(r"^ECLI_VERB\((\w+)\)", f.read(), re.M)
    registered = ["_".join(words(v)) for v in tables["verbs"]]
    assert sorted(listed) == sorted(registered)


def test_main_help_lists_every_verb_and_group(tables):
    p = cell("--help")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("Usage:  cell ")
    listed = set(re.findall(r"^  (\S+) ", p.stdout, re.M))
    for v in visible_verbs(tables):
        assert (v["group"] or v["name"]) in listed, v
    for v in tables["verbs"]:
        if v["hidden"]:
            assert v["name"] not in listed
    for o in tables["globals"]:
        assert "--" + o["name"] in p.stdout
    # no verb at all prints the same help
    assert cell().stdout == p.stdout
    assert cell("help").stdout == p.stdout


def test_group_help_lists_its_sub_verbs(tables):
    groups = sorted({v["group"] for v in visible_verbs(tables) if v["group"]})
    if not groups:
        pytest.skip("no management group (volume, image, ...) is registered in this build")
    for g in groups:
        p = cell(g, "--help")
        assert p.returncode == 0, p.stderr
        assert cell(g).stdout == p.stdout
        for v in visible_verbs(tables):
            if v["group"] == g:
                assert re.search(r"^  %s " % re.escape(v["name"]), p.stdout, re.M), (g, v["name"])


def test_every_verb_help_lists_its_options(tables):
    for v in tables["verbs"]:
        p = cell(*words(v), "--help")
        assert p.returncode == 0, (v, p.stderr)
        assert p.stdout.startswith("Usage:  cell %s" % " ".join(words(v))), p.stdout
        if not v["hidden"]:
            assert v["summary"] in p.stdout
        for o in v["options"]:
            if o["hidden"]:
                assert "--" + o["name"] not in p.stdout
                continue
            assert re.search(r"--%s\b" % re.escape(o["name"]), p.stdout), (v["name"], o["name"])
            if o["short"]:
                assert "-%s, --%s" % (o["short"], o["name"]) in p.stdout
        # `cell help VERB` is the same text
        assert cell("help", *words(v)).stdout == p.stdout


def test_every_option_is_accepted_by_the_parser(tables):
    """An option in the table parses: `--opt --help` (a flag) or `--opt=x --help`
    stops at --help with status 0; an option the table lacks would give 125."""
    for v in tables["verbs"]:
        for o in v["options"]:
            arg = "--" + o["name"] if o["kind"] == "flag" else "--%s=x" % o["name"]
            p = cell(*words(v), arg, "--help")
            assert p.returncode == 0, (v["name"], arg, p.stderr)
            if o["short"]:
                short = ["-" + o["short"]] if o["kind"] == "flag" else ["-" + o["short"], "x"]
                p = cell(*words(v), *short, "--help")
                assert p.returncode == 0, (v["name"], short, p.stderr)


def test_unknown_verb_is_125_and_named():
    p = cell("frobnicate")
    assert p.returncode == 125
    assert p.stderr.startswith("cell: ")
    assert '"frobnicate"' in p.stderr
    assert p.stdout == ""


def test_unknown_sub_verb_is_125_and_named(tables):
    groups = sorted({v["group"] for v in visible_verbs(tables) if v["group"]})
    if not groups:
        pytest.skip("no management group (volume, image, ...) is registered in this build")
    p = cell(groups[0], "frobnicate")
    assert p.returncode == 125
    assert '"frobnicate"' in p.stderr and '"cell %s"' % groups[0] in p.stderr


def test_unknown_flag_is_125_and_names_flag_and_verb(tables):
    for v in visible_verbs(tables):
        p = cell(*words(v), "--no-such-flag")
        assert p.returncode == 125, (v["name"], p.stderr)
        assert p.stderr.startswith("cell: ")
        assert "--no-such-flag" in p.stderr
        assert "'cell %s'" % " ".join(words(v)) in p.stderr
    p = cell("--no-such-flag", "version")
    assert p.returncode == 125
    assert "--no-such-flag" in p.stderr and "'cell'" in p.stderr
    p = cell("version", "-Z")
    assert p.returncode == 125
    assert "'Z'" in p.stderr and "'cell version'" in p.stderr


def test_usage_errors_are_125():
    assert cell("version", "extra").returncode == 125
    p = cell("version", "--format")
    assert p.returncode == 125 and "--format" in p.stderr
    p = cell("version", "--format", "yaml")
    assert p.returncode == 125 and '"yaml"' in p.stderr
    p = cell("--log-level", "loud", "version")
    assert p.returncode == 125 and '"loud"' in p.stderr
    p = cell("help", "frobnicate")
    assert p.returncode == 125 and "frobnicate" in p.stderr


def test_version_and_global_options():
    p = cell("--version")
    assert p.returncode == 0 and p.stdout.startswith("cell version ")
    assert cell("-v").stdout == p.stdout
    p = cell("--storage", "/s1", "--runroot=/r1", "-D", "version", "--format", "json")
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["Storage"] == "/s1" and info["RunRoot"] == "/r1"
    # the environment gives the defaults; options win over it
    p = cell("version", "-f=json", env={"CELL_STORAGE": "/s2", "CELL_RUNROOT": "/r2"})
    info = json.loads(p.stdout)
    assert info["Storage"] == "/s2" and info["RunRoot"] == "/r2"
    p = cell("--storage=/s3", "version", "-f", "json", env={"CELL_STORAGE": "/s2"})
    assert json.loads(p.stdout)["Storage"] == "/s3"
    info = json.loads(cell("version", "--format=json").stdout)
    assert info["Storage"] == "/var/lib/cell" and info["RunRoot"] == "/run/cell/engine"


def oci_binary():
    return os.path.join(os.path.dirname(enginelib.engine_binary()), "cell-oci")


def test_runtime_cli_under_both_names(engine_binary):
    b = oci_binary()
    assert os.path.islink(b) and os.readlink(b) == "cell", "the build makes cell-oci a link to cell"
    for argv in ([b, "--help"], [engine_binary, "oci", "--help"]):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("Usage: cell-oci [GLOBAL OPTIONS] COMMAND")
        assert "--root DIR" in p.stdout and "--systemd-cgroup" in p.stdout
        for verb in ("create", "start", "run", "exec", "state", "delete", "spec"):
            assert re.search(r"^  %s " % verb, p.stdout, re.M), verb
    p = subprocess.run([b, "create", "--help"], capture_output=True, text=True, timeout=30)
    assert p.stdout.startswith("Usage: cell-oci create [OPTIONS] ID")
    # the runtime's own exit status for a usage error (runc's 1), not the engine's 125
    p = subprocess.run([b, "frobnicate"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    p = subprocess.run([engine_binary, "oci", "--version"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and "spec: 1." in p.stdout
    # the engine's global options do not reach the runtime: say where "oci" goes
    p = subprocess.run([engine_binary, "--debug", "oci", "list"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 125 and "cell oci [OPTIONS] COMMAND" in p.stderr


def test_tables_are_well_formed(tables):
    """What the parser cannot tell a verb's author: two options with one name
    or letter (the first would shadow the second), a value without a name in
    help, a summary help would print oddly."""
    seen = set()
    for v in tables["verbs"]:
        key = " ".join(words(v))
        assert key not in seen, "two verbs named %s" % key
        seen.add(key)
        assert re.fullmatch(r"[a-z_][a-z0-9-_]*", v["name"]), v["name"]
        assert v["summary"] and not v["summary"].endswith("."), (key, v["summary"])
        longs = [o["name"] for o in v["options"]]
        shorts = [o["short"] for o in v["options"] if o["short"]]
        assert len(longs) == len(set(longs)), (key, longs)
        assert len(shorts) == len(set(shorts)), (key, shorts)
        assert "help" not in longs, key
        for o in v["options"]:
            assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", o["name"]), (key, o["name"])
            assert (o["metavar"] is None) == (o["kind"] == "flag"), (key, o["name"])
            if o["complete"] and "|" not in o["complete"]:
                assert o["complete"] in ("container", "image", "volume", "file", "dir", "signal", "command"), (key, o)
    aliases = [a for v in tables["verbs"] for a in (v["aliases"] or "").split()]
    top = [v["name"] for v in tables["verbs"] if not v["group"]]
    groups = {v["group"] for v in tables["verbs"] if v["group"]}
    everything = aliases + top + sorted(groups)
    assert len(everything) == len(set(everything)), "a word names two commands: %s" % everything
