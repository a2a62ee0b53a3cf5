"""The request id a handler runs with goes to the platform as X-Marina-Request-Id on every call it
makes (tools, secrets, kv), so that the platform can follow chains of apps_invoke calls; it is
absent when there is none. The platform is a real HTTP server on loopback."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import MANIFEST
from marina_sdk import App, MockPlatform
from marina_sdk.context import Context
from marina_sdk.platform import PlatformClient


class RecordingPlatform(BaseHTTPRequestHandler):
    """Answers like the platform and records, for each request, its path, body and X-Marina-Request-Id."""

    seen = []

    def log_message(self, *args):
        pass

    def _record(self, body):
        # headers.get_all: None when absent, and catches a header sent twice
        RecordingPlatform.seen.append((self.command, self.path, body, self.headers.get_all("X-Marina-Request-Id")))

    def do_GET(self):
        self._record(None)
        self._answer({"tools": [{"name": "kv_get", "description": "", "scope": "kv.read", "input_schema": {}}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self._record(body)
        if self.path == "/api/mcp/app-secrets":
            return self._answer({"ok": True, "value": "s3cret"})
        results = {"kv_get": {"found": True, "value": 7}, "kv_set": {"ok": True}, "kv_delete": {"deleted": True},
                   "kv_list": {"keys": ["a"], "next_cursor": None}}
        self._answer({"ok": True, "result": results.get(body["tool"], {"echo": body["args"]})})

    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def platform_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingPlatform)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    RecordingPlatform.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture()
def app(env, platform_url):
    app = App(MANIFEST, env={**env, "MARINA_URL": platform_url})
    assert not app.mock_mode
    return app


def exercise(ctx):
    """Every kind of platform call a handler makes."""
    assert ctx.tools.call("apps_invoke", {"app": "other", "tool": "t"}) == {"echo": {"app": "other", "tool": "t"}}
    assert ctx.secrets.get("API_KEY") == "s3cret"
    assert ctx.kv.get("n") == 7
    ctx.kv.set("n", 8, ttl_s=60)
    assert ctx.kv.delete("n") is True
    assert list(ctx.kv.keys()) == ["a"]
    assert ctx.tools.list()[0]["name"] == "kv_get"


def test_every_platform_call_carries_the_request_id(app):
    exercise(app.context(request_id="req_abc"))
    seen = RecordingPlatform.seen
    assert [(method, path, (body or {}).get("tool")) for method, path, body, _ in seen] == [
        ("POST", "/api/mcp/app-tools", "apps_invoke"),
        ("POST", "/api/mcp/app-secrets", None),
        ("POST", "/api/mcp/app-tools", "kv_get"),
        ("POST", "/api/mcp/app-tools", "kv_set"),
        ("POST", "/api/mcp/app-tools", "kv_delete"),
        ("POST", "/api/mcp/app-tools", "kv_list"),
        ("GET", "/api/mcp/app-tools", None),
    ]
    assert [ids for *_, ids in seen] == [["req_abc"]] * len(seen)


def test_no_request_id_no_header(app):
    ctx = app.context()
    assert ctx.request_id is None
    exercise(ctx)
    assert len(RecordingPlatform.seen) == 7
    assert [ids for *_, ids in RecordingPlatform.seen] == [None] * 7


def test_each_context_sends_its_own_request_id(app):
    first, second = app.context(request_id="req_1"), app.context(request_id="req_2")
    first.tools.call("kv_get", {"key": "k"})
    second.secrets.get("API_KEY")
    first.kv.get("k")
    assert [ids for *_, ids in RecordingPlatform.seen] == [["req_1"], ["req_2"], ["req_1"]]


def test_invoked_handler_forwards_the_incoming_request_id(app, make_token):
    """Over the app contract: a tool call's X-Marina-Request-Id, and an event's id when it has none."""

    @app.tool("echo")
    def echo(ctx, args):
        return ctx.tools.call("apps_invoke", {"app": "other", "tool": "t"})

    @app.on("inbound")
    def inbound(ctx, event):
        ctx.kv.set("last", event.payload)

    status, _, body = app.handle("POST", "/tool/echo", {"Authorization": "Bearer " + make_token(), "X-Marina-Request-Id": "req_chain"}, b"{}")
    assert status == 200, body
    envelope = {"id": "evt_9", "type": "inbound", "tenant": "acme", "app": "test-app", "version": "1.2.0", "payload": {"x": 1}}
    status, _, body = app.handle("POST", "/event/inbound", {"Authorization": "Bearer " + make_token(jti="evt_9")}, json.dumps(envelope).encode())
    assert status == 200, body
    assert [(body["tool"], ids) for _, _, body, ids in RecordingPlatform.seen] == [("apps_invoke", ["req_chain"]), ("kv_set", ["evt_9"])]


def test_platform_client_takes_request_id_as_an_option(platform_url):
    client = PlatformClient(platform_url, "app-token")
    client.call_tool("kv_get", {"key": "k"})
    client.call_tool("kv_get", {"key": "k"}, request_id="req_x")
    client.get_secret("API_KEY", request_id="req_y")
    client.list_tools(request_id="req_z")
    assert [ids for *_, ids in RecordingPlatform.seen] == [None, ["req_x"], ["req_y"], ["req_z"]]


def test_mock_platform_accepts_the_request_id(env):
    mock = MockPlatform({"secrets": {"K": "v"}, "tools": {"apps_invoke": {"done": True}}})
    ctx = App(MANIFEST, env=env, mock=mock).context(request_id="req_m")
    assert ctx.tools.call("apps_invoke", {}) == {"done": True}
    assert ctx.secrets.get("K") == "v"
    ctx.kv.set("a", 1)
    assert ctx.kv.get("a") == 1
    assert {t["name"] for t in ctx.tools.list()} >= {"apps_invoke", "kv_get"}
    assert mock.calls[0] == ("apps_invoke", {})


def test_a_platform_without_request_id_still_works():
    """A platform object written before request_id existed keeps working under a context that has one."""

    class OldPlatform:
        def __init__(self):
            self.calls = []

        def call_tool(self, name, args):
            self.calls.append(name)
            return {"found": True, "value": name}

        def list_tools(self):
            return [{"name": "x"}]

        def get_secret(self, key):
            return "old-" + key

    old = OldPlatform()
    ctx = Context(old, request_id="req_old")
    assert ctx.tools.call("t", {}) == {"found": True, "value": "t"}
    assert ctx.kv.get("k") == "kv_get"
    assert ctx.tools.list() == [{"name": "x"}]
    assert ctx.secrets.get("API_KEY") == "old-API_KEY"
    assert old.calls == ["t", "kv_get"]
