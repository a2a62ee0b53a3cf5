"""RFC 6901 JSON Pointers, held as tuples of reference tokens."""
from __future__ import annotations

from typing import Iterable, Tuple, Union

Pointer = Tuple[str, ...]
ROOT: Pointer = ()


def child(p: Pointer, token: Union[str, int]) -> Pointer:
    return p + (str(token),)


def to_string(p: Iterable[str]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in p)


def parse(text: str) -> Pointer | None:
    """The tokens of a pointer, or None when it neither is empty nor starts with '/'."""
    if text == "":
        return ()
    if not text.startswith("/"):
        return None
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/"))


def has_prefix(p: Pointer, prefix: Pointer) -> bool:
    return p[: len(prefix)] == prefix
