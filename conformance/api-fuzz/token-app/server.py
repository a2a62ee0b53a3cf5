"""The API fuzz run's fixture app (conformance/api-fuzz): the app contract of docs/app-contract.md
with Python's standard library, like examples/hello-python, whose invocation token check
(invocation_tokens.py, ed25519_verify.py) the harness copies beside this file before publishing.

Tools: `app_token` answers {"token": $MARINA_APP_TOKEN}, so that the fuzz run can call
/api/mcp/app-tools and /api/mcp/app-secrets with a real app token; `echo` answers its arguments.
Events: install and uninstall, acknowledged.
"""
import json
import os
import socketserver
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from invocation_tokens import InvalidToken, TokenVerifier

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "marina.app.json"), encoding="utf-8") as _f:
    MANIFEST_TEXT = _f.read()
EVENTS = set(json.loads(MANIFEST_TEXT).get("events", []))
TOOLS = {
    "app_token": lambda args: {"token": os.environ.get("MARINA_APP_TOKEN", "")},
    "echo": lambda args: args,
}
verifier = TokenVerifier(os.environ)


class Handler(BaseHTTPRequestHandler):
    server_version = "api-fuzz/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write(fmt % args + "\n")

    def reply(self, status, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.reply(status, {"error": {"code": code, "message": message}})

    def do_GET(self):
        if self.path == "/health":
            return self.reply(200, {"status": "ok"})
        if self.path == "/manifest":
            return self.reply(200, MANIFEST_TEXT.encode())
        self.error(404, "not_found", "no route " + self.path)

    def do_POST(self):
        try:
            verifier.verify(self.headers.get("Authorization"))
        except InvalidToken as e:
            return self.error(401, "invalid_token", str(e))
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self.error(400, "invalid_json", "the body is not JSON")
        if self.path.startswith("/tool/"):
            tool = TOOLS.get(self.path[len("/tool/"):])
            if tool is None:
                return self.error(404, "unknown_tool", "no tool " + self.path[len("/tool/"):])
            return self.reply(200, tool(body))
        if self.path.startswith("/event/"):
            if self.path[len("/event/"):] not in EVENTS:
                return self.error(404, "unknown_event", "no event " + self.path[len("/event/"):])
            return self.reply(200, {"ok": True})
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
