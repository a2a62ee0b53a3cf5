"""Mock mode, the in-memory kv store, and the real platform client against a stand-in platform."""
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import MANIFEST, MOCK, MOCK_DIR
from marina_sdk import App, MockPlatform, ToolCallError
from marina_sdk.platform import MemoryKV, PlatformClient

with open(os.path.join(MOCK_DIR, "expectations.json"), encoding="utf-8") as f:
    MOCK_EXPECTATIONS = json.load(f)


def mock_file(tmp_path, mock):
    """The path of a scenario's mock: a file of conformance/mock, or the document written to a file."""
    if isinstance(mock, str):
        return os.path.join(MOCK_DIR, mock)
    path = tmp_path / "mock.json"
    path.write_text(json.dumps(mock), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("scenario", MOCK_EXPECTATIONS["scenarios"], ids=lambda s: s["name"])
def test_shared_mock_scenario(scenario, env, tmp_path):
    ctx = App(MANIFEST, env={**env, "MARINA_MOCK": mock_file(tmp_path, scenario["mock"])}).context()
    for call in scenario["calls"]:
        if "secret" in call:
            assert ctx.secrets.get(call["secret"]) == call["value"], call
        elif "result" in call:
            assert ctx.tools.call(call["tool"], call["args"]) == call["result"], call
        else:
            with pytest.raises(ToolCallError) as info:
                ctx.tools.call(call["tool"], call["args"])
            error = info.value
            assert error.decision == call["error"]["decision"], call
            assert error.message == call["error"].get("message", error.message), call
            assert error.needed_scopes == call["error"].get("needed_scopes", error.needed_scopes), call


@pytest.mark.parametrize("case", MOCK_EXPECTATIONS["invalid"], ids=lambda c: c["name"])
def test_shared_invalid_mock_is_refused(case, env, tmp_path):
    with pytest.raises(ValueError):
        App(MANIFEST, env={**env, "MARINA_MOCK": mock_file(tmp_path, case["mock"])})
    with pytest.raises(ValueError):
        MockPlatform(case["mock"])


def test_mock_from_environment_variable(env):
    app = App(MANIFEST, env={**env, "MARINA_MOCK": MOCK})
    assert app.mock_mode
    ctx = app.context()
    assert ctx.secrets.get("API_KEY") == "test-key"
    assert ctx.secrets.get("OTHER") is None
    assert ctx.tools.call("mail_send", {"to": ["x@example.com"], "subject": "s", "text": "t"}) == {"queued": True, "id": "mail_1"}
    with pytest.raises(ToolCallError) as info:
        ctx.tools.call("http_fetch", {"url": "https://example.com"})
    assert (info.value.decision, info.value.message, info.value.needed_scopes) == ("scope_denied", "not granted", ["http.fetch"])
    with pytest.raises(ToolCallError) as info:
        ctx.tools.call("files_read", {"path": "a"})
    assert info.value.decision == "unknown_tool"


def test_mock_argument_wins_and_records_calls(env):
    mock = MockPlatform({"secrets": {"K": "v"}, "tools": {"kv_get": {"found": True, "value": "fixed"}}})
    app = App(MANIFEST, env={**env, "MARINA_MOCK": MOCK}, mock=mock)
    ctx = app.context()
    assert ctx.secrets.get("K") == "v" and ctx.secrets.get("API_KEY") is None
    assert ctx.kv.get("anything") == "fixed"  # listed in the file: not the in-memory store
    assert mock.calls == [("kv_get", {"key": "anything"})]


def test_in_memory_kv(env):
    app = App(MANIFEST, env=env, mock={})
    kv = app.context().kv
    assert kv.get("a") is None and kv.get("a", 5) == 5
    kv.set("a", {"n": [1, 2]})
    kv.set("b/1", True)
    kv.set("b/2", None)
    assert kv.get("a") == {"n": [1, 2]}
    assert kv.get("b/2", "default") is None  # a stored null is found
    assert kv.list(prefix="b/") == {"keys": ["b/1", "b/2"], "next_cursor": None}
    page = kv.list(limit=1)
    assert page == {"keys": ["a"], "next_cursor": "a"}
    assert kv.list(cursor=page["next_cursor"], limit=5)["keys"] == ["b/1", "b/2"]
    assert sorted(kv.keys()) == ["a", "b/1", "b/2"]
    assert kv.delete("a") is True and kv.delete("a") is False
    for bad in ({"key": ""}, {"key": "x" * 257}, {"key": "tab\t"}, {"key": "é"}):
        with pytest.raises(ToolCallError) as info:
            app.context().tools.call("kv_set", {**bad, "value": 1})
        assert info.value.decision == "invalid_args"
    with pytest.raises(ToolCallError):
        kv.set("big", "x" * 70_000)
    with pytest.raises(ToolCallError):
        kv.set("t", 1, ttl_s=10)
    with pytest.raises(ToolCallError):
        kv.list(limit=0)


def test_kv_ttl_expires():
    now = [1000.0]
    kv = MemoryKV(clock=lambda: now[0])
    kv.call("kv_set", {"key": "k", "value": 1, "ttl_s": 60})
    assert kv.call("kv_get", {"key": "k"}) == {"found": True, "value": 1}
    now[0] += 61
    assert kv.call("kv_get", {"key": "k"}) == {"found": False, "value": None}


def test_deliver_event_directly_is_idempotent(env):
    app = App(MANIFEST, env=env, mock={})
    seen = []
    app.on("install")(lambda ctx, event: seen.append((ctx.event_id, event.payload)))
    assert app.deliver_event("install", {"a": 1}, event_id="evt_9") == {"ok": True}
    assert app.deliver_event("install", {"a": 1}, event_id="evt_9") == {"ok": True, "duplicate": True}
    assert seen == [("evt_9", {"a": 1})]
    assert app.idempotency.seen("evt_9") and not app.idempotency.seen("evt_10")


def test_idempotency_store_survives_a_restart(tmp_path):
    from marina_sdk import IdempotencyStore
    path = str(tmp_path / "events")
    store = IdempotencyStore(path=path)
    assert store.begin("e1")
    store.done("e1")
    assert not store.begin("e1")
    assert store.begin("e2")
    store.abandon("e2")
    again = IdempotencyStore(path=path)
    assert again.seen("e1") and not again.seen("e2")
    small = IdempotencyStore(max_entries=2)
    for e in ("a", "b", "c"):
        small.remember(e)
    assert not small.seen("a") and small.seen("c") and len(small) == 2


class FakePlatform(BaseHTTPRequestHandler):
    requests = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._answer(200, {"tools": [{"name": "kv_get", "description": "d", "scope": "kv.read", "input_schema": {}}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakePlatform.requests.append((self.path, self.headers.get("Authorization"), body))
        if self.headers.get("Authorization") != "Bearer app-token":
            return self._answer(401, {"error": {"code": "invalid_token", "message": "app token refused"}})
        if self.path == "/api/mcp/app-secrets":
            if body["key"] == "BROKEN":
                return self._answer(500, {"error": {"code": "platform_error", "message": "down"}})
            return self._answer(200, {"ok": True, "value": "s3cret" if body["key"] == "API_KEY" else None})
        if body["tool"] == "kv_set":
            return self._answer(200, {"ok": False, "error": {"decision": "scope_denied", "message": "kv.write not granted", "needed_scopes": ["kv.write"]}})
        return self._answer(200, {"ok": True, "result": {"echo": body["args"]}})

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def platform_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePlatform)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    FakePlatform.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_platform_client(env, platform_url, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # the egress proxy must not be used for the platform
    app = App(MANIFEST, env={**env, "MARINA_URL": platform_url})
    assert not app.mock_mode
    ctx = app.context()
    assert ctx.tools.call("kv_get", {"key": "k"}) == {"echo": {"key": "k"}}
    assert FakePlatform.requests[-1] == ("/api/mcp/app-tools", "Bearer app-token", {"tool": "kv_get", "args": {"key": "k"}})
    with pytest.raises(ToolCallError) as info:
        ctx.kv.set("k", 1)
    assert (info.value.decision, info.value.needed_scopes, info.value.tool) == ("scope_denied", ["kv.write"], "kv_set")
    assert ctx.tools.list()[0]["name"] == "kv_get"
    assert ctx.secrets.get("API_KEY") == "s3cret"
    assert ctx.secrets.get("MISSING") is None
    assert ctx.secrets.get("BROKEN") is None  # a failing platform: None, never an exception
    assert ctx.secrets.get("not valid") is None


def test_platform_client_errors(platform_url):
    with pytest.raises(ToolCallError) as info:
        PlatformClient(platform_url, "wrong").call_tool("kv_get", {"key": "k"})
    assert info.value.decision == "platform_error" and "app token refused" in info.value.message
    with pytest.raises(ToolCallError) as info:
        PlatformClient("http://127.0.0.1:9", "t", timeout=2).call_tool("kv_get", {})
    assert info.value.decision == "platform_error"
    with pytest.raises(ToolCallError):
        PlatformClient(None, "t").call_tool("kv_get", {})
    secrets_ctx = App(MANIFEST, env={"MARINA_URL": "http://127.0.0.1:9"}).context().secrets
    assert secrets_ctx.get("API_KEY") is None


def test_a_rotated_app_token_is_read_from_the_token_file(env, platform_url, tmp_path):
    # The instance started with a token that has since expired; the platform wrote its successor
    # to MARINA_APP_TOKEN_FILE, and the next call uses that one.
    token_file = tmp_path / "app-token"
    token_file.write_text("expired-token")
    app = App(MANIFEST, env={**env, "MARINA_URL": platform_url, "MARINA_APP_TOKEN": "expired-token", "MARINA_APP_TOKEN_FILE": str(token_file)})
    with pytest.raises(ToolCallError):
        app.context().tools.call("kv_get", {"key": "k"})
    token_file.write_text("app-token\n")
    assert app.context().tools.call("kv_get", {"key": "k"}) == {"echo": {"key": "k"}}
    assert FakePlatform.requests[-1][1] == "Bearer app-token"
    # No file (or an unreadable one): the token the instance started with.
    token_file.unlink()
    assert PlatformClient(platform_url, "app-token", token_file=str(token_file)).call_tool("kv_get", {"key": "k"}) == {"echo": {"key": "k"}}
