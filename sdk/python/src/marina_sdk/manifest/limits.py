"""Bounds applied to every manifest so that hostile input ends in a clear error in bounded time."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = 1 << 20
    max_depth: int = 64
    max_nodes: int = 100_000


DEFAULT_LIMITS = DocumentLimits()
