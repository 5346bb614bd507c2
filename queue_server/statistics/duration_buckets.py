"""Fixed-bucket histograms of durations: how a stored day keeps its waits and service times.

A finished day's roll-up cannot keep every ticket's duration (that would be the tickets
again), so it keeps counts in fixed buckets of whole seconds: 5 s wide up to 30 min,
10 s up to 1 h, 30 s up to 2 h, 2 min up to 4 h, 30 min up to 24 h, and one open bucket
beyond. Buckets of different days add up element by element, so a year of days is
merged with a few thousand list additions.

A percentile read from buckets is off by less than the width of the bucket it falls in
(at most 4 s below 30 min, 9 s below 1 h, 29 s below 2 h, 119 s below 4 h): each
ordered value is placed inside the bucket that really holds it.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from operator import add

#: (first second, bucket width) of each run of equal buckets, in order
RUNS = ((0, 5), (1800, 10), (3600, 30), (7200, 120), (14400, 1800))
#: where the open last bucket starts
OPEN_FROM = 86400


def _edges() -> list[int]:
    edges: list[int] = []
    for (start, width), end in zip(RUNS, [r[0] for r in RUNS[1:]] + [OPEN_FROM], strict=True):
        edges.extend(range(start, end, width))
    edges.append(OPEN_FROM)
    return edges


#: the first second of every bucket; the last bucket is open-ended
EDGES: list[int] = _edges()
SIZE = len(EDGES)
#: stored-format version: a stored day with another version is computed again
FORMAT = 1


def bucket_of(seconds: int) -> int:
    """The bucket index holding ``seconds`` (negative durations go in the first bucket)."""
    return max(0, bisect_right(EDGES, seconds) - 1)


def width_at(seconds: float) -> int | None:
    """Width of the bucket holding ``seconds`` (None for the open bucket)."""
    index = bucket_of(math.floor(seconds))
    return None if index == SIZE - 1 else EDGES[index + 1] - EDGES[index]


def error_bound(seconds: float) -> float | None:
    """How far a percentile near ``seconds`` read from buckets may be from the exact one."""
    width = width_at(seconds)
    return None if width is None else width - 1


class BucketHistogram:
    """Counts per bucket plus the largest value seen (which closes the open bucket)."""

    __slots__ = ("counts", "top")

    def __init__(self, counts: Iterable[int] | None = None, top: int | None = None) -> None:
        self.counts: list[int] = list(counts) if counts is not None else [0] * SIZE
        self.top = top

    @property
    def total(self) -> int:
        return sum(self.counts)

    def add(self, seconds: int, count: int = 1) -> None:
        self.counts[bucket_of(seconds)] += count
        if self.top is None or seconds > self.top:
            self.top = seconds

    def add_exact(self, histogram: Mapping[int, int]) -> None:
        """Fold a ``{seconds: tickets}`` histogram in (today's live part of a report)."""
        for seconds, count in histogram.items():
            self.add(seconds, count)

    def merge(self, other: BucketHistogram) -> None:
        self.merge_counts(other.counts, other.top)

    def merge_counts(self, counts: Sequence[int], top: int | None) -> None:
        """Add counts of the first ``len(counts)`` buckets (stored days omit empty tails)."""
        used = len(counts)
        self.counts[:used] = map(add, self.counts, counts)
        if top is not None and (self.top is None or top > self.top):
            self.top = top

    def copy(self) -> BucketHistogram:
        return BucketHistogram(self.counts, self.top)

    def _bounds(self, index: int) -> tuple[float, float]:
        low = EDGES[index]
        high = EDGES[index + 1] - 1 if index + 1 < SIZE else max(low, self.top or low)
        if self.top is not None:
            high = max(low, min(high, self.top))
        return low, high

    def _ordered(self, rank: int) -> float:
        """Estimate of the ``rank``-th smallest value (0-based), spread evenly in its bucket;
        the largest is known exactly."""
        if self.top is not None and rank == self.total - 1:
            return float(self.top)
        seen = 0
        for index, count in enumerate(self.counts):
            if count and seen + count > rank:
                low, high = self._bounds(index)
                return low + (high - low) * (rank - seen + 0.5) / count
            seen += count
        raise IndexError(rank)

    def percentile(self, p: float) -> float | None:
        """The p-th percentile (0-100), interpolated between order statistics as
        :func:`queue_server.statistics.figures.percentile` does on exact values."""
        total = self.total
        if total == 0:
            return None
        rank = (total - 1) * p / 100.0
        low_rank, high_rank = math.floor(rank), math.ceil(rank)
        low = self._ordered(low_rank)
        high = low if high_rank == low_rank else self._ordered(high_rank)
        return low + (high - low) * (rank - low_rank)


# --- storage: one compressed blob per day holding every group's two histograms

#: service, counter, officer, wait top, service top (-1: none), stored wait and service buckets
_GROUP = struct.Struct("<iiiiiHH")
_HEADER = struct.Struct("<HHI")  # format, buckets, groups
GroupKey = tuple[int, int | None, int | None]


def _packed(counts: list[int]) -> tuple[int, bytes]:
    """The counts up to the last non-empty bucket (long waits are rare), as uint32."""
    used = len(counts)
    while used and not counts[used - 1]:
        used -= 1
    data = array("I", counts[:used])
    if sys.byteorder == "big":  # pragma: no cover - stored little-endian everywhere
        data.byteswap()
    return used, data.tobytes()


def _unpacked(raw: memoryview) -> array:
    data = array("I")
    data.frombytes(raw)
    if sys.byteorder == "big":  # pragma: no cover
        data.byteswap()
    return data


def _none(value: int | None) -> int:
    return -1 if value is None else value


def _some(value: int) -> int | None:
    return None if value < 0 else value


def encode_groups(groups: Mapping[GroupKey, tuple[BucketHistogram, BucketHistogram]]) -> bytes:
    """The wait and service-time histograms of each (field, counter, officer) of a day.

    Groups without any duration (tickets never called) are left out.
    """
    parts = []
    for (sid, cid, oid), (wait, service) in groups.items():
        wait_used, wait_data = _packed(wait.counts)
        service_used, service_data = _packed(service.counts)
        if not wait_used and not service_used:
            continue
        parts.append(_GROUP.pack(sid, _none(cid), _none(oid), _none(wait.top),
                                 _none(service.top), wait_used, service_used))
        parts.append(wait_data)
        parts.append(service_data)
    header = _HEADER.pack(FORMAT, SIZE, len(parts) // 3)
    return zlib.compress(header + b"".join(parts), 6)


def decode_groups(blob: bytes) -> Iterable[tuple[GroupKey, array, int | None, array, int | None]]:
    """Yield ``(key, wait counts, wait top, service counts, service top)`` per group.

    The count arrays stop at their last non-empty bucket. Raises ValueError for a blob
    of another format or bucket scheme.
    """
    raw = memoryview(zlib.decompress(blob))
    version, size, count = _HEADER.unpack_from(raw, 0)
    if version != FORMAT or size != SIZE:
        raise ValueError(f"stored histograms have format {version}/{size} buckets")
    offset = _HEADER.size
    for _ in range(count):
        sid, cid, oid, wait_top, service_top, wait_used, service_used = _GROUP.unpack_from(
            raw, offset
        )
        offset += _GROUP.size
        wait = _unpacked(raw[offset:offset + 4 * wait_used])
        offset += 4 * wait_used
        service = _unpacked(raw[offset:offset + 4 * service_used])
        offset += 4 * service_used
        yield (sid, _some(cid), _some(oid)), wait, _some(wait_top), service, _some(service_top)
