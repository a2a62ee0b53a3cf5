"""Typed errors of the SDK."""
from __future__ import annotations

import re
from typing import Iterable, List, Optional

ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")

#: Decisions the platform gives when an app's tool call is refused (docs/app-contract.md).
DECISIONS = ("scope_denied", "unknown_tool", "invalid_args", "rate_limited", "budget_exhausted", "platform_error")


class MarinaError(Exception):
    """Base class of every error this SDK raises on purpose."""


class ManifestError(MarinaError):
    """The app's manifest is not valid; ``diagnostics`` lists every problem (code, path, message)."""

    def __init__(self, path: str, diagnostics: list) -> None:
        self.path = path
        self.diagnostics = list(diagnostics)
        lines = "\n".join(f"  {d}" for d in self.diagnostics)
        super().__init__(f"{path} is not a valid manifest:\n{lines}")


class RegistrationError(MarinaError):
    """A handler cannot be registered."""


class UnknownToolError(RegistrationError):
    """The tool is not declared in the manifest's ``tools``."""


class UnknownEventError(RegistrationError):
    """Not a lifecycle event Marina delivers (install, uninstall, user_added, inbound)."""


class EventNotEnabledError(RegistrationError):
    """The lifecycle event is not listed in the manifest's ``events``."""


class UnknownScheduleError(RegistrationError):
    """No schedule of that name is declared in the manifest."""


class UnknownWebhookError(RegistrationError):
    """No webhook of that name is declared in the manifest."""


class DuplicateHandlerError(RegistrationError):
    """A handler is already registered for this tool or event."""


class InvalidTokenError(MarinaError):
    """An invocation token was refused; ``reason`` says why (never shown to the caller in detail)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ToolCallError(MarinaError):
    """A platform tool call was refused: ``decision`` (``scope_denied``, ``unknown_tool``, ``invalid_args``,
    ``rate_limited``, ``budget_exhausted``, ``platform_error``), ``message`` and ``needed_scopes``."""

    def __init__(self, decision: str, message: str = "", needed_scopes: Optional[Iterable[str]] = None, tool: Optional[str] = None) -> None:
        self.decision = decision
        self.message = message
        self.needed_scopes: List[str] = list(needed_scopes or [])
        self.tool = tool
        text = f"{tool + ': ' if tool else ''}{decision}" + (f": {message}" if message else "")
        if self.needed_scopes:
            text += f" (needs {', '.join(self.needed_scopes)})"
        super().__init__(text)


class AppError(MarinaError):
    """Raise from a handler to answer with ``status`` and ``{"error": {"code": code, "message": message}}``."""

    def __init__(self, code: str, message: str = "", status: int = 400) -> None:
        if not isinstance(code, str) or not ERROR_CODE.fullmatch(code):
            raise ValueError(f"an error code matches [A-Za-z0-9_.-]{{1,64}}, not {code!r}")
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"an error status is 400–599, not {status!r}")
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.status = status
