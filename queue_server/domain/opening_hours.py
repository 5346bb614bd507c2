"""Whether a service takes new tickets at a given local time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$")


@dataclass(frozen=True)
class TimeSpan:
    start: time
    end: time

    def contains(self, t: time) -> bool:
        return self.start <= t < self.end


def parse_span(text: str) -> TimeSpan:
    """Parse ``"07:00-11:30"``; a ValueError says what is wrong."""
    m = _SPAN.match(text.strip())
    if not m:
        raise ValueError(f"bad time span {text!r}, expected HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start = time(h1, m1)
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"bad time span {text!r}: end is not after start")
    return TimeSpan(start, end)


@dataclass(frozen=True)
class OpeningHours:
    """Hours (empty = all day) on ISO weekdays (1 = Monday … 7 = Sunday; empty = every day)."""

    spans: tuple[TimeSpan, ...] = ()
    weekdays: frozenset[int] = frozenset()

    @classmethod
    def parse(cls, spans: list[str] | None, weekdays: list[int] | None) -> OpeningHours:
        days = frozenset(weekdays or ())
        if any(d not in range(1, 8) for d in days):
            raise ValueError(f"weekdays must be 1..7 (Monday=1), got {sorted(days)}")
        return cls(tuple(parse_span(s) for s in spans or ()), days)

    def is_open(self, local: datetime) -> bool:
        """True when ``local`` (a time in the site's zone) is inside opening hours."""
        if self.weekdays and local.isoweekday() not in self.weekdays:
            return False
        if not self.spans:
            return True
        t = local.time()
        return any(span.contains(t) for span in self.spans)

    def as_text(self) -> list[str]:
        return [f"{s.start:%H:%M}-{s.end:%H:%M}" for s in self.spans]
