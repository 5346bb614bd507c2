"""Issuing tickets: gap-free numbers per service per day, safe under many kiosks at once."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain.numbering import format_ticket_number, sequence_for
from queue_server.domain.queue_error import QueueError
from queue_server.domain.ticket_status import EventKind, TicketStatus
from queue_server.hall import Hall
from queue_server.queue_views import estimate_for, opening_hours, ticket_position, ticket_view
from queue_server.storage.tables import DailyCounter, Device, Service, Ticket, TicketEvent


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


def issue_ticket(
    hall: Hall,
    *,
    service_code: str,
    priority: bool = False,
    device: Device | None = None,
    idempotency_key: str | None = None,
) -> tuple[dict, bool]:
    """Issue one ticket; returns (ticket view, created). A repeated key returns the first."""
    scoped_key = None
    if idempotency_key:
        scoped_key = f"{device.code if device else '-'}:{idempotency_key}"[:200]
        existing = _find_by_key(hall, scoped_key)
        if existing is not None:
            return existing, False
    try:
        return _issue(hall, service_code, priority, device, scoped_key), True
    except IntegrityError:
        # the same key raced in from a retry: the first one won, answer with it
        existing = _find_by_key(hall, scoped_key) if scoped_key else None
        if existing is None:
            raise
        return existing, False


def _find_by_key(hall: Hall, scoped_key: str) -> dict | None:
    with hall.transaction() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.idempotency_key == scoped_key))
        return ticket_view(hall, session, ticket) if ticket else None


def _issue(
    hall: Hall, service_code: str, priority: bool, device: Device | None, scoped_key: str | None
) -> dict:
    with hall.transaction() as session:
        site = hall.site(session)
        service = session.scalar(
            select(Service).where(
                Service.site_id == site.id, Service.code == service_code, Service.active.is_(True)
            )
        )
        if service is None:
            raise QueueError(
                "unknown_service",
                f"Không có lĩnh vực mã {service_code!r}",
                f"no service with code {service_code!r}",
                404,
            )
        now = hall.now()
        local = now.astimezone(ZoneInfo(site.timezone))
        if not opening_hours(service).is_open(local):
            raise QueueError(
                "closed",
                f"Lĩnh vực {service.name_vi} hiện ngoài giờ tiếp nhận",
                f"{service.name_en} is closed now",
                409,
            )
        issued = _bump_daily_counter(session, service.id, local.date())
        if service.daily_limit is not None and issued > service.daily_limit:
            raise QueueError(
                "daily_limit",
                f"Lĩnh vực {service.name_vi} đã hết số hôm nay",
                f"{service.name_en}: no more tickets today",
                409,
            )
        sequence = sequence_for(service.first_number, issued - 1)
        ticket = Ticket(
            public_id=secrets.token_urlsafe(12),
            site_id=site.id,
            service_id=service.id,
            issue_service_id=service.id,
            service_day=local.date(),
            sequence=sequence,
            number=format_ticket_number(service.prefix, sequence, service.number_width),
            priority=priority,
            status=TicketStatus.WAITING,
            issued_at=now,
            device_id=device.id if device else None,
            idempotency_key=scoped_key,
        )
        session.add(ticket)
        session.flush()
        ahead = ticket_position(session, ticket)
        ticket.ahead_at_issue = ahead
        ticket.estimated_wait_s = estimate_for(session, service, ahead)
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind=EventKind.ISSUED,
                at=now,
                device_id=device.id if device else None,
                detail="priority" if priority else "",
            )
        )
        session.flush()
        view = ticket_view(hall, session, ticket)
        view["ahead"] = ahead
        view["estimated_wait_s"] = ticket.estimated_wait_s
        return view


def find_ticket(hall: Hall, public_id: str) -> dict:
    with hall.transaction() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.public_id == public_id))
        if ticket is None:
            raise QueueError("not_found", "Không tìm thấy phiếu", "no such ticket", 404)
        return ticket_view(hall, session, ticket)


def cancel_ticket(hall: Hall, public_id: str, reason: str, device: Device | None = None) -> dict:
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
