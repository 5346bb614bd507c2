"""Which waiting ticket a counter calls next (DESIGN.md section 3).

Priority citizens first, then tickets transferred in from another service (they have
already waited once), then by issue time; ties broken by number so the order is total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    """What the choice needs to know about one waiting ticket."""

    ticket_id: int
    priority: bool
    transferred: bool
    queued_at: datetime
    sequence: int


def call_order(c: Candidate) -> tuple:
    """Sort key: smaller is called first."""
    return (not c.priority, not c.transferred, c.queued_at, c.sequence, c.ticket_id)


def choose_next(candidates: Iterable[Candidate]) -> Candidate | None:
    """The candidate to call next, or None when nobody waits."""
    return min(candidates, key=call_order, default=None)


def people_ahead(me: Candidate, waiting: Iterable[Candidate]) -> int:
    """How many of ``waiting`` (same service) will be called before ``me``."""
    mine = call_order(me)
    return sum(1 for c in waiting if c.ticket_id != me.ticket_id and call_order(c) < mine)
