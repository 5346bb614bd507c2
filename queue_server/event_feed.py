"""Turning a ticket change into an event of the feed (DESIGN.md section 11, "Event feed").

Every write path of a ticket (issuing, check-in, counter commands, cancels, the day
rollover, dossier links) calls one function here in its own transaction: the event row
and one delivery row per active webhook endpoint commit or roll back together with the
change itself, so the feed never tells of a change that did not happen and never misses
one that did. ``webhook_delivery`` sends them afterwards.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, literal, select
from sqlalchemy.orm import Session

from queue_server.domain.ticket_status import EventKind, TicketStatus
from queue_server.hall import Hall
from queue_server.queue_views import ticket_view
from queue_server.storage.tables import OutboxEvent, Ticket, WebhookDelivery, WebhookEndpoint

#: the version of the event JSON (``"v"``)
FEED_VERSION = 1

#: every event type of the contract
EVENT_TYPES = (
    "ticket.issued",
    "ticket.called",
    "ticket.recalled",
    "ticket.no_show",
    "ticket.transferred",
    "ticket.done",
    "ticket.rated",
    "ticket.cancelled",
    "ticket.dossier_attached",
)

#: the feed's type for each kind of ticket event; an expired ticket (still waiting when
#: its day ended) will never be called either, so it is told as ``ticket.cancelled``
#: with the ticket's status ``expired``
TYPE_OF_KIND: dict[str, str] = {
    EventKind.ISSUED: "ticket.issued",
    EventKind.CALLED: "ticket.called",
    EventKind.RECALLED: "ticket.recalled",
    EventKind.NO_SHOW: "ticket.no_show",
    EventKind.TRANSFERRED: "ticket.transferred",
    EventKind.DONE: "ticket.done",
    EventKind.RATED: "ticket.rated",
    EventKind.CANCELLED: "ticket.cancelled",
    EventKind.EXPIRED: "ticket.cancelled",
}

_INSERT_EVENT = insert(OutboxEvent).returning(OutboxEvent.id)


def record_event(hall: Hall, session: Session, type_: str, ticket: Ticket) -> str:
    """Add one event of ``type_`` about ``ticket`` to the feed; returns the event id.

    Call it inside the transaction that makes the change, after the change is applied
    to ``ticket`` (the event carries the ticket view as it is then), for example when a
    dossier code is attached::

        with hall.transaction() as session:
            ...  # store the code on the ticket
            record_event(hall, session, "ticket.dossier_attached", ticket)

    If the transaction rolls back, the event is gone with it. Events of one ticket are
    delivered in the order they were recorded. ``type_`` must be one of ``EVENT_TYPES``.

    The ticket's row is locked first (PostgreSQL), so a change that touches only other
    tables still orders its event after every other event of the ticket.
    """
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    return _record(hall, session, type_, ticket)


def record_kind(hall: Hall, session: Session, kind: str, ticket: Ticket) -> str | None:
    """The event of a ticket event kind, from a path that has already locked the ticket
    (claimed or updated its row); kinds the feed does not tell give None."""
    type_ = TYPE_OF_KIND.get(kind)
    return _record(hall, session, type_, ticket) if type_ else None


def _record(hall: Hall, session: Session, type_: str, ticket: Ticket) -> str:
    view = ticket_view(hall, session, ticket, as_issued=ticket.status == TicketStatus.WAITING)
    site = hall.site(session)
    return record_view(session, hall.site_code, type_, ticket.id, view, hall.now(),
                       site.timezone)


def record_view(
    session: Session,
    site_code: str,
    type_: str,
    ticket_id: int,
    view: dict,
    at: datetime,
    timezone: str,
) -> str:
    """Write the event row (and its deliveries) from a ticket view already built.

    Issuing uses this directly: it has just built the view for the kiosk, so the event
    costs two statements and no query.
    """
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {
            "v": FEED_VERSION,
            "id": event_id,
            "type": type_,
            "at": at.astimezone(ZoneInfo(timezone)).isoformat(),
            "site": site_code,
            "ticket": view,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    outbox_id = session.execute(
        _INSERT_EVENT,
        {"event_id": event_id, "ticket_id": ticket_id, "type": type_, "at": at, "body": body},
    ).scalar_one()
    session.execute(
        insert(WebhookDelivery).from_select(
            ["endpoint_id", "outbox_id", "ticket_id", "attempts", "next_try_at"],
            select(
                WebhookEndpoint.id,
                literal(outbox_id),
                literal(ticket_id),
                literal(0),
                literal(at, WebhookDelivery.next_try_at.type),
            ).where(WebhookEndpoint.active.is_(True)),
        )
    )
    return event_id
