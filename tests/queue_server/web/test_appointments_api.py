"""The appointments API through the Flask test client, with the hall's clock set by hand.

The hall's clock starts on Monday 3 March 2025, 09:00 in Cà Mau; field A (Đất đai)
takes appointments of 15 minutes, 2 places each, 14 days ahead, ticket prefix H.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from queue_server.domain.booking_code import normalise_code

TUESDAY = date(2025, 3, 4)


def slot(day: date, hhmm: str) -> str:
    return f"{day.isoformat()}T{hhmm}:00+07:00"


def booking(client, start: str, *, service: str = "A", phone: str = "0912 345 678",
            name: str = "Nguyễn Thị Hoa", **extra):
    body = {"service": service, "start": start, "name": name, "phone": phone, **extra}
    return client.post("/api/v1/appointments", json=body)


def test_slots_of_a_day_with_places_left(hall):
    client = hall.client()
    r = client.get(f"/api/v1/appointments/slots?service=A&day={TUESDAY}")
    assert r.status_code == 200
    body = r.get_json()
    assert body["service"] == "A" and body["day"] == "2025-03-04"
    assert body["slots"][0] == {"start": slot(TUESDAY, "07:00"), "free": 2}
    assert len(body["slots"]) == 32
    assert booking(client, slot(TUESDAY, "07:00")).status_code == 201
    again = client.get(f"/api/v1/appointments/slots?service=A&day={TUESDAY}").get_json()
    assert again["slots"][0]["free"] == 1 and again["slots"][1]["free"] == 2


def test_today_lists_only_slots_not_begun_and_closed_days_none(hall):
    client = hall.client()
    today = client.get("/api/v1/appointments/slots?service=A&day=2025-03-03").get_json()
    assert today["slots"][0]["start"] == slot(date(2025, 3, 3), "09:15")
    saturday = client.get("/api/v1/appointments/slots?service=A&day=2025-03-08").get_json()
    assert saturday["slots"] == []
    too_far = client.get("/api/v1/appointments/slots?service=A&day=2025-03-18").get_json()
    assert too_far["slots"] == []
    assert client.get("/api/v1/appointments/slots?service=A&day=2025-03-17").get_json()["slots"]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("service=A&day=4-3-2025", 400, "bad_request"),
        ("service=A", 400, "bad_request"),
        ("day=2025-03-04", 400, "bad_request"),
        ("service=Z&day=2025-03-04", 404, "unknown_service"),
        ("service=C&day=2025-03-04", 404, "no_appointments"),
    ],
)
def test_bad_slot_queries_are_clear_errors(hall, query, status, code):
    r = hall.client().get(f"/api/v1/appointments/slots?{query}")
    assert r.status_code == status
    assert r.get_json()["error"]["code"] == code


def test_booking_answers_with_its_code_and_page(hall):
    r = booking(hall.client(), slot(TUESDAY, "09:30"))
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) == {"code", "service", "start", "status", "cancel_url"}
    assert body["service"] == "A" and body["status"] == "booked"
    assert body["start"] == slot(TUESDAY, "09:30")
    code = body["code"]
    assert len(code) == 9 and code[4] == "-" and normalise_code(code) == code.replace("-", "")
    assert body["cancel_url"] == f"http://127.0.0.1:8080/booking/{code}"


def test_a_start_in_utc_or_without_offset_is_the_same_slot(hall):
    client = hall.client()
    assert booking(client, "2025-03-04T02:30:00+00:00").get_json()["start"] == slot(
        TUESDAY, "09:30")
    assert booking(client, "2025-03-04T09:30:00").status_code == 201
    r = booking(client, "2025-03-04T09:30:00+07:00")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "slot_full"


@pytest.mark.parametrize(
    ("start", "service"),
    [
        (slot(TUESDAY, "09:20"), "A"),  # not on the 15-minute grid
        (slot(TUESDAY, "12:00"), "A"),  # lunch
        (slot(date(2025, 3, 8), "09:00"), "A"),  # Saturday
        (slot(date(2025, 3, 3), "08:45"), "A"),  # already begun
        (slot(date(2025, 3, 18), "09:00"), "A"),  # beyond days_ahead
        (slot(TUESDAY, "13:40"), "B"),  # B takes appointments in the morning only
    ],
)
def test_no_slot_there_is_closed(hall, start, service):
    r = booking(hall.client(), start, service=service)
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "closed"


def test_closed_days_have_no_slots(hall):
    # 30 April 2026 is a closed day of the example site; move the clock close to it
    hall.clock.now = hall.clock.now.replace(year=2026, month=4, day=27)
    client = hall.client()
    assert client.get("/api/v1/appointments/slots?service=A&day=2026-04-30").get_json()[
        "slots"] == []
    r = booking(client, "2026-04-30T09:00:00+07:00")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "closed"
    assert booking(client, "2026-04-29T09:00:00+07:00").status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "0912-345-67a"}, "phone"),
        ({"name": "   "}, "name"),
        ({"start": "tomorrow 9am"}, "start"),
        ({"name": "Lê\x07Minh"}, "name"),
        ({"service": "a"}, "service"),
    ],
)
def test_bad_bookings_are_400_and_book_nothing(hall, change, field):
    client = hall.client()
    body = {"service": "A", "start": slot(TUESDAY, "09:30"), "name": "Lê Văn Minh",
            "phone": "0912345678", **change}
    r = client.post("/api/v1/appointments", json=body)
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["error"]["code"] == "bad_request"
    assert field in r.get_json()["error"]["message_en"] or field in r.get_json()["error"][
        "message"]
    slots = client.get(f"/api/v1/appointments/slots?service=A&day={TUESDAY}").get_json()
    assert all(s["free"] == 2 for s in slots["slots"])


def test_a_full_slot_refuses_the_third(hall):
    client = hall.client()
    assert booking(client, slot(TUESDAY, "10:00"), phone="0912000001").status_code == 201
    assert booking(client, slot(TUESDAY, "10:00"), phone="0912000002").status_code == 201
    r = booking(client, slot(TUESDAY, "10:00"), phone="0912000003")
    assert r.status_code == 409
    assert r.get_json()["error"] == {
        "code": "slot_full",
        "message": "Khung giờ này đã hết chỗ, vui lòng chọn giờ khác",
        "message_en": "this slot is full, choose another one",
    }


def test_lookup_and_cancel_free_the_place(hall):
    client = hall.client()
    code = booking(client, slot(TUESDAY, "10:00")).get_json()["code"]
    typed = code.lower().replace("-", "")
    looked = client.get(f"/api/v1/appointments/{typed}")
    assert looked.status_code == 200 and looked.get_json()["code"] == code
    assert "phone" not in looked.get_json() and "name" not in looked.get_json()
    r = client.post(f"/api/v1/appointments/{code}/cancel")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    again = client.post(f"/api/v1/appointments/{code}/cancel")
    assert again.status_code == 200 and again.get_json()["status"] == "cancelled"
    slots = client.get(f"/api/v1/appointments/slots?service=A&day={TUESDAY}").get_json()
    assert next(s for s in slots["slots"] if s["start"] == slot(TUESDAY, "10:00"))["free"] == 2


def test_cancel_after_the_slot_began_is_too_late(hall):
    client = hall.client()
    code = booking(client, slot(date(2025, 3, 3), "09:15")).get_json()["code"]
    hall.clock.advance(minutes=16)
    r = client.post(f"/api/v1/appointments/{code}/cancel")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "too_late"


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ", "abc", "UUUU-UUUU"])
def test_unknown_codes_are_404(hall, code):
    client = hall.client()
    for r in (client.get(f"/api/v1/appointments/{code}"),
              client.post(f"/api/v1/appointments/{code}/cancel")):
        assert r.status_code == 404
        assert r.get_json()["error"]["code"] == "unknown_booking"


def test_openapi_documents_the_appointment_routes(hall):
    doc = hall.client().get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/appointments/slots", "/api/v1/appointments",
                 "/api/v1/appointments/{code}", "/api/v1/appointments/{code}/cancel"):
        assert path in doc["paths"]
    assert doc["paths"]["/api/v1/appointments"]["post"]["security"] == [{}, {"integrator": []}]
    assert "appointment_start" in doc["components"]["schemas"]["TicketOut"]["properties"]
    assert set(doc["components"]["schemas"]["BookingOut"]["properties"]) == {
        "code", "service", "start", "status", "cancel_url"}


def test_next_week_monday_is_bookable_but_not_beyond(hall):
    last = hall.clock.now.date() + timedelta(days=14)
    assert booking(hall.client(), slot(last, "07:00")).status_code == 201
