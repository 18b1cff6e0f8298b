# SPDX-License-Identifier: Apache-2.0
"""A registry that misbehaves (a python proxy in front of docker-registry):
500s, a connection dropped mid-blob, a corrupted blob, manifests that are
not JSON or not manifests, and `cell pull` killed while blobs stream.  Each:
a message naming the reference/blob and the reason, exit 125, no image
visible, nothing in the store's tmp/ but a *.partial kept for resume; the
next pull completes and fetches only what was missing."""

import json
import os
import time

import pytest

import registry_helpers as rh

BIG = 3 << 20  # an incompressible layer, big enough to be caught mid-stream


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("faults"))


@pytest.fixture(scope="module")
def registry(workdir):
    r = rh.Registry(os.path.join(workdir, "registry"))
    yield r
    r.stop()


@pytest.fixture(scope="module")
def image(workdir, registry):
    big = os.urandom(BIG)
    img = rh.OciImage(os.path.join(workdir, "img"),
                      [{"small.txt": b"small layer\n"}, {"big.bin": big}, {"top.txt": b"top\n"}])
    registry.push(img, "app:latest")
    return img


@pytest.fixture
def proxy(registry):
    p = rh.Proxy(registry)
    yield p
    p.stop()


def big_layer(image):
    return max(image.layers, key=lambda l: l["size"])


def pull(engine, proxy, *args, check=False):
    return engine.run("pull", *args, "%s/app:latest" % proxy.host, check=check, timeout=300)


def assert_failed(engine, p, *words):
    print("cell:", p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "")
    assert p.returncode == 125, (p.returncode, p.stdout, p.stderr)
    for w in words:
        assert w in p.stderr, (w, p.stderr)
    assert rh.stored_images(engine) == []
    assert [e for e in rh.tmp_entries(engine) if not e.endswith(".partial")] == []
    if rh.has_verb(engine, "images"):
        assert engine.out("images", "-q") == ""


def blob_gets(proxy, digest):
    return proxy.count("/blobs/" + digest)


def test_500_on_the_manifest(engine, proxy, image):
    proxy.faults["/manifests/"] = ("status", 500)
    p = pull(engine, proxy)
    assert_failed(engine, p, "%s/app:latest" % proxy.host, "manifest latest", "HTTP 500")


def test_500_on_a_blob(engine, proxy, image):
    digest = image.layers[0]["digest"]
    proxy.faults["/blobs/" + digest] = ("status", 500)
    p = pull(engine, proxy)
    assert_failed(engine, p, "app:latest", digest, "HTTP 500")


def test_connection_dropped_mid_blob_then_resumed(engine, proxy, image):
    big = big_layer(image)
    proxy.faults["/blobs/" + big["digest"]] = ("drop", 1 << 20)
    p = pull(engine, proxy)
    assert_failed(engine, p, "app:latest", big["digest"])
    partial = os.path.join(engine.storage, "tmp", "ingest-%s.partial" % big["digest"][7:])
    assert os.path.exists(partial), rh.tmp_entries(engine)
    kept = os.path.getsize(partial)
    assert 0 < kept <= 1 << 20
    # The next pull resumes the partial blob with a Range request, and does
    # not fetch again a blob it has whole (the failure stopped the others
    # wherever they were).
    had = [l["digest"] for l in image.layers
           if os.path.exists(os.path.join(engine.storage, "blobs", "sha256", l["digest"][7:]))]
    proxy.faults.clear()
    proxy.requests.clear()
    p = pull(engine, proxy, check=True)
    assert p.stdout.strip().splitlines()[-1] == image.id
    ranges = [r for m, path, r in proxy.requests if big["digest"] in path and m == "GET"]
    assert ranges == ["bytes=%d-" % kept], ranges
    for d in had:
        assert blob_gets(proxy, d) == 0, proxy.requests
    assert not os.path.exists(partial)


def test_resume_from_a_server_that_ignores_range(engine, proxy, image):
    big = big_layer(image)
    proxy.faults["/blobs/" + big["digest"]] = ("drop", 1 << 20)
    assert pull(engine, proxy).returncode == 125
    partial = os.path.join(engine.storage, "tmp", "ingest-%s.partial" % big["digest"][7:])
    assert os.path.getsize(partial) > 0
    # The server answers 200 with the whole blob: the partial file is dropped
    # and the blob fetched again from its start.
    proxy.faults["/blobs/" + big["digest"]] = ("norange",)
    proxy.requests.clear()
    p = pull(engine, proxy, check=True)
    assert p.stdout.strip().splitlines()[-1] == image.id
    ranges = [r for m, path, r in proxy.requests if big["digest"] in path and m == "GET"]
    assert len(ranges) == 2 and ranges[0] is not None and ranges[1] is None, ranges
    assert rh.tmp_entries(engine) == []


def test_digest_mismatch(engine, proxy, image):
    digest = image.layers[2]["digest"]
    proxy.faults["/blobs/" + digest] = ("corrupt",)
    p = pull(engine, proxy)
    assert_failed(engine, p, "app:latest", digest, "digest mismatch")
    # The bad data is not kept for a resume.
    assert not any(digest[7:] in e for e in rh.tmp_entries(engine))
    assert not os.path.exists(os.path.join(engine.storage, "blobs", "sha256", digest[7:]))


def test_config_digest_mismatch(engine, proxy, image):
    proxy.faults["/blobs/" + image.config_digest] = ("corrupt",)
    p = pull(engine, proxy)
    assert_failed(engine, p, image.config_digest, "digest mismatch")


MT = "application/vnd.oci.image.manifest.v1+json"


@pytest.mark.parametrize("body,ctype,words", [
    (b"this is not json", MT, ["not JSON"]),
    (b"[1, 2]", MT, ["not a JSON object"]),
    (json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.config.v1+json"}).encode(), MT,
     ["served as %s" % MT]),
    (json.dumps({"schemaVersion": 2, "mediaType": "text/html"}).encode(), "text/html",
     ["unsupported media type text/html"]),
    (json.dumps({"schemaVersion": 2, "mediaType": MT,
                 "config": {"mediaType": "application/octet-stream", "digest": "sha256:" + "a" * 64, "size": 2},
                 "layers": []}).encode(), MT, ["not an image config"]),
    (json.dumps({"schemaVersion": 2, "mediaType": MT,
                 "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                            "digest": "sha256:" + "a" * 64, "size": 2},
                 "layers": [{"mediaType": "application/x-rar", "digest": "sha256:" + "b" * 64, "size": 1}]}).encode(),
     MT, ["unsupported media type application/x-rar"]),
    (json.dumps({"schemaVersion": 2, "mediaType": MT,
                 "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                            "digest": "md5:abc", "size": 2}, "layers": []}).encode(), MT, ["md5:abc"]),
], ids=["not-json", "not-object", "type-disagrees", "html", "config-type", "layer-type", "bad-digest"])
def test_bad_manifest(engine, proxy, image, body, ctype, words):
    proxy.faults["/manifests/latest"] = ("replace", body, ctype)
    p = pull(engine, proxy)
    assert_failed(engine, p, "app:latest", "manifest latest", *words)


def test_config_not_json(engine, proxy, workdir, registry):
    img = rh.OciImage(os.path.join(workdir, "badcfg"), [{"x": b"x\n"}])
    # Replace the config blob by text that is not JSON, under its own digest.
    bad = b"not a config"
    cfg_digest = img.put(bad)
    mpath = os.path.join(img.path, "blobs", "sha256", img.manifest_digest[7:])
    m = json.load(open(mpath))
    m["config"] = {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_digest, "size": len(bad)}
    img.config_digest = cfg_digest
    mblob = json.dumps(m).encode()
    img.manifest_digest = img.put(mblob)
    registry.push_raw(img, "badcfg")
    p = engine.run("pull", "%s/badcfg" % proxy.host, check=False)
    assert_failed(engine, p, "badcfg", cfg_digest, "not a JSON object")


def bad_layer_image(workdir, name, blob):
    img = rh.OciImage(os.path.join(workdir, name), [{"x": b"x\n"}])
    digest = img.put(blob)
    mpath = os.path.join(img.path, "blobs", "sha256", img.manifest_digest[7:])
    m = json.load(open(mpath))
    m["layers"][0].update(digest=digest, size=len(blob))
    img.layers = m["layers"]
    img.manifest_digest = img.put(json.dumps(m).encode())
    return img, digest


@pytest.mark.parametrize("kind", ["not-gzip", "dot-dot", "truncated"])
def test_bad_layer(engine, proxy, workdir, registry, kind):
    import gzip
    if kind == "not-gzip":
        blob = b"\x1f\x8b but not really gzip at all" * 10
    elif kind == "dot-dot":
        blob = gzip.compress(rh.tar_layer({"../escape": b"out\n"}))
    else:
        blob = gzip.compress(rh.tar_layer({"big": os.urandom(100000)}))[:5000]
    img, digest = bad_layer_image(workdir, "bad-" + kind, blob)
    registry.push_raw(img, "bad-" + kind)
    p = engine.run("pull", "%s/bad-%s" % (proxy.host, kind), check=False)
    assert_failed(engine, p, "bad-" + kind, "layer " + digest)
    assert os.listdir(os.path.join(engine.storage, "layers", "sha256")) == []


@pytest.mark.parametrize("kill_at", [64 << 10, 1 << 20, (5 << 20) // 2, "unpacking"])
def test_sigkill_while_blobs_stream(engine, proxy, image, kill_at):
    if kill_at == "unpacking":
        return sigkill_after_the_blobs(engine, proxy, image)
    big = big_layer(image)
    proxy.faults["/blobs/" + big["digest"]] = ("slow", 32 << 10, 0.02)
    proc = engine.popen("pull", "%s/app:latest" % proxy.host)
    path = [None]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        sent = [n for pth, n in list(proxy.sent.items()) if big["digest"] in pth]
        if sent and sent[0] >= kill_at:
            break
        assert proc.poll() is None, "pull ended before it was killed"
        time.sleep(0.01)
    rh.sigkill_pull(proc)
    # Nothing visible; the store still works and repairs itself.
    assert rh.stored_images(engine) == []
    had = {l["digest"] for l in image.layers + [{"digest": image.config_digest}]
           if os.path.exists(os.path.join(engine.storage, "blobs", "sha256", l["digest"][7:]))}
    assert big["digest"] not in had
    partial = os.path.join(engine.storage, "tmp", "ingest-%s.partial" % big["digest"][7:])
    kept = os.path.getsize(partial) if os.path.exists(partial) else 0
    proxy.faults.clear()
    proxy.requests.clear()
    p = engine.run("pull", "%s/app:latest" % proxy.host, timeout=300)
    assert p.stdout.strip().splitlines()[-1] == image.id
    # Only what was missing was fetched: no complete blob again, the big one
    # resumed from where its partial file ended.
    for d in had:
        assert blob_gets(proxy, d) == 0, (d, proxy.requests)
    ranges = [r for m, pth, r in proxy.requests if big["digest"] in pth and m == "GET"]
    assert ranges == (["bytes=%d-" % kept] if kept else [None]), (kept, ranges)
    assert [e for e in rh.tmp_entries(engine)] == []
    rh.assert_images_listed(engine, image.id)


def sigkill_after_the_blobs(engine, proxy, image):
    """Killed once every blob is in the store: during the unpack or just
    after.  The next pull fetches nothing and completes the image."""
    proc = engine.popen("pull", "%s/app:latest" % proxy.host)
    blobs = [l["digest"] for l in image.layers] + [image.config_digest]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if all(os.path.exists(os.path.join(engine.storage, "blobs", "sha256", d[7:])) for d in blobs):
            break
        time.sleep(0.002)
    rh.sigkill_pull(proc)
    proxy.requests.clear()
    p = engine.run("pull", "%s/app:latest" % proxy.host, timeout=300)
    assert p.stdout.strip().splitlines()[-1] == image.id
    for d in blobs:
        assert blob_gets(proxy, d) == 0, proxy.requests
    assert rh.tmp_entries(engine) == []


def test_no_registry_listening(engine):
    host = "127.0.0.1:%d" % rh.free_port()
    p = engine.run("pull", "%s/app:latest" % host, check=False)
    assert_failed(engine, p, "pull %s/app:latest" % host, "pinging registry %s" % host)
