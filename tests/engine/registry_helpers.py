# SPDX-License-Identifier: Apache-2.0
"""Registries for the engine's registry tests, all on 127.0.0.1.

  Registry     Debian's docker-registry in a setup: plain, TLS (a CA made
               here with openssl), htpasswd Basic auth, or Bearer tokens
               from TokenServer (JWTs signed with openssl).
  OciImage     an OCI image layout made here (tarfile + json), pushed with
               skopeo.
  Proxy        a python HTTP proxy in front of a registry that counts the
               requests and misbehaves on purpose (500, a connection
               dropped mid-blob, a corrupted blob, a slow blob).
"""

import base64
import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import tarfile
import threading
import time
import urllib.error
import urllib.request

BUSYBOX = "/bin/busybox"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


# ---- OCI images ----

def tar_layer(files):
    """An uncompressed tar of `files`: {path: bytes | ("symlink", target) |
    ("dir",) | ("whiteout",)}; a path "d/.wh..wh..opq" marks d opaque."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path in sorted(files):
            v = files[path]
            ti = tarfile.TarInfo(path)
            ti.mtime = 1700000000
            if isinstance(v, tuple) and v[0] == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = v[1]
                t.addfile(ti)
            elif isinstance(v, tuple) and v[0] == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            else:
                data = v if isinstance(v, bytes) else v.encode()
                ti.size = len(data)
                ti.mode = 0o755
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def busybox_files():
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    files = {"bin": ("dir",), "bin/busybox": bb, "etc": ("dir",), "tmp": ("dir",)}
    for applet in ("sh", "ls", "cat", "echo", "true", "env"):
        files["bin/" + applet] = ("symlink", "busybox")
    return files


class OciImage:
    """An OCI layout directory holding one image (tag "latest")."""

    def __init__(self, path, layers, arch="amd64", compress="gzip", cmd=None, variant=None):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        descs, diff_ids = [], []
        for files in layers:
            raw = tar_layer(files)
            diff_ids.append(sha256(raw))
            if compress == "gzip":
                blob = gzip.compress(raw, mtime=0)
                mt = "application/vnd.oci.image.layer.v1.tar+gzip"
            else:
                blob = raw
                mt = "application/vnd.oci.image.layer.v1.tar"
            descs.append({"mediaType": mt, "digest": self.put(blob), "size": len(blob)})
        config = {
            "created": "2026-01-01T00:00:00Z",
            "architecture": arch,
            "os": "linux",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": cmd or ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }
        if variant:
            config["variant"] = variant
        cblob = json.dumps(config).encode()
        self.config_digest = self.put(cblob)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": self.config_digest, "size": len(cblob)},
            "layers": descs,
        }
        mblob = json.dumps(manifest).encode()
        self.manifest_digest = self.put(mblob)
        self.layers = descs
        index = {"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": self.manifest_digest, "size": len(mblob),
            "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}
        with open(os.path.join(path, "index.json"), "w") as f:
            json.dump(index, f)

    def put(self, data):
        d = sha256(data)
        with open(os.path.join(self.path, "blobs", "sha256", d[7:]), "wb") as f:
            f.write(data)
        return d

    @property
    def id(self):
        return self.config_digest[7:]


def skopeo_copy(src, dest, *extra):
    p = subprocess.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false"] + list(extra)
                       + [src, dest], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError("skopeo copy %s %s: %s" % (src, dest, p.stderr))


# ---- certificates and tokens ----

def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=60)


def make_ca_and_cert(d, cn="127.0.0.1", san="IP:127.0.0.1,DNS:localhost"):
    """A CA, and a server certificate for `san` signed by it.
    Returns (ca.crt, server.crt, server.key) paths."""
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = os.path.join(d, "server.key"), os.path.join(d, "server.csr"), os.path.join(d, "server.crt")
    ext = os.path.join(d, "ext.cnf")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
            "-days", "2", "-subj", "/CN=cell test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + cn)
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\n" % san)
    openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
            "-out", crt, "-days", "2", "-extfile", ext)
    return ca_crt, crt, key


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """docker's token protocol: GET /token?service=S&scope=repository:NAME:ACTIONS.
    Signs RS256 JWTs (openssl dgst) with a key whose self-signed certificate the
    registry trusts (rootcertbundle) and which the JWT carries in x5c.
    Users: {name: password}; anonymous callers get a token with no access."""

    def __init__(self, d, users, issuer="cell-test-issuer", service="cell-test-registry"):
        self.users = users
        self.issuer, self.service = issuer, service
        self.key, self.cert = os.path.join(d, "token.key"), os.path.join(d, "token.crt")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key, "-out", self.cert,
                "-days", "2", "-subj", "/CN=cell test token signer")
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"], check=True,
                             capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        self.requests = []
        self.port = free_port()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                server.handle(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def realm(self):
        return "http://127.0.0.1:%d/token" % self.port

    def sign(self, claims):
        header = {"alg": "RS256", "typ": "JWT", "x5c": [self.x5c]}
        signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signing_input.encode(),
                             check=True, capture_output=True).stdout
        return signing_input + "." + b64url(sig)

    def handle(self, h):
        from urllib.parse import urlparse, parse_qs
        q = parse_qs(urlparse(h.path).query)
        user = None
        auth = h.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
            if self.users.get(u) != p:
                self.requests.append(("denied", u))
                body = json.dumps({"errors": [{"code": "UNAUTHORIZED",
                                               "message": "invalid username or password"}]}).encode()
                h.send_response(401)
                h.send_header("Content-Type", "application/json")
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                h.wfile.write(body)
                return
            user = u
        access = []
        for scope in q.get("scope", []):
            typ, name, actions = scope.split(":")
            if user:
                access.append({"type": typ, "name": name, "actions": actions.split(",")})
        self.requests.append((user, q.get("scope", [])))
        now = int(time.time())
        token = self.sign({"iss": self.issuer, "sub": user or "", "aud": self.service, "exp": now + 600,
                           "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(), "access": access})
        body = json.dumps({"token": token, "expires_in": 600}).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- the registry ----

class Registry:
    """docker-registry serving on 127.0.0.1:PORT from a directory of `d`.
    mode: "plain", "tls", "basic" (htpasswd) or "token"."""

    def __init__(self, d, mode="plain", users=None, san="IP:127.0.0.1,DNS:localhost"):
        self.dir = d
        self.mode = mode
        self.users = users or {"alice": "wonderland"}
        self.port = free_port()
        self.host = "127.0.0.1:%d" % self.port
        self.token = None
        self.ca = None
        storage = os.path.join(d, "storage")
        os.makedirs(storage, exist_ok=True)
        cfg = ["version: 0.1", "log:", "  level: info", "storage:", "  filesystem:",
               "    rootdirectory: %s" % storage, "  delete:", "    enabled: true",
               "http:", "  addr: 127.0.0.1:%d" % self.port, "  secret: cell-test"]
        if mode == "tls":
            self.ca, crt, key = make_ca_and_cert(d, san=san)
            self.cert_dir = os.path.join(d, "certs.d")
            os.makedirs(self.cert_dir)
            shutil.copy(self.ca, os.path.join(self.cert_dir, "ca.crt"))
            cfg += ["  tls:", "    certificate: %s" % crt, "    key: %s" % key]
        if mode == "basic":
            htpasswd = os.path.join(d, "htpasswd")
            with open(htpasswd, "w") as f:
                for u, p in self.users.items():
                    f.write(subprocess.run(["htpasswd", "-Bbn", u, p], check=True, capture_output=True,
                                           text=True).stdout.strip() + "\n")
            cfg += ["auth:", "  htpasswd:", "    realm: cell-test", "    path: %s" % htpasswd]
        if mode == "token":
            self.token = TokenServer(d, self.users)
            cfg += ["auth:", "  token:", "    realm: %s" % self.token.realm,
                    "    service: %s" % self.token.service, "    issuer: %s" % self.token.issuer,
                    "    rootcertbundle: %s" % self.token.cert]
        self.config = os.path.join(d, "config.yml")
        with open(self.config, "w") as f:
            f.write("\n".join(cfg) + "\n")
        self.log = open(os.path.join(d, "registry.log"), "w")
        self.proc = subprocess.Popen(["docker-registry", "serve", self.config], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self._wait()

    @property
    def scheme(self):
        return "https" if self.mode == "tls" else "http"

    def _wait(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("docker-registry exited: %s" % open(self.log.name).read())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("docker-registry did not listen on %d" % self.port)

    def skopeo_creds(self):
        if self.mode in ("basic", "token"):
            u, p = next(iter(self.users.items()))
            return ["--dest-creds", "%s:%s" % (u, p)]
        return []

    def push(self, image, name, *extra):
        """skopeo copy an OciImage to NAME (repo:tag) on this registry."""
        skopeo_copy("oci:%s:latest" % image.path, "docker://%s/%s" % (self.host, name),
                    *(self.skopeo_creds() + list(extra)))

    def request(self, method, path, body=None, headers=None):
        """A request to the registry (no auth setups only): (status, headers, body)."""
        ctx = ssl._create_unverified_context() if self.mode == "tls" else None
        req = urllib.request.Request("%s://%s%s" % (self.scheme, self.host, path), data=body,
                                     method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def manifest(self, name, ref):
        accept = ", ".join(["application/vnd.oci.image.manifest.v1+json",
                            "application/vnd.oci.image.index.v1+json",
                            "application/vnd.docker.distribution.manifest.v2+json",
                            "application/vnd.docker.distribution.manifest.list.v2+json"])
        status, headers, body = self.request("GET", "/v2/%s/manifests/%s" % (name, ref),
                                             headers={"Accept": accept})
        assert status == 200, (status, body)
        return headers.get("Content-Type"), body

    def put_index(self, name, tag, entries, media_type="application/vnd.oci.image.index.v1+json"):
        """PUT an index (OCI, or a docker manifest list) at NAME:TAG of
        (manifest tag, os, arch[, variant])."""
        manifests = []
        for ref, os_, arch, *variant in entries:
            mt, body = self.manifest(name, ref)
            platform = {"os": os_, "architecture": arch}
            if variant:
                platform["variant"] = variant[0]
            manifests.append({"mediaType": mt, "digest": sha256(body), "size": len(body),
                              "platform": platform})
        index = json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": manifests}).encode()
        status, _, body = self.request("PUT", "/v2/%s/manifests/%s" % (name, tag), index,
                                       {"Content-Type": media_type})
        assert status == 201, (status, body)
        return sha256(index)

    def push_raw(self, image, name, tag="latest"):
        """Upload an OciImage's blobs and manifest as they are (skopeo would
        recompress an uncompressed layer); no-auth setups only."""
        blobs = [l["digest"] for l in image.layers] + [image.config_digest]
        for d in blobs:
            with open(os.path.join(image.path, "blobs", "sha256", d[7:]), "rb") as f:
                data = f.read()
            status, headers, body = self.request("POST", "/v2/%s/blobs/uploads/" % name, b"")
            assert status == 202, (status, body)
            loc = headers["Location"]
            loc = loc[loc.index("/v2/"):] if "://" in loc else loc
            sep = "&" if "?" in loc else "?"
            status, _, body = self.request("PUT", "%s%sdigest=%s" % (loc, sep, d), data,
                                           {"Content-Type": "application/octet-stream"})
            assert status == 201, (status, body)
        with open(os.path.join(image.path, "blobs", "sha256", image.manifest_digest[7:]), "rb") as f:
            manifest = f.read()
        status, _, body = self.request("PUT", "/v2/%s/manifests/%s" % (name, tag), manifest,
                                       {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        assert status == 201, (status, body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if self.token:
            self.token.stop()


# ---- a proxy that counts and misbehaves ----

class QuietServer(http.server.ThreadingHTTPServer):
    """A client that goes away mid-answer (a killed pull) is expected here."""
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


class Proxy:
    """Plain-http proxy on 127.0.0.1 in front of a plain Registry.

    self.requests: (method, path, Range header) of every request.
    self.faults: {substring of a path: fault}, a fault being one of
        ("status", code)          answer that HTTP status with a registry error body
        ("drop", nbytes)          send the headers and nbytes of the body, then close
        ("corrupt",)              flip one byte of the body (same length)
        ("slow", chunk, seconds)  send the body in chunks with a pause between
        ("replace", body, ctype)  answer 200 with this body and Content-Type
        ("norange",)              forward without the Range header (a server ignoring it)
        ("401once", challenge)    answer 401 with this WWW-Authenticate once (an expired token)
    self.sent: {path: body bytes sent so far}.
    """

    def __init__(self, registry):
        self.registry = registry
        self.requests = []
        self.faults = {}
        self.sent = {}
        self.lock = threading.Lock()
        self.port = free_port()
        self.host = "127.0.0.1:%d" % self.port
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                proxy.handle(self, "GET")

            def do_HEAD(self):
                proxy.handle(self, "HEAD")

        self.httpd = QuietServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def fault_for(self, path):
        for k, v in self.faults.items():
            if k in path:
                return v
        return None

    def count(self, substring, method="GET"):
        with self.lock:
            return sum(1 for m, p, _ in self.requests if m == method and substring in p)

    def handle(self, h, method):
        with self.lock:
            self.requests.append((method, h.path, h.headers.get("Range")))
        fault = self.fault_for(h.path)
        if fault and fault[0] == "401once":
            self.faults = {k: v for k, v in self.faults.items() if v is not fault}
            body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "token expired"}]}).encode()
            h.send_response(401)
            h.send_header("WWW-Authenticate", fault[1])
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if method != "HEAD":
                h.wfile.write(body)
            return
        if fault and fault[0] == "status":
            body = json.dumps({"errors": [{"code": "UNKNOWN", "message": "injected failure %d" % fault[1]}]})
            body = body.encode()
            h.send_response(fault[1])
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if method != "HEAD":
                h.wfile.write(body)
            return
        if fault and fault[0] == "replace":
            h.send_response(200)
            h.send_header("Content-Type", fault[2])
            h.send_header("Content-Length", str(len(fault[1])))
            h.end_headers()
            if method != "HEAD":
                h.wfile.write(fault[1])
            return
        conn = http.client.HTTPConnection("127.0.0.1", self.registry.port, timeout=60)
        drop = ("host", "connection", "range") if fault and fault[0] == "norange" else ("host", "connection")
        headers = {k: v for k, v in h.headers.items() if k.lower() not in drop}
        conn.request(method, h.path, headers=headers)
        r = conn.getresponse()
        body = r.read() if method != "HEAD" else b""
        conn.close()
        h.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length", "date", "server"):
                h.send_header(k, v)
        length = r.getheader("Content-Length") if method == "HEAD" else str(len(body))
        if length is not None:
            h.send_header("Content-Length", length)
        h.end_headers()
        if method == "HEAD":
            return
        if fault and fault[0] == "corrupt" and body:
            body = bytes([body[0] ^ 0xff]) + body[1:]
        if fault and fault[0] == "drop":
            h.wfile.write(body[:fault[1]])
            h.wfile.flush()
            self._note(h.path, fault[1])
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault and fault[0] == "slow":
            chunk, pause = fault[1], fault[2]
            for i in range(0, len(body), chunk):
                try:
                    h.wfile.write(body[i:i + chunk])
                    h.wfile.flush()
                except OSError:
                    return
                self._note(h.path, min(i + chunk, len(body)))
                time.sleep(pause)
            return
        h.wfile.write(body)
        self._note(h.path, len(body))

    def _note(self, path, n):
        with self.lock:
            self.sent[path] = n

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- what a test checks in the engine's store ----

def stored_images(engine):
    """The store's image records (DESIGN.md's images.json): [{id, names, ...}]."""
    path = os.path.join(engine.storage, "images.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)["images"]


def image_named(engine, name):
    for img in stored_images(engine):
        if name in img.get("names", []):
            return img
    return None


def tmp_entries(engine):
    d = os.path.join(engine.storage, "tmp")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def has_verb(engine, verb):
    return engine.run(verb, "--help", check=False).returncode == 0


def assert_images_listed(engine, image_id):
    """`cell images -q` lists the id, when the verb exists; the record is there in any case."""
    assert any(i["id"] == "sha256:" + image_id for i in stored_images(engine))
    if has_verb(engine, "images"):
        out = engine.out("images", "-q", "--no-trunc")
        assert image_id in out.replace("sha256:", ""), out



PR_SET_CHILD_SUBREAPER = 36


def sigkill_pull(proc):
    """SIGKILL a running `cell pull` and reap the unpacking children it had
    forked (they die with it, PDEATHSIG).  Orphans go to pid 1, which in a
    container may never reap them, and a zombie's pid looks alive to the
    store's repair of tmp/; so this process becomes their subreaper for the
    moment and reaps them itself, as a real init would."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        proc.send_signal(9)
        proc.wait()
        me = str(os.getpid())
        while True:
            orphans = []
            for p in os.listdir("/proc"):
                if not p.isdigit():
                    continue
                try:
                    with open("/proc/%s/stat" % p) as f:
                        stat = f.read()
                except OSError:
                    continue
                comm = stat[stat.index("(") + 1:stat.rindex(")")]
                ppid = stat[stat.rindex(")") + 2:].split()[1]
                if ppid == me and comm == "cell":
                    orphans.append(int(p))
            if not orphans:
                break
            for pid in orphans:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
