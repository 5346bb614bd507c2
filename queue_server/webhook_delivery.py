"""Sending the event feed to its webhook endpoints: at least once, in order per ticket.

One thread in the server process. All its state is in the database (per endpoint and
event: attempts, next try, delivered or dead-lettered), so a restart, even after
``kill -9``, carries on where it stopped: an event sent but not yet marked delivered is
sent again with the same id and the same bytes.

Order per ticket: an event is sent only when no earlier event of its ticket is still
undelivered for that endpoint, and within a round a ticket whose event failed sends
nothing more. Other tickets go on: one event the receiver refuses holds back only its
own ticket. When the endpoint itself cannot be reached (refused, timed out, or failing
everything), the whole endpoint backs off instead of every event counting attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.orm import aliased

from queue_server.hall import Hall
from queue_server.storage.tables import OutboxEvent, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

USER_AGENT = "MotCua-Queue-Webhook/1"

#: deliveries are marked in the database at least every this many events, so a crash
#: sends at most these again
MARK_EVERY = 50


@dataclass(frozen=True)
class DeliverySettings:
    """How hard to try (server config ``[event_feed]``)."""

    #: the first retry waits this long; each further failure doubles it
    retry_first_s: float = 1.0
    #: the longest wait between two tries
    retry_max_s: float = 300.0
    #: seconds a receiver has to answer one event
    timeout_s: float = 10.0
    #: an event the receiver refused this many times is dead-lettered (0: never by count)
    dead_letter_attempts: int = 50
    #: an event still failing this long after it happened is dead-lettered
    dead_letter_age_h: float = 168.0
    #: events fetched and sent per round and endpoint
    batch: int = 500
    #: how often the thread looks for new events when idle
    poll_s: float = 0.2
    #: delivered events are deleted after this many days (0: kept)
    keep_days: int = 30
    #: refused events in a row (no success between) after which the endpoint backs off
    endpoint_failures_in_row: int = 3

    def backoff_s(self, failures: int) -> float:
        """Wait after the ``failures``-th failure in a row: 1, 2, 4, … capped."""
        return min(self.retry_max_s, self.retry_first_s * 2 ** max(0, failures - 1))


def sign(secret: str, body: bytes) -> str:
    """The ``X-MotCua-Signature`` header value: HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def safe_url(url: str) -> str:
    """The endpoint as logs and pages show it: no user, password or query (may hold keys)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class _Unreachable(Exception):
    """The endpoint did not answer at all: refused, timed out, cut off.

    ``took_event``: it accepted the event and then gave no answer in time (a hang), so
    the try counts against the event as well as the endpoint.
    """

    def __init__(self, message: str, took_event: bool = False) -> None:
        super().__init__(message)
        self.took_event = took_event


class _Connection:
    """One kept-alive HTTP connection to an endpoint."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _open(self) -> http.client.HTTPConnection:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            self._conn = kind(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        """Send one event; returns the HTTP status, raises _Unreachable without an answer."""
        for attempt in (1, 2):
            conn = self._open()
            if conn.sock is None:
                try:
                    conn.connect()
                except TimeoutError:
                    self.close()
                    raise _Unreachable(f"no connection within {self.timeout:g} s") from None
                except OSError as exc:
                    self.close()
                    raise _Unreachable(_describe(exc)) from None
            try:
                conn.request("POST", self.target, body, headers)
                response = conn.getresponse()
                response.read()
                if response.will_close:
                    self.close()
                return response.status
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # a kept-alive connection the receiver closed meanwhile: one fresh try
                self.close()
                if attempt == 2:
                    raise _Unreachable(f"connection closed: {exc}") from None
            except TimeoutError:
                self.close()
                raise _Unreachable(f"no answer within {self.timeout:g} s",
                                   took_event=True) from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise _Unreachable(_describe(exc)) from None
        raise AssertionError("unreachable")


def _describe(exc: Exception) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return f"host not found ({exc.strerror})"
    return f"{type(exc).__name__}: {exc}"[:300]


@dataclass
class RoundResult:
    delivered: int = 0
    failed: int = 0


class FeedDelivery:
    """The delivery thread: ``start()``, ``stop()``, or ``run_once()`` for one round."""

    def __init__(self, hall: Hall, settings: DeliverySettings | None = None) -> None:
        self.hall = hall
        self.settings = settings or DeliverySettings()
        self._connections: dict[int, tuple[str, _Connection]] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_purge = 0.0

    # --- the thread ----------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(self.settings.timeout_s + 5)
        for _, conn in self._connections.values():
            conn.close()

    def wake(self) -> None:
        """Look for events now (after a retry button, a new endpoint)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.run_once()
                self._purge_now_and_then()
            except Exception:  # a database hiccup must not end delivery
                log.exception("webhook delivery round failed; retrying shortly")
                result = RoundResult()
            if result.delivered and not result.failed:
                continue  # more may be waiting: no pause while catching up
            self._wake.wait(self.settings.poll_s)
            self._wake.clear()

    # --- one round -----------------------------------------------------------------------

    def run_once(self) -> RoundResult:
        """One batch per endpoint that is due; returns what was delivered and failed."""
        total = RoundResult()
        now = self.hall.now()
        with self.hall.read() as session:
            endpoints = [
                (e.id, e.url, e.secret, e.failures)
                for e in session.scalars(
                    select(WebhookEndpoint).where(
                        WebhookEndpoint.active.is_(True),
                        (WebhookEndpoint.next_try_at.is_(None))
                        | (WebhookEndpoint.next_try_at <= now),
                    )
                )
            ]
        for endpoint_id, url, secret, failures in endpoints:
            result = self._deliver_batch(endpoint_id, url, secret, failures)
            total.delivered += result.delivered
            total.failed += result.failed
        return total

    def _connection(self, endpoint_id: int, url: str) -> _Connection:
        known = self._connections.get(endpoint_id)
        if known is None or known[0] != url:
            if known is not None:
                known[1].close()
            known = (url, _Connection(url, self.settings.timeout_s))
            self._connections[endpoint_id] = known
        return known[1]

    def _due(self, endpoint_id: int, now: datetime) -> list[tuple]:
        """The endpoint's events that may go now, oldest first.

        An event may go when it is due and no earlier event of its ticket is waiting
        for a later try or dead-lettered; earlier due ones are in the same batch (the
        batch is in id order), so sending the batch in order keeps each ticket's order.
        """
        d = WebhookDelivery
        earlier = aliased(WebhookDelivery)
        held = exists().where(
            earlier.endpoint_id == d.endpoint_id,
            earlier.ticket_id == d.ticket_id,
            earlier.outbox_id < d.outbox_id,
            earlier.delivered_at.is_(None),
            (earlier.dead_at.is_not(None)) | (earlier.next_try_at > now),
        )
        with self.hall.read() as session:
            rows = session.execute(
                select(d.id, d.ticket_id, d.attempts, OutboxEvent.event_id, OutboxEvent.body,
                       OutboxEvent.at)
                .join(OutboxEvent, OutboxEvent.id == d.outbox_id)
                .where(
                    d.endpoint_id == endpoint_id,
                    d.delivered_at.is_(None),
                    d.dead_at.is_(None),
                    d.next_try_at <= now,
                    ~held,
                )
                .order_by(d.outbox_id)
                .limit(self.settings.batch)
            ).all()
        return [tuple(r) for r in rows]

    def _deliver_batch(self, endpoint_id: int, url: str, secret: str,
                       endpoint_failures: int) -> RoundResult:
        now = self.hall.now()
        rows = self._due(endpoint_id, now)
        if not rows:
            return RoundResult()
        conn = self._connection(endpoint_id, url)
        delivered: list[int] = []
        refused: list[tuple[int, int, datetime, str]] = []  # id, attempts, event at, error
        blocked: set[int] = set()
        unreachable: str | None = None
        in_row = 0
        sent = 0
        for delivery_id, ticket_id, attempts, event_id, body, at in rows:
            if ticket_id in blocked:
                continue
            raw = body.encode()
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "X-MotCua-Event-Id": event_id,
                "X-MotCua-Signature": sign(secret, raw),
            }
            try:
                status = conn.post(raw, headers)
            except _Unreachable as exc:
                unreachable = str(exc)
                if exc.took_event:
                    refused.append((delivery_id, attempts, at, unreachable))
                break
            if 200 <= status < 300:
                delivered.append(delivery_id)
                in_row = 0
                if len(delivered) >= MARK_EVERY:  # a crash now repeats at most these
                    self._record(endpoint_id, url, endpoint_failures, delivered, [], None)
                    sent += len(delivered)
                    delivered = []
                continue
            blocked.add(ticket_id)
            refused.append((delivery_id, attempts, at, f"HTTP {status}"))
            in_row += 1
            if in_row >= self.settings.endpoint_failures_in_row:
                unreachable = f"HTTP {status} for {in_row} events in a row"
                break
        self._record(endpoint_id, url, endpoint_failures, delivered, refused, unreachable)
        return RoundResult(sent + len(delivered), len(refused) + (1 if unreachable else 0))

    def _record(self, endpoint_id: int, url: str, endpoint_failures: int, delivered: list[int],
                refused: list[tuple[int, int, datetime, str]], unreachable: str | None) -> None:
        settings = self.settings
        now = self.hall.now()
        with self.hall.transaction() as session:
            for start in range(0, len(delivered), 500):
                session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id.in_(delivered[start:start + 500]))
                    .values(delivered_at=now, last_error=None)
                )
            for delivery_id, attempts, at, error in refused:
                tries = attempts + 1
                dead = (settings.dead_letter_attempts and tries >= settings.dead_letter_attempts) \
                    or now - at >= timedelta(hours=settings.dead_letter_age_h)
                session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id == delivery_id)
                    .values(
                        attempts=tries,
                        last_error=error,
                        next_try_at=now + timedelta(seconds=settings.backoff_s(tries)),
                        dead_at=now if dead else None,
                    )
                )
                if dead:
                    log.warning("webhook %s: an event was dead-lettered after %d tries (%s)",
                                safe_url(url), tries, error)
            values: dict = {}
            if delivered:
                values.update(last_delivered_at=now)
            if unreachable:
                failures = endpoint_failures + 1
                values.update(
                    failures=failures,
                    next_try_at=now + timedelta(seconds=settings.backoff_s(failures)),
                    last_error=unreachable[:500],
                    last_error_at=now,
                )
                if endpoint_failures == 0:
                    log.warning("webhook %s: %s; retrying with backoff", safe_url(url),
                                unreachable)
            else:
                if refused:
                    values.update(last_error=refused[-1][3], last_error_at=now)
                if delivered or refused:
                    values.update(failures=0, next_try_at=None)
            if values:
                session.execute(
                    update(WebhookEndpoint)
                    .where(WebhookEndpoint.id == endpoint_id)
                    .values(**values)
                )

    # --- housekeeping --------------------------------------------------------------------

    def _purge_now_and_then(self) -> None:
        if not self.settings.keep_days or time.monotonic() - self._last_purge < 3600:
            return
        self._last_purge = time.monotonic()
        purge_delivered(self.hall, self.settings.keep_days)


def purge_delivered(hall: Hall, keep_days: int) -> int:
    """Delete events older than ``keep_days`` that every endpoint has delivered."""
    cutoff = hall.now() - timedelta(days=keep_days)
    d = WebhookDelivery
    with hall.transaction() as session:
        old = select(OutboxEvent.id).where(
            OutboxEvent.at < cutoff,
            ~exists().where(d.outbox_id == OutboxEvent.id, d.delivered_at.is_(None)),
        ).limit(10_000)
        ids = list(session.scalars(old))
        if not ids:
            return 0
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.outbox_id.in_(ids)))
        session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
        return len(ids)


@dataclass(frozen=True)
class EndpointStatus:
    """What /admin and /metrics show of an endpoint."""

    id: int
    url: str
    origin: str
    pending: int
    dead: int
    lag_s: float
    failures: int
    last_error: str | None
    last_error_at: datetime | None
    last_delivered_at: datetime | None
    next_try_at: datetime | None


def endpoint_statuses(hall: Hall) -> list[EndpointStatus]:
    """Every active endpoint with its pending and dead-lettered counts and its lag.

    The lag is the age of the oldest event not yet delivered (dead letters aside).
    """
    now = hall.now()
    d = WebhookDelivery
    with hall.read() as session:
        pending = dict(session.execute(
            select(d.endpoint_id, func.count(d.id))
            .where(d.delivered_at.is_(None), d.dead_at.is_(None))
            .group_by(d.endpoint_id)).all())
        dead = dict(session.execute(
            select(d.endpoint_id, func.count(d.id))
            .where(d.delivered_at.is_(None), d.dead_at.is_not(None))
            .group_by(d.endpoint_id)).all())
        oldest = dict(session.execute(
            select(d.endpoint_id, func.min(OutboxEvent.at))
            .join(OutboxEvent, OutboxEvent.id == d.outbox_id)
            .where(d.delivered_at.is_(None), d.dead_at.is_(None))
            .group_by(d.endpoint_id)).all())
        endpoints = list(session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
            .order_by(WebhookEndpoint.id)))
        return [
            EndpointStatus(
                e.id, safe_url(e.url), e.origin, pending.get(e.id, 0), dead.get(e.id, 0),
                max(0.0, (now - oldest[e.id]).total_seconds()) if e.id in oldest else 0.0,
                e.failures, e.last_error, e.last_error_at, e.last_delivered_at, e.next_try_at,
            )
            for e in endpoints
        ]


def retry_dead_letters(hall: Hall, endpoint_id: int, delivery_id: int | None = None) -> int:
    """Put dead-lettered events back in the queue (one, or all of an endpoint); how many."""
    now = hall.now()
    with hall.transaction() as session:
        conditions = [WebhookDelivery.endpoint_id == endpoint_id,
                      WebhookDelivery.dead_at.is_not(None),
                      WebhookDelivery.delivered_at.is_(None)]
        if delivery_id is not None:
            conditions.append(WebhookDelivery.id == delivery_id)
        changed = session.execute(
            update(WebhookDelivery).where(and_(*conditions))
            .values(dead_at=None, attempts=0, next_try_at=now)
        ).rowcount
        session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
            .values(failures=0, next_try_at=None)
        )
        return changed
