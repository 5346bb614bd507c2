"""Issuing tickets: gap-free numbers per service per day, safe under many kiosks at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain.numbering import format_ticket_number, sequence_for
from queue_server.domain.opening_hours import OpeningHours
from queue_server.domain.queue_error import QueueError
from queue_server.domain.ticket_status import EventKind, TicketStatus
from queue_server.domain.wait_estimate import estimated_wait_s
from queue_server.hall import Hall
from queue_server.queue_views import (
    mean_service_s,
    open_counters,
    opening_hours,
    ticket_position,
    ticket_view,
)
from queue_server.storage.tables import DailyCounter, Service, Ticket, TicketEvent


def _bump_daily_counter(session: Session, service_id: int, day) -> int:
    """Atomically add one to today's counter row of a service; returns the new count.

    The row is created if missing (ON CONFLICT DO NOTHING) and incremented with one
    UPDATE … RETURNING in the ticket's own transaction: concurrent issuers queue on the
    row lock, so numbers are unique and gap-free on SQLite and PostgreSQL alike.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(DailyCounter)
        .values(service_id=service_id, day=day, issued=0)
        .on_conflict_do_nothing()
    )
    return session.execute(
        update(DailyCounter)
        .where(DailyCounter.service_id == service_id, DailyCounter.day == day)
        .values(issued=DailyCounter.issued + 1)
        .returning(DailyCounter.issued)
    ).scalar_one()


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


RULES_TTL_S = 5.0


def _service_rules(hall: Hall, code: str) -> ServiceRules | None:
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
            )

    return hall.cache.get(("service", code), RULES_TTL_S, load)


def _service_pace(hall: Hall, rules: ServiceRules) -> tuple[float, int]:
    """(recent mean service time, counters open for it), recomputed every few seconds."""

    def load() -> tuple[float, int]:
        with hall.read() as session:
            svc = session.get(Service, rules.id)
            return mean_service_s(session, svc), open_counters(session, svc)

    return hall.cache.get(("pace", rules.id), RULES_TTL_S, load)


def issue_ticket(
    hall: Hall,
    *,
    service_code: str,
    priority: bool = False,
    device: DeviceRef | None = None,
    idempotency_key: str | None = None,
) -> tuple[dict, bool]:
    """Issue one ticket; returns (ticket view, created). A repeated key returns the first."""
    scoped_key = None
    if idempotency_key:
        scoped_key = f"{device.code if device else '-'}:{idempotency_key}"[:200]
    try:
        return _issue(hall, service_code, priority, device, scoped_key)
    except IntegrityError:
        # the same key raced in from a concurrent retry: the first one won, answer with it
        existing = _find_by_key(hall, scoped_key) if scoped_key else None
        if existing is None:
            raise
        return existing, False


def _find_by_key(hall: Hall, scoped_key: str) -> dict | None:
    with hall.read() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.idempotency_key == scoped_key))
        return ticket_view(hall, session, ticket) if ticket else None


def _issue(
    hall: Hall, service_code: str, priority: bool, device: DeviceRef | None, scoped_key: str | None
) -> tuple[dict, bool]:
    rules = _service_rules(hall, service_code)
    if rules is None:
        raise QueueError(
            "unknown_service",
            f"Không có lĩnh vực mã {service_code!r}",
            f"no service with code {service_code!r}",
            404,
        )
    mean_s, counters_open = _service_pace(hall, rules)
    with hall.transaction() as session:
        if scoped_key is not None:
            existing = session.scalar(select(Ticket).where(Ticket.idempotency_key == scoped_key))
            if existing is not None:
                return ticket_view(hall, session, existing), False
        now = hall.now()
        local = now.astimezone(ZoneInfo(rules.timezone))
        if not rules.hours.is_open(local):
            raise QueueError(
                "closed",
                f"Lĩnh vực {rules.name_vi} hiện ngoài giờ tiếp nhận",
                f"{rules.name_en} is closed now",
                409,
            )
        issued = _bump_daily_counter(session, rules.id, local.date())
        if rules.daily_limit is not None and issued > rules.daily_limit:
            raise QueueError(
                "daily_limit",
                f"Lĩnh vực {rules.name_vi} đã hết số hôm nay",
                f"{rules.name_en}: no more tickets today",
                409,
            )
        sequence = sequence_for(rules.first_number, issued - 1)
        ticket = Ticket(
            public_id=secrets.token_urlsafe(12),
            site_id=rules.site_id,
            service_id=rules.id,
            issue_service_id=rules.id,
            service_day=local.date(),
            sequence=sequence,
            number=format_ticket_number(rules.prefix, sequence, rules.number_width),
            priority=priority,
            status=TicketStatus.WAITING,
            transferred=False,
            issued_at=now,
            device_id=device.id if device else None,
            idempotency_key=scoped_key,
        )
        session.add(ticket)
        session.flush()
        ahead = ticket_position(session, ticket)
        ticket.ahead_at_issue = ahead
        ticket.estimated_wait_s = estimated_wait_s(ahead, mean_s, counters_open)
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind=EventKind.ISSUED,
                at=now,
                device_id=device.id if device else None,
                detail="priority" if priority else "",
            )
        )
    return {
        "id": ticket.public_id,
        "number": ticket.number,
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
        "estimated_wait_s": ticket.estimated_wait_s,
        "status_url": hall.status_url(ticket.public_id),
    }, True


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
        return ticket_view(hall, session, ticket)
