"""Checking in at the kiosk with a booking code: the booking becomes a ticket.

The ticket is written by the same path as a walk-in's (``ticket_issuer.write_ticket``),
so it reaches the board, the voice and the counters like any other; it carries its
slot's start (``appointment_start``), numbers in the field's appointment series
(H001, H002, …) and is called first once its slot has begun
(``domain.counter_desk.choose_for_counter``). Checking in twice answers with the same
ticket. Bookings nobody checked in become no-shows when check-in closes, and their
name and phone are erased after the site's retention period.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update

from queue_server.appointment_book import find_code
from queue_server.domain.booking_status import BookingStatus
from queue_server.domain.check_in_window import check_in_verdict
from queue_server.domain.numbering import format_ticket_number
from queue_server.domain.queue_error import QueueError
from queue_server.hall import Hall
from queue_server.queue_views import appointment_wait_s, appointments_ahead_of, ticket_view
from queue_server.storage.day_counters import bump_day_counter
from queue_server.storage.tables import Appointment, AppointmentNumbers, Service, Site, Ticket
from queue_server.ticket_issuer import (
    DeviceRef,
    IssuedNumber,
    field_pace,
    service_rules,
    write_ticket,
)

#: appointment tickets' sequences start here, above any walk-in sequence (first_number
#: and daily_limit stay below 100 000), so the field's two series never share a value
APPOINTMENT_SERIES = 1_000_000


def check_in(hall: Hall, text: str, device: DeviceRef | None = None) -> tuple[dict, bool]:
    """Check a booking in; returns (ticket view, created). A repeat returns the same ticket."""
    with hall.transaction() as session:
        booking = find_code(session, text, for_update=True)
        site = session.get(Site, booking.site_id)
        service = session.get(Service, booking.service_id)
        if booking.status == BookingStatus.CHECKED_IN:
            ticket = session.get(Ticket, booking.ticket_id)
            return ticket_view(hall, session, ticket), False
        if booking.status == BookingStatus.CANCELLED:
            raise QueueError(
                "cancelled",
                "Lịch hẹn này đã bị hủy",
                "this booking was cancelled",
                409,
            )
        tz = ZoneInfo(site.timezone)
        now = hall.now()
        verdict = check_in_verdict(
            booking.start,
            now,
            timedelta(minutes=site.check_in_before_min),
            timedelta(minutes=site.check_in_after_min),
        )
        if booking.status == BookingStatus.NO_SHOW or verdict.outcome == "too_late":
            raise QueueError(
                "too_late",
                f"Đã quá giờ hẹn {booking.start.astimezone(tz):%H:%M}; vui lòng lấy số "
                f"thường của lĩnh vực {service.name_vi}",
                f"the booking's check-in has closed; take a walk-in ticket of {service.name_en}",
                409,
                details={"service": service.code},
            )
        if verdict.outcome == "too_early":
            come_back = verdict.come_back_at.astimezone(tz)
            raise QueueError(
                "too_early",
                f"Chưa đến giờ nhận số cho lịch hẹn {booking.start.astimezone(tz):%H:%M}; "
                f"vui lòng quay lại từ {come_back:%H:%M}",
                f"too early for this booking; come back from {come_back:%H:%M}",
                409,
                details={"come_back_at": come_back.isoformat()},
            )
        rules = service_rules(hall, service.code)
        if rules is None or rules.appointments is None:
            raise QueueError(
                "no_appointments",
                f"Lĩnh vực {service.name_vi} không còn nhận lịch hẹn",
                f"{service.name_en} takes no appointments any more",
                409,
            )
        day = now.astimezone(tz).date()
        n = bump_day_counter(session, AppointmentNumbers, service.id, day)
        ahead = appointments_ahead_of(session, service.id, booking.start)
        estimate = appointment_wait_s(ahead, field_pace(hall, rules), now, booking.start)
        ticket_id, view = write_ticket(
            hall,
            session,
            rules,
            IssuedNumber(
                format_ticket_number(rules.appointments.prefix, n, rules.number_width),
                APPOINTMENT_SERIES + n,
            ),
            priority=False,
            device=device,
            scoped_key=None,
            ahead=ahead,
            estimate=estimate,
            appointment_start=booking.start,
        )
        booking.status = BookingStatus.CHECKED_IN
        booking.ticket_id = ticket_id
        booking.closed_at = now
        return view, True


def mark_no_shows(hall: Hall) -> int:
    """Bookings still open when their check-in closed become ``no_show``; returns how many."""
    with hall.transaction() as session:
        site = hall.site(session)
        closed_before = hall.now() - timedelta(minutes=site.check_in_after_min)
        return session.execute(
            update(Appointment)
            .where(
                Appointment.site_id == site.id,
                Appointment.status == BookingStatus.BOOKED,
                Appointment.start < closed_before,
            )
            .values(status=BookingStatus.NO_SHOW, closed_at=hall.now())
            .execution_options(synchronize_session=False)
        ).rowcount


def erase_old_personal_data(hall: Hall) -> int:
    """Name, phone and address of bookings past the retention period are erased."""
    with hall.transaction() as session:
        site = hall.site(session)
        before = hall.now() - timedelta(days=site.appointment_retention_days)
        return session.execute(
            update(Appointment)
            .where(
                Appointment.site_id == site.id,
                Appointment.start < before,
                or_(
                    Appointment.name.is_not(None),
                    Appointment.phone.is_not(None),
                    Appointment.client_address.is_not(None),
                ),
            )
            .values(name=None, phone=None, client_address=None)
            .execution_options(synchronize_session=False)
        ).rowcount
