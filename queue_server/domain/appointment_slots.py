"""Appointment slots of a field: when they start, which days can be booked.

A field with appointments offers slots of ``slot_min`` minutes inside its
appointment hours (its opening hours unless set), on its weekdays, for the next
``days_ahead`` days, never on the site's closed days. Each slot holds ``per_slot``
bookings. Times are aware datetimes in the site's zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from queue_server.domain.opening_hours import OpeningHours

#: share of a counter's calls that may go to appointments while walk-ins wait
DEFAULT_MAX_SHARE = 0.5


@dataclass(frozen=True)
class AppointmentRules:
    """The ``appointments = {…}`` table of one field, with the field's hours filled in."""

    slot_min: int
    per_slot: int
    days_ahead: int
    prefix: str
    hours: OpeningHours = field(default_factory=OpeningHours)
    max_share: float = DEFAULT_MAX_SHARE


def bookable_days(today: date, days_ahead: int) -> tuple[date, date]:
    """First and last day a citizen may book: today through ``days_ahead`` days later."""
    return today, today + timedelta(days=days_ahead)


def slot_starts(
    rules: AppointmentRules,
    day: date,
    timezone: str,
    closed_days: Iterable[date] = (),
) -> list[datetime]:
    """Every slot start of ``day`` (booked or not, past or not), in order.

    A slot fits wholly inside one span of the hours: a 15-minute grid over
    07:00-11:30 ends with the 11:15 slot.
    """
    if day in set(closed_days):
        return []
    if rules.hours.weekdays and day.isoweekday() not in rules.hours.weekdays:
        return []
    tz = ZoneInfo(timezone)
    step = timedelta(minutes=rules.slot_min)
    starts: list[datetime] = []
    for span in sorted(rules.hours.spans, key=lambda s: s.start):
        at = datetime.combine(day, span.start, tzinfo=tz)
        end = datetime.combine(day, span.end, tzinfo=tz)
        while at + step <= end + timedelta(microseconds=1):
            starts.append(at)
            at += step
    return starts


def open_slots(
    rules: AppointmentRules,
    day: date,
    timezone: str,
    now: datetime,
    closed_days: Iterable[date] = (),
) -> list[datetime]:
    """The slots of ``day`` a citizen may book now: inside the booking window, not begun."""
    tz = ZoneInfo(timezone)
    first, last = bookable_days(now.astimezone(tz).date(), rules.days_ahead)
    if not first <= day <= last:
        return []
    return [s for s in slot_starts(rules, day, timezone, closed_days) if s > now]


def is_open_slot(
    rules: AppointmentRules,
    start: datetime,
    timezone: str,
    now: datetime,
    closed_days: Iterable[date] = (),
) -> bool:
    """Whether a booking for ``start`` (an aware datetime) may be taken now."""
    local = start.astimezone(ZoneInfo(timezone))
    return local in open_slots(rules, local.date(), timezone, now, closed_days)
