"""What an officer's action at a counter does to the queue, decided in plain Python.

``decide`` looks at one counter, its current ticket and the tickets waiting for its
services, and returns the steps to take (each becomes an append-only event) or
raises QueueError with a stable reason code. The storage shell loads these views,
applies the steps in one transaction, and publishes the calls after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from queue_server.domain.next_ticket import (
    Candidate,
    appointment_order,
    appointment_turn_allowed,
    call_order,
)
from queue_server.domain.queue_error import QueueError
from queue_server.domain.ticket_status import AT_COUNTER, EventKind, TicketStatus

PRIORITY_MODES = ("strict", "interleave")


@dataclass(frozen=True)
class QueuePolicy:
    """Site-wide rules an admin can set.

    ``strict``: priority citizens always go first. ``interleave``: after
    ``max_priority_in_row`` priority tickets in a row at a counter, the next call is a
    regular ticket if one waits, so regular citizens are never starved.
    """

    priority_mode: str = "strict"
    max_priority_in_row: int = 3
    no_show_grace: timedelta = timedelta(minutes=10)
    rating_window: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class DeskTicket:
    """A ticket as the counter's decision sees it."""

    id: int
    number: str
    service: str
    priority: bool
    transferred: bool
    status: TicketStatus
    queued_at: datetime
    sequence: int
    done_at: datetime | None = None
    rating: int | None = None
    #: the slot's start for a checked-in appointment, None for a walk-in
    appointment_start: datetime | None = None
    #: the field's ``max_share`` of calls for appointments while walk-ins wait
    appointment_max_share: float = 0.5

    def candidate(self) -> Candidate:
        return Candidate(
            self.id,
            self.priority,
            self.transferred,
            self.queued_at,
            self.sequence,
            self.appointment_start,
        )


@dataclass(frozen=True)
class Desk:
    """A counter as the decision sees it."""

    number: str
    services: frozenset[str]
    paused: bool = False
    current: DeskTicket | None = None
    #: how many of the latest calls at this counter in a row were priority tickets
    priority_run: int = 0
    last_no_show: DeskTicket | None = None
    last_done: DeskTicket | None = None
    #: for the counter's latest calls (newest first), whether each was an appointment
    recent_calls: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Step:
    """One change to one ticket; ``announce`` makes a call on the displays."""

    ticket_id: int
    event: EventKind
    status: TicketStatus
    service: str | None = None
    detail: str = ""
    announce: bool = False
    recall: bool = False


@dataclass
class Decision:
    result: str  # "ok" or "empty"
    steps: list[Step] = field(default_factory=list)
    paused: bool = False
    current: int | None = None


def choose_for_counter(
    waiting: Iterable[DeskTicket],
    policy: QueuePolicy,
    priority_run: int,
    now: datetime | None = None,
    recent_calls: Sequence[bool] = (),
) -> DeskTicket | None:
    """The ticket a counter calls next under the site's priority policy.

    With ``now`` given, a due appointment goes first (earliest slot first) unless
    walk-ins wait and appointments already had their share of ``recent_calls``.
    """
    pool = sorted(waiting, key=lambda t: call_order(t.candidate()))
    if not pool:
        return None
    if now is not None:
        due = [t for t in pool if t.candidate().due(now)]
        if due:
            first = min(due, key=lambda t: appointment_order(t.candidate()))
            walk_ins_wait = any(t.appointment_start is None for t in pool)
            if not walk_ins_wait or appointment_turn_allowed(
                recent_calls, first.appointment_max_share
            ):
                return first
    if (
        policy.priority_mode == "interleave"
        and pool[0].priority
        and priority_run >= policy.max_priority_in_row
    ):
        regular = next((t for t in pool if not t.priority), None)
        if regular is not None:
            return regular
    return pool[0]


def _no_current() -> QueueError:
    return QueueError(
        "no_current_ticket", "Quầy chưa gọi số nào", "the counter has no current ticket", 409
    )


def _finish(desk: Desk, steps: list[Step]) -> None:
    if desk.current is not None and desk.current.status in AT_COUNTER:
        steps.append(Step(desk.current.id, EventKind.DONE, TicketStatus.DONE))


def decide(
    action: str,
    desk: Desk,
    waiting: Sequence[DeskTicket],
    policy: QueuePolicy,
    now: datetime,
    *,
    target_service: str | None = None,
    active_services: frozenset[str] = frozenset(),
    served_services: frozenset[str] = frozenset(),
    rating: int | None = None,
) -> Decision:
    """Decide one action. ``waiting`` holds the waiting tickets of the desk's services.

    ``active_services`` are the site's open fields and ``served_services`` those at
    least one counter serves (both only needed for ``transfer``).
    """
    current_id = desk.current.id if desk.current is not None else None
    steps: list[Step] = []
    if action == "next":
        if desk.paused:
            raise QueueError("paused", "Quầy đang tạm dừng", "the counter is paused", 409)
        _finish(desk, steps)
        mine = [
            t for t in waiting if t.service in desk.services and t.status == TicketStatus.WAITING
        ]
        chosen = choose_for_counter(mine, policy, desk.priority_run, now, desk.recent_calls)
        if chosen is None:
            return Decision("empty", steps, desk.paused, None)
        steps.append(Step(chosen.id, EventKind.CALLED, TicketStatus.CALLED, announce=True))
        return Decision("ok", steps, desk.paused, chosen.id)
    if action == "recall":
        if desk.current is not None:
            steps.append(
                Step(
                    desk.current.id,
                    EventKind.RECALLED,
                    desk.current.status,
                    announce=True,
                    recall=True,
                )
            )
            return Decision("ok", steps, desk.paused, current_id)
        missed = desk.last_no_show
        if (
            missed is not None
            and missed.status == TicketStatus.NO_SHOW
            and missed.done_at is not None
            and now - missed.done_at <= policy.no_show_grace
        ):
            steps.append(
                Step(
                    missed.id,
                    EventKind.RECALLED,
                    TicketStatus.CALLED,
                    detail="after no-show",
                    announce=True,
                    recall=True,
                )
            )
            return Decision("ok", steps, desk.paused, missed.id)
        raise _no_current()
    if action == "skip":
        if desk.current is None:
            raise _no_current()
        steps.append(Step(desk.current.id, EventKind.NO_SHOW, TicketStatus.NO_SHOW))
        return Decision("ok", steps, desk.paused, None)
    if action == "complete":
        if desk.current is None:
            raise _no_current()
        _finish(desk, steps)
        return Decision("ok", steps, desk.paused, None)
    if action == "transfer":
        if desk.current is None:
            raise _no_current()
        if target_service is None or target_service not in active_services:
            raise QueueError("unknown_service", "Không có lĩnh vực này", "no such service", 404)
        if target_service == desk.current.service:
            raise QueueError(
                "same_service",
                "Phiếu đã thuộc lĩnh vực này",
                "the ticket is already in that service",
                409,
            )
        if target_service not in served_services:
            raise QueueError(
                "not_served",
                "Không có quầy nào phục vụ lĩnh vực này",
                "no counter serves that service",
                409,
            )
        steps.append(
            Step(
                desk.current.id,
                EventKind.TRANSFERRED,
                TicketStatus.WAITING,
                service=target_service,
                detail=f"{desk.current.service}->{target_service}",
            )
        )
        return Decision("ok", steps, desk.paused, None)
    if action == "pause":
        return Decision("ok", steps, True, current_id)
    if action == "resume":
        return Decision("ok", steps, False, current_id)
    if action == "rate":
        done = desk.last_done
        if (
            rating is None
            or done is None
            or done.rating is not None
            or done.done_at is None
            or now - done.done_at > policy.rating_window
        ):
            raise QueueError(
                "nothing_to_rate",
                "Không có lượt phục vụ để đánh giá",
                "no completed ticket to rate",
                409,
            )
        steps.append(Step(done.id, EventKind.RATED, TicketStatus.DONE, detail=str(rating)))
        return Decision("ok", steps, desk.paused, current_id)
    raise QueueError(
        "unknown_action", f"Không có thao tác {action!r}", f"unknown action {action!r}", 400
    )


def apply_to(ticket: DeskTicket, step: Step, now: datetime) -> DeskTicket:
    """The ticket after a step (used by in-memory halls: simulations and tests)."""
    changes: dict = {"status": step.status}
    if step.service is not None:
        changes.update(service=step.service, transferred=True)
    if step.status in (TicketStatus.DONE, TicketStatus.NO_SHOW) and step.event != EventKind.RATED:
        changes["done_at"] = now
    if step.event == EventKind.RATED:
        changes["rating"] = int(step.detail)
    return replace(ticket, **changes)
