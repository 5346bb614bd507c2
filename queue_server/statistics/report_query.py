"""Asking the database for the manager figures of one date range and filter.

A year of a busy centre is about a million tickets: scanning them takes seconds. So
finished days are read from the daily roll-up (``daily_rollup``, ``rollup_reader``):
a few tens of thousands of rows added up by the database. The days not stored (today,
and finished days not rolled up yet) are counted live from the tickets with the same
grouped scans (``ticket_scan``). Everything else (per field, counter, officer, local
hour, local day, weekday × hour arrivals, the medians) is put together from those
rows in plain Python (``figures``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from queue_server.statistics.appointment_figures import (
    AppointmentScope,
    appointment_section,
    count_appointments,
)
from queue_server.statistics.daily_rollup import SiteDays, days_between, refresh
from queue_server.statistics.figures import Tally, busiest_hours, heat_map
from queue_server.statistics.report_filter import ReportFilter, ReportFilterError
from queue_server.statistics.rollup_reader import StoredDays, read_stored
from queue_server.statistics.ticket_scan import bucket_seconds, scan_in_parallel, scans
from queue_server.storage.tables import Counter, Service, Site, User


@dataclass
class ReportScope:
    """The site's lookup tables and the UTC instants a filter covers."""

    site_id: int
    timezone: ZoneInfo
    start: datetime
    end: datetime
    today: date
    services: dict[int, Service]
    counters: dict[int, str]
    officers: dict[int, str]
    service_id: int | None = None
    counter_id: int | None = None

    @classmethod
    def resolve(cls, session: Session, site: Site, flt: ReportFilter, today: date) -> ReportScope:
        """Look up the filter's codes; an unknown field or counter names its parameter."""
        tz = ZoneInfo(site.timezone)
        start = datetime.combine(flt.first, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(flt.last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        services = {
            s.id: s
            for s in session.scalars(
                select(Service).where(Service.site_id == site.id).order_by(Service.position)
            )
        }
        counters = {
            cid: number
            for cid, number in session.execute(
                select(Counter.id, Counter.number).where(Counter.site_id == site.id)
            )
        }
        officers = {
            uid: full_name or username
            for uid, username, full_name in session.execute(
                select(User.id, User.username, User.full_name)
            )
        }
        scope = cls(site.id, tz, start, end, today, services, counters, officers)
        if flt.service is not None:
            scope.service_id = next(
                (i for i, s in services.items() if s.code == flt.service), None
            )
            if scope.service_id is None:
                raise ReportFilterError(
                    "service", f"Không có lĩnh vực {flt.service!r}", f"no service {flt.service!r}"
                )
        if flt.counter is not None:
            scope.counter_id = next((i for i, n in counters.items() if n == flt.counter), None)
            if scope.counter_id is None:
                raise ReportFilterError(
                    "counter", f"Không có quầy {flt.counter!r}", f"no counter {flt.counter!r}"
                )
        if flt.officer is not None and flt.officer not in officers:
            raise ReportFilterError(
                "officer", f"Không có cán bộ mã {flt.officer}", f"no user with id {flt.officer}"
            )
        return scope

    def where(self, flt: ReportFilter) -> tuple[str, dict]:
        """The WHERE clause (tickets of the range, not cancelled, filtered) and its values."""
        parts = [
            "t.site_id = :site_id",
            "t.issued_at >= :start",
            "t.issued_at < :end",
            "t.status <> 'cancelled'",
        ]
        params: dict = {"site_id": self.site_id, "start": self.start, "end": self.end}
        if self.service_id is not None:
            parts.append("t.service_id = :service_id")
            params["service_id"] = self.service_id
        if self.counter_id is not None:
            parts.append("t.counter_id = :counter_id")
            params["counter_id"] = self.counter_id
        if flt.officer is not None:
            parts.append("t.officer_id = :officer_id")
            params["officer_id"] = flt.officer
        return " AND ".join(parts), params

    def bucket_seconds(self) -> int:
        """An hour, unless the zone has a non-whole-hour offset in the range (then 15 min)."""
        return bucket_seconds(self.timezone, self.start, self.end)

    def day_bounds(self, first: date, last: date) -> tuple[datetime, datetime]:
        """UTC instants of the local midnights starting ``first`` and ending ``last``."""
        start = datetime.combine(first, time(0), tzinfo=self.timezone)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=self.timezone)
        return start.astimezone(UTC), end.astimezone(UTC)


@dataclass
class Report:
    """Every figure of one report: the API summary plus the page's extra tables."""

    flt: ReportFilter
    summary: dict
    by_officer: list[dict] = field(default_factory=list)
    by_day: list[dict] = field(default_factory=list)
    heat_map: dict = field(default_factory=dict)
    busiest_hours: list[int] = field(default_factory=list)
    #: bookings, check-ins, no-shows, punctuality and waits (``appointment_figures``)
    appointments: dict = field(default_factory=dict)
    #: the tallies behind the figures: "total", and by "service", "counter", "day" id
    tallies: dict = field(default_factory=dict, repr=False)


def reading_engine(engine: Engine) -> Engine:
    """An engine for long reads that never hold the writers' lock.

    The server's SQLite engine starts every transaction with ``BEGIN IMMEDIATE`` (the
    write lock) so issuing stays safe; a report scan under that lock would stop the
    kiosks. A plain engine on the same WAL file reads a snapshot while tickets keep
    being issued; its transactions begin with a plain ``BEGIN`` so that several reads
    share one snapshot. PostgreSQL readers never block writers.
    """
    if engine.dialect.name != "sqlite":
        return engine
    reader = create_engine(engine.url, connect_args={"check_same_thread": False})

    @event.listens_for(reader, "connect")
    def _driver_begins_nothing(dbapi_conn, record) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(reader, "begin")
    def _plain_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN")

    return reader


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def build_report(
    session: Session,
    reader: Engine,
    site: Site,
    flt: ReportFilter,
    today: date,
    rollups: sessionmaker[Session] | None = None,
    now: datetime | None = None,
) -> Report:
    """All figures for ``flt``; ``today`` is the site's local day (for waiting vs expired).

    ``session`` looks up the small tables; ``reader`` (see :func:`reading_engine`) reads
    the stored days and runs the live scans, each on its own connection, so a multi-core
    server uses its cores. With ``rollups`` (writing sessions), finished days of the range
    not stored yet are stored first (and changed ones stored again); without it they are
    counted live, with the same figures. ``now`` (default: the system clock) tells a
    booking whose check-in window has closed (a no-show) from one still to come.
    """
    scope = ReportScope.resolve(session, site, flt, today)
    last_finished = min(flt.last, today - timedelta(days=1))
    stored = StoredDays()
    if flt.first <= last_finished:
        if rollups is not None:
            refresh(rollups, SiteDays.of(site), today, days_between(flt.first, last_finished))
        stored = read_stored(reader, site.id, flt.first, last_finished, scope.service_id,
                             scope.counter_id, flt.officer)

    groups: dict[tuple, Tally] = stored.groups  # (service, counter, officer) → tally
    slots: dict[tuple[date, int], Tally] = stored.slots  # (local day, local hour) → tally
    live = [d for d in days_between(flt.first, flt.last) if d not in stored.days]
    where, params = scope.where(flt)
    bucket = scope.bucket_seconds()
    statements = []
    for first, last in _runs(live):
        start, end = scope.day_bounds(first, last)
        statements += scans(reader.dialect.name, where, {**params, "start": start, "end": end},
                            today, bucket)
    if statements:
        counted = scan_in_parallel(reader, statements)
        for row in counted.tally_rows:
            key = (row[0], row[1], row[2])
            sums, wait_max = row[4:-1], row[-1]
            group = groups.get(key) or groups.setdefault(key, Tally())
            group.add_sums(sums, wait_max)
            local = datetime.fromtimestamp(row[3] * bucket, scope.timezone)
            slot_key = (local.date(), local.hour)
            slot = slots.get(slot_key) or slots.setdefault(slot_key, Tally())
            slot.add_sums(sums, wait_max)
        for sid, cid, oid, seconds, count in counted.wait_rows:
            groups.setdefault((sid, cid, oid), Tally()).add_wait(seconds, count)
        for sid, cid, oid, seconds, count in counted.service_rows:
            groups.setdefault((sid, cid, oid), Tally()).add_service(seconds, count)
    report = _assemble(flt, scope, groups, slots)
    booking_scope = AppointmentScope(
        site.id, scope.start, scope.end, now or datetime.now(UTC),
        timedelta(minutes=site.check_in_after_min), scope.service_id, scope.counter_id,
    )
    counted_bookings = count_appointments(
        session, booking_scope, flt, lambda moment: moment.astimezone(scope.timezone).date()
    )
    report.appointments = appointment_section(
        counted_bookings, scope.services, scope.counters, report.tallies, _number_key
    )
    report.summary["appointments"] = report.appointments
    return report


def _assemble(
    flt: ReportFilter,
    scope: ReportScope,
    groups: dict[tuple, Tally],
    slots: dict[tuple[date, int], Tally],
) -> Report:
    total = Tally()
    per_service: dict[int, Tally] = {}
    per_counter: dict[int, Tally] = {}
    per_officer: dict[int, Tally] = {}
    for (sid, cid, oid), tally in groups.items():
        total.merge(tally)
        per_service.setdefault(sid, Tally()).merge(tally)
        if cid is not None:
            per_counter.setdefault(cid, Tally()).merge(tally)
        if oid is not None:
            per_officer.setdefault(oid, Tally()).merge(tally)

    per_hour: dict[int, Tally] = {}
    per_day: dict[date, Tally] = {}
    arrivals: dict[tuple[int, int], int] = {}
    for (day, hour), tally in slots.items():
        per_hour.setdefault(hour, Tally()).merge(tally)
        per_day.setdefault(day, Tally()).merge(tally)
        cell = (day.isoweekday(), hour)
        arrivals[cell] = arrivals.get(cell, 0) + int(tally["issued"])

    services = scope.services
    order = {sid: i for i, sid in enumerate(services)}
    summary = {"from": flt.first.isoformat(), "to": flt.last.isoformat(), **total.figures()}
    summary["by_service"] = [
        {
            "service": services[sid].code if sid in services else None,
            "name_vi": services[sid].name_vi if sid in services else "",
            "name_en": services[sid].name_en if sid in services else "",
            "target_wait_min": services[sid].target_wait_min if sid in services else None,
            **per_service[sid].figures(),
        }
        for sid in sorted(per_service, key=lambda s: order.get(s, len(order)))
    ]
    summary["by_counter"] = [
        {"counter": scope.counters.get(cid), **per_counter[cid].figures()}
        for cid in sorted(per_counter, key=lambda c: _number_key(scope.counters.get(c, "")))
    ]
    summary["by_hour"] = [
        {"hour": hour, **per_hour[hour].figures(percentiles=False)} for hour in sorted(per_hour)
    ]
    issued_by_hour = {h: int(t["issued"]) for h, t in per_hour.items()}
    return Report(
        flt=flt,
        summary=summary,
        by_officer=[
            {"officer_id": oid, "officer": scope.officers.get(oid, str(oid)),
             **per_officer[oid].figures()}
            for oid in sorted(per_officer, key=lambda o: scope.officers.get(o, ""))
        ],
        by_day=[
            {"day": day.isoformat(), "weekday": day.isoweekday(),
             **per_day[day].figures(percentiles=False)}
            for day in sorted(per_day)
        ],
        heat_map=heat_map(arrivals),
        busiest_hours=busiest_hours(issued_by_hour),
        tallies={"total": total, "service": per_service, "counter": per_counter,
                 "day": per_day},
    )


def _number_key(number: str) -> tuple[int, str]:
    """Counters in numeric order ("2" before "10"), other labels after them."""
    return (int(number), "") if number.isdigit() else (1 << 30, number)
