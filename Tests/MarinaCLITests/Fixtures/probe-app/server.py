"""A test app that reports on its sandbox and misbehaves on request. MODE (from the manifest's
env) chooses how it starts: ok, never-healthy, exit, wrong-manifest, fail-install."""
import os

# What the app was handed, before it opens anything itself (the listing's own descriptor is gone
# by the time its link is read, so it is not counted).
def _open_descriptors():
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            os.readlink("/proc/self/fd/" + fd)
            found.append(int(fd))
        except OSError:
            pass
    return sorted(found)


INHERITED = _open_descriptors()

import json
import signal
import socket
import socketserver
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

MODE = os.environ.get("MODE", "ok")
HERE = os.path.dirname(os.path.abspath(__file__))
events = []

NOTE_TERM = []


def on_term(number, frame):
    """SIGTERM as usual, unless the note_term tool asked for a note first (handlers are set in
    the main thread only, so this one is set at start)."""
    if NOTE_TERM:
        time.sleep(0.3)
        with open("/data/term-seen", "w") as f:
            f.write(str(os.getpid()))
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


signal.signal(signal.SIGTERM, on_term)

if MODE == "exit":
    sys.stderr.write("probe: refusing to start (MODE=exit)\n")
    sys.exit(3)


def status_field(name):
    for line in open("/proc/self/status"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


def denied_syscalls():
    """Each call the seccomp filter denies, tried with harmless arguments: its errno (0 = it ran)."""
    import ctypes
    import platform
    libc = ctypes.CDLL(None, use_errno=True)
    numbers = {"x86_64": {"unshare": 272, "keyctl": 250, "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425, "mount": 165},
               "aarch64": {"unshare": 97, "keyctl": 219, "bpf": 280, "userfaultfd": 282, "io_uring_setup": 425, "mount": 40}}.get(platform.machine(), {})
    out = {}
    for name, number in numbers.items():
        ctypes.set_errno(0)
        result = libc.syscall(number, 0, 0, 0, 0, 0)
        out[name] = 0 if result >= 0 else ctypes.get_errno()
    return out


def fd_targets():
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.append(os.readlink("/proc/self/fd/" + fd))
        except OSError:
            pass
    return out


def tmpfs_bytes(path):
    st = os.statvfs(path)
    return st.f_blocks * st.f_frsize


def can_write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        return True
    except OSError:
        return False


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))

    def reply(self, status, body):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            return self.reply(503 if MODE == "never-healthy" else 200, {"status": "ok"})
        if self.path == "/manifest":
            manifest = json.load(open(os.path.join(HERE, "marina.app.json")))
            if MODE == "wrong-manifest":
                manifest["app"]["name"] = "Something else"
            return self.reply(200, manifest)
        self.reply(404, {"error": {"code": "not_found", "message": self.path}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        args = json.loads(self.rfile.read(length) or b"{}")
        if self.path.startswith("/event/"):
            if MODE == "fail-install" and self.path == "/event/install":
                return self.reply(500, {"error": {"code": "not_ready", "message": "cannot take installs"}})
            events.append({"type": self.path[7:], "id": args.get("id"), "auth": self.headers.get("Authorization", "")[:7]})
            return self.reply(200, {"ok": True})
        tool = self.path[len("/tool/"):]
        if tool == "echo":
            return self.reply(200, {"echo": args, "request_id": self.headers.get("X-Marina-Request-Id"),
                                    "bearer": (self.headers.get("Authorization") or "").startswith("Bearer ")})
        if tool == "whoami":
            with open("/data/marker-" + os.environ.get("MARINA_TENANT", "?"), "w") as f:
                f.write("x")
            interfaces = [line.split(":")[0].strip() for line in open("/proc/net/dev").readlines()[2:]]
            return self.reply(200, {
                "uid": os.getuid(), "pid": os.getpid(), "cap_eff": status_field("CapEff"), "no_new_privs": status_field("NoNewPrivs"),
                "env": sorted(os.environ.keys()), "interfaces": interfaces, "data": sorted(os.listdir("/data")),
                "write_app": can_write("/app/x"), "write_etc": can_write("/etc/x"), "write_usr": can_write("/usr/x"),
                "write_tmp": can_write("/tmp/x"), "events": events, "hostname": socket.gethostname(),
                "sees_root": os.path.exists("/root"), "sees_marina_data": os.path.exists("/work"),
                "seccomp": status_field("Seccomp"), "denied_syscalls": denied_syscalls(),
                "tmp_bytes": tmpfs_bytes("/tmp"), "shm_bytes": tmpfs_bytes("/dev/shm"),
                "open_files": sorted(fd_targets()), "inherited_fds": INHERITED,
                "token_head": os.environ.get("MARINA_APP_TOKEN", "")[:48],
                "token_file": open(os.environ["MARINA_APP_TOKEN_FILE"]).read()[:48] if os.environ.get("MARINA_APP_TOKEN_FILE") else None,
            })
        if tool == "callback":
            # The app calling the platform back at MARINA_URL with its app token, without a proxy;
            # "as_request" names the request it claims to be handling (X-Marina-Request-Id).
            import urllib.request
            headers = {"Authorization": "Bearer " + os.environ["MARINA_APP_TOKEN"], "Content-Type": "application/json"}
            as_request = args.pop("as_request", None)
            if as_request:
                headers["X-Marina-Request-Id"] = as_request
            request = urllib.request.Request(os.environ["MARINA_URL"] + "/api/mcp/app-tools", data=json.dumps(args).encode(), method="POST", headers=headers)
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with opener.open(request, timeout=10) as response:
                    return self.reply(200, {"status": response.status, "reply": json.loads(response.read())})
            except Exception as e:
                return self.reply(200, {"status": 0, "error": str(e)})
        if tool == "fetch":
            # Out through the egress proxy (urllib follows HTTP_PROXY).
            import urllib.request, urllib.error
            try:
                with urllib.request.urlopen(args["url"], timeout=10) as response:
                    return self.reply(200, {"status": response.status, "body": response.read().decode(errors="replace")})
            except urllib.error.HTTPError as e:
                return self.reply(200, {"status": e.code, "body": e.read().decode(errors="replace")})
            except Exception as e:
                return self.reply(200, {"status": 0, "error": str(e)})
        if tool == "note_term":
            # From now on SIGTERM is answered by leaving a note in /data, a moment later, and exiting.
            NOTE_TERM.append(True)
            return self.reply(200, {"noting": True})
        if tool == "hang":
            time.sleep(600)
        if tool == "garbage":
            return self.reply(200, b"\x00\x01not json at all")
        if tool == "big":
            return self.reply(200, {"blob": "x" * (3 * 1024 * 1024)})
        if tool == "fail":
            return self.reply(500, {"error": {"code": "broken", "message": "it broke\nTraceback (most recent call last):\n  File \"server.py\", line 1"}})
        if tool == "oom":
            hog = []
            while True:
                hog.append(bytearray(16 * 1024 * 1024))
        if tool == "forkbomb":
            started = 0
            try:
                for _ in range(10000):
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    started += 1
            except OSError as e:
                return self.reply(200, {"started": started, "error": str(e)})
            return self.reply(200, {"started": started})
        if tool == "flood":
            chunk = "flood " * 1000 + "\n"
            for _ in range(10000):
                sys.stdout.write(chunk)
            sys.stdout.flush()
            return self.reply(200, {"flooded": True})
        if tool == "fill":
            # Writes /data full (up to 64 MB): how much went in, and the error that stopped it.
            written, error = 0, None
            try:
                with open("/data/fill", "wb") as f:
                    while written < 64 * 1024 * 1024:
                        f.write(b"x" * 1048576)
                        f.flush()
                        os.fsync(f.fileno())
                        written += 1048576
            except OSError as e:
                error = e.errno
            return self.reply(200, {"written": written, "errno": error, "files": sorted(os.listdir("/data"))})
        if tool == "crash":
            os._exit(9)
        self.reply(404, {"error": {"code": "unknown_tool", "message": tool}})


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


Server(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
