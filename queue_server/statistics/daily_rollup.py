"""Storing each finished local day's figures, computed from its tickets, for fast reports.

A year of a busy centre is a million tickets; a report over it would scan them all.
Instead each finished day is counted once, with the same scans a live report uses
(``ticket_scan``), into ``daily_rollup`` rows (per field, counter, officer and local
hour: counts, sums, longest wait) and one ``daily_rollup_days`` row (the day's wait and
service-time bucket histograms per field, counter and officer). Today is never stored.

When a day is stored:
- at the day rollover (``DayRollover.check``): the last ``RECENT_DAYS`` finished days;
- lazily, when a report covers a finished day that is not stored;
- on demand: ``python -m queue_server rollup [--from D --to D]``.
Storing a day again gives the same rows (it replaces them), so any of these may run at
any time, at once or repeatedly.

Late changes are never lost. Every change to a ticket appends a ``ticket_events`` row,
and every storing transaction first looks at the events added since the previous one
(their ids are above the site's ``events_through`` watermark): a stored day whose
tickets got such an event (a rating after midnight, a completion after closing time)
is forgotten and stored again. The transaction holds the writers' lock (SQLite) or a
lock excluding event writers (PostgreSQL), so no event can commit unseen behind the
watermark.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from queue_server.statistics.duration_buckets import BucketHistogram, encode_groups
from queue_server.statistics.figures import SUM_FIELDS
from queue_server.statistics.ticket_scan import bucket_seconds, scan_on, scans
from queue_server.storage.tables import (
    DailyRollup,
    DailyRollupDay,
    Site,
    Ticket,
    TicketEvent,
)

log = logging.getLogger(__name__)

#: finished days the day rollover keeps stored without being asked
RECENT_DAYS = 7
#: keeps event writers out while a day is counted (PostgreSQL; SQLite has one writer)
_PG_LOCK = "LOCK TABLE ticket_events IN SHARE ROW EXCLUSIVE MODE"
#: the tickets of one day, as the live report selects them
_DAY_WHERE = (
    "t.site_id = :site_id AND t.issued_at >= :start AND t.issued_at < :end "
    "AND t.status <> 'cancelled'"
)


@dataclass
class RollupResult:
    """Which days a run stored, and which stored days it found changed."""

    stored: list[date] = field(default_factory=list)
    changed: list[date] = field(default_factory=list)


@dataclass(frozen=True)
class SiteDays:
    """The site a roll-up works for: its id and time zone."""

    site_id: int
    timezone: str

    @classmethod
    def of(cls, site: Site) -> SiteDays:
        return cls(site.id, site.timezone)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _begin_locked(session: Session) -> int:
    """Lock out event writers; returns the newest event id (all older ones are committed)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(_PG_LOCK))
    return session.scalar(select(func.max(TicketEvent.id))) or 0


def _forget(session: Session, site_id: int, days: list[date]) -> None:
    session.execute(
        delete(DailyRollup).where(DailyRollup.site_id == site_id, DailyRollup.day.in_(days))
    )
    session.execute(
        delete(DailyRollupDay).where(
            DailyRollupDay.site_id == site_id, DailyRollupDay.day.in_(days)
        )
    )


def _sync(session: Session, site_id: int, newest_event: int) -> list[date]:
    """Forget stored days whose tickets changed since the watermark; move it to now.

    The watermark is the largest ``events_through`` of the site's stored days: every
    stored day includes all events up to it. Returns the forgotten days.
    """
    watermark = session.scalar(
        select(func.max(DailyRollupDay.events_through)).where(DailyRollupDay.site_id == site_id)
    )
    if watermark is None or watermark >= newest_event:
        return []
    touched = list(
        session.scalars(
            select(Ticket.service_day)
            .distinct()
            .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
            .where(
                TicketEvent.id > watermark,
                TicketEvent.id <= newest_event,
                Ticket.site_id == site_id,
            )
        )
    )
    changed = []
    if touched:
        changed = sorted(
            session.scalars(
                select(DailyRollupDay.day).where(
                    DailyRollupDay.site_id == site_id, DailyRollupDay.day.in_(touched)
                )
            )
        )
        if changed:
            _forget(session, site_id, changed)
    newest_day = session.scalar(
        select(DailyRollupDay.day)
        .where(DailyRollupDay.site_id == site_id)
        .order_by(DailyRollupDay.events_through.desc())
        .limit(1)
    )
    if newest_day is not None:
        session.execute(
            update(DailyRollupDay)
            .where(DailyRollupDay.site_id == site_id, DailyRollupDay.day == newest_day)
            .values(events_through=newest_event)
        )
    return changed


def _store_day(
    session: Session, site: SiteDays, day: date, today: date, events_through: int, now: datetime
) -> None:
    """Count ``day``'s tickets and store the rows (replacing any stored before)."""
    tz = ZoneInfo(site.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    bucket = bucket_seconds(tz, start, end)
    params = {"site_id": site.site_id, "start": start, "end": end}
    dialect = session.get_bind().dialect.name
    groups = scan_on(session.connection(), scans(dialect, _DAY_WHERE, params, today, bucket))

    hours: dict[tuple, list] = {}  # (service, counter, officer, local hour) → sums + max wait
    for row in groups.tally_rows:
        hour = datetime.fromtimestamp(row[3] * bucket, tz).hour
        key = (row[0], row[1], row[2], hour)
        sums = [v or 0 for v in row[4:-1]]
        if key in hours:
            old = hours[key]
            merged = [a + b for a, b in zip(old[:-1], sums, strict=True)]
            top = max((m for m in (old[-1], row[-1]) if m is not None), default=None)
            hours[key] = [*merged, top]
        else:
            hours[key] = [*sums, row[-1]]
    histograms: dict[tuple, tuple[BucketHistogram, BucketHistogram]] = {}
    for rows, which in ((groups.wait_rows, 0), (groups.service_rows, 1)):
        for sid, cid, oid, seconds, count in rows:
            pair = histograms.get((sid, cid, oid))
            if pair is None:
                pair = histograms[(sid, cid, oid)] = (BucketHistogram(), BucketHistogram())
            pair[which].add(seconds, count)

    _forget(session, site.site_id, [day])
    if hours:
        session.execute(
            insert(DailyRollup),
            [
                {"site_id": site.site_id, "day": day, "service_id": sid, "counter_id": cid,
                 "officer_id": oid, "hour": hour, **dict(zip(SUM_FIELDS, values, strict=False)),
                 "wait_max": values[-1]}
                for (sid, cid, oid, hour), values in hours.items()
            ],
        )
    session.add(DailyRollupDay(
        site_id=site.site_id, day=day, events_through=events_through,
        tickets=sum(int(v[0]) for v in hours.values()), rolled_at=now,
        histograms=encode_groups(histograms),
    ))


def _stored_days(session: Session, site_id: int, days: list[date]) -> set[date]:
    if not days:
        return set()
    return set(
        session.scalars(
            select(DailyRollupDay.day).where(
                DailyRollupDay.site_id == site_id,
                DailyRollupDay.day >= min(days),
                DailyRollupDay.day <= max(days),
            )
        )
    )


def refresh(
    sessions: sessionmaker[Session],
    site: SiteDays,
    today: date,
    days: Iterable[date],
    *,
    again: bool = False,
    now: datetime | None = None,
) -> RollupResult:
    """Store the finished ``days`` not stored yet (all of them with ``again``), and store
    again any stored day whose tickets changed. Each day in its own short transaction,
    so kiosks and counters never wait long for the database.

    ``sessions`` must make writing sessions (``BEGIN IMMEDIATE`` on SQLite).
    """
    now = now or datetime.now(UTC)
    wanted = sorted(d for d in set(days) if d < today)
    result = RollupResult()
    with sessions() as session, session.begin():
        newest = _begin_locked(session)
        result.changed = _sync(session, site.site_id, newest)
        stored = _stored_days(session, site.site_id, wanted)
    todo = sorted(set(result.changed) | {d for d in wanted if again or d not in stored})
    while todo:
        day = todo.pop(0)
        with sessions() as session, session.begin():
            newest = _begin_locked(session)
            changed = _sync(session, site.site_id, newest)
            result.changed.extend(changed)
            todo = sorted(set(todo) | set(changed))
            if not again and day not in changed and day in _stored_days(
                session, site.site_id, [day]
            ):
                continue  # stored meanwhile by another process
            _store_day(session, site, day, today, newest, now)
            result.stored.append(day)
    if result.changed:
        log.info("report roll-up: stored again %s (their tickets changed)",
                 ", ".join(d.isoformat() for d in sorted(set(result.changed))))
    return result


def roll_up_finished_days(hall, recent: int = RECENT_DAYS) -> RollupResult:
    """The day rollover's part: keep the last ``recent`` finished days stored and store
    again any day whose tickets changed. Cheap when nothing changed (a few indexed reads).
    """
    with hall.read() as session:
        found = hall.site(session)
        site, today = SiteDays.of(found), hall.local_day(found)
    return refresh(
        hall.sessions, site, today, days_between(today - timedelta(days=recent), today),
        now=hall.now(),
    )


def keep_rolled_up(hall) -> None:
    """:func:`roll_up_finished_days` for the day rollover: a failure is logged, never raised,
    because expiring tickets and serving the hall matter more (reports store lazily too)."""
    try:
        roll_up_finished_days(hall)
    except Exception:
        log.exception("report roll-up failed; reports count those days live meanwhile")
