"""Counting tickets in the database: three grouped scans over a span of issue times.

One scan groups the tickets by (field, counter, officer, time bucket) into counts and
sums (columns in ``figures.SUM_FIELDS`` order, then the longest wait); two more give
histograms of whole-second waits and service times by (field, counter, officer). The
live part of a report (today) and the daily roll-up both come from these scans, so a
stored day holds exactly what a live report of that day would count. The SQL is
written once per dialect because SQLite and PostgreSQL subtract timestamps differently.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Date, Engine, bindparam, text

from queue_server.storage.tables import UtcDateTime


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


def wait_seconds_sql(dialect: str) -> str:
    """The SQL of a ticket's whole-second wait (``t.issued_at`` → ``t.called_at``)."""
    return _EXPRESSIONS["postgresql" if dialect == "postgresql" else "sqlite"][0]


def statement(sql: str):
    """A scan's SQL with its ``:start``, ``:end`` (and ``:today``) parameters typed."""
    return _statement(sql)


def _statement(sql: str):
    return text(sql).bindparams(
        bindparam("start", type_=UtcDateTime()),
        bindparam("end", type_=UtcDateTime()),
        *([bindparam("today", type_=Date())] if ":today" in sql else []),
    )


@dataclass
class TicketGroups:
    """The raw grouped rows of the three scans."""

    #: (service, counter, officer, bucket, *SUM_FIELDS, longest wait)
    tally_rows: list
    #: (service, counter, officer, wait seconds, tickets)
    wait_rows: list
    #: (service, counter, officer, service seconds, tickets)
    service_rows: list


def scans(dialect: str, where: str, params: dict, today: date, bucket: int) -> list[tuple]:
    """The three (statement, parameters) pairs for the tickets ``where`` selects.

    ``where`` may use ``t.`` (tickets) columns and must bind ``:start`` and ``:end``.
    """
    wait, service, epoch = _EXPRESSIONS["postgresql" if dialect == "postgresql" else "sqlite"]
    keep = "LIMIT -1" if dialect == "sqlite" else ""
    rows = _per_ticket(wait, service, epoch, where, keep)
    return [
        (_statement(_tally_sql(rows)), {**params, "today": today, "bucket": bucket}),
        (_statement(_histogram_sql(wait, where, "t.called_at IS NOT NULL", keep)), params),
        (_statement(_histogram_sql(service, where, _SERVED_TIMED, keep)), params),
    ]


def scan_in_parallel(engine: Engine, statements: list[tuple]) -> TicketGroups:
    """Run the scans at once, each on its own connection, so a multi-core server uses them."""

    def run(pair):
        with engine.connect() as conn:
            return conn.execute(*pair).all()

    with ThreadPoolExecutor(max_workers=min(4, len(statements))) as pool:
        return TicketGroups(*pool.map(run, statements))


def scan_on(conn: Connection, statements: list[tuple]) -> TicketGroups:
    """Run the scans one after the other on one connection (inside its transaction)."""
    return TicketGroups(*(conn.execute(*pair).all() for pair in statements))


def bucket_seconds(tz: ZoneInfo, start: datetime, end: datetime) -> int:
    """An hour, unless the zone has a non-whole-hour offset in the span (then 15 minutes),
    so every bucket falls within one local hour."""
    day = start
    while day < end + timedelta(days=1):
        offset = day.astimezone(tz).utcoffset() or timedelta(0)
        if offset.total_seconds() % 3600:
            return 900
        day += timedelta(days=1)
    return 3600
