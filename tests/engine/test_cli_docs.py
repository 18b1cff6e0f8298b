# SPDX-License-Identifier: Apache-2.0
"""What the build generates from the verb tables: cell(1), cell-oci(8) and the
bash completion.  The man pages must render without a warning and name every
verb and option; the completion is driven through bash as the shell drives
it (COMP_WORDS, COMP_CWORD, the function, COMPREPLY)."""

import json
import os
import re
import shutil
import subprocess

import pytest

import enginelib


def built(name):
    path = os.path.join(enginelib.build_dir(), "src", "cli", "doc", name)
    if not os.path.exists(path):
        pytest.skip("%s not generated (build with ninja first)" % path)
    return path


@pytest.fixture(scope="module")
def tables(engine_binary):
    p = subprocess.run([engine_binary, "__generate", "verbs-json"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def visible(tables):
    return [v for v in tables["verbs"] if not v["hidden"]]


def words(v):
    return ([v["group"]] if v["group"] else []) + [v["name"]]


def render(page):
    if not shutil.which("man"):
        pytest.skip("needs man (man-db)")
    p = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
    assert p.returncode == 0, p.stderr
    assert p.stderr == "", "warnings rendering %s:\n%s" % (page, p.stderr)
    # man's output may hyphenate and justify: compare without those
    return re.sub(r"[\u2010‐]\n\s*", "", p.stdout)


def test_build_output_is_what_the_binary_generates(engine_binary):
    for name, what in (("cell.1", "man"), ("cell-oci.8", "man-oci"), ("cell", "bash-completion")):
        p = subprocess.run([engine_binary, "__generate", what], capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        with open(built(name)) as f:
            assert f.read() == p.stdout, "%s is stale" % name


def test_cell_1_renders_and_names_every_verb_and_option(tables):
    text = render(built("cell.1"))
    flat = " ".join(text.split())
    assert "CELL(1)" in text
    for v in visible(tables):
        assert "cell %s" % " ".join(words(v)) in flat, v["name"]
        for o in v["options"]:
            if not o["hidden"]:
                assert "--" + o["name"] in flat, (v["name"], o["name"])
    for o in tables["globals"]:
        assert "--" + o["name"] in flat
    for v in tables["verbs"]:
        if v["hidden"]:
            assert v["name"] not in flat
    for code in ("125", "126", "127", "CELL_STORAGE", "CELL_RUNROOT"):
        assert code in flat


def test_cell_oci_8_renders_with_every_runtime_verb(engine_binary):
    text = render(built("cell-oci.8"))
    flat = " ".join(text.split())
    assert "CELL-OCI(8)" in text
    p = subprocess.run([engine_binary, "oci", "--help"], capture_output=True, text=True, timeout=30)
    verbs = re.findall(r"^  (\S+) ", p.stdout.split("Commands:")[1], re.M)
    assert "create" in verbs and "exec" in verbs
    for verb in verbs:
        assert "cell-oci %s" % verb in flat, verb
        usage = subprocess.run([engine_binary, "oci", verb, "--help"], capture_output=True, text=True,
                               timeout=30).stdout
        for opt in re.findall(r"^  (?:-\w, )?(--[a-z-]+)", usage, re.M):
            assert opt in flat, (verb, opt)


COMPLETE = r'''
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
"$CELL_FUNC"
printf '%s\n' "${COMPREPLY[@]}"
'''


def complete(*line, func="_cell"):
    """COMPREPLY for the command line `line`, whose last word is being typed."""
    p = subprocess.run(["bash", "-c", COMPLETE, "complete", built("cell")] + list(line), capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, CELL_FUNC=func))
    assert p.returncode == 0, p.stderr
    assert p.stderr == "", p.stderr
    return [w for w in p.stdout.split("\n") if w]


def test_completes_verbs_groups_and_global_options(tables, engine_binary):
    got = complete(engine_binary, "")
    for v in visible(tables):
        assert (v["group"] or v["name"]) in got
        for a in (v["aliases"] or "").split():
            assert a in got
    assert "oci" in got
    assert not [w for w in got if w.startswith("__")]
    assert complete(engine_binary, "vers") == ["version"]
    assert complete(engine_binary, "help", "vers") == ["version"]
    got = complete(engine_binary, "--")
    for o in tables["globals"]:
        assert "--" + o["name"] in got
    assert sorted(complete(engine_binary, "--log-level", "")) == ["debug", "error", "info", "warn"]
    assert complete(engine_binary, "--log-level=w") == ["--log-level=warn"]
    # a global option's value is no verb: the verb after it still completes
    assert complete(engine_binary, "--storage", "/x", "vers") == ["version"]


def test_completes_every_verbs_options(tables, engine_binary):
    for v in visible(tables):
        got = complete(engine_binary, *words(v), "-")
        for o in v["options"]:
            if o["hidden"]:
                assert "--" + o["name"] not in got
                continue
            assert "--" + o["name"] in got, (v["name"], o["name"])
            if o["short"]:
                assert "-" + o["short"] in got
        assert "--help" in got
    assert complete(engine_binary, "version", "--format", "") == ["text", "json"]
    assert complete(engine_binary, "version", "-f", "j") == ["json"]
    assert complete(engine_binary, "version", "--format=t") == ["--format=text"]


def test_completes_sub_verbs(tables, engine_binary):
    groups = sorted({v["group"] for v in visible(tables) if v["group"]})
    if not groups:
        pytest.skip("no management group (volume, image, ...) is registered in this build")
    for g in groups:
        got = complete(engine_binary, g, "")
        assert sorted(got) == sorted(v["name"] for v in visible(tables) if v["group"] == g)


def test_completes_the_runtime_cli(engine_binary):
    oci = os.path.join(os.path.dirname(engine_binary), "cell-oci")
    assert "create" in complete(engine_binary, "oci", "")
    assert complete(engine_binary, "oci", "cr") == ["create"]
    assert "--root" in complete(oci, "--r", func="_cell_oci")
    assert "--bundle" in complete(oci, "create", "--b", func="_cell_oci")
    assert "--bundle" in complete(engine_binary, "oci", "--root", "/x", "create", "--b")


@pytest.fixture
def store(tmp_path):
    """A store as DESIGN.md lays it out, with one image, two containers, two volumes."""
    s = tmp_path / "storage"
    (s / "containers" / ("a" * 64)).mkdir(parents=True)
    (s / "containers" / ("b" * 64)).mkdir(parents=True)
    (s / "containers" / ("c" * 64)).mkdir(parents=True)  # no record yet: being created
    (s / "volumes" / "data").mkdir(parents=True)
    (s / "volumes" / "cache").mkdir(parents=True)
    with open(s / "containers" / ("a" * 64) / "container.json", "w") as f:
        json.dump({"id": "a" * 64, "name": "web", "state": {"status": "running"}}, f)
    with open(s / "containers" / ("b" * 64) / "container.json", "w") as f:
        json.dump({"id": "b" * 64, "name": "db", "state": {"status": "exited"}}, f)
    with open(s / "images.json", "w") as f:
        json.dump({"images": [{"id": "sha256:" + "1" * 64,
                               "names": ["docker.io/library/busybox:latest", "localhost/mine:1"]}]}, f)
    return str(s)


def test_hidden_complete_verb_reads_the_store(engine_binary, store, tmp_path):
    def names(kind, storage=store):
        p = subprocess.run([engine_binary, "--storage", storage, "__complete", kind], capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        return sorted(p.stdout.split())

    assert names("container") == ["db", "web"]
    assert names("image") == sorted(["docker.io/library/busybox:latest", "busybox:latest",
                                     "localhost/mine:1", "mine:1"])
    assert names("volume") == ["cache", "data"]
    assert "TERM" in names("signal") and "KILL" in names("signal")
    # no store at all: nothing, and nothing created
    missing = str(tmp_path / "nothing")
    for kind in ("container", "image", "volume"):
        assert names(kind, missing) == []
    assert not os.path.exists(missing)
    p = subprocess.run([engine_binary, "__complete", "planet"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 125


def test_completion_offers_store_names(tables, engine_binary, store):
    """The names reach COMPREPLY through the walker, with the --storage given on the line."""
    script = r'''
source "$1"
_cell_cmd=("$2" --storage "$3")
for k in container image volume signal; do
    _cell_complete_kind $k "" ""
    echo "$k: ${COMPREPLY[*]}"
done
'''
    p = subprocess.run(["bash", "-c", script, "x", built("cell"), engine_binary, store], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    got = dict(line.split(": ", 1) for line in p.stdout.splitlines())
    assert sorted(got["container"].split()) == ["db", "web"]
    assert "busybox:latest" in got["image"].split()
    assert sorted(got["volume"].split()) == ["cache", "data"]
    assert "HUP" in got["signal"].split()
    # every option and positional argument the tables say completes a name does
    expect = {"container": "web", "image": "busybox:latest", "volume": "data"}
    for v in visible(tables):
        for o in v["options"]:
            if o["complete"] in expect and o["kind"] != "flag":
                got = complete(engine_binary, "--storage", store, *words(v), "--" + o["name"], "")
                assert expect[o["complete"]] in got, (v["name"], o["name"], got)
        usage = v["usage"] or ""
        first = next((w for w in re.findall(r"[A-Z][A-Z_]+", usage) if w != "OPTIONS"), "")
        for key in expect:
            if key.upper() in first:
                got = complete(engine_binary, "--storage", store, *words(v), "")
                assert expect[key] in got, (v["name"], got)
