"""What the attack tests share: a real `marina serve` (bubblewrap sandbox, SQLite, loopback) with a
private /etc/hosts, the probe app shipped and installed, and the loopback servers that stand for
forbidden hosts ("victims"), hostile upstreams and host Unix sockets.

Starting serve, the CLI and loopback stand-ins come from examples/tests/support.py (one copy for
every suite that runs a real serve); this file adds what attacks need on top: serve's PID, thread
count and memory, raw HTTP with bounded timeouts, and servers that record every connection.
"""
import hashlib
import http.client
import json
import os
import shutil
import socket
import sys
import tarfile
import threading
import time
import urllib.parse
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "examples" / "tests"))
from support import MARINA, SERVE_OPTIONS, Platform, can_override_hosts, run  # noqa: E402,F401 (run: re-exported for the tests)

PROBE_APP = HERE / "probe-app"
PROBE = "attack-probe"
SDK = REPO / "sdk" / "python" / "src" / "marina_sdk"

# Names the probe's egress_hosts allow (["allowed.test", "*.example.test"]) live on 127.0.0.2, where
# the tests run allowed upstreams; the forbidden names live on 127.0.0.1 and ::1, where victims
# listen. So a connection a victim records is a connection to a host the allow-list forbids.
ALLOWED_ADDRESS = "127.0.0.2"
HOSTS = {
    "allowed.test": ALLOWED_ADDRESS,
    "api.example.test": ALLOWED_ADDRESS,
    "evil.test": "127.0.0.1",
    "evil": "127.0.0.1",
    "example.test": "127.0.0.1",
    "evilexample.test": "127.0.0.1",
    "allowed.test.evil.test": "127.0.0.1",
}


def require_sandbox():
    """The suite needs what a production serve has: root (the sandbox drops to per-instance
    users), bubblewrap, and unshare for the private /etc/hosts. It fails, never skips: a
    security suite that quietly skips is worse than none."""
    problems = []
    if not os.access(MARINA, os.X_OK):
        problems.append(f"no marina binary at {MARINA} (build it, or set MARINA_BIN)")
    if shutil.which("bwrap") is None:
        problems.append("bubblewrap (bwrap) is not installed")
    if not can_override_hosts():
        problems.append("needs root and unshare (serve gets a private /etc/hosts)")
    assert not problems, "; ".join(problems)


def prepare_probe(into, edit=None, name="probe"):
    """A copy of probe-app/ with the Python SDK vendored in (a sandbox sees only the bundle and
    /usr); `edit(manifest_dict)` changes the copy's manifest (variants: another app id, a hostile
    pattern, a secret reference)."""
    target = into / name
    shutil.copytree(PROBE_APP, target, ignore=shutil.ignore_patterns("__pycache__", "marina_sdk"))
    shutil.copytree(SDK, target / "marina_sdk", ignore=shutil.ignore_patterns("__pycache__"))
    if edit is not None:
        manifest = yaml.safe_load((target / "marina.app.yaml").read_text())
        edited = edit(manifest)
        manifest = manifest if edited is None else edited
        (target / "marina.app.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True))
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


class Answer:
    """An HTTP answer: status and parsed JSON (None when the body is not JSON)."""

    def __init__(self, status, body):
        self.status, self.raw = status, body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def code(self):
        error = self.json.get("error") if isinstance(self.json, dict) else None
        return error.get("code") if isinstance(error, dict) else None

    def __repr__(self):
        return f"<{self.status} {self.raw[:600]!r}>"


class AttackPlatform(Platform):
    """A real `marina serve` with the bubblewrap sandbox, SQLite and a private /etc/hosts (HOSTS),
    `--egress-allow-private` so that allowed names may reach loopback stand-ins."""

    def __init__(self, root, extra=()):
        require_sandbox()
        super().__init__(root, extra=[*SERVE_OPTIONS, "--egress-allow-private", *extra], hosts=HOSTS)
        self.pid = self.process.pid
        url = urllib.parse.urlsplit(self.url)
        self.host, self.port = url.hostname, url.port
        self.admin_key = self.env["MARINA_API_KEY"]

    # --- serve as a process ---

    def status_field(self, name):
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {name} in /proc/{self.pid}/status")

    def threads(self):
        return self.status_field("Threads")

    def rss_kb(self):
        return self.status_field("VmRSS")

    def peak_rss_kb(self):
        return self.status_field("VmHWM")

    def alive(self):
        return self.process.poll() is None

    def crash(self):
        """How serve ended, in a few lines of its log (the Swift runtime's crash report starts
        with "Fatal error" or "*** Program crashed")."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if "Fatal error" in line or "Program crashed" in line:
                return f"exit {self.process.poll()}: " + " | ".join(l.strip() for l in lines[i:i + 4])
        return f"exit {self.process.poll()}: " + " | ".join(lines[-5:])

    # --- HTTP, every wait bounded ---

    def request(self, method, path, body=None, key=None, headers=None, timeout=30):
        """One request to serve; (status, body) as an Answer. A timeout raises (the caller decides)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
            sent = {"Authorization": "Bearer " + (self.admin_key if key is None else key), **({"Content-Type": "application/json"} if data is not None else {}),
                    **(headers or {})}
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            return Answer(response.status, response.read())
        finally:
            connection.close()

    def healthz(self, timeout=5):
        """Whether GET /healthz answers 200 within `timeout` seconds."""
        try:
            return self.request("GET", "/healthz", timeout=timeout).status == 200
        except OSError:
            return False

    def call(self, tenant, tool, args=None, app=PROBE, key=None, timeout=60):
        return self.request("POST", f"/api/v1/tenants/{tenant}/apps/{app}/tools/{tool}", body=args or {}, key=key, timeout=timeout)

    def probe(self, tenant, tool, args=None, app=PROBE, timeout=60):
        """A probe tool's result; fails the test when the call itself fails."""
        answer = self.call(tenant, tool, args, app=app, timeout=timeout)
        assert answer.status == 200, f"{tool} in {tenant}: {answer}\nserve: {self.output()[-1500:]}"
        return answer.json

    # --- setting up ---

    def ship_probe(self, app_dir, app_id=PROBE, deploy=True):
        published = self.json("publish", app_dir)
        assert published["app"] == app_id, published
        if deploy:
            self.cli("deploy", "--app", app_id, "--version", published["version"])
        return published

    def tenant(self, slug):
        self.cli("tenants", "create", slug)
        return slug

    def install(self, tenant, app=PROBE, grants=("kv.read", "http.fetch")):
        grant_args = [a for scope in grants for a in ("--grant", scope)]
        installed = self.json("install", app, "--tenant", tenant, *grant_args)
        assert installed["state"] == "active", installed
        return installed

    def key(self, role, tenant=None, name=None):
        """A new API key of `role` (developer, tenant_admin, tenant_member)."""
        args = ["keys", "create", "--role", role, "--name", name or role] + (["--tenant", tenant] if tenant else [])
        created = self.json(*args)
        for field in ("key", "api_key", "secret", "token"):
            if isinstance(created.get(field), str):
                return created[field]
        raise AssertionError(f"no key in {created}")

    def audit(self, tenant=None, **filters):
        """Audit records as the API lists them (admin; `tenant` narrows it), oldest first, every
        page. (test_audit_nul.py checks that `marina audit` lists the same.)"""
        records, cursor = [], None
        for _ in range(50):
            query = {"limit": "1000", **({"tenant": tenant} if tenant else {}), **filters, **({"cursor": cursor} if cursor else {})}
            answer = self.request("GET", "/api/v1/audit?" + urllib.parse.urlencode(query))
            assert answer.status == 200, answer
            records += answer.json["records"]
            cursor = answer.json.get("next_cursor")
            if not cursor:
                break
        return sorted(records, key=lambda r: r["seq"])

    def audit_cli(self, tenant):
        """What `marina audit --json` prints for the tenant (the newest 1000 records)."""
        out = self.cli("audit", "--tenant", tenant, "--limit", "1000", "--json").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]


def wait_until(condition, timeout, interval=0.2):
    """condition()'s first truthy value within `timeout` seconds, else its last value."""
    deadline = time.time() + timeout
    while True:
        value = condition()
        if value or time.time() >= deadline:
            return value
        time.sleep(interval)


# --- Servers that record what reaches them ---

class RecordingTCPServer:
    """A loopback TCP server that records every connection (and what it sent within a moment),
    and answers with `respond(conn, first_bytes)`; by default an HTTP 200 saying it is a victim."""

    def __init__(self, address, port=0, respond=None, family=socket.AF_INET):
        self.connections = []
        self.lock = threading.Lock()
        self.respond = respond or victim_answer
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        self.sock.bind((address, port))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.running = True
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while self.running:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn, peer), daemon=True).start()

    def handle(self, conn, peer):
        record = {"peer": str(peer), "at": time.time(), "received": b""}
        with self.lock:
            self.connections.append(record)
        try:
            conn.settimeout(2)
            try:
                record["received"] = conn.recv(65536)
            except OSError:
                pass
            self.respond(conn, record)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def stop(self):
        """Stops listening. shutdown() first: closing a socket another thread is blocked in
        accept() on leaves it listening (a stale victim would answer a later module's test)."""
        self.running = False
        close_listener(self.sock)


def victim_answer(conn, record):
    body = json.dumps({"victim": True}).encode()
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))


class Victims:
    """Forbidden destinations on one port: 127.0.0.1 and ::1 (where every forbidden name and every
    loopback literal leads). Any connection they record is a hole."""

    def __init__(self):
        self.v4 = RecordingTCPServer("127.0.0.1")
        self.port = self.v4.port
        try:
            self.v6 = RecordingTCPServer("::1", self.port, family=socket.AF_INET6)
        except OSError:
            self.v6 = None

    @property
    def connections(self):
        return self.v4.connections + (self.v6.connections if self.v6 else [])

    def stop(self):
        self.v4.stop()
        if self.v6:
            self.v6.stop()


class UnixVictim:
    """A root-only Unix socket on the host (in a 0700 directory): what a sandboxed app must never
    get serve to connect to. It records every connection and answers like an app would."""

    def __init__(self, directory):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)
        self.path = str(directory / "victim.sock")
        self.connections = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o600)
        self.sock.listen(64)
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            record = {"at": time.time(), "received": b""}
            self.connections.append(record)
            try:
                conn.settimeout(2)
                record["received"] = conn.recv(65536)
                victim_answer(conn, record)
            except OSError:
                pass
            finally:
                conn.close()

    def stop(self):
        close_listener(self.sock)


def close_listener(sock):
    for step in (lambda: sock.shutdown(socket.SHUT_RDWR), sock.close):
        try:
            step()
        except OSError:
            pass


def bundle_of(files):
    """A tar.gz (bytes) of {name: bytes}, as `marina publish` would upload."""
    import io
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()
