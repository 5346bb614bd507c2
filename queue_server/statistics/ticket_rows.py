"""One row per ticket for the exports, streamed so a year of tickets never sits in memory."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, select
from sqlalchemy.orm import Session, aliased

from queue_server.statistics.report_filter import ReportFilter
from queue_server.statistics.report_query import ReportScope
from queue_server.storage.tables import Counter, Service, Ticket, User
from queue_server.ticket_dossiers import codes_of_many

#: the export columns of DESIGN.md section 9, in order
COLUMNS = (
    "number",
    "service",
    "counter",
    "officer",
    "priority",
    "issued_at",
    "called_at",
    "done_at",
    "status",
    "wait_s",
    "service_s",
    "rating",
    "estimated_wait_s",
    # added after the fixed columns above
    "appointment_start",
    "dossier_codes",
)
#: rows fetched from the database at a time
BATCH = 2000


@dataclass(frozen=True)
class TicketRow:
    number: str
    service: str
    counter: str | None
    officer: str | None
    priority: bool
    issued_at: str
    called_at: str | None
    done_at: str | None
    status: str
    wait_s: int | None
    service_s: int | None
    rating: int | None
    estimated_wait_s: int
    #: the booked slot's start of an appointment ticket; None for a walk-in
    appointment_start: str | None = None
    #: the ticket's dossier codes joined by spaces ("" without any)
    dossier_codes: str = ""

    def values(self) -> tuple:
        return tuple(getattr(self, c) for c in COLUMNS)


def whole_seconds(start: datetime | None, end: datetime | None) -> int | None:
    """A duration rounded to whole seconds, halves away from zero as the database does."""
    if start is None or end is None:
        return None
    seconds = (end - start).total_seconds()
    return int(math.copysign(math.floor(abs(seconds) + 0.5), seconds))


def _local(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def ticket_rows(
    session: Session, scope: ReportScope, flt: ReportFilter, today: date
) -> Iterator[TicketRow]:
    """The filter's tickets in issue order, times in the site's zone with its offset."""
    officer = aliased(User)
    status = case(
        (and_(Ticket.status == "waiting", Ticket.service_day < today), "expired"),
        else_=Ticket.status,
    )
    query = (
        select(
            Ticket.number,
            Service.code,
            Counter.number,
            officer.full_name,
            officer.username,
            Ticket.priority,
            Ticket.issued_at,
            Ticket.called_at,
            Ticket.done_at,
            status,
            Ticket.rating,
            Ticket.estimated_wait_s,
            Ticket.appointment_start,
            Ticket.id,
        )
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(Counter, Counter.id == Ticket.counter_id)
        .outerjoin(officer, officer.id == Ticket.officer_id)
        .where(
            Ticket.site_id == scope.site_id,
            Ticket.issued_at >= scope.start,
            Ticket.issued_at < scope.end,
            Ticket.status != "cancelled",
        )
        .order_by(Ticket.issued_at, Ticket.id)
        .execution_options(yield_per=BATCH)
    )
    if scope.service_id is not None:
        query = query.where(Ticket.service_id == scope.service_id)
    if scope.counter_id is not None:
        query = query.where(Ticket.counter_id == scope.counter_id)
    if flt.officer is not None:
        query = query.where(Ticket.officer_id == flt.officer)
    tz = scope.timezone
    batch: list = []
    for row in session.execute(query):
        batch.append(row)
        if len(batch) == BATCH:
            yield from _rows(session, batch, tz)
            batch = []
    yield from _rows(session, batch, tz)


def _rows(session: Session, batch: list, tz: ZoneInfo) -> Iterator[TicketRow]:
    """One batch of result rows as TicketRows, with their dossier codes (one query)."""
    codes = codes_of_many(session, [row[-1] for row in batch]) if batch else {}
    for (number, service, counter, full_name, username, priority, issued, called, done,
         state, rating, estimate, booked_start, ticket_id) in batch:
        yield TicketRow(
            number=number,
            service=service,
            counter=counter,
            officer=(full_name or username) if username else None,
            priority=bool(priority),
            issued_at=_local(issued, tz),
            called_at=_local(called, tz),
            done_at=_local(done, tz),
            status=state,
            wait_s=whole_seconds(issued, called),
            service_s=whole_seconds(called, done) if state == "done" else None,
            rating=rating,
            estimated_wait_s=estimate,
            appointment_start=_local(booked_start, tz),
            dossier_codes=" ".join(codes.get(ticket_id, ())),
        )
