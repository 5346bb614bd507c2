"""The appointment figures of a report: bookings, check-ins, no-shows, punctuality, waits.

Bookings count by the local day of their slot; tickets (checked-in appointments and
walk-ins) by their issue day, as every other figure. A booking still ``booked`` once
its check-in window has closed counts as a no-show even before the server marks it.
Punctuality is call time − booked time of checked-in appointments that were called
(negative: called before the slot began). Waits are issue → first call for both kinds
of ticket, so an appointment's wait starts at its check-in.

Bookings are few (a slot holds a handful): they are read row by row. Walk-in waits
are counted as whole-second histograms by the database, and only when the period has
appointment tickets at all; without any, every ticket is a walk-in and the report's
own wait figures are the walk-in figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, and_, select
from sqlalchemy.orm import Session

from queue_server.domain.booking_status import BookingStatus
from queue_server.domain.check_in_window import missed
from queue_server.statistics.figures import percentile_of_counts
from queue_server.statistics.report_filter import ReportFilter
from queue_server.statistics.ticket_scan import statement, wait_seconds_sql
from queue_server.storage.tables import Appointment, Ticket

#: booking outcomes counted in a report (``upcoming``: booked, check-in still open)
OUTCOMES = ("booked", "checked_in", "no_show", "cancelled", "upcoming")


def _seconds(start: datetime, end: datetime) -> int:
    seconds = (end - start).total_seconds()
    return int(math.copysign(math.floor(abs(seconds) + 0.5), seconds))


def _mean(hist: dict[int, int]) -> float | None:
    n = sum(hist.values())
    return round(sum(k * c for k, c in hist.items()) / n, 1) if n else None


def _p(hist: dict[int, int], p: float) -> float | None:
    value = percentile_of_counts(sorted(hist.items()), p)
    return None if value is None else round(value, 1)


def _add(hist: dict[int, int], seconds: int, count: int = 1) -> None:
    hist[seconds] = hist.get(seconds, 0) + count


@dataclass
class AppointmentTally:
    """Booking outcomes, punctuality and both kinds of waits of one group."""

    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    punctuality: dict[int, int] = field(default_factory=dict)
    appointment_wait: dict[int, int] = field(default_factory=dict)
    walk_in_wait: dict[int, int] = field(default_factory=dict)
    #: False: walk-in waits were not counted (no appointment tickets: the report's own
    #: waits are the walk-ins' waits)
    walk_ins_counted: bool = True

    def figures(self, bookings: bool = True, all_waits: dict | None = None) -> dict:
        """The group's figures; ``all_waits`` (the report's ``wait_s`` of the same group)
        stands for the walk-ins' waits when they were not counted separately."""
        out = self.outcomes
        decided = out["checked_in"] + out["no_show"]
        body: dict = {}
        if bookings:
            body.update({key: out[key] for key in OUTCOMES})
            body["show_up_pct"] = round(100.0 * out["checked_in"] / decided, 1) if decided else None
        else:
            body["checked_in"] = out["checked_in"]
        body["punctuality_s"] = {"mean": _mean(self.punctuality),
                                 "p90": _p(self.punctuality, 90)}
        body["appointment_wait_s"] = _wait(self.appointment_wait)
        if self.walk_ins_counted or all_waits is None:
            body["walk_in_wait_s"] = _wait(self.walk_in_wait)
        else:
            body["walk_in_wait_s"] = {key: all_waits.get(key) for key in ("mean", "median", "p90")}
        return body


def _wait(hist: dict[int, int]) -> dict:
    return {"mean": _mean(hist), "median": _p(hist, 50), "p90": _p(hist, 90)}


@dataclass(frozen=True)
class AppointmentScope:
    """What the appointment figures need of a report's scope."""

    site_id: int
    start: datetime
    end: datetime
    now: datetime
    check_in_after: timedelta
    service_id: int | None = None
    counter_id: int | None = None


def _bookings(session: Session, scope: AppointmentScope, flt: ReportFilter) -> Iterable[tuple]:
    query = (
        select(Appointment.service_id, Appointment.start, Appointment.status, Ticket.counter_id)
        .outerjoin(Ticket, Ticket.id == Appointment.ticket_id)
        .where(Appointment.site_id == scope.site_id, Appointment.start >= scope.start,
               Appointment.start < scope.end)
    )
    if scope.service_id is not None:
        query = query.where(Appointment.service_id == scope.service_id)
    if scope.counter_id is not None:
        query = query.where(Ticket.counter_id == scope.counter_id)
    if flt.officer is not None:
        query = query.where(Ticket.officer_id == flt.officer)
    return session.execute(query)


def _appointment_tickets(session: Session, scope: AppointmentScope,
                         flt: ReportFilter) -> Iterable[tuple]:
    """Appointment tickets issued in the period: (field, counter, day, issued, called, start)."""
    query = select(Ticket.service_id, Ticket.counter_id, Ticket.service_day, Ticket.issued_at,
                   Ticket.called_at, Ticket.appointment_start).where(
        and_(Ticket.site_id == scope.site_id, Ticket.issued_at >= scope.start,
             Ticket.issued_at < scope.end, Ticket.status != "cancelled",
             Ticket.appointment_start.is_not(None)))
    if scope.service_id is not None:
        query = query.where(Ticket.service_id == scope.service_id)
    if scope.counter_id is not None:
        query = query.where(Ticket.counter_id == scope.counter_id)
    if flt.officer is not None:
        query = query.where(Ticket.officer_id == flt.officer)
    return session.execute(query)


def _walk_in_sql(dialect: str, where: str) -> str:
    wait = wait_seconds_sql(dialect)
    return f"""
SELECT t.service_id, t.counter_id, t.service_day, {wait} AS seconds, COUNT(*)
FROM tickets t WHERE {where} AND t.appointment_start IS NULL AND t.called_at IS NOT NULL
GROUP BY t.service_id, t.counter_id, t.service_day, seconds"""


@dataclass
class AppointmentGroups:
    total: AppointmentTally
    by_service: dict[int, AppointmentTally]
    by_counter: dict[int, AppointmentTally]
    by_day: dict[date, AppointmentTally]


def count_appointments(
    session: Session,
    reader: Engine,
    scope: AppointmentScope,
    flt: ReportFilter,
    where: tuple[str, dict],
    local_day,
) -> AppointmentGroups:
    """Group the period's bookings and tickets by field, counter and local day.

    ``where`` is the report's ticket WHERE clause and values; ``local_day`` turns an
    aware instant into the site's local date.
    """
    groups = AppointmentGroups(AppointmentTally(), {}, {}, {})

    def targets(sid, cid, day) -> list[AppointmentTally]:
        found = [groups.total, groups.by_service.setdefault(sid, AppointmentTally()),
                 groups.by_day.setdefault(day, AppointmentTally())]
        if cid is not None:
            found.append(groups.by_counter.setdefault(cid, AppointmentTally()))
        return found

    for sid, start, status, cid in _bookings(session, scope, flt):
        if status == BookingStatus.BOOKED:
            outcome = "no_show" if missed(start, scope.now, scope.check_in_after) else "upcoming"
        else:
            outcome = str(status)
        for tally in targets(sid, cid, local_day(start)):
            tally.outcomes["booked"] += 1
            tally.outcomes[outcome] += 1

    any_appointment_ticket = False
    for sid, cid, day, issued, called, start in _appointment_tickets(session, scope, flt):
        any_appointment_ticket = True
        for tally in targets(sid, cid, day):
            if called is not None:
                _add(tally.appointment_wait, _seconds(issued, called))
                _add(tally.punctuality, _seconds(start, called))

    if not any_appointment_ticket:
        for tally in [groups.total, *groups.by_service.values(), *groups.by_counter.values(),
                      *groups.by_day.values()]:
            tally.walk_ins_counted = False
        return groups
    clause, params = where
    walk_ins = statement(_walk_in_sql(reader.dialect.name, clause))
    with reader.connect() as conn:
        for sid, cid, day, seconds, count in conn.execute(walk_ins, params):
            if isinstance(day, str):
                day = date.fromisoformat(day)
            for tally in targets(sid, cid, day):
                _add(tally.walk_in_wait, int(seconds), int(count))
    return groups


def appointment_section(
    groups: AppointmentGroups,
    services: dict,
    counters: dict[int, str],
    summary: dict,
    by_day: list[dict],
    counter_order,
) -> dict:
    """The ``appointments`` part of the summary: totals, then by field, counter and day.

    ``summary`` and ``by_day`` are the report's own rows (for the walk-in waits of a
    period without appointment tickets).
    """
    waits_of_service = {r["service"]: r["wait_s"] for r in summary["by_service"]}
    waits_of_counter = {r["counter"]: r["wait_s"] for r in summary["by_counter"]}
    waits_of_day = {r["day"]: r["wait_s"] for r in by_day}
    order = {sid: i for i, sid in enumerate(services)}
    section = groups.total.figures(all_waits=summary["wait_s"])
    section["by_service"] = []
    for sid in sorted(groups.by_service, key=lambda s: order.get(s, len(order))):
        svc = services.get(sid)
        code = svc.code if svc is not None else None
        section["by_service"].append({
            "service": code,
            "name_vi": svc.name_vi if svc is not None else "",
            "name_en": svc.name_en if svc is not None else "",
            **groups.by_service[sid].figures(all_waits=waits_of_service.get(code)),
        })
    section["by_counter"] = [
        {"counter": counters.get(cid),
         **groups.by_counter[cid].figures(
             bookings=False, all_waits=waits_of_counter.get(counters.get(cid)))}
        for cid in sorted(groups.by_counter, key=lambda c: counter_order(counters.get(c, "")))
    ]
    section["by_day"] = [
        {"day": day.isoformat(),
         **groups.by_day[day].figures(all_waits=waits_of_day.get(day.isoformat()))}
        for day in sorted(groups.by_day)
    ]
    return section
