"""Counter actions through the service layer, on SQLite and PostgreSQL, with a fake clock."""

import json

import pytest
from sqlalchemy import select

from queue_server.counter_actions import expire_stale_tickets
from queue_server.domain.queue_error import QueueError
from queue_server.storage.tables import Service, Site, Ticket, TicketEvent
from queue_server.ticket_issuer import find_ticket, issue_ticket


def issue(h, service, priority=False, key=None):
    ticket, _ = issue_ticket(h.hall, service_code=service, priority=priority, idempotency_key=key)
    return ticket


def statuses(h):
    with h.hall.transaction() as s:
        return {t.number: t.status for t in s.scalars(select(Ticket))}


def events(h, number):
    with h.hall.transaction() as s:
        t = s.scalar(select(Ticket).where(Ticket.number == number))
        return [e.kind for e in s.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id))]


def test_next_calls_in_order_priority_first_and_completes_the_previous(in_process_hall):
    h = in_process_hall
    issue(h, "A")
    h.clock.advance(minutes=1)
    issue(h, "A")
    h.clock.advance(minutes=1)
    issue(h, "A", priority=True)
    out = h.command("1", "next")
    assert out.state.ticket == "A003" and out.calls[0].ticket == "A003"
    h.clock.advance(minutes=4)
    out = h.command("1", "next")
    assert out.state.ticket == "A001"
    assert statuses(h)["A003"] == "done"
    assert events(h, "A003") == ["issued", "called", "done"]
    h.command("1", "next")
    out = h.command("1", "next")
    assert out.state.result == "empty" and out.state.ticket is None and not out.calls
    assert statuses(h) == {"A001": "done", "A002": "done", "A003": "done"}


def test_transfer_keeps_number_and_issue_time_and_goes_ahead(in_process_hall):
    h = in_process_hall
    first = issue(h, "A")
    h.clock.advance(minutes=2)
    issue(h, "D")  # D001 waits in D before the transfer
    h.command("1", "next")
    out = h.command("1", "transfer", service="D")
    assert out.state.result == "ok" and out.state.ticket is None
    moved = find_ticket(h.hall, first["id"])
    assert (moved["number"], moved["service"], moved["status"]) == ("A001", "D", "waiting")
    assert moved["issued_at"] == first["issued_at"]
    out = h.command("6", "next")  # counter 6 serves D: the transferred ticket goes first
    assert out.state.ticket == "A001"
    assert events(h, "A001") == ["issued", "called", "transferred", "called"]


@pytest.mark.parametrize(
    ("setup", "action", "fields", "reason"),
    [
        (None, "recall", {}, "no_current_ticket"),
        (None, "skip", {}, "no_current_ticket"),
        (None, "complete", {}, "no_current_ticket"),
        ("call", "transfer", {"service": "A"}, "same_service"),
        ("call", "transfer", {"service": "ZZ"}, "unknown_service"),
        ("pause", "next", {}, "paused"),
        (None, "rate", {"rating": 4}, "nothing_to_rate"),
    ],
)
def test_bad_actions_are_rejected_and_change_nothing(in_process_hall, setup, action, fields,
                                                      reason):
    h = in_process_hall
    issue(h, "A")
    if setup == "call":
        h.command("1", "next")
    elif setup == "pause":
        h.command("1", "pause")
    before = statuses(h)
    out = h.command("1", action, **fields)
    assert (out.state.result, out.state.reason) == ("rejected", reason)
    assert out.calls == [] and statuses(h) == before


def test_unknown_counter_is_rejected(in_process_hall):
    out = in_process_hall.command("99", "next")
    assert (out.state.result, out.state.reason, out.state.counter) == (
        "rejected", "unknown_counter", "99")


def test_skip_then_recall_within_grace_brings_the_ticket_back(in_process_hall):
    h = in_process_hall
    issue(h, "A")
    issue(h, "A")
    h.command("1", "next")
    h.command("1", "skip")
    assert statuses(h)["A001"] == "no_show"
    h.clock.advance(minutes=3)
    out = h.command("1", "recall")
    assert out.state.ticket == "A001" and out.calls[0].recall is True
    h.command("1", "skip")
    h.clock.advance(minutes=11)  # past the 10-minute grace
    out = h.command("1", "recall")
    assert out.state.reason == "no_current_ticket"


def test_pause_resume_and_rating_once_after_complete(in_process_hall):
    h = in_process_hall
    issue(h, "A")
    h.command("1", "pause")
    assert h.command("1", "next").state.reason == "paused"
    assert h.command("1", "resume").state.paused is False
    h.command("1", "next")
    assert h.command("1", "rate", rating=4).state.reason == "nothing_to_rate"  # not completed
    h.command("1", "complete")
    assert h.command("1", "rate", rating=4).state.result == "ok"
    assert h.command("1", "rate", rating=1).state.reason == "nothing_to_rate"  # one per ticket
    with h.hall.transaction() as s:
        assert s.scalar(select(Ticket.rating)) == 4


def test_same_command_id_is_applied_once_even_after_restart(in_process_hall, database_url):
    from tests.support.in_process import build_hall

    h = in_process_hall
    issue(h, "A")
    issue(h, "A")
    first = h.command("1", "next", id="press-1")
    again = h.command("1", "next", id="press-1")
    assert first.state.ticket == again.state.ticket == "A001" and again.calls == []
    restarted = build_hall(database_url, clock=h.clock)  # a new process on the same database
    third = restarted.command("1", "next", id="press-1")
    assert third.state.ticket == "A001" and third.state.last_cmd == "press-1"
    assert statuses(h)["A002"] == "waiting"


def test_interleave_mode_lets_a_regular_ticket_through(in_process_hall):
    h = in_process_hall
    with h.hall.transaction() as s:
        site = s.scalar(select(Site))
        site.priority_mode, site.max_priority_in_row = "interleave", 2
    issue(h, "C")
    for _ in range(4):
        h.clock.advance(seconds=10)
        issue(h, "C", priority=True)
    order = [h.command("5", "next").state.ticket for _ in range(5)]
    assert order == ["C002", "C003", "C001", "C004", "C005"]


def test_daily_limit_closed_hours_and_unknown_service(in_process_hall):
    h = in_process_hall
    with h.hall.transaction() as s:
        s.scalar(select(Service).where(Service.code == "C")).daily_limit = 2
    issue(h, "C")
    issue(h, "C")
    with pytest.raises(QueueError) as info:
        issue(h, "C")
    assert info.value.code == "daily_limit" and "hết số hôm nay" in info.value.message_vi
    with pytest.raises(QueueError) as info:
        issue(h, "ZZ")
    assert info.value.code == "unknown_service"
    h.clock.advance(hours=4)  # 12:30 local: field A is closed at lunch
    with pytest.raises(QueueError) as info:
        issue(h, "A")
    assert info.value.code == "closed"
    assert "C003" not in statuses(h)


def test_midnight_rollover_expires_waiting_and_restarts_numbering(in_process_hall):
    h = in_process_hall
    issue(h, "C")
    issue(h, "C")
    h.command("5", "next")
    h.clock.advance(hours=24)
    assert expire_stale_tickets(h.hall) == 1
    assert statuses(h) == {"C001": "called", "C002": "expired"}
    assert issue(h, "C")["number"] == "C001"  # a new day, numbering starts again
    h.publisher.republish_all()
    board = json.loads(next(p for t, p, _ in reversed(h.published) if t.endswith("/board")))
    assert board["waiting"]["C"] == 1 and board["recent"] == []  # yesterday's calls are gone


def test_estimate_uses_recent_service_times(in_process_hall):
    h = in_process_hall
    for _ in range(3):
        issue(h, "C")
    h.command("5", "next")
    h.clock.advance(minutes=10)
    h.command("5", "next")  # C001 served in 10 minutes
    h.clock.advance(minutes=10)
    h.command("5", "next")  # C002 too
    t = issue(h, "C")
    assert t["ahead"] == 0 and t["estimated_wait_s"] == 600  # counter 5 is busy with C003
    t2 = issue(h, "C")
    # (ahead + 1) services of 10 minutes at the one busy counter serving C
    assert t2["ahead"] == 1 and t2["estimated_wait_s"] == 1200
    with h.hall.transaction() as s:
        assert s.scalar(select(Ticket.estimated_wait_s).where(Ticket.public_id == t2["id"])) == 1200


def test_rollover_job_expires_and_republishes(in_process_hall):
    from queue_server.day_rollover import DayRollover

    h = in_process_hall
    issue(h, "E")
    job = DayRollover(h.publisher)
    assert job.check() == 0
    h.clock.advance(hours=20)  # past local midnight
    assert job.check() == 1
    board = json.loads(next(p for t, p, _ in reversed(h.published) if t.endswith("/board")))
    assert board["waiting"]["E"] == 0


def test_sql_position_agrees_with_the_pure_rule(in_process_hall):
    import random

    from queue_server.domain.next_ticket import people_ahead
    from queue_server.queue_views import candidate, ticket_position

    h = in_process_hall
    rng = random.Random(7)
    for _ in range(30):
        h.clock.advance(seconds=rng.choice([0, 5, 60]))
        issue(h, rng.choice("DE"), priority=rng.random() < 0.3)
    h.command("6", "next")
    h.command("6", "transfer", service="E")
    with h.hall.transaction() as s:
        waiting = list(s.scalars(select(Ticket).where(Ticket.status == "waiting")))
        for t in waiting:
            same = [candidate(o) for o in waiting if o.service_id == t.service_id]
            assert ticket_position(s, t) == people_ahead(candidate(t), same)


def test_ahead_printed_at_issue_matches_the_position_right_after(in_process_hall):
    import random

    from queue_server.queue_views import ticket_position

    h = in_process_hall
    rng = random.Random(3)
    for i in range(25):
        if i == 12:
            h.command("6", "next")
            h.command("6", "transfer", service="E")
        t = issue(h, "E", priority=rng.random() < 0.3)
        with h.hall.read() as s:
            row = s.scalar(select(Ticket).where(Ticket.public_id == t["id"]))
            assert t["ahead"] == ticket_position(s, row) == row.ahead_at_issue


def test_front_of_queue_decides_as_the_whole_queue_would(in_process_hall):
    import random

    from queue_server.counter_actions import _desk_ticket, _front_of_queue
    from queue_server.domain.counter_desk import QueuePolicy, choose_for_counter

    h = in_process_hall
    rng = random.Random(11)
    for _ in range(30):
        h.clock.advance(seconds=rng.choice([0, 3, 40]))
        issue(h, rng.choice("DE"), priority=rng.random() < 0.3)
    h.command("6", "next")
    h.command("6", "transfer", service="E")
    with h.hall.read() as s:
        ids = [sid for sid, code in s.execute(select(Service.id, Service.code)) if code in "DE"]
        whole = [_desk_ticket(t, "D") for t in s.scalars(
            select(Ticket).where(Ticket.status == "waiting", Ticket.service_id.in_(ids)))]
        front = [_desk_ticket(t, "D") for t in _front_of_queue(s, ids)]
    for policy in (QueuePolicy(), QueuePolicy("interleave", 2)):
        for run in range(4):
            assert (choose_for_counter(front, policy, run).id
                    == choose_for_counter(whole, policy, run).id)
