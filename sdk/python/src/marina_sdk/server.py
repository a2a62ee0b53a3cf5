"""The HTTP server of an app: the standard library's http.server with a thread per connection, on a
Unix socket (``MARINA_SOCKET``) or TCP (``$PORT``)."""
from __future__ import annotations

import os
import signal
import socket
import socketserver
import stat
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Optional

from .app import MAX_BODY_BYTES, error_response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "marina-sdk-python"
    sys_version = ""
    app: Any = None  # set per server class

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        self.app.log.debug("%s %s", self.address_string(), format % args)

    def address_string(self) -> str:
        address = self.client_address
        return address[0] if isinstance(address, tuple) and address else "local"

    def _read_body(self) -> Optional[bytes]:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(8)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            status, headers, data = error_response(400, "bad_request", "the request body cannot be read")
            self.close_connection = True
        else:
            if body is None:
                status, headers, data = error_response(413, "too_large", "the request body is too large")
                self.close_connection = True
            else:
                status, headers, data = self.app.handle(self.command, self.path, dict(self.headers.items()), body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


class TCPServer(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):  # http.server expects an address tuple
        request, _ = super().get_request()
        return request, ("local", 0)

    def server_bind(self) -> None:
        path = self.server_address
        if isinstance(path, str) and os.path.exists(path) and stat.S_ISSOCK(os.stat(path).st_mode):
            os.unlink(path)  # left over from a previous run
        super().server_bind()
        self.server_name, self.server_port = "local", 0


def make_server(app: Any, socket_path: Optional[str] = None, port: Optional[int] = None, host: str = "127.0.0.1"):
    handler = type("Handler", (_Handler,), {"app": app})
    env = app.env
    if socket_path is None and port is None:
        socket_path = env.get("MARINA_SOCKET") or None
        if socket_path is None:
            port = int(env.get("PORT") or app.manifest["runtime"]["port"])
    if socket_path is not None:
        return UnixServer(socket_path, handler)
    return TCPServer((host, int(port)), handler)


def serve(app: Any, socket_path: Optional[str], port: Optional[int], host: str, background: bool):
    server = make_server(app, socket_path, port, host)
    where = server.server_address if isinstance(server.server_address, str) else f"{host}:{server.server_address[1]}"
    app.log.info("%s %s serving on %s%s", app.manifest["app"]["id"], app.manifest["app"]["version"], where,
                 " (mock mode)" if app.mock_mode else "")
    if background:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="marina-sdk-server", daemon=True)
        thread.start()
        server.thread = thread  # type: ignore[attr-defined]
        return server

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, stop)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        if isinstance(server.server_address, str):
            try:
                os.unlink(server.server_address)
            except OSError:
                pass
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return None
