"""Dossier codes on tickets: read from a receipt, checked with the dossier system, attached.

A citizen collecting a result scans the receipt at the kiosk; the server reads the
receipt (``domain.dossier_receipt``), asks the dossier system where the dossier stands
(``dossier_lookup``) and issues a ticket carrying the code. An officer can attach more
codes to the ticket at the counter. Each attachment is a ``dossier`` ticket event, so
it shows in the ticket's history.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from queue_server.domain.dossier_receipt import (
    ReceiptFormat,
    UnreadableReceipt,
    is_dossier_code,
    read_receipt,
)
from queue_server.domain.queue_error import QueueError
from queue_server.domain.ticket_status import EventKind
from queue_server.dossier_lookup import DossierConnector, DossierStatus
from queue_server.hall import Hall
from queue_server.storage.tables import TicketDossier, TicketEvent

#: seconds a lookup's answer is reused (the kiosk's status screen, then its ticket)
LOOKUP_TTL_S = 10.0
NOT_READY = ("received", "in_progress")


def bad_dossier(reason: str) -> QueueError:
    return QueueError(
        "bad_dossier",
        "Không đọc được mã hồ sơ trên giấy tiếp nhận",
        f"cannot read a dossier code: {reason}",
        422,
    )


def dossier_code_from(text: object, fmt: ReceiptFormat) -> str:
    """The dossier code in a scanned receipt or a typed code, or a 422 ``bad_dossier``."""
    try:
        return read_receipt(text, fmt).code
    except UnreadableReceipt as exc:
        raise bad_dossier(str(exc)) from None


def checked_code(text: object) -> str:
    """A code typed or scanned at the counter (surrounding spaces dropped), or 422."""
    code = text.strip() if isinstance(text, str) else text
    if not is_dossier_code(code):
        raise bad_dossier("1-64 letters, digits, '.', '-', '_' or '/'")
    return code


def look_up(hall: Hall, connector: DossierConnector, code: str) -> DossierStatus:
    """The dossier's status, shared for a few seconds between the kiosk's two requests."""
    return hall.cache.get(("dossier", code), LOOKUP_TTL_S, lambda: connector.look_up(code))


def codes_of(session: Session, ticket_id: int) -> list[str]:
    return list(session.scalars(
        select(TicketDossier.code).where(TicketDossier.ticket_id == ticket_id)
        .order_by(TicketDossier.id)
    ))


def codes_of_many(session: Session, ticket_ids: list[int]) -> dict[int, list[str]]:
    """Each ticket's codes in attachment order (for exports and reports)."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(ticket_ids), 500):
        rows = session.execute(
            select(TicketDossier.ticket_id, TicketDossier.code)
            .where(TicketDossier.ticket_id.in_(ticket_ids[start:start + 500]))
            .order_by(TicketDossier.id)
        )
        for ticket_id, code in rows:
            found.setdefault(ticket_id, []).append(code)
    return found


def add_codes(session: Session, ticket_id: int, codes: list[str], *, at, officer_id=None,
              counter_id=None, device_id=None) -> list[str]:
    """Attach the codes the ticket does not have yet; returns the ones added."""
    have = set(codes_of(session, ticket_id))
    added = [c for c in dict.fromkeys(codes) if c not in have]
    for code in added:
        session.execute(insert(TicketDossier),
                        {"ticket_id": ticket_id, "code": code, "attached_at": at})
        session.execute(insert(TicketEvent), {
            "ticket_id": ticket_id, "kind": EventKind.DOSSIER.value, "at": at,
            "officer_id": officer_id, "counter_id": counter_id, "device_id": device_id,
            "detail": code,
        })
    return added
