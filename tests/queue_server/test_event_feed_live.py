"""The event feed of the real server process to a real receiver process: signed events in
order per ticket, nothing lost to ``kill -9``, a receiver down for a day catching up in
order, on SQLite and PostgreSQL."""

import time
from collections import defaultdict
from datetime import timedelta

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from queue_server.storage.tables import OutboxEvent, WebhookDelivery, WebhookEndpoint
from tests.support.live_server import LiveServer, free_port
from tests.support.webhook_receiver import WebhookReceiver

SECRET = "khoa-ky-su-kien-cua-trung-tam-ca-mau"


@pytest.fixture
def receiver(tmp_path):
    r = WebhookReceiver(free_port(), SECRET, tmp_path / "received.jsonl")
    r.start()
    yield r
    r.stop()


@pytest.fixture
def fed_server(tmp_path, mosquitto, database_url, receiver):
    server = LiveServer(
        workdir=tmp_path, mqtt_url=mosquitto.url, database_url=database_url,
        extra_config=f'\n[[webhooks]]\nurl = "{receiver.url}"\nsecret = "{SECRET}"\n'
                     "\n[event_feed]\nretry_first_s = 0.2\nretry_max_s = 2\n",
    )
    server.prepare()
    server.start()
    server.db_url = database_url or f"sqlite:///{tmp_path / 'motcua.db'}"
    yield server
    server.stop()


def outbox(server) -> list[tuple[str, int, str]]:
    """(event id, ticket row, type) of every recorded event, in order."""
    engine = create_engine(server.db_url)
    try:
        with Session(engine) as s:
            return [(e.event_id, e.ticket_id, e.type)
                    for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))]
    finally:
        engine.dispose()


def per_ticket(events: list[dict]) -> dict[str, list[str]]:
    """Each ticket's event ids in the order they first arrived."""
    seen, order = set(), defaultdict(list)
    for e in events:
        if e["id"] not in seen:
            seen.add(e["id"])
            order[e["ticket"]].append(e["id"])
    return order


def expected_per_ticket(server, received: list[dict]) -> dict[str, list[str]]:
    by_row = defaultdict(list)
    for event_id, ticket_row, _ in outbox(server):
        by_row[ticket_row].append(event_id)
    public = {e["id"]: e["ticket"] for e in received}
    return {public[ids[0]]: ids for ids in by_row.values() if ids[0] in public}


def command(server, probe, counter: str, n: int) -> None:
    """Press "next" and wait for its answer (ids unique per server: the broker outlives
    it and keeps the last state retained)."""
    command_id = f"feed-{server.port}-{counter}-{n}"
    probe.publish(f"motcua/{server.site}/counter/{counter}/cmd",
                  f'{{"v":1,"id":"{command_id}","action":"next"}}'.encode())
    probe.wait_for(lambda t, p: command_id.encode() in p)


def test_events_arrive_signed_and_in_order_per_ticket(fed_server, receiver, mqtt_probe):
    probe = mqtt_probe(fed_server.mqtt_url, [f"motcua/{fed_server.site}/counter/5/state"])
    tickets = [fed_server.take_ticket("C") for _ in range(4)]
    for n in range(3):
        command(fed_server, probe, "5", n)
    recorded = outbox(fed_server)
    assert len(recorded) == 4 + 3 + 2  # issued, called, done
    got = receiver.wait_for(len(recorded))
    # the receiver keeps only events whose signature and id header it verified
    assert {e["id"] for e in got} == {event_id for event_id, _, _ in recorded}
    order = per_ticket(got)
    assert order == expected_per_ticket(fed_server, got)
    first = [e for e in got if e["ticket"] == tickets[0]["id"]]
    assert [e["type"] for e in first] == ["ticket.issued", "ticket.called", "ticket.done"]
    assert first[0]["site"] == "camau-hcc" and first[0]["at"].endswith("+07:00")
    metrics = requests.get(f"{fed_server.url}/metrics", timeout=5).text
    assert "motcua_webhook_pending{endpoint=" in metrics
    assert SECRET not in metrics and SECRET not in fed_server.log_text()


def test_kill_9_during_delivery_loses_no_event(fed_server, receiver):
    receiver.set_mode("ok", delay_s=0.02)  # a slow receiver: delivery is mid-way at the kill
    for _ in range(60):
        fed_server.take_ticket("A")
    deadline = time.monotonic() + 20
    while len(receiver.events()) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    fed_server.proc.kill()  # SIGKILL: no clean shutdown
    fed_server.proc.wait()
    arrived_before = len({e["id"] for e in receiver.events()})
    assert 0 < arrived_before < 60
    receiver.set_mode("ok")
    fed_server.start()
    for _ in range(5):
        fed_server.take_ticket("A")
    recorded = outbox(fed_server)
    got = receiver.wait_for(len(recorded))
    assert {e["id"] for e in got} == {event_id for event_id, _, _ in recorded}
    ids = [e["id"] for e in got]
    # a repeat is the same event (same id, same bytes verified again), never a new one
    assert len(set(ids)) == 65 and len(ids) - 65 <= 50  # marked delivered every 50 at most


def shift_a_day(server) -> None:
    """A day went by with the receiver down: every row is a day older (the server's clock
    is real, so the rows move instead), and the endpoint's backoff has run out."""
    engine = create_engine(server.db_url)
    try:
        with Session(engine) as s, s.begin():
            for e in s.scalars(select(OutboxEvent)):
                e.at -= timedelta(days=1)
            for d in s.scalars(select(WebhookDelivery)):
                d.next_try_at -= timedelta(days=1)
            for endpoint in s.scalars(select(WebhookEndpoint)):
                if endpoint.next_try_at is not None:
                    endpoint.next_try_at -= timedelta(days=1)
    finally:
        engine.dispose()


def test_a_receiver_down_for_a_day_gets_everything_in_order(fed_server, receiver, mqtt_probe):
    receiver.stop()
    probe = mqtt_probe(fed_server.mqtt_url, [f"motcua/{fed_server.site}/counter/1/state"])
    for n in range(10):
        fed_server.take_ticket("A")
        if n % 2:
            command(fed_server, probe, "1", n)
    time.sleep(0.5)  # the feed tries, fails, backs off
    shift_a_day(fed_server)
    metrics = requests.get(f"{fed_server.url}/metrics", timeout=5).text
    lag = next(float(line.split()[-1]) for line in metrics.splitlines()
               if line.startswith("motcua_webhook_lag_seconds{"))
    assert 86_400 <= lag < 86_400 + 120
    receiver.start()
    recorded = outbox(fed_server)
    got = receiver.wait_for(len(recorded), timeout=20)
    assert {e["id"] for e in got} == {event_id for event_id, _, _ in recorded}
    assert per_ticket(got) == expected_per_ticket(fed_server, got)
