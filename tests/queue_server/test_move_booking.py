"""Moving a booking to another slot, on SQLite and PostgreSQL (service layer, fake clock).

The fake clock says Wednesday 25 November 2026, 08:30 in Cà Mau; field A has 15-minute
slots of 2 places. A move takes the new place and frees the old one in one
transaction, so the booking is never lost and no slot ever holds more than 2.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from itertools import count
from threading import Barrier

import pytest
from sqlalchemy import select

from queue_server.appointment_book import BookingRequest, book, cancel_booking, move_booking
from queue_server.domain.queue_error import QueueError
from queue_server.storage.tables import Appointment, AppointmentSlot

PHONES = count(1)
NINE = "2026-11-26T09:00:00+07:00"
TEN = "2026-11-26T10:00:00+07:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def booked(hall, start: str, n: int = 1) -> list[str]:
    codes = []
    for i in range(n):
        view, _ = book(hall, BookingRequest(service="A", start=at(start), name=f"Công dân {i}",
                                            phone=f"0912{next(PHONES):06d}"))
        codes.append(view["code"])
    return codes


def places(hall) -> dict[datetime, int]:
    with hall.read() as db:
        return dict(db.execute(select(AppointmentSlot.start, AppointmentSlot.booked)).all())


def start_of(hall, code: str) -> datetime:
    with hall.read() as db:
        return db.scalar(select(Appointment.start).where(
            Appointment.code == code.replace("-", "")))


def test_a_move_takes_the_new_place_and_frees_the_old(in_process_hall):
    hall = in_process_hall.hall
    (code,) = booked(hall, NINE)
    view = move_booking(hall, code.lower(), at(TEN))
    assert view["start"] == TEN and view["code"] == code and view["status"] == "booked"
    assert places(hall) == {at(NINE): 0, at(TEN): 1}
    assert start_of(hall, code) == at(TEN)
    assert move_booking(hall, code, at(TEN))["start"] == TEN  # to its own slot: no change
    assert places(hall) == {at(NINE): 0, at(TEN): 1}


@pytest.mark.parametrize("target, error", [
    (TEN, "slot_full"),
    ("2026-11-28T09:00:00+07:00", "closed"),  # a Saturday
    ("2026-11-25T08:15:00+07:00", "closed"),  # begun already
    ("2026-11-26T09:05:00+07:00", "closed"),  # not a slot start
])
def test_a_refused_move_leaves_the_booking_as_it_was(in_process_hall, target, error):
    hall = in_process_hall.hall
    booked(hall, TEN, 2)
    (code,) = booked(hall, NINE)
    before = places(hall)
    with pytest.raises(QueueError) as refused:
        move_booking(hall, code, at(target))
    assert refused.value.code == error and refused.value.status == 409
    assert places(hall) == before and start_of(hall, code) == at(NINE)


def test_only_a_booked_booking_before_its_slot_moves(in_process_hall):
    hall = in_process_hall.hall
    (cancelled,) = booked(hall, NINE)
    cancel_booking(hall, cancelled)
    with pytest.raises(QueueError) as refused:
        move_booking(hall, cancelled, at(TEN))
    assert refused.value.code == "not_booked"
    (soon,) = booked(hall, "2026-11-25T08:45:00+07:00")
    in_process_hall.clock.advance(minutes=16)
    with pytest.raises(QueueError) as refused:
        move_booking(hall, soon, at(TEN))
    assert refused.value.code == "too_late"
    with pytest.raises(QueueError) as refused:
        move_booking(hall, "ZZZZ-ZZZZ", at(TEN))
    assert refused.value.code == "unknown_booking" and refused.value.status == 404


def test_moves_racing_for_the_last_place_never_overbook(in_process_hall):
    hall = in_process_hall.hall
    booked(hall, TEN)  # one place of two left
    racers = booked(hall, NINE, 2) + booked(hall, "2026-11-26T09:15:00+07:00", 2)
    barrier = Barrier(len(racers))

    def race(code: str) -> str:
        barrier.wait()
        try:
            move_booking(hall, code, at(TEN))
            return "moved"
        except QueueError as exc:
            return exc.code

    with ThreadPoolExecutor(len(racers)) as pool:
        outcomes = list(pool.map(race, racers))
    assert sorted(outcomes) == ["moved", "slot_full", "slot_full", "slot_full"]
    assert places(hall)[at(TEN)] == 2
    assert sum(places(hall).values()) == 5  # every booking still holds exactly one place


def test_crossing_moves_all_succeed(in_process_hall):
    """A to B while B to A, with one place free in each: both moves go through."""
    hall = in_process_hall.hall
    ends = [("2026-11-26T09:00:00+07:00", "2026-11-26T10:00:00+07:00"),
            ("2026-11-26T09:15:00+07:00", "2026-11-26T10:15:00+07:00"),
            ("2026-11-26T09:30:00+07:00", "2026-11-26T10:30:00+07:00")]
    moves = []
    for a, b in ends:
        moves += [(booked(hall, a)[0], b), (booked(hall, b)[0], a)]
    barrier = Barrier(len(moves))

    def move(pair) -> str:
        code, target = pair
        barrier.wait()
        return move_booking(hall, code, at(target))["start"]

    with ThreadPoolExecutor(len(moves)) as pool:
        starts = list(pool.map(move, moves))
    assert starts == [target for _, target in moves]
    assert set(places(hall).values()) == {1}
