"""The app runtime: an ``App`` built from the manifest, handlers registered for tools and events, and
the HTTP contract of docs/app-contract.md served on ``MARINA_SOCKET`` or ``$PORT``."""
from __future__ import annotations

import json
import logging
import os
import traceback
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

from .context import Context, Event, app_logger
from .errors import (ERROR_CODE, AppError, DuplicateHandlerError, EventNotEnabledError, InvalidTokenError,
                     ManifestError, ToolCallError, UnknownEventError, UnknownScheduleError, UnknownToolError,
                     UnknownWebhookError)
from .idempotency import IdempotencyStore
from .manifest import DEFAULT_CATALOG, ManifestReport, load_file
from .manifest._values import to_python
from .platform import MockPlatform, PlatformClient
from .tokens import TokenVerifier

LIFECYCLE_EVENTS = ("install", "uninstall", "user_added", "inbound")
MAX_BODY_BYTES = 16 * 1024 * 1024

ToolHandler = Callable[[Context, Any], Any]
EventHandler = Callable[[Context, Event], Any]
Response = Tuple[int, Dict[str, str], bytes]


def _json_response(status: int, body: Any, headers: Optional[Dict[str, str]] = None) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return status, {"Content-Type": "application/json", **(headers or {})}, data


def error_response(status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None) -> Response:
    return _json_response(status, {"error": {"code": code, "message": message}}, headers)


def first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


class App:
    """A Marina app.

    ``App("marina.app.yaml")`` reads and validates the manifest (any format Marina reads); an invalid
    one raises ManifestError. Register handlers with the decorators ``tool``, ``on``, ``schedule`` and
    ``webhook``, then ``run()``.

    ``mock`` (a path or a dict; default ``$MARINA_MOCK``) answers ``ctx.tools`` and ``ctx.secrets``
    from a JSON document instead of the platform. ``env`` replaces ``os.environ`` (tests)."""

    def __init__(self, manifest: str = ".", *, mock: Union[None, str, dict, MockPlatform] = None,
                 env: Optional[Mapping[str, str]] = None, verifier: Optional[TokenVerifier] = None,
                 idempotency: Optional[IdempotencyStore] = None, catalog=DEFAULT_CATALOG) -> None:
        self.env: Mapping[str, str] = os.environ if env is None else env
        report: ManifestReport = load_file(manifest, catalog)
        if not report.valid:
            raise ManifestError(manifest, report.diagnostics)
        self.manifest_path = manifest
        self.report = report
        self.manifest: dict = to_python(report.native)
        self.format = report.format
        self.hash = report.hash
        self._manifest_body = report.canonical_json.encode("utf-8")

        self.declared_tools = {t["name"]: t for t in self.manifest["tools"]}
        self.enabled_events = list(self.manifest["events"])
        self.declared_schedules = {s["name"]: s for s in self.manifest["schedules"]}
        self.declared_webhooks = {w["name"]: w for w in self.manifest["webhooks"]}
        self.tools: Dict[str, ToolHandler] = {}
        self.events: Dict[str, EventHandler] = {}

        if mock is None and self.env.get("MARINA_MOCK"):
            mock = self.env["MARINA_MOCK"]
        if isinstance(mock, MockPlatform):
            self.platform: Any = mock
        elif isinstance(mock, str):
            self.platform = MockPlatform.from_file(mock)
        elif isinstance(mock, dict):
            self.platform = MockPlatform(mock)
        else:
            self.platform = PlatformClient(self.env.get("MARINA_URL"), self.env.get("MARINA_APP_TOKEN"), token_file=self.env.get("MARINA_APP_TOKEN_FILE"))
        self.mock_mode = isinstance(self.platform, MockPlatform)
        self.verifier = verifier or TokenVerifier.from_environment(dict(self.env))
        self.idempotency = idempotency or IdempotencyStore()
        self.log = app_logger()

    # --- Registration --------------------------------------------------------------------------------

    def register_tool(self, name: str, handler: ToolHandler) -> ToolHandler:
        if name not in self.declared_tools:
            declared = ", ".join(sorted(self.declared_tools)) or "none"
            raise UnknownToolError(f'the manifest declares no tool "{name}" (declared: {declared})')
        if name in self.tools:
            raise DuplicateHandlerError(f'a handler for the tool "{name}" is already registered')
        self.tools[name] = handler
        return handler

    def tool(self, name: Optional[str] = None) -> Callable[[ToolHandler], ToolHandler]:
        """``@app.tool("triage")`` registers ``fn(ctx, args)`` for ``POST /tool/triage`` (default: the
        function's name). The return value is the JSON result."""
        if callable(name):  # used as @app.tool without parentheses
            fn = name
            self.register_tool(fn.__name__, fn)
            return fn  # type: ignore[return-value]

        def decorator(fn: ToolHandler) -> ToolHandler:
            return self.register_tool(name or fn.__name__, fn)
        return decorator

    def _register_event(self, event_type: str, handler: EventHandler) -> EventHandler:
        if event_type in self.events:
            raise DuplicateHandlerError(f'a handler for the event "{event_type}" is already registered')
        self.events[event_type] = handler
        return handler

    def register_event(self, event: str, handler: EventHandler) -> EventHandler:
        if event not in LIFECYCLE_EVENTS:
            raise UnknownEventError(f'"{event}" is not a lifecycle event ({", ".join(LIFECYCLE_EVENTS)}); '
                                    "use schedule() or webhook() for the others")
        if event not in self.enabled_events:
            raise EventNotEnabledError(f'the manifest does not enable the event "{event}": add it to events')
        return self._register_event(event, handler)

    def on(self, event: str) -> Callable[[EventHandler], EventHandler]:
        """``@app.on("install")`` registers ``fn(ctx, event)`` for a lifecycle event enabled in the manifest."""
        def decorator(fn: EventHandler) -> EventHandler:
            return self.register_event(event, fn)
        return decorator

    def on_install(self, fn: EventHandler) -> EventHandler:
        return self.register_event("install", fn)

    def on_uninstall(self, fn: EventHandler) -> EventHandler:
        return self.register_event("uninstall", fn)

    def on_user_added(self, fn: EventHandler) -> EventHandler:
        return self.register_event("user_added", fn)

    def on_inbound(self, fn: EventHandler) -> EventHandler:
        return self.register_event("inbound", fn)

    def register_schedule(self, name: str, handler: EventHandler) -> EventHandler:
        if name not in self.declared_schedules:
            raise UnknownScheduleError(f'the manifest declares no schedule "{name}"')
        return self._register_event("schedule." + name, handler)

    def schedule(self, name: str) -> Callable[[EventHandler], EventHandler]:
        """``@app.schedule("nightly")`` registers ``fn(ctx, event)`` for ``POST /event/schedule.nightly``."""
        def decorator(fn: EventHandler) -> EventHandler:
            return self.register_schedule(name, fn)
        return decorator

    def register_webhook(self, name: str, handler: EventHandler) -> EventHandler:
        if name not in self.declared_webhooks:
            raise UnknownWebhookError(f'the manifest declares no webhook "{name}"')
        return self._register_event("webhook." + name, handler)

    def webhook(self, name: str) -> Callable[[EventHandler], EventHandler]:
        """``@app.webhook("ingest")`` registers ``fn(ctx, event)`` for ``POST /event/webhook.ingest``."""
        def decorator(fn: EventHandler) -> EventHandler:
            return self.register_webhook(name, fn)
        return decorator

    def event_declared(self, event_type: str) -> bool:
        if event_type in LIFECYCLE_EVENTS:
            return event_type in self.enabled_events
        kind, _, name = event_type.partition(".")
        if kind == "schedule":
            return name in self.declared_schedules
        if kind == "webhook":
            return name in self.declared_webhooks
        return False

    # --- Calling handlers directly (unit tests, no HTTP and no token) ---------------------------------

    def context(self, request_id: Optional[str] = None, event: Optional[Event] = None, claims: Optional[dict] = None) -> Context:
        claims = claims or {}
        return Context(self.platform,
                       tenant=claims.get("tenant") or self.env.get("MARINA_TENANT"),
                       app=claims.get("app") or self.env.get("MARINA_APP") or self.manifest["app"]["id"],
                       version=claims.get("version") or self.env.get("MARINA_VERSION") or self.manifest["app"]["version"],
                       request_id=request_id or (event.id if event else None) or claims.get("jti"),
                       event_id=event.id if event else None,
                       install_id=self.env.get("MARINA_INSTALL_ID"), claims=claims, event=event)

    def call_tool(self, name: str, args: Any = None, ctx: Optional[Context] = None) -> Any:
        """Runs a tool's handler as ``POST /tool/<name>`` would (exceptions propagate)."""
        handler = self.tools.get(name)
        if handler is None:
            raise UnknownToolError(f'no handler is registered for the tool "{name}"')
        return handler(ctx or self.context(), {} if args is None else args)

    def deliver_event(self, event_type: str, payload: Any = None, event_id: str = "evt_local", **envelope: Any) -> Any:
        """Runs an event's handler as ``POST /event/<type>`` would, idempotency included (exceptions propagate)."""
        body = {"id": event_id, "type": event_type, "payload": {} if payload is None else payload, **envelope}
        status, _, data = self._event(event_type, body, {}, {}, raise_errors=True)
        return json.loads(data)

    # --- The HTTP contract ---------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answers one platform → app request: ``(status, headers, body)``."""
        h = {k.lower(): v for k, v in headers.items()}
        path = path.split("?", 1)[0]
        if path == "/health":
            return _json_response(200, {"status": "ok"}) if method in ("GET", "HEAD") else self._method_not_allowed("GET")
        if path == "/manifest":
            if method not in ("GET", "HEAD"):
                return self._method_not_allowed("GET")
            return 200, {"Content-Type": "application/json"}, self._manifest_body
        try:
            claims = self._authenticate(h.get("authorization"))
        except InvalidTokenError as error:
            self.log.warning("refused %s %s: %s", method, path, error.reason)
            return error_response(401, "invalid_token", "the invocation token is missing or not valid",
                                  {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if path.startswith("/tool/") or path.startswith("/event/"):
            if method != "POST":
                return self._method_not_allowed("POST")
            try:
                args = json.loads(body.decode("utf-8")) if body.strip() else {}
            except (UnicodeDecodeError, ValueError):
                return error_response(400, "invalid_json", "the request body is not JSON")
            if path.startswith("/tool/"):
                return self._tool(path[len("/tool/"):], args, h, claims)
            return self._event(path[len("/event/"):], args, h, claims)
        return error_response(404, "not_found", f"no route {path}")

    @staticmethod
    def _method_not_allowed(allowed: str) -> Response:
        return error_response(405, "method_not_allowed", f"use {allowed}", {"Allow": allowed})

    def _authenticate(self, authorization: Optional[str]) -> dict:
        if not authorization:
            raise InvalidTokenError("no Authorization header")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidTokenError("not a bearer token")
        return self.verifier.verify(token.strip())

    def _run(self, what: str, call: Callable[[], Any], raise_errors: bool = False) -> Tuple[Optional[Response], Any]:
        """Runs a handler; an exception becomes an error answer (the code and the first line of its message)."""
        try:
            return None, call()
        except AppError as error:
            if raise_errors:
                raise
            return error_response(error.status, error.code, first_line(error.message) or error.code), None
        except ToolCallError as error:
            if raise_errors:
                raise
            self.log.warning("%s: a platform tool call was refused: %s", what, error)
            code = error.decision if ERROR_CODE.fullmatch(error.decision or "") else "platform_error"
            return error_response(502, code, first_line(str(error))), None
        except Exception as error:  # noqa: BLE001 - any failure of app code is reported, not raised
            if raise_errors:
                raise
            self.log.error("%s failed:\n%s", what, traceback.format_exc().rstrip())
            message = first_line(str(error)) or type(error).__name__
            if message.startswith("Traceback"):
                message = type(error).__name__
            return error_response(500, "app_error", message), None

    def _tool(self, name: str, args: Any, headers: Mapping[str, str], claims: dict) -> Response:
        handler = self.tools.get(name)
        if handler is None:
            return error_response(404, "unknown_tool", f"this app has no tool {name}")
        ctx = self.context(request_id=headers.get("x-marina-request-id"), claims=claims)
        failure, result = self._run(f"tool {name}", lambda: handler(ctx, args))
        if failure:
            return failure
        try:
            return _json_response(200, result)
        except (TypeError, ValueError) as error:
            self.log.error("tool %s returned something that is not JSON: %s", name, error)
            return error_response(500, "app_error", f"the tool's result is not JSON: {type(result).__name__}")

    def _event(self, event_type: str, body: Any, headers: Mapping[str, str], claims: dict, raise_errors: bool = False) -> Response:
        if not self.event_declared(event_type):
            return error_response(404, "unknown_event", f"this app takes no event {event_type}")
        envelope = body if isinstance(body, dict) else {}
        event_id = envelope.get("id") if isinstance(envelope.get("id"), str) else headers.get("x-marina-event-id")
        if not event_id:
            return error_response(400, "invalid_event", "the event has no id")
        event = Event(id=event_id, type=event_type, tenant=envelope.get("tenant"), app=envelope.get("app"),
                      version=envelope.get("version"), payload=envelope.get("payload"), raw=envelope)
        handler = self.events.get(event_type)
        if handler is None:
            return _json_response(200, {"ok": True, "handled": False})
        if not self.idempotency.begin(event_id):
            return _json_response(200, {"ok": True, "duplicate": True})
        ok = False
        try:
            ctx = self.context(request_id=headers.get("x-marina-request-id") or event_id, event=event, claims=claims)
            failure, result = self._run(f"event {event_type} ({event_id})", lambda: handler(ctx, event), raise_errors)
            if failure:
                return failure
            try:
                response = _json_response(200, {"ok": True} if result is None else result)
            except (TypeError, ValueError):
                response = _json_response(200, {"ok": True})
            ok = True
            return response
        finally:
            if ok:
                self.idempotency.done(event_id)
            else:
                self.idempotency.abandon(event_id)

    # --- Serving -------------------------------------------------------------------------------------

    def start(self, socket_path: Optional[str] = None, port: Optional[int] = None, host: str = "127.0.0.1"):
        """Starts serving in a background thread and returns the server (``.shutdown()`` stops it).
        Without arguments: ``$MARINA_SOCKET`` if set, else ``$PORT`` (else the manifest's port)."""
        from .server import serve
        return serve(self, socket_path, port, host, background=True)

    def run(self, socket_path: Optional[str] = None, port: Optional[int] = None, host: str = "127.0.0.1") -> None:
        """Serves until SIGTERM or SIGINT. Without arguments: ``$MARINA_SOCKET`` if set, else ``$PORT``."""
        from .server import serve
        serve(self, socket_path, port, host, background=False)
