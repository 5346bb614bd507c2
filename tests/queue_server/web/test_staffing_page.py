"""``/reports/staffing``: the staffing what-if for managers, from the field's history."""

import re

from queue_server.domain.staffing_plan import staffing_plan


def counters_column(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="num"><strong>(\d+)</strong></td>', html)]


def test_manager_sees_the_plan_for_given_arrivals(hall):
    client = hall.login("manager")
    arrivals = "0 10 20 30 30 20 10 5 15 20 10"
    page = client.get(f"/reports/staffing?service=A&arrivals={arrivals}&service_min=12"
                      "&target_pct=80&target_min=15")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tính số quầy cần mở" in html and "Số quầy cần mở" in html
    expected = staffing_plan([float(a) for a in arrivals.split()], 720, 0.8, 900, first_hour=7)
    assert counters_column(html) == [h.counters for h in expected]
    assert counters_column(html)[3] > counters_column(html)[0]
    english = client.get(f"/reports/staffing?lang=en&service=A&arrivals={arrivals}")
    assert "Counters needed" in english.get_data(as_text=True)


def test_arrivals_default_to_the_fields_recent_history(hall):
    client = hall.login("manager")
    html = client.get("/reports/staffing?service=C").get_data(as_text=True)
    assert "Lĩnh vực này chưa có phiếu nào" in html  # no history yet: zeros, one counter
    assert len(counters_column(html)) == 11


def test_bad_values_are_named_and_officers_are_refused(hall):
    client = hall.login("manager")
    page = client.get("/reports/staffing?service=A&service_min=abc&arrivals=1 2")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Thời gian phục vụ trung bình (phút)" in html and "phải là một số" in html
    assert "Hãy nhập 11 số lượt đến" in html
    assert hall.login("officer").get("/reports/staffing").status_code == 403


def test_keeping_counters_for_appointments_shows_its_price(hall):
    from queue_server.domain.staffing_plan import reserved_counters

    client = hall.login("manager")
    arrivals = "0 10 20 30 30 20 10 5 15 20 10"
    html = client.get(f"/reports/staffing?service=A&arrivals={arrivals}&service_min=12"
                      "&target_pct=80&target_min=15&booked_pct=30&reserved=2"
                      ).get_data(as_text=True)
    assert "Số quầy dành riêng cho lịch hẹn" in html and 'id="kept-for-appointments"' in html
    plan = staffing_plan([float(a) for a in arrivals.split()], 720, 0.8, 900, first_hour=7)
    kept = reserved_counters(plan, 720, 0.8, 900, 0.3, 2)
    shown = re.findall(r"<td class=\"num\" data-needed-apart>(\d+) \(([+-]\d+)\)</td>", html)
    assert shown == [(str(h.needed_split), f"{h.extra:+d}") for h in kept]
    assert "kept-for-appointments" not in client.get(
        f"/reports/staffing?service=A&arrivals={arrivals}").get_data(as_text=True)
    bad = client.get("/reports/staffing?service=A&booked_pct=150")
    assert bad.status_code == 400
    assert "Tỷ lệ người dân có lịch hẹn (phần trăm)" in bad.get_data(as_text=True)
