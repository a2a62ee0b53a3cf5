"""Bounds applied to every manifest so that hostile input ends in a clear error in bounded time
(DocumentLimits.swift)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = 1 << 20
    max_depth: int = 64
    max_nodes: int = 100_000
    #: Most bytes of text (UTF-8 of every string value and key) a YAML document may expand to, an
    #: alias counting its anchored value's text each time it is used; twice ``max_bytes`` unless given.
    max_text_bytes: Optional[int] = field(default=None)
    #: Largest canonical JSON of a manifest's marina/v1 form; four times ``max_bytes`` unless given.
    max_canonical_bytes: Optional[int] = field(default=None)

    def __post_init__(self) -> None:
        if self.max_text_bytes is None:
            object.__setattr__(self, "max_text_bytes", 2 * self.max_bytes)
        if self.max_canonical_bytes is None:
            object.__setattr__(self, "max_canonical_bytes", 4 * self.max_bytes)


DEFAULT_LIMITS = DocumentLimits()
