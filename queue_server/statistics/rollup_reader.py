"""Reading the stored days of a report's range back as tallies (see ``daily_rollup``).

Two grouped sums over the hour rows (one by field × counter × officer, one by day ×
hour) let the database add up a year's few tens of thousands of rows; the duration
histograms come one blob per day and are added up here. All reads share one snapshot,
so a day stored again meanwhile is seen either entirely before or entirely after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BigInteger, Connection, Engine, cast, func, select

from queue_server.statistics.duration_buckets import BucketHistogram, decode_groups
from queue_server.statistics.figures import SUM_FIELDS, Tally
from queue_server.storage.tables import DailyRollup, DailyRollupDay

#: sums as integers (PostgreSQL would answer a sum of BIGINT as NUMERIC, i.e. Decimal)
_SUMS = [cast(func.sum(getattr(DailyRollup, name)), BigInteger) for name in SUM_FIELDS]


@dataclass
class StoredDays:
    """What the stored days of a range hold, for the report's filter."""

    days: set[date] = field(default_factory=set)
    #: (service, counter, officer) → tally with bucket histograms
    groups: dict[tuple, Tally] = field(default_factory=dict)
    #: (local day, local hour) → tally (sums only)
    slots: dict[tuple[date, int], Tally] = field(default_factory=dict)


def _snapshot(engine: Engine) -> Connection:
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def read_stored(
    engine: Engine,
    site_id: int,
    first: date,
    last: date,
    service_id: int | None = None,
    counter_id: int | None = None,
    officer_id: int | None = None,
) -> StoredDays:
    """The stored days between ``first`` and ``last`` and their figures for the filter.

    ``engine`` should begin real transactions (``report_query.reading_engine`` does), so
    the three reads see one snapshot.
    """
    stored = StoredDays()
    rollup_filter = [DailyRollup.site_id == site_id, DailyRollup.day >= first,
                     DailyRollup.day <= last]
    if service_id is not None:
        rollup_filter.append(DailyRollup.service_id == service_id)
    if counter_id is not None:
        rollup_filter.append(DailyRollup.counter_id == counter_id)
    if officer_id is not None:
        rollup_filter.append(DailyRollup.officer_id == officer_id)

    with _snapshot(engine) as conn, conn.begin():
        blobs = conn.execute(
            select(DailyRollupDay.day, DailyRollupDay.histograms).where(
                DailyRollupDay.site_id == site_id,
                DailyRollupDay.day >= first,
                DailyRollupDay.day <= last,
            )
        ).all()
        unreadable = []
        buckets: dict[tuple, list] = {}  # key → [wait counts, wait top, service counts, top]
        for day, blob in blobs:
            try:
                decoded = list(decode_groups(blob))
            except ValueError:  # another bucket scheme: count this day live instead
                unreadable.append(day)
                continue
            stored.days.add(day)
            for key, wait, wait_top, service, service_top in decoded:
                sid, cid, oid = key
                if ((service_id is not None and sid != service_id)
                        or (counter_id is not None and cid != counter_id)
                        or (officer_id is not None and oid != officer_id)):
                    continue
                acc = buckets.get(key)
                if acc is None:
                    acc = buckets[key] = [BucketHistogram(), BucketHistogram()]
                acc[0].merge_counts(wait, wait_top)
                acc[1].merge_counts(service, service_top)
        if unreadable:
            rollup_filter.append(DailyRollup.day.not_in(unreadable))
        if not stored.days:
            return stored

        for row in conn.execute(
            select(DailyRollup.service_id, DailyRollup.counter_id, DailyRollup.officer_id,
                   *_SUMS, func.max(DailyRollup.wait_max))
            .where(*rollup_filter)
            .group_by(DailyRollup.service_id, DailyRollup.counter_id, DailyRollup.officer_id)
        ):
            tally = stored.groups[(row[0], row[1], row[2])] = Tally()
            tally.add_sums(row[3:-1], row[-1])
        for row in conn.execute(
            select(DailyRollup.day, DailyRollup.hour, *_SUMS, func.max(DailyRollup.wait_max))
            .where(*rollup_filter)
            .group_by(DailyRollup.day, DailyRollup.hour)
        ):
            tally = stored.slots[(row[0], row[1])] = Tally()
            tally.add_sums(row[2:-1], row[-1])
    for key, (wait, service) in buckets.items():
        stored.groups.setdefault(key, Tally()).add_buckets(
            wait if wait.total else None, service if service.total else None
        )
    return stored

