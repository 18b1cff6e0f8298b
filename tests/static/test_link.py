# SPDX-License-Identifier: Apache-2.0
"""The static cell's link: what keeps the engine's libraries off the runtime path.

README.md, "How the engine's libraries are linked": build/cell is a static
non-PIE executable (no relocations at start), no constructor of the engine's
libraries runs, and the engine's code and data sit in sections of their own
(scripts/engine-sections.ld), away from the pages `cell-oci run` touches.

The build directory is $CELL_BUILD_DIR, else <repo>/build; the engine's
libraries are those scripts/musl-deps.sh built into .deps/musl/prefix/lib,
and the build's libcell-engine.a.  Runs in the normal pass only: the
sanitizer build is dynamic.
"""

import os
import re
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CELL_BUILD_DIR") or os.path.join(REPO, "build")
CELL = os.path.join(BUILD, "cell")
PREFIX_LIB = os.path.join(REPO, ".deps", "musl", "prefix", "lib")
ENGINE_LIBS = ["libcurl.a", "libmbedtls.a", "libmbedx509.a", "libmbedcrypto.a",
               "libarchive.a", "libzstd.a", "libz.a", "libcrypto.a"]
# The section each kind of global symbol of the engine goes to, by nm's type letter.
ENGINE_SECTION = {"T": ".text.engine", "R": ".rodata.engine", "D": ".data.engine",
                  "B": ".bss.engine"}

pytestmark = pytest.mark.normal_pass_only


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def program_headers():
    return [line.split()[0] for line in run("readelf", "-lW", CELL).splitlines()
            if re.match(r"\s+[A-Z_]+\s+0x", line)]


@pytest.fixture(scope="module")
def static_cell():
    if not os.path.isfile(CELL):
        pytest.fail("%s is not built (ninja -C %s)" % (CELL, BUILD))
    if "INTERP" in program_headers():
        pytest.skip("%s is dynamically linked (-Dstatic=false): the static link is "
                    "what this checks" % CELL)
    return CELL


def sections(path):
    """{name: (start, end)} of the allocated sections."""
    found = {}
    for line in run("readelf", "-SW", path).splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if m and int(m.group(2), 16):
            start = int(m.group(2), 16)
            found[m.group(1)] = (start, start + int(m.group(3), 16))
    return found


def engine_archives():
    libs = [os.path.join(PREFIX_LIB, name) for name in ENGINE_LIBS]
    missing = [lib for lib in libs if not os.path.isfile(lib)]
    if missing:
        pytest.fail("engine libraries missing (scripts/musl-deps.sh): %s" % missing)
    return libs + [os.path.join(BUILD, "libcell-engine.a")]


def defined_globals(archive):
    """{name: type letter} of the global symbols an archive defines."""
    out = run("nm", "--defined-only", "-g", archive)
    return {f[2]: f[1] for f in (line.split() for line in out.splitlines()) if len(f) == 3}


def binary_symbols(path):
    """[(address, type letter, name)] of the symbols of the linked binary."""
    out = run("nm", "--defined-only", path)
    return [(int(f[0], 16), f[1], f[2]) for f in (line.split() for line in out.splitlines())
            if len(f) == 3]


def test_static_non_pie(static_cell):
    """An EXEC file without PT_DYNAMIC: the kernel maps it and jumps, no
    relative relocation touches a data page (a static-pie would)."""
    header = run("readelf", "-hW", static_cell)
    assert re.search(r"Type:\s+EXEC ", header), header
    assert "DYNAMIC" not in program_headers()


def test_no_constructor_of_the_engine(static_cell):
    """No .init_array entry, no .ctors, is a function of an engine library."""
    engine = {}
    for archive in engine_archives():
        engine.update(defined_globals(archive))
    secs = sections(static_cell)
    assert ".ctors" not in secs
    start, end = secs[".init_array"]
    by_address = {}
    for addr, _, name in binary_symbols(static_cell):
        by_address.setdefault(addr, []).append(name)
    dump = run("objdump", "-s", "-j", ".init_array", static_cell)
    words = []
    for line in dump.splitlines():
        m = re.match(r"\s*[0-9a-f]+ ((?:[0-9a-f]{8} ?){1,4})", line)
        if m:
            words += m.group(1).split()
    raw = bytes.fromhex("".join(words))
    assert len(raw) == end - start
    entries = [int.from_bytes(raw[i:i + 8], "little") for i in range(0, len(raw), 8)]
    for entry in entries:
        names = by_address.get(entry, [])
        assert names, "constructor at %#x has no symbol" % entry
        assert not set(names) & set(engine), \
            "a constructor of an engine library runs at every start: %s" % names


def test_init_section_calls_nothing(static_cell):
    """.init is crti's prologue and crtn's epilogue only: no library slips a
    call into it (OpenSSL's x86_64 assembly puts `call OPENSSL_cpuid_setup`
    there, which would run cpuid, a trap to the hypervisor, at every start;
    scripts/musl-deps.sh removes it)."""
    dump = run("objdump", "-d", "-j", ".init", static_cell)
    calls = [line for line in dump.splitlines() if re.search(r"\scall", line)]
    assert calls == [], "calls in .init: %s" % calls


def test_engine_outside_the_runtime_sections(static_cell):
    """Every global function, read-only object, data and bss object of the
    engine's libraries that the link kept lies in the engine's own section,
    none in .text, .rodata, .data or .bss beside the runtime's."""
    engine = {}
    for archive in engine_archives():
        engine.update(defined_globals(archive))
    secs = sections(static_cell)
    misplaced = []
    checked = 0
    for addr, kind, name in binary_symbols(static_cell):
        want = ENGINE_SECTION.get(kind.upper())
        if want is None or engine.get(name, "").upper() != kind.upper():
            continue
        checked += 1
        lo, hi = secs.get(want, (0, 0))
        if not lo <= addr < hi:
            where = [s for s, (a, b) in secs.items() if a <= addr < b]
            misplaced.append("%s (%s) in %s, not %s" % (name, kind, where, want))
    assert not misplaced, "engine symbols among the runtime's pages " \
        "(scripts/engine-sections.ld misses a library?):\n" + "\n".join(misplaced[:20])
    if checked == 0:
        # Nothing of the engine linked yet: then nothing of it may be in the binary.
        assert not [s for s in secs if s.endswith(".engine")]
