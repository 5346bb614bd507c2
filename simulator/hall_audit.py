"""What the database says happened: the truth a live drive is reconciled against.

Also measures how accurate the printed estimates were: for every called ticket,
|estimated_wait_s − (called_at − issued_at)|, multiplied by the replay's speed to
give simulated (hall) seconds.
"""

from __future__ import annotations

import statistics
from collections import Counter as Tally
from dataclasses import dataclass

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from queue_server.domain.ticket_status import EventKind
from queue_server.storage.tables import Site, Ticket, TicketEvent


@dataclass(frozen=True)
class HallAudit:
    tickets: int
    distinct_numbers: int
    called_events: int
    called_tickets: int
    statuses: dict[str, int]
    #: mean |estimate − real wait| in hall seconds, over called tickets
    estimate_mae_s: float | None
    mean_wait_s: float | None
    mean_estimate_s: float | None


def audit_hall(database_url: str, site_code: str, speed: float = 1.0) -> HallAudit:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            site_id = session.scalar(select(Site.id).where(Site.code == site_code))
            rows = session.execute(
                select(
                    Ticket.id,
                    Ticket.service_id,
                    Ticket.service_day,
                    Ticket.number,
                    Ticket.status,
                    Ticket.issued_at,
                    Ticket.called_at,
                    Ticket.estimated_wait_s,
                ).where(Ticket.site_id == site_id)
            ).all()
            called_events = session.scalar(
                select(func.count(TicketEvent.id))
                .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(Ticket.site_id == site_id, TicketEvent.kind == EventKind.CALLED)
            )
            called_tickets = session.scalar(
                select(func.count(func.distinct(TicketEvent.ticket_id)))
                .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(Ticket.site_id == site_id, TicketEvent.kind == EventKind.CALLED)
            )
    finally:
        engine.dispose()
    errors, waits, estimates = [], [], []
    for r in rows:
        if r.called_at is None:
            continue
        wait = (r.called_at - r.issued_at).total_seconds() * speed
        estimate = r.estimated_wait_s * speed
        waits.append(wait)
        estimates.append(estimate)
        errors.append(abs(estimate - wait))
    return HallAudit(
        tickets=len(rows),
        distinct_numbers=len({(r.service_id, r.service_day, r.number) for r in rows}),
        called_events=called_events or 0,
        called_tickets=called_tickets or 0,
        statuses=dict(Tally(str(r.status) for r in rows)),
        estimate_mae_s=statistics.fmean(errors) if errors else None,
        mean_wait_s=statistics.fmean(waits) if waits else None,
        mean_estimate_s=statistics.fmean(estimates) if estimates else None,
    )
