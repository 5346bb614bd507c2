"""Appointment figures in the reports and exports, from bookings made and checked in
through the real API and tickets called through the real counter commands.

The hall's clock starts on Monday 3 March 2025, 09:00 in Cà Mau. Field A (Đất đai)
takes appointments: 15-minute slots of 2 places, tickets H001…, check-in from 30
minutes before a slot until 15 minutes after it. Counter 1 serves field A only.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.queue_server.web.conftest import build_hall, close_hall
from tests.queue_server.web.test_appointment_check_in import book, check_in

DAY = "from=2025-03-03&to=2025-03-03"


def _day_of_appointments(hall) -> dict[str, str]:
    """Five bookings: three checked in and called, one cancelled, one never came."""
    codes = {
        "first": book(hall, "2025-03-03T09:15:00+07:00", phone="0912000001"),
        "second": book(hall, "2025-03-03T09:15:00+07:00", phone="0912000002"),
        "third": book(hall, "2025-03-03T09:30:00+07:00", phone="0912000003"),
        "cancelled": book(hall, "2025-03-03T10:00:00+07:00", phone="0912000004"),
        "missed": book(hall, "2025-03-03T09:45:00+07:00", phone="0912000005"),
    }
    assert hall.client().post(f"/api/v1/appointments/{codes['cancelled']}/cancel").status_code \
        == 200
    hall.take("A"), hall.take("A")  # walk-ins A001, A002
    assert check_in(hall, codes["first"]).get_json()["number"] == "H001"
    assert check_in(hall, codes["second"]).get_json()["number"] == "H002"

    def next_at_1() -> str:
        return hall.command("1", "next").state.ticket

    assert next_at_1() == "A001"  # 09:00, waited 0
    hall.clock.advance(minutes=16)  # 09:16
    assert next_at_1() == "H001"  # 1 min after its slot, waited 16 min
    assert next_at_1() == "A002"  # waited 16 min
    assert next_at_1() == "H002"
    hall.clock.advance(minutes=4)  # 09:20
    assert check_in(hall, codes["third"]).get_json()["number"] == "H003"
    hall.clock.advance(minutes=20)  # 09:40
    assert next_at_1() == "H003"  # 10 min after its slot, waited 20 min
    assert hall.command("1", "complete").state.ticket is None
    hall.clock.advance(minutes=21)  # 10:01: check-in for the 09:45 slot closed at 10:00
    return codes


@pytest.fixture
def any_hall(tmp_path, database_url):
    """The in-process hall on SQLite and on PostgreSQL."""
    h = build_hall(tmp_path, database_url=database_url)
    yield h
    close_hall(h)


def test_summary_adds_appointment_figures_and_keeps_its_fields(any_hall):
    hall = any_hall
    _day_of_appointments(hall)
    body = hall.login("manager").get(f"/api/v1/stats/summary?{DAY}").get_json()
    assert set(body) == {
        "from", "to", "issued", "served", "no_show", "transferred", "expired", "waiting",
        "wait_s", "service_s", "service_level_pct", "ratings", "satisfied_pct",
        "estimate_mae_s", "by_service", "by_counter", "by_hour", "appointments"}
    assert body["issued"] == 5  # two walk-ins, three appointment tickets
    ap = body["appointments"]
    assert {k: ap[k] for k in ("booked", "checked_in", "no_show", "cancelled", "upcoming")} \
        == {"booked": 5, "checked_in": 3, "no_show": 1, "cancelled": 1, "upcoming": 0}
    assert ap["show_up_pct"] == 75.0
    assert ap["punctuality_s"] == {"mean": 240.0, "p90": 492.0}  # 60 s, 60 s, 600 s
    assert ap["appointment_wait_s"] == {"mean": 1040.0, "median": 960.0, "p90": 1152.0}
    assert ap["walk_in_wait_s"] == {"mean": 480.0, "median": 480.0, "p90": 864.0}
    assert [r["service"] for r in ap["by_service"]] == ["A"]
    assert ap["by_service"][0]["booked"] == 5
    assert ap["by_counter"] == [{
        "counter": "1", "checked_in": 3, "punctuality_s": ap["punctuality_s"],
        "appointment_wait_s": ap["appointment_wait_s"], "walk_in_wait_s": ap["walk_in_wait_s"],
    }]
    assert [r["day"] for r in ap["by_day"]] == ["2025-03-03"]
    assert ap["by_day"][0]["no_show"] == 1


def test_the_server_marking_no_shows_changes_no_figure(hall):
    _day_of_appointments(hall)
    client = hall.login("manager")
    before = client.get(f"/api/v1/stats/summary?{DAY}").get_json()["appointments"]
    hall.runtime.rollover.check()  # marks the missed booking no_show
    after = client.get(f"/api/v1/stats/summary?{DAY}").get_json()["appointments"]
    assert after == before


def test_a_field_filter_and_a_day_without_appointments(hall):
    _day_of_appointments(hall)
    client = hall.login("manager")
    other = client.get(f"/api/v1/stats/summary?{DAY}&service=C").get_json()["appointments"]
    assert other["booked"] == 0 and other["by_service"] == []
    assert other["punctuality_s"] == {"mean": None, "p90": None}
    hall.take("C")
    assert hall.command("5", "next").state.ticket is not None
    other = client.get(f"/api/v1/stats/summary?{DAY}&service=C").get_json()
    # no appointment tickets: the walk-ins' waits are the report's own waits
    assert other["appointments"]["walk_in_wait_s"]["mean"] == other["wait_s"]["mean"] == 0


def test_page_shows_the_appointment_figures_in_both_languages(hall):
    _day_of_appointments(hall)
    client = hall.login("manager")
    page = client.get(f"/reports?{DAY}").get_data(as_text=True)
    assert "Lịch hẹn đã đặt" in page and "Vắng mặt theo hẹn" in page
    assert "Lệch giờ gọi so với giờ hẹn, trung bình (phút)" in page
    assert 'id="fig-bookings">5<' in page
    assert 'id="fig-punctuality-mean">4,0<' in page  # 240 s in Vietnamese decimals
    assert 'id="fig-punctuality-p90">8,2<' in page
    assert "/reports/bookings.csv?" in page
    english = client.get(f"/reports?{DAY}&lang=en").get_data(as_text=True)
    assert "Booking no-shows" in english and 'id="fig-punctuality-mean">4.0<' in english
    quiet = client.get("/reports?from=2025-03-04&to=2025-03-04&lang=vi").get_data(as_text=True)
    assert "Không có lịch hẹn nào trong khoảng thời gian này." in quiet


def test_ticket_export_ends_with_the_booked_time(hall):
    _day_of_appointments(hall)
    client = hall.login("manager")
    text = client.get(f"/reports/export.csv?{DAY}").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:13] == ["Số phiếu", "Lĩnh vực", "Quầy", "Cán bộ", "Ưu tiên", "Giờ lấy số",
                            "Giờ gọi", "Giờ kết thúc", "Trạng thái", "Thời gian chờ (giây)",
                            "Thời gian phục vụ (giây)", "Đánh giá",
                            "Thời gian chờ dự kiến (giây)"]
    assert rows[0][13:] == ["Giờ hẹn", "Mã hồ sơ"]
    booked = {r[0]: r[13] for r in rows[1:]}
    assert booked == {"A001": "", "A002": "", "H001": "2025-03-03T09:15:00+07:00",
                      "H002": "2025-03-03T09:15:00+07:00", "H003": "2025-03-03T09:30:00+07:00"}
    book_ = load_workbook(io.BytesIO(client.get(f"/reports/export.xlsx?{DAY}").data))
    sheet = book_["Danh sách phiếu"]
    assert sheet.cell(1, 14).value == "Giờ hẹn"
    summary = {r[0].value: r[1].value for r in book_["Tổng hợp"].iter_rows()}
    assert summary["Lịch hẹn đã đặt"] == 5 and summary["Lịch hẹn vắng mặt"] == 1


def test_bookings_export_has_one_row_per_booking_and_no_personal_data(hall):
    codes = _day_of_appointments(hall)
    client = hall.login("manager")
    reply = client.get(f"/reports/bookings.csv?{DAY}")
    assert reply.status_code == 200
    assert "lich-hen-2025-03-03_2025-03-03.csv" in reply.headers["Content-Disposition"]
    text = reply.get_data(as_text=True)
    assert text.startswith("\ufeff")
    assert "0912000001" not in text and "Phạm Thị Lan" not in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Mã lịch hẹn", "Lĩnh vực", "Giờ hẹn", "Trạng thái", "Giờ đến lấy số",
                       "Số phiếu", "Giờ gọi"]
    by_code = {r[0]: r for r in rows[1:]}
    assert len(by_code) == 5
    assert by_code[codes["first"]] == [codes["first"], "A", "2025-03-03T09:15:00+07:00",
                                       "checked_in", "2025-03-03T09:00:00+07:00", "H001",
                                       "2025-03-03T09:16:00+07:00"]
    assert by_code[codes["missed"]][3:] == ["no_show", "", "", ""]
    assert by_code[codes["cancelled"]][3] == "cancelled"
    assert [r[2] for r in rows[1:]] == sorted(r[2] for r in rows[1:])
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/bookings.xlsx?{DAY}").data))
    sheet = workbook["Danh sách lịch hẹn"]
    assert [c.value for c in sheet[1]] == rows[0]
    assert sheet.max_row == 6
    assert client.get("/reports/bookings.csv?from=bad").status_code == 400
    assert hall.login("officer").get(f"/reports/bookings.csv?{DAY}").status_code in (302, 403)


def test_a_stored_day_gives_the_same_appointment_figures(any_hall):
    """Once the day is over its figures come from the daily roll-up: the walk-ins' waits
    are the stored histograms less the appointment tickets (within the buckets' bound)."""
    hall = any_hall
    _day_of_appointments(hall)
    client = hall.login("manager")
    live = client.get(f"/api/v1/stats/summary?{DAY}").get_json()["appointments"]
    hall.clock.advance(days=1)
    stored = hall.login("manager").get(f"/api/v1/stats/summary?{DAY}").get_json()
    ap = stored["appointments"]
    from sqlalchemy import select

    from queue_server.storage.tables import DailyRollupDay

    with hall.runtime.hall.read() as db:
        assert [d.isoformat() for d in db.scalars(select(DailyRollupDay.day))] == ["2025-03-03"]
    assert {k: ap[k] for k in ("booked", "checked_in", "no_show", "cancelled")} == {
        k: live[k] for k in ("booked", "checked_in", "no_show", "cancelled")}
    assert ap["punctuality_s"] == live["punctuality_s"]
    assert ap["appointment_wait_s"] == live["appointment_wait_s"]
    assert ap["walk_in_wait_s"]["mean"] == live["walk_in_wait_s"]["mean"] == 480.0
    for key in ("median", "p90"):
        assert abs(ap["walk_in_wait_s"][key] - live["walk_in_wait_s"][key]) <= 4
    assert ap["by_day"][0]["walk_in_wait_s"] == {"mean": 480.0, "median": None, "p90": None}
