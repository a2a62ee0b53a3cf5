"""Semantic Versioning 2.0.0: no leading zeros, no ``v``; pre-release and build metadata allowed."""
from __future__ import annotations

import functools
import re
from typing import Optional, Tuple

_IDENT = re.compile(r"[0-9A-Za-z-]+")
_DIGITS = re.compile(r"[0-9]+")
_U64_MAX = (1 << 64) - 1


def _u64(text: str) -> Optional[int]:
    if not _DIGITS.fullmatch(text):
        return None
    n = int(text)
    return n if n <= _U64_MAX else None


@functools.total_ordering
class SemanticVersion:
    __slots__ = ("major", "minor", "patch", "prerelease", "build")

    def __init__(self, major: int, minor: int, patch: int, prerelease: Tuple[str, ...] = (), build: Tuple[str, ...] = ()):
        self.major, self.minor, self.patch = major, minor, patch
        self.prerelease, self.build = tuple(prerelease), tuple(build)

    @classmethod
    def parse(cls, text: str) -> Optional["SemanticVersion"]:
        if len(text.encode("utf-8")) > 256:
            return None
        rest = text
        build: Tuple[str, ...] = ()
        if "+" in rest:
            rest, _, tail = rest.partition("+")
            build = tuple(tail.split("."))
            if not all(_IDENT.fullmatch(b) for b in build):
                return None
        prerelease: Tuple[str, ...] = ()
        if "-" in rest:
            rest, _, tail = rest.partition("-")
            prerelease = tuple(tail.split("."))
            for ident in prerelease:
                if not _IDENT.fullmatch(ident):
                    return None
                if len(ident) > 1 and ident[0] == "0" and _DIGITS.fullmatch(ident):
                    return None
        core = rest.split(".")
        if len(core) != 3:
            return None
        numbers = []
        for part in core:
            if not _DIGITS.fullmatch(part) or (len(part) > 1 and part[0] == "0"):
                return None
            n = _u64(part)
            if n is None:
                return None
            numbers.append(n)
        return cls(numbers[0], numbers[1], numbers[2], prerelease, build)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __repr__(self) -> str:
        return f"SemanticVersion({str(self)!r})"

    def __lt__(self, other: "SemanticVersion") -> bool:
        a, b = self, other
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch):
            return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        if not a.prerelease:
            return False
        if not b.prerelease:
            return True
        for x, y in zip(a.prerelease, b.prerelease):
            if x == y:
                continue
            nx, ny = _u64(x), _u64(y)
            if nx is not None and ny is not None:
                return nx < ny
            if nx is not None:
                return True
            if ny is not None:
                return False
            return x < y
        return len(a.prerelease) < len(b.prerelease)

    def __eq__(self, other: object) -> bool:
        """Same precedence (build metadata does not count)."""
        if not isinstance(other, SemanticVersion):
            return NotImplemented
        return not (self < other) and not (other < self)

    def __hash__(self) -> int:
        return hash((self.major, self.minor, self.patch, self.prerelease))
