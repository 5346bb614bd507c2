"""A tiny thread-safe cache whose entries expire after a few seconds.

Hot paths (issuing tickets, authenticating kiosks) read rows that change rarely —
the site, a service's settings, a device token, the recent mean service time.
Keeping them for a few seconds saves several queries per ticket; admin changes are
seen after at most the entry's lifetime, or at once after ``clear()``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class TtlCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, ttl: float, load: Callable[[], T]) -> T:
        """The cached value of ``key``, or ``load()`` when absent or older than ``ttl``."""
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]  # type: ignore[return-value]
        value = load()
        with self._lock:
            self._entries[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
