"""Booking time slots: the shell around ``domain.appointment_slots`` and ``booking_code``.

A slot's places are taken with one conditional ``UPDATE … SET booked = booked + 1
WHERE booked < per_slot`` in the booking's own transaction: concurrent bookings queue
on the slot's row, and the one that finds it full changes nothing, on SQLite and on
PostgreSQL alike. A booking is known to the citizen only by its code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain.appointment_slots import AppointmentRules, is_open_slot, open_slots
from queue_server.domain.booking_code import display_code, new_code, normalise_code
from queue_server.domain.booking_status import BookingStatus
from queue_server.domain.queue_error import QueueError
from queue_server.hall import Hall
from queue_server.queue_views import appointment_rules, closed_days
from queue_server.storage.tables import Appointment, AppointmentSlot, Service, Site

CODE_ATTEMPTS = 5
#: what the API accepts as a phone number (``normalise_phone`` reads all of these)
PHONE_PATTERN = r"^(?:\+84|84|0)(?:[ .\-]?[0-9]){9,10}$"
_PHONE_SEPARATORS = re.compile(r"[ .\-]")
_PHONE = re.compile(r"^0\d{9,10}$")


@dataclass(frozen=True)
class BookingField:
    """A field that takes appointments, with its site's rules."""

    site: Site
    service: Service
    rules: AppointmentRules
    closed: tuple[date, ...]

    @property
    def timezone(self) -> str:
        return self.site.timezone


def booking_field(hall: Hall, session: Session, code: str) -> BookingField:
    """The field ``code`` if it takes appointments; else a 404 saying which is wrong."""
    site = hall.site(session)
    service = session.scalar(
        select(Service).where(
            Service.site_id == site.id, Service.code == code, Service.active.is_(True)
        )
    )
    if service is None:
        raise QueueError(
            "unknown_service",
            f"Không có lĩnh vực mã {code!r}",
            f"no service with code {code!r}",
            404,
        )
    rules = appointment_rules(service)
    if rules is None:
        raise QueueError(
            "no_appointments",
            f"Lĩnh vực {service.name_vi} không nhận đặt lịch hẹn",
            f"{service.name_en} takes no appointments",
            404,
        )
    return BookingField(site, service, rules, closed_days(site))


def normalise_phone(text: str) -> str | None:
    """A Vietnamese phone number as ``0…`` digits (``+84 912 345 678`` → ``0912345678``)."""
    digits = _PHONE_SEPARATORS.sub("", text or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _PHONE.match(digits) else None


def clean_name(text: str) -> str | None:
    """The citizen's name, trimmed, without control characters; None when unusable."""
    name = " ".join((text or "").split())
    if not 1 <= len(name) <= 100 or any(ord(ch) < 32 for ch in name):
        return None
    return name


def parse_start(start: datetime, timezone: str) -> datetime | None:
    """A slot start as sent, aware (without an offset it is the site's local time).

    None for an instant no slot can have (year 1 in another zone, say).
    """
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(timezone))
    try:
        return start.astimezone(ZoneInfo(timezone))
    except (OverflowError, ValueError):
        return None


def slots_of_day(hall: Hall, service_code: str, day: date) -> dict:
    """``GET /api/v1/appointments/slots``: the bookable slots of a day and places left."""
    with hall.read() as session:
        field = booking_field(hall, session, service_code)
        starts = open_slots(field.rules, day, field.timezone, hall.now(), field.closed)
        booked: dict[datetime, int] = {}
        if starts:
            rows = session.execute(
                select(AppointmentSlot.start, AppointmentSlot.booked).where(
                    AppointmentSlot.service_id == field.service.id,
                    AppointmentSlot.start >= starts[0],
                    AppointmentSlot.start <= starts[-1],
                )
            )
            booked = {start: n for start, n in rows}
        return {
            "service": field.service.code,
            "day": day.isoformat(),
            "slots": [
                {
                    "start": s.isoformat(),
                    "free": max(field.rules.per_slot - booked.get(s, 0), 0),
                }
                for s in starts
            ],
        }


def booking_view(hall: Hall, session: Session, booking: Appointment) -> dict:
    """What the citizen (or the booking system) sees of a booking: no personal data."""
    site = hall.site(session)
    service = session.get(Service, booking.service_id)
    return {
        "code": display_code(booking.code),
        "service": service.code,
        "start": booking.start.astimezone(ZoneInfo(site.timezone)).isoformat(),
        "status": booking.status,
        "cancel_url": booking_url(hall, booking.code),
    }


def list_bookings(
    hall: Hall, day: date, service_code: str | None, integrator_id: int | None
) -> dict:
    """``GET /api/v1/appointments``: the bookings of a day (an integrator: only its own).

    No personal data: what ``booking_view`` shows, plus the caller's ``external_id``.
    """
    with hall.read() as session:
        site = hall.site(session)
        first, end = hall.day_bounds(site, day)
        query = (
            select(Appointment)
            .where(Appointment.site_id == site.id, Appointment.start >= first,
                   Appointment.start < end)
            .order_by(Appointment.start, Appointment.id)
        )
        if service_code is not None:
            query = query.where(Appointment.service_id == booking_field(
                hall, session, service_code).service.id)
        if integrator_id is not None:
            query = query.where(Appointment.integrator_id == integrator_id)
        return {
            "day": day.isoformat(),
            "appointments": [
                {**booking_view(hall, session, b), "external_id": b.external_id}
                for b in session.scalars(query)
            ],
        }


def booking_url(hall: Hall, code: str) -> str:
    """The booking's page (also the content of its QR code)."""
    return f"{hall.public_url.rstrip('/')}/booking/{display_code(code)}"


_INSERT_SLOT: dict[str, object] = {}


def _insert_slot(dialect: str):
    """``INSERT … ON CONFLICT DO NOTHING`` of a slot row, built once per dialect."""
    if dialect not in _INSERT_SLOT:
        insert_for = pg_insert if dialect == "postgresql" else sqlite_insert
        _INSERT_SLOT[dialect] = (
            insert_for(AppointmentSlot)
            .values(
                service_id=bindparam("service_id"),
                start=bindparam("start"),
                capacity=bindparam("capacity"),
                booked=0,
            )
            .on_conflict_do_nothing(index_elements=["service_id", "start"])
        )
    return _INSERT_SLOT[dialect]


_TAKE_PLACE = (
    update(AppointmentSlot)
    .where(
        AppointmentSlot.service_id == bindparam("sid"),
        AppointmentSlot.start == bindparam("at"),
        AppointmentSlot.booked < bindparam("per_slot"),
    )
    .values(booked=AppointmentSlot.booked + 1, capacity=bindparam("per_slot"))
    .returning(AppointmentSlot.id)
)


def take_place(session: Session, service_id: int, start: datetime, per_slot: int) -> int | None:
    """Take one place in a slot; its row id, or None when the slot is full."""
    session.execute(
        _insert_slot(session.get_bind().dialect.name),
        {"service_id": service_id, "start": start, "capacity": per_slot},
    )
    return session.execute(
        _TAKE_PLACE, {"sid": service_id, "at": start, "per_slot": per_slot}
    ).scalar_one_or_none()


def give_place_back(session: Session, slot_id: int) -> None:
    session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == slot_id, AppointmentSlot.booked > 0)
        .values(booked=AppointmentSlot.booked - 1)
    )


@dataclass(frozen=True)
class BookingLimits:
    """Public bookings allowed per phone number and per client address a day (0: any)."""

    per_phone: int = 3
    per_address: int = 20


@dataclass(frozen=True)
class BookingRequest:
    service: str
    start: datetime
    name: str
    phone: str
    external_id: str | None = None
    #: the integrator key's row id; None for a public booking
    integrator_id: int | None = None
    client_address: str | None = None
    #: the officer or manager booking for a citizen on the phone (no per-address limit)
    booked_by_id: int | None = None


def book(
    hall: Hall, request: BookingRequest, limits: BookingLimits = BookingLimits()
) -> tuple[dict, bool]:
    """Book one place; returns (booking view, created).

    A repeat of an integrator's ``external_id`` answers with its first booking.
    Public bookings (no integrator) are limited per phone and per address a day.
    """
    if request.external_id is not None:
        existing = _by_external_id(hall, request.integrator_id, request.external_id)
        if existing is not None:
            return existing, False
    for _ in range(CODE_ATTEMPTS):
        try:
            return _book(hall, request, limits), True
        except IntegrityError:
            # a concurrent repeat of the same external_id won, or (rarely) the code was taken
            if request.external_id is not None:
                existing = _by_external_id(hall, request.integrator_id, request.external_id)
                if existing is not None:
                    return existing, False
    raise QueueError("busy", "Hệ thống bận, vui lòng thử lại", "busy, try again", 503)


def _by_external_id(hall: Hall, integrator_id: int | None, external_id: str) -> dict | None:
    with hall.read() as session:
        booking = session.scalar(
            select(Appointment).where(
                Appointment.integrator_id == integrator_id,
                Appointment.external_id == external_id,
            )
        )
        return booking_view(hall, session, booking) if booking else None


def _checked(request: BookingRequest) -> tuple[str, str]:
    name = clean_name(request.name)
    if name is None:
        raise QueueError(
            "bad_request",
            "Họ tên cần từ 1 đến 100 ký tự",
            "'name' must be 1 to 100 characters",
            400,
        )
    phone = normalise_phone(request.phone)
    if phone is None:
        raise QueueError(
            "bad_request",
            "Số điện thoại không hợp lệ (ví dụ 0912 345 678)",
            "'phone' must be a Vietnamese phone number such as 0912345678",
            400,
        )
    return name, phone


def _over_limit(
    hall: Hall, session: Session, site: Site, phone: str, request: BookingRequest,
    limits: BookingLimits,
) -> None:
    """Refuse (429 until local midnight) a public booking past the day's limits."""
    if request.integrator_id is not None:
        return
    start, end = hall.day_bounds(site, hall.local_day(site))
    made_today = select(func.count(Appointment.id)).where(
        Appointment.site_id == site.id,
        Appointment.integrator_id.is_(None),
        Appointment.created_at >= start,
        Appointment.created_at < end,
    )
    wait = (end - hall.now()).total_seconds()
    if limits.per_phone and (
        session.scalar(made_today.where(Appointment.phone == phone)) >= limits.per_phone
    ):
        raise QueueError(
            "too_many_bookings",
            f"Số điện thoại này đã đặt {limits.per_phone} lịch hẹn hôm nay",
            f"this phone number made {limits.per_phone} bookings today already",
            429,
            retry_after_s=int(wait) + 1,
        )
    if limits.per_address and request.client_address and (
        session.scalar(made_today.where(Appointment.client_address == request.client_address))
        >= limits.per_address
    ):
        raise QueueError(
            "too_many_bookings",
            "Đã có quá nhiều lịch hẹn được đặt từ địa chỉ này hôm nay",
            "too many bookings from this address today",
            429,
            retry_after_s=int(wait) + 1,
        )


def _book(hall: Hall, request: BookingRequest, limits: BookingLimits) -> dict:
    name, phone = _checked(request)
    with hall.transaction() as session:
        field = booking_field(hall, session, request.service)
        start = parse_start(request.start, field.timezone)
        now = hall.now()
        _over_limit(hall, session, field.site, phone, request, limits)
        if start is None or not is_open_slot(
            field.rules, start, field.timezone, now, field.closed
        ):
            raise QueueError(
                "closed",
                f"Không nhận hẹn lĩnh vực {field.service.name_vi} vào thời điểm này",
                f"{field.service.name_en} has no bookable slot at {request.start.isoformat()}",
                409,
            )
        slot_id = take_place(session, field.service.id, start, field.rules.per_slot)
        if slot_id is None:
            raise QueueError(
                "slot_full",
                "Khung giờ này đã hết chỗ, vui lòng chọn giờ khác",
                "this slot is full, choose another one",
                409,
            )
        booking = Appointment(
            code=new_code(),
            site_id=field.site.id,
            service_id=field.service.id,
            slot_id=slot_id,
            start=start,
            name=name,
            phone=phone,
            external_id=request.external_id,
            integrator_id=request.integrator_id,
            client_address=request.client_address,
            booked_by_id=request.booked_by_id,
            status=BookingStatus.BOOKED,
            created_at=now,
        )
        session.add(booking)
        session.flush()
        return booking_view(hall, session, booking)


def unknown_booking() -> QueueError:
    return QueueError(
        "unknown_booking", "Không tìm thấy lịch hẹn với mã này", "no booking with this code", 404
    )


def find_code(session: Session, text: str, *, for_update: bool = False) -> Appointment:
    """The booking a typed code names, or a 404 ``unknown_booking``."""
    code = normalise_code(text)
    if code is None:
        raise unknown_booking()
    query = select(Appointment).where(Appointment.code == code)
    booking = session.scalar(query.with_for_update() if for_update else query)
    if booking is None:
        raise unknown_booking()
    return booking


def find_booking(hall: Hall, text: str) -> dict:
    with hall.read() as session:
        return booking_view(hall, session, find_code(session, text))


def cancel_booking(hall: Hall, text: str) -> dict:
    """Cancel a booking before its slot begins; its place is free again at once.

    Cancelling twice answers as the first time; a booking already used or missed
    cannot be cancelled.
    """
    with hall.transaction() as session:
        booking = find_code(session, text, for_update=True)
        if booking.status == BookingStatus.CHECKED_IN:
            raise QueueError(
                "checked_in",
                "Lịch hẹn đã được dùng để lấy số, không thể hủy",
                "the booking has been checked in already",
                409,
            )
        if booking.status == BookingStatus.NO_SHOW or (
            booking.status == BookingStatus.BOOKED and hall.now() >= booking.start
        ):
            raise QueueError(
                "too_late",
                "Khung giờ hẹn đã bắt đầu, không thể hủy",
                "the slot has begun, the booking can no longer be cancelled",
                409,
            )
        if booking.status == BookingStatus.BOOKED:
            booking.status = BookingStatus.CANCELLED
            booking.closed_at = hall.now()
            give_place_back(session, booking.slot_id)
            session.flush()
        return booking_view(hall, session, booking)


def move_booking(hall: Hall, text: str, new_start: datetime) -> dict:
    """Move a booking to another slot of its field in one transaction.

    The new place is taken before the old one is given back, so a full or closed new
    slot leaves the booking exactly as it was. Only a ``booked`` booking whose slot has
    not begun can move; moving to its own slot changes nothing.
    """
    with hall.transaction() as session:
        booking = find_code(session, text, for_update=True)
        now = hall.now()
        if booking.status != BookingStatus.BOOKED:
            raise QueueError(
                "not_booked",
                "Lịch hẹn này đã được dùng hoặc đã hủy, không thể đổi giờ",
                "the booking has been used or cancelled and cannot be moved",
                409,
            )
        if now >= booking.start:
            raise QueueError(
                "too_late",
                "Khung giờ hẹn đã bắt đầu, không thể đổi giờ",
                "the slot has begun, the booking can no longer be moved",
                409,
            )
        service = session.get(Service, booking.service_id)
        field = booking_field(hall, session, service.code)
        start = parse_start(new_start, field.timezone)
        if start is not None and start == booking.start:
            return booking_view(hall, session, booking)
        if start is None or not is_open_slot(field.rules, start, field.timezone, now,
                                             field.closed):
            raise QueueError(
                "closed",
                f"Không nhận hẹn lĩnh vực {service.name_vi} vào thời điểm này",
                f"{service.name_en} has no bookable slot at {new_start.isoformat()}",
                409,
            )
        _lock_both_slots(session, service.id, start, booking.slot_id, field.rules.per_slot)
        slot_id = take_place(session, service.id, start, field.rules.per_slot)
        if slot_id is None:
            raise QueueError(
                "slot_full",
                "Khung giờ này đã hết chỗ, vui lòng chọn giờ khác",
                "this slot is full, choose another one",
                409,
            )
        give_place_back(session, booking.slot_id)
        booking.slot_id = slot_id
        booking.start = start
        session.flush()
        return booking_view(hall, session, booking)


def _lock_both_slots(
    session: Session, service_id: int, start: datetime, old_slot_id: int, per_slot: int
) -> None:
    """Lock the old and the new slot rows in id order before changing either.

    Two moves crossing each other (A to B while B to A) would otherwise each hold one
    row and wait for the other's, which PostgreSQL ends by failing one of them.
    """
    session.execute(
        _insert_slot(session.get_bind().dialect.name),
        {"service_id": service_id, "start": start, "capacity": per_slot},
    )
    new_slot_id = session.scalar(
        select(AppointmentSlot.id).where(
            AppointmentSlot.service_id == service_id, AppointmentSlot.start == start
        )
    )
    session.execute(
        select(AppointmentSlot.id)
        .where(AppointmentSlot.id.in_({old_slot_id, new_slot_id}))
        .order_by(AppointmentSlot.id)
        .with_for_update()
    )


def day_of(text: str) -> date:
    """The ``day`` query parameter, or a 400 error."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise QueueError(
            "bad_request",
            f"Ngày không hợp lệ: {text!r} (cần dạng YYYY-MM-DD)",
            f"'day' must be YYYY-MM-DD, got {text!r}",
            400,
        ) from None

