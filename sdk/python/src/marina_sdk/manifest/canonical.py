"""RFC 8785 (JCS) canonical JSON: keys sorted by UTF-16 code units, no insignificant whitespace,
numbers as ECMAScript writes them, strings escaped minimally. The SHA-256 of these bytes is a
manifest's hash, identical in every Marina implementation."""
from __future__ import annotations

import hashlib
import math
from typing import Any, List

from ._values import is_number

_ESC = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
for _c in range(0x20):
    _ESC.setdefault(chr(_c), f"\\u{_c:04x}")
_ESC_TABLE = str.maketrans(_ESC)


def canonical_string(value: Any) -> str:
    out: List[str] = []
    _write(value, out)
    return "".join(out)


def canonical_bytes(value: Any) -> bytes:
    return canonical_string(value).encode("utf-8")


def canonical_hash(value: Any) -> str:
    """``sha256:<64 hex digits>`` of the canonical bytes."""
    return "sha256:" + hashlib.sha256(canonical_bytes(value)).hexdigest()


def _utf16_key(s: str) -> bytes:
    return s.encode("utf-16-be", "surrogatepass")


def _write(v: Any, out: List[str]) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif is_number(v):
        out.append(format_number(float(v)))
    elif isinstance(v, str):
        out.append(quote(v))
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i, item in enumerate(v):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(v, dict):
        out.append("{")
        for i, key in enumerate(sorted(v, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(quote(key))
            out.append(":")
            _write(v[key], out)
        out.append("}")
    else:
        raise TypeError(f"not a JSON value: {type(v).__name__}")


def quote(s: str) -> str:
    return '"' + s.translate(_ESC_TABLE) + '"'


def format_number(value: float) -> str:
    """ECMAScript ``Number.prototype.toString()`` for a finite double (ECMA-262 Number::toString)."""
    if not math.isfinite(value):
        raise ValueError(f"canonical JSON has no representation for {value}")
    if value == 0:
        return "0"
    negative = value < 0
    text = repr(abs(value))  # the shortest digits that round-trip: '1.25', '1e-07', '1.5e+300'
    exponent = 0
    mantissa = text
    for marker in ("e", "E"):
        if marker in text:
            mantissa, exp_text = text.split(marker)
            exponent = int(exp_text)
            break
    int_part, _, frac_part = mantissa.partition(".")
    digits = int_part + frac_part
    point = len(int_part) + exponent
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("-" if e < 0 else "+") + str(abs(e))
    return "-" + out if negative else out
