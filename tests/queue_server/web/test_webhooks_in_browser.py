"""/admin/webhooks in Chromium against the real server and a real receiver process: lag and
dead letters are shown, "Gửi lại" sends the held events in order, receivers are added
and removed; only admins get in, and no form works without its CSRF token."""

import re
import time

import pytest
import requests

from tests.conftest import STAFF
from tests.support.live_server import LiveServer, create_user, free_port
from tests.support.screenshots import screenshot_dir
from tests.support.webhook_receiver import WebhookReceiver

SECRET = "khoa-ky-su-kien-cua-trung-tam-ca-mau"


@pytest.fixture
def receiver(tmp_path):
    r = WebhookReceiver(free_port(), SECRET, tmp_path / "received.jsonl")
    r.start()
    yield r
    r.stop()


@pytest.fixture
def fed_server(tmp_path, mosquitto, receiver):
    server = LiveServer(
        workdir=tmp_path, mqtt_url=mosquitto.url,
        extra_config=f'\n[[webhooks]]\nurl = "{receiver.url}"\nsecret = "{SECRET}"\n'
                     "\n[event_feed]\nretry_first_s = 0.1\nretry_max_s = 1\n"
                     "dead_letter_after_attempts = 2\n",
    )
    server.prepare()
    for role, (username, password) in STAFF.items():
        create_user(server, role, username, password)
    server.start()
    yield server
    server.stop()


def log_in(page, server, role: str) -> None:
    username, password = STAFF[role]
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def wait_until(check, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_dead_letters_are_shown_and_sent_again_in_order(fed_server, receiver, page):
    receiver.set_mode("fail", fail_number="A001")
    first = fed_server.take_ticket("A")
    fed_server.take_ticket("A")
    wait_until(lambda: len(receiver.events()) == 1)  # A002 arrives, A001 is refused
    log_in(page, fed_server, "admin")
    page.goto(f"{fed_server.url}/admin/webhooks")
    section = page.locator(f"section[data-webhook='{receiver.url}']")

    def dead_shown() -> bool:
        page.reload()
        return section.locator("[data-dead]").inner_text() == "1"

    wait_until(dead_shown)
    assert "Gửi sự kiện (webhook)" in page.content()
    assert section.locator("[data-last-error]").inner_text().startswith("HTTP 500")
    assert section.locator("[data-dead-letter='A001'] td").nth(1).inner_text() == "ticket.issued"
    assert section.locator("[data-lag]").inner_text() == "0 giây"
    assert SECRET not in page.content()
    page.screenshot(path=str(screenshot_dir("admin") / "webhooks.png"), full_page=True)

    receiver.set_mode("ok")
    section.locator("[data-dead-letter='A001'] button").click()
    page.wait_for_load_state()
    assert "Gửi lại 1 sự kiện." in page.content()
    wait_until(lambda: len(receiver.events()) == 2)
    page.reload()
    assert section.locator("[data-dead]").inner_text() == "0"
    assert [e["ticket"] for e in receiver.events()][-1] == first["id"]


def test_an_admin_adds_and_removes_a_receiver(fed_server, tmp_path, page):
    other_secret = "mot-khoa-khac-cho-he-thong-thu-hai"
    second = WebhookReceiver(free_port(), other_secret, tmp_path / "2.jsonl")
    second.start()
    try:
        log_in(page, fed_server, "admin")
        page.goto(f"{fed_server.url}/admin/webhooks")
        page.fill("input[name=url]", "ftp://nowhere")
        page.fill("input[name=secret]", "ngan")
        page.click("main form.admin-form button[type=submit]")
        assert "Hãy nhập địa chỉ http:// hoặc https://" in page.content()
        assert "Khóa bí mật phải có từ 16 đến 500 ký tự." in page.content()
        page.fill("input[name=url]", second.url)
        page.fill("input[name=secret]", other_secret)
        page.click("main form.admin-form button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(f"section[data-webhook='{second.url}']").count() == 1
        page.fill("input[name=url]", second.url)  # the same one again
        page.fill("input[name=secret]", other_secret)
        page.click("main form.admin-form button[type=submit]")
        assert "Nơi nhận này đã có trong danh sách." in page.content()
        assert page.locator(f"section[data-webhook='{second.url}']").count() == 1
        ticket = fed_server.take_ticket("B")
        wait_until(lambda: [e["ticket"] for e in second.events()] == [ticket["id"]])
        page.locator(f"section[data-webhook='{second.url}'] button",
                     has_text="Xóa nơi nhận này").click()
        page.wait_for_load_state()
        assert page.locator(f"section[data-webhook='{second.url}']").count() == 0
        fed_server.take_ticket("B")
        time.sleep(0.5)
        assert len(second.events()) == 1
    finally:
        second.stop()


def test_only_admins_and_only_with_a_csrf_token(fed_server):
    officer = requests.Session()
    r = officer.get(f"{fed_server.url}/login", timeout=5)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', r.text).group(1)
    username, password = STAFF["officer"]
    officer.post(f"{fed_server.url}/login", data={"username": username, "password": password,
                                                  "csrf_token": token}, timeout=5)
    assert officer.get(f"{fed_server.url}/admin/webhooks", timeout=5).status_code == 403
    anonymous = requests.get(f"{fed_server.url}/admin/webhooks", timeout=5,
                             allow_redirects=False)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    admin = requests.Session()
    r = admin.get(f"{fed_server.url}/login", timeout=5)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', r.text).group(1)
    username, password = STAFF["admin"]
    admin.post(f"{fed_server.url}/login", data={"username": username, "password": password,
                                                "csrf_token": token}, timeout=5)
    refused = admin.post(f"{fed_server.url}/admin/webhooks", data={
        "url": "http://127.0.0.1:9/x", "secret": "x" * 20}, timeout=5)
    assert refused.status_code == 400
    assert "127.0.0.1:9" not in admin.get(f"{fed_server.url}/admin/webhooks", timeout=5).text
    assert admin.post(f"{fed_server.url}/admin/webhooks/1/retry", timeout=5).status_code == 400
