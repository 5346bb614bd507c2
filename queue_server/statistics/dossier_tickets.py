"""The tickets that came for one dossier: how long each waited, was served, was rated."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from queue_server.statistics.ticket_rows import whole_seconds
from queue_server.storage.tables import Counter, Service, Ticket, TicketDossier, User


@dataclass(frozen=True)
class DossierTicket:
    number: str
    service: str
    service_name_vi: str
    service_name_en: str
    issued_at: str
    status: str
    counter: str | None
    officer: str | None
    wait_s: int | None
    service_s: int | None
    rating: int | None


def dossier_tickets(session: Session, site_id: int, code: str, timezone: str,
                    limit: int = 200) -> list[DossierTicket]:
    """The site's tickets carrying ``code``, newest first."""
    officer = aliased(User)
    tz = ZoneInfo(timezone)
    rows = session.execute(
        select(Ticket.number, Service.code, Service.name_vi, Service.name_en, Ticket.issued_at,
               Ticket.called_at, Ticket.done_at, Ticket.status, Counter.number,
               officer.full_name, officer.username, Ticket.rating)
        .join(TicketDossier, TicketDossier.ticket_id == Ticket.id)
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(Counter, Counter.id == Ticket.counter_id)
        .outerjoin(officer, officer.id == Ticket.officer_id)
        .where(Ticket.site_id == site_id, TicketDossier.code == code)
        .order_by(Ticket.issued_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return [
        DossierTicket(
            number=number, service=service, service_name_vi=name_vi, service_name_en=name_en,
            issued_at=issued.astimezone(tz).strftime("%d/%m/%Y %H:%M"), status=status,
            counter=counter, officer=(full_name or username) if username else None,
            wait_s=whole_seconds(issued, called),
            service_s=whole_seconds(called, done) if status == "done" else None,
            rating=rating,
        )
        for (number, service, name_vi, name_en, issued, called, done, status, counter,
             full_name, username, rating) in rows
    ]
