"""What the booking pages show: the fields taking appointments, their days, one booking.

Read-only views over the same tables and rules as ``appointment_book``; the pages add
only words and layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.appointment_book import booking_field, booking_view, find_code
from queue_server.domain.appointment_slots import bookable_days, open_slots
from queue_server.hall import Hall
from queue_server.queue_views import appointment_rules
from queue_server.storage.tables import AppointmentSlot, Service, User


@dataclass(frozen=True)
class BookingSite:
    """The site's settings a citizen is told about when booking."""

    name: str
    timezone: str
    check_in_before_min: int
    check_in_after_min: int
    retention_days: int


def booking_site(hall: Hall, session: Session) -> BookingSite:
    site = hall.site(session)
    return BookingSite(
        name=site.name,
        timezone=site.timezone,
        check_in_before_min=site.check_in_before_min,
        check_in_after_min=site.check_in_after_min,
        retention_days=site.appointment_retention_days,
    )


def booking_fields(hall: Hall, session: Session) -> list[dict]:
    """Every active field that takes appointments, in the site's order."""
    site = hall.site(session)
    services = session.scalars(
        select(Service)
        .where(Service.site_id == site.id, Service.active.is_(True))
        .order_by(Service.id)
    )
    fields = []
    for service in services:
        rules = appointment_rules(service)
        if rules is None:
            continue
        fields.append({
            "code": service.code,
            "name_vi": service.name_vi,
            "name_en": service.name_en,
            "slot_min": rules.slot_min,
            "days_ahead": rules.days_ahead,
        })
    return fields


def booking_days(hall: Hall, session: Session, service_code: str) -> list[dict]:
    """The days of the booking window with at least one slot not yet begun.

    Closed days and the field's days off are left out; each day says how many places
    are still free in it.
    """
    field = booking_field(hall, session, service_code)
    now = hall.now()
    first, last = bookable_days(now.astimezone(ZoneInfo(field.timezone)).date(),
                                field.rules.days_ahead)
    booked = dict(session.execute(
        select(AppointmentSlot.start, AppointmentSlot.booked).where(
            AppointmentSlot.service_id == field.service.id,
            AppointmentSlot.start >= hall.day_bounds(field.site, first)[0],
            AppointmentSlot.start < hall.day_bounds(field.site, last)[1],
        )
    ).all())
    days = []
    day = first
    while day <= last:
        starts = open_slots(field.rules, day, field.timezone, now, field.closed)
        if starts:
            free = sum(max(field.rules.per_slot - booked.get(s, 0), 0) for s in starts)
            days.append({"day": day, "free": free})
        day = date.fromordinal(day.toordinal() + 1)
    return days


def booking_details(hall: Hall, session: Session, text: str) -> dict:
    """One booking for its page: the public view, the field's names, who booked it."""
    booking = find_code(session, text)
    view = booking_view(hall, session, booking)
    service = session.get(Service, booking.service_id)
    staff = session.get(User, booking.booked_by_id) if booking.booked_by_id else None
    return {
        **view,
        "start_at": datetime.fromisoformat(view["start"]),
        "service_name_vi": service.name_vi,
        "service_name_en": service.name_en,
        "booked_by": (staff.full_name or staff.username) if staff else None,
    }
