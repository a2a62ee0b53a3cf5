"""What the example tests share: the marina binary, building and checking a copy of an example,
a real `marina serve` (optionally with a private /etc/hosts), and loopback HTTP stand-ins.

Run the tests from the repository root with the SDK venv's Python (scripts/test does):

    MARINA_BIN=.build/debug/marina .build/sdk-venv/bin/python -m pytest -q examples/tests
"""
import http.server
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
MARINA = str(Path(os.environ.get("MARINA_BIN") or REPO / ".build" / "debug" / "marina").resolve())
# A broken example fails in seconds, not after six slow install attempts.
SERVE_OPTIONS = ["--start-timeout", "15", "--event-retries", "3"]
# Instances run /usr/bin/python3 and /usr/bin/node; conformance runs the apps with the same.
SYSTEM_PATH = "/usr/bin:/bin:" + os.environ.get("PATH", "")


def run(cmd, *, cwd=None, env=None, input=None, timeout=180):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, input=input, capture_output=True, text=True, timeout=timeout)


def copy_example(name, into):
    """A copy of examples/NAME without build products, so that building never writes into the repository."""
    target = into / name
    shutil.copytree(EXAMPLES / name, target, ignore=shutil.ignore_patterns("node_modules", "dist", "marina_sdk", "__pycache__"))
    return target


def build(app_dir, sdk):
    r = run([app_dir / "build", REPO / "sdk" / sdk], cwd=app_dir)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def import_example_module(example, name):
    """Module NAME of examples/EXAMPLE (an example's own code, for its tests), without writing
    __pycache__ into examples/."""
    sys.path.insert(0, str(EXAMPLES / example))
    sys.dont_write_bytecode, writes = True, sys.dont_write_bytecode
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)
        sys.dont_write_bytecode = writes


def check_conformance(app_dir):
    """`marina conformance --app`: every check passes. Each example declares events, so the suite
    runs its 8 checks and the 9th (an event delivered twice is handled once)."""
    r = run([MARINA, "conformance", "--app", app_dir, "--json"], cwd=app_dir, env={**os.environ, "PATH": SYSTEM_PATH})
    verdict = json.loads(r.stdout or "{}")
    failed = [c for c in verdict.get("checks", []) if not c.get("ok")]
    assert r.returncode == 0 and verdict.get("ok") is True, f"{failed or verdict} {r.stderr[-2000:]}"
    assert len(verdict["checks"]) == 9, [c.get("name") for c in verdict["checks"]]


def can_override_hosts():
    """Root and unshare: serve can get a private /etc/hosts (Platform(hosts=...))."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return run(["unshare", "--mount", "--propagation", "private", "true"], timeout=10).returncode == 0


class Platform:
    """A real `marina serve` in its own data directory, on a free loopback port.

    With `hosts` ({name: ip}), serve runs in a private mount namespace whose /etc/hosts maps those
    names: egress hosts must be DNS names (not `localhost`), so this is how an allowed name reaches
    a stand-in on 127.0.0.1 (with `--egress-allow-private`). Needs can_override_hosts()."""

    def __init__(self, root, extra=(), hosts=None):
        self.root, self.data = root, root / ".marina"
        root.mkdir(mode=0o755, parents=True, exist_ok=True)
        command = [MARINA, "serve", "--data", self.data, "--listen", "127.0.0.1:0", *extra]
        if hosts:
            # A private mount namespace: `mount --bind` a hosts file over /etc/hosts for serve only.
            # unshare and sh exec, so the PID stays serve's (serve.json's pid checks that).
            hosts_file = root / "hosts"
            hosts_file.write_text("127.0.0.1 localhost\n" + "".join(f"{ip} {name}\n" for name, ip in hosts.items()))
            command = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                       'mount --bind "$0" /etc/hosts && exec "$@"', hosts_file, *command]
        self.log_path = root / "serve.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([str(c) for c in command], stdout=self.log, stderr=subprocess.STDOUT, cwd=root)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                info = json.loads((self.data / "serve.json").read_text())
                if info.get("pid") == self.process.pid:
                    self.url = info["url"]
                    break
            except (OSError, ValueError):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        else:
            self.stop()
            raise AssertionError("marina serve did not start in 30 s: " + self.output())
        if self.process.poll() is not None:
            self.log.close()
            raise AssertionError("marina serve exited: " + self.output())
        self.env = {**os.environ, "MARINA_SERVER": self.url, "MARINA_API_KEY": (self.data / "admin.key").read_text().strip()}

    def output(self):
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self):
        """SIGTERM to serve (by its PID), then wait; SIGKILL if it does not go."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()

    def cli(self, *args, input=None, ok=True):
        r = run([MARINA, *args], cwd=self.root, env=self.env, input=input)
        if ok:
            assert r.returncode == 0, f"marina {' '.join(map(str, args))} failed: {r.stderr[-3000:]}"
        return r

    def json(self, *args):
        return json.loads(self.cli(*args, "--json").stdout)

    def invoke(self, app, tool, tenant, args):
        return self.json("invoke", app, tool, "--tenant", tenant, "--args", json.dumps(args))

    def ship(self, app_dir, app_id, version="1.0.0"):
        """publish + deploy; returns the publish record."""
        published = self.json("publish", app_dir)
        assert published["app"] == app_id and published["version"] == version
        self.cli("deploy", "--app", app_id, "--version", version)
        return published

    def bundle_members(self, bundle_hash):
        digest = bundle_hash.split(":", 1)[1]
        with tarfile.open(self.data / "bundles" / "sha256" / digest[:2] / (digest + ".tar.gz")) as bundle:
            return {m.name.removeprefix("./") for m in bundle.getmembers() if m.isfile()}

    def audit(self, tenant, *filters):
        out = self.cli("audit", "--tenant", tenant, "--limit", "1000", "--json", *filters).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]


class LoopbackHTTP:
    """An HTTP server on 127.0.0.1 (a free port) serving `handler` (a BaseHTTPRequestHandler
    subclass) from a daemon thread, for stand-ins of the services apps and the platform call."""

    def __init__(self, handler):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class JSONStandIn(LoopbackHTTP):
    """A JSON service on 127.0.0.1 whose `answer(request)` (request: the BaseHTTPRequestHandler of
    a GET) gives (status, body) for each request."""

    def __init__(self):
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                status, body = stand_in.answer(self)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(Handler)

    def answer(self, request):
        raise NotImplementedError
