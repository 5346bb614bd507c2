"""Checking in with a booking code at the kiosk, being called on time, no-shows, erasure.

The hall's clock starts on Monday 3 March 2025, 09:00 in Cà Mau. Field A (Đất đai):
slots of 15 minutes, 2 places, appointment tickets H001…; check-in from 30 minutes
before the slot until 15 minutes after it; counters 1 (A) and 2 (A, D) serve it.
"""

from __future__ import annotations

from sqlalchemy import select

from queue_server.queue_views import board
from queue_server.storage.tables import Appointment

SLOT = "2025-03-03T09:15:00+07:00"


def kiosk(hall) -> dict:
    from queue_server.device_tokens import new_token

    token = getattr(hall, "kiosk_token", None)
    if token is None:
        from queue_server.device_tokens import hash_token
        from queue_server.storage.tables import Device

        token = new_token()
        with hall.runtime.hall.transaction() as db:
            db.scalar(select(Device).where(Device.code == "kiosk-1")).token_hash = hash_token(
                token)
        hall.runtime.hall.cache.clear()
        hall.kiosk_token = token
    return {"Authorization": f"Bearer {token}"}


def book(hall, start: str = SLOT, phone: str = "0912345678") -> str:
    r = hall.client().post("/api/v1/appointments", json={
        "service": "A", "start": start, "name": "Phạm Thị Lan", "phone": phone})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["code"]


def check_in(hall, code: str):
    return hall.client().post(f"/api/v1/appointments/{code}/check-in", headers=kiosk(hall))


def test_check_in_gives_an_appointment_ticket_once(hall):
    code = book(hall)
    r = check_in(hall, code.lower().replace("-", ""))
    assert r.status_code == 201
    ticket = r.get_json()
    assert ticket["number"] == "H001" and ticket["service"] == "A"
    assert ticket["appointment_start"] == SLOT
    assert ticket["status"] == "waiting"
    assert ticket["estimated_wait_s"] >= 15 * 60  # not before the slot begins
    with hall.runtime.hall.read() as db:
        assert board(hall.runtime.hall, db).waiting["A"] == 1
    again = check_in(hall, code)
    assert again.status_code == 200 and again.get_json()["id"] == ticket["id"]
    looked = hall.client().get(f"/api/v1/tickets/{ticket['id']}").get_json()
    assert looked["appointment_start"] == SLOT and looked["number"] == "H001"
    assert hall.client().get(f"/api/v1/appointments/{code}").get_json()["status"] == "checked_in"
    r = hall.client().post(f"/api/v1/appointments/{code}/cancel")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "checked_in"
    # walk-ins keep their own numbers
    assert hall.take("A")["number"] == "A001"
    assert check_in(hall, book(hall, phone="0987654321")).get_json()["number"] == "H002"


def test_too_early_says_when_to_come_back_and_too_late_names_the_field(hall):
    code = book(hall, "2025-03-03T10:00:00+07:00")
    r = check_in(hall, code)
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "too_early"
    assert error["come_back_at"] == "2025-03-03T09:30:00+07:00"
    assert "09:30" in error["message"]
    hall.clock.advance(minutes=30)
    late = book(hall, "2025-03-03T09:45:00+07:00", phone="0987654321")
    hall.clock.advance(minutes=31)  # 10:01: the 09:45 slot closed at 10:00
    r = check_in(hall, late)
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "too_late" and error["service"] == "A"
    assert "Đất đai" in error["message"]
    assert check_in(hall, code).status_code == 201


def test_cancelled_unknown_and_unauthenticated_check_ins(hall):
    code = book(hall)
    hall.client().post(f"/api/v1/appointments/{code}/cancel")
    r = check_in(hall, code)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "cancelled"
    r = check_in(hall, "ZZZZ-ZZZZ")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_booking"
    r = hall.client().post(f"/api/v1/appointments/{code}/check-in")
    assert r.status_code == 401


def test_a_kiosk_guessing_codes_is_slowed_down(hall):
    for n in range(30):
        assert check_in(hall, f"ZZZZ-ZZ{n:02d}").status_code == 404
    r = check_in(hall, "ZZZZ-ZZZZ")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_a_due_appointment_is_called_first_within_its_share(hall):
    first, second = book(hall), book(hall, phone="0987654321")
    walk_ins = [hall.take("A")["number"] for _ in range(3)]
    assert walk_ins == ["A001", "A002", "A003"]
    assert check_in(hall, first).get_json()["number"] == "H001"
    assert check_in(hall, second).get_json()["number"] == "H002"

    def next_at(counter: str) -> str:
        return hall.command(counter, "next").state.ticket

    assert next_at("1") == "A001"  # 09:00: the slot has not begun
    hall.clock.advance(minutes=16)
    assert next_at("1") == "H001"  # due: ahead of the walk-ins
    assert next_at("1") == "A002"  # half of the counter's calls went to appointments
    assert next_at("1") == "H002"
    assert next_at("1") == "A003"


def test_walk_in_estimates_count_appointments_due(hall):
    hall.clock.advance(minutes=14)  # 09:14: the 09:15 slot comes before a walk-in's turn
    quiet = {s["code"]: s["estimated_wait_s"]
             for s in hall.client().get("/api/v1/services").get_json()["services"]}
    book(hall), book(hall, phone="0987654321")
    busy = {s["code"]: s["estimated_wait_s"]
            for s in hall.client().get("/api/v1/services").get_json()["services"]}
    assert busy["A"] > quiet["A"] and busy["C"] == quiet["C"]
    ticket = hall.take("A")
    assert ticket["ahead"] == 0 and ticket["estimated_wait_s"] == busy["A"]


def test_bookings_not_checked_in_become_no_shows(hall):
    code = book(hall)
    kept = book(hall, "2025-03-03T10:00:00+07:00")
    hall.clock.advance(minutes=30)  # 09:30: check-in for 09:15 closed at 09:30
    hall.runtime.rollover.check()
    assert hall.client().get(f"/api/v1/appointments/{code}").get_json()["status"] == "booked"
    hall.clock.advance(seconds=1)
    hall.runtime.rollover.check()
    assert hall.client().get(f"/api/v1/appointments/{code}").get_json()["status"] == "no_show"
    assert hall.client().get(f"/api/v1/appointments/{kept}").get_json()["status"] == "booked"
    r = check_in(hall, code)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "too_late"


def test_name_and_phone_are_erased_after_the_retention_period(hall):
    book(hall)
    hall.clock.advance(days=90)
    hall.runtime.rollover.check()
    with hall.runtime.hall.read() as db:
        row = db.scalar(select(Appointment))
        assert (row.name, row.phone) == ("Phạm Thị Lan", "0912345678")
    hall.clock.advance(minutes=16)
    hall.runtime.rollover.check()
    with hall.runtime.hall.read() as db:
        row = db.scalar(select(Appointment))
        assert (row.name, row.phone, row.client_address) == (None, None, None)
        assert row.status == "no_show"


def test_the_ticket_page_shows_the_appointment_time(hall):
    ticket = check_in(hall, book(hall)).get_json()
    page = hall.client().get(f"/t/{ticket['id']}").get_data(as_text=True)
    assert "H001" in page and "Lịch hẹn lúc" in page
    walk_in = hall.take("A")
    assert "Lịch hẹn lúc" not in hall.client().get(f"/t/{walk_in['id']}").get_data(as_text=True)


def test_bookings_do_not_use_up_the_daily_limit(hall):
    from queue_server.storage.tables import Service

    with hall.runtime.hall.transaction() as db:
        db.scalar(select(Service).where(Service.code == "A")).daily_limit = 1
    hall.runtime.hall.cache.clear()
    assert check_in(hall, book(hall)).status_code == 201

    def state() -> tuple:
        a = hall.client().get("/api/v1/services").get_json()["services"][0]
        return a["open"], a["closed_reason"]

    assert state() == (True, None)
    assert hall.take("A")["number"] == "A001"
    assert state() == (False, "daily_limit")
    assert check_in(hall, book(hall, phone="0987654321")).get_json()["number"] == "H002"


def test_an_appointment_ticket_waits_for_its_slot_then_for_earlier_slots_only(hall):
    for _ in range(4):
        hall.take("A")
    early = check_in(hall, book(hall, "2025-03-03T09:15:00+07:00")).get_json()
    later = check_in(hall, book(hall, "2025-03-03T09:30:00+07:00", phone="0987654321")).get_json()
    assert early["ahead"] == 0 and early["estimated_wait_s"] == 15 * 60
    assert later["ahead"] == 1 and later["estimated_wait_s"] == 30 * 60
    hall.clock.advance(minutes=31)  # both due; the walk-ins do not count for them
    view = hall.client().get(f"/api/v1/tickets/{later['id']}").get_json()
    assert view["ahead"] == 1 and 0 < view["estimated_wait_s"] < 30 * 60
