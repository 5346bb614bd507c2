"""A field's appointment settings and the site's closed days and check-in window in /admin,
checked by the site file's rules; a bad value names its field and nothing is saved.

The hall's clock starts on Monday 3 March 2025, 09:00 in Cà Mau. Field A takes
appointments (tickets H…), field B too (K…); field C takes none and has no opening hours.
"""

from __future__ import annotations

from sqlalchemy import select

from queue_server.storage.tables import Service, Site

FIELD_C = {
    "name_vi": "Đăng ký kinh doanh", "name_en": "Business registration", "prefix": "C",
    "first_number": "1", "number_width": "3", "target_wait_min": "15", "daily_limit": "200",
    "hours": "", "active": "y",
}
BOOKING_C = dict(
    FIELD_C, appointments="y", appointment_slot_min="30", appointment_per_slot="3",
    appointment_days_ahead="5", appointment_prefix="Q", appointment_hours="08:00-10:00",
    appointment_weekdays=["1", "2", "3", "4", "5"], appointment_max_share="0,3",
)
SITE = {"name": "Trung tâm Phục vụ hành chính công tỉnh Cà Mau", "board_message": "",
        "closed_days": "", "check_in_before_min": "30", "check_in_after_min": "15"}


def _row(hall, code):
    with hall.runtime.hall.read() as db:
        row = db.scalar(select(Service).where(Service.code == code))
        db.expunge(row)
        return row


def _slots(hall, code, day="2025-03-03"):
    return hall.client().get(f"/api/v1/appointments/slots?service={code}&day={day}")


def _error_of(page: str, field: str) -> str:
    return page.split(f'data-field="{field}"')[1].split('class="form-row"')[0]


def test_turning_appointments_on_for_a_field_opens_its_slots(hall):
    assert _slots(hall, "C").status_code == 404
    admin = hall.login("admin")
    page = admin.get("/admin/fields/C").get_data(as_text=True)
    assert "Nhận đặt lịch hẹn" in page and "Độ dài mỗi khung giờ hẹn (phút)" in page
    r = admin.post("/admin/fields/C", data=BOOKING_C)
    assert r.status_code == 302, r.get_data(as_text=True)
    row = _row(hall, "C")
    assert (row.appointment_slot_min, row.appointment_per_slot, row.appointment_days_ahead,
            row.appointment_prefix, row.appointment_hours, row.appointment_weekdays,
            row.appointment_max_share) == (30, 3, 5, "Q", "08:00-10:00", "1,2,3,4,5", 0.3)
    slots = _slots(hall, "C").get_json()["slots"]
    assert slots == [{"start": "2025-03-03T09:30:00+07:00", "free": 3}]
    services = hall.client().get("/api/v1/services").get_json()["services"]
    assert next(s for s in services if s["code"] == "C")["appointments"] is True
    booked = hall.client().post("/api/v1/appointments", json={
        "service": "C", "start": slots[0]["start"], "name": "Lê Văn An",
        "phone": "0912345678"})
    assert booked.status_code == 201
    listed = admin.get("/admin/fields").get_data(as_text=True)
    assert "Q: khung 30 phút, 3 chỗ" in listed and "H: khung 15 phút, 2 chỗ" in listed
    # the form shows what is stored
    page = admin.get("/admin/fields/C").get_data(as_text=True)
    assert 'value="08:00-10:00"' in page and 'value="0.3"' in page and 'value="Q"' in page


def test_turning_appointments_off(hall):
    assert _slots(hall, "A").status_code == 200
    admin = hall.login("admin")
    data = {"name_vi": "Đất đai", "name_en": "Land", "prefix": "A", "first_number": "1",
            "number_width": "3", "target_wait_min": "20", "daily_limit": "300",
            "hours": "07:00-11:30, 13:30-17:00", "weekdays": ["1", "2", "3", "4", "5"],
            "active": "y"}
    assert admin.post("/admin/fields/A", data=data).status_code == 302
    r = _slots(hall, "A")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "no_appointments"
    assert _row(hall, "A").appointment_prefix is None


def test_bad_appointment_settings_name_their_field_and_save_nothing(hall):
    admin = hall.login("admin")
    cases = [
        (dict(appointment_slot_min="3"), "appointment_slot_min", "Nhập số nguyên từ 5 đến 240."),
        (dict(appointment_slot_min="mười"), "appointment_slot_min",
         "Nhập số nguyên từ 5 đến 240."),
        (dict(appointment_per_slot="0"), "appointment_per_slot", "Nhập số nguyên từ 1 đến 500."),
        (dict(appointment_days_ahead="400"), "appointment_days_ahead",
         "Nhập số nguyên từ 0 đến 366."),
        (dict(appointment_prefix="q!"), "appointment_prefix",
         "Từ 1 đến 4 chữ in hoa hoặc chữ số"),
        (dict(appointment_prefix="C"), "appointment_prefix",
         "Ký tự đầu số của phiếu hẹn phải khác ký tự đầu số của phiếu thường."),
        (dict(appointment_prefix="A"), "appointment_prefix",
         "Ký tự đầu số này đã được lĩnh vực khác sử dụng."),
        (dict(appointment_prefix="H"), "appointment_prefix",  # field A's appointment tickets
         "Ký tự đầu số này đã được lĩnh vực khác sử dụng."),
        (dict(appointment_max_share="2"), "appointment_max_share",
         "Nhập một số từ 0 đến 1, ví dụ 0.5."),
        (dict(appointment_hours="8h-10h"), "appointment_hours", "HH:MM-HH:MM"),
        (dict(appointment_hours=""), "appointment_hours",  # field C has no opening hours
         "Để trống thì lĩnh vực cần có giờ làm việc."),
    ]
    for change, field, message in cases:
        r = admin.post("/admin/fields/C", data=dict(BOOKING_C, name_vi="Tên mới", **change))
        assert r.status_code == 400, change
        page = r.get_data(as_text=True)
        assert "Chưa lưu gì" in page
        assert message in _error_of(page, field), (change, field)
    row = _row(hall, "C")
    assert row.name_vi == "Đăng ký kinh doanh" and row.appointment_slot_min is None
    assert not hall.published
    # the field's own prefix may not take another field's appointment prefix either
    r = admin.post("/admin/fields/C", data=dict(FIELD_C, prefix="K"))
    assert r.status_code == 400
    assert "Ký tự đầu số này đã được lĩnh vực khác sử dụng." in _error_of(
        r.get_data(as_text=True), "prefix")


def test_closed_days_and_check_in_window(hall):
    admin = hall.login("admin")
    page = admin.get("/admin/site").get_data(as_text=True)
    assert "Ngày nghỉ (không nhận lịch hẹn)" in page
    r = admin.post("/admin/site", data=dict(
        SITE, closed_days="2025-03-05\n2025-03-04, 2025-03-04", check_in_before_min="10",
        check_in_after_min="5"))
    assert r.status_code == 302, r.get_data(as_text=True)
    with hall.runtime.hall.read() as db:
        site = db.scalar(select(Site))
        assert (site.closed_days, site.check_in_before_min, site.check_in_after_min) == (
            "2025-03-04,2025-03-05", 10, 5)
    assert _slots(hall, "A", "2025-03-04").get_json()["slots"] == []
    assert _slots(hall, "A", "2025-03-06").get_json()["slots"]
    assert "2025-03-04, 2025-03-05" in admin.get("/admin/site").get_data(as_text=True)
    # check-in now opens 10 minutes before the slot
    code = hall.client().post("/api/v1/appointments", json={
        "service": "A", "start": "2025-03-03T09:15:00+07:00", "name": "Lê Văn An",
        "phone": "0912345678"}).get_json()["code"]
    from tests.queue_server.web.test_appointment_check_in import check_in

    r = check_in(hall, code)
    assert r.status_code == 409
    assert r.get_json()["error"]["come_back_at"] == "2025-03-03T09:05:00+07:00"


def test_bad_site_settings_name_their_field_and_save_nothing(hall):
    admin = hall.login("admin")
    with hall.runtime.hall.read() as db:
        holidays = db.scalar(select(Site)).closed_days
    assert holidays.startswith("2026-01-01,")  # from the site file
    for change, field, message in [
        (dict(closed_days="2025-02-30"), "closed_days", "YYYY-MM-DD"),
        (dict(closed_days="mùng 1 Tết"), "closed_days", "YYYY-MM-DD"),
        (dict(check_in_before_min="300"), "check_in_before_min", "Nhập số nguyên từ 0 đến 240."),
        (dict(check_in_after_min="-5"), "check_in_after_min", "Nhập số nguyên từ 0 đến 240."),
    ]:
        r = admin.post("/admin/site", data=dict(SITE, name="Tên mới", **change))
        assert r.status_code == 400, change
        assert message in _error_of(r.get_data(as_text=True), field), change
    with hall.runtime.hall.read() as db:
        site = db.scalar(select(Site))
        assert site.name != "Tên mới" and site.closed_days == holidays
        assert (site.check_in_before_min, site.check_in_after_min) == (30, 15)
