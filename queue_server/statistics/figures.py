"""The arithmetic of the manager figures, in plain Python over grouped rows.

Durations are whole seconds (rounded), so a distribution is a histogram
``{seconds: tickets}``: the database can group a day's tickets into a few hundred
such rows, and the median and p90 stay exact. Finished days stored as roll-ups bring
fixed-bucket histograms instead (``duration_buckets``); a tally holding any of those
reads its median and p90 from buckets, within the bound stated there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from operator import add

from queue_server.statistics.duration_buckets import BucketHistogram

#: the summed columns of a tally, in the order the database query returns them
SUM_FIELDS = (
    "issued",
    "served",
    "no_show",
    "transferred",
    "expired",
    "waiting",
    "called",
    "wait_sum",
    "within_target",
    "service_n",
    "service_sum",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "estimate_error_sum",
)
_INDEX = {name: i for i, name in enumerate(SUM_FIELDS)}
#: ratings 3 (Hài lòng) and 4 (Rất hài lòng) count as satisfied
SATISFIED = (3, 4)


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0-100), interpolating linearly between order statistics."""
    data = sorted(values)
    return percentile_of_counts([(v, 1) for v in data], p)


def percentile_of_counts(pairs: Iterable[tuple[float, int]], p: float) -> float | None:
    """Like :func:`percentile`, over ``(value, count)`` pairs sorted by value."""
    pairs = [(v, c) for v, c in pairs if c > 0]
    total = sum(c for _, c in pairs)
    if total == 0:
        return None
    rank = (total - 1) * p / 100.0
    low_rank, high_rank = math.floor(rank), math.ceil(rank)
    low = high = None
    seen = 0
    for value, count in pairs:
        seen += count
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    return low + (high - low) * (rank - low_rank)


def _mean(total: float, n: int) -> float | None:
    return round(total / n, 1) if n else None


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class Tally:
    """Counts, sums and duration histograms of a group of tickets, mergeable."""

    __slots__ = ("sums", "wait_max", "wait_hist", "service_hist", "wait_buckets",
                 "service_buckets")

    def __init__(self) -> None:
        self.sums: list[float] = [0] * len(SUM_FIELDS)
        self.wait_max: int | None = None
        self.wait_hist: dict[int, int] = {}
        self.service_hist: dict[int, int] = {}
        #: bucket histograms of rolled-up days (None while only live tickets were added)
        self.wait_buckets: BucketHistogram | None = None
        self.service_buckets: BucketHistogram | None = None

    def __getitem__(self, name: str) -> float:
        return self.sums[_INDEX[name]]

    def add_sums(self, values: Iterable[float | None], wait_max: int | None = None) -> None:
        """Add one grouped row (columns in ``SUM_FIELDS`` order; NULL counts as 0)."""
        self.sums = list(map(add, self.sums, (v or 0 for v in values)))
        if wait_max is not None and (self.wait_max is None or wait_max > self.wait_max):
            self.wait_max = wait_max

    def add_wait(self, seconds: int, count: int = 1) -> None:
        self.wait_hist[seconds] = self.wait_hist.get(seconds, 0) + count

    def add_service(self, seconds: int, count: int = 1) -> None:
        self.service_hist[seconds] = self.service_hist.get(seconds, 0) + count

    def add_buckets(self, wait: BucketHistogram | None, service: BucketHistogram | None) -> None:
        """Add the duration buckets of a rolled-up day (its sums come through add_sums)."""
        if wait is not None:
            if self.wait_buckets is None:
                self.wait_buckets = BucketHistogram()
            self.wait_buckets.merge(wait)
        if service is not None:
            if self.service_buckets is None:
                self.service_buckets = BucketHistogram()
            self.service_buckets.merge(service)

    def merge(self, other: Tally) -> None:
        self.add_sums(other.sums, other.wait_max)
        for k, c in other.wait_hist.items():
            self.add_wait(k, c)
        for k, c in other.service_hist.items():
            self.add_service(k, c)
        self.add_buckets(other.wait_buckets, other.service_buckets)

    def add_ticket(
        self,
        *,
        status: str,
        transferred: bool = False,
        wait_s: int | None = None,
        service_s: int | None = None,
        target_s: int = 0,
        rating: int | None = None,
        estimated_wait_s: int = 0,
    ) -> None:
        """Count one ticket (for small sets; the database does this in bulk)."""
        row = dict.fromkeys(SUM_FIELDS, 0)
        row["issued"] = 1
        key = {"done": "served", "no_show": "no_show", "expired": "expired"}.get(status)
        if key:
            row[key] = 1
        if status == "waiting":
            row["waiting"] = 1
        row["transferred"] = int(transferred)
        if wait_s is not None:
            row["called"] = 1
            row["wait_sum"] = wait_s
            row["within_target"] = int(wait_s <= target_s)
            row["estimate_error_sum"] = abs(estimated_wait_s - wait_s)
            self.add_wait(wait_s)
        if status == "done" and service_s is not None:
            row["service_n"] = 1
            row["service_sum"] = service_s
            self.add_service(service_s)
        if rating in (1, 2, 3, 4):
            row[f"rating_{rating}"] = 1
        self.add_sums(row.values(), wait_s)

    def figures(self, percentiles: bool = True) -> dict:
        """The figures of DESIGN.md section 9 for this group (None where no data)."""
        s = self.sums
        i = _INDEX
        called = int(s[i["called"]])
        ratings = {str(r): int(s[i[f"rating_{r}"]]) for r in (1, 2, 3, 4)}
        rated = sum(ratings.values())
        wait = {"mean": _mean(s[i["wait_sum"]], called)}
        service = {"mean": _mean(s[i["service_sum"]], int(s[i["service_n"]]))}
        if percentiles:
            wait["median"], wait["p90"] = _median_p90(self.wait_hist, self.wait_buckets)
            service["median"], service["p90"] = _median_p90(
                self.service_hist, self.service_buckets
            )
        wait["max"] = self.wait_max if called else None
        return {
            "issued": int(s[i["issued"]]),
            "served": int(s[i["served"]]),
            "no_show": int(s[i["no_show"]]),
            "transferred": int(s[i["transferred"]]),
            "expired": int(s[i["expired"]]),
            "waiting": int(s[i["waiting"]]),
            "wait_s": wait,
            "service_s": service,
            "service_level_pct": _pct(int(s[i["within_target"]]), called),
            "ratings": ratings,
            "satisfied_pct": _pct(sum(ratings[str(r)] for r in SATISFIED), rated),
            "estimate_mae_s": _mean(s[i["estimate_error_sum"]], called),
        }


def _median_p90(
    exact: dict[int, int], buckets: BucketHistogram | None
) -> tuple[float | None, float | None]:
    """Exact from whole seconds, unless rolled-up days brought bucket counts."""
    if buckets is None or not any(buckets.counts):
        pairs = sorted(exact.items())
        return _round(percentile_of_counts(pairs, 50)), _round(percentile_of_counts(pairs, 90))
    merged = buckets.copy()
    merged.add_exact(exact)
    return _round(merged.percentile(50)), _round(merged.percentile(90))


def busiest_hours(issued_by_hour: Mapping[int, int], count: int = 3) -> list[int]:
    """The local hours with the most arrivals, busiest first (ties: earlier hour first)."""
    ranked = sorted((h for h, n in issued_by_hour.items() if n > 0),
                    key=lambda h: (-issued_by_hour[h], h))
    return ranked[:count]


def heat_map(arrivals: Mapping[tuple[int, int], int]) -> dict:
    """Arrivals by (ISO weekday 1-7, local hour) as a grid for the page.

    Only the hours that saw any arrival are kept as columns, so a centre open
    07:00-17:00 gets ten columns, not twenty-four.
    """
    hours = sorted({h for (_, h), n in arrivals.items() if n > 0})
    peak = max(arrivals.values(), default=0)
    rows = [
        {"weekday": d, "cells": [arrivals.get((d, h), 0) for h in hours]} for d in range(1, 8)
    ]
    return {"hours": hours, "rows": rows, "peak": peak}
