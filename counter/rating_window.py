"""When the citizen's rating keypad counts: after a completion, for a while, once.

A keypad that always listened would collect presses from children and passers-by and
pin them on whoever was served last. It listens only from the moment this counter
completes a ticket, for ``window_s`` seconds, and takes the first key pressed; the
server applies the same rule again (one rating per ticket, within five minutes).
Pure logic with an injected clock; the station lights the LEDs and sends the command.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RatingWindow:
    """The ticket that may be rated now, if any."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._ticket: str | None = None
        self._until = 0.0
        self._rated = False

    def open(self, ticket: str) -> None:
        """``ticket`` was just completed here: its citizen may rate it from now on."""
        with self._lock:
            self._ticket = ticket
            self._until = self._clock() + self.window_s
            self._rated = False

    def close(self) -> None:
        with self._lock:
            self._ticket = None

    @property
    def ticket(self) -> str | None:
        """The ticket a key press would rate now (None when the keypad is off)."""
        with self._lock:
            return self._ticket if self._is_open() else None

    def remaining_s(self) -> float:
        with self._lock:
            return max(0.0, self._until - self._clock()) if self._is_open() else 0.0

    def take(self) -> str | None:
        """The first press wins: the ticket to rate, and the keypad is off after it."""
        with self._lock:
            if not self._is_open():
                return None
            self._rated = True
            return self._ticket

    def give_back(self, ticket: str) -> None:
        """A taken rating could not be sent (link down): the citizen may press again."""
        with self._lock:
            if self._ticket == ticket:
                self._rated = False

    def _is_open(self) -> bool:
        return self._ticket is not None and not self._rated and self._clock() < self._until
