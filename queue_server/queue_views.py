"""Read models built from the database: what the board, a counter, a kiosk or a phone sees."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, func, literal, select, tuple_
from sqlalchemy.orm import Session

from protocol import Board, BoardEntry, CounterState
from queue_server.domain.appointment_slots import DEFAULT_MAX_SHARE, AppointmentRules
from queue_server.domain.booking_status import BookingStatus
from queue_server.domain.next_ticket import Candidate, call_order
from queue_server.domain.opening_hours import OpeningHours
from queue_server.domain.ticket_status import AT_COUNTER, EventKind, TicketStatus
from queue_server.domain.wait_estimate import (
    ServicePace,
    appointments_ahead,
    mean_service_time,
    queue_wait_s,
)
from queue_server.hall import Hall
from queue_server.storage.tables import (
    Appointment,
    Counter,
    CounterService,
    Service,
    Site,
    Ticket,
    TicketEvent,
    UtcDateTime,
)
from queue_server.ticket_dossiers import codes_of

RECENT_CALLS = 10
RECENT_SERVICE_SAMPLES = 20


def last_seq(session: Session) -> int:
    """The newest event id: every published message is stamped with it."""
    return session.scalar(select(func.max(TicketEvent.id))) or 0


def opening_hours(service: Service) -> OpeningHours:
    spans = [s for s in service.hours.split(",") if s]
    days = [int(d) for d in service.weekdays.split(",") if d]
    return OpeningHours.parse(spans, days)


def appointment_rules(service: Service) -> AppointmentRules | None:
    """The field's appointment rules as loaded from the site file; None: no appointments."""
    if service.appointment_slot_min is None:
        return None
    spans = [s for s in service.appointment_hours.split(",") if s]
    days = [int(d) for d in service.appointment_weekdays.split(",") if d]
    return AppointmentRules(
        slot_min=service.appointment_slot_min,
        per_slot=service.appointment_per_slot or 1,
        days_ahead=service.appointment_days_ahead or 0,
        prefix=service.appointment_prefix or service.prefix,
        hours=OpeningHours.parse(spans, days),
        max_share=(
            DEFAULT_MAX_SHARE
            if service.appointment_max_share is None
            else service.appointment_max_share
        ),
    )


_COUNT_BOOKED = select(func.count(Appointment.id)).where(
    Appointment.service_id == bindparam("sid"),
    Appointment.status == BookingStatus.BOOKED,
    Appointment.start >= bindparam("since"),
    Appointment.start <= bindparam("until"),
)


def walk_in_wait_s(
    session: Session,
    service_id: int,
    ahead: int,
    pace: ServicePace,
    now: datetime,
    appointments: AppointmentRules | None,
    check_in_after: timedelta,
) -> int:
    """The wait of a walk-in issued now, counting the appointments due before its turn.

    Booked citizens whose slot begins before the walk-in's turn would otherwise come
    (and whose check-in is still open) are called first, within the field's share of
    calls for appointments (``domain.wait_estimate.appointments_ahead``).
    """
    if appointments is None:
        return queue_wait_s(ahead, pace, now)
    horizon = now + timedelta(seconds=queue_wait_s(ahead, pace, now))
    due_soon = session.scalar(
        _COUNT_BOOKED, {"sid": service_id, "since": now - check_in_after, "until": horizon}
    ) or 0
    extra = appointments_ahead(due_soon, ahead, appointments.max_share)
    return queue_wait_s(ahead + extra, pace, now)


def appointments_ahead_of(
    session: Session, service_id: int, start: datetime, exclude: int | None = None
) -> int:
    """Checked-in appointment tickets of the field whose slot is not later than ``start``.

    Once due, appointments are called earliest slot first, ahead of walk-ins: these
    are the people ahead of an appointment ticket.
    """
    query = select(func.count(Ticket.id)).where(
        Ticket.service_id == service_id,
        Ticket.status == TicketStatus.WAITING,
        Ticket.appointment_start.is_not(None),
        Ticket.appointment_start <= start,
    )
    if exclude is not None:
        query = query.where(Ticket.id != exclude)
    return session.scalar(query) or 0


def appointment_wait_s(ahead: int, pace: ServicePace, now: datetime, start: datetime) -> int:
    """An appointment ticket's wait: its turn among the due appointments, not before its slot."""
    return max(queue_wait_s(ahead, pace, now), max(int((start - now).total_seconds()), 0))


def closed_days(site: Site) -> tuple[date, ...]:
    return tuple(date.fromisoformat(d) for d in site.closed_days.split(",") if d)


def candidate(ticket: Ticket) -> Candidate:
    return Candidate(
        ticket_id=ticket.id,
        priority=ticket.priority,
        transferred=ticket.transferred,
        queued_at=ticket.issued_at,
        sequence=ticket.sequence,
        appointment_start=ticket.appointment_start,
    )


def waiting_tickets(session: Session, service_ids: list[int]) -> list[Ticket]:
    if not service_ids:
        return []
    return list(
        session.scalars(
            select(Ticket).where(
                Ticket.status == TicketStatus.WAITING, Ticket.service_id.in_(service_ids)
            )
        )
    )


def waiting_counts(session: Session, site: Site) -> dict[str, int]:
    rows = session.execute(
        select(Service.code, func.count(Ticket.id))
        .select_from(Service)
        .join(
            Ticket,
            (Ticket.service_id == Service.id) & (Ticket.status == TicketStatus.WAITING),
            isouter=True,
        )
        .where(Service.site_id == site.id, Service.active.is_(True))
        .group_by(Service.code, Service.position)
        .order_by(Service.position)
    )
    return {code: count for code, count in rows}


def open_counters(session: Session, service: Service) -> int:
    return (
        session.scalar(
            select(func.count(Counter.id))
            .join(CounterService, CounterService.counter_id == Counter.id)
            .where(CounterService.service_id == service.id, Counter.paused.is_(False))
        )
        or 0
    )


def mean_service_s(session: Session, service: Service) -> float:
    rows = session.execute(
        select(Ticket.called_at, Ticket.done_at)
        .where(
            Ticket.service_id == service.id,
            Ticket.status == TicketStatus.DONE,
            Ticket.done_at.is_not(None),
        )
        .order_by(Ticket.done_at.desc())
        .limit(RECENT_SERVICE_SAMPLES)
    )
    return mean_service_time([(d - c).total_seconds() for c, d in rows if c and d])


#: a counter that called a ticket this recently (or serves one now) is staffed
STAFFED_WINDOW = timedelta(minutes=30)
#: how many of a counter's latest calls tell how it divides its time between fields
SHARE_SAMPLES = 20


def _breaks_today(service: Service, now: datetime, timezone: str) -> tuple:
    """The gaps between the field's opening spans today (lunch), as aware instants."""
    tz = ZoneInfo(timezone)
    day = now.astimezone(tz).date()
    spans = sorted(opening_hours(service).spans, key=lambda span: span.start)
    return tuple(
        (datetime.combine(day, a.end, tzinfo=tz), datetime.combine(day, b.start, tzinfo=tz))
        for a, b in zip(spans, spans[1:], strict=False)
        if a.end < b.start
    )


def service_pace(session: Session, service: Service, now: datetime, timezone: str) -> ServicePace:
    """How fast the field's queue moves now: see ``domain.wait_estimate.ServicePace``."""
    counters = list(
        session.scalars(
            select(Counter)
            .join(CounterService, CounterService.counter_id == Counter.id)
            .where(CounterService.service_id == service.id, Counter.paused.is_(False))
        )
    )
    capacity, idle, staffed = 0.0, 0, 0
    for counter in counters:
        recent = session.execute(
            select(Ticket.service_id, TicketEvent.at)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.counter_id == counter.id, TicketEvent.kind == EventKind.CALLED)
            .order_by(TicketEvent.id.desc())
            .limit(SHARE_SAMPLES)
        ).all()
        busy = counter.current_ticket_id is not None
        if not busy and not (recent and now - recent[0].at <= STAFFED_WINDOW):
            continue  # nobody works at this counter now
        staffed += 1
        if recent:
            capacity += sum(1 for sid, _ in recent if sid == service.id) / len(recent)
        else:
            capacity += 1 / max(len(counter.services), 1)
        idle += 0 if busy else 1
    if staffed == 0:  # before the first call of the day: assume every open counter works
        capacity = sum(1 / max(len(c.services), 1) for c in counters)
    return ServicePace(
        mean_service_s(session, service), capacity, idle, _breaks_today(service, now, timezone)
    )


def _call_order_sql():
    """``domain.next_ticket.call_order`` as an SQL row value, to count in the database."""
    return tuple_(
        case((Ticket.priority.is_(True), 0), else_=1),
        case((Ticket.transferred.is_(True), 0), else_=1),
        Ticket.issued_at,
        Ticket.sequence,
        Ticket.id,
    )


def ticket_position(session: Session, ticket: Ticket) -> int:
    """People ahead of a waiting ticket in its service now (same order as ``call_order``).

    Counted in SQL so issuing stays fast however long the queue is; the pure
    ``people_ahead`` states the same rule and the tests check that both agree.
    """
    mine = call_order(candidate(ticket))
    return (
        session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.status == TicketStatus.WAITING,
                Ticket.service_id == ticket.service_id,
                _call_order_sql()
                < tuple_(
                    literal(int(mine[0])),
                    literal(int(mine[1])),
                    literal(mine[2], UtcDateTime),
                    literal(mine[3]),
                    literal(mine[4]),
                ),
            )
        )
        or 0
    )


def services_overview(hall: Hall, session: Session) -> dict:
    """``GET /api/v1/services``: what a kiosk or a phone needs to choose a field."""
    site = hall.site(session)
    now = hall.now()
    local = now.astimezone(ZoneInfo(site.timezone))
    day = local.date()
    counts = waiting_counts(session, site)
    issued = dict(
        session.execute(
            select(Service.id, func.count(Ticket.id))
            .join(Ticket, Ticket.issue_service_id == Service.id)
            .where(
                Service.site_id == site.id,
                Ticket.service_day == day,
                Ticket.appointment_start.is_(None),  # bookings do not use up the daily limit
            )
            .group_by(Service.id)
        ).all()
    )
    services = []
    for svc in session.scalars(
        select(Service)
        .where(Service.site_id == site.id, Service.active.is_(True))
        .order_by(Service.position)
    ):
        waiting = counts.get(svc.code, 0)
        closed_reason = None
        if not opening_hours(svc).is_open(local):
            closed_reason = "closed"
        elif svc.daily_limit is not None and issued.get(svc.id, 0) >= svc.daily_limit:
            closed_reason = "daily_limit"
        services.append(
            {
                "code": svc.code,
                "name_vi": svc.name_vi,
                "name_en": svc.name_en,
                "prefix": svc.prefix,
                "open": closed_reason is None,
                "closed_reason": closed_reason,
                "hours": opening_hours(svc).as_text(),
                "target_wait_min": svc.target_wait_min,
                # a kiosk offers its check-in button when a field takes bookings
                "appointments": appointment_rules(svc) is not None,
                # the results-pickup field, and whether it takes dossiers not ready yet
                "results": svc.results,
                "results_when_not_ready": site.results_when_not_ready,
                "waiting": waiting,
                # a field that takes no number now has no wait to promise
                "estimated_wait_s": None
                if closed_reason
                else walk_in_wait_s(
                    session,
                    svc.id,
                    waiting,
                    cached_pace(hall, session, svc, site.timezone),
                    now,
                    appointment_rules(svc),
                    timedelta(minutes=site.check_in_after_min),
                ),
            }
        )
    return {
        "site": {"id": site.code, "name": site.name, "timezone": site.timezone},
        "services": services,
    }


#: seconds a field's pace is kept: phones polling their ticket share one computation
PACE_TTL_S = 5.0


def cached_pace(hall: Hall, session: Session, service: Service, timezone: str) -> ServicePace:
    """The field's pace, computed at most every few seconds (and after every command)."""
    return hall.cache.get(
        pace_key(service.id),
        PACE_TTL_S,
        lambda: service_pace(session, service, hall.now(), timezone),
    )


def pace_key(service_id: int) -> tuple:
    """The cache key of a field's pace (shared by ticket views and issuing)."""
    return ("pace", service_id)


def ticket_view(hall: Hall, session: Session, ticket: Ticket, *, as_issued: bool = False) -> dict:
    """The public view of one ticket: no personal data, only the queue.

    ``as_issued`` answers with the position and estimate printed on the ticket (a kiosk
    repeating its request gets exactly the first answer); otherwise they are current.
    """
    site = hall.site(session)
    service = session.get(Service, ticket.service_id)
    counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    if as_issued:
        ahead, estimate = ticket.ahead_at_issue, ticket.estimated_wait_s
    elif ticket.status == TicketStatus.WAITING and ticket.appointment_start is not None:
        ahead = appointments_ahead_of(session, ticket.service_id, ticket.appointment_start,
                                      exclude=ticket.id)
        estimate = appointment_wait_s(
            ahead, cached_pace(hall, session, service, site.timezone), hall.now(),
            ticket.appointment_start,
        )
    elif ticket.status == TicketStatus.WAITING:
        ahead = ticket_position(session, ticket)
        estimate = queue_wait_s(
            ahead, cached_pace(hall, session, service, site.timezone), hall.now()
        )
    else:
        ahead, estimate = 0, 0
    return {
        "id": ticket.public_id,
        "number": ticket.number,
        "service": service.code,
        "service_name_vi": service.name_vi,
        "service_name_en": service.name_en,
        "site_name": site.name,
        "priority": ticket.priority,
        "status": ticket.status,
        "issued_at": _local_iso(ticket.issued_at, site),
        "called_at": _local_iso(ticket.called_at, site),
        "counter": counter.number if counter else None,
        "ahead": ahead,
        "estimated_wait_s": estimate,
        "status_url": hall.status_url(ticket.public_id),
        "appointment_start": _local_iso(ticket.appointment_start, site),
        "dossier_codes": codes_of(session, ticket.id),
    }


def _local_iso(at: datetime | None, site: Site) -> str | None:
    return at.astimezone(ZoneInfo(site.timezone)).isoformat() if at else None


def counter_state(
    session: Session,
    counter: Counter,
    *,
    last_cmd: str | None = None,
    result: str = "ok",
    reason: str | None = None,
) -> CounterState:
    """The retained state of one counter, as the server answers every command."""
    ticket = session.get(Ticket, counter.current_ticket_id) if counter.current_ticket_id else None
    if ticket is not None and ticket.status not in AT_COUNTER:
        ticket = None
    service_ids = [s.id for s in counter.services]
    waiting = (
        session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.status == TicketStatus.WAITING, Ticket.service_id.in_(service_ids)
            )
        )
        if service_ids
        else 0
    )
    return CounterState(
        counter=counter.number,
        ticket=ticket.number if ticket else None,
        service=session.get(Service, ticket.service_id).code if ticket else None,
        paused=counter.paused,
        waiting=waiting or 0,
        last_cmd=last_cmd,
        result=result,
        reason=reason,
        seq=last_seq(session),
    )


def board(hall: Hall, session: Session) -> Board:
    """The retained board snapshot: recent calls of today, waiting per field, message."""
    site = hall.site(session)
    start, end = hall.day_bounds(site, hall.local_day(site))
    rows = session.execute(
        select(TicketEvent.at, Ticket.number, Counter.number, Service.code)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Counter, Counter.id == TicketEvent.counter_id)
        .join(Service, Service.id == Ticket.service_id)
        .where(
            Ticket.site_id == site.id,
            TicketEvent.kind.in_([EventKind.CALLED, EventKind.RECALLED]),
            TicketEvent.at >= start,
            TicketEvent.at < end,
        )
        .order_by(TicketEvent.id.desc())
        .limit(RECENT_CALLS * 3)
    )
    recent: list[BoardEntry] = []
    seen: set[str] = set()
    for at, number, counter_no, code in rows:
        if number in seen:
            continue
        seen.add(number)
        recent.append(BoardEntry(ticket=number, counter=counter_no, service=code, ts=at))
        if len(recent) == RECENT_CALLS:
            break
    return Board(
        seq=last_seq(session),
        recent=recent,
        waiting=waiting_counts(session, site),
        message=site.board_message,
    )
