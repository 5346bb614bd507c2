"""Ticket states and the transitions allowed between them (DESIGN.md section 3)."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class EventKind(StrEnum):
    """What an append-only ticket event records."""

    ISSUED = "issued"
    CALLED = "called"
    RECALLED = "recalled"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    RATED = "rated"
    #: a dossier code attached (``detail`` holds the code)
    DOSSIER = "dossier"


#: statuses a ticket may move to from each status; a transferred ticket waits again
#: in its new service, so "transferred" is recorded as an event, not a resting state.
ALLOWED: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.WAITING: frozenset(
        {TicketStatus.CALLED, TicketStatus.CANCELLED, TicketStatus.EXPIRED}
    ),
    TicketStatus.CALLED: frozenset(
        {
            TicketStatus.SERVING,
            TicketStatus.DONE,
            TicketStatus.NO_SHOW,
            TicketStatus.WAITING,  # transfer to another service
            TicketStatus.TRANSFERRED,
        }
    ),
    TicketStatus.SERVING: frozenset(
        {TicketStatus.DONE, TicketStatus.WAITING, TicketStatus.TRANSFERRED}
    ),
    TicketStatus.NO_SHOW: frozenset({TicketStatus.CALLED}),  # recalled within the grace
    TicketStatus.DONE: frozenset(),
    TicketStatus.TRANSFERRED: frozenset(),
    TicketStatus.CANCELLED: frozenset(),
    TicketStatus.EXPIRED: frozenset(),
}

#: statuses in which a ticket occupies a counter
AT_COUNTER = frozenset({TicketStatus.CALLED, TicketStatus.SERVING})


class TransitionError(ValueError):
    """A ticket was asked to move to a state it cannot reach from where it is."""


def check_transition(current: TicketStatus | str, target: TicketStatus | str) -> None:
    """Raise TransitionError unless ``current → target`` is allowed."""
    cur, tgt = TicketStatus(current), TicketStatus(target)
    if tgt not in ALLOWED[cur]:
        raise TransitionError(f"ticket cannot go from {cur} to {tgt}")
