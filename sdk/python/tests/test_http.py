"""A real HTTP round trip on a Unix socket (and TCP), with tokens signed here with Ed25519."""
import http.client
import json
import os
import socket
import tempfile
import threading
import time

import pytest

from conftest import MANIFEST, MOCK
from marina_sdk import App, AppError, ToolCallError
from marina_sdk.manifest import load_bytes


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


@pytest.fixture()
def server(env):
    app = App(MANIFEST, env={**env, "MARINA_MOCK": MOCK})
    calls = {"install": 0}

    @app.tool("echo")
    def echo(ctx, args):
        return {"args": args, "tenant": ctx.tenant, "app": ctx.app, "version": ctx.version, "request_id": ctx.request_id}

    @app.tool("boom")
    def boom(ctx, args):
        raise ValueError("bad input: x\nTraceback (most recent call last):\n  File secret.py")

    @app.tool("refuse")
    def refuse(ctx, args):
        raise AppError("quota_exceeded", "too many invoices today\nsecond line", 429)

    @app.tool("send_mail")
    def send_mail(ctx, args):
        return ctx.tools.call("mail_send", {"to": ["a@example.com"], "subject": "s", "text": "t"})

    @app.tool("counter")
    def counter(ctx, args):
        n = ctx.kv.get("n", 0) + 1
        ctx.kv.set("n", n)
        return {"n": n}

    @app.tool("not_json")
    def not_json(ctx, args):
        return object()

    @app.tool("secret_peek")
    def secret_peek(ctx, args):
        try:
            ctx.tools.call("http_fetch", {"url": "https://example.com"})
        except ToolCallError as error:
            denied = {"decision": error.decision, "needed_scopes": error.needed_scopes}
        return {"api_key": ctx.secrets.get("API_KEY"), "missing": ctx.secrets.get("NOPE"), "bad": ctx.secrets.get("lower"), "denied": denied}

    @app.on_install
    def install(ctx, event):
        calls["install"] += 1
        time.sleep(0.2)  # long enough for a concurrent duplicate to arrive meanwhile
        return {"installed": event.payload, "event_id": ctx.event_id}

    @app.on("inbound")
    def inbound(ctx, event):
        if event.payload.get("fail"):
            raise RuntimeError("inbound failed")
        calls.setdefault("inbound", 0)
        calls["inbound"] += 1

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "app.sock")
        srv = app.start(socket_path=path)
        try:
            yield path, app, calls
        finally:
            srv.shutdown()
            srv.server_close()


def request(path, method, url, body=None, token=None, headers=None):
    conn = UnixConnection(path)
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    conn.request(method, url, body=data, headers=h)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), raw


def test_health_and_manifest_need_no_token(server):
    path, app, _ = server
    status, headers, body = request(path, "GET", "/health")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, headers, body = request(path, "GET", "/manifest")
    assert status == 200 and headers["Content-Type"] == "application/json"
    report = load_bytes(body)  # the platform reads it as a manifest and compares its hash
    assert report.valid and report.hash == app.hash


def test_tool_round_trip(server, make_token):
    path, _, _ = server
    status, headers, body = request(path, "POST", "/tool/echo", {"text": "hi"}, make_token(), {"X-Marina-Request-Id": "req_42"})
    assert status == 200, body
    assert json.loads(body) == {"args": {"text": "hi"}, "tenant": "acme", "app": "test-app", "version": "1.2.0", "request_id": "req_42"}
    status, _, body = request(path, "POST", "/tool/echo", b"", make_token())
    assert status == 200 and json.loads(body)["args"] == {}


@pytest.mark.parametrize("token_args", [None, {"kid": "k2"}, {"aud": "inst_other"}, {"typ": "session"}])
def test_requests_without_a_valid_token_are_refused_before_any_handler(server, make_token, token_args):
    path, _, calls = server
    token = None if token_args is None else make_token(**token_args)
    for url, body in (("/tool/echo", {}), ("/event/install", {"id": "evt_x", "type": "install", "payload": {}}), ("/tool/nope", {})):
        status, headers, raw = request(path, "POST", url, body, token)
        assert status == 401
        assert json.loads(raw) == {"error": {"code": "invalid_token", "message": "the invocation token is missing or not valid"}}
    assert calls["install"] == 0


def test_not_a_bearer_token(server, make_token):
    path, _, _ = server
    status, _, _ = request(path, "POST", "/tool/echo", {}, headers={"Authorization": "Basic " + make_token()})
    assert status == 401


def test_unknown_tool_and_route(server, make_token):
    path, _, _ = server
    status, _, body = request(path, "POST", "/tool/nope", {}, make_token())
    assert status == 404 and json.loads(body)["error"]["code"] == "unknown_tool"
    status, _, body = request(path, "POST", "/tool/undeclared_handler_missing", {}, make_token())
    assert status == 404 and json.loads(body)["error"]["code"] == "unknown_tool"
    status, _, body = request(path, "POST", "/elsewhere", {}, make_token())
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"
    status, _, body = request(path, "GET", "/tool/echo", None, make_token())
    assert status == 405


def test_handler_exception_is_500_with_first_line_and_no_traceback(server, make_token, capfd):
    path, _, _ = server
    status, _, body = request(path, "POST", "/tool/boom", {}, make_token())
    assert status == 500
    assert json.loads(body) == {"error": {"code": "app_error", "message": "bad input: x"}}
    assert b"Traceback" not in body and b"secret.py" not in body
    assert "Traceback" in capfd.readouterr().err  # the log (standard error) keeps it


def test_app_error_sets_code_status_and_first_line(server, make_token):
    path, _, _ = server
    status, _, body = request(path, "POST", "/tool/refuse", {}, make_token())
    assert status == 429
    assert json.loads(body) == {"error": {"code": "quota_exceeded", "message": "too many invoices today"}}


def test_app_error_is_checked():
    with pytest.raises(ValueError):
        AppError("bad code!", "x")
    with pytest.raises(ValueError):
        AppError("fine", "x", 200)


def test_invalid_json_and_non_json_results(server, make_token):
    path, _, _ = server
    status, _, body = request(path, "POST", "/tool/echo", b"{not json", make_token())
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_json"
    status, _, body = request(path, "POST", "/tool/not_json", {}, make_token())
    assert status == 500 and json.loads(body)["error"]["code"] == "app_error"


def test_mock_mode_over_http(server, make_token):
    path, _, _ = server
    status, _, body = request(path, "POST", "/tool/send_mail", {}, make_token())
    assert status == 200 and json.loads(body) == {"queued": True, "id": "mail_1"}
    status, _, body = request(path, "POST", "/tool/secret_peek", {}, make_token())
    assert json.loads(body) == {"api_key": "test-key", "missing": None, "bad": None,
                                "denied": {"decision": "scope_denied", "needed_scopes": ["http.fetch"]}}
    assert [json.loads(request(path, "POST", "/tool/counter", {}, make_token())[2])["n"] for _ in range(3)] == [1, 2, 3]


def test_events_are_idempotent(server, make_token):
    path, _, calls = server
    envelope = {"id": "evt_1", "type": "install", "tenant": "acme", "app": "test-app", "version": "1.2.0", "payload": {"plan": "pro"}}
    results = []

    def deliver():
        results.append(request(path, "POST", "/event/install", envelope, make_token(jti="evt_1"), {"X-Marina-Event-Id": "evt_1"}))

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deliver()
    assert calls["install"] == 1
    bodies = [json.loads(r[2]) for r in results]
    assert all(r[0] == 200 for r in results)
    assert bodies.count({"installed": {"plan": "pro"}, "event_id": "evt_1"}) == 1
    assert bodies.count({"ok": True, "duplicate": True}) == 3


def test_failed_event_is_not_remembered(server, make_token):
    path, _, calls = server
    failing = {"id": "evt_2", "type": "inbound", "payload": {"fail": True}}
    status, _, body = request(path, "POST", "/event/inbound", failing, make_token())
    assert status == 500 and json.loads(body)["error"] == {"code": "app_error", "message": "inbound failed"}
    retry = {"id": "evt_2", "type": "inbound", "payload": {}}
    assert request(path, "POST", "/event/inbound", retry, make_token())[0] == 200
    assert request(path, "POST", "/event/inbound", retry, make_token())[0] == 200
    assert calls["inbound"] == 1


def test_undeclared_and_unhandled_events(server, make_token):
    path, _, _ = server
    status, _, body = request(path, "POST", "/event/uninstall", {"id": "evt_3"}, make_token())
    assert status == 404 and json.loads(body)["error"]["code"] == "unknown_event"
    status, _, body = request(path, "POST", "/event/schedule.weekly", {"id": "evt_4"}, make_token())
    assert status == 404
    status, _, body = request(path, "POST", "/event/schedule.nightly", {"id": "evt_5"}, make_token())
    assert status == 200 and json.loads(body) == {"ok": True, "handled": False}
    status, _, body = request(path, "POST", "/event/webhook.ingest", {"payload": {}}, make_token(), {"X-Marina-Event-Id": "evt_6"})
    assert status == 200
    status, _, body = request(path, "POST", "/event/install", {"payload": {}}, make_token())
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_event"


def test_tcp_port_from_environment(env, make_token):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = App(MANIFEST, env={**env, "PORT": str(port)})
    app.tool("echo")(lambda ctx, args: {"ok": args})
    srv = app.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/tool/echo", body=b'{"x":1}', headers={"Authorization": "Bearer " + make_token()})
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read()) == {"ok": {"x": 1}}
        conn.request("GET", "/health")  # the same connection: HTTP/1.1 keep-alive
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        srv.shutdown()
        srv.server_close()


def test_socket_from_environment_wins_over_port(env, make_token, tmp_path):
    sock = str(tmp_path / "s.sock")
    app = App(MANIFEST, env={**env, "MARINA_SOCKET": sock, "PORT": "1"})
    srv = app.start()
    try:
        assert request(sock, "GET", "/health")[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()
