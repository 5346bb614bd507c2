"""Officer actions at a counter (next, recall, skip, complete, transfer, pause, resume, rate).

``apply_command`` runs one command in one transaction and returns what must be
published once it has committed. A command id is applied at most once: a repeat is
answered with the state and result the first delivery got, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from protocol import Call, Command, CounterState
from queue_server.domain.next_ticket import choose_next
from queue_server.domain.queue_error import QueueError
from queue_server.domain.ticket_status import AT_COUNTER, EventKind, TicketStatus
from queue_server.hall import Hall
from queue_server.queue_views import candidate, counter_state, waiting_tickets
from queue_server.storage.tables import AppliedCommand, Counter, Service, Ticket, TicketEvent

#: how long after a rating keypad is enabled a rating still counts
RATING_WINDOW = timedelta(minutes=5)


@dataclass
class Outcome:
    """What to publish after the command's transaction has committed."""

    counter: str
    state: CounterState | None
    calls: list[Call] = field(default_factory=list)
    changed: bool = False


def apply_command(
    hall: Hall, counter_number: str, command: Command, officer_id: int | None = None
) -> Outcome:
    try:
        return _apply(hall, counter_number, command, officer_id)
    except IntegrityError:
        # the same id committed by a concurrent delivery: answer like a repeat
        return _apply(hall, counter_number, command, officer_id)


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
                else None
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
        calls: list[Call] = []
        try:
            with session.begin_nested():  # nothing of a rejected command is kept …
                result = _ACTIONS[command.action](
                    hall, session, counter, command, officer_id, calls
                )
            reason = None
        except QueueError as exc:
            result, reason, calls = "rejected", exc.code, []
        session.add(_applied(hall, command, counter_number, result, reason))  # … but its id
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


def _current(session: Session, counter: Counter) -> Ticket | None:
    if counter.current_ticket_id is None:
        return None
    ticket = session.get(Ticket, counter.current_ticket_id)
    return ticket if ticket is not None and ticket.status in AT_COUNTER else None


def _event(
    hall: Hall,
    session: Session,
    ticket: Ticket,
    kind: EventKind,
    counter: Counter,
    officer_id: int | None,
    detail: str = "",
) -> TicketEvent:
    ev = TicketEvent(
        ticket_id=ticket.id,
        kind=kind,
        at=hall.now(),
        counter_id=counter.id,
        officer_id=officer_id,
        detail=detail,
    )
    session.add(ev)
    session.flush()
    return ev


def _call_message(
    session: Session, ev: TicketEvent, ticket: Ticket, counter: Counter, recall: bool
) -> Call:
    return Call(
        seq=ev.id,
        ticket=ticket.number,
        counter=counter.number,
        service=session.get(Service, ticket.service_id).code,
        recall=recall,
        ts=ev.at,
    )


def _finish_current(hall: Hall, session: Session, counter: Counter, officer_id: int | None) -> bool:
    ticket = _current(session, counter)
    if ticket is None:
        return False
    ticket.status = TicketStatus.DONE
    ticket.done_at = hall.now()
    _event(hall, session, ticket, EventKind.DONE, counter, officer_id)
    counter.current_ticket_id = None
    return True


def _no_current() -> QueueError:
    return QueueError(
        "no_current_ticket", "Quầy chưa gọi số nào", "the counter has no current ticket", 409
    )


def _next(hall, session, counter, command, officer_id, calls) -> str:
    if counter.paused:
        raise QueueError("paused", "Quầy đang tạm dừng", "the counter is paused", 409)
    _finish_current(hall, session, counter, officer_id)
    service_ids = [s.id for s in counter.services]
    for _ in range(5):
        pool = waiting_tickets(session, service_ids)
        chosen = choose_next(candidate(t) for t in pool)
        if chosen is None:
            return "empty"
        now = hall.now()
        claimed = session.execute(
            update(Ticket)
            .where(Ticket.id == chosen.ticket_id, Ticket.status == TicketStatus.WAITING)
            .values(
                status=TicketStatus.CALLED,
                called_at=now,
                counter_id=counter.id,
                officer_id=officer_id,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed == 1:
            ticket = session.get(Ticket, chosen.ticket_id)
            session.refresh(ticket)
            counter.current_ticket_id = ticket.id
            ev = _event(hall, session, ticket, EventKind.CALLED, counter, officer_id)
            calls.append(_call_message(session, ev, ticket, counter, recall=False))
            return "ok"
        session.expire_all()  # another counter took it first: look again
    raise QueueError("busy", "Hệ thống bận, vui lòng thử lại", "busy, try again", 503)


def _recall(hall, session, counter, command, officer_id, calls) -> str:
    ticket = _current(session, counter)
    if ticket is None:
        raise _no_current()
    ev = _event(hall, session, ticket, EventKind.RECALLED, counter, officer_id)
    calls.append(_call_message(session, ev, ticket, counter, recall=True))
    return "ok"


def _skip(hall, session, counter, command, officer_id, calls) -> str:
    ticket = _current(session, counter)
    if ticket is None:
        raise _no_current()
    ticket.status = TicketStatus.NO_SHOW
    ticket.done_at = hall.now()
    _event(hall, session, ticket, EventKind.NO_SHOW, counter, officer_id)
    counter.current_ticket_id = None
    return "ok"


def _complete(hall, session, counter, command, officer_id, calls) -> str:
    if not _finish_current(hall, session, counter, officer_id):
        raise _no_current()
    return "ok"


def _transfer(hall, session, counter, command, officer_id, calls) -> str:
    ticket = _current(session, counter)
    if ticket is None:
        raise _no_current()
    target = session.scalar(
        select(Service).where(
            Service.site_id == counter.site_id,
            Service.code == command.service,
            Service.active.is_(True),
        )
    )
    if target is None:
        raise QueueError("unknown_service", "Không có lĩnh vực này", "no such service", 404)
    if target.id == ticket.service_id:
        raise QueueError(
            "same_service",
            "Phiếu đã thuộc lĩnh vực này",
            "the ticket is already in that service",
            409,
        )
    source = session.get(Service, ticket.service_id)
    ticket.status = TicketStatus.WAITING
    ticket.service_id = target.id
    ticket.transferred = True
    ticket.counter_id = None
    ticket.called_at = None
    _event(
        hall,
        session,
        ticket,
        EventKind.TRANSFERRED,
        counter,
        officer_id,
        detail=f"{source.code}->{target.code}",
    )
    counter.current_ticket_id = None
    return "ok"


def _pause(hall, session, counter, command, officer_id, calls) -> str:
    counter.paused = True
    return "ok"


def _resume(hall, session, counter, command, officer_id, calls) -> str:
    counter.paused = False
    return "ok"


def _rate(hall, session, counter, command, officer_id, calls) -> str:
    ticket = session.scalar(
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.status == TicketStatus.DONE)
        .order_by(Ticket.done_at.desc())
        .limit(1)
    )
    if ticket is None or ticket.rating is not None or hall.now() - ticket.done_at > RATING_WINDOW:
        raise QueueError(
            "nothing_to_rate",
            "Không có lượt phục vụ để đánh giá",
            "no completed ticket to rate",
            409,
        )
    ticket.rating = command.rating
    _event(hall, session, ticket, EventKind.RATED, counter, officer_id, detail=str(command.rating))
    return "ok"


_ACTIONS = {
    "next": _next,
    "recall": _recall,
    "skip": _skip,
    "complete": _complete,
    "transfer": _transfer,
    "pause": _pause,
    "resume": _resume,
    "rate": _rate,
}


def expire_stale_tickets(hall: Hall) -> int:
    """Tickets still waiting from an earlier local day become ``expired`` (day rollover)."""
    with hall.transaction() as session:
        site = hall.site(session)
        today = hall.local_day(site)
        stale = list(
            session.scalars(
                select(Ticket).where(
                    Ticket.site_id == site.id,
                    Ticket.status == TicketStatus.WAITING,
                    Ticket.service_day < today,
                )
            )
        )
        for ticket in stale:
            ticket.status = TicketStatus.EXPIRED
            session.add(TicketEvent(ticket_id=ticket.id, kind=EventKind.EXPIRED, at=hall.now()))
        return len(stale)
