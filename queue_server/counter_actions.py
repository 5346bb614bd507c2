"""Officer actions at a counter, applied to the database (the shell around counter_desk).

``apply_command`` runs one command in one transaction and returns what must be
published once it has committed. A command id is applied at most once: a repeat is
answered with the state and result the first delivery got, and changes nothing.
Two counters pressing "next" at the same instant never get the same ticket: a
ticket is claimed with a conditional UPDATE (``… WHERE status = 'waiting'``), and a
counter that loses the race decides again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from protocol import Call, Command, CounterState
from queue_server.domain.appointment_slots import DEFAULT_MAX_SHARE
from queue_server.domain.counter_desk import Decision, Desk, DeskTicket, QueuePolicy, decide
from queue_server.domain.queue_error import QueueError
from queue_server.domain.ticket_status import AT_COUNTER, EventKind, TicketStatus
from queue_server.event_feed import record_kind
from queue_server.hall import Hall
from queue_server.queue_views import counter_state
from queue_server.storage.tables import (
    AppliedCommand,
    Counter,
    CounterService,
    Service,
    Site,
    Ticket,
    TicketEvent,
)

CLAIM_ATTEMPTS = 8


@dataclass
class Outcome:
    """What to publish after the command's transaction has committed."""

    counter: str
    state: CounterState | None
    calls: list[Call] = field(default_factory=list)
    changed: bool = False


class _LostRace(Exception):
    """Another counter claimed the chosen ticket first."""


def policy_of(site: Site) -> QueuePolicy:
    return QueuePolicy(
        priority_mode=site.priority_mode,
        max_priority_in_row=site.max_priority_in_row,
        no_show_grace=timedelta(minutes=site.no_show_grace_min),
    )


def apply_command(
    hall: Hall, counter_number: str, command: Command, officer_id: int | None = None
) -> Outcome:
    for _ in range(CLAIM_ATTEMPTS):
        try:
            return _apply(hall, counter_number, command, officer_id)
        except _LostRace:
            continue
        except IntegrityError:
            # the same id committed by a concurrent delivery: answer like a repeat
            continue
    raise QueueError("busy", "Hệ thống bận, vui lòng thử lại", "busy, try again", 503)


def _apply(hall: Hall, counter_number: str, command: Command, officer_id: int | None) -> Outcome:
    with hall.transaction() as session:
        site = hall.site(session)
        previous = session.get(AppliedCommand, command.id)
        counter = session.scalar(
            select(Counter)
            .where(Counter.site_id == site.id, Counter.number == counter_number)
            .with_for_update()
        )
        if previous is not None:
            state = (
                counter_state(
                    session,
                    counter,
                    last_cmd=command.id,
                    result=previous.result,
                    reason=previous.reason,
                )
                if counter
                else CounterState(
                    counter=counter_number,
                    last_cmd=command.id,
                    result=previous.result,
                    reason=previous.reason,
                )
            )
            return Outcome(counter_number, state)
        if counter is None:
            session.add(_applied(hall, command, counter_number, "rejected", "unknown_counter"))
            return Outcome(
                counter_number,
                CounterState(
                    counter=counter_number,
                    last_cmd=command.id,
                    result="rejected",
                    reason="unknown_counter",
                ),
            )
        if officer_id is None:
            officer_id = counter.officer_id  # a button press is the seated officer's
        now = hall.now()
        calls: list[Call] = []
        try:
            decision = _decide(session, site, counter, command, now)
            with session.begin_nested():
                calls = _carry_out(hall, session, counter, decision, now, officer_id)
            result, reason = decision.result, None
        except QueueError as exc:
            result, reason, calls = "rejected", exc.code, []
        session.add(_applied(hall, command, counter_number, result, reason))
        session.flush()
        state = counter_state(session, counter, last_cmd=command.id, result=result, reason=reason)
        return Outcome(counter_number, state, calls, changed=result != "rejected")


def _applied(hall: Hall, command: Command, counter: str, result: str, reason: str | None):
    return AppliedCommand(
        id=command.id,
        counter_number=counter,
        action=command.action,
        result=result,
        reason=reason,
        at=hall.now(),
    )


def _desk_ticket(ticket: Ticket, code: str, max_share: float = DEFAULT_MAX_SHARE) -> DeskTicket:
    return DeskTicket(
        id=ticket.id,
        number=ticket.number,
        service=code,
        priority=ticket.priority,
        transferred=ticket.transferred,
        status=TicketStatus(ticket.status),
        queued_at=ticket.issued_at,
        sequence=ticket.sequence,
        done_at=ticket.done_at,
        rating=ticket.rating,
        appointment_start=ticket.appointment_start,
        appointment_max_share=max_share,
    )


def _service_codes(session: Session, site: Site) -> dict[int, str]:
    rows = session.execute(select(Service.id, Service.code).where(Service.site_id == site.id))
    return {sid: code for sid, code in rows}


def _latest_at_counter(session: Session, counter: Counter, status: str) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.status == status)
        .order_by(Ticket.done_at.desc())
        .limit(1)
    )


def _priority_run(session: Session, counter: Counter, limit: int) -> int:
    """How many of this counter's latest calls in a row were priority tickets."""
    rows = session.execute(
        select(Ticket.priority)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.counter_id == counter.id, TicketEvent.kind == EventKind.CALLED)
        .order_by(TicketEvent.id.desc())
        .limit(limit + 1)
    )
    run = 0
    for (priority,) in rows:
        if not priority:
            break
        run += 1
    return run


def _decide(
    session: Session, site: Site, counter: Counter, command: Command, now: datetime
) -> Decision:
    codes = _service_codes(session, site)
    policy = policy_of(site)
    current_row = (
        session.get(Ticket, counter.current_ticket_id) if counter.current_ticket_id else None
    )
    if current_row is not None and current_row.status not in AT_COUNTER:
        current_row = None
    served = [s.id for s in counter.services]
    desk = Desk(
        number=counter.number,
        services=frozenset(codes[i] for i in served),
        paused=counter.paused,
        current=_desk_ticket(current_row, codes[current_row.service_id]) if current_row else None,
    )
    waiting: list[DeskTicket] = []
    extra: dict = {}
    if command.action == "next":
        shares = {
            s.id: s.appointment_max_share if s.appointment_max_share is not None
            else DEFAULT_MAX_SHARE
            for s in counter.services
            if s.appointment_slot_min is not None
        }
        rows = _front_of_queue(session, served, now if shares else None)
        waiting = [
            _desk_ticket(t, codes[t.service_id], shares.get(t.service_id, DEFAULT_MAX_SHARE))
            for t in rows
        ]
        if shares:
            desk = _with(desk, recent_calls=_recent_calls(session, counter))
        if policy.priority_mode == "interleave":
            desk = _with(
                desk, priority_run=_priority_run(session, counter, policy.max_priority_in_row)
            )
    elif command.action == "recall" and desk.current is None:
        missed = _latest_at_counter(session, counter, TicketStatus.NO_SHOW)
        if missed is not None:
            desk = _with(desk, last_no_show=_desk_ticket(missed, codes[missed.service_id]))
    elif command.action == "rate":
        done = _latest_at_counter(session, counter, TicketStatus.DONE)
        if done is not None:
            desk = _with(desk, last_done=_desk_ticket(done, codes[done.service_id]))
        extra["rating"] = command.rating
    elif command.action == "transfer":
        active = session.scalars(
            select(Service.code).where(Service.site_id == site.id, Service.active.is_(True))
        )
        served_anywhere = session.scalars(
            select(Service.code)
            .join(CounterService, CounterService.service_id == Service.id)
            .where(Service.site_id == site.id)
        )
        extra.update(
            target_service=command.service,
            active_services=frozenset(active),
            served_services=frozenset(served_anywhere),
        )
    return decide(command.action, desk, waiting, policy, now, **extra)


#: how many of a counter's latest calls ``max_share`` looks at
APPOINTMENT_SHARE_CALLS = 10


def _recent_calls(session: Session, counter: Counter) -> tuple[bool, ...]:
    """For the counter's latest calls, newest first: was each an appointment ticket?"""
    rows = session.execute(
        select(Ticket.appointment_start)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.counter_id == counter.id, TicketEvent.kind == EventKind.CALLED)
        .order_by(TicketEvent.id.desc())
        .limit(APPOINTMENT_SHARE_CALLS)
    )
    return tuple(start is not None for (start,) in rows)


def _front_of_queue(
    session: Session, service_ids: list[int], now: datetime | None = None
) -> list[Ticket]:
    """The first waiting priority ticket and the first regular one, in call order.

    ``choose_for_counter`` only ever picks the best ticket overall or the best regular
    one, so these two decide exactly as the whole queue would, without loading it.
    With ``now`` (a counter serving fields with appointments) also the first due
    appointment (earliest slot) and one walk-in, which is all the appointment rule
    looks at.
    """
    if not service_ids:
        return []
    front = []
    if now is not None:
        waiting = (Ticket.status == TicketStatus.WAITING, Ticket.service_id.in_(service_ids))
        due = session.scalar(
            select(Ticket)
            .where(*waiting, Ticket.appointment_start <= now)
            .order_by(
                Ticket.appointment_start, Ticket.priority.desc(), Ticket.transferred.desc(),
                Ticket.issued_at, Ticket.sequence, Ticket.id,
            )
            .limit(1)
        )
        walk_in = session.scalar(
            select(Ticket).where(*waiting, Ticket.appointment_start.is_(None)).limit(1)
        )
        front += [t for t in (due, walk_in) if t is not None]
    for priority in (True, False):
        ticket = session.scalar(
            select(Ticket)
            .where(
                Ticket.status == TicketStatus.WAITING,
                Ticket.service_id.in_(service_ids),
                Ticket.priority.is_(priority),
            )
            .order_by(Ticket.transferred.desc(), Ticket.issued_at, Ticket.sequence, Ticket.id)
            .limit(1)
        )
        if ticket is not None and ticket not in front:
            front.append(ticket)
    return front


def _with(desk: Desk, **changes) -> Desk:
    return replace(desk, **changes)


def _carry_out(
    hall: Hall,
    session: Session,
    counter: Counter,
    decision: Decision,
    now: datetime,
    officer_id: int | None,
) -> list[Call]:
    """Write the decision's steps; returns the call messages to publish after commit."""
    calls: list[Call] = []
    codes = _service_codes(session, session.get(Site, counter.site_id))
    ids_by_code = {code: sid for sid, code in codes.items()}
    for step in decision.steps:
        if step.event == EventKind.CALLED:
            claimed = session.execute(
                update(Ticket)
                .where(Ticket.id == step.ticket_id, Ticket.status == TicketStatus.WAITING)
                .values(
                    status=TicketStatus.CALLED,
                    called_at=now,
                    counter_id=counter.id,
                    officer_id=officer_id,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise _LostRace()
            ticket = session.get(Ticket, step.ticket_id)
            session.refresh(ticket)
        else:
            ticket = session.get(Ticket, step.ticket_id)
            ticket.status = step.status
            if step.event in (EventKind.DONE, EventKind.NO_SHOW):
                ticket.done_at = now
            elif step.event == EventKind.RECALLED and step.detail:  # a no-show called back
                ticket.done_at = None
                ticket.counter_id = counter.id
            elif step.event == EventKind.TRANSFERRED:
                ticket.service_id = ids_by_code[step.service]
                ticket.transferred = True
                ticket.counter_id = None
            elif step.event == EventKind.RATED:
                ticket.rating = int(step.detail)
        event = TicketEvent(
            ticket_id=ticket.id,
            kind=step.event,
            at=now,
            counter_id=counter.id,
            officer_id=officer_id,
            detail=step.detail,
        )
        session.add(event)
        session.flush()
        record_kind(hall, session, step.event, ticket)
        if step.announce:
            calls.append(
                Call(
                    seq=event.id,
                    ticket=ticket.number,
                    counter=counter.number,
                    service=codes[ticket.service_id],
                    recall=step.recall,
                    ts=now,
                )
            )
    counter.paused = decision.paused
    counter.current_ticket_id = decision.current
    return calls


def expire_stale_tickets(hall: Hall) -> int:
    """Tickets still waiting from an earlier local day become ``expired`` (day rollover)."""
    with hall.transaction() as session:
        site = hall.site(session)
        today = hall.local_day(site)
        stale = list(
            session.scalars(
                select(Ticket).where(
                    Ticket.site_id == site.id,
                    Ticket.status.in_([TicketStatus.WAITING]),
                    Ticket.service_day < today,
                )
            )
        )
        for ticket in stale:
            ticket.status = TicketStatus.EXPIRED
            session.add(TicketEvent(ticket_id=ticket.id, kind=EventKind.EXPIRED, at=hall.now()))
            record_kind(hall, session, EventKind.EXPIRED, ticket)
        return len(stale)
