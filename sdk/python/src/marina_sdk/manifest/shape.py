"""Declarative description of a manifest format (which fields exist, their types, limits, defaults
and formats), the validator that walks a document against it reporting every problem, and the
normaliser that fills in defaults. Mirrors Shape.swift, ShapeValidator.swift and ShapeNormalizer."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

from . import errors as E
from . import formats
from . import pointer as jp
from ._values import MISSING, deep_copy, is_integral, is_number, to_json_value, type_name
from .canonical import format_number
from .scopes import edit_distance


class Shape:
    pass


class SString(Shape):
    def __init__(self, fmt: Optional[str] = None, min_length: Optional[int] = None, max_length: Optional[int] = None):
        self.fmt, self.min_length, self.max_length = fmt, min_length, max_length


class SInteger(Shape):
    def __init__(self, min: Optional[int] = None, max: Optional[int] = None, allowed: Optional[Sequence[int]] = None):
        self.min, self.max, self.allowed = min, max, allowed


class SNumber(Shape):
    def __init__(self, min: Optional[float] = None, max: Optional[float] = None):
        self.min, self.max = min, max


class SBoolean(Shape):
    pass


class SEnum(Shape):
    def __init__(self, options: Sequence[str]):
        self.options = list(options)


class SArray(Shape):
    def __init__(self, item: Shape, min_items: int = 0, max_items: Optional[int] = None):
        self.item, self.min_items, self.max_items = item, min_items, max_items


class SMap(Shape):
    """An object with free keys (checked by ``key_format``) and values of one shape."""

    def __init__(self, value: Shape, key_format: Optional[str] = None):
        self.value, self.key_format = value, key_format


class SJsonSchema(Shape):
    """A JSON Schema document (tool input and output schemas): an object, checked loosely."""


class SAny(Shape):
    pass


class SNullable(Shape):
    def __init__(self, inner: Shape):
        self.inner = inner


class SEither(Shape):
    """The first alternative whose JSON type matches is used."""

    def __init__(self, alternatives: Sequence[Shape]):
        self.alternatives = list(alternatives)


class FieldSpec:
    def __init__(self, name: str, shape: Shape, required: bool = False, default: Any = MISSING, doc: str = ""):
        self.name, self.shape, self.required, self.doc = name, shape, required, doc
        self.default = MISSING if default is MISSING else to_json_value(default)

    @staticmethod
    def required(name: str, shape: Shape, doc: str = "") -> "FieldSpec":
        return FieldSpec(name, shape, required=True, doc=doc)


class ObjectShape(Shape):
    def __init__(self, name: str, fields: List[FieldSpec], allows_unknown_fields: bool = False, doc: str = ""):
        self.name, self.fields, self.allows_unknown_fields, self.doc = name, fields, allows_unknown_fields, doc
        self._by_name = {f.name: f for f in fields}

    def field(self, name: str) -> Optional[FieldSpec]:
        return self._by_name.get(name)


_SCHEMA_TYPES = frozenset(["object", "array", "string", "number", "integer", "boolean", "null"])


class ShapeValidator:
    def __init__(self, catalog) -> None:
        self.catalog = catalog
        self.diagnostics = E.Diagnostics()

    def check(self, value: Any, shape: Shape, path: jp.Pointer) -> None:
        d = self.diagnostics
        if isinstance(shape, SString):
            if not isinstance(value, str):
                return self._mismatch("string", value, path)
            length = len(value)  # code points, as JSON Schema counts
            if shape.min_length is not None and length < shape.min_length:
                d.add(E.INVALID_VALUE, path, "must not be empty" if shape.min_length == 1 else f"must be at least {shape.min_length} characters long")
            if shape.max_length is not None and length > shape.max_length:
                d.add(E.INVALID_VALUE, path, f"is {length} characters long; the limit is {shape.max_length}")
            if shape.fmt is not None:
                problem = formats.check(shape.fmt, value, self.catalog)
                if problem:
                    d.add(problem[0], path, problem[1])
        elif isinstance(shape, SInteger):
            if not is_number(value) or not is_integral(float(value)):
                return self._mismatch("integer", value, path)
            n = float(value)
            if shape.allowed is not None and not any(float(a) == n for a in shape.allowed):
                d.add(E.INVALID_VALUE, path, "must be one of " + ", ".join(str(a) for a in shape.allowed))
            if shape.min is not None and n < shape.min:
                d.add(E.INVALID_VALUE, path, f"{format_number(n)} is below the minimum {shape.min}")
            if shape.max is not None and n > shape.max:
                d.add(E.INVALID_VALUE, path, f"{format_number(n)} is above the maximum {shape.max}")
        elif isinstance(shape, SNumber):
            if not is_number(value):
                return self._mismatch("number", value, path)
            n = float(value)
            if shape.min is not None and n < shape.min:
                d.add(E.INVALID_VALUE, path, f"{format_number(n)} is below the minimum {format_number(float(shape.min))}")
            if shape.max is not None and n > shape.max:
                d.add(E.INVALID_VALUE, path, f"{format_number(n)} is above the maximum {format_number(float(shape.max))}")
        elif isinstance(shape, SBoolean):
            if not isinstance(value, bool):
                return self._mismatch("boolean", value, path)
        elif isinstance(shape, SEnum):
            if not isinstance(value, str):
                return self._mismatch("string", value, path)
            if value not in shape.options:
                d.add(E.INVALID_VALUE, path, f'"{value}" is not one of ' + ", ".join(f'"{o}"' for o in shape.options))
        elif isinstance(shape, SArray):
            if not isinstance(value, list):
                return self._mismatch("array", value, path)
            if len(value) < shape.min_items:
                d.add(E.INVALID_VALUE, path, f"needs at least {shape.min_items} item{'' if shape.min_items == 1 else 's'}")
            if shape.max_items is not None and len(value) > shape.max_items:
                d.add(E.INVALID_VALUE, path, f"has {len(value)} items; the limit is {shape.max_items}")
            for i, item in enumerate(value):
                self.check(item, shape.item, jp.child(path, i))
        elif isinstance(shape, ObjectShape):
            if not isinstance(value, dict):
                return self._mismatch("object", value, path)
            self._check_object(value, shape, path)
        elif isinstance(shape, SMap):
            if not isinstance(value, dict):
                return self._mismatch("object", value, path)
            for key, v in value.items():
                if shape.key_format is not None:
                    problem = formats.check(shape.key_format, key, self.catalog)
                    if problem:
                        d.add(problem[0], jp.child(path, key), problem[1])
                self.check(v, shape.value, jp.child(path, key))
        elif isinstance(shape, SJsonSchema):
            if not isinstance(value, dict):
                return self._mismatch("object", value, path)
            self._check_schema(value, path)
        elif isinstance(shape, SAny):
            return
        elif isinstance(shape, SNullable):
            if value is None:
                return
            self.check(value, shape.inner, path)
        elif isinstance(shape, SEither):
            for alternative in shape.alternatives:
                if accepts(alternative, value):
                    return self.check(value, alternative, path)
            names = " or ".join(shape_type_name(a) for a in shape.alternatives)
            d.add(E.INVALID_TYPE, path, f"expected {names}, got {type_name(value)}")
        else:  # pragma: no cover
            raise TypeError(f"unknown shape {shape!r}")

    def _check_object(self, o: dict, shape: ObjectShape, path: jp.Pointer) -> None:
        d = self.diagnostics
        if not shape.allows_unknown_fields:
            for key in o:
                if shape.field(key) is None:
                    hint = None
                    for f in shape.fields:
                        distance = edit_distance(f.name, key)
                        if hint is None or distance < hint[1]:
                            hint = (f.name, distance)
                    suggestion = f'; did you mean "{hint[0]}"?' if hint and hint[1] <= max(2, len(key) // 3) else ""
                    d.add(E.UNKNOWN_FIELD, jp.child(path, key), f'unknown field "{key}"{suggestion}')
        for f in shape.fields:
            if f.name in o:
                self.check(o[f.name], f.shape, jp.child(path, f.name))
            elif f.required:
                d.add(E.MISSING_FIELD, jp.child(path, f.name), f'"{f.name}" is required')

    def _check_schema(self, o: dict, path: jp.Pointer) -> None:
        """Tool schemas must be JSON Schema objects; what matters for dispatch is checked here."""
        d = self.diagnostics
        if "type" in o:
            t = o["type"]
            ok = (isinstance(t, str) and t in _SCHEMA_TYPES) or (
                isinstance(t, list) and len(t) > 0 and all(isinstance(x, str) and x in _SCHEMA_TYPES for x in t))
            if not ok:
                d.add(E.INVALID_VALUE, jp.child(path, "type"), "is not a JSON Schema type")
        if "properties" in o:
            props = o["properties"]
            if not isinstance(props, dict):
                d.add(E.INVALID_TYPE, jp.child(path, "properties"), f"expected object, got {type_name(props)}")
                return
            for name, sub in props.items():
                if isinstance(sub, dict):
                    self._check_schema(sub, jp.child(jp.child(path, "properties"), name))
                elif isinstance(sub, bool):
                    continue
                else:
                    d.add(E.INVALID_TYPE, jp.child(jp.child(path, "properties"), name), f"expected a schema object, got {type_name(sub)}")
        if "required" in o:
            r = o["required"]
            if not isinstance(r, list) or not all(isinstance(x, str) for x in r):
                d.add(E.INVALID_TYPE, jp.child(path, "required"), "expected an array of strings")
                return
        if isinstance(o.get("items"), dict):
            self._check_schema(o["items"], jp.child(path, "items"))

    def _mismatch(self, expected: str, value: Any, path: jp.Pointer) -> None:
        message = f"expected {expected}, got {type_name(value)}"
        if expected == "string" and (is_number(value) or isinstance(value, bool)):
            message += " (quote the value to make it a string)"
        if expected == "integer" and is_number(value):
            message = "expected integer, got a number with a fraction"
        self.diagnostics.add(E.INVALID_TYPE, path, message)


def accepts(shape: Shape, value: Any) -> bool:
    if isinstance(shape, SAny):
        return True
    if isinstance(shape, (SString, SEnum)):
        return isinstance(value, str)
    if isinstance(shape, SBoolean):
        return isinstance(value, bool)
    if isinstance(shape, SNumber):
        return is_number(value)
    if isinstance(shape, SInteger):
        return is_number(value) and is_integral(float(value))
    if isinstance(shape, SArray):
        return isinstance(value, list)
    if isinstance(shape, (ObjectShape, SMap, SJsonSchema)):
        return isinstance(value, dict)
    if isinstance(shape, SNullable):
        return value is None or accepts(shape.inner, value)
    if isinstance(shape, SEither):
        return any(accepts(a, value) for a in shape.alternatives)
    return False


def shape_type_name(shape: Shape) -> str:
    if isinstance(shape, (SString, SEnum)):
        return "string"
    if isinstance(shape, SInteger):
        return "integer"
    if isinstance(shape, SNumber):
        return "number"
    if isinstance(shape, SBoolean):
        return "boolean"
    if isinstance(shape, SArray):
        return "array"
    if isinstance(shape, (ObjectShape, SMap, SJsonSchema)):
        return "object"
    if isinstance(shape, SAny):
        return "any value"
    if isinstance(shape, SNullable):
        return shape_type_name(shape.inner) + " or null"
    if isinstance(shape, SEither):
        return " or ".join(shape_type_name(a) for a in shape.alternatives)
    raise TypeError(f"unknown shape {shape!r}")


def normalize(value: Any, shape: Shape) -> Any:
    """Fills defaults into a document and orders object keys as the shape lists them. Never mutates
    its input; parts of a document that do not match the shape are returned unchanged."""
    if isinstance(shape, ObjectShape) and isinstance(value, dict):
        out: dict = {}
        for f in shape.fields:
            if f.name in value:
                out[f.name] = normalize(value[f.name], f.shape)
            elif f.default is not MISSING:
                out[f.name] = normalize(deep_copy(f.default), f.shape)
        for key, v in value.items():
            if shape.field(key) is None:
                out[key] = v
        return out
    if isinstance(shape, SArray) and isinstance(value, list):
        return [normalize(v, shape.item) for v in value]
    if isinstance(shape, SMap) and isinstance(value, dict):
        return {k: normalize(v, shape.value) for k, v in value.items()}
    if isinstance(shape, SNullable):
        return None if value is None else normalize(value, shape.inner)
    if isinstance(shape, SEither):
        for alternative in shape.alternatives:
            if accepts(alternative, value):
                return normalize(value, alternative)
        return value
    return value
