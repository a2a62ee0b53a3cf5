"""Where each field of a converted manifest came from, so that a rule broken in the native form is
reported at the field the author wrote."""
from __future__ import annotations

from typing import List, Tuple

from . import pointer as jp


class Provenance:
    def __init__(self) -> None:
        self.pairs: List[Tuple[jp.Pointer, jp.Pointer]] = []

    def map(self, native: jp.Pointer, source: jp.Pointer) -> None:
        self.pairs.append((tuple(native), tuple(source)))

    def source(self, native: jp.Pointer) -> jp.Pointer:
        """The source pointer of the longest mapped prefix (the first one mapped, on a tie), extended by
        the rest of the path."""
        best = None
        for pair in self.pairs:
            if jp.has_prefix(native, pair[0]) and (best is None or len(pair[0]) > len(best[0])):
                best = pair
        if best is None:
            return native
        return best[1] + native[len(best[0]):]
