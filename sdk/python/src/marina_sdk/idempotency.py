"""Remembering event ids, so that an event delivered again (delivery is at least once) is not acted
on twice."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Optional


class IdempotencyStore:
    """The ids of events already handled, most recent ``max_entries`` of them; with ``path``, they are
    also appended to that file and read back at start, so they survive a restart of the instance.

    ``begin(id)`` claims an id: it returns False when the id is done, and when another thread is
    handling it right now it waits for that one to finish. ``done(id)`` records success; ``abandon(id)``
    releases the claim after a failure, so that the platform's retry runs the handler again."""

    def __init__(self, max_entries: int = 100_000, path: Optional[str] = None) -> None:
        self.max_entries = max_entries
        self.path = path
        self._done: "OrderedDict[str, None]" = OrderedDict()
        self._running: set = set()
        self._cond = threading.Condition()
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        self._add(line.rstrip("\n"))

    def _add(self, event_id: str) -> None:
        self._done[event_id] = None
        self._done.move_to_end(event_id)
        while len(self._done) > self.max_entries:
            self._done.popitem(last=False)

    def seen(self, event_id: str) -> bool:
        with self._cond:
            return event_id in self._done

    def remember(self, event_id: str) -> None:
        with self._cond:
            self._remember_locked(event_id)

    def _remember_locked(self, event_id: str) -> None:
        if event_id in self._done:
            return
        self._add(event_id)
        if self.path:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(event_id.replace("\n", " ") + "\n")

    def begin(self, event_id: str) -> bool:
        with self._cond:
            while event_id in self._running:
                self._cond.wait()
            if event_id in self._done:
                return False
            self._running.add(event_id)
            return True

    def done(self, event_id: str) -> None:
        with self._cond:
            self._running.discard(event_id)
            self._remember_locked(event_id)
            self._cond.notify_all()

    def abandon(self, event_id: str) -> None:
        with self._cond:
            self._running.discard(event_id)
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._done)
