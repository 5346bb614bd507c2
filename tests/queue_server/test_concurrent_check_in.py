"""Check-ins at several kiosks at once, on SQLite and PostgreSQL (service layer, fake clock).

The fake clock says Wednesday 25 November 2026, 08:30 in Cà Mau; field A's 08:45 and
09:00 slots (2 places each) are open for check-in.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from threading import Barrier

from sqlalchemy import func, select

from queue_server.appointment_book import BookingRequest, book
from queue_server.appointment_check_in import check_in
from queue_server.storage.tables import Ticket

SLOTS = ("2026-11-25T08:45:00+07:00", "2026-11-25T09:00:00+07:00")


def booked(hall, n: int) -> list[str]:
    codes = []
    for i in range(n):
        view, _ = book(hall, BookingRequest(
            service="A", start=datetime.fromisoformat(SLOTS[i // 2]), name=f"Công dân {i}",
            phone=f"09120000{i:02d}"))
        codes.append(view["code"])
    return codes


def test_kiosks_checking_in_at_once_get_gap_free_appointment_numbers(in_process_hall):
    hall = in_process_hall.hall
    codes = booked(hall, 4)
    barrier = Barrier(len(codes))

    def at_kiosk(code: str) -> str:
        barrier.wait()
        ticket, created = check_in(hall, code)
        assert created
        return ticket["number"]

    with ThreadPoolExecutor(len(codes)) as pool:
        numbers = sorted(pool.map(at_kiosk, codes))
    assert numbers == ["H001", "H002", "H003", "H004"]


def test_one_booking_checked_in_twice_at_once_gets_one_ticket(in_process_hall):
    hall = in_process_hall.hall
    (code,) = booked(hall, 1)
    barrier = Barrier(6)

    def at_kiosk(_: int) -> tuple[str, bool]:
        barrier.wait()
        ticket, created = check_in(hall, code)
        return ticket["id"], created

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(at_kiosk, range(6)))
    assert len({ticket_id for ticket_id, _ in answers}) == 1
    assert [created for _, created in answers].count(True) == 1
    with hall.read() as db:
        assert db.scalar(select(func.count(Ticket.id))) == 1
