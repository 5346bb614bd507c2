"""Appointments' pure rules: slots, the check-in window, booking codes, call order."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from queue_server.domain.appointment_slots import (
    AppointmentRules,
    is_open_slot,
    open_slots,
    slot_starts,
)
from queue_server.domain.booking_code import ALPHABET, display_code, new_code, normalise_code
from queue_server.domain.check_in_window import check_in_verdict, missed
from queue_server.domain.counter_desk import (
    Desk,
    DeskTicket,
    QueuePolicy,
    choose_for_counter,
    decide,
)
from queue_server.domain.next_ticket import appointment_turn_allowed
from queue_server.domain.opening_hours import OpeningHours
from queue_server.domain.ticket_status import TicketStatus
from queue_server.domain.wait_estimate import appointments_ahead

TZ = "Asia/Ho_Chi_Minh"
VN = ZoneInfo(TZ)
RULES = AppointmentRules(
    slot_min=15,
    per_slot=2,
    days_ahead=14,
    prefix="H",
    hours=OpeningHours.parse(["07:00-11:30", "13:30-17:00"], [1, 2, 3, 4, 5]),
)
MONDAY = date(2026, 11, 23)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=VN)


def test_slots_fill_each_span_and_end_inside_it():
    starts = slot_starts(RULES, MONDAY, TZ)
    assert starts[0] == local(MONDAY, 7, 0)
    assert starts[1] == local(MONDAY, 7, 15)
    morning = [s for s in starts if s.hour < 12]
    assert morning[-1] == local(MONDAY, 11, 15)  # 11:15-11:30 is the last whole slot
    assert len(morning) == 18
    assert starts[len(morning)] == local(MONDAY, 13, 30)
    assert starts[-1] == local(MONDAY, 16, 45)
    assert len(starts) == 18 + 14


def test_a_slot_longer_than_the_rest_of_a_span_is_not_offered():
    rules = AppointmentRules(40, 1, 7, "H", OpeningHours.parse(["07:00-08:30"], None))
    assert slot_starts(rules, MONDAY, TZ) == [local(MONDAY, 7, 0), local(MONDAY, 7, 40)]


def test_no_slots_on_weekends_and_closed_days():
    assert slot_starts(RULES, MONDAY + timedelta(days=5), TZ) == []  # Saturday
    assert slot_starts(RULES, MONDAY, TZ, closed_days=[MONDAY]) == []
    assert slot_starts(RULES, MONDAY + timedelta(days=1), TZ, closed_days=[MONDAY]) != []


def test_open_slots_are_in_the_booking_window_and_not_begun():
    now = local(MONDAY, 9, 5).astimezone(UTC)
    today = open_slots(RULES, MONDAY, TZ, now)
    assert today[0] == local(MONDAY, 9, 15)
    assert open_slots(RULES, MONDAY - timedelta(days=1), TZ, now) == []
    assert open_slots(RULES, MONDAY + timedelta(days=14), TZ, now) != []
    assert open_slots(RULES, MONDAY + timedelta(days=15), TZ, now) == []
    assert is_open_slot(RULES, local(MONDAY, 9, 15).astimezone(UTC), TZ, now)
    assert not is_open_slot(RULES, local(MONDAY, 9, 0), TZ, now)  # already begun
    assert not is_open_slot(RULES, local(MONDAY, 9, 20), TZ, now)  # not on the grid
    assert not is_open_slot(RULES, local(MONDAY, 12, 0), TZ, now)  # lunch


def test_check_in_window():
    start = local(MONDAY, 9, 0)
    before, after = timedelta(minutes=30), timedelta(minutes=15)
    early = check_in_verdict(start, start - timedelta(minutes=31), before, after)
    assert early.outcome == "too_early"
    assert early.come_back_at == local(MONDAY, 8, 30)
    assert check_in_verdict(start, start - before, before, after).outcome == "ok"
    assert check_in_verdict(start, start + after, before, after).outcome == "ok"
    late = check_in_verdict(start, start + after + timedelta(seconds=1), before, after)
    assert late.outcome == "too_late" and late.come_back_at is None
    assert not missed(start, start + after, after)
    assert missed(start, start + after + timedelta(seconds=1), after)


def test_booking_codes_are_random_crockford_and_forgiving_to_type():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 8 and set(c) <= set(ALPHABET) for c in codes)
    assert display_code("K7M2Q9XA") == "K7M2-Q9XA"
    assert normalise_code("k7m2-q9xa") == "K7M2Q9XA"
    assert normalise_code(" K7M2 Q9XA ") == "K7M2Q9XA"
    assert normalise_code("OIL0-1234") == "01101234"
    for bad in ("K7M2Q9X", "K7M2Q9XAB", "K7M2-Q9U1", "K7M2-Q9X!", "", "-" * 40):
        assert normalise_code(bad) is None


T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 in Cà Mau


def ticket(i: int, minutes: int, *, priority=False, appointment: int | None = None,
           share: float = 0.5) -> DeskTicket:
    return DeskTicket(
        id=i, number=f"X{i:03d}", service="A", priority=priority, transferred=False,
        status=TicketStatus.WAITING, queued_at=T0 + timedelta(minutes=minutes), sequence=i,
        appointment_start=None if appointment is None else T0 + timedelta(minutes=appointment),
        appointment_max_share=share,
    )


def test_a_due_appointment_goes_before_walk_ins_and_priority():
    walk_in = ticket(1, -40)
    priority = ticket(2, -30, priority=True)
    booked = ticket(3, -10, appointment=0)
    pool = [walk_in, priority, booked]
    assert choose_for_counter(pool, QueuePolicy(), 0, T0).id == 3
    # before its slot begins it waits in the walk-in order, by its check-in time
    assert choose_for_counter(pool, QueuePolicy(), 0, T0 - timedelta(minutes=1)).id == 2
    # without a clock (older callers) nothing changes
    assert choose_for_counter(pool, QueuePolicy(), 0).id == 2


def test_the_earliest_slot_goes_first_among_due_appointments():
    pool = [ticket(1, -20, appointment=-5), ticket(2, -25, appointment=-15), ticket(3, -50)]
    assert choose_for_counter(pool, QueuePolicy(), 0, T0).id == 2


def test_max_share_limits_appointment_calls_while_walk_ins_wait():
    pool = [ticket(1, -40), ticket(2, -10, appointment=0)]
    assert choose_for_counter(pool, QueuePolicy(), 0, T0, (False, True)).id == 1  # half
    assert choose_for_counter(pool, QueuePolicy(), 0, T0, (False, True, False)).id == 2
    assert choose_for_counter(pool, QueuePolicy(), 0, T0, (True,)).id == 1
    # nobody walked in: the share does not matter
    assert choose_for_counter(pool[1:], QueuePolicy(), 0, T0, (True, True)).id == 2
    never = [ticket(1, -40), ticket(2, -50, appointment=0, share=0.0)]
    assert choose_for_counter(never, QueuePolicy(), 0, T0).id == 2  # earlier check-in
    never = [ticket(1, -40), ticket(2, -10, appointment=0, share=0.0)]
    assert choose_for_counter(never, QueuePolicy(), 0, T0).id == 1


def test_turn_rule():
    assert appointment_turn_allowed((), 0.5)
    assert not appointment_turn_allowed((), 0.0)
    assert appointment_turn_allowed((True,) * 10, 1.0)
    assert appointment_turn_allowed((True, False, False), 0.5)
    assert not appointment_turn_allowed((True, False), 0.5)


def test_decide_next_at_a_desk_calls_the_due_appointment():
    desk = Desk("1", frozenset({"A"}), recent_calls=(False,))
    pool = [ticket(1, -40), ticket(2, -10, appointment=-5)]
    decision = decide("next", desk, pool, QueuePolicy(), T0)
    assert decision.current == 2
    desk = Desk("1", frozenset({"A"}), recent_calls=(True,))
    assert decide("next", desk, pool, QueuePolicy(), T0).current == 1


@pytest.mark.parametrize(
    ("due", "ahead", "share", "expected"),
    [(0, 5, 0.5, 0), (3, 0, 0.5, 1), (3, 5, 0.5, 3), (10, 3, 0.5, 4), (2, 4, 0.0, 0),
     (7, 0, 1.0, 7), (5, 2, 0.25, 1)],
)
def test_walk_in_estimate_counts_appointments_due(due, ahead, share, expected):
    assert appointments_ahead(due, ahead, share) == expected
