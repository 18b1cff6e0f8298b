# SPDX-License-Identifier: Apache-2.0
"""`cell pull` from Debian's docker-registry on 127.0.0.1 (plain http and
TLS), the formats a registry serves, and push back."""

import json
import os
import subprocess

import pytest

import registry_helpers as rh


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def registry(workdir):
    r = rh.Registry(os.path.join(workdir, "plain"))
    yield r
    r.stop()


@pytest.fixture(scope="module")
def busybox_image(workdir, registry):
    img = rh.OciImage(os.path.join(workdir, "busybox"), [rh.busybox_files(), {"hello.txt": b"hello from layer 2\n"}])
    registry.push(img, "bb:latest")
    return img


def pull(engine, *args, check=True):
    return engine.run("pull", *args, check=check, timeout=300)


def assert_failed(p, *words):
    assert p.returncode == 125, (p.returncode, p.stdout, p.stderr)
    for w in words:
        assert w in p.stderr, (w, p.stderr)


def test_pull_plain(engine, registry, busybox_image):
    ref = "%s/bb" % registry.host
    p = pull(engine, ref)
    # podman's output: the image id, without "sha256:", as the last line of stdout.
    assert p.stdout.strip().splitlines()[-1] == busybox_image.id
    assert "Copying blob" in p.stderr and "Writing manifest" in p.stderr
    img = rh.image_named(engine, ref + ":latest")
    assert img is not None, rh.stored_images(engine)
    assert img["id"] == "sha256:" + busybox_image.id
    assert img["digest"] == busybox_image.manifest_digest
    assert [l["digest"] for l in img["layers"]] == [l["digest"] for l in busybox_image.layers]
    rh.assert_images_listed(engine, busybox_image.id)
    # The layers are unpacked: the second one holds hello.txt, the first busybox.
    top = os.path.join(engine.storage, "layers", "sha256", img["layers"][1]["diff_id"][7:], "diff")
    with open(os.path.join(top, "hello.txt")) as f:
        assert f.read() == "hello from layer 2\n"
    bottom = os.path.join(engine.storage, "layers", "sha256", img["layers"][0]["diff_id"][7:], "diff")
    assert os.readlink(os.path.join(bottom, "bin", "sh")) == "busybox"
    if rh.has_verb(engine, "run"):
        out = engine.out("run", "--rm", ref, "cat", "/hello.txt")
        assert out == "hello from layer 2\n"
    # Pulled again: every blob is there already, the same image.
    again = pull(engine, ref)
    assert "skipped: already exists" in again.stderr
    assert again.stdout.strip().splitlines()[-1] == busybox_image.id
    assert len(rh.stored_images(engine)) == 1


def test_pull_quiet_prints_only_the_id(engine, registry, busybox_image):
    p = pull(engine, "-q", "%s/bb:latest" % registry.host)
    assert p.stdout == busybox_image.id + "\n"
    assert p.stderr == ""


def test_pull_live_progress_on_a_terminal(engine, registry, busybox_image):
    import pty
    import select
    master, slave = pty.openpty()
    proc = engine.popen("pull", "%s/bb" % registry.host, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 60)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    stdout, _ = proc.communicate(timeout=60)
    os.close(master)
    assert proc.returncode == 0, out
    text = out.decode(errors="replace")
    # Lines redrawn in place: erase-line and cursor-up sequences, a bar.
    assert "\x1b[2K" in text and "Copying blob" in text, text
    assert stdout.decode().strip() == busybox_image.id


def test_pull_by_digest(engine, registry, busybox_image):
    ref = "%s/bb@%s" % (registry.host, busybox_image.manifest_digest)
    p = pull(engine, ref)
    assert p.stdout.strip().splitlines()[-1] == busybox_image.id
    unknown = "%s/bb@sha256:%s" % (registry.host, "0" * 64)
    p = pull(engine, unknown, check=False)
    assert_failed(p, unknown, "manifest unknown")


def test_pull_multilayer(engine, workdir, registry):
    layers = [rh.busybox_files(),
              {"etc/one": b"1\n", "etc/gone": b"to be deleted\n", "data": ("dir",), "data/old": b"old\n"},
              {"etc/.wh.gone": b"", "data/.wh..wh..opq": b"", "data/new": b"new\n"},
              {"etc/three": b"3\n"}]
    img = rh.OciImage(os.path.join(workdir, "multi"), layers)
    registry.push(img, "multi:v1")
    p = pull(engine, "%s/multi:v1" % registry.host)
    assert p.stdout.strip().splitlines()[-1] == img.id
    rec = rh.image_named(engine, "%s/multi:v1" % registry.host)
    assert len(rec["layers"]) == 4
    diffs = [os.path.join(engine.storage, "layers", "sha256", l["diff_id"][7:], "diff") for l in rec["layers"]]
    assert os.path.exists(os.path.join(diffs[1], "etc", "gone"))
    st = os.lstat(os.path.join(diffs[2], "etc", "gone"))  # the whiteout, as overlayfs wants it
    import stat
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
    assert os.listdir(os.path.join(diffs[2], "data")) == ["new"]
    assert open(os.path.join(diffs[3], "etc", "three")).read() == "3\n"
    if rh.has_verb(engine, "run"):
        out = engine.out("run", "--rm", "%s/multi:v1" % registry.host, "ls", "/etc", "/data")
        assert "gone" not in out and "three" in out and "old" not in out and "new" in out


def test_pull_zstd_layers(engine, workdir, registry):
    # Layers of their own: skopeo would reuse a gzip blob the registry has.
    bottom = dict(rh.busybox_files(), **{"zstd-image": b"bottom\n"})
    img = rh.OciImage(os.path.join(workdir, "zsrc"), [bottom, {"z.txt": b"zstd layer\n"}])
    registry.push(img, "zst:latest", "--dest-compress-format", "zstd")
    _, body = registry.manifest("zst", "latest")
    manifest = json.loads(body)
    assert all(l["mediaType"].endswith("+zstd") for l in manifest["layers"]), manifest
    p = pull(engine, "%s/zst" % registry.host)
    rec = rh.image_named(engine, "%s/zst:latest" % registry.host)
    assert p.stdout.strip().splitlines()[-1] == rec["id"][7:] == img.id
    top = os.path.join(engine.storage, "layers", "sha256", rec["layers"][1]["diff_id"][7:], "diff")
    assert open(os.path.join(top, "z.txt")).read() == "zstd layer\n"


def test_pull_uncompressed_layers(engine, workdir, registry):
    img = rh.OciImage(os.path.join(workdir, "plainlayers"), [{"a.txt": b"plain tar\n"}], compress=None)
    registry.push_raw(img, "tarlayer")
    p = pull(engine, "%s/tarlayer" % registry.host)
    assert p.stdout.strip().splitlines()[-1] == img.id
    rec = rh.image_named(engine, "%s/tarlayer:latest" % registry.host)
    assert rec["layers"][0]["media_type"] == "application/vnd.oci.image.layer.v1.tar"
    d = os.path.join(engine.storage, "layers", "sha256", rec["layers"][0]["diff_id"][7:], "diff")
    assert open(os.path.join(d, "a.txt")).read() == "plain tar\n"


@pytest.fixture(scope="module")
def multiarch(workdir, registry):
    amd = rh.OciImage(os.path.join(workdir, "amd64"), [{"arch": b"amd64\n"}], arch="amd64")
    arm = rh.OciImage(os.path.join(workdir, "arm64"), [{"arch": b"arm64\n"}], arch="arm64")
    registry.push(amd, "multi-arch:amd64")
    registry.push(arm, "multi-arch:arm64")
    registry.put_index("multi-arch", "latest", [("amd64", "linux", "amd64"), ("arm64", "linux", "arm64", "v8")])
    registry.push(arm, "arm-only:arm64")
    registry.put_index("arm-only", "latest", [("arm64", "linux", "arm64", "v8")])
    return amd, arm


def test_manifest_list_picks_this_platform(engine, registry, multiarch):
    amd, arm = multiarch
    if os.uname().machine != "x86_64":
        pytest.skip("the test's list holds amd64 and arm64; this host is %s" % os.uname().machine)
    p = pull(engine, "%s/multi-arch" % registry.host)
    assert p.stdout.strip().splitlines()[-1] == amd.id
    assert rh.image_named(engine, "%s/multi-arch:latest" % registry.host)["digest"] == amd.manifest_digest
    p = pull(engine, "--platform", "linux/arm64", "%s/multi-arch" % registry.host)
    assert p.stdout.strip().splitlines()[-1] == arm.id
    # The name moved to the arm64 image.
    assert rh.image_named(engine, "%s/multi-arch:latest" % registry.host)["id"] == "sha256:" + arm.id


def test_manifest_list_without_this_platform(engine, registry, multiarch):
    ref = "%s/arm-only:latest" % registry.host
    p = pull(engine, "--platform", "linux/amd64", ref, check=False)
    assert_failed(p, "no manifest for linux/amd64 in %s (have: linux/arm64/v8)" % ref)
    assert rh.stored_images(engine) == []
    p = pull(engine, "--platform", "linux/s390x", "%s/multi-arch" % registry.host, check=False)
    assert_failed(p, "no manifest for linux/s390x", "have: linux/amd64, linux/arm64/v8")
    p = pull(engine, "--platform", "linux", ref, check=False)
    assert_failed(p, "invalid platform \"linux\"")
    p = pull(engine, "--platform", "linux/arm64/v8/x", "%s/multi-arch:amd64" % registry.host, check=False)
    assert_failed(p, "invalid platform \"linux/arm64/v8/x\"")


def test_unknown_repository_and_tag(engine, registry, busybox_image):
    for ref in ("%s/nosuchrepo:latest" % registry.host, "%s/bb:nosuchtag" % registry.host):
        p = pull(engine, ref, check=False)
        assert_failed(p, ref, "manifest unknown")
    assert rh.stored_images(engine) == []


def test_push_and_pull_back(engine, registry, busybox_image, engine_workdir):
    src = "%s/bb:latest" % registry.host
    pull(engine, src)
    dest = "%s/pushed/copy:v2" % registry.host
    p = engine.run("push", src, dest)
    assert "Writing manifest" in p.stderr
    # Pushed byte for byte: the registry serves the same manifest digest.
    _, body = registry.manifest("pushed/copy", "v2")
    assert rh.sha256(body) == busybox_image.manifest_digest
    # A second push finds every blob there.
    p = engine.run("push", "--tls-verify=false", src, "docker://" + dest)
    assert "skipped: already exists" in p.stderr
    # Pulled into another store: the same image.
    import enginelib
    other = enginelib.Engine(engine.binary, os.path.join(engine.root, "other"))
    p = other.run("pull", dest)
    assert p.stdout.strip().splitlines()[-1] == busybox_image.id
    p = engine.run("push", "%s/never/pulled" % registry.host, check=False)
    assert_failed(p, "never/pulled")


def test_tls_registry(engine, workdir, busybox_image):
    r = rh.Registry(os.path.join(workdir, "tls"), "tls")
    try:
        r.push(busybox_image, "bb:tls", "--dest-cert-dir", r.cert_dir)
        ref = "%s/bb:tls" % r.host
        # The CA is unknown: refused, and no fallback to http.
        p = pull(engine, ref, check=False)
        assert_failed(p, ref, "certificate not trusted", "--cert-dir")
        p = pull(engine, "--cert-dir", r.cert_dir, ref)
        assert p.stdout.strip().splitlines()[-1] == busybox_image.id
        other = engine.root + "/insecure"
        import enginelib
        e2 = enginelib.Engine(engine.binary, other)
        p = e2.run("pull", "--tls-verify=false", ref)
        assert p.stdout.strip().splitlines()[-1] == busybox_image.id
        p = pull(engine, "--cert-dir", "/nonexistent-cert-dir", ref, check=False)
        assert_failed(p, "/nonexistent-cert-dir")
        # By name too (the certificate names localhost).
        p = pull(engine, "--cert-dir", r.cert_dir, "localhost:%d/bb:tls" % r.port)
        assert p.stdout.strip().splitlines()[-1] == busybox_image.id
        # The CA in the host's certs.d directory for HOST:PORT (podman's, then
        # docker's): trusted without --cert-dir.  The port is this test's own.
        import shutil
        for root in ("/etc/containers/certs.d", "/etc/docker/certs.d"):
            made = [p for p in (os.path.dirname(root), root) if not os.path.isdir(p)]
            d = os.path.join(root, r.host)
            os.makedirs(d)
            try:
                shutil.copy(r.ca, os.path.join(d, "ca.crt"))
                other = enginelib.Engine(engine.binary, os.path.join(engine.root, "certs.d-" + root.split("/")[2]))
                p = other.run("pull", ref, timeout=300)
                assert p.stdout.strip().splitlines()[-1] == busybox_image.id
            finally:
                shutil.rmtree(d)
                for p in reversed(made):
                    os.rmdir(p)
    finally:
        r.stop()


def test_tls_certificate_for_another_address(engine, workdir, busybox_image):
    """A certificate from a trusted CA, but for another IP address and name:
    refused (an IP is checked against the certificate's IP addresses)."""
    r = rh.Registry(os.path.join(workdir, "tls-other"), "tls", san="IP:127.0.0.9,DNS:elsewhere.example")
    try:
        r.push(busybox_image, "bb:tls", "--dest-tls-verify=false")
        ref = "%s/bb:tls" % r.host
        p = pull(engine, "--cert-dir", r.cert_dir, ref, check=False)
        assert_failed(p, ref, "certificate not trusted")
        p = pull(engine, "--cert-dir", r.cert_dir, "localhost:%d/bb:tls" % r.port, check=False)
        assert_failed(p, "certificate not trusted")
        assert rh.stored_images(engine) == []
    finally:
        r.stop()


def test_single_platform_image_for_another_platform_warns(engine, registry, multiarch):
    amd, arm = multiarch
    p = pull(engine, "--platform", "linux/arm64", "%s/multi-arch:amd64" % registry.host)
    assert p.stdout.strip().splitlines()[-1] == amd.id
    assert "WARNING: image platform (linux/amd64) does not match the expected platform (linux/arm64)" in p.stderr


def test_concurrent_pulls_of_one_image(engine, workdir, registry):
    big = {"big.bin": os.urandom(4 << 20)}
    img = rh.OciImage(os.path.join(workdir, "concurrent"), [rh.busybox_files(), big, {"top": b"t\n"}])
    registry.push(img, "concurrent:latest")
    ref = "%s/concurrent" % registry.host
    procs = [engine.popen("pull", "-q", ref, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, errtext) in zip(procs, outs):
        assert p.returncode == 0, errtext
        assert out.decode().strip() == img.id
    recs = [i for i in rh.stored_images(engine) if i["id"] == "sha256:" + img.id]
    assert len(recs) == 1 and recs[0]["names"] == [ref + ":latest"]
    assert rh.tmp_entries(engine) == []


DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"


def test_docker_schema2_manifest_and_list(engine, workdir, registry):
    amd = rh.OciImage(os.path.join(workdir, "d-amd64"), [{"d": b"docker amd64\n"}], arch="amd64")
    arm = rh.OciImage(os.path.join(workdir, "d-arm64"), [{"d": b"docker arm64\n"}], arch="arm64")
    registry.push(amd, "docker-fmt:amd64", "--format", "v2s2")
    registry.push(arm, "docker-fmt:arm64", "--format", "v2s2")
    ctype, body = registry.manifest("docker-fmt", "amd64")
    assert ctype == DOCKER_MANIFEST, ctype
    registry.put_index("docker-fmt", "list", [("amd64", "linux", "amd64"), ("arm64", "linux", "arm64")],
                       media_type=DOCKER_LIST)
    p = pull(engine, "%s/docker-fmt:amd64" % registry.host)
    rec = rh.image_named(engine, "%s/docker-fmt:amd64" % registry.host)
    assert rec["manifest_media_type"] == DOCKER_MANIFEST
    assert rec["digest"] == rh.sha256(body)
    assert rec["layers"][0]["media_type"] == "application/vnd.docker.image.rootfs.diff.tar.gzip"
    assert p.stdout.strip().splitlines()[-1] == rec["id"][7:]
    p = pull(engine, "--platform", "linux/arm64", "%s/docker-fmt:list" % registry.host)
    rec = rh.image_named(engine, "%s/docker-fmt:list" % registry.host)
    assert rec["manifest_media_type"] == DOCKER_MANIFEST
    d = os.path.join(engine.storage, "layers", "sha256", rec["layers"][0]["diff_id"][7:], "diff")
    assert open(os.path.join(d, "d")).read() == "docker arm64\n"
    # Pushed back as it is: the registry keeps the docker media type and digest.
    engine.run("push", "%s/docker-fmt:list" % registry.host, "%s/docker-copy:1" % registry.host)
    ctype, copy = registry.manifest("docker-copy", "1")
    assert ctype == DOCKER_MANIFEST and rh.sha256(copy) == rec["digest"]


def test_push_the_builtin_busybox(engine, registry):
    dest = "%s/builtin/busybox:1" % registry.host
    engine.run("push", "-q", "busybox", dest)
    local = rh.image_named(engine, "localhost/busybox:latest")
    assert local is not None
    import enginelib
    other = enginelib.Engine(engine.binary, os.path.join(engine.root, "other"))
    p = other.run("pull", dest)
    assert p.stdout.strip().splitlines()[-1] == local["id"][7:]
    if rh.has_verb(other, "run"):
        assert other.out("run", "--rm", dest, "echo", "from the registry") == "from the registry\n"
