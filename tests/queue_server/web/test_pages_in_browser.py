"""Dashboard, admin and security in a real headless Chromium against the real server."""

import re

import requests

from protocol import Board, DeviceStatus, Topics, decode, encode
from tests.support.screenshots import screenshot_dir

DOCS = screenshot_dir("dashboard")


def _log_in(page, server, role):
    username, password = server.staff[role]
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_dashboard_updates_live_when_a_ticket_is_issued(staffed_server, page, mqtt_probe):
    topics = Topics(staffed_server.site)
    probe = mqtt_probe(staffed_server.mqtt_url, [topics.status("kiosk-1")])
    probe.publish(topics.status("kiosk-1"), encode(DeviceStatus(
        device="kiosk-1", kind="kiosk", online=True, printer="paper_out", version="1.0")),
        retain=True)
    for _ in range(2):
        staffed_server.take_ticket("C")
    page.set_viewport_size({"width": 1360, "height": 1000})
    _log_in(page, staffed_server, "manager")
    assert page.url.endswith("/dashboard")
    waiting = page.locator('tr[data-field="C"] td[data-figure="waiting"]')
    assert waiting.inner_text() == "2"
    page.evaluate("window.stillTheSamePage = true")
    page.wait_for_function(  # the stream is open once the first snapshot set the seq
        "document.getElementById('totals').dataset.seq !== undefined")
    staffed_server.take_ticket("C")
    page.wait_for_function(
        """() => document.querySelector('tr[data-field="C"] td[data-figure="waiting"]')
                 .textContent === '3'""", timeout=10000)
    assert page.evaluate("window.stillTheSamePage") is True  # no reload happened
    page.locator('li[data-alert="paper_out"][data-subject="kiosk-1"]').wait_for()
    assert "Máy in của kiosk-1 đã hết giấy" in page.locator("#alerts").inner_text()
    page.screenshot(path=str(DOCS / "dashboard.png"), full_page=True)
    probe.publish(topics.status("kiosk-1"), b"", retain=True)  # leave the broker clean


def test_officer_is_refused_on_admin(staffed_server, page):
    _log_in(page, staffed_server, "officer")
    response = page.goto(f"{staffed_server.url}/admin")
    assert response.status == 403
    assert "Không có quyền truy cập" in page.locator("h1").inner_text()
    assert page.goto(f"{staffed_server.url}/dashboard").status == 403


def test_a_form_without_its_csrf_token_is_refused(staffed_server, page):
    _log_in(page, staffed_server, "admin")
    page.goto(f"{staffed_server.url}/admin/site")
    page.evaluate("document.querySelector('main form input[name=csrf_token]').remove()")
    page.fill("textarea[name=board_message]", "Không được lưu")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("main button[type=submit]")
    assert posted.value.status == 400
    services = requests.get(f"{staffed_server.url}/", timeout=5).text
    assert "Không được lưu" not in services


def test_login_rate_limit_in_the_browser(staffed_server, page):
    page.goto(f"{staffed_server.url}/login")
    for attempt in range(5):
        page.fill("input[name=username]", "lanhdao")
        page.fill("input[name=password]", f"sai-{attempt}")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("main button[type=submit]")
    assert posted.value.status == 429
    assert "Bạn đã đăng nhập sai quá nhiều lần" in page.content()


def test_admin_renames_a_field_and_it_goes_live(staffed_server, page, mqtt_probe):
    topics = Topics(staffed_server.site)
    probe = mqtt_probe(staffed_server.mqtt_url, [topics.board])
    page.set_viewport_size({"width": 1280, "height": 1000})
    _log_in(page, staffed_server, "admin")
    page.goto(f"{staffed_server.url}/admin/fields/C")
    page.fill("input[name=name_vi]", "Đăng ký doanh nghiệp")
    page.fill("input[name=hours]", "7:00-11:30")
    page.click("main button[type=submit]")
    error = page.locator('[data-field="hours"] .field-error')
    assert "HH:MM-HH:MM" in error.inner_text()  # nothing saved yet
    page.screenshot(path=str(DOCS / "admin-field-error.png"), full_page=True)
    page.fill("input[name=hours]", "07:00-11:30, 13:30-17:00")
    page.click("main button[type=submit]")
    assert page.url.endswith("/admin/fields")
    page.screenshot(path=str(DOCS / "admin-fields.png"), full_page=True)
    services = requests.get(f"{staffed_server.url}/api/v1/services", timeout=5).json()
    c = next(s for s in services["services"] if s["code"] == "C")
    assert c["name_vi"] == "Đăng ký doanh nghiệp"
    page.goto(f"{staffed_server.url}/admin/site")
    page.fill("textarea[name=board_message]", "Chiều nay nghỉ từ 16:00")
    page.click("main button[type=submit]")
    _, payload = probe.wait_for(
        lambda t, p: decode(p, Board).message == "Chiều nay nghỉ từ 16:00", timeout=10)
    fresh = mqtt_probe(staffed_server.mqtt_url, [topics.board])  # what a new display gets
    fresh.wait_for(lambda t, p: decode(p, Board).message == "Chiều nay nghỉ từ 16:00")
    page.goto(f"{staffed_server.url}/admin/devices")
    page.screenshot(path=str(DOCS / "admin-devices.png"), full_page=True)


def test_language_switch(staffed_server, page):
    page.goto(f"{staffed_server.url}/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Số vừa mời" in page.content()
    page.click("header .languages a[lang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Just called" in page.content() and "Business registration" in page.content()
    page.goto(f"{staffed_server.url}/login")  # the choice is remembered
    assert page.locator("h1").inner_text() == "Log in"
    page.click("header .languages a[lang=vi]")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    assert re.search(r"/login\?lang=vi$", page.url)


def test_a_booking_system_key_is_made_and_revoked_in_admin(staffed_server, page):
    admin_docs = screenshot_dir("admin")
    _log_in(page, staffed_server, "admin")
    page.goto(f"{staffed_server.url}/admin")
    page.click("nav.admin-tabs a:has-text('Hệ thống đặt lịch')")
    page.fill("input[name=name]", "Cổng dịch vụ công tỉnh Cà Mau")
    page.click("main form.admin-form button[type=submit]")
    key = page.locator("#integrator-key").inner_text()
    slot = requests.get(f"{staffed_server.url}/api/v1/appointments/slots", timeout=5, params={
        "service": "A", "day": _a_weekday_ahead()}).json()["slots"][0]["start"]
    booking = {"service": "A", "start": slot, "name": "Lý Thị Mai", "phone": "0912345678",
               "external_id": "DVC-0001"}
    r = requests.post(f"{staffed_server.url}/api/v1/appointments", json=booking, timeout=5,
                      headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201
    page.screenshot(path=str(admin_docs / "integrators.png"), full_page=True)
    page.click("tr[data-integrator='Cổng dịch vụ công tỉnh Cà Mau'] button")
    assert "đã hết hiệu lực" in page.content()
    assert key not in page.content()
    r = requests.post(f"{staffed_server.url}/api/v1/appointments", json=booking, timeout=5,
                      headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 401


def _a_weekday_ahead() -> str:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    day = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day.isoformat()


def test_admin_opens_appointments_for_a_field(staffed_server, page):
    """Field C takes no appointments in the example site; the admin turns them on (all
    day, every day, so a slot is always bookable on the real clock)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    page.set_viewport_size({"width": 1280, "height": 1400})
    _log_in(page, staffed_server, "admin")
    page.goto(f"{staffed_server.url}/admin/fields/C")
    page.check("input[name=appointments]")
    page.fill("input[name=appointment_slot_min]", "3")
    page.fill("input[name=appointment_per_slot]", "2")
    page.fill("input[name=appointment_days_ahead]", "1")
    page.fill("input[name=appointment_prefix]", "Q")
    page.fill("input[name=appointment_hours]", "00:00-24:00")
    page.fill("input[name=appointment_max_share]", "0.5")
    page.click("main button[type=submit]")
    error = page.locator('[data-field="appointment_slot_min"] .field-error')
    assert error.inner_text() == "Nhập số nguyên từ 5 đến 240."
    page.screenshot(path=str(DOCS / "admin-field-appointments.png"), full_page=True)
    assert requests.get(f"{staffed_server.url}/api/v1/appointments/slots",
                        params={"service": "C", "day": "2026-01-05"},
                        timeout=5).status_code == 404  # nothing saved
    page.fill("input[name=appointment_slot_min]", "20")
    page.click("main button[type=submit]")
    assert page.url.endswith("/admin/fields")
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    slots = []
    for day in (today, today + timedelta(days=1)):
        slots += requests.get(f"{staffed_server.url}/api/v1/appointments/slots",
                              params={"service": "C", "day": day.isoformat()},
                              timeout=5).json()["slots"]
    assert slots and all(s["free"] == 2 for s in slots)
    assert slots[0]["start"][14:16] in ("00", "20", "40")
