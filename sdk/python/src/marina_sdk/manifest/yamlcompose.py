"""Reads one YAML document into JSON values under the YAML 1.2 core schema (``no`` is a string,
``1.0`` a number), refusing duplicate keys, unknown tags, several documents and anything beyond the
document limits.

Like the Swift reference, it works on libyaml's event stream (through PyYAML's ``CParser``), not on a
composed node graph: aliases are never expanded eagerly, so an alias bomb is stopped by counting,
and nesting is bounded while reading.
"""
from __future__ import annotations

import math
import re
from typing import Any, Dict, Tuple

import yaml
from yaml import events as ev

from . import errors as E
from . import pointer as jp
from .limits import DEFAULT_LIMITS, DocumentLimits
from .textchecks import require_text, require_yaml_printable

try:  # libyaml, the parser the Swift reference uses
    from yaml._yaml import CParser as _Parser  # type: ignore[attr-defined]

    WITH_LIBYAML = True
except ImportError:  # pragma: no cover - only without PyYAML's C extension
    from yaml.parser import Parser as _PurePyParser
    from yaml.reader import Reader as _Reader
    from yaml.scanner import Scanner as _Scanner

    class _Parser(_Reader, _Scanner, _PurePyParser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            _Reader.__init__(self, stream)
            _Scanner.__init__(self)
            _PurePyParser.__init__(self)

    WITH_LIBYAML = False

_TAG_PREFIX = "tag:yaml.org,2002:"


def compose(data: bytes, limits: DocumentLimits = DEFAULT_LIMITS) -> Any:
    if len(data) > limits.max_bytes:
        raise E.DocumentError(E.DOCUMENT_TOO_LARGE, jp.ROOT,
                              f"document is {len(data)} bytes; the limit is {limits.max_bytes}")
    require_text(data)
    text = data.decode("utf-8")
    require_yaml_printable(text)
    if text.startswith("\ufeff"):
        # The reference tells libyaml the encoding, so a byte order mark that is still there (the
        # loader strips one) reaches the scanner, which skips it like a space at column 0. PyYAML lets
        # libyaml detect the encoding instead, which would swallow the mark without moving the column.
        text = " " + text[1:]
    return _Composer(text, limits).document()


class _Anchored:
    __slots__ = ("value", "nodes", "text", "depth")

    def __init__(self, value: Any, nodes: int, text: int, depth: int) -> None:
        self.value = value
        self.nodes = nodes
        self.text = text  # bytes of text (string values and keys), as max_text_bytes counts
        self.depth = depth


def _line(event: Any) -> int:
    mark = getattr(event, "start_mark", None)
    return (mark.line + 1) if mark is not None else 0


class _Composer:
    def __init__(self, text: str, limits: DocumentLimits) -> None:
        self.limits = limits
        self.nodes = 0
        self.text = 0
        self.anchors: Dict[str, _Anchored] = {}
        self.parser = _Parser(text)

    def next(self, path: jp.Pointer) -> Any:
        try:
            return self.parser.get_event()
        except yaml.YAMLError as error:
            problem = getattr(error, "problem", None) or getattr(error, "reason", None) or "malformed YAML"
            if "Maximum nesting level" in problem:
                raise E.DocumentError(E.NESTING_TOO_DEEP, path,
                                      f"nesting deeper than {self.limits.max_depth} levels") from None
            mark = getattr(error, "problem_mark", None)
            context = getattr(error, "context", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            raise E.DocumentError(E.INVALID_SYNTAX, path,
                                  f"invalid YAML{where}: {context + ': ' if context else ''}{problem}") from None

    def document(self) -> Any:
        try:
            self.next(jp.ROOT)  # stream start
            start = self.next(jp.ROOT)
            if not isinstance(start, ev.DocumentStartEvent):
                raise E.DocumentError(E.EMPTY_DOCUMENT, jp.ROOT, "the document is empty")
            root_event = self.next(jp.ROOT)
            root, _, _, _ = self.node(root_event, jp.ROOT, 0)
            self.next(jp.ROOT)  # document end
            after = self.next(jp.ROOT)
            if not isinstance(after, ev.StreamEndEvent):
                raise E.DocumentError(E.INVALID_SYNTAX, jp.ROOT,
                                      f"a manifest is one YAML document; found another at line {_line(after)}")
            return root
        finally:
            dispose = getattr(self.parser, "dispose", None)
            if dispose:
                dispose()

    def count(self, n: int, path: jp.Pointer, text: int = 0) -> None:
        """Counts nodes and bytes of text into the expansion, stopping at the first value (or alias)
        that takes either over its limit, before the expansion is built."""
        self.nodes += n
        if self.nodes > self.limits.max_nodes:
            raise E.DocumentError(
                E.DOCUMENT_TOO_LARGE, path,
                f"the document expands to more than {self.limits.max_nodes} values (aliases count each time they are used)")
        self.text += text
        if self.text > self.limits.max_text_bytes:
            raise E.DocumentError(
                E.DOCUMENT_TOO_LARGE, path,
                f"the document expands to more than {self.limits.max_text_bytes} bytes of text (aliases count each time they are used)")

    def node(self, event: Any, path: jp.Pointer, depth: int) -> Tuple[Any, int, int, int]:
        """The value, its node count, its bytes of text and its depth."""
        if isinstance(event, ev.AliasEvent):
            anchored = self.anchors.get(event.anchor)
            if anchored is None:
                raise E.DocumentError(E.INVALID_SYNTAX, path,
                                      f"line {_line(event)}: the alias *{event.anchor} names no anchor")
            self.count(anchored.nodes, path, anchored.text)
            if depth + anchored.depth > self.limits.max_depth:
                raise E.DocumentError(E.NESTING_TOO_DEEP, path, f"nesting deeper than {self.limits.max_depth} levels")
            return anchored.value, anchored.nodes, anchored.text, anchored.depth
        if isinstance(event, ev.ScalarEvent):
            self.count(1, path)
            value = self.scalar(event, path)
            text = _utf8_length(value) if isinstance(value, str) else 0
            self.count(0, path, text)
            self.remember(event.anchor, _Anchored(value, 1, text, 0))
            return value, 1, text, 0
        if isinstance(event, ev.SequenceStartEvent):
            if depth >= self.limits.max_depth:
                raise E.DocumentError(E.NESTING_TOO_DEEP, path, f"nesting deeper than {self.limits.max_depth} levels")
            self.count(1, path)
            self.check_collection_tag(event, _TAG_PREFIX + "seq", path)
            items: list = []
            total, text, deepest = 1, 0, 1
            while True:
                child_path = jp.child(path, len(items))
                child = self.next(child_path)
                if isinstance(child, ev.SequenceEndEvent):
                    break
                v, n, b, d = self.node(child, child_path, depth + 1)
                items.append(v)
                total += n
                text += b
                deepest = max(deepest, d + 1)
            self.remember(event.anchor, _Anchored(items, total, text, deepest))
            return items, total, text, deepest
        if isinstance(event, ev.MappingStartEvent):
            if depth >= self.limits.max_depth:
                raise E.DocumentError(E.NESTING_TOO_DEEP, path, f"nesting deeper than {self.limits.max_depth} levels")
            self.count(1, path)
            self.check_collection_tag(event, _TAG_PREFIX + "map", path)
            obj: dict = {}
            total, text, deepest = 1, 0, 1
            while True:
                key_event = self.next(path)
                if isinstance(key_event, ev.MappingEndEvent):
                    break
                key = self.mapping_key(key_event, path)
                if key in obj:
                    raise E.DocumentError(E.DUPLICATE_KEY, jp.child(path, key),
                                          f'line {_line(key_event)}: the key "{key}" appears more than once')
                value_path = jp.child(path, key)
                value_event = self.next(value_path)
                v, n, b, d = self.node(value_event, value_path, depth + 1)
                obj[key] = v
                total += n
                text += _utf8_length(key) + b
                deepest = max(deepest, d + 1)
            self.remember(event.anchor, _Anchored(obj, total, text, deepest))
            return obj, total, text, deepest
        raise E.DocumentError(E.INVALID_SYNTAX, path, f"line {_line(event)}: unexpected YAML event")

    def remember(self, anchor: Any, value: _Anchored) -> None:
        if anchor is not None:
            self.anchors[anchor] = value

    def check_collection_tag(self, event: Any, expected: str, path: jp.Pointer) -> None:
        tag = event.tag
        if tag is None or tag == expected or tag == "!":
            return
        raise E.DocumentError(E.INVALID_SYNTAX, path, f"line {_line(event)}: the YAML tag {tag} is not supported")

    def mapping_key(self, event: Any, path: jp.Pointer) -> str:
        if isinstance(event, ev.ScalarEvent):
            self.count(1, path)
            self.count(0, path, _utf8_length(event.value))
            return event.value
        if isinstance(event, ev.AliasEvent):
            anchored = self.anchors.get(event.anchor)
            if anchored is not None and isinstance(anchored.value, str):
                # A long key aliased in many mappings expands like any other value.
                self.count(0, path, _utf8_length(anchored.value))
                return anchored.value
            raise E.DocumentError(E.INVALID_SYNTAX, path, f"line {_line(event)}: a mapping key must be a string")
        raise E.DocumentError(E.INVALID_SYNTAX, path,
                              f"line {_line(event)}: a mapping key must be a string, not a collection")

    def scalar(self, event: Any, path: jp.Pointer) -> Any:
        text = event.value
        tag = event.tag
        if tag is None:
            # PyYAML reports libyaml's plain style as '' (C parser) or None (pure parser).
            return resolve_plain(text, path) if not event.style else text
        if tag == "!" or tag == _TAG_PREFIX + "str":
            return text
        if tag == _TAG_PREFIX + "null":
            v = resolve_plain(text, path)
            if v is not None:
                raise _mistagged(text, "null", path)
            return None
        if tag == _TAG_PREFIX + "bool":
            v = resolve_plain(text, path)
            if not isinstance(v, bool):
                raise _mistagged(text, "bool", path)
            return v
        if tag == _TAG_PREFIX + "int" or tag == _TAG_PREFIX + "float":
            v = resolve_plain(text, path)
            if not isinstance(v, float):
                raise _mistagged(text, "number", path)
            return v
        raise E.DocumentError(E.INVALID_SYNTAX, path, f"line {_line(event)}: the YAML tag {tag} is not supported")


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _mistagged(text: str, kind: str, path: jp.Pointer) -> E.DocumentError:
    return E.DocumentError(E.INVALID_VALUE, path, f'"{text}" is not a valid {kind}')


_NON_FINITE = frozenset([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                         ".nan", ".NaN", ".NAN"])
_OCTAL = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9A-Fa-f]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


def resolve_plain(text: str, path: jp.Pointer) -> Any:
    """Resolution of a plain scalar under the YAML 1.2 core schema."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text in _NON_FINITE:
        raise E.DocumentError(E.INVALID_VALUE, path,
                              f"{text} is not a finite number; JSON cannot hold it (quote it for a string)")
    if len(text) > 2 and _OCTAL.fullmatch(text):
        return _number(_accumulate(text[2:], 8), text, path)
    if len(text) > 2 and _HEX.fullmatch(text):
        return _number(_accumulate(text[2:], 16), text, path)
    if not _FLOAT.fullmatch(text):
        return text
    cleaned = text[1:] if text.startswith("+") else text
    if cleaned.startswith("."):
        cleaned = "0" + cleaned
    elif cleaned.startswith("-."):
        cleaned = "-0" + cleaned[1:]
    return _number(float(cleaned), text, path)


def _accumulate(digits: str, base: int) -> float:
    # The reference folds the digits into a double one at a time; so does this, rounding alike.
    value = 0.0
    for c in digits:
        value = value * base + float(int(c, 16))
    return value


def _number(value: float, text: str, path: jp.Pointer) -> float:
    if not math.isfinite(value):
        raise E.DocumentError(E.INVALID_VALUE, path, f"the number {text} is out of range")
    return value
