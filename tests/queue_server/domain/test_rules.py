"""The queue's pure rules: numbering, call order, estimates, opening hours, transitions."""

from datetime import UTC, datetime, timedelta

import pytest

from queue_server.domain.next_ticket import Candidate, choose_next, people_ahead
from queue_server.domain.numbering import format_ticket_number, sequence_for
from queue_server.domain.opening_hours import OpeningHours
from queue_server.domain.ticket_status import TicketStatus, TransitionError, check_transition
from queue_server.domain.wait_estimate import estimated_wait_s, mean_service_time

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def cand(i: int, minutes: int, priority=False, transferred=False) -> Candidate:
    return Candidate(i, priority, transferred, T0 + timedelta(minutes=minutes), i)


def test_numbers_are_prefixed_and_padded():
    assert format_ticket_number("A", 12) == "A012"
    assert format_ticket_number("B", 1234) == "B1234"
    assert format_ticket_number("UT", 7, width=4) == "UT0007"
    assert sequence_for(first_number=100, issued_before=0) == 100


def test_priority_then_transferred_then_issue_time():
    plain_old, plain_new = cand(1, 0), cand(2, 5)
    transferred = cand(3, 10, transferred=True)
    priority = cand(4, 20, priority=True)
    pool = [plain_new, plain_old, transferred, priority]
    assert choose_next(pool) == priority
    pool.remove(priority)
    assert choose_next(pool) == transferred
    pool.remove(transferred)
    assert choose_next(pool) == plain_old
    assert choose_next([]) is None


def test_people_ahead_counts_only_those_called_before():
    me = cand(5, 30)
    others = [cand(1, 0), cand(2, 40), cand(3, 50, priority=True), me]
    assert people_ahead(me, others) == 2
    assert people_ahead(cand(6, 60, priority=True), others) == 1


def test_estimate_is_ahead_times_mean_over_open_counters():
    assert estimated_wait_s(6, 300, 2) == 900
    assert estimated_wait_s(0, 300, 2) == 0
    assert estimated_wait_s(3, 300, 0) == 900  # a closed hall still gives an estimate
    assert mean_service_time([]) == 300
    assert mean_service_time([100, 200, 1]) == 150  # a 1 s "service" is a slip, ignored


def test_opening_hours_and_weekdays():
    hours = OpeningHours.parse(["07:00-11:30", "13:30-17:00"], [1, 2, 3, 4, 5])
    wednesday = datetime(2026, 11, 25, 8, 0)
    assert hours.is_open(wednesday)
    assert not hours.is_open(wednesday.replace(hour=12))
    assert not hours.is_open(wednesday.replace(hour=17))
    assert not hours.is_open(datetime(2026, 11, 29, 8, 0))  # Sunday
    assert OpeningHours().is_open(wednesday.replace(hour=3))
    for bad in (["7-11"], ["11:00-10:00"], ["25:00-26:00"]):
        with pytest.raises(ValueError):
            OpeningHours.parse(bad, None)
    with pytest.raises(ValueError):
        OpeningHours.parse(None, [0])


def test_transitions():
    check_transition(TicketStatus.WAITING, TicketStatus.CALLED)
    check_transition("called", "no_show")
    check_transition("no_show", "called")
    with pytest.raises(TransitionError):
        check_transition("done", "called")
    with pytest.raises(TransitionError):
        check_transition("waiting", "done")


def test_queue_wait_counts_free_counters_shares_and_breaks():
    from datetime import UTC, datetime, timedelta

    from queue_server.domain.wait_estimate import ServicePace, across_breaks, queue_wait_s

    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    two_free = ServicePace(mean_service_s=600, capacity=3, idle_counters=2)
    assert queue_wait_s(0, two_free, now) == 0 and queue_wait_s(1, two_free, now) == 0
    assert queue_wait_s(2, two_free, now) == 200  # one service ahead spread over 3 counters
    busy = ServicePace(mean_service_s=600, capacity=2, idle_counters=0)
    assert queue_wait_s(3, busy, now) == 1200  # (3 + 1) × 600 ÷ 2
    lunch = ((now + timedelta(minutes=10), now + timedelta(hours=2, minutes=10)),)
    assert queue_wait_s(3, ServicePace(600, 2, 0, lunch), now) == 1200 + 7200
    assert across_breaks(now + timedelta(hours=1), 60, lunch) == 3600 + 600 + 60
    assert across_breaks(now, 60, lunch) == 60  # done before the break
