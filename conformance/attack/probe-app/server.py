"""attack-probe: a hostile Marina app. Each tool runs one attack from inside the sandbox and returns
what it observed, so that the tests (conformance/attack/test_*.py) can judge it from outside.

Nothing here defends itself: the point is to try what an attacker's app would try. Standard
library only, besides the vendored Python SDK (marina_sdk, copied in by the tests), which serves
the HTTP contract and verifies invocation tokens.

Tool arguments carry raw bytes as JSON strings: each character U+0000…U+00FF is one byte (so
"\\u0000" is a NUL byte), and any character above that is sent as its UTF-8 encoding.
"""
import errno
import hashlib
import http.client
import json
import os
import select
import socket
import threading
import time
import urllib.parse

from marina_sdk import App

HERE = os.path.dirname(os.path.abspath(__file__))
app = App(os.path.join(HERE, "marina.app.yaml"))
IO = "/run/marina/io"
EVENTS = os.path.join(os.environ.get("HOME", "/data"), "events.jsonl")


def app_token():
    """The current app token: $MARINA_APP_TOKEN_FILE (rotated by the platform) or $MARINA_APP_TOKEN."""
    path = os.environ.get("MARINA_APP_TOKEN_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError:
            pass
    return os.environ.get("MARINA_APP_TOKEN", "")


def raw_bytes(text):
    """A JSON string as bytes: U+0000…U+00FF one byte each, anything above as UTF-8."""
    out = bytearray()
    for ch in text:
        out += bytes([ord(ch)]) if ord(ch) < 256 else ch.encode("utf-8")
    return bytes(out)


def shown(data, limit=2048):
    """Received bytes as text a test can read (Latin-1, so every byte survives), cut at `limit`."""
    return data[:limit].decode("latin-1")


def proxy_address():
    url = urllib.parse.urlsplit(os.environ["HTTP_PROXY"])
    return url.hostname, url.port


def read_answer(sock, deadline):
    """Reads until the peer closes, a complete answer with Content-Length arrived, or the deadline."""
    data = b""
    while time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except OSError as error:
            data += ("<recv error: %s>" % error).encode()
            break
        if not chunk:
            break
        data += chunk
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode("latin-1").lower()
            length = None
            for line in head.split("\r\n")[1:]:
                if line.startswith("content-length:"):
                    try:
                        length = int(line.split(":", 1)[1].strip())
                    except ValueError:
                        pass
            if length is not None and len(data) >= head_end + 4 + length:
                break
            if head.startswith("http/1.1 200 connection established") or head.startswith("http/1.0 200 connection established"):
                break
    return data


def status_of(answer):
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def body_json(answer):
    end = answer.find(b"\r\n\r\n")
    try:
        return json.loads(answer[end + 4:]) if end >= 0 else None
    except ValueError:
        return None


@app.tool("whoami")
def whoami(ctx, args):
    digests = {}
    for name in args.get("env", []):
        value = os.environ.get(name)
        digests[name] = None if value is None else hashlib.sha256(value.encode()).hexdigest()
    return {"served_by": "attack-probe", "tenant": os.environ.get("MARINA_TENANT"), "app": os.environ.get("MARINA_APP"),
            "pid": os.getpid(), "uid": os.getuid(), "app_token": app_token(), "env_sha256": digests}


@app.tool("proxy")
def proxy(ctx, args):
    """Each attempt: one connection to HTTP_PROXY, `send` written as raw bytes, the answer read; when
    the proxy opened a tunnel (CONNECT answered 200) and `then` is given, `then` goes through it
    and the tunnel's answer is read too."""
    host, port = proxy_address()
    results = []
    for attempt in args["attempts"]:
        result = {"name": attempt["name"]}
        try:
            with socket.create_connection((host, port), timeout=10) as sock:
                sock.sendall(raw_bytes(attempt["send"]))
                answer = read_answer(sock, time.time() + 15)
                result.update(status=status_of(answer), answer=shown(answer), error=(body_json(answer) or {}).get("error"))
                if result["status"] == 200 and attempt.get("then") and b"connection established" in answer.split(b"\r\n", 1)[0].lower():
                    sock.sendall(raw_bytes(attempt["then"]))
                    tunnel = read_answer(sock, time.time() + 15)
                    result.update(tunnel_status=status_of(tunnel), tunnel_answer=shown(tunnel))
        except OSError as error:
            result.update(status=None, answer="", transport_error=str(error))
        results.append(result)
    return {"results": results}


class Platform:
    """The platform's app-facing API over one kept-alive connection (reopened when it closes)."""

    def __init__(self, timeout=30):
        url = urllib.parse.urlsplit(os.environ["MARINA_URL"])
        self.host, self.port, self.timeout = url.hostname, url.port, timeout
        self.connection = None

    def post(self, path, body, token=None):
        token = app_token() if token is None else token
        headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            started = time.time()
            try:
                self.connection.request("POST", path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError) as error:
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    return {"status": None, "transport_error": str(error), "elapsed_s": round(time.time() - started, 3)}
                continue
            try:
                parsed = json.loads(data)
            except ValueError:
                parsed = None
            answer = {"status": response.status, "elapsed_s": round(time.time() - started, 3)}
            answer.update({"json": parsed} if parsed is not None else {"text": shown(data)})
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return answer

    def close(self):
        if self.connection is not None:
            self.connection.close()


@app.tool("fetch")
def fetch(ctx, args):
    """http_fetch of each request, posted raw so that the answer is the platform's own."""
    platform = Platform(timeout=170)
    try:
        results = []
        for request in args["requests"]:
            call = {"tool": "http_fetch", "args": {"url": request["url"], **({"headers": request["headers"]} if "headers" in request else {})}}
            results.append({"url": request["url"], **platform.post("/api/mcp/app-tools", json.dumps(call).encode())})
        return {"results": results}
    finally:
        platform.close()


@app.tool("platform_calls")
def platform_calls(ctx, args):
    """Each body (raw bytes), `repeat` times in turn, posted to `path` as fast as one connection goes."""
    platform = Platform()
    try:
        results = []
        for _ in range(args.get("repeat", 1)):
            for body in args["bodies"]:
                results.append(platform.post(args["path"], raw_bytes(body), token=args.get("token")))
        return {"results": results}
    finally:
        platform.close()


@app.tool("swap_sockets")
def swap_sockets(ctx, args):
    """Replaces each named socket of the io directory with a symbolic link to `target` (a path the
    sandbox cannot see: a link is a string, resolved by whoever follows it)."""
    outcome = {}
    for name in args["names"]:
        path = os.path.join(IO, name)
        try:
            os.unlink(path)
        except OSError as error:
            if error.errno != errno.ENOENT:
                outcome[name] = "unlink failed: " + errno.errorcode.get(error.errno, str(error.errno))
                continue
        try:
            os.symlink(args["target"], path)
            outcome[name] = "linked"
        except OSError as error:
            outcome[name] = "symlink failed: " + errno.errorcode.get(error.errno, str(error.errno))
    listing = {}
    for entry in sorted(os.listdir(IO)):
        full = os.path.join(IO, entry)
        listing[entry] = ("-> " + os.readlink(full)) if os.path.islink(full) else "socket" if os.path.exists(full) else "?"
    return {"outcome": outcome, "io": listing}


class Flood:
    """Connections opened to one socket and held, each sent `prefix` (nothing, or part of a request head)."""

    def __init__(self, target, count, prefix, hold_s):
        self.target, self.started, self.hold_until = target, time.time(), time.time() + hold_s
        self.sockets, self.errors = [], {}
        path = os.path.join(IO, "platform.sock" if target == "platform" else "egress.sock")
        # A listener's backlog is short: a connect that finds it full (EAGAIN) is tried again
        # until the other side accepts, within a bound for the whole flood.
        deadline = time.time() + 20
        self.ended = {}   # fileno → seconds after the flood started when the other side closed or answered
        for _ in range(count):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.setblocking(False)
            while True:
                try:
                    sock.connect(path)
                except OSError as error:
                    if error.errno == errno.EAGAIN and time.time() < deadline:
                        time.sleep(0.002)
                        continue
                    name = errno.errorcode.get(error.errno, str(error)) if error.errno else type(error).__name__
                    self.errors[name] = self.errors.get(name, 0) + 1
                    sock.close()
                    break
                self.sockets.append(sock)
                if prefix:
                    try:
                        sock.send(prefix)
                    except OSError:   # accepted, then closed by the other side (a connection limit)
                        self.ended[sock.fileno()] = round(time.time() - self.started, 1)
                break
        self.count = len(self.sockets)

    def poll(self):
        if time.time() >= self.hold_until:
            self.release()
            return
        poller = select.poll()
        for sock in self.sockets:
            if sock.fileno() not in self.ended:
                poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
        for fd, _ in poller.poll(0):
            self.ended[fd] = round(time.time() - self.started, 1)

    def release(self):
        for sock in self.sockets:
            sock.close()
        self.sockets = []

    def status(self):
        if self.sockets:
            self.poll()
        return {"target": self.target, "opened": self.count, "connect_errors": self.errors,
                "ended_by_peer": len(self.ended), "still_open": max(0, len(self.sockets) - len(self.ended)),
                "first_end_s": min(self.ended.values()) if self.ended else None, "last_end_s": max(self.ended.values()) if self.ended else None,
                "held_for_s": round(time.time() - self.started, 1)}


FLOODS = []
FLOODS_LOCK = threading.Lock()


@app.tool("flood_open")
def flood_open(ctx, args):
    prefix = raw_bytes(args.get("send", ""))
    flood = Flood(args["target"], args["count"], prefix, args.get("hold_s", 120))
    with FLOODS_LOCK:
        FLOODS.append(flood)
    return {"opened": len(flood.sockets), "connect_errors": flood.errors}


@app.tool("flood_status")
def flood_status(ctx, args):
    with FLOODS_LOCK:
        return {"floods": [f.status() for f in FLOODS]}


@app.tool("flood_release")
def flood_release(ctx, args):
    with FLOODS_LOCK:
        for flood in FLOODS:
            flood.release()
        FLOODS.clear()
    return {"released": True}


def remember(event):
    with open(EVENTS, "a", encoding="utf-8") as f:
        f.write(json.dumps({"type": event.type, "id": event.id, "payload": event.payload}) + "\n")


# Variants of the manifest (the tests make some) may declare no events.
for _event in ("install", "uninstall"):
    if _event in app.enabled_events:
        app.register_event(_event, lambda ctx, event: remember(event))


@app.tool("events_seen")
def events_seen(ctx, args):
    try:
        with open(EVENTS, encoding="utf-8") as f:
            return {"events": [json.loads(line) for line in f if line.strip()]}
    except FileNotFoundError:
        return {"events": []}


@app.tool("echo")
def echo(ctx, args):
    return {"text": args.get("text")}


if __name__ == "__main__":
    app.run()
