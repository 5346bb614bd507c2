"""The appointment figures of a report: bookings, check-ins, no-shows, punctuality, waits.

Bookings count by the local day of their slot; tickets (checked-in appointments and
walk-ins) by their issue day, as every other figure. A booking still ``booked`` once
its check-in window has closed counts as a no-show even before the server marks it.
Punctuality is call time − booked time of checked-in appointments that were called
(negative: called before the slot began). Waits are issue → first call for both kinds
of ticket, so an appointment's wait starts at its check-in.

Bookings are few (a slot holds a handful): they and their tickets are read row by row,
through the bookings' index. The walk-ins' waits are the report's own waits with the
appointment tickets' taken out (``walk_in_waits``): the report's sums and histograms
(exact for days counted live, buckets for stored days) minus the appointment tickets'
exact waits, so a year's report scans no more tickets than before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain.booking_status import BookingStatus
from queue_server.domain.check_in_window import missed
from queue_server.statistics.figures import Tally, percentile_of_counts
from queue_server.statistics.report_filter import ReportFilter
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

    def figures(self, everyone: Tally | None, bookings: bool = True,
                percentiles: bool = True) -> dict:
        """The group's figures; ``everyone`` is the report's tally of the same group (all
        its tickets), whose waits less the appointment tickets' are the walk-ins'."""
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
        body["walk_in_wait_s"] = walk_in_waits(everyone, self.appointment_wait, percentiles)
        return body


def walk_in_waits(everyone: Tally | None, appointment_wait: dict[int, int],
                  percentiles: bool = True) -> dict:
    """Mean, median and p90 wait of a group's walk-ins: all its tickets less the
    appointment tickets (``appointment_wait``, exact whole seconds)."""
    none = {"mean": None, "median": None, "p90": None}
    if everyone is None:
        return none
    called = int(everyone["called"]) - sum(appointment_wait.values())
    total = everyone["wait_sum"] - sum(k * c for k, c in appointment_wait.items())
    if called <= 0:
        return none
    out = {"mean": round(total / called, 1), "median": None, "p90": None}
    if not percentiles:
        return out
    less = {k: -c for k, c in appointment_wait.items()}
    buckets = everyone.wait_buckets
    if buckets is None or not any(buckets.counts):
        exact = dict(everyone.wait_hist)
        for k, c in less.items():
            exact[k] = exact.get(k, 0) + c
        out["median"], out["p90"] = _p(exact, 50), _p(exact, 90)
        return out
    merged = buckets.copy()
    merged.add_exact(everyone.wait_hist)
    merged.add_exact(less)
    if merged.top in appointment_wait:  # the longest wait was an appointment's
        merged.top = None
    for key, p in (("median", 50), ("p90", 90)):
        value = merged.percentile(p)
        out[key] = None if value is None else round(value, 1)
    return out


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
    """Appointment tickets issued in the period: (field, counter, day, issued, called, start).

    Found through their bookings (a checked-in booking's slot lies within a day of its
    ticket's issue), so only the bookings' index is read, never every ticket.
    """
    margin = timedelta(days=1)
    query = (
        select(Ticket.service_id, Ticket.counter_id, Ticket.service_day, Ticket.issued_at,
               Ticket.called_at, Ticket.appointment_start)
        .join(Appointment, Appointment.ticket_id == Ticket.id)
        .where(Appointment.status == BookingStatus.CHECKED_IN,
               Appointment.start >= scope.start - margin, Appointment.start < scope.end + margin,
               Ticket.site_id == scope.site_id, Ticket.issued_at >= scope.start,
               Ticket.issued_at < scope.end, Ticket.status != "cancelled",
               Ticket.appointment_start.is_not(None))
    )
    if scope.service_id is not None:
        query = query.where(Ticket.service_id == scope.service_id)
    if scope.counter_id is not None:
        query = query.where(Ticket.counter_id == scope.counter_id)
    if flt.officer is not None:
        query = query.where(Ticket.officer_id == flt.officer)
    return session.execute(query)


@dataclass
class AppointmentGroups:
    total: AppointmentTally
    by_service: dict[int, AppointmentTally]
    by_counter: dict[int, AppointmentTally]
    by_day: dict[date, AppointmentTally]


def count_appointments(
    session: Session,
    scope: AppointmentScope,
    flt: ReportFilter,
    local_day,
) -> AppointmentGroups:
    """Group the period's bookings and appointment tickets by field, counter and local
    day; ``local_day`` turns an aware instant into the site's local date."""
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

    for sid, cid, day, issued, called, start in _appointment_tickets(session, scope, flt):
        if isinstance(day, str):
            day = date.fromisoformat(day)
        for tally in targets(sid, cid, day):
            if called is not None:
                _add(tally.appointment_wait, _seconds(issued, called))
                _add(tally.punctuality, _seconds(start, called))
    return groups


def appointment_section(
    groups: AppointmentGroups,
    services: dict,
    counters: dict[int, str],
    tallies: dict,
    counter_order,
) -> dict:
    """The ``appointments`` part of the summary: totals, then by field, counter and day.

    ``tallies`` are the report's own (``Report.tallies``), for the walk-ins' waits.
    """
    order = {sid: i for i, sid in enumerate(services)}
    section = groups.total.figures(tallies.get("total"))
    section["by_service"] = []
    for sid in sorted(groups.by_service, key=lambda s: order.get(s, len(order))):
        svc = services.get(sid)
        section["by_service"].append({
            "service": svc.code if svc is not None else None,
            "name_vi": svc.name_vi if svc is not None else "",
            "name_en": svc.name_en if svc is not None else "",
            **groups.by_service[sid].figures(tallies.get("service", {}).get(sid)),
        })
    section["by_counter"] = [
        {"counter": counters.get(cid),
         **groups.by_counter[cid].figures(tallies.get("counter", {}).get(cid), bookings=False)}
        for cid in sorted(groups.by_counter, key=lambda c: counter_order(counters.get(c, "")))
    ]
    section["by_day"] = [
        {"day": day.isoformat(),
         # the report's days carry sums only (no histograms): walk-in means by day
         **groups.by_day[day].figures(tallies.get("day", {}).get(day), percentiles=False)}
        for day in sorted(groups.by_day)
    ]
    return section
