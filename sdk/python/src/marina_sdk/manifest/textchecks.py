"""Checks of the raw bytes shared by the YAML and JSON readers."""
from __future__ import annotations

import re

from . import errors as E
from . import pointer as jp

_BAD_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_C1 = re.compile("[\u0080-\u0084\u0086-\u009f]")


def require_text(data: bytes) -> str:
    """The document as text; refuses what is not UTF-8 or holds control characters (binary)."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise E.DocumentError(E.INVALID_ENCODING, jp.ROOT, "the document is not valid UTF-8 text") from None
    m = _BAD_CONTROL.search(body)
    if m:
        raise E.DocumentError(E.INVALID_ENCODING, jp.ROOT,
                              f"the document holds a control character (0x{m.group()[0]:x}); is it binary?")
    return text


def require_yaml_printable(text: str) -> None:
    """YAML forbids the C1 control characters (except NEL)."""
    m = _C1.search(text)
    if m:
        before = text[: m.start()]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        raise E.DocumentError(E.INVALID_ENCODING, jp.ROOT,
                              f"line {line}, column {column}: the control character U+00{ord(m.group()):02X} is not allowed in YAML")
