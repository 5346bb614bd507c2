"""The booking pages through the Flask test client: every step, every bad input, the limits.

The hall clock says Monday 3 March 2025, 09:00 in Cà Mau. Field A takes appointments
on weekdays (15-minute slots, 2 places each, 14 days ahead); field C takes none.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from queue_server.storage.tables import Appointment, AppointmentSlot, User
from queue_server.web.booking_qr import qr_matrix
from tests.queue_server.web.conftest import build_hall, close_hall, csrf_token_of

DAY = "2025-03-04"
START = "2025-03-04T09:30:00+07:00"


def form(start: str = START, phone: str = "0912 345 678", name: str = "Trần Văn Bình",
         service: str = "A") -> dict:
    return {"service": service, "day": start[:10], "start": start, "name": name, "phone": phone}


def book(client, **kw) -> str:
    r = client.post("/booking", data=form(**kw))
    assert r.status_code == 302, r.data.decode()
    code = re.match(r"^/booking/([0-9A-Z]{4}-[0-9A-Z]{4})\?new=1$", r.headers["Location"])
    assert code, r.headers["Location"]
    return code.group(1)


def text_of(response) -> str:
    return response.data.decode()


def bookings(hall) -> list[Appointment]:
    with hall.runtime.hall.read() as db:
        rows = list(db.scalars(select(Appointment).order_by(Appointment.id)))
        db.expunge_all()
        return rows


def booked_in(hall, start: str) -> int:
    from datetime import datetime

    with hall.runtime.hall.read() as db:
        return db.scalar(select(func.coalesce(func.sum(AppointmentSlot.booked), 0)).where(
            AppointmentSlot.start == datetime.fromisoformat(start)))


def test_the_steps_offer_only_fields_with_appointments_and_open_days(hall):
    client = hall.client()
    page = text_of(client.get("/booking"))
    assert "Đặt lịch hẹn" in page
    offered = re.findall(r'data-service="([A-Z])"', page)
    assert offered == ["A", "B"]  # C, D, E and U take no appointments
    days = re.findall(r'data-day="([0-9-]+)"', text_of(client.get("/booking?service=A")))
    assert days[0] == "2025-03-03" and days[-1] == "2025-03-17"
    assert "2025-03-08" not in days and "2025-03-09" not in days  # the weekend
    assert "Thứ Ba, 04/03/2025" in text_of(client.get("/booking?service=A"))
    slots = text_of(client.get(f"/booking?service=A&day={DAY}"))
    assert 'value="2025-03-04T07:00:00+07:00"' in slots
    assert 'value="2025-03-04T11:15:00+07:00"' in slots
    assert 'value="2025-03-04T11:30:00+07:00"' not in slots
    assert "Còn 2 chỗ" in slots and "xóa sau 90 ngày" in slots
    today = text_of(client.get("/booking?service=A&day=2025-03-03"))
    assert "2025-03-03T09:00:00+07:00" not in today  # begun already
    assert "2025-03-03T09:15:00+07:00" in today
    assert client.get("/booking?service=C").status_code == 404
    assert client.get("/booking?service=A&day=04-03-2025").status_code == 400


def test_a_booking_shows_its_code_time_qr_and_the_check_in_advice(hall):
    client = hall.client()
    code = book(client, name="  Trần   Văn Bình ", phone=" +84 912 345 678 ")
    page = text_of(client.get(f"/booking/{code}?new=1"))
    assert "Đặt lịch hẹn thành công" in page
    assert f'id="booking-code">{code}<' in page
    assert "09:30, Thứ Ba, 04/03/2025" in page and "Đất đai" in page
    assert ("Mang mã này đến máy lấy số, quét mã QR hoặc nhập mã, trong khoảng 30 phút "
            "trước đến 15 phút sau giờ hẹn.") in page
    url = f"http://127.0.0.1:8080/booking/{code}"
    assert dark_modules(page) == dark_of(qr_matrix(url))
    assert f'data-text="{url}"' in page
    (stored,) = bookings(hall)
    assert stored.name == "Trần Văn Bình" and stored.phone == "0912345678"
    assert stored.client_address == "127.0.0.1" and stored.booked_by_id is None
    english = text_of(client.get(f"/booking/{code}?lang=en"))
    assert "between 30 minutes before and 15 minutes after" in english
    assert "09:30, Tuesday, 04/03/2025" in english


def dark_modules(page: str) -> set[tuple[int, int]]:
    """The dark modules the page's QR ``<svg>`` draws."""
    path = re.search(r'<svg class="qr".*?<path fill="#000" d="([^"]+)"', page, re.S).group(1)
    return {(int(x), int(y)) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", path)}


def dark_of(matrix) -> set[tuple[int, int]]:
    return {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}


def test_codes_match_whatever_the_case_and_unknown_ones_are_a_404_page(hall):
    client = hall.client()
    code = book(client)
    typed = code.lower().replace("-", "")
    r = client.get(f"/booking/{typed}")
    assert r.status_code == 302 and r.headers["Location"] == f"/booking/{code}"
    r = client.get("/booking/ZZZZ-ZZZZ")
    assert r.status_code == 404
    assert "Không tìm thấy lịch hẹn" in text_of(r)
    assert client.get("/booking/not-a-code").status_code == 404


def test_guessing_codes_gets_a_429_page_with_the_wait(hall):
    client = hall.client()
    code = book(client)
    for n in range(10):
        assert client.get(f"/booking/ZZZZ-ZZ{n:02d}").status_code == 404
    r = client.get(f"/booking/{code}")
    assert r.status_code == 429
    assert 500 < int(r.headers["Retry-After"]) <= 601
    page = text_of(r)
    assert "Nhập sai mã lịch hẹn quá nhiều lần" in page
    assert "Vui lòng thử lại sau 10 phút." in page
    assert client.post(f"/booking/{code}/cancel").status_code == 429
    assert bookings(hall)[0].status == "booked"


def test_bad_inputs_are_shown_at_their_field_and_nothing_is_booked(hall):
    client = hall.client()
    for phone in ("12345", "091234567", "09123456789", "+8491234567", "0912abc678", ""):
        r = client.post("/booking", data=form(phone=phone))
        assert r.status_code == 400, phone
        assert 'id="phone-error"' in text_of(r) and "10 chữ số" in text_of(r)
    r = client.post("/booking", data=form(name="   "))
    assert r.status_code == 400 and 'id="name-error"' in text_of(r)
    r = client.post("/booking", data={**form(), "start": ""})
    assert r.status_code == 400 and 'id="start-error"' in text_of(r)
    r = client.post("/booking", data={**form(), "start": "chín giờ"})
    assert r.status_code == 400 and 'id="start-error"' in text_of(r)
    r = client.post("/booking", data=form(phone="0912 345"))
    assert 'value="Trần Văn Bình"' in text_of(r)  # what was typed stays
    assert bookings(hall) == []


def test_past_closed_and_full_slots_are_refused_clearly(hall):
    client = hall.client()
    r = client.post("/booking", data=form(start="2025-03-03T08:00:00+07:00"))
    assert r.status_code == 409 and "Giờ này đã qua" in text_of(r)
    r = client.post("/booking", data=form(start="2025-03-08T09:00:00+07:00"))  # a Saturday
    assert r.status_code == 409 and "Không nhận hẹn lĩnh vực Đất đai" in text_of(r)
    r = client.post("/booking", data=form(start="2025-03-04T09:31:00+07:00"))  # off the grid
    assert r.status_code == 409
    r = client.post("/booking", data=form(start="2025-04-04T09:30:00+07:00"))  # too far
    assert r.status_code == 409
    r = client.post("/booking", data=form(service="C"))
    assert r.status_code == 404
    book(client, phone="0912000001")
    book(client, phone="0912000002")
    r = client.post("/booking", data=form(phone="0912000003"))
    assert r.status_code == 409 and "Khung giờ này đã hết chỗ" in text_of(r)
    assert booked_in(hall, START) == 2 and len(bookings(hall)) == 2
    slots = text_of(client.get(f"/booking?service=A&day={DAY}"))
    assert re.search(r'value="2025-03-04T09:30:00\+07:00" disabled', slots)


def test_the_daily_limit_of_a_phone_number_is_a_429_page(hall):
    client = hall.client()
    for hhmm in ("07:00", "07:15", "07:30"):
        book(client, start=f"2025-03-04T{hhmm}:00+07:00")
    r = client.post("/booking", data=form())
    assert r.status_code == 429 and int(r.headers["Retry-After"]) == 15 * 3600 + 1
    page = text_of(r)
    assert "Số điện thoại này đã đặt 3 lịch hẹn hôm nay" in page
    assert "Vui lòng thử lại sau 15 giờ." in page
    assert len(bookings(hall)) == 3


def test_the_daily_limit_of_an_address_is_a_429_page(tmp_path):
    h = build_hall(tmp_path, booking_limit_per_address=1)
    try:
        client = h.client()
        book(client)
        r = client.post("/booking", data=form(phone="0987654321"))
        assert r.status_code == 429 and "quá nhiều lịch hẹn" in text_of(r)
    finally:
        close_hall(h)


def test_cancel_asks_first_then_frees_the_place(hall):
    client = hall.client()
    code = book(client)
    confirm = client.get(f"/booking/{code}/cancel")
    assert confirm.status_code == 200 and "Đồng ý hủy lịch hẹn" in text_of(confirm)
    assert bookings(hall)[0].status == "booked"
    r = client.post(f"/booking/{code}/cancel")
    assert r.status_code == 302 and r.headers["Location"] == f"/booking/{code}"
    page = text_of(client.get(f"/booking/{code}"))
    assert "Đã hủy lịch hẹn" in page and 'id="booking-status">Đã hủy</dd>' in page
    assert 'data-status="cancelled"' in page and 'id="cancel"' not in page
    assert '<svg class="qr"' not in page
    assert booked_in(hall, START) == 0
    # cancelling again changes nothing and says so calmly
    assert client.post(f"/booking/{code}/cancel").status_code == 302


def test_a_booking_whose_slot_has_begun_cannot_be_cancelled_or_moved(hall):
    client = hall.client()
    code = book(client, start="2025-03-03T09:15:00+07:00")
    hall.clock.advance(minutes=16)
    page = text_of(client.get(f"/booking/{code}"))
    assert 'id="cancel"' not in page and 'id="move"' not in page
    client.post(f"/booking/{code}/cancel")
    assert "Khung giờ hẹn đã bắt đầu" in text_of(client.get(f"/booking/{code}"))
    r = client.post(f"/booking/{code}/move", data={"start": "2025-03-04T07:00:00+07:00"})
    assert r.status_code == 409 and "không thể đổi giờ" in text_of(r)
    assert bookings(hall)[0].status == "booked"


def test_move_takes_the_new_place_and_frees_the_old_one(hall):
    client = hall.client()
    code = book(client)
    choose = text_of(client.get(f"/booking/{code}/move?day=2025-03-05"))
    assert "Đổi giờ lịch hẹn" in choose and 'name="phone"' not in choose
    r = client.post(f"/booking/{code}/move", data={"start": "2025-03-05T14:00:00+07:00",
                                                   "day": "2025-03-05"})
    assert r.status_code == 302
    page = text_of(client.get(r.headers["Location"]))
    assert "Đã đổi lịch hẹn sang giờ mới" in page and "14:00, Thứ Tư, 05/03/2025" in page
    assert booked_in(hall, START) == 0 and booked_in(hall, "2025-03-05T14:00:00+07:00") == 1
    (moved,) = bookings(hall)
    assert moved.code == code.replace("-", "") and moved.status == "booked"


def test_moving_to_a_full_slot_keeps_the_booking_where_it_was(hall):
    client = hall.client()
    full = "2025-03-05T14:00:00+07:00"
    book(client, start=full, phone="0912000001")
    book(client, start=full, phone="0912000002")
    code = book(client, phone="0912000003")
    r = client.post(f"/booking/{code}/move", data={"start": full, "day": full[:10]})
    assert r.status_code == 409 and "Khung giờ này đã hết chỗ" in text_of(r)
    assert booked_in(hall, START) == 1 and booked_in(hall, full) == 2
    mine = next(b for b in bookings(hall) if b.phone == "0912000003")
    assert mine.status == "booked" and mine.start.isoformat().startswith("2025-03-04T02:30")
    r = client.post(f"/booking/{code}/move", data={"start": "2025-03-08T09:00:00+07:00"})
    assert r.status_code == 409 and booked_in(hall, START) == 1
    r = client.post(f"/booking/{code}/move", data={"start": ""})
    assert r.status_code == 400


def test_the_forms_need_their_csrf_token(hall):
    client = hall.client(csrf=True)
    page = text_of(client.get(f"/booking?service=A&day={DAY}"))
    assert client.post("/booking", data=form()).status_code == 400
    assert bookings(hall) == []
    r = client.post("/booking", data={**form(), "csrf_token": csrf_token_of(page)})
    assert r.status_code == 302


def test_staff_book_for_a_citizen_within_the_same_capacity(hall):
    anonymous = hall.client()
    r = anonymous.get("/console/booking")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    officer = hall.login("officer")
    assert "Đặt lịch hộ công dân" in text_of(officer.get("/console"))
    page = text_of(officer.get(f"/console/booking?service=A&day={DAY}"))
    assert "Họ tên của công dân" in page and 'action="/console/booking"' in page
    book(anonymous, phone="0912000001")
    r = officer.post("/console/booking", data=form(phone="0912000002", name="Lê Thị Hoa"))
    assert r.status_code == 302
    code = r.headers["Location"].split("/")[-1].split("?")[0]
    r = officer.post("/console/booking", data=form(phone="0912000003"))
    assert r.status_code == 409 and "hết chỗ" in text_of(r)
    with hall.runtime.hall.read() as db:
        staff = db.scalar(select(Appointment).where(Appointment.phone == "0912000002"))
        officer_id = db.scalar(select(User.id).where(User.username == "canbo1"))
        assert staff.booked_by_id == officer_id and staff.client_address is None
    assert "Nguyễn Văn officer" in text_of(officer.get(f"/booking/{code}"))
    assert "Nguyễn Văn officer" not in text_of(anonymous.get(f"/booking/{code}"))
    manager = hall.login("manager")
    assert manager.get("/console/booking").status_code == 200


def test_the_api_is_unchanged_beside_the_pages(hall):
    client = hall.client()
    code = book(client)
    r = client.get(f"/api/v1/appointments/{code}")
    assert r.status_code == 200
    assert r.get_json() == {"code": code, "service": "A", "start": START, "status": "booked",
                            "cancel_url": f"http://127.0.0.1:8080/booking/{code}"}


def test_the_hall_page_links_to_the_booking_page(hall):
    page = text_of(hall.client().get("/"))
    assert '<a href="/booking">Đặt lịch hẹn</a>' in page


def test_today_is_marked_and_a_used_booking_offers_no_move(hall):
    client = hall.client()
    days = text_of(client.get("/booking?service=A"))
    assert "Thứ Hai, 03/03/2025 (hôm nay)" in days
    code = book(client)
    client.post(f"/booking/{code}/cancel")
    r = client.get(f"/booking/{code}/move")
    assert r.status_code == 302 and r.headers["Location"] == f"/booking/{code}"
