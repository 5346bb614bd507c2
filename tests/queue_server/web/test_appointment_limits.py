"""Abuse limits without outside services, and booking systems with their own keys.

Public bookings are limited per phone and per client address a day; unknown booking
codes slow the guesser down (429 with Retry-After); an integrator's key (made in
/admin, stored hashed) books without those limits, once per external_id.
"""

from __future__ import annotations

from sqlalchemy import func, select

from queue_server.device_tokens import hash_token
from queue_server.storage.tables import Appointment, IntegratorKey
from tests.queue_server.web.conftest import build_hall, close_hall

START = "2025-03-04T09:30:00+07:00"


def body(phone: str = "0912345678", start: str = START, **extra) -> dict:
    return {"service": "A", "start": start, "name": "Trần Văn Bình", "phone": phone, **extra}


def bookings(hall) -> int:
    with hall.runtime.hall.read() as db:
        return db.scalar(select(func.count(Appointment.id)))


def test_a_phone_number_books_at_most_three_a_day(hall):
    client = hall.client()
    for hhmm, phone in (("07:00", "0912345678"), ("07:15", "0912 345 678"),
                        ("07:30", "+84912345678")):
        assert client.post("/api/v1/appointments", json=body(
            phone, f"2025-03-04T{hhmm}:00+07:00")).status_code == 201
    r = client.post("/api/v1/appointments", json=body("84912345678"))
    assert r.status_code == 429
    assert r.get_json()["error"]["code"] == "too_many_bookings"
    # until midnight in Cà Mau (the clock says 09:00)
    assert int(r.headers["Retry-After"]) == 15 * 3600 + 1
    assert bookings(hall) == 3
    assert client.post("/api/v1/appointments", json=body("0987654321")).status_code == 201
    hall.clock.advance(hours=15)
    assert client.post("/api/v1/appointments", json=body(
        "0912345678", "2025-03-05T09:30:00+07:00")).status_code == 201


def test_one_address_books_at_most_its_limit_a_day(tmp_path):
    h = build_hall(tmp_path, booking_limit_per_address=2)
    try:
        client = h.client()
        for n in range(2):
            r = client.post("/api/v1/appointments", json=body(f"091234560{n}"))
            assert r.status_code == 201
        r = client.post("/api/v1/appointments", json=body("0912345609",
                                                          "2025-03-04T10:00:00+07:00"))
        assert r.status_code == 429 and "Retry-After" in r.headers
        other = h.app.test_client()
        r = other.post("/api/v1/appointments", json=body("0912345609",
                       "2025-03-04T10:00:00+07:00"), environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert r.status_code == 201
    finally:
        close_hall(h)


def test_guessing_codes_is_slowed_down_per_address(hall):
    client = hall.client()
    code = client.post("/api/v1/appointments", json=body()).get_json()["code"]
    for n in range(10):
        assert client.get(f"/api/v1/appointments/ZZZZ-ZZ{n:02d}").status_code == 404
    r = client.get(f"/api/v1/appointments/{code}")
    assert r.status_code == 429
    assert r.get_json()["error"]["code"] == "too_many_attempts"
    assert 500 < int(r.headers["Retry-After"]) <= 601
    assert client.post(f"/api/v1/appointments/{code}/cancel").status_code == 429
    elsewhere = {"REMOTE_ADDR": "10.0.0.7"}
    assert client.get(f"/api/v1/appointments/{code}", environ_base=elsewhere).status_code == 200


def test_external_id_needs_a_key_and_a_wrong_key_is_401(hall):
    client = hall.client()
    r = client.post("/api/v1/appointments", json=body(external_id="portal-1"))
    assert r.status_code == 400 and "external_id" in r.get_json()["error"]["message_en"]
    r = client.post("/api/v1/appointments", json=body(),
                    headers={"Authorization": "Bearer not-a-key"})
    assert r.status_code == 401
    assert bookings(hall) == 0


def make_key(hall, name: str) -> str:
    admin = hall.login("admin")
    r = admin.post("/admin/integrators", data={"name": name})
    assert r.status_code == 200, r.get_data(as_text=True)
    page = r.get_data(as_text=True)
    assert "Khóa của" in page
    return page.split('id="integrator-key">')[1].split("<")[0]


def test_admin_makes_a_key_shown_once_and_stored_hashed(hall):
    admin = hall.login("admin")
    r = admin.post("/admin/integrators", data={"name": "  "})
    assert r.status_code == 400 and "Vui lòng đặt tên cho hệ thống đặt lịch." in r.get_data(
        as_text=True)
    key = make_key(hall, "Cổng dịch vụ công tỉnh Cà Mau")
    with hall.runtime.hall.read() as db:
        row = db.scalar(select(IntegratorKey))
        assert row.key_hash == hash_token(key) and row.name == "Cổng dịch vụ công tỉnh Cà Mau"
    listing = admin.get("/admin/integrators").get_data(as_text=True)
    assert key not in listing and "Cổng dịch vụ công tỉnh Cà Mau" in listing
    assert "Hệ thống đặt lịch" in listing


def test_an_integrator_books_without_limits_once_per_external_id(hall):
    key = make_key(hall, "Cổng dịch vụ công")
    other_key = make_key(hall, "Ứng dụng di động")
    client = hall.client()
    auth = {"Authorization": f"Bearer {key}"}
    made = []
    for n in range(5):  # the same phone five times: the portal has its own rules
        r = client.post("/api/v1/appointments", headers=auth, json=body(
            start=f"2025-03-04T{7 + n:02d}:00:00+07:00", external_id=f"hs-{n}"))
        assert r.status_code == 201
        made.append(r.get_json())
    again = client.post("/api/v1/appointments", headers=auth, json=body(
        start="2025-03-04T14:00:00+07:00", external_id="hs-0"))
    assert again.status_code == 200 and again.get_json() == made[0]
    # the same external_id from another system is another booking
    r = client.post("/api/v1/appointments", headers={"Authorization": f"Bearer {other_key}"},
                    json=body(start="2025-03-04T14:00:00+07:00", external_id="hs-0"))
    assert r.status_code == 201 and r.get_json()["code"] != made[0]["code"]
    assert bookings(hall) == 6


def test_a_revoked_key_stops_at_once(hall):
    key = make_key(hall, "Cổng dịch vụ công")
    client = hall.client()
    auth = {"Authorization": f"Bearer {key}"}
    assert client.post("/api/v1/appointments", headers=auth, json=body()).status_code == 201
    with hall.runtime.hall.read() as db:
        key_id = db.scalar(select(IntegratorKey.id))
    admin = hall.login("admin")
    r = admin.post(f"/admin/integrators/{key_id}/revoke", follow_redirects=True)
    assert r.status_code == 200 and "đã hết hiệu lực" in r.get_data(as_text=True)
    r = client.post("/api/v1/appointments", headers=auth,
                    json=body(start="2025-03-04T10:00:00+07:00"))
    assert r.status_code == 401


def test_an_integrator_lists_its_own_bookings_of_a_day_and_staff_see_all(hall):
    key = make_key(hall, "Cổng dịch vụ công")
    auth = {"Authorization": f"Bearer {key}"}
    client = hall.client()
    mine = client.post("/api/v1/appointments", headers=auth, json=body(
        start="2025-03-04T08:00:00+07:00", external_id="hs-42")).get_json()
    public = client.post("/api/v1/appointments", json=body(
        phone="0987654321", start="2025-03-04T07:30:00+07:00")).get_json()
    listed = client.get("/api/v1/appointments?day=2025-03-04", headers=auth)
    assert listed.status_code == 200
    assert listed.get_json() == {"day": "2025-03-04", "appointments": [
        {**mine, "external_id": "hs-42"}]}
    assert "Trần" not in listed.get_data(as_text=True)  # no personal data
    assert client.get("/api/v1/appointments?day=2025-03-04").status_code == 401
    staff = hall.login("manager")
    every = staff.get("/api/v1/appointments?day=2025-03-04&service=A").get_json()
    assert [b["code"] for b in every["appointments"]] == [public["code"], mine["code"]]
    assert staff.get("/api/v1/appointments?day=2025-02-30").status_code == 400
    assert staff.get("/api/v1/appointments?day=2025-03-04&service=ZZ").status_code == 404
