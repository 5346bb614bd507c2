"""Booking an appointment on a phone in a real headless Chromium against the real server.

A 390×844 viewport (a common phone): book, read the code and the QR code (decoded from
the screenshot with OpenCV), move the booking, cancel it; the same without JavaScript;
an officer booking for a citizen on the phone. Screenshots land in docs/booking/ with
MOTCUA_UPDATE_DOCS=1.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import cv2
import numpy
import requests

from queue_server.domain.site_spec import parse_site
from tests.support.live_server import EXAMPLE_SITE
from tests.support.screenshots import screenshot_dir

DOCS = screenshot_dir("booking")
PHONE = {"width": 390, "height": 844}


def weekdays_ahead(count: int) -> list[str]:
    """The next ``count`` weekdays after today (the server's real clock), closed days left out."""
    spec = parse_site(EXAMPLE_SITE.read_text(encoding="utf-8"))
    day = datetime.now(ZoneInfo(spec.timezone)).date()
    days = []
    while len(days) < count:
        day += timedelta(days=1)
        if day.isoweekday() <= 5 and day not in spec.closed_days:
            days.append(day.isoformat())
    return days


def decoded_qr(page) -> str:
    """What a scanner reads from the QR code as the phone shows it."""
    png = page.locator("svg.qr").screenshot()
    image = cv2.imdecode(numpy.frombuffer(png, numpy.uint8), cv2.IMREAD_GRAYSCALE)
    image = cv2.copyMakeBorder(image, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return text


def shot(page, name: str) -> None:
    page.screenshot(path=str(DOCS / name), full_page=True)


def free_places(server, day: str, start: str) -> int:
    slots = requests.get(f"{server.url}/api/v1/appointments/slots", timeout=5,
                         params={"service": "A", "day": day}).json()["slots"]
    return next(s["free"] for s in slots if s["start"] == start)


def test_a_citizen_books_on_a_phone_then_moves_and_cancels(live_server, page):
    first, second = weekdays_ahead(2)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/booking")
    assert page.locator("h1").inner_text() == "Đặt lịch hẹn"
    assert page.locator("a.choice").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "1-field.png")
    page.click("a.choice[data-service=A]")
    assert page.locator("a.choice[data-day]").count() >= 10
    assert page.locator("a.choice[data-service]").count() == 0
    shot(page, "2-day.png")
    page.click(f"a.choice[data-day='{first}']")
    slot = page.locator("label.slot", has=page.locator(f"input[value='{first}T09:00:00+07:00']"))
    assert "Còn 2 chỗ" in slot.inner_text()
    box = slot.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 90  # a thumb's target
    slot.click()
    page.fill("#name", "Trần Văn Bình")
    page.fill("#phone", "0912 34")
    shot(page, "3-time-and-details.png")
    page.click("button[type=submit]")
    assert "10 chữ số" in page.locator("#phone-error").inner_text()
    assert page.locator("input[name=start]:checked").count() == 1  # the choice was kept
    shot(page, "3-bad-phone.png")
    page.fill("#phone", "0912 345 678")
    page.click("button[type=submit]")

    assert page.locator("h1").inner_text() == "Đặt lịch hẹn thành công"
    code = page.locator("#booking-code").inner_text()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    assert "09:00" in page.locator("#booking-time").inner_text()
    assert page.locator("#booking-field").inner_text() == "Đất đai"
    assert "30 phút trước đến 15 phút sau giờ hẹn" in page.locator(".advice").inner_text()
    assert decoded_qr(page) == f"{live_server.url}/booking/{code}"
    assert page.locator(".booking-code").bounding_box()["width"] <= PHONE["width"]
    shot(page, "4-booked.png")
    assert free_places(live_server, first, f"{first}T09:00:00+07:00") == 1

    page.goto(decoded_qr(page))  # what the QR opens
    assert page.locator("h1").inner_text() == "Lịch hẹn"
    assert page.locator("#booking-status").inner_text() == "Đã đặt"
    shot(page, "5-booking-page.png")

    page.click("#move")
    page.click(f"a.choice[data-day='{second}']")
    page.locator("label.slot", has=page.locator(f"input[value='{second}T14:00:00+07:00']")).click()
    shot(page, "6-move.png")
    page.click("button[type=submit]")
    assert "Đã đổi lịch hẹn sang giờ mới" in page.locator(".flash.ok").inner_text()
    assert "14:00" in page.locator("#booking-time").inner_text()
    assert free_places(live_server, first, f"{first}T09:00:00+07:00") == 2
    assert free_places(live_server, second, f"{second}T14:00:00+07:00") == 1

    page.click("#cancel")
    assert "Hủy lịch hẹn" in page.locator("h1").inner_text()
    shot(page, "7-cancel-confirm.png")
    page.click("#confirm-cancel")
    assert page.locator("#booking-status").inner_text() == "Đã hủy"
    assert page.locator("#cancel").count() == 0 and page.locator("svg.qr").count() == 0
    shot(page, "8-cancelled.png")
    assert free_places(live_server, second, f"{second}T14:00:00+07:00") == 2
    api = requests.get(f"{live_server.url}/api/v1/appointments/{code.lower()}", timeout=5)
    assert api.json()["status"] == "cancelled"


def test_booking_works_without_javascript_and_in_english(live_server, browser):
    (day,) = weekdays_ahead(1)
    context = browser.new_context(java_script_enabled=False, locale="en-GB",
                                  viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/booking?service=B")
        assert page.locator("h1").inner_text() == "Book an appointment"
        page.click(f"a.choice[data-day='{day}']")
        page.locator("label.slot").first.click()
        page.fill("#name", "Phạm Thị Lan")
        page.fill("#phone", "+84 987 654 321")
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "Your appointment is booked"
        assert page.locator("#booking-field").inner_text() == "Justice and civil status"
        code = page.locator("#booking-code").inner_text()
        assert decoded_qr(page) == f"{live_server.url}/booking/{code}"
        page.goto(f"{live_server.url}/booking/ZZZZ-ZZZZ")
        assert page.locator("h1").inner_text().startswith("Booking not found")
    finally:
        context.close()


def test_an_officer_books_for_a_citizen_on_the_phone(staffed_server, page):
    (day,) = weekdays_ahead(1)
    page.set_viewport_size({"width": 1024, "height": 900})
    username, password = staffed_server.staff["officer"]
    page.goto(f"{staffed_server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.click("header nav.staff a:has-text('Đặt lịch hộ công dân')")
    assert page.locator("h1").inner_text() == "Đặt lịch hộ công dân"
    page.click("a.choice[data-service=A]")
    page.click(f"a.choice[data-day='{day}']")
    page.locator("label.slot", has=page.locator(f"input[value='{day}T10:00:00+07:00']")).click()
    page.fill("#name", "Võ Văn Tâm")
    page.fill("#phone", "0913 222 333")
    shot(page, "staff-booking.png")
    page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "Đặt lịch hẹn thành công"
    assert page.locator("#booked-by").inner_text() == "canbo1"
    shot(page, "staff-booked.png")
    assert free_places(staffed_server, day, f"{day}T10:00:00+07:00") == 1
