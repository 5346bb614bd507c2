"""Event feed: how fast the outbox reaches a webhook receiver, its lag, a day's catch-up.

The server's delivery code (``queue_server.webhook_delivery.FeedDelivery``) on SQLite
with the example site, sending to the receiver process of the tests
(``tests.support.webhook_receiver``: checks every signature, appends each event to a
file) on loopback. Events are written by ``event_feed.record_view`` exactly as the
ticket paths write them, each in its own transaction.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.figures import Figure, percentile

SECRET = "khoa-ky-su-kien-do-hieu-nang-1"
THROUGHPUT_EVENTS = 5000
RATE = 50
RATE_SECONDS = 20
DAY_TICKETS = 3000


def _view(number: str, status: str) -> dict:
    return {
        "id": f"bench{number}", "number": number, "service": number[0],
        "service_name_vi": "Đất đai", "service_name_en": "Land",
        "site_name": "Trung tâm Phục vụ hành chính công tỉnh Cà Mau", "priority": False,
        "status": status, "issued_at": "2026-11-25T08:30:00+07:00",
        "called_at": None, "counter": "1", "ahead": 3, "estimated_wait_s": 600,
        "status_url": f"http://192.168.1.10:8080/t/bench{number}", "appointment_start": None,
    }


class _Clock:
    """The hall's clock: real time plus a shift (to make a day pass in an instant)."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


def _setup(work: Path):
    from queue_server.domain.site_spec import parse_site
    from queue_server.hall import Hall
    from queue_server.site_loader import load_site
    from queue_server.storage.database import make_engine, make_session_factory
    from queue_server.storage.migrate import upgrade
    from queue_server.webhook_endpoints import WebhookSpec, sync_config_endpoints
    from tests.support.in_process import EXAMPLE_SITE
    from tests.support.live_server import free_port
    from tests.support.webhook_receiver import WebhookReceiver

    engine = make_engine(f"sqlite:///{work / 'motcua.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as session, session.begin():
        load_site(session, parse_site(EXAMPLE_SITE.read_text(encoding="utf-8")))
    clock = _Clock()
    hall = Hall(sessions, "camau-hcc", clock, read_sessions=make_session_factory(
        engine, read_only=True), write_lock=threading.RLock())
    receiver = WebhookReceiver(free_port(), SECRET, work / "received.jsonl")
    receiver.start()
    sync_config_endpoints(hall, (WebhookSpec(receiver.url, SECRET),))
    return engine, hall, clock, receiver


def _record(hall, events: list[tuple[int, str, dict]], at: datetime | None = None) -> None:
    from queue_server.event_feed import record_view

    for ticket_id, type_, view in events:
        with hall.transaction() as session:
            record_view(session, "camau-hcc", type_, ticket_id, view, at or hall.now(),
                        "Asia/Ho_Chi_Minh")


def _drain(delivery) -> int:
    sent = 0
    while True:
        got = delivery.run_once().delivered
        if not got:
            return sent
        sent += got


def _throughput(hall, receiver, progress) -> Figure:
    from queue_server.webhook_delivery import FeedDelivery

    progress(f"writing {THROUGHPUT_EVENTS} events")
    types = ("ticket.issued", "ticket.called", "ticket.done")
    _record(hall, [(n // 3 + 1, types[n % 3], _view(f"A{n // 3 + 1:04d}", "waiting"))
                   for n in range(THROUGHPUT_EVENTS)])
    before = len(receiver.events())
    progress("delivering")
    delivery = FeedDelivery(hall)
    t0 = time.perf_counter()
    sent = _drain(delivery)
    seconds = time.perf_counter() - t0
    assert sent == THROUGHPUT_EVENTS and len(receiver.events()) - before == THROUGHPUT_EVENTS
    return Figure(
        "event feed: delivery throughput", THROUGHPUT_EVENTS / seconds, "events/s",
        "≥ 1000/s",
        f"{THROUGHPUT_EVENTS} events waiting in the outbox (SQLite), sent one POST each over "
        "a kept-alive connection to a local receiver process that checks every signature; "
        "from the first round until all are marked delivered",
    )


def _lag(hall, receiver, progress) -> list[Figure]:
    from queue_server.webhook_delivery import FeedDelivery

    delivery = FeedDelivery(hall)
    delivery.start()
    start = len(receiver.events())
    progress(f"{RATE} events/s for {RATE_SECONDS} s")
    t0 = time.monotonic()
    for n in range(RATE * RATE_SECONDS):
        wait = t0 + n / RATE - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        _record(hall, [(100_000 + n, "ticket.issued", _view(f"B{n:04d}", "waiting"))])
    total = RATE * RATE_SECONDS
    deadline = time.monotonic() + 30
    while len(receiver.events()) - start < total and time.monotonic() < deadline:
        time.sleep(0.05)
    delivery.stop()
    lags = [e["received"] - datetime.fromisoformat(e["at"]).timestamp()
            for e in receiver.events()[start:]]
    method = (f"{total} events written one per transaction at {RATE}/s while the delivery "
              "thread runs (polling every 0.2 s); time from the event being recorded (in its "
              "transaction) to the local receiver having checked and stored it")
    return [
        Figure("event feed: lag at 50 events/s, p50", percentile(lags, 50) * 1000, "ms", "-",
               method),
        Figure("event feed: lag at 50 events/s, p99", percentile(lags, 99) * 1000, "ms",
               "p99 < 1000 ms", method),
    ]


def _catch_up(hall, clock, receiver, progress) -> Figure:
    import random

    from queue_server.webhook_delivery import FeedDelivery

    rng = random.Random(61)
    progress(f"a day of {DAY_TICKETS} tickets with the receiver down")
    receiver.stop()
    timed = []
    for n in range(DAY_TICKETS):
        ticket = 200_000 + n
        number = f"{'ABCDEU'[n % 6]}{n // 6 + 1:03d}"
        at = n * 9.0  # a ticket every 9 s over 7.5 hours
        steps = [("ticket.issued", "waiting"), ("ticket.called", "called")]
        if rng.random() < 0.08:
            steps.append(("ticket.no_show", "no_show"))
        else:
            if rng.random() < 0.05:
                steps += [("ticket.transferred", "waiting"), ("ticket.called", "called")]
            steps.append(("ticket.done", "done"))
            if rng.random() < 0.6:
                steps.append(("ticket.rated", "done"))
        for type_, status in steps:  # tickets overlap through the day, as in a hall
            timed.append((at, ticket, type_, _view(number, status)))
            at += rng.uniform(60, 1800)
    timed.sort(key=lambda e: e[0])
    events = [(ticket, type_, view) for _, ticket, type_, view in timed]
    _record(hall, events)
    delivery = FeedDelivery(hall)
    delivery.run_once()  # refused: the receiver backs off
    clock.shift = timedelta(days=1)  # a day later the receiver is back
    receiver.start()
    before = len(receiver.events())
    progress(f"catching up {len(events)} events")
    t0 = time.perf_counter()
    _drain(delivery)
    seconds = time.perf_counter() - t0
    assert len(receiver.events()) - before == len(events)
    return Figure(
        f"event feed: catch-up of a day of {DAY_TICKETS} tickets", seconds, "s", "< 60 s",
        f"{len(events)} events of {DAY_TICKETS} tickets (issued, called, done, some no-show, "
        "transferred, rated) waiting after the receiver was down for a day (clock moved a "
        "day on); time until all are delivered, in order per ticket",
    )


def run(progress) -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="bench-event-feed-"))
    engine, hall, clock, receiver = _setup(work)
    try:
        figures = [_throughput(hall, receiver, progress)]
        figures += _lag(hall, receiver, progress)
        figures.append(_catch_up(hall, clock, receiver, progress))
        return figures
    finally:
        receiver.stop()
        engine.dispose()
        shutil.rmtree(work, ignore_errors=True)
