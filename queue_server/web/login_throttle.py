"""Slowing down password guessing: too many failed logins for one name from one address.

Kept in memory (one server process serves the hall); a lock makes it safe for waitress'
worker threads. Time is passed in, so tests drive it without sleeping.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

MAX_FAILURES = 5
WINDOW_S = 300.0


@dataclass
class LoginThrottle:
    max_failures: int = MAX_FAILURES
    window_s: float = WINDOW_S
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def key(username: str, address: str | None) -> tuple[str, str]:
        return (username.strip().lower(), address or "?")

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, key: tuple[str, str], now: float) -> float:
        """Seconds until another attempt is allowed; 0 when one is allowed now."""
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self.max_failures:
                return 0.0
            return max(0.0, times[-self.max_failures] + self.window_s - now)

    def failed(self, key: tuple[str, str], now: float) -> None:
        with self._lock:
            self._recent(key, now)
            self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > 10_000:  # a flood of names must not eat the memory
                oldest = min(self._failures, key=lambda k: self._failures[k][-1])
                del self._failures[oldest]

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)
