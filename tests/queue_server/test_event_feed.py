"""The event feed through the service layer: every ticket change writes its event in the
same transaction, and the delivery rounds send them to a real receiver process (signed,
in order per ticket, with backoff, dead letters and retry), on SQLite and PostgreSQL."""

import json
from collections import defaultdict

import pytest
from sqlalchemy import select, update

from queue_server.counter_actions import expire_stale_tickets
from queue_server.domain.queue_error import QueueError
from queue_server.event_feed import record_event
from queue_server.storage.tables import OutboxEvent, Ticket, WebhookDelivery
from queue_server.ticket_issuer import cancel_ticket, issue_ticket
from queue_server.webhook_delivery import (
    DeliverySettings,
    FeedDelivery,
    endpoint_statuses,
    retry_dead_letters,
)
from queue_server.webhook_endpoints import WebhookSpec, add_endpoint, sync_config_endpoints
from tests.support.live_server import free_port
from tests.support.webhook_receiver import WebhookReceiver

SECRET = "bi-mat-cua-he-thong-ho-so-1"


def issue(h, service, priority=False):
    return issue_ticket(h.hall, service_code=service, priority=priority)[0]


def feed(h):
    with h.hall.read() as s:
        return [(e.type, json.loads(e.body)) for e in s.scalars(
            select(OutboxEvent).order_by(OutboxEvent.id))]


@pytest.fixture
def receiver(tmp_path):
    r = WebhookReceiver(free_port(), SECRET, tmp_path / "received.jsonl")
    r.start()
    yield r
    r.stop()


def test_every_ticket_change_records_its_event_in_the_same_transaction(in_process_hall):
    h = in_process_hall
    first = issue(h, "A")
    issue(h, "A")
    h.command("1", "next")            # A001 called
    h.command("1", "recall")
    h.command("1", "skip")            # A001 no-show
    h.command("1", "recall")          # called back within the grace
    h.command("1", "complete")        # done
    h.command("1", "rate", rating=4)
    h.command("1", "next")            # A002 called
    h.command("1", "transfer", service="D")
    third = issue(h, "C")
    cancel_ticket(h.hall, third["id"], "printer out of paper")
    issue(h, "C")
    h.clock.advance(hours=24)
    expire_stale_tickets(h.hall)
    events = feed(h)
    assert [(t, e["ticket"]["number"]) for t, e in events[:-2]] == [
        ("ticket.issued", "A001"), ("ticket.issued", "A002"),
        ("ticket.called", "A001"), ("ticket.recalled", "A001"), ("ticket.no_show", "A001"),
        ("ticket.recalled", "A001"), ("ticket.done", "A001"), ("ticket.rated", "A001"),
        ("ticket.called", "A002"), ("ticket.transferred", "A002"),
        ("ticket.issued", "C001"), ("ticket.cancelled", "C001"),
        ("ticket.issued", "C002"),
    ]
    # still waiting at midnight: expired, told as cancelled
    assert {(t, e["ticket"]["number"], e["ticket"]["status"]) for t, e in events[-2:]} == {
        ("ticket.cancelled", "A002", "expired"), ("ticket.cancelled", "C002", "expired")}
    issued = events[0][1]
    assert issued["v"] == 1 and issued["site"] == "camau-hcc"
    assert issued["ticket"]["id"] == first["id"] and issued["at"].endswith("+07:00")
    assert events[7][1]["ticket"]["status"] == "done"
    assert events[9][1]["ticket"]["service"] == "D"  # waits in its new field
    assert len({e["id"] for _, e in events}) == len(events)


def test_a_change_that_fails_records_no_event(in_process_hall):
    h = in_process_hall
    issue(h, "C")
    h.clock.advance(hours=4)  # lunch: field A closed
    with pytest.raises(QueueError):
        issue(h, "A")
    h.command("1", "next")  # nothing waiting
    with pytest.raises(ValueError), h.hall.transaction() as s:
        ticket = s.scalar(select(Ticket))
        ticket.status = "done"
        record_event(h.hall, s, "ticket.exploded", ticket)
    assert [(t, e["ticket"]["status"]) for t, e in feed(h)] == [("ticket.issued", "waiting")]
    with h.hall.read() as s:
        assert s.scalar(select(Ticket.status)) == "waiting"  # rolled back with its event


def test_record_event_for_other_writers_carries_the_ticket_view(in_process_hall):
    h = in_process_hall
    issue(h, "B")
    with h.hall.transaction() as s:
        ticket = s.scalar(select(Ticket))
        event_id = record_event(h.hall, s, "ticket.dossier_attached", ticket)
    [(kind, body)] = feed(h)[1:]
    assert (kind, body["id"], body["ticket"]["number"]) == (
        "ticket.dossier_attached", event_id, "B001")


def test_events_arrive_signed_and_in_order_per_ticket(in_process_hall, receiver):
    h = in_process_hall
    add_endpoint(h.hall, receiver.url, SECRET)
    delivery = FeedDelivery(h.hall)
    for _ in range(5):
        issue(h, "A")
    for _ in range(5):
        h.command("1", "next")
    assert delivery.run_once().delivered == 14  # 5 issued, 5 called, 4 done
    got = receiver.wait_for(14)
    assert [e["id"] for e in got] == [body["id"] for _, body in feed(h)]
    [status] = endpoint_statuses(h.hall)
    assert (status.pending, status.dead, status.lag_s) == (0, 0, 0.0)
    assert delivery.run_once().delivered == 0  # nothing sent twice


def test_a_refused_ticket_waits_while_the_others_go_on_and_keeps_its_order(
        in_process_hall, receiver):
    h = in_process_hall
    add_endpoint(h.hall, receiver.url, SECRET)
    delivery = FeedDelivery(h.hall, DeliverySettings(dead_letter_attempts=3))
    issue(h, "A")
    issue(h, "A")
    receiver.set_mode("fail", fail_number="A001")
    h.command("1", "next")      # A001 called
    h.command("1", "next")      # A001 done, A002 called
    delivery.run_once()
    assert [(e["number"], e["type"]) for e in receiver.events()] == [
        ("A002", "ticket.issued"), ("A002", "ticket.called")]
    h.clock.advance(seconds=1)
    delivery.run_once()
    h.clock.advance(seconds=2)
    delivery.run_once()        # the third refusal: dead-lettered, the rest of A001 held
    [status] = endpoint_statuses(h.hall)
    assert status.dead == 1 and status.pending == 2 and status.last_error == "HTTP 500"
    receiver.set_mode("ok")
    h.clock.advance(hours=1)
    delivery.run_once()
    assert [e["number"] for e in receiver.events()] == ["A002", "A002"]  # held behind it
    assert retry_dead_letters(h.hall, status.id) == 1
    delivery.run_once()
    got = [(e["number"], e["type"]) for e in receiver.events()]
    assert got[2:] == [("A001", "ticket.issued"), ("A001", "ticket.called"),
                       ("A001", "ticket.done")]
    assert endpoint_statuses(h.hall)[0].pending == 0


def test_an_endpoint_down_for_a_day_gets_everything_in_order_afterwards(
        in_process_hall, receiver):
    h = in_process_hall
    sync_config_endpoints(h.hall, (WebhookSpec(receiver.url, SECRET),))
    delivery = FeedDelivery(h.hall, DeliverySettings(retry_max_s=600))
    receiver.stop()
    for _hour in range(8):       # a working day without the receiver
        for _ in range(3):
            issue(h, "C")
        h.command("5", "next")
        delivery.run_once()      # fails: the endpoint backs off, the events wait
        h.clock.advance(hours=1)
    [status] = endpoint_statuses(h.hall)
    assert status.pending == 24 + 8 + 7 and status.failures >= 1 and "refused" in status.last_error
    assert status.lag_s == pytest.approx(8 * 3600, abs=60)
    with h.hall.read() as s:  # down is not the events' fault: none used up its tries
        assert set(s.scalars(select(WebhookDelivery.attempts))) == {0}
    h.clock.advance(hours=16)
    receiver.start()
    while delivery.run_once().delivered:
        pass
    got = receiver.events()
    assert [e["id"] for e in got] == [body["id"] for _, body in feed(h)]
    assert endpoint_statuses(h.hall)[0].lag_s == 0.0


def test_a_hanging_receiver_times_out_and_the_endpoint_backs_off(in_process_hall, receiver):
    h = in_process_hall
    add_endpoint(h.hall, receiver.url, SECRET)
    delivery = FeedDelivery(h.hall, DeliverySettings(timeout_s=0.5))
    receiver.set_mode("hang")
    issue(h, "A")
    assert delivery.run_once().delivered == 0
    [status] = endpoint_statuses(h.hall)
    assert "no answer" in status.last_error and status.next_try_at > h.clock.now
    assert delivery.run_once().delivered == 0  # backing off: not even tried
    receiver.set_mode("ok")
    h.clock.advance(minutes=1)
    assert delivery.run_once().delivered == 1


def test_a_config_endpoint_taken_out_stops_receiving(in_process_hall, receiver):
    h = in_process_hall
    sync_config_endpoints(h.hall, (WebhookSpec(receiver.url, SECRET),))
    issue(h, "A")
    sync_config_endpoints(h.hall, ())
    issue(h, "A")
    assert endpoint_statuses(h.hall) == []
    with h.hall.read() as s:
        assert s.scalar(select(WebhookDelivery)) is None
    sync_config_endpoints(h.hall, (WebhookSpec(receiver.url, SECRET),))
    issue(h, "A")
    assert FeedDelivery(h.hall).run_once().delivered == 1
    with h.hall.transaction() as s:  # sanity: nothing else left behind
        s.execute(update(WebhookDelivery).values(attempts=0))


def test_migration_matches_the_tables_and_goes_back(database_url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from queue_server.storage.database import make_engine
    from queue_server.storage.migrate import alembic_config, upgrade
    from queue_server.storage.tables import Base

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006_appointments")
        upgrade(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize(("text", "message"), [
    ('[[webhooks]]\nurl = "http://h/x"\nsecret = "%s"\nretries = 3\n',
     "config key 'webhooks' (entry 1): unknown key 'retries' (known: url, secret)"),
    ('[[webhooks]]\nurl = "ftp://h/x"\nsecret = "%s"\n',
     "config key 'webhooks' (entry 1): 'url' must be an http:// or https:// address"),
    ('[[webhooks]]\nurl = "http://h/x"\nsecret = "short"\n',
     "config key 'webhooks' (entry 1): 'secret' must be at least 16 characters"),
    ('[[webhooks]]\nurl = "http://h/x"\nsecret = "%s"\n[[webhooks]]\nurl = "http://h/x"\n'
     'secret = "%s"\n', "config key 'webhooks' (entry 2): 'url' is already used"),
    ('[event_feed]\nretry_max_s = 0\n', "config key 'event_feed.retry_max_s' must be a number"),
    ('[event_feed]\nbatch = 5\n', "config key 'event_feed.batch' is unknown"),
    ('webhooks = "http://h/x"\n', "config key 'webhooks' must be a list of tables"),
])
def test_bad_webhook_config_names_the_key_and_never_the_secret(tmp_path, text, message):
    from protocol.config_file import ConfigError
    from queue_server.server_config import ServerConfig

    path = tmp_path / "server.toml"
    path.write_text('site = "camau-hcc"\n' + text.replace("%s", SECRET), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        ServerConfig.load(path, env={})
    assert str(info.value).startswith(message) and SECRET not in str(info.value)


def test_webhook_config_is_read(tmp_path):
    from queue_server.server_config import ServerConfig

    path = tmp_path / "server.toml"
    path.write_text(f'site = "camau-hcc"\n[[webhooks]]\nurl = "https://hoso.example/ev"\n'
                    f'secret = "{SECRET}"\n[event_feed]\nretry_max_s = 60\n'
                    "dead_letter_after_hours = 48\n", encoding="utf-8")
    config = ServerConfig.load(path, env={})
    assert config.webhooks == (WebhookSpec("https://hoso.example/ev", SECRET),)
    assert SECRET not in repr(config.webhooks)
    assert (config.event_feed.retry_max_s, config.event_feed.dead_letter_age_h) == (60, 48)
    assert [config.event_feed.backoff_s(n) for n in (1, 2, 3, 7, 8, 20)] == [
        1, 2, 4, 60, 60, 60]


def test_the_documented_signature_checks_accept_real_events_and_refuse_others(
        in_process_hall, tmp_path):
    """The Python and openssl examples of docs/integration.md, run as they are printed."""
    import re
    import shutil
    import subprocess
    from pathlib import Path

    from queue_server.webhook_delivery import sign

    doc = (Path(__file__).resolve().parents[2] / "docs" / "integration.md").read_text()
    python_block = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    shell_block = next(b for b in re.findall(r"```sh\n(.*?)```", doc, re.S) if "openssl" in b)
    secret = re.search(r"SECRET='([^']+)'", shell_block).group(1)
    issue(in_process_hall, "A")
    body = feed(in_process_hall)[0][1]
    with in_process_hall.hall.read() as s:
        raw = s.scalar(select(OutboxEvent.body)).encode()
    assert json.loads(raw) == body
    good, bad = sign(secret, raw), sign(secret + "x", raw)
    namespace: dict = {}
    exec(python_block, namespace)
    assert namespace["signature_ok"](secret, raw, good)
    assert not namespace["signature_ok"](secret, raw, bad)
    assert not namespace["signature_ok"](secret, raw + b" ", good)
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    (tmp_path / "body.json").write_bytes(raw)
    for header, answer in ((good, "signature ok"), (bad, "REFUSE: bad signature")):
        out = subprocess.run(["bash", "-c", shell_block], cwd=tmp_path, capture_output=True,
                             text=True, env={"SIGNATURE_HEADER": header, "PATH": "/usr/bin:/bin"})
        assert out.stdout.strip() == answer, out.stderr


def test_a_checked_in_appointment_is_issued_once_with_its_slot(in_process_hall):
    from datetime import datetime

    from queue_server.appointment_book import BookingRequest, book
    from queue_server.appointment_check_in import check_in

    h = in_process_hall
    view, _ = book(h.hall, BookingRequest(
        service="A", start=datetime.fromisoformat("2026-11-25T08:45:00+07:00"),
        name="Trần Thị Bích", phone="0912000001"))
    ticket, created = check_in(h.hall, view["code"])
    again, created_again = check_in(h.hall, view["code"])
    assert created and not created_again and again["id"] == ticket["id"]
    [(kind, body)] = feed(h)
    assert kind == "ticket.issued" and body["ticket"]["number"] == ticket["number"]
    assert body["ticket"]["appointment_start"] == "2026-11-25T08:45:00+07:00"
    assert "Trần Thị Bích" not in json.dumps(body, ensure_ascii=False)  # no personal data


def test_delivered_events_are_deleted_after_keep_days_and_waiting_ones_kept(
        in_process_hall, receiver):
    from queue_server.webhook_delivery import purge_delivered

    h = in_process_hall
    add_endpoint(h.hall, receiver.url, SECRET)
    issue(h, "A")
    FeedDelivery(h.hall).run_once()
    receiver.stop()
    issue(h, "A")
    FeedDelivery(h.hall).run_once()
    h.clock.advance(days=31)
    assert purge_delivered(h.hall, 30) == 1
    [(kind, body)] = feed(h)
    assert body["ticket"]["number"] == "A002"  # not delivered yet: kept
    assert endpoint_statuses(h.hall)[0].pending == 1


def test_a_receiver_refusing_everything_backs_off_as_a_whole(in_process_hall, receiver):
    h = in_process_hall
    add_endpoint(h.hall, receiver.url, SECRET)
    delivery = FeedDelivery(h.hall)
    receiver.set_mode("fail")
    for _ in range(10):
        issue(h, "B")
    assert delivery.run_once().failed == 4  # three refusals, then the endpoint backs off
    with h.hall.read() as s:
        assert sorted(s.scalars(select(WebhookDelivery.attempts))) == [0] * 7 + [1] * 3
    [status] = endpoint_statuses(h.hall)
    assert status.failures == 1 and status.last_error.startswith("HTTP 500 for 3 events")
    assert delivery.run_once().failed == 0  # not due yet
    receiver.set_mode("ok")
    h.clock.advance(seconds=2)
    assert delivery.run_once().delivered == 10
    assert endpoint_statuses(h.hall)[0].failures == 0


def test_an_event_still_failing_a_week_later_is_dead_lettered(in_process_hall, receiver):
    h = in_process_hall
    add_endpoint(h.hall, receiver.url, SECRET)
    delivery = FeedDelivery(h.hall, DeliverySettings(dead_letter_age_h=24 * 7))
    receiver.set_mode("fail", fail_number="A001")
    issue(h, "A")
    delivery.run_once()
    assert endpoint_statuses(h.hall)[0].dead == 0
    h.clock.advance(days=7)
    delivery.run_once()
    assert endpoint_statuses(h.hall)[0].dead == 1


def test_kiosks_and_counters_at_once_give_one_event_per_change_in_ticket_order(
        in_process_hall):
    """Under concurrency every ticket event has exactly its feed event, in the same order."""
    from concurrent.futures import ThreadPoolExecutor

    from queue_server.event_feed import TYPE_OF_KIND
    from queue_server.storage.tables import TicketEvent

    h = in_process_hall

    def kiosk(n: int) -> None:
        for _ in range(15):
            issue(h, "A")

    def counter(number: str) -> None:
        calls, n = 0, 0
        while calls < 10 and n < 2000:  # pressing while the kiosks issue
            n += 1
            outcome = h.command(number, "next", id=f"c{number}-{n}")
            if outcome.state is not None and outcome.state.ticket:
                calls += 1

    with ThreadPoolExecutor(5) as pool:
        jobs = [pool.submit(kiosk, n) for n in range(3)]
        jobs += [pool.submit(counter, number) for number in ("1", "2")]
        for job in jobs:
            job.result()
    with h.hall.read() as s:
        changes = defaultdict(list)
        for e in s.scalars(select(TicketEvent).order_by(TicketEvent.id)):
            if e.kind in TYPE_OF_KIND:
                changes[e.ticket_id].append(TYPE_OF_KIND[e.kind])
        told = defaultdict(list)
        for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)):
            told[e.ticket_id].append(e.type)
    assert sum(map(len, told.values())) >= 45 + 20  # issued, then called (and done)
    assert told == changes


def test_an_officer_attaching_a_dossier_code_tells_the_feed_once(in_process_hall):
    from queue_server.ticket_issuer import attach_dossier

    h = in_process_hall
    ticket = issue(h, "B")
    attach_dossier(h.hall, ticket["id"], "000.00.12.H12-261204-0001")
    attach_dossier(h.hall, ticket["id"], "000.00.12.H12-261204-0001")  # again: no change
    kinds = [kind for kind, _ in feed(h)]
    assert kinds == ["ticket.issued", "ticket.dossier_attached"]
    body = feed(h)[1][1]
    assert body["ticket"]["dossier_codes"] == ["000.00.12.H12-261204-0001"]
