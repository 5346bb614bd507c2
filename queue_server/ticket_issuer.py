"""Issuing tickets: gap-free numbers per service per day, safe under many kiosks at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain.appointment_slots import AppointmentRules
from queue_server.domain.numbering import format_ticket_number, sequence_for
from queue_server.domain.opening_hours import OpeningHours
from queue_server.domain.queue_error import QueueError
from queue_server.domain.ticket_status import EventKind, TicketStatus
from queue_server.domain.wait_estimate import ServicePace
from queue_server.event_feed import record_event, record_kind, record_view
from queue_server.hall import Hall
from queue_server.queue_views import (
    PACE_TTL_S,
    appointment_rules,
    opening_hours,
    pace_key,
    service_pace,
    ticket_view,
    walk_in_wait_s,
)
from queue_server.storage.day_counters import bump_day_counter
from queue_server.storage.tables import DailyCounter, Service, Ticket, TicketEvent
from queue_server.ticket_dossiers import add_codes

_INSERT_TICKET = insert(Ticket).returning(Ticket.id)
_INSERT_EVENT = insert(TicketEvent)
_COUNT_WAITING = select(func.count(Ticket.id)).where(
    Ticket.service_id == bindparam("service_id"), Ticket.status == TicketStatus.WAITING.value
)
_COUNT_WAITING_PRIORITY = _COUNT_WAITING.where(Ticket.priority.is_(True))


def _ahead_of_new(session: Session, service_id: int, priority: bool) -> int:
    """People ahead of a ticket issued now: it is the last of its class in the call order.

    A regular ticket waits behind everyone waiting for the field; a priority one only
    behind the priority tickets (``domain.next_ticket.call_order``; the tests check
    that this agrees with ``ticket_position``).
    """
    query = _COUNT_WAITING_PRIORITY if priority else _COUNT_WAITING
    return session.scalar(query, {"service_id": service_id}) or 0


class DeviceRef(Protocol):
    """The issuing device: a kiosk's identity (id and code) is all issuing needs."""

    id: int
    code: str


@dataclass(frozen=True)
class ServiceRules:
    """What issuing needs to know about a service and its site, cached for a few seconds."""

    id: int
    code: str
    prefix: str
    name_vi: str
    name_en: str
    first_number: int
    number_width: int
    daily_limit: int | None
    hours: OpeningHours
    site_id: int
    site_name: str
    timezone: str
    #: None: the field takes no appointments
    appointments: AppointmentRules | None = None
    check_in_after: timedelta = timedelta(minutes=15)


RULES_TTL_S = 5.0


def service_rules(hall: Hall, code: str) -> ServiceRules | None:
    def load() -> ServiceRules | None:
        with hall.read() as session:
            site = hall.site(session)
            svc = session.scalar(
                select(Service).where(
                    Service.site_id == site.id, Service.code == code, Service.active.is_(True)
                )
            )
            if svc is None:
                return None
            return ServiceRules(
                svc.id,
                svc.code,
                svc.prefix,
                svc.name_vi,
                svc.name_en,
                svc.first_number,
                svc.number_width,
                svc.daily_limit,
                opening_hours(svc),
                site.id,
                site.name,
                site.timezone,
                appointment_rules(svc),
                timedelta(minutes=site.check_in_after_min),
            )

    return hall.cache.get(("service", code), RULES_TTL_S, load)


def field_pace(hall: Hall, rules: ServiceRules) -> ServicePace:
    """How fast the field moves now; kept a few seconds and dropped after every command."""

    def load() -> ServicePace:
        with hall.read() as session:
            service = session.get(Service, rules.id)
            return service_pace(session, service, hall.now(), rules.timezone)

    return hall.cache.get(pace_key(rules.id), PACE_TTL_S, load)


def issue_ticket(
    hall: Hall,
    *,
    service_code: str,
    priority: bool = False,
    device: DeviceRef | None = None,
    idempotency_key: str | None = None,
    dossier_codes: tuple[str, ...] = (),
) -> tuple[dict, bool]:
    """Issue one ticket; returns (ticket view, created). A repeated key returns the first.

    ``dossier_codes`` (valid codes, see ``domain.dossier_receipt``) go on the ticket.
    """
    scoped_key = None
    if idempotency_key:
        scoped_key = f"{device.code if device else '-'}:{idempotency_key}"[:200]
    try:
        return _issue(hall, service_code, priority, device, scoped_key, dossier_codes)
    except IntegrityError:
        # the same key raced in from a concurrent retry: the first one won, answer with it
        existing = _find_by_key(hall, scoped_key) if scoped_key else None
        if existing is None:
            raise
        return existing, False


def _find_by_key(hall: Hall, scoped_key: str) -> dict | None:
    with hall.read() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.idempotency_key == scoped_key))
        return ticket_view(hall, session, ticket, as_issued=True) if ticket else None


def _issue(
    hall: Hall, service_code: str, priority: bool, device: DeviceRef | None, scoped_key: str | None,
    dossier_codes: tuple[str, ...] = (),
) -> tuple[dict, bool]:
    rules = service_rules(hall, service_code)
    if rules is None:
        raise QueueError(
            "unknown_service",
            f"Không có lĩnh vực mã {service_code!r}",
            f"no service with code {service_code!r}",
            404,
        )
    pace = field_pace(hall, rules)
    if scoped_key is not None:
        existing = _find_by_key(hall, scoped_key)
        if existing is not None:
            return existing, False
    with hall.transaction() as session:
        now = hall.now()
        local = now.astimezone(ZoneInfo(rules.timezone))
        if not rules.hours.is_open(local):
            raise QueueError(
                "closed",
                f"Lĩnh vực {rules.name_vi} hiện ngoài giờ tiếp nhận",
                f"{rules.name_en} is closed now",
                409,
            )
        issued = bump_day_counter(session, DailyCounter, rules.id, local.date())
        if rules.daily_limit is not None and issued > rules.daily_limit:
            raise QueueError(
                "daily_limit",
                f"Lĩnh vực {rules.name_vi} đã hết số hôm nay",
                f"{rules.name_en}: no more tickets today",
                409,
            )
        sequence = sequence_for(rules.first_number, issued - 1)
        ahead = _ahead_of_new(session, rules.id, priority)
        _, view = write_ticket(
            hall,
            session,
            rules,
            IssuedNumber(
                format_ticket_number(rules.prefix, sequence, rules.number_width), sequence
            ),
            priority=priority,
            device=device,
            scoped_key=scoped_key,
            ahead=ahead,
            estimate=walk_in_wait_s(
                session, rules.id, ahead, pace, now, rules.appointments, rules.check_in_after
            ),
            dossier_codes=dossier_codes,
        )
        return view, True


@dataclass(frozen=True)
class IssuedNumber:
    """The number printed on a ticket and its sequence in the day's series."""

    number: str
    sequence: int


def write_ticket(
    hall: Hall,
    session: Session,
    rules: ServiceRules,
    issued: IssuedNumber,
    *,
    priority: bool,
    device: DeviceRef | None,
    scoped_key: str | None,
    ahead: int,
    estimate: int,
    appointment_start: datetime | None = None,
    dossier_codes: tuple[str, ...] = (),
) -> tuple[int, dict]:
    """Insert one waiting ticket and its ``issued`` event; returns its row id and view.

    Shared by walk-ins and checked-in appointments, so both reach the board, the
    voice and the counters the same way.
    """
    now = hall.now()
    local = now.astimezone(ZoneInfo(rules.timezone))
    public_id = secrets.token_urlsafe(12)
    device_id = device.id if device else None
    ticket_id = session.execute(
        _INSERT_TICKET,
        {
            "public_id": public_id,
            "site_id": rules.site_id,
            "service_id": rules.id,
            "issue_service_id": rules.id,
            "service_day": local.date(),
            "sequence": issued.sequence,
            "number": issued.number,
            "priority": priority,
            "status": TicketStatus.WAITING.value,
            "transferred": False,
            "issued_at": now,
            "device_id": device_id,
            "idempotency_key": scoped_key,
            "ahead_at_issue": ahead,
            "estimated_wait_s": estimate,
            "appointment_start": appointment_start,
        },
    ).scalar_one()
    session.execute(
        _INSERT_EVENT,
        {
            "ticket_id": ticket_id,
            "kind": EventKind.ISSUED.value,
            "at": now,
            "device_id": device_id,
            "detail": "appointment" if appointment_start else "priority" if priority else "",
        },
    )
    codes = add_codes(session, ticket_id, list(dossier_codes), at=now, device_id=device_id)
    tz = ZoneInfo(rules.timezone)
    view = {
        "id": public_id,
        "number": issued.number,
        "service": rules.code,
        "service_name_vi": rules.name_vi,
        "service_name_en": rules.name_en,
        "site_name": rules.site_name,
        "priority": priority,
        "status": TicketStatus.WAITING.value,
        "issued_at": local.isoformat(),
        "called_at": None,
        "counter": None,
        "ahead": ahead,
        "estimated_wait_s": estimate,
        "status_url": hall.status_url(public_id),
        "appointment_start": appointment_start.astimezone(tz).isoformat()
        if appointment_start
        else None,
        "dossier_codes": codes,
    }
    record_view(session, hall.site_code, "ticket.issued", ticket_id, view, now, rules.timezone)
    return ticket_id, view


def find_ticket(hall: Hall, public_id: str) -> dict:
    with hall.read() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.public_id == public_id))
        if ticket is None:
            raise QueueError("not_found", "Không tìm thấy phiếu", "no such ticket", 404)
        return ticket_view(hall, session, ticket)


def cancel_ticket(hall: Hall, public_id: str, reason: str, device: DeviceRef | None = None) -> dict:
    """Cancel a waiting ticket (a kiosk whose printer failed): it will never be called.

    A kiosk may cancel only the tickets it issued itself.
    """
    with hall.transaction() as session:
        ticket = session.scalar(
            select(Ticket).where(Ticket.public_id == public_id).with_for_update()
        )
        if ticket is None or (device is not None and ticket.device_id != device.id):
            raise QueueError("not_found", "Không tìm thấy phiếu", "no such ticket", 404)
        if ticket.status != TicketStatus.WAITING:
            raise QueueError(
                "not_cancellable",
                "Phiếu đã được gọi hoặc đã kết thúc, không thể hủy",
                f"a {ticket.status} ticket cannot be cancelled",
                409,
            )
        ticket.status = TicketStatus.CANCELLED
        ticket.done_at = hall.now()
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind=EventKind.CANCELLED,
                at=hall.now(),
                device_id=device.id if device else None,
                detail=reason[:200],
            )
        )
        session.flush()
        record_kind(hall, session, EventKind.CANCELLED, ticket)
        return ticket_view(hall, session, ticket)


def attach_dossier(hall: Hall, public_id: str, code: str, officer_id: int | None = None) -> dict:
    """An officer attaches a dossier code to a ticket (again: nothing changes).

    The code is recorded with the counter the ticket is at, as a ``dossier`` event, and
    told to the event feed's receivers as ``ticket.dossier_attached``.
    """
    with hall.transaction() as session:
        ticket = session.scalar(
            select(Ticket).where(Ticket.public_id == public_id).with_for_update()
        )
        if ticket is None:
            raise QueueError("not_found", "Không tìm thấy phiếu", "no such ticket", 404)
        added = add_codes(session, ticket.id, [code], at=hall.now(), officer_id=officer_id,
                          counter_id=ticket.counter_id)
        session.flush()
        if added:  # the feed tells the dossier system which ticket now carries its code
            record_event(hall, session, "ticket.dossier_attached", ticket)
        return ticket_view(hall, session, ticket)
