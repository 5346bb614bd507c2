"""The officer console in a real headless Chromium against the real server and broker."""

import json

import requests

from protocol import Topics
from tests.support.screenshots import screenshot_dir

DOCS = screenshot_dir("console")


def _log_in(page, server, role):
    username, password = server.staff[role]
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _sit_at(page, counter):
    page.click(f'li.seat[data-counter="{counter}"] button[type=submit]')
    page.locator("#current-number").wait_for()
    page.wait_for_function("document.getElementById('live-status').dataset.mode === 'live'")


def _ticket(server, ticket_id):
    return requests.get(f"{server.url}/api/v1/tickets/{ticket_id}", timeout=5).json()


def _outcome(page, text):
    page.wait_for_function(
        "text => document.getElementById('outcome').textContent.includes(text)", arg=text)


def _current(page, number):
    page.wait_for_function(
        "n => document.getElementById('current-number').textContent.trim() === n", arg=number)


def test_officer_calls_transfers_and_skips_from_the_console(staffed_server, page, mqtt_probe):
    server = staffed_server
    calls = mqtt_probe(server.mqtt_url, [Topics(server.site).calls])
    page.set_viewport_size({"width": 1360, "height": 940})
    _log_in(page, server, "officer")
    assert page.url.endswith("/console")  # an officer lands on the console
    assert "Chọn quầy làm việc" in page.locator("h1").inner_text()
    page.screenshot(path=str(DOCS / "choose-counter.png"), full_page=True)
    _sit_at(page, "5")
    assert "Quầy 5" in page.locator("h1").inner_text()
    page.evaluate("window.stillTheSamePage = true")

    first = server.take_ticket("C")
    page.locator('#waiting tr[data-ticket="C001"]').wait_for()  # pushed live, no reload
    priority = server.take_ticket("C", priority=True)
    page.locator('#waiting tr[data-ticket="C002"] .flag.priority').wait_for()
    assert page.locator("#waiting tbody tr").first.get_attribute("data-ticket") == "C002"

    page.click("button.act.next")  # the priority ticket goes first
    _outcome(page, "Mời số C002")
    page.click("button.act.complete")
    _outcome(page, "Số C002 đã hoàn thành")
    page.click("button.act.next")
    _outcome(page, "Mời số C001")
    _current(page, "C001")
    called = _ticket(server, first["id"])
    assert called["status"] == "called" and called["counter"] == "5"
    _, payload = calls.wait_for(
        lambda topic, body: json.loads(body)["ticket"] == "C001"
        and json.loads(body)["counter"] == "5")
    assert json.loads(payload)["service"] == "C"
    page.locator('#history tr[data-ticket="C002"][data-status="done"]').wait_for()

    page.click("button.act.transfer")
    dialog = page.locator("#transfer-dialog")
    assert "Chuyển số C001 sang lĩnh vực" in dialog.inner_text()
    assert dialog.locator('button.target[data-field="C"]').is_disabled()
    page.screenshot(path=str(DOCS / "transfer.png"))
    dialog.locator('button.target[data-field="A"]').click()
    _outcome(page, "Số C001 đã chuyển sang lĩnh vực A")
    moved = _ticket(server, first["id"])
    assert moved["service"] == "A" and moved["status"] == "waiting"
    page.locator('#history tr[data-ticket="C001"][data-status="transferred"]').wait_for()
    _current(page, "–")

    third = server.take_ticket("C")
    page.locator('#waiting tr[data-ticket="C003"]').wait_for()
    page.keyboard.press("n")  # the keyboard shortcut for "next"
    _outcome(page, "Mời số C003")
    page.click("button.act.skip")
    skip = page.locator("#skip-dialog")
    assert "Số C003 sẽ được ghi nhận là vắng mặt" in skip.inner_text()
    skip.locator("button[value=cancel]").click()  # changing one's mind changes nothing
    assert not skip.is_visible()
    assert _ticket(server, third["id"])["status"] == "called"
    page.click("button.act.skip")
    page.screenshot(path=str(DOCS / "skip-confirmation.png"))
    page.click("#skip-confirm")
    _outcome(page, "Số C003 đã ghi nhận vắng mặt")
    assert _ticket(server, third["id"])["status"] == "no_show"

    page.click("button.act.complete")  # nothing at the counter: the reason, in Vietnamese
    _outcome(page, "Quầy chưa có số nào đang phục vụ")
    page.click("button.act.pause")
    _outcome(page, "Quầy đã tạm dừng")
    page.locator(".paused-banner").wait_for()
    page.click("button.act.next")
    _outcome(page, "Quầy đang tạm dừng. Vui lòng bấm Tiếp tục trước.")
    page.click("button.act.resume")
    _outcome(page, "Quầy đã tiếp tục nhận số")

    history = page.locator("#history tbody tr")
    assert [history.nth(i).get_attribute("data-ticket") for i in range(3)] == [
        "C003", "C001", "C002"]
    assert "Vắng mặt" in page.locator('#history tr[data-ticket="C003"]').inner_text()
    assert "Chuyển sang lĩnh vực A" in page.locator('#history tr[data-ticket="C001"]').inner_text()
    assert priority["priority"] is True
    assert page.evaluate("window.stillTheSamePage") is True
    server.take_ticket("C", priority=True)
    server.take_ticket("C")
    page.locator('#waiting tr[data-ticket="C005"]').wait_for()
    page.click("button.act.next")
    _outcome(page, "Mời số C004")
    page.screenshot(path=str(DOCS / "console.png"), full_page=True)


def test_a_double_click_on_next_calls_one_ticket(staffed_server, page):
    server = staffed_server
    first, second = server.take_ticket("C"), server.take_ticket("C")
    _log_in(page, server, "officer")
    _sit_at(page, "5")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.dblclick("button.act.next")
    _outcome(page, "Mời số C001")
    page.wait_for_function("!document.querySelector('button.act.next').disabled")
    assert _ticket(server, first["id"])["status"] == "called"
    assert _ticket(server, second["id"])["status"] == "waiting"
    assert [u for u in posts if "/api/v1/counters/" in u] == [
        f"{server.url}/api/v1/counters/5/next"]


def test_only_officers_and_admins_open_the_console(staffed_server, page):
    anonymous = page.goto(f"{staffed_server.url}/console")
    assert "/login" in page.url and anonymous.status == 200
    _log_in(page, staffed_server, "manager")
    assert page.goto(f"{staffed_server.url}/console").status == 403
    assert "Không có quyền truy cập" in page.locator("h1").inner_text()


def test_a_counter_taken_by_another_officer_is_refused(staffed_server, page, browser):
    from tests.support.live_server import create_user

    create_user(staffed_server, "officer", "canbo2", "can-bo-mat-khau-2")
    _log_in(page, staffed_server, "officer")
    _sit_at(page, "5")
    other = browser.new_context(locale="vi-VN").new_page()
    try:
        staffed_server.staff = {**staffed_server.staff, "officer2": ("canbo2",
                                                                     "can-bo-mat-khau-2")}
        _log_in(other, staffed_server, "officer2")
        with other.expect_response(lambda r: r.request.method == "POST") as posted:
            other.click('li.seat[data-counter="5"] button[type=submit]')
        assert posted.value.status == 409
        assert "Quầy 5 đang do cán bộ canbo1 phụ trách" in other.locator(".flash").inner_text()
    finally:
        other.context.close()


def test_an_ended_session_is_said_plainly(staffed_server, page):
    _log_in(page, staffed_server, "officer")
    _sit_at(page, "5")
    page.context.clear_cookies()
    page.click("button.act.next")
    _outcome(page, "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.")
    assert page.locator("#outcome a").get_attribute("href").startswith("/login")
