"""What a handler gets: who it runs for, and the platform's tools, secrets, kv store and a logger."""
from __future__ import annotations

import inspect
import logging
import sys
from dataclasses import dataclass, field
from typing import Any, Iterator, List, Optional

from .errors import ToolCallError
from .platform import SECRET_KEY

_LOGGER_NAME = "marina_sdk.app"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of writing."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def app_logger() -> logging.Logger:
    """The logger handlers write to: standard error (the platform collects it as the instance's log)."""
    logger = logging.getLogger(_LOGGER_NAME)
    if not logger.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


class _RequestLogger(logging.LoggerAdapter):
    def process(self, msg: Any, kwargs: Any) -> Any:
        request_id = self.extra.get("request_id")
        return (f"[{request_id}] {msg}" if request_id else msg), kwargs


@dataclass(frozen=True)
class Event:
    """An event envelope: ``{"id", "type", "tenant", "app", "version", "payload"}``."""

    id: str
    type: str
    tenant: Optional[str] = None
    app: Optional[str] = None
    version: Optional[str] = None
    payload: Any = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        """The schedule or webhook name of ``schedule.<name>`` / ``webhook.<name>``, else the type."""
        return self.type.split(".", 1)[1] if "." in self.type else self.type


def _accepts_request_id(method: Any) -> bool:
    """Whether a platform's method takes ``request_id`` (platforms written before it was added do not)."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "request_id" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _platform_call(method: Any, request_id: Optional[str], *args: Any) -> Any:
    """``method(*args, request_id=request_id)``, or without it when there is none or the method cannot take it."""
    if request_id and _accepts_request_id(method):
        return method(*args, request_id=request_id)
    return method(*args)


class Tools:
    """``ctx.tools.call(name, args)`` calls a platform tool; a refusal raises ToolCallError.

    Every call carries the context's ``request_id`` (``X-Marina-Request-Id``), so that the platform
    can follow chains of ``apps_invoke`` calls."""

    def __init__(self, platform: Any, request_id: Optional[str] = None) -> None:
        self._platform = platform
        self.request_id = request_id

    def call(self, name: str, args: Optional[dict] = None) -> Any:
        return _platform_call(self._platform.call_tool, self.request_id, name, {} if args is None else args)

    def list(self) -> List[dict]:
        """The platform tools this app may call: ``[{"name", "description", "scope", "input_schema"}]``."""
        return _platform_call(self._platform.list_tools, self.request_id)


class Secrets:
    """``ctx.secrets.get(key)`` returns the secret's value or None. It never raises."""

    def __init__(self, platform: Any, logger: logging.LoggerAdapter, request_id: Optional[str] = None) -> None:
        self._platform = platform
        self._log = logger
        self.request_id = request_id

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        try:
            if not isinstance(key, str) or not SECRET_KEY.fullmatch(key):
                self._log.warning("secrets.get: %r is not a secret key (^[A-Z][A-Z0-9_]{0,63}$)", key)
                return default
            value = _platform_call(self._platform.get_secret, self.request_id, key)
            return default if value is None else value
        except Exception as error:  # noqa: BLE001 - the contract: never raises
            self._log.warning("secrets.get(%s) failed: %s", key, error)
            return default


class KV:
    """The app's private key-value store for this tenant, over the kv platform tools."""

    def __init__(self, tools: Tools) -> None:
        self._tools = tools

    def get(self, key: str, default: Any = None) -> Any:
        result = self._tools.call("kv_get", {"key": key})
        return result.get("value") if isinstance(result, dict) and result.get("found") else default

    def set(self, key: str, value: Any, ttl_s: Optional[int] = None) -> None:
        args = {"key": key, "value": value}
        if ttl_s is not None:
            args["ttl_s"] = ttl_s
        self._tools.call("kv_set", args)

    def delete(self, key: str) -> bool:
        result = self._tools.call("kv_delete", {"key": key})
        return bool(isinstance(result, dict) and result.get("deleted"))

    def list(self, prefix: Optional[str] = None, cursor: Optional[str] = None, limit: Optional[int] = None) -> dict:
        """One page: ``{"keys": [...], "next_cursor": str or None}``."""
        args: dict = {}
        if prefix is not None:
            args["prefix"] = prefix
        if cursor is not None:
            args["cursor"] = cursor
        if limit is not None:
            args["limit"] = limit
        result = self._tools.call("kv_list", args)
        if not isinstance(result, dict):
            raise ToolCallError("platform_error", "kv_list answered something that is not an object", tool="kv_list")
        return result

    def keys(self, prefix: Optional[str] = None) -> Iterator[str]:
        """Every key (with the prefix), following cursors."""
        cursor = None
        while True:
            page = self.list(prefix=prefix, cursor=cursor)
            yield from page.get("keys") or []
            cursor = page.get("next_cursor")
            if not cursor:
                return


class Context:
    """Who a request runs for (``tenant``, ``app``, ``version``, ``request_id``, ``event_id`` for events)
    and ``tools``, ``secrets``, ``kv`` and ``log`` (standard error)."""

    def __init__(self, platform: Any, tenant: Optional[str] = None, app: Optional[str] = None,
                 version: Optional[str] = None, request_id: Optional[str] = None, event_id: Optional[str] = None,
                 install_id: Optional[str] = None, claims: Optional[dict] = None, event: Optional[Event] = None) -> None:
        self.tenant = tenant
        self.app = app
        self.version = version
        self.request_id = request_id
        self.event_id = event_id
        self.install_id = install_id
        self.claims = claims or {}
        self.event = event
        self.log: logging.LoggerAdapter = _RequestLogger(app_logger(), {"request_id": request_id})
        self.tools = Tools(platform, request_id)
        self.secrets = Secrets(platform, self.log, request_id)
        self.kv = KV(self.tools)

    @property
    def logger(self) -> logging.LoggerAdapter:
        return self.log

    def __repr__(self) -> str:
        return (f"Context(tenant={self.tenant!r}, app={self.app!r}, version={self.version!r}, "
                f"request_id={self.request_id!r}, event_id={self.event_id!r})")
