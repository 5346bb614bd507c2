"""Choosing the field a ticket is transferred to, with one button and no screen.

Each tap moves to the next field the ticket could go to (never its own field),
round the list and back; a hold sends the transfer to the field chosen; a pause
longer than ``timeout_s`` forgets the choice, so a stray tap hours later cannot
be confirmed by accident. Each field keeps one fixed position in the list, the
number of blinks the station shows for it, whatever the current ticket's field is.
Pure logic with an injected clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TransferChoice:
    """The field chosen for ``ticket``; ``position`` is 1-based in the target list."""

    ticket: str
    service: str
    position: int


class TransferPicker:
    """One pending choice at a time, for one ticket."""

    def __init__(self, timeout_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout_s = timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._choice: TransferChoice | None = None
        self._until = 0.0

    def advance(
        self, targets: Sequence[str], ticket: str, current_service: str | None
    ) -> TransferChoice | None:
        """The next field for ``ticket`` (the first one on a fresh start); None if none."""
        candidates = [code for code in targets if code != current_service]
        with self._lock:
            if not candidates:
                self._choice = None
                return None
            previous = self._pending()
            index = 0
            if (
                previous is not None
                and previous.ticket == ticket
                and previous.service in candidates
            ):
                index = (candidates.index(previous.service) + 1) % len(candidates)
            service = candidates[index]
            self._choice = TransferChoice(ticket, service, list(targets).index(service) + 1)
            self._until = self._clock() + self.timeout_s
            return self._choice

    def chosen(self, ticket: str | None) -> TransferChoice | None:
        """The choice still pending for ``ticket`` (None after the timeout)."""
        with self._lock:
            choice = self._pending()
            return choice if choice is not None and choice.ticket == ticket else None

    def pending(self) -> TransferChoice | None:
        with self._lock:
            return self._pending()

    def cancel(self) -> TransferChoice | None:
        """Forget the choice; returns what was pending."""
        with self._lock:
            choice, self._choice = self._pending(), None
            return choice

    def _pending(self) -> TransferChoice | None:
        if self._choice is not None and self._clock() >= self._until:
            self._choice = None
        return self._choice
