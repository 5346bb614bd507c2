"""Asking the database for the manager figures of one date range, in three grouped scans.

A year of a busy centre is about a million tickets: reading them one by one into
Python would take seconds, so the database does the counting. One scan groups the
tickets by (field, counter, officer, hour bucket) into counts and sums; two more
give histograms of whole-second waits and service times by (field, counter,
officer). Everything else (per field, counter, officer, local hour, local day,
weekday × hour arrivals, the medians) is rolled up from those few thousand rows in
plain Python (``figures``). The SQL is written once per dialect because SQLite and
PostgreSQL subtract timestamps differently.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Engine, bindparam, create_engine, select, text
from sqlalchemy.orm import Session

from queue_server.statistics.figures import Tally, busiest_hours, heat_map
from queue_server.statistics.report_filter import ReportFilter, ReportFilterError
from queue_server.storage.tables import Counter, Service, Site, User, UtcDateTime


def _sqlite_micros(column: str) -> str:
    """Microseconds since 1970 of a stored SQLite timestamp ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    return f"(unixepoch({column}) * 1000000 + CAST(substr({column}, 21, 6) AS INTEGER))"


def _sqlite_seconds(start: str, end: str) -> str:
    """Whole seconds from ``start`` to ``end``, halves rounded up, in integer arithmetic."""
    return f"(({_sqlite_micros(end)} - {_sqlite_micros(start)} + 500000) / 1000000)"


def _pg_seconds(start: str, end: str) -> str:
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start}))) AS INTEGER)"


#: per dialect: wait seconds, service seconds, issue instant as Unix seconds.
#: unixepoch() (SQLite 3.38+) is several times faster than julianday() on a big scan.
if sqlite3.sqlite_version_info >= (3, 38):
    _SQLITE = (
        _sqlite_seconds("t.issued_at", "t.called_at"),
        _sqlite_seconds("t.called_at", "t.done_at"),
        "unixepoch(t.issued_at)",
    )
else:  # pragma: no cover - older SQLite libraries
    _SQLITE = (
        "CAST(ROUND((julianday(t.called_at) - julianday(t.issued_at)) * 86400) AS INTEGER)",
        "CAST(ROUND((julianday(t.done_at) - julianday(t.called_at)) * 86400) AS INTEGER)",
        "CAST(strftime('%s', t.issued_at) AS INTEGER)",
    )
_EXPRESSIONS = {
    "sqlite": _SQLITE,
    "postgresql": (
        _pg_seconds("t.issued_at", "t.called_at"),
        _pg_seconds("t.called_at", "t.done_at"),
        "CAST(FLOOR(EXTRACT(EPOCH FROM t.issued_at)) AS BIGINT)",
    ),
}

_SERVED_TIMED = "(t.status = 'done' AND t.called_at IS NOT NULL AND t.done_at IS NOT NULL)"


def _flag(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _per_ticket(wait: str, service: str, epoch: str, where: str, keep: str) -> str:
    """One row per ticket with its durations computed once.

    ``keep`` is ``LIMIT -1`` on SQLite: a subquery with a LIMIT is not merged into the
    grouping query, so each timestamp is parsed once per ticket instead of once per
    aggregate that uses it (twice as fast on a year of tickets).
    """
    return f"""
SELECT t.service_id AS sid, t.counter_id AS cid, t.officer_id AS oid,
  {epoch} / :bucket AS bucket, t.status AS st, t.transferred AS tr, t.rating AS ra,
  t.estimated_wait_s AS est, t.service_day AS sd, t.called_at AS ca,
  {wait} AS w, {service} AS sv, s.target_wait_min * 60 AS tg
FROM tickets t JOIN services s ON s.id = t.service_id
WHERE {where} {keep}"""


def _tally_sql(rows: str) -> str:
    """Counts and sums per (field, counter, officer, bucket); columns as ``SUM_FIELDS``."""
    done_timed = "st = 'done' AND ca IS NOT NULL AND sv IS NOT NULL"
    return f"""
SELECT sid, cid, oid, bucket,
  COUNT(*),
  {_flag("st = 'done'")},
  {_flag("st = 'no_show'")},
  {_flag("tr")},
  {_flag("st = 'expired' OR (st = 'waiting' AND sd < :today)")},
  {_flag("st = 'waiting' AND sd >= :today")},
  COUNT(ca),
  SUM(w),
  {_flag("w <= tg")},
  {_flag(done_timed)},
  SUM(CASE WHEN {done_timed} THEN sv END),
  {_flag("ra = 1")},
  {_flag("ra = 2")},
  {_flag("ra = 3")},
  {_flag("ra = 4")},
  SUM(ABS(est - w)),
  MAX(w)
FROM ({rows}) AS per_ticket
GROUP BY sid, cid, oid, bucket"""


def _histogram_sql(value: str, where: str, condition: str, keep: str) -> str:
    return f"""
SELECT sid, cid, oid, seconds, COUNT(*) FROM (
  SELECT t.service_id AS sid, t.counter_id AS cid, t.officer_id AS oid, {value} AS seconds
  FROM tickets t WHERE {where} AND {condition} {keep}) AS per_ticket
GROUP BY sid, cid, oid, seconds"""


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
        day = self.start
        while day < self.end + timedelta(days=1):
            offset = day.astimezone(self.timezone).utcoffset() or timedelta(0)
            if offset.total_seconds() % 3600:
                return 900
            day += timedelta(days=1)
        return 3600


@dataclass
class Report:
    """Every figure of one report: the API summary plus the page's extra tables."""

    flt: ReportFilter
    summary: dict
    by_officer: list[dict] = field(default_factory=list)
    by_day: list[dict] = field(default_factory=list)
    heat_map: dict = field(default_factory=dict)
    busiest_hours: list[int] = field(default_factory=list)


def _statement(sql: str):
    return text(sql).bindparams(
        bindparam("start", type_=UtcDateTime()),
        bindparam("end", type_=UtcDateTime()),
        *([bindparam("today", type_=Date())] if ":today" in sql else []),
    )


def reading_engine(engine: Engine) -> Engine:
    """An engine for long reads that never hold the writers' lock.

    The server's SQLite engine starts every transaction with ``BEGIN IMMEDIATE`` (the
    write lock) so issuing stays safe; a report scan of several seconds under that
    lock would stop the kiosks. A plain engine on the same WAL file reads a snapshot
    while tickets keep being issued. PostgreSQL readers never block writers.
    """
    if engine.dialect.name == "sqlite":
        return create_engine(engine.url, connect_args={"check_same_thread": False})
    return engine


def _scan(engine: Engine, sql: str, params: dict) -> list:
    with engine.connect() as conn:
        return conn.execute(_statement(sql), params).all()


def build_report(
    session: Session, reader: Engine, site: Site, flt: ReportFilter, today: date
) -> Report:
    """All figures for ``flt``; ``today`` is the site's local day (for waiting vs expired).

    ``session`` looks up the small tables; ``reader`` (see :func:`reading_engine`) runs
    the three big scans at once, each on its own connection, so a multi-core server
    uses its cores.
    """
    scope = ReportScope.resolve(session, site, flt, today)
    dialect = reader.dialect.name
    wait, service, epoch = _EXPRESSIONS["postgresql" if dialect == "postgresql" else "sqlite"]
    where, params = scope.where(flt)
    bucket = scope.bucket_seconds()
    keep = "LIMIT -1" if dialect == "sqlite" else ""
    rows = _per_ticket(wait, service, epoch, where, keep)
    scans = [
        (_tally_sql(rows), {**params, "today": today, "bucket": bucket}),
        (_histogram_sql(wait, where, "t.called_at IS NOT NULL", keep), params),
        (_histogram_sql(service, where, _SERVED_TIMED, keep), params),
    ]
    with ThreadPoolExecutor(max_workers=len(scans)) as pool:
        tally_rows, wait_rows, service_rows = pool.map(lambda s: _scan(reader, *s), scans)

    groups: dict[tuple, Tally] = {}  # (service, counter, officer) → tally
    buckets: dict[int, Tally] = {}  # hour bucket → tally
    for row in tally_rows:
        key = (row[0], row[1], row[2])
        sums, wait_max = row[4:-1], row[-1]
        group = groups.get(key) or groups.setdefault(key, Tally())
        group.add_sums(sums, wait_max)
        slot = buckets.get(row[3]) or buckets.setdefault(row[3], Tally())
        slot.add_sums(sums, wait_max)
    for sid, cid, oid, seconds, count in wait_rows:
        groups.setdefault((sid, cid, oid), Tally()).add_wait(seconds, count)
    for sid, cid, oid, seconds, count in service_rows:
        groups.setdefault((sid, cid, oid), Tally()).add_service(seconds, count)
    return _assemble(flt, scope, groups, buckets, bucket)


def _assemble(
    flt: ReportFilter,
    scope: ReportScope,
    groups: dict[tuple, Tally],
    buckets: dict[int, Tally],
    bucket_size: int,
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
    for bucket_no, tally in buckets.items():
        local = datetime.fromtimestamp(bucket_no * bucket_size, scope.timezone)
        per_hour.setdefault(local.hour, Tally()).merge(tally)
        per_day.setdefault(local.date(), Tally()).merge(tally)
        cell = (local.isoweekday(), local.hour)
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
    )


def _number_key(number: str) -> tuple[int, str]:
    """Counters in numeric order ("2" before "10"), other labels after them."""
    return (int(number), "") if number.isdigit() else (1 << 30, number)
