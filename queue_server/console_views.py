"""Read models of the officer console: the counters to choose from, and one counter's desk.

The desk is what an officer needs at a glance: the ticket at the counter now, whether
the counter is paused, who waits for its fields (in the order "next" calls them in the
strict priority mode) and the day's history at this counter. The history is rebuilt
from the append-only events, so a ticket transferred away still shows as served here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.counter_staffing import find_counter
from queue_server.domain.next_ticket import call_order
from queue_server.domain.ticket_status import AT_COUNTER, EventKind, TicketStatus
from queue_server.hall import Hall
from queue_server.queue_views import candidate, last_seq, waiting_tickets
from queue_server.storage.tables import Counter, CounterService, Service, Ticket, TicketEvent, User
from queue_server.ticket_dossiers import codes_of, codes_of_many

#: how many waiting tickets the desk lists (the total is always given)
WAITING_SHOWN = 50
#: events that end a ticket's visit to a counter
_ENDINGS = frozenset({EventKind.DONE, EventKind.NO_SHOW, EventKind.TRANSFERRED})


@dataclass(frozen=True)
class FieldRef:
    code: str
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class CounterChoice:
    """A counter on the chooser: its fields and who sits there."""

    number: str
    fields: tuple[FieldRef, ...]
    officer_id: int | None
    officer: str | None
    paused: bool


@dataclass(frozen=True)
class CurrentTicket:
    public_id: str
    number: str
    field: FieldRef
    status: str
    priority: bool
    transferred: bool
    issued_at: datetime
    called_at: datetime | None
    waited_s: int
    #: dossier codes on the ticket (scanned at the kiosk or attached here)
    dossier_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class WaitingTicket:
    number: str
    field: str
    priority: bool
    transferred: bool
    #: the field a transferred ticket came from
    from_field: str | None
    issued_at: datetime
    waited_s: int


@dataclass(frozen=True)
class Visit:
    """One ticket's turn at this counter today."""

    number: str
    field: str
    called_at: datetime
    done_at: datetime | None
    #: called | serving | done | no_show | transferred
    status: str
    rating: int | None
    to_field: str | None = None
    dossier_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeskSnapshot:
    seq: int
    at: datetime
    counter: str
    fields: tuple[FieldRef, ...]
    paused: bool
    officer_id: int | None
    officer: str | None
    current: CurrentTicket | None
    waiting: tuple[WaitingTicket, ...]
    waiting_total: int
    history: tuple[Visit, ...]
    #: fields a ticket may be transferred to (active and served at some counter)
    transfer_targets: tuple[FieldRef, ...]


def counter_sort_key(number: str) -> tuple:
    """Counter "10" after counter "9"."""
    return (0, int(number), "") if number.isdigit() else (1, 0, number)


def _field(service: Service) -> FieldRef:
    return FieldRef(service.code, service.name_vi, service.name_en)


def _officer_name(session: Session, officer_id: int | None) -> str | None:
    user = session.get(User, officer_id) if officer_id else None
    return (user.full_name or user.username) if user else None


def counter_choices(hall: Hall, session: Session) -> list[CounterChoice]:
    """Every counter of the site with its fields and the officer sitting there."""
    site = hall.site(session)
    counters = session.scalars(select(Counter).where(Counter.site_id == site.id)).all()
    choices = [
        CounterChoice(
            number=c.number,
            fields=tuple(_field(s) for s in c.services if s.active),
            officer_id=c.officer_id,
            officer=_officer_name(session, c.officer_id),
            paused=c.paused,
        )
        for c in counters
    ]
    return sorted(choices, key=lambda c: counter_sort_key(c.number))


def _seconds(later: datetime, earlier: datetime | None) -> int:
    return max(0, int((later - earlier).total_seconds())) if earlier else 0


def _transfer_sources(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    """The field each transferred ticket came from (its latest transfer's "A->B")."""
    if not ticket_ids:
        return {}
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.detail)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.kind == EventKind.TRANSFERRED)
        .order_by(TicketEvent.id)
    )
    return {tid: detail.partition("->")[0] for tid, detail in rows if detail}


def _waiting(
    session: Session, counter: Counter, codes: dict[int, str], now: datetime
) -> tuple[list[WaitingTicket], int]:
    tickets = waiting_tickets(session, [s.id for s in counter.services])
    tickets.sort(key=lambda t: call_order(candidate(t)))
    shown = tickets[:WAITING_SHOWN]
    sources = _transfer_sources(session, [t.id for t in shown if t.transferred])
    rows = [
        WaitingTicket(
            number=t.number,
            field=codes[t.service_id],
            priority=t.priority,
            transferred=t.transferred,
            from_field=sources.get(t.id),
            issued_at=t.issued_at,
            waited_s=_seconds(now, t.issued_at),
        )
        for t in shown
    ]
    return rows, len(tickets)


def _current(session: Session, counter: Counter, now: datetime) -> CurrentTicket | None:
    ticket = session.get(Ticket, counter.current_ticket_id) if counter.current_ticket_id else None
    if ticket is None or ticket.status not in AT_COUNTER:
        return None
    return CurrentTicket(
        public_id=ticket.public_id,
        number=ticket.number,
        field=_field(session.get(Service, ticket.service_id)),
        status=ticket.status,
        priority=ticket.priority,
        transferred=ticket.transferred,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
        waited_s=_seconds(ticket.called_at or now, ticket.issued_at),
        dossier_codes=tuple(codes_of(session, ticket.id)),
    )


def day_history(hall: Hall, session: Session, counter: Counter) -> list[Visit]:
    """Today's turns at ``counter``, newest first, from the events written here.

    A turn starts with a call at this counter and ends with done, no-show or transfer;
    a no-show called back within the grace reopens its turn. The field shown is the
    one the ticket belonged to when it was called here.
    """
    site = hall.site(session)
    start, end = hall.day_bounds(site, hall.local_day(site))
    events = session.execute(
        select(TicketEvent.id, TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.at,
               TicketEvent.detail)
        .where(TicketEvent.counter_id == counter.id, TicketEvent.at >= start,
               TicketEvent.at < end)
        .order_by(TicketEvent.id)
    ).all()
    if not events:
        return []
    ticket_ids = sorted({e.ticket_id for e in events})
    tickets = {
        t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)))
    }
    codes = dict(session.execute(select(Service.id, Service.code)).all())
    moves: dict[int, list[tuple[int, str]]] = {}
    for tid, eid, detail in session.execute(
        select(TicketEvent.ticket_id, TicketEvent.id, TicketEvent.detail)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.kind == EventKind.TRANSFERRED)
        .order_by(TicketEvent.id)
    ):
        moves.setdefault(tid, []).append((eid, detail))

    def field_at(ticket: Ticket, event_id: int) -> str:
        code = codes[ticket.issue_service_id]
        for eid, detail in moves.get(ticket.id, []):
            if eid < event_id and "->" in detail:
                code = detail.partition("->")[2]
        return code

    visits: list[dict] = []
    open_visit: dict[int, dict] = {}
    last_visit: dict[int, dict] = {}
    for eid, tid, kind, at, detail in events:
        ticket = tickets[tid]
        if kind == EventKind.CALLED:
            visit = {"_ticket": ticket, "number": ticket.number, "field": field_at(ticket, eid),
                     "called_at": at, "done_at": None, "status": TicketStatus.CALLED,
                     "rating": None, "to_field": None}
            visits.append(visit)
            open_visit[tid] = last_visit[tid] = visit
            continue
        visit = open_visit.get(tid)
        if kind == EventKind.RECALLED and visit is None:
            visit = last_visit.get(tid)
            if visit is not None and visit["status"] == TicketStatus.NO_SHOW:
                visit.update(status=TicketStatus.CALLED, done_at=None)
                open_visit[tid] = visit
            continue
        if kind == EventKind.RATED:
            target = visit or last_visit.get(tid)
            if target is not None and detail.isdigit():
                target["rating"] = int(detail)
            continue
        if visit is None:
            continue
        if kind == EventKind.SERVING:
            visit["status"] = TicketStatus.SERVING
        elif kind in _ENDINGS:
            visit["status"] = str(kind)
            visit["done_at"] = at
            if kind == EventKind.TRANSFERRED:
                visit["to_field"] = detail.partition("->")[2] or None
            del open_visit[tid]
    dossiers = codes_of_many(session, ticket_ids)
    for visit in visits:
        ticket = visit.pop("_ticket")
        visit["dossier_codes"] = tuple(dossiers.get(ticket.id, ()))
        if (visit["rating"] is None and visit["status"] == TicketStatus.DONE
                and ticket.counter_id == counter.id):
            visit["rating"] = ticket.rating  # rated without an event at this counter
    return [Visit(**v) for v in reversed(visits)]


def transfer_targets(session: Session, site_id: int) -> tuple[FieldRef, ...]:
    served = select(CounterService.service_id)
    services = session.scalars(
        select(Service)
        .where(Service.site_id == site_id, Service.active.is_(True), Service.id.in_(served))
        .order_by(Service.position, Service.code)
    )
    return tuple(_field(s) for s in services)


def desk_snapshot(hall: Hall, session: Session, number: str) -> DeskSnapshot:
    """Everything the console shows for counter ``number``, read in one snapshot."""
    site = hall.site(session)
    counter = find_counter(session, site.id, number)
    now = hall.now()
    codes = dict(
        session.execute(select(Service.id, Service.code).where(Service.site_id == site.id)).all()
    )
    waiting, total = _waiting(session, counter, codes, now)
    return DeskSnapshot(
        seq=last_seq(session),
        at=now,
        counter=counter.number,
        fields=tuple(_field(s) for s in counter.services),
        paused=counter.paused,
        officer_id=counter.officer_id,
        officer=_officer_name(session, counter.officer_id),
        current=_current(session, counter, now),
        waiting=tuple(waiting),
        waiting_total=total,
        history=tuple(day_history(hall, session, counter)),
        transfer_targets=transfer_targets(session, site.id),
    )
