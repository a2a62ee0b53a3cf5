"""A strict RFC 8259 reader: one value, no comments or trailing commas, duplicate keys refused, depth
and value count bounded. Errors carry the JSON Pointer being read, as the Swift reference does."""
from __future__ import annotations

import math
import re
from typing import Any

from . import errors as E
from . import pointer as jp
from .limits import DEFAULT_LIMITS, DocumentLimits

_WS = b" \t\n\r"
_PLAIN = re.compile(rb'[^"\\\x00-\x1f]+')
_DIGITS = re.compile(rb"[0-9]*")
_ESCAPES = {ord('"'): '"', ord("\\"): "\\", ord("/"): "/", ord("b"): "\b", ord("f"): "\f",
            ord("n"): "\n", ord("r"): "\r", ord("t"): "\t"}


def parse(data: bytes, limits: DocumentLimits = DEFAULT_LIMITS) -> Any:
    if len(data) > limits.max_bytes:
        raise E.DocumentError(E.DOCUMENT_TOO_LARGE, jp.ROOT,
                              f"document is {len(data)} bytes; the limit is {limits.max_bytes}")
    p = _Parser(data, limits)
    p.skip_ws()
    if p.i >= len(data):
        raise E.DocumentError(E.EMPTY_DOCUMENT, jp.ROOT, "the document is empty")
    value = p.value(jp.ROOT, 0)
    p.skip_ws()
    if p.i != len(data):
        raise p.syntax("unexpected content after the document", jp.ROOT)
    return value


class _Parser:
    def __init__(self, data: bytes, limits: DocumentLimits) -> None:
        self.b = data
        self.n = len(data)
        self.i = 0
        self.limits = limits
        self.nodes = 0

    def syntax(self, message: str, path: jp.Pointer) -> E.DocumentError:
        upto = self.b[: min(self.i, self.n)]
        line = upto.count(b"\n") + 1
        last = upto.rfind(b"\n")
        column = len(upto) - (last + 1) + 1
        return E.DocumentError(E.INVALID_SYNTAX, path, f"invalid JSON at line {line}, column {column}: {message}")

    def skip_ws(self) -> None:
        b, n, i = self.b, self.n, self.i
        while i < n and b[i] in _WS:
            i += 1
        self.i = i

    def value(self, path: jp.Pointer, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise E.DocumentError(E.DOCUMENT_TOO_LARGE, path, f"the document has more than {self.limits.max_nodes} values")
        if self.i >= self.n:
            raise self.syntax("unexpected end of input", path)
        c = self.b[self.i]
        if c == 0x7B or c == 0x5B:  # { [
            if depth >= self.limits.max_depth:
                raise E.DocumentError(E.NESTING_TOO_DEEP, path, f"nesting deeper than {self.limits.max_depth} levels")
            return self.obj(path, depth + 1) if c == 0x7B else self.arr(path, depth + 1)
        if c == 0x22:
            return self.string(path)
        if c == 0x74:
            self.word(b"true", path)
            return True
        if c == 0x66:
            self.word(b"false", path)
            return False
        if c == 0x6E:
            self.word(b"null", path)
            return None
        if c == 0x2D or 0x30 <= c <= 0x39:
            return self.number(path)
        raise self.syntax("unexpected character", path)

    def word(self, w: bytes, path: jp.Pointer) -> None:
        if self.b[self.i:self.i + len(w)] != w:
            raise self.syntax("unexpected character", path)
        self.i += len(w)

    def obj(self, path: jp.Pointer, depth: int) -> dict:
        self.i += 1
        out: dict = {}
        self.skip_ws()
        if self.i < self.n and self.b[self.i] == 0x7D:
            self.i += 1
            return out
        while True:
            self.skip_ws()
            if not (self.i < self.n and self.b[self.i] == 0x22):
                raise self.syntax("expected a string key", path)
            key = self.string(path)
            if key in out:
                raise E.DocumentError(E.DUPLICATE_KEY, jp.child(path, key), f'the key "{key}" appears more than once')
            self.skip_ws()
            if not (self.i < self.n and self.b[self.i] == 0x3A):
                raise self.syntax("expected ':'", jp.child(path, key))
            self.i += 1
            self.skip_ws()
            out[key] = self.value(jp.child(path, key), depth)
            if self.closes(0x7D, path):
                return out

    def closes(self, close: int, path: jp.Pointer) -> bool:
        """After a member or an element: True at the closing bracket, False after a comma."""
        self.skip_ws()
        if self.i >= self.n:
            raise self.syntax("unexpected end of input", path)
        c = self.b[self.i]
        if c == 0x2C or c == close:
            self.i += 1
            return c == close
        raise self.syntax("expected ',' or '%s'" % chr(close), path)

    def arr(self, path: jp.Pointer, depth: int) -> list:
        self.i += 1
        items: list = []
        self.skip_ws()
        if self.i < self.n and self.b[self.i] == 0x5D:
            self.i += 1
            return items
        while True:
            self.skip_ws()
            items.append(self.value(jp.child(path, len(items)), depth))
            if self.closes(0x5D, path):
                return items

    def number(self, path: jp.Pointer) -> float:
        b, n = self.b, self.n
        start = self.i
        if b[self.i] == 0x2D:
            self.i += 1
        if self.i >= n:
            raise self.syntax("incomplete number", path)
        if b[self.i] == 0x30:
            self.i += 1
        else:
            m = _DIGITS.match(b, self.i)
            if m.end() == self.i:
                raise self.syntax("invalid number", path)
            self.i = m.end()
        if self.i < n and b[self.i] == 0x2E:
            self.i += 1
            m = _DIGITS.match(b, self.i)
            if m.end() == self.i:
                raise self.syntax("invalid number", path)
            self.i = m.end()
        if self.i < n and b[self.i] in (0x65, 0x45):
            self.i += 1
            if self.i < n and b[self.i] in (0x2B, 0x2D):
                self.i += 1
            m = _DIGITS.match(b, self.i)
            if m.end() == self.i:
                raise self.syntax("invalid number", path)
            self.i = m.end()
        text = b[start:self.i].decode("ascii")
        value = float(text)
        if not math.isfinite(value):
            raise E.DocumentError(E.INVALID_VALUE, path, f"the number {text} is out of range")
        return value

    def string(self, path: jp.Pointer) -> str:
        b, n = self.b, self.n
        self.i += 1
        parts: list = []
        while True:
            m = _PLAIN.match(b, self.i)
            if m:
                try:
                    parts.append(m.group().decode("utf-8"))
                except UnicodeDecodeError:
                    raise E.DocumentError(E.INVALID_ENCODING, path, "a string is not valid UTF-8") from None
                self.i = m.end()
            if self.i >= n:
                raise self.syntax("unterminated string", path)
            c = b[self.i]
            self.i += 1
            if c == 0x22:
                return "".join(parts)
            if c == 0x5C:
                if self.i >= n:
                    raise self.syntax("unterminated escape", path)
                e = b[self.i]
                self.i += 1
                if e in _ESCAPES:
                    parts.append(_ESCAPES[e])
                elif e == 0x75:
                    scalar = self.hex4(path)
                    if 0xD800 <= scalar <= 0xDBFF:
                        if not (self.i + 1 < n and b[self.i] == 0x5C and b[self.i + 1] == 0x75):
                            raise self.syntax("unpaired surrogate", path)
                        self.i += 2
                        low = self.hex4(path)
                        if not 0xDC00 <= low <= 0xDFFF:
                            raise self.syntax("unpaired surrogate", path)
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    elif 0xDC00 <= scalar <= 0xDFFF:
                        raise self.syntax("unpaired surrogate", path)
                    parts.append(chr(scalar))
                else:
                    raise self.syntax("invalid escape", path)
            else:  # a raw control character
                raise self.syntax("control character in string", path)

    def hex4(self, path: jp.Pointer) -> int:
        if self.i + 4 > self.n:
            raise self.syntax("invalid \\u escape", path)
        text = self.b[self.i:self.i + 4]
        v = 0
        for c in text:
            if 0x30 <= c <= 0x39:
                d = c - 0x30
            elif 0x61 <= c <= 0x66:
                d = c - 0x61 + 10
            elif 0x41 <= c <= 0x46:
                d = c - 0x41 + 10
            else:
                raise self.syntax("invalid \\u escape", path)
            v = (v << 4) | d
        self.i += 4
        return v
