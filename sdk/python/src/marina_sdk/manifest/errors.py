"""Stable error codes and diagnostics of manifest validation (the drift gate compares them)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

from . import pointer as jp

INVALID_ENCODING = "invalid_encoding"
INVALID_SYNTAX = "invalid_syntax"
DUPLICATE_KEY = "duplicate_key"
DOCUMENT_TOO_LARGE = "document_too_large"
NESTING_TOO_DEEP = "nesting_too_deep"
EMPTY_DOCUMENT = "empty_document"
UNKNOWN_FIELD = "unknown_field"
MISSING_FIELD = "missing_field"
INVALID_TYPE = "invalid_type"
INVALID_VALUE = "invalid_value"
UNKNOWN_SCOPE = "unknown_scope"
SCOPE_NOT_DECLARED = "scope_not_declared"
DUPLICATE_NAME = "duplicate_name"
INVALID_CRON = "invalid_cron"
UNSUPPORTED_VERSION = "unsupported_version"

ALL_CODES = (
    INVALID_ENCODING, INVALID_SYNTAX, DUPLICATE_KEY, DOCUMENT_TOO_LARGE, NESTING_TOO_DEEP, EMPTY_DOCUMENT,
    UNKNOWN_FIELD, MISSING_FIELD, INVALID_TYPE, INVALID_VALUE, UNKNOWN_SCOPE, SCOPE_NOT_DECLARED,
    DUPLICATE_NAME, INVALID_CRON, UNSUPPORTED_VERSION,
)


@dataclass(frozen=True)
class Diagnostic:
    """One problem: a stable code, a JSON Pointer into the document as written, and a message."""

    code: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.message} [{self.code}]"

    def to_json(self) -> dict:
        return {"code": self.code, "path": self.path, "message": self.message}


class Diagnostics:
    """Problems collected while walking a document; one per (code, path)."""

    def __init__(self) -> None:
        self.items: List[Diagnostic] = []
        self._seen: set = set()

    def add(self, code: str, path: jp.Pointer, message: str) -> None:
        self.add_text(code, jp.to_string(path), message)

    def add_text(self, code: str, path: str, message: str) -> None:
        if (code, path) not in self._seen:
            self._seen.add((code, path))
            self.items.append(Diagnostic(code, path, message))

    def __bool__(self) -> bool:  # "has problems"
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


class DocumentError(Exception):
    """A document that could not be turned into a tree at all."""

    def __init__(self, code: str, path: jp.Pointer, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.path = path
        self.message = message

    @property
    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.code, jp.to_string(self.path), self.message)


# --- Conversion notes ---------------------------------------------------------------------------------
# What an importer did that the author should know, on a valid imported manifest: not errors.

PORT_FROM_ENV = "port_from_env"
NOT_ACTED_ON = "not_acted_on"


@dataclass(frozen=True)
class Note:
    """One conversion note: a stable code, a JSON Pointer into the document as written, a message."""

    code: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.message} [{self.code}]"

    def to_json(self) -> dict:
        return {"code": self.code, "path": self.path, "message": self.message}
