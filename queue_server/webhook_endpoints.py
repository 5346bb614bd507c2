"""The receivers of the event feed: those of the server config and those added in /admin.

At start the ``[[webhooks]]`` of the server config are written to the endpoint table
(a URL taken out of the config stops receiving); /admin adds and removes its own. A new
endpoint receives the events recorded from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from queue_server.hall import Hall
from queue_server.storage.tables import WebhookDelivery, WebhookEndpoint

MIN_SECRET = 16


@dataclass(frozen=True)
class WebhookSpec:
    """One ``[[webhooks]]`` entry: where to POST and the key that signs the body."""

    url: str
    secret: str

    def __repr__(self) -> str:  # the secret never reaches a log or a traceback
        return f"WebhookSpec(url={self.url!r}, secret='***')"


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot receive events, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// address with a host"
    try:
        parts.port  # noqa: B018 - raises for a bad port
    except ValueError:
        return "has a bad port"
    if len(url) > 500:
        return "is longer than 500 characters"
    return None


def secret_problem(secret: str) -> str | None:
    if len(secret) < MIN_SECRET:
        return f"must be at least {MIN_SECRET} characters"
    if len(secret) > 500:
        return "is longer than 500 characters"
    return None


def sync_config_endpoints(hall: Hall, specs: tuple[WebhookSpec, ...]) -> None:
    """Make the table's config endpoints exactly those of the server config."""
    wanted = {spec.url: spec for spec in specs}
    with hall.transaction() as session:
        rows = list(session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.origin == "config")))
        for row in rows:
            spec = wanted.pop(row.url, None)
            if spec is None:
                if row.active:
                    _deactivate(session, row)
                continue
            row.secret = spec.secret
            row.active = True
        for spec in wanted.values():
            session.add(_new(hall, spec.url, spec.secret, "config"))


def _new(hall: Hall, url: str, secret: str, origin: str) -> WebhookEndpoint:
    return WebhookEndpoint(url=url, secret=secret, origin=origin, active=True,
                           created_at=hall.now(), failures=0)


def _deactivate(session, row: WebhookEndpoint) -> None:
    """Stop sending to an endpoint: its undelivered events are dropped for it."""
    row.active = False
    session.execute(delete(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == row.id, WebhookDelivery.delivered_at.is_(None)))


def add_endpoint(hall: Hall, url: str, secret: str) -> int:
    """An endpoint added in /admin; returns its id."""
    with hall.transaction() as session:
        row = _new(hall, url, secret, "admin")
        session.add(row)
        session.flush()
        return row.id


def remove_endpoint(hall: Hall, endpoint_id: int) -> bool:
    """Remove an /admin endpoint (config ones stay until the config changes)."""
    with hall.transaction() as session:
        row = session.get(WebhookEndpoint, endpoint_id)
        if row is None or row.origin != "admin" or not row.active:
            return False
        _deactivate(session, row)
        return True
