"""Reads manifests of every accepted format: bytes in, report out (ManifestLoader.swift)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, List, Optional

from . import errors as E
from . import jsonparse, linkworld, native, opensail
from . import pointer as jp
from ._values import MISSING, json_equal, member, to_json_value, type_name
from .canonical import canonical_hash, canonical_string
from .limits import DEFAULT_LIMITS, DocumentLimits
from .provenance import Provenance
from .scopes import DEFAULT_CATALOG, ScopeCatalog
from .shape import ShapeValidator, normalize
from .textchecks import require_text
from .yamlcompose import compose

NATIVE = "marina/v1"
LINKWORLD = "linkworld.ai/v2"
OPENSAIL = "opensail/2025-02"
FORMATS = (NATIVE, LINKWORLD, OPENSAIL)

#: File names searched for, in order, when a directory is given.
FILE_NAMES = ["marina.app.yaml", "marina.app.yml", "marina.app.json", "linkworld.app.yaml", "linkworld.app.yml",
              "app.manifest.json"]

_SUPPORTED = "Marina reads marina/v1, linkworld.ai/v2 and OpenSail manifest_schema_version 2025-02"


@dataclass
class ManifestReport:
    """The outcome of reading one manifest: its format, every problem found, and when it is valid its
    native form (defaults filled in), canonical JSON and hash."""

    format: Optional[str]
    diagnostics: List[E.Diagnostic] = field(default_factory=list)
    native: Any = None
    canonical_json: Optional[str] = None
    hash: Optional[str] = None
    #: What the importer did that the author should know (a valid imported manifest only).
    notes: List[E.Note] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.diagnostics and self.native is not None

    def to_json(self) -> dict:
        return {"valid": self.valid, "format": self.format,
                "errors": [{"code": d.code, "path": d.path, "message": d.message} for d in self.diagnostics],
                "hash": self.hash, "notes": [n.to_json() for n in self.notes]}


def parse_document(data: bytes, file_name: Optional[str] = None, limits: DocumentLimits = DEFAULT_LIMITS) -> Any:
    """Reads bytes as one JSON or YAML document: ``.json`` is JSON, ``.yaml``/``.yml`` YAML, and
    without either a document whose first character is ``{`` is JSON."""
    if len(data) > limits.max_bytes:
        raise E.DocumentError(E.DOCUMENT_TOO_LARGE, jp.ROOT, f"document is {len(data)} bytes; the limit is {limits.max_bytes}")
    require_text(data)
    lower = (file_name or "").lower()
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if lower.endswith(".json"):
        is_json = True
    elif lower.endswith(".yaml") or lower.endswith(".yml"):
        is_json = False
    else:
        stripped = body.lstrip(b" \t\n\r")
        is_json = stripped[:1] == b"{"
    return jsonparse.parse(body, limits) if is_json else compose(body, limits)


def load_bytes(data: bytes, file_name: Optional[str] = None, catalog: ScopeCatalog = DEFAULT_CATALOG,
               limits: DocumentLimits = DEFAULT_LIMITS) -> ManifestReport:
    """Parses and validates a manifest; ``file_name`` (if known) chooses JSON or YAML by extension."""
    try:
        document = parse_document(data, file_name, limits)
    except E.DocumentError as error:
        return ManifestReport(None, [error.diagnostic])
    return load_document(document, catalog, limits)


def load_text(text: str, file_name: Optional[str] = None, catalog: ScopeCatalog = DEFAULT_CATALOG) -> ManifestReport:
    return load_bytes(text.encode("utf-8"), file_name, catalog)


def load_file(path: str, catalog: ScopeCatalog = DEFAULT_CATALOG, limits: DocumentLimits = DEFAULT_LIMITS) -> ManifestReport:
    """Reads a manifest file (or the manifest of an app directory). Raises OSError when it cannot be read."""
    path = locate(path)
    with open(path, "rb") as f:
        data = f.read(limits.max_bytes + 1)  # a huge file is refused without being loaded
    return load_bytes(data, os.path.basename(path), catalog, limits)


def locate(path: str) -> str:
    """Resolves a manifest file or an app directory to the manifest file."""
    if os.path.isdir(path):
        for name in FILE_NAMES:
            candidate = os.path.join(path, name)
            if os.path.exists(candidate):
                return candidate
        raise FileNotFoundError(f"{path}: no manifest found (looked for {', '.join(FILE_NAMES)})")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file or directory")
    return path


def _detect(root: dict):
    if "apiVersion" in root:
        api = root["apiVersion"]
        if not isinstance(api, str):
            return None, E.Diagnostic(E.INVALID_TYPE, "/apiVersion", f"expected string, got {type_name(api)}")
        if api == native.API_VERSION:
            return NATIVE, None
        if api == linkworld.API_VERSION:
            return LINKWORLD, None
        return None, E.Diagnostic(E.UNSUPPORTED_VERSION, "/apiVersion", f'apiVersion "{api}" is not supported; {_SUPPORTED}')
    if "manifest_schema_version" in root:
        version = root["manifest_schema_version"]
        if json_equal(version, opensail.SCHEMA_VERSION):
            return OPENSAIL, None
        if not isinstance(version, str):
            return None, E.Diagnostic(E.INVALID_TYPE, "/manifest_schema_version", f"expected string, got {type_name(version)}")
        return None, E.Diagnostic(E.UNSUPPORTED_VERSION, "/manifest_schema_version",
                                  f'manifest_schema_version "{version}" is not supported; {_SUPPORTED}')
    return None, E.Diagnostic(E.MISSING_FIELD, "/apiVersion", '"apiVersion" is required (apiVersion: marina/v1)')


def load_document(document: Any, catalog: ScopeCatalog = DEFAULT_CATALOG, limits: DocumentLimits = DEFAULT_LIMITS) -> ManifestReport:
    """Validates a document tree and, when valid, builds its native form and hash (refused when its
    canonical JSON would exceed ``limits.max_canonical_bytes``)."""
    document = to_json_value(document)
    if not isinstance(document, dict):
        return ManifestReport(None, [E.Diagnostic(E.INVALID_TYPE, "", f"a manifest is an object (a mapping), not {type_name(document)}")])
    fmt, problem = _detect(document)
    if problem is not None:
        return ManifestReport(None, [problem])

    validator = ShapeValidator(catalog)
    if fmt == NATIVE:
        validator.check(document, native.ROOT, jp.ROOT)
        tree, provenance = document, Provenance()
    elif fmt == LINKWORLD:
        validator.check(document, linkworld.SHAPE, jp.ROOT)
        linkworld.extra_rules(document, validator.diagnostics)
        tree, provenance = linkworld.convert(document)
    else:
        validator.check(document, opensail.SHAPE, jp.ROOT)
        opensail.extra_rules(document, validator.diagnostics)
        tree, provenance = opensail.convert(document)
    diagnostics = validator.diagnostics
    rules = E.Diagnostics()
    native.check_rules(tree, rules, catalog)
    for d in rules.items:
        diagnostics.add(d.code, provenance.source(jp.parse(d.path) or ()), d.message)
    if fmt != NATIVE and not diagnostics:
        # The conversion must yield a valid native manifest; if it does not, that is a bug in the
        # importer, reported rather than hidden.
        check = ShapeValidator(catalog)
        check.check(tree, native.ROOT, jp.ROOT)
        for d in check.diagnostics.items:
            diagnostics.add(d.code, provenance.source(jp.parse(d.path) or ()), "after conversion to marina/v1: " + d.message)
    if diagnostics:
        return ManifestReport(fmt, diagnostics.items)
    report = _finish(tree, fmt, limits)
    if report.valid:
        report.notes = linkworld.notes(document) if fmt == LINKWORLD else opensail.notes(document) if fmt == OPENSAIL else []
    return report


def _int_fields_fit(value: Any, path: tuple) -> bool:
    if not path:
        return not isinstance(value, float) or -9223372036854775808.0 < value < 9223372036854775808.0
    head, rest = path[0], path[1:]
    if head == "*":
        return all(_int_fields_fit(v, rest) for v in value) if isinstance(value, list) else True
    v = member(value, head)
    return True if v is MISSING else _int_fields_fit(v, rest)


def _finish(tree: Any, fmt: str, limits: DocumentLimits) -> ManifestReport:
    result = normalize(tree, native.ROOT)
    canonical = canonical_string(result)
    # The stored and hashed form is bounded whatever the input did to get there.
    if len(canonical.encode("utf-8")) > limits.max_canonical_bytes:
        return ManifestReport(fmt, [E.Diagnostic(
            E.DOCUMENT_TOO_LARGE, "",
            f"the manifest's canonical form (marina/v1, defaults filled in) is over {limits.max_canonical_bytes} bytes")])
    # The reference decodes the canonical JSON into its typed model; integers beyond 64 bits fail there.
    if not all(_int_fields_fit(result, path) for path in native.INT_FIELDS):
        return ManifestReport(fmt, [E.Diagnostic(E.INVALID_VALUE, "", "the manifest could not be read: DecodingError.dataCorrupted: Data was corrupted. Debug description: The given data was not valid JSON.")])
    return ManifestReport(fmt, [], native=result, canonical_json=canonical, hash=canonical_hash(result))
