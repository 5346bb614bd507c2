"""Which waiting ticket a counter calls next (DESIGN.md section 3).

Priority citizens first, then tickets transferred in from another service (they have
already waited once), then by issue time; ties broken by number so the order is total.
A checked-in appointment whose slot has begun (``due``) goes before all of these, as
long as appointments do not take more than their share of the counter's calls
(``appointment_turn_allowed``); otherwise it waits in the walk-in order by its
check-in time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    #: the booked slot's start for a checked-in appointment, None for a walk-in
    appointment_start: datetime | None = None

    def due(self, now: datetime) -> bool:
        """An appointment ticket whose slot has begun."""
        return self.appointment_start is not None and self.appointment_start <= now


def call_order(c: Candidate) -> tuple:
    """Sort key: smaller is called first."""
    return (not c.priority, not c.transferred, c.queued_at, c.sequence, c.ticket_id)


def appointment_order(c: Candidate) -> tuple:
    """Sort key among due appointments: the earliest slot first, then the walk-in order."""
    return (c.appointment_start, *call_order(c))


def appointment_turn_allowed(recent_calls: Sequence[bool], max_share: float) -> bool:
    """Whether a counter may call a due appointment ahead of waiting walk-ins.

    ``recent_calls`` tells, for the counter's latest calls, which went to appointments.
    The appointment goes first while their share of those calls is below ``max_share``
    (1 or more: always; 0: never, appointments then wait like walk-ins).
    """
    if max_share >= 1:
        return True
    share = sum(recent_calls) / len(recent_calls) if recent_calls else 0.0
    return share < max_share


def choose_next(candidates: Iterable[Candidate]) -> Candidate | None:
    """The candidate to call next, or None when nobody waits."""
    return min(candidates, key=call_order, default=None)


def people_ahead(me: Candidate, waiting: Iterable[Candidate]) -> int:
    """How many of ``waiting`` (same service) will be called before ``me``."""
    mine = call_order(me)
    return sum(1 for c in waiting if c.ticket_id != me.ticket_id and call_order(c) < mine)
