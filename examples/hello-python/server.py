"""The smallest Marina app: the HTTP contract of SPEC §4 with Python's standard library only.

It listens on $PORT (TCP) or, when MARINA_SOCKET is set, on that Unix socket.
"""
import json
import os
import socketserver
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
seen_events = set()


def load_manifest():
    with open(os.path.join(HERE, "marina.app.json"), encoding="utf-8") as f:
        return f.read()


class Handler(BaseHTTPRequestHandler):
    server_version = "hello-python/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))

    def reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.reply(status, {"error": {"code": code, "message": message}})

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        return json.loads(raw or b"{}")

    def do_GET(self):
        if self.path == "/health":
            self.reply(200, {"status": "ok"})
        elif self.path == "/manifest":
            self.reply(200, load_manifest().encode())
        else:
            self.error(404, "not_found", "no route " + self.path)

    def do_POST(self):
        try:
            args = self.body()
        except ValueError:
            return self.error(400, "invalid_json", "the body is not JSON")
        if self.path == "/tool/greet":
            name = args.get("name") if isinstance(args, dict) else None
            if not isinstance(name, str) or not name:
                return self.error(400, "invalid_args", "name is required")
            return self.reply(200, {"greeting": "Hello, %s!" % name})
        if self.path.startswith("/event/"):
            event_id = args.get("id") if isinstance(args, dict) else None
            duplicate = event_id in seen_events
            seen_events.add(event_id)
            return self.reply(200, {"ok": True, "duplicate": duplicate})
        if self.path.startswith("/tool/"):
            return self.error(404, "unknown_tool", "no tool " + self.path[len("/tool/"):])
        self.error(404, "not_found", "no route " + self.path)


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
    server.serve_forever()


if __name__ == "__main__":
    main()
