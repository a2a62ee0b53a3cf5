"""The smallest Marina app: the HTTP contract of docs/app-contract.md with Python's standard library only.

It listens on $PORT (TCP) or, when MARINA_SOCKET is set, on that Unix socket. Every request but
GET /health and GET /manifest must carry a valid invocation token (invocation_tokens.py, with the
Ed25519 check of ed25519_verify.py); anything else is refused with 401 before it is routed.
"""
import json
import os
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from invocation_tokens import InvalidToken, TokenVerifier

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "marina.app.json"), encoding="utf-8") as _f:
    MANIFEST_TEXT = _f.read()
MANIFEST = json.loads(MANIFEST_TEXT)
# The event types this app may receive: its lifecycle events, schedules and webhooks.
DECLARED_EVENTS = set(MANIFEST.get("events", [])) \
    | {"schedule." + s["name"] for s in MANIFEST.get("schedules", [])} \
    | {"webhook." + w["name"] for w in MANIFEST.get("webhooks", [])}

verifier = TokenVerifier(os.environ)
seen_events = set()
seen_lock = threading.Lock()


def log(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def greet(args):
    return {"greeting": "Hello, %s!" % args["name"]}


TOOLS = {"greet": greet}


def on_install(event):
    log("installed for %s (event %s)" % (event.get("tenant"), event["id"]))


def on_uninstall(event):
    log("uninstalled from %s (event %s)" % (event.get("tenant"), event["id"]))


EVENT_HANDLERS = {"install": on_install, "uninstall": on_uninstall}


class Handler(BaseHTTPRequestHandler):
    server_version = "hello-python/1.1"

    def log_message(self, fmt, *args):
        log(fmt % args)

    def reply(self, status, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.reply(status, {"error": {"code": code, "message": message}})

    def authenticated(self):
        """True when the request carries a valid invocation token; otherwise answers 401."""
        try:
            verifier.verify(self.headers.get("Authorization"))
            return True
        except InvalidToken as e:
            self.error(401, "invalid_token", str(e))
            return False

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    def do_GET(self):
        if self.path == "/health":
            return self.reply(200, {"status": "ok"})
        if self.path == "/manifest":
            return self.reply(200, MANIFEST_TEXT.encode())
        if self.authenticated():
            self.error(404, "not_found", "no route " + self.path)

    def do_POST(self):
        if not self.authenticated():
            return
        try:
            body = self.body()
        except ValueError:
            return self.error(400, "invalid_json", "the body is not JSON")
        if self.path.startswith("/tool/"):
            name = self.path[len("/tool/"):]
            if name not in TOOLS:
                return self.error(404, "unknown_tool", "no tool " + name)
            if not isinstance(body, dict):
                return self.error(400, "invalid_args", "the arguments are a JSON object")
            try:
                return self.reply(200, TOOLS[name](body))
            except KeyError as e:
                return self.error(400, "invalid_args", "missing argument %s" % e)
        if self.path.startswith("/event/"):
            return self.event(self.path[len("/event/"):], body)
        self.error(404, "not_found", "no route " + self.path)

    def event(self, event_type, envelope):
        if event_type not in DECLARED_EVENTS:
            return self.error(404, "unknown_event", "this app does not take %s events" % event_type)
        if not isinstance(envelope, dict):
            return self.error(400, "invalid_event", "the event envelope is a JSON object")
        event_id = envelope.get("id") or self.headers.get("X-Marina-Event-Id")
        if not isinstance(event_id, str) or not event_id:
            return self.error(400, "invalid_event", "the event has no id")
        envelope["id"] = event_id
        handler = EVENT_HANDLERS.get(event_type)
        if handler is None:
            return self.reply(200, {"ok": True, "handled": False})
        # At-least-once delivery: an id seen before is acknowledged, not handled again.
        with seen_lock:
            if event_id in seen_events:
                return self.reply(200, {"ok": True, "duplicate": True})
            seen_events.add(event_id)
        try:
            handler(envelope)
        except Exception as e:  # a failed delivery is forgotten, so that the retry runs again
            with seen_lock:
                seen_events.discard(event_id)
            log("%s %s failed: %r" % (event_type, event_id, e))
            return self.error(500, "app_error", str(e).splitlines()[0] if str(e) else type(e).__name__)
        self.reply(200, {"ok": True})


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        request, _ = super().get_request()
        return request, ("local", 0)


class TCPHTTPServer(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


def main():
    socket_path = os.environ.get("MARINA_SOCKET")
    if socket_path:
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        server = UnixHTTPServer(socket_path, Handler)
    else:
        server = TCPHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler)
    if not verifier.keys or not verifier.install_id:
        log("warning: no MARINA_JWKS or MARINA_INSTALL_ID: every request but /health and /manifest is refused")
    server.serve_forever()


if __name__ == "__main__":
    main()
