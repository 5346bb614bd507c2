"""The officer's and the citizen's sequences on their own: transfer choice, rating window."""

from __future__ import annotations

import threading

from counter.rating_window import RatingWindow
from counter.service_directory import ServiceDirectory
from counter.status_lights import CODE_GAP_STEPS, blink_code
from counter.transfer_picker import TransferPicker
from tests.counter.conftest import wait_until

TARGETS = ("A", "B", "C", "D", "E", "U")


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_taps_cycle_through_the_other_fields_keeping_their_positions() -> None:
    clock = FakeClock()
    picker = TransferPicker(10, clock)
    seen = [picker.advance(TARGETS, "C003", "C") for _ in range(6)]
    assert [(c.service, c.position) for c in seen] == [
        ("A", 1), ("B", 2), ("D", 4), ("E", 5), ("U", 6), ("A", 1)
    ]
    assert picker.chosen("C003").service == "A"
    assert picker.chosen("C004") is None  # a choice belongs to its ticket


def test_choice_is_forgotten_after_the_timeout() -> None:
    clock = FakeClock()
    picker = TransferPicker(10, clock)
    picker.advance(TARGETS, "A001", "A")
    picker.advance(TARGETS, "A001", "A")
    clock.now += 9.9
    assert picker.chosen("A001").service == "C"
    assert picker.advance(TARGETS, "A001", "A").service == "D"  # each tap restarts it
    clock.now += 10
    assert picker.chosen("A001") is None
    assert picker.advance(TARGETS, "A001", "A").service == "B"  # starts again


def test_a_new_ticket_starts_from_the_first_field_and_cancel_forgets() -> None:
    picker = TransferPicker(10, FakeClock())
    picker.advance(TARGETS, "A001", "A")
    assert picker.advance(TARGETS, "A002", "A").service == "B"
    assert picker.cancel().ticket == "A002"
    assert picker.pending() is None
    assert picker.advance(("A",), "A003", "A") is None  # nowhere else to go


def test_blink_code_is_n_blinks_then_a_gap() -> None:
    assert blink_code(2) == [1, 0, 1, 0] + [0] * CODE_GAP_STEPS


def test_rating_window_first_press_wins_until_it_closes() -> None:
    clock = FakeClock()
    window = RatingWindow(60, clock)
    assert window.take() is None  # nothing completed yet
    window.open("C001")
    clock.now += 59
    assert window.ticket == "C001"
    assert window.take() == "C001"
    assert window.take() is None  # one rating per ticket
    window.give_back("C001")  # the send failed: the citizen may press again
    assert window.take() == "C001"

    window.open("C002")
    clock.now += 60
    assert window.ticket is None and window.remaining_s() == 0
    assert window.take() is None


def test_service_directory_from_config_or_from_the_server() -> None:
    fixed = ServiceDirectory(("B", "D"), "http://unused")
    fixed.start()
    assert fixed.codes() == ("B", "D")
    fixed.close()

    calls: list[str] = []
    answered = threading.Event()

    def fetch(url: str) -> list[tuple[str, str]]:
        calls.append(url)
        if len(calls) == 1:
            raise OSError("connection refused")
        answered.set()
        return [("A", "Đất đai"), ("B", "Tư pháp – Hộ tịch")]

    remote = ServiceDirectory(None, "http://server:8080", fetch=fetch, retry_s=0.01)
    assert remote.codes() == ()
    remote.start()
    assert answered.wait(5)
    wait_until(lambda: remote.codes() != (), what="the fetched list")
    assert remote.codes() == ("A", "B")
    assert remote.name_of("B") == "Tư pháp – Hộ tịch"
    remote.close()
