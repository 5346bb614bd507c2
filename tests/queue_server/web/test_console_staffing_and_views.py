"""Who sits at which counter, and what the console's desk shows, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import select

from queue_server.accounts import create_user
from queue_server.console_views import counter_choices, desk_snapshot
from queue_server.counter_staffing import CounterTaken, leave, seat_of, sit
from queue_server.domain.queue_error import QueueError
from queue_server.storage.tables import Counter, User
from queue_server.ticket_issuer import issue_ticket


def _account(hall, username, role="officer", full_name=""):
    with hall.hall.transaction() as db:
        return create_user(db, username, "mat-khau-dai-du", role, full_name=full_name).id


def _officer_at(hall, number):
    with hall.hall.read() as db:
        return db.scalar(select(Counter.officer_id).where(Counter.number == number))


def _desk(hall, number):
    with hall.hall.read() as db:
        return desk_snapshot(hall.hall, db, number)


def _take(hall, service, priority=False):
    ticket, _ = issue_ticket(hall.hall, service_code=service, priority=priority)
    return ticket


def test_one_officer_per_counter_and_one_counter_per_officer(in_process_hall):
    hall = in_process_hall
    lan = _account(hall, "canbo-lan", full_name="Trần Thị Lan")
    minh = _account(hall, "canbo-minh", full_name="Lê Văn Minh")
    assert sit(hall.hall, "5", lan).left is None
    assert _officer_at(hall, "5") == lan
    moved = sit(hall.hall, "3", lan)  # choosing another counter frees the first
    assert moved.left == "5" and _officer_at(hall, "5") is None and _officer_at(hall, "3") == lan
    assert sit(hall.hall, "3", lan).left is None  # sitting down again changes nothing

    with pytest.raises(CounterTaken) as refused:
        sit(hall.hall, "3", minh)
    assert refused.value.holder == "Trần Thị Lan" and refused.value.status == 409
    assert "Quầy 3 đang do cán bộ Trần Thị Lan phụ trách" in refused.value.message_vi
    assert _officer_at(hall, "3") == lan

    sit(hall.hall, "5", minh)
    with pytest.raises(CounterTaken):  # a refused move keeps the officer where they were
        sit(hall.hall, "3", minh)
    assert _officer_at(hall, "5") == minh


def test_an_admin_forces_a_counter_and_an_inactive_account_holds_nothing(in_process_hall):
    hall = in_process_hall
    lan = _account(hall, "canbo-lan", full_name="Trần Thị Lan")
    boss = _account(hall, "quantri", role="admin")
    sit(hall.hall, "5", lan)
    with pytest.raises(CounterTaken):
        sit(hall.hall, "5", boss)
    taken = sit(hall.hall, "5", boss, force=True)
    assert taken.displaced == "Trần Thị Lan" and _officer_at(hall, "5") == boss
    with hall.hall.read() as db:
        assert seat_of(db, hall.hall.site(db).id, lan) is None

    ghost = _account(hall, "canbo-cu")
    sit(hall.hall, "2", ghost)
    with hall.hall.transaction() as db:
        db.get(User, ghost).active = False
    assert sit(hall.hall, "2", lan).displaced is None
    assert _officer_at(hall, "2") == lan


def test_leaving_unknown_counters_and_roles(in_process_hall):
    hall = in_process_hall
    lan = _account(hall, "canbo-lan")
    manager = _account(hall, "lanhdao", role="manager")
    with pytest.raises(QueueError) as unknown:
        sit(hall.hall, "99", lan)
    assert unknown.value.code == "unknown_counter"
    with pytest.raises(QueueError) as refused:
        sit(hall.hall, "1", manager)
    assert refused.value.code == "forbidden"
    assert leave(hall.hall, lan) is None
    sit(hall.hall, "4", lan)
    assert leave(hall.hall, lan) == "4"
    assert _officer_at(hall, "4") is None


def test_counter_choices_list_fields_and_officers_in_number_order(in_process_hall):
    hall = in_process_hall
    sit(hall.hall, "6", _account(hall, "canbo-lan", full_name="Trần Thị Lan"))
    with hall.hall.read() as db:
        choices = counter_choices(hall.hall, db)
    assert [c.number for c in choices] == ["1", "2", "3", "4", "5", "6", "7"]
    six = choices[5]
    assert [f.code for f in six.fields] == ["D", "E", "U"] and six.officer == "Trần Thị Lan"
    assert choices[0].officer is None and choices[0].fields[0].name_vi == "Đất đai"


def test_desk_waiting_list_in_call_order_with_marks_and_minutes(in_process_hall):
    hall = in_process_hall
    plain = _take(hall, "A")
    hall.clock.advance(minutes=4)
    elder = _take(hall, "A", priority=True)
    hall.clock.advance(minutes=1)
    _take(hall, "C")
    hall.command("5", "next")
    hall.command("5", "transfer", service="A")  # C001 comes over to field A
    hall.clock.advance(minutes=6)
    desk = _desk(hall, "1")
    assert [w.number for w in desk.waiting] == [elder["number"], "C001", plain["number"]]
    first, moved, last = desk.waiting
    assert first.priority and not first.transferred and first.waited_s == 7 * 60
    assert moved.transferred and moved.from_field == "C" and moved.field == "A"
    assert last.waited_s == 11 * 60 and desk.waiting_total == 3
    assert desk.current is None and not desk.paused
    assert [f.code for f in desk.transfer_targets] == ["A", "B", "C", "D", "E", "U", "R"]


def test_desk_current_ticket_and_pause(in_process_hall):
    hall = in_process_hall
    _take(hall, "C", priority=True)
    hall.clock.advance(minutes=3)
    hall.command("5", "next")
    hall.command("5", "pause")
    desk = _desk(hall, "5")
    assert desk.paused and desk.current.number == "C001" and desk.current.priority
    assert desk.current.waited_s == 180 and desk.current.field.name_vi == "Đăng ký kinh doanh"
    assert desk.waiting == () and desk.seq > 0
    with pytest.raises(QueueError):
        _desk(hall, "99")


def test_history_of_the_day_at_one_counter(in_process_hall):
    hall = in_process_hall
    for _ in range(4):
        _take(hall, "C")
    hall.command("5", "next")            # C001 …
    hall.clock.advance(minutes=5)
    hall.command("5", "complete")        # … done, then rated "very satisfied"
    hall.command("5", "rate", rating=4)
    hall.command("5", "next")            # C002 does not come: no-show
    hall.command("5", "skip")
    hall.command("5", "next")            # C003 goes to field A
    hall.command("5", "transfer", service="A")
    hall.command("5", "next")            # C004 at the counter now
    hall.command("1", "next")            # counter 1 serves C003 in field A
    history = _desk(hall, "5").history
    assert [(v.number, v.field, v.status) for v in history] == [
        ("C004", "C", "called"), ("C003", "C", "transferred"), ("C002", "C", "no_show"),
        ("C001", "C", "done")]
    c004, c003, c002, c001 = history
    assert c001.rating == 4
    assert (c001.done_at - c001.called_at).total_seconds() == 300
    assert c003.to_field == "A" and c004.done_at is None and c002.rating is None
    counter_one = _desk(hall, "1").history
    assert [(v.number, v.field, v.status) for v in counter_one] == [("C003", "A", "called")]


def test_a_no_show_recalled_within_the_grace_reopens_its_turn(in_process_hall):
    hall = in_process_hall
    _take(hall, "C")
    hall.command("5", "next")
    hall.command("5", "skip")
    assert _desk(hall, "5").history[0].status == "no_show"
    hall.clock.advance(minutes=2)
    hall.command("5", "recall")
    [visit] = _desk(hall, "5").history
    assert visit.status == "called" and visit.done_at is None


def test_yesterdays_turns_are_not_in_todays_history(in_process_hall):
    hall = in_process_hall
    _take(hall, "C")
    hall.command("5", "next")
    hall.command("5", "complete")
    hall.clock.advance(days=1)
    assert _desk(hall, "5").history == ()
