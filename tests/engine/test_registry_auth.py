# SPDX-License-Identifier: Apache-2.0
"""Registries that want credentials: htpasswd Basic auth, and Bearer tokens
from a token server the test runs.  `cell login` checks the credentials and
stores them in an auth.json like podman's; `cell logout` removes them."""

import base64
import json
import os

import pytest

import registry_helpers as rh

USERS = {"alice": "wonderland"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("auth"))


@pytest.fixture(scope="module", params=["basic", "token"])
def registry(request, workdir):
    r = rh.Registry(os.path.join(workdir, request.param), request.param, USERS)
    img = rh.OciImage(os.path.join(workdir, "img-" + request.param), [{"secret.txt": b"for alice\n"}])
    r.push(img, "private/app:1")
    r.image = img
    yield r
    r.stop()


@pytest.fixture
def authfile(engine):
    return os.path.join(engine.root, "auth", "auth.json")


def assert_failed(p, *words):
    print("cell:", p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "")
    assert p.returncode == 125, (p.returncode, p.stdout, p.stderr)
    for w in words:
        assert w in p.stderr, (w, p.stderr)


def test_pull_without_login_is_unauthorized(engine, registry, authfile):
    ref = "%s/private/app:1" % registry.host
    p = engine.run("pull", "--authfile", authfile, ref, check=False)
    assert_failed(p, ref, "unauthorized")
    assert rh.stored_images(engine) == []
    assert rh.tmp_entries(engine) == []


def test_wrong_password_stores_nothing(engine, registry, authfile):
    p = engine.run("login", "--authfile", authfile, "-u", "alice", "-p", "queen-of-hearts", registry.host,
                   check=False)
    assert_failed(p, "login to %s: unauthorized" % registry.host)
    assert not os.path.exists(authfile)
    p = engine.run("login", "--authfile", authfile, "-u", "mallory", "-p", "x", registry.host, check=False)
    assert_failed(p, "login to %s: unauthorized" % registry.host)
    assert not os.path.exists(authfile)


def test_login_pull_logout(engine, registry, authfile):
    p = engine.run("login", "--authfile", authfile, "-u", "alice", "--password-stdin", registry.host,
                   input="wonderland\n")
    assert "Login Succeeded" in p.stdout
    with open(authfile) as f:
        auths = json.load(f)["auths"]
    assert base64.b64decode(auths[registry.host]["auth"]) == b"alice:wonderland"
    assert oct(os.stat(authfile).st_mode & 0o777) == "0o600"
    ref = "%s/private/app:1" % registry.host
    before = len(registry.token.requests) if registry.token else 0
    p = engine.run("pull", "--authfile", authfile, ref)
    assert p.stdout.strip().splitlines()[-1] == registry.image.id
    if registry.mode == "token":
        # One token, asked for with the repository's pull scope, as alice, and
        # used for the manifest and every blob.
        assert registry.token.requests[before:] == [("alice", ["repository:private/app:pull"])]
    p = engine.run("logout", "--authfile", authfile, registry.host)
    assert "Removed login credentials for %s" % registry.host in p.stdout
    with open(authfile) as f:
        assert registry.host not in json.load(f)["auths"]
    p = engine.run("logout", "--authfile", authfile, registry.host, check=False)
    assert_failed(p, "not logged into %s" % registry.host)
    # Logged out: a pull in a fresh store is refused again.
    import enginelib
    other = enginelib.Engine(engine.binary, os.path.join(engine.root, "other"))
    p = other.run("pull", "--authfile", authfile, ref, check=False)
    assert_failed(p, "unauthorized")


def test_auth_file_from_the_environment_and_logout_all(engine, registry, authfile):
    env = {"REGISTRY_AUTH_FILE": authfile}
    engine.run("login", "-u", "alice", "-p", "wonderland", registry.host, env=env)
    engine.run("login", "-u", "alice", "-p", "wonderland", "docker://%s/private/app" % registry.host, env=env)
    with open(authfile) as f:
        assert list(json.load(f)["auths"]) == [registry.host]
    # Another registry's entry, kept by a logout of this one, gone with --all.
    with open(authfile) as f:
        doc = json.load(f)
    doc["auths"]["other.example:5000"] = {"auth": base64.b64encode(b"bob:builder").decode()}
    with open(authfile, "w") as f:
        json.dump(doc, f)
    p = engine.run("pull", "%s/private/app:1" % registry.host, env=env)
    assert p.stdout.strip().splitlines()[-1] == registry.image.id
    engine.run("logout", registry.host, env=env)
    with open(authfile) as f:
        assert list(json.load(f)["auths"]) == ["other.example:5000"]
    engine.run("logout", "--all", env=env)
    with open(authfile) as f:
        assert json.load(f)["auths"] == {}
    p = engine.run("logout", env=env, check=False)
    assert_failed(p, "REGISTRY or --all")


def test_creds_on_the_command_line_and_push(engine, registry, authfile):
    ref = "%s/private/app:1" % registry.host
    creds = "--creds=alice:wonderland"
    p = engine.run("pull", "--authfile", authfile, creds, ref)
    assert p.stdout.strip().splitlines()[-1] == registry.image.id
    dest = "%s/private/copy:2" % registry.host
    p = engine.run("push", "--authfile", authfile, ref, dest, check=False)
    assert_failed(p, dest, "unauthorized")
    engine.run("push", "--authfile", authfile, creds, ref, dest)
    p = engine.run("pull", "--authfile", authfile, "--creds", "alice:wonderland", dest)
    assert p.stdout.strip().splitlines()[-1] == registry.image.id
    p = engine.run("pull", "--authfile", authfile, "--creds", "alice", dest, check=False)
    assert_failed(p, "--creds")


def test_login_asks_on_a_terminal(engine, registry, authfile):
    import pty
    import select
    import subprocess
    master, slave = pty.openpty()
    proc = engine.popen("login", "--authfile", authfile, registry.host, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""

    def expect(word):
        nonlocal out
        while word not in out:
            r, _, _ = select.select([master], [], [], 60)
            assert r, out
            out += os.read(master, 4096)

    expect(b"Username: ")
    os.write(master, b"alice\n")
    expect(b"Password: ")
    os.write(master, b"wonderland\n")
    expect(b"Login Succeeded")
    assert proc.wait(timeout=60) == 0
    os.close(master)
    assert b"wonderland" not in out  # not echoed
    with open(authfile) as f:
        assert registry.host in json.load(f)["auths"]
    # Without a terminal and without a password: a clear error.
    p = engine.run("login", "--authfile", authfile, "-u", "alice", registry.host, check=False, input="")
    assert_failed(p, "no password given")


def test_credentials_refused_mid_pull_are_renewed(engine, registry, authfile, workdir):
    """A blob request answered 401 (a token that expired): the challenge is
    learnt again, a new token fetched for the scope (Bearer) or the
    credentials sent again (Basic), and the blob fetched with it."""
    proxy = rh.Proxy(registry)
    try:
        blob = registry.image.layers[0]["digest"]
        if registry.mode == "token":
            challenge = 'Bearer realm="%s",service="%s",scope="repository:private/app:pull"' % (
                registry.token.realm, registry.token.service)
        else:
            challenge = 'Basic realm="cell-test"'
        proxy.faults["/blobs/" + blob] = ("401once", challenge)
        before = len(registry.token.requests) if registry.token else 0
        ref = "%s/private/app:1" % proxy.host
        p = engine.run("pull", "--authfile", authfile, "--creds", "alice:wonderland", ref)
        assert p.stdout.strip().splitlines()[-1] == registry.image.id
        if registry.mode == "token":
            assert registry.token.requests[before:] == [("alice", ["repository:private/app:pull"])] * 2
        assert proxy.count("/blobs/" + blob) == 2
    finally:
        proxy.stop()
