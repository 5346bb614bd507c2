"""The board's rules: ordering by seq, duplicates, snapshot resync, recall, announcements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from display.board_state import BoardState
from protocol import Board, BoardEntry, Call

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def call(seq: int, ticket: str, counter: str = "5", recall: bool = False) -> Call:
    return Call(
        seq=seq,
        ticket=ticket,
        counter=counter,
        service=ticket[0],
        recall=recall,
        ts=T0 + timedelta(seconds=seq),
    )


def board(seq: int, *entries: tuple[str, str], waiting=None, message: str = "") -> Board:
    return Board(
        seq=seq,
        recent=[
            BoardEntry(ticket=t, counter=c, service=t[0], ts=T0 + timedelta(seconds=seq - i))
            for i, (t, c) in enumerate(entries)
        ],
        waiting=waiting or {},
        message=message,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> BoardState:
    return BoardState(recent_count=4, highlight_s=10, clock=clock)


def tickets(state: BoardState) -> list[str]:
    return [line.ticket for line in state.recent]


def announced(state: BoardState) -> list[tuple[int, str]]:
    return [(a.seq, a.ticket) for a in state.take_announcements()]


def test_calls_in_order_build_the_list_newest_first_and_are_announced(state):
    for seq, ticket in ((1, "A001"), (2, "B001"), (3, "A002")):
        assert state.apply_call(call(seq, ticket))
    assert tickets(state) == ["A002", "B001", "A001"]
    assert state.newest.ticket == "A002"
    assert state.last_seq == 3
    assert announced(state) == [(1, "A001"), (2, "B001"), (3, "A002")]
    assert state.take_announcements() == []


def test_the_list_keeps_only_recent_count_lines(state):
    for seq in range(1, 8):
        state.apply_call(call(seq, f"A00{seq}"))
    assert tickets(state) == ["A007", "A006", "A005", "A004"]


def test_a_duplicate_call_is_ignored_and_announced_once(state):
    assert state.apply_call(call(5, "A012"))
    version = state.version
    assert not state.apply_call(call(5, "A012"))
    assert state.version == version
    assert announced(state) == [(5, "A012")]


def test_an_out_of_order_call_is_ignored(state):
    state.apply_call(call(7, "A007"))
    assert not state.apply_call(call(6, "A006"))
    assert tickets(state) == ["A007"]
    assert state.newest.ticket == "A007"
    assert announced(state) == [(7, "A007")]


def test_a_recall_moves_the_ticket_to_the_top_once_and_is_announced_again(state):
    state.apply_call(call(1, "A001", "1"))
    state.apply_call(call(2, "A002", "2"))
    assert state.apply_call(call(3, "A001", "1", recall=True))
    assert tickets(state) == ["A001", "A002"]
    assert state.newest.recall is True
    assert [a.recall for a in state.take_announcements()] == [False, False, True]


def test_a_transferred_ticket_called_at_another_counter_keeps_one_line(state):
    state.apply_call(call(1, "A001", "1"))
    state.apply_call(call(2, "A001", "4"))
    assert [(r.ticket, r.counter) for r in state.recent] == [("A001", "4")]


def test_a_snapshot_replaces_everything_and_announces_nothing(state):
    state.apply_call(call(1, "A001"))
    state.take_announcements()
    changed = state.apply_board(
        board(9, ("C003", "2"), ("B004", "3"), waiting={"A": 7, "B": 2}, message="Xin chào")
    )
    assert changed
    assert tickets(state) == ["C003", "B004"]
    assert state.newest.ticket == "C003"
    assert state.waiting == {"A": 7, "B": 2}
    assert state.message == "Xin chào"
    assert state.last_seq == 9
    assert state.pending_announcements == ()
    # a call the snapshot already covers is old news
    assert not state.apply_call(call(8, "B004"))
    assert state.apply_call(call(10, "D001"))
    assert announced(state) == [(10, "D001")]


def test_a_snapshot_starts_no_blinking(state):
    state.apply_board(board(3, ("A003", "1")))
    assert state.newest.ticket == "A003"
    assert not state.is_highlighted()


def test_the_snapshot_after_a_call_keeps_it_blinking_and_does_not_reannounce(state, clock):
    state.apply_call(call(4, "A004", "2"))
    clock.now += 1
    state.apply_board(board(4, ("A004", "2"), ("A003", "1"), waiting={"A": 3}))
    assert state.is_highlighted()
    assert announced(state) == [(4, "A004")]
    # the same retained snapshot handed over again (amqtt does so) changes nothing
    version = state.version
    assert not state.apply_board(board(4, ("A004", "2"), ("A003", "1"), waiting={"A": 3}))
    assert state.version == version
    # and the call redelivered after it is ignored
    assert not state.apply_call(call(4, "A004", "2"))
    assert state.take_announcements() == []


def test_a_call_whose_snapshot_came_first_is_still_shown_and_announced(state):
    state.apply_call(call(1, "A001"))
    state.apply_board(board(2, ("A002", "3"), ("A001", "5")))
    assert not state.is_highlighted()
    assert state.apply_call(call(2, "A002", "3"))
    assert state.is_highlighted()
    assert announced(state) == [(1, "A001"), (2, "A002")]
    assert not state.apply_call(call(2, "A002", "3"))


def test_resync_after_a_stale_snapshot_does_not_announce_a_call_twice(state):
    state.apply_board(board(4, ("A004", "1")))
    state.apply_call(call(5, "A005"))
    # a stale copy of the retained board, then the call redelivered
    state.apply_board(board(4, ("A004", "1")))
    assert tickets(state) == ["A004"]
    assert state.apply_call(call(5, "A005"))
    assert tickets(state) == ["A005", "A004"]
    assert announced(state) == [(5, "A005")]


def test_a_server_that_restarted_its_numbering_is_followed(state):
    state.apply_call(call(500, "A050"))
    state.apply_board(board(0))
    assert state.recent == [] and state.newest is None
    assert state.apply_call(call(1, "A001"))
    assert announced(state) == [(500, "A050"), (1, "A001")]


def test_highlight_lasts_highlight_s(state, clock):
    state.apply_call(call(1, "A001"))
    assert state.is_highlighted()
    clock.now += 9.9
    assert state.is_highlighted()
    clock.now += 0.2
    assert not state.is_highlighted()
    assert state.highlight_age() is None


def test_the_announcement_queue_is_consumed_one_by_one(state):
    state.apply_call(call(1, "A001"))
    state.apply_call(call(2, "A002"))
    assert [a.ticket for a in state.pending_announcements] == ["A001", "A002"]
    assert state.next_announcement().ticket == "A001"
    assert state.next_announcement().ticket == "A002"
    assert state.next_announcement() is None


def test_link_state_changes_the_version_only_when_it_moves(state):
    version = state.version
    assert state.set_connected(True)
    assert not state.set_connected(True)
    assert state.version == version + 1


def test_recent_count_must_be_positive():
    with pytest.raises(ValueError):
        BoardState(recent_count=0)
