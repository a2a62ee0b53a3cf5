"""How an app reaches the platform: over HTTP with its app token, or, in mock mode, from a JSON file."""
from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional

from .errors import ToolCallError

SECRET_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
KV_TOOLS = ("kv_get", "kv_set", "kv_delete", "kv_list")
log = logging.getLogger("marina_sdk")


def _error_from(body: Any, tool: Optional[str]) -> ToolCallError:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return ToolCallError("platform_error", "the platform gave no reason", tool=tool)
    scopes = error.get("needed_scopes")
    return ToolCallError(str(error.get("decision") or error.get("code") or "platform_error"), str(error.get("message") or ""),
                         [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else [], tool=tool)


class PlatformClient:
    """``POST $MARINA_URL/api/mcp/app-tools`` and ``/api/mcp/app-secrets`` with ``MARINA_APP_TOKEN``.

    The platform is reached directly, never through the egress proxy of ``HTTP_PROXY``. A call made
    with ``request_id`` carries it as ``X-Marina-Request-Id``, which lets the platform follow chains
    of ``apps_invoke`` calls (their depth, and cycles)."""

    def __init__(self, url: Optional[str], token: Optional[str], timeout: float = 30.0, token_file: Optional[str] = None) -> None:
        self.url = (url or "").rstrip("/")
        self.token = token
        self.token_file = token_file
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _request(self, method: str, path: str, body: Any = None, request_id: Optional[str] = None) -> Any:
        if not self.url:
            raise ToolCallError("platform_error", "MARINA_URL is not set: there is no platform to call")
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        token = self.current_token()
        if token:
            request.add_header("Authorization", "Bearer " + token)
        if request_id:
            request.add_header("X-Marina-Request-Id", request_id)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                parsed = json.loads(raw)
                message = parsed["error"]["message"]
            except Exception:  # noqa: BLE001
                message = f"the platform answered {error.code}"
            raise ToolCallError("platform_error", str(message)) from None
        except (urllib.error.URLError, OSError) as error:
            raise ToolCallError("platform_error", f"the platform cannot be reached: {error}") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise ToolCallError("platform_error", "the platform's answer is not JSON") from None

    def current_token(self) -> Optional[str]:
        """The app token as it is now: the platform rotates it into ``MARINA_APP_TOKEN_FILE`` before
        it expires (an instance may live longer than a token), so the file is read at each call;
        ``MARINA_APP_TOKEN`` when there is no file or it cannot be read."""
        if self.token_file:
            try:
                with open(self.token_file, encoding="utf-8") as f:
                    token = f.read().strip()
                if token:
                    return token
            except OSError:
                pass
        return self.token

    def call_tool(self, name: str, args: Any, request_id: Optional[str] = None) -> Any:
        try:
            body = self._request("POST", "/api/mcp/app-tools", {"tool": name, "args": args}, request_id)
        except ToolCallError as error:
            error.tool = name
            raise
        if isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        raise _error_from(body, name)

    def list_tools(self, request_id: Optional[str] = None) -> List[dict]:
        body = self._request("GET", "/api/mcp/app-tools", request_id=request_id)
        tools = body.get("tools") if isinstance(body, dict) else None
        return tools if isinstance(tools, list) else []

    def get_secret(self, key: str, request_id: Optional[str] = None) -> Optional[str]:
        body = self._request("POST", "/api/mcp/app-secrets", {"key": key}, request_id)
        if isinstance(body, dict) and body.get("ok") is True:
            value = body.get("value")
            return value if isinstance(value, str) else None
        raise _error_from(body, None)


def _is_integer(value: Any) -> bool:
    """A JSON integer (as JSON Schema's "integer": 60 and 60.0, not 60.5 or true)."""
    return not isinstance(value, bool) and (isinstance(value, int) or (isinstance(value, float) and value.is_integer()))


class MemoryKV:
    """The kv tools (``kv_get``, ``kv_set``, ``kv_delete``, ``kv_list``) served from memory, with the
    platform's limits: keys of 1–256 printable ASCII characters, values of at most 64 KB of JSON,
    ``ttl_s`` within 60…31536000, at most 10,000 keys."""

    MAX_KEYS = 10_000
    MAX_VALUE_BYTES = 64 * 1024

    def __init__(self, clock=time.time) -> None:
        self._items: Dict[str, tuple] = {}
        self._lock = threading.Lock()
        self.clock = clock

    @staticmethod
    def _invalid(message: str, tool: str) -> ToolCallError:
        return ToolCallError("invalid_args", message, tool=tool)

    def _key(self, args: Any, tool: str) -> str:
        key = args.get("key") if isinstance(args, dict) else None
        if not isinstance(key, str) or not 1 <= len(key) <= 256 or any(not 0x20 <= ord(c) <= 0x7E for c in key):
            raise self._invalid("key must be 1–256 printable ASCII characters", tool)
        return key

    def _purge(self) -> None:
        now = self.clock()
        for k in [k for k, (_, expires) in self._items.items() if expires is not None and expires <= now]:
            del self._items[k]

    def call(self, tool: str, args: Any) -> Any:
        if not isinstance(args, dict):
            raise self._invalid("arguments must be an object", tool)
        with self._lock:
            self._purge()
            if tool == "kv_get":
                key = self._key(args, tool)
                if key in self._items:
                    return {"found": True, "value": json.loads(self._items[key][0])}
                return {"found": False, "value": None}
            if tool == "kv_set":
                key = self._key(args, tool)
                if "value" not in args:
                    raise self._invalid("value is required", tool)
                encoded = json.dumps(args["value"], ensure_ascii=False, separators=(",", ":"))
                if len(encoded.encode("utf-8")) > self.MAX_VALUE_BYTES:
                    raise self._invalid("value is larger than 64 KB of JSON", tool)
                ttl = args.get("ttl_s")
                if ttl is not None and (not _is_integer(ttl) or not 60 <= ttl <= 31536000):
                    raise self._invalid("ttl_s must be an integer within 60…31536000", tool)
                if key not in self._items and len(self._items) >= self.MAX_KEYS:
                    raise self._invalid("at most 10,000 keys per app and tenant", tool)
                self._items[key] = (encoded, None if ttl is None else self.clock() + ttl)
                return {"ok": True}
            if tool == "kv_delete":
                key = self._key(args, tool)
                return {"deleted": self._items.pop(key, None) is not None}
            if tool == "kv_list":
                prefix = args.get("prefix", "")
                cursor = args.get("cursor", "")  # keys are never empty: "" is before every key
                limit = args.get("limit", 100)
                if not isinstance(prefix, str) or not isinstance(cursor, str):
                    raise self._invalid("prefix and cursor are strings", tool)
                if not _is_integer(limit) or not 1 <= limit <= 1000:
                    raise self._invalid("limit must be an integer within 1…1000", tool)
                keys = sorted(k for k in self._items if k.startswith(prefix) and k > cursor)
                page = keys[: int(limit)]
                more = len(keys) > len(page)
                return {"keys": page, "next_cursor": page[-1] if more and page else None}
        raise ToolCallError("unknown_tool", f"{tool} is not a kv tool", tool=tool)


class MockPlatform:
    """Mock mode (docs/app-contract.md): answers from a JSON document

    ``{"secrets": {"API_KEY": "test-key"}, "tools": {"mail_send": {...}, "http_fetch": {"error": {...}}}}``.

    A tool's entry is its result, or, when it is an object with the single key ``error``, that error.
    A tool that is absent is ``unknown_tool``, except the kv tools, which an in-memory store serves
    unless the document lists them. Calls are recorded in ``calls``; the request id a call is made
    with (``X-Marina-Request-Id`` on the real platform) is accepted and ignored."""

    def __init__(self, data: Optional[dict] = None) -> None:
        data = {} if data is None else data
        if not isinstance(data, dict):
            raise ValueError("a mock document is a JSON object")
        secrets = data.get("secrets", {})
        tools = data.get("tools", {})
        if not isinstance(secrets, dict) or not isinstance(tools, dict):
            raise ValueError('"secrets" and "tools" of a mock document are objects')
        self.secrets: Dict[str, Any] = dict(secrets)
        self.tools: Dict[str, Any] = dict(tools)
        self.kv = MemoryKV()
        self.calls: List[tuple] = []
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str) -> "MockPlatform":
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def call_tool(self, name: str, args: Any, request_id: Optional[str] = None) -> Any:
        with self._lock:
            self.calls.append((name, args))
        if name in self.tools:
            answer = self.tools[name]
            if isinstance(answer, dict) and list(answer) == ["error"]:
                raise _error_from(answer, name)
            return json.loads(json.dumps(answer))  # a copy, so handlers cannot change the mock
        if name in KV_TOOLS:
            return self.kv.call(name, args)
        raise ToolCallError("unknown_tool", f"the mock platform has no tool {name}", tool=name)

    def list_tools(self, request_id: Optional[str] = None) -> List[dict]:
        names = list(self.tools) + [t for t in KV_TOOLS if t not in self.tools]
        return [{"name": n, "description": "", "scope": None, "input_schema": {"type": "object"}} for n in names]

    def get_secret(self, key: str, request_id: Optional[str] = None) -> Optional[str]:
        value = self.secrets.get(key)
        return value if isinstance(value, str) else None
