"""JSON values as the manifest core handles them.

A document is held in plain Python values: ``None`` (null), ``bool``, ``float`` (every JSON number is
an IEEE double, as in RFC 8785 and the Swift reference), ``str`` (a sequence of code points, never
normalised), ``list`` and ``dict`` (insertion-ordered, so diagnostics come out in document order).
``MISSING`` stands for an absent member, which is different from a member whose value is null.
"""
from __future__ import annotations

import math
from typing import Any


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def is_number(v: Any) -> bool:
    return isinstance(v, float) or (isinstance(v, int) and not isinstance(v, bool))


def is_integral(n: float) -> bool:
    return math.isfinite(n) and float(n).is_integer()


def type_name(v: Any) -> str:
    """The JSON type name used in diagnostics ("string", "integer", "object", ...)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if is_number(v):
        return "integer" if is_integral(float(v)) else "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    raise TypeError(f"not a JSON value: {type(v).__name__}")


def member(v: Any, key: str) -> Any:
    """``value[key]`` of the reference: the member of an object, or MISSING."""
    if isinstance(v, dict):
        return v.get(key, MISSING)
    return MISSING


def string_value(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def number_value(v: Any) -> float | None:
    return float(v) if is_number(v) else None


def bool_value(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def array_value(v: Any) -> list | None:
    return v if isinstance(v, list) else None


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers, objects ignore key order, strings compare by code point."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) or is_number(b):
        return is_number(a) and is_number(b) and float(a) == float(b)
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) or isinstance(b, list):
        return (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                and all(json_equal(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return False


def to_json_value(v: Any) -> Any:
    """Converts Python data (ints, tuples, ...) to the representation used here (floats, lists)."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, (list, tuple)):
        return [to_json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): to_json_value(x) for k, x in v.items()}
    raise TypeError(f"not a JSON value: {type(v).__name__}")


def deep_copy(v: Any) -> Any:
    if isinstance(v, list):
        return [deep_copy(x) for x in v]
    if isinstance(v, dict):
        return {k: deep_copy(x) for k, x in v.items()}
    return v


def to_python(v: Any) -> Any:
    """The value with integral numbers as ``int`` (for application code; not for hashing)."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, float):
        return int(v) if is_integral(v) and abs(v) < 2 ** 63 else v
    if isinstance(v, list):
        return [to_python(x) for x in v]
    if isinstance(v, dict):
        return {k: to_python(x) for k, x in v.items()}
    return v


# Unicode White_Space property (what Swift's Character.isWhitespace tests on a character's first scalar).
WHITE_SPACE = frozenset(
    [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
    + list(range(0x2000, 0x200B))
)
