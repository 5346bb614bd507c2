"""The check-in pages of the screen model, without pygame: when scans count, what taps do."""

from __future__ import annotations

from kiosk.kiosk_error import KioskError
from kiosk.scan_router import Scan
from kiosk.screen_model import CODE_IDLE_SECONDS, NOTICE_SECONDS, KioskScreen
from kiosk.ticket_image import format_appointment_time
from kiosk.ui_text import notice_text

SERVICES = [{"code": "A", "name_vi": "Đất đai", "name_en": "Land", "open": True},
            {"code": "B", "name_vi": "Hộ tịch", "name_en": "Civil status", "open": False}]
CHECK_IN = Scan("check_in", "K7M2Q9XA")


def _screen(**kwargs) -> KioskScreen:
    screen = KioskScreen((1024, 600), **kwargs)
    screen.show_services([dict(s) for s in SERVICES], "", "ok", 0.0)
    return screen


def test_scans_wait_while_busy_locked_or_blocked() -> None:
    screen = _screen()
    assert screen.scan(CHECK_IN, 1.0) == ("check_in", "K7M2Q9XA")
    assert screen.page == "busy" and screen.scan(CHECK_IN, 1.1) is None
    screen.show_ticket({"number": "H001", "service": "A"}, 2.0)
    assert screen.scan(CHECK_IN, 2.5) is None  # the same slip again within the lockout
    assert screen.scan(CHECK_IN, 2.0 + screen.lockout) == ("check_in", "K7M2Q9XA")
    blocked = _screen()
    blocked.show_services(SERVICES, "", "paper_out", 3.0)
    assert blocked.scan(CHECK_IN, 4.0) is None and blocked.page == "error"


def test_notices_time_out_and_walk_in_only_for_an_open_field() -> None:
    screen = _screen()
    screen.show_notice(KioskError("too_late", details={"service": "A"}), 1.0)
    assert [b.value for b in screen.buttons() if b.action == "walk_in"] == ["A"]
    screen.show_notice(KioskError("too_late", details={"service": "B"}), 1.0)  # closed now
    assert not [b for b in screen.buttons() if b.action == "walk_in"]
    screen.show_notice(KioskError("too_late"), 1.0)  # the answer did not name the field
    assert not [b for b in screen.buttons() if b.action == "walk_in"]
    screen.tick(1.0 + NOTICE_SECONDS - 0.1)
    assert screen.page == "notice"
    screen.tick(1.0 + NOTICE_SECONDS)
    assert screen.page == "start" and screen.notice is None


def test_code_page_keys_and_idle_time_out() -> None:
    screen = _screen(appointments=True)
    screen.click(*_centre(screen, "appointment"), 1.0)
    assert screen.page == "code"
    for ch in "K7M2Q9XA":
        screen.click(*_centre(screen, "key", ch), 2.0)
    assert screen.code == "K7M2Q9XA"
    screen.tick(2.0 + CODE_IDLE_SECONDS - 1)
    assert screen.page == "code"
    assert screen.click(*_centre(screen, "submit"), 3.0) == ("check_in", "K7M2Q9XA")
    assert screen.busy_text == "checking"
    screen = _screen(appointments=True)
    screen.click(*_centre(screen, "appointment"), 1.0)
    screen.tick(1.0 + CODE_IDLE_SECONDS)
    assert screen.page == "start"


def test_notice_texts() -> None:
    assert notice_text("too_early", "vi", come_back_at="2026-03-04T01:45:00Z") == (
        "Bạn đến sớm. Vui lòng quay lại lúc 08:45", "")
    assert notice_text("too_early", "en", come_back_at="soon")[0] == (
        "You are early. Please come back closer to your appointment time")
    assert notice_text("cancelled", "vi") == ("Lịch hẹn này đã bị huỷ", "")
    assert notice_text("unknown_booking", "en") == ("No appointment found", "")
    assert notice_text("too_many_attempts", "en", retry_after=4.2) == (
        "Please wait a moment and try again", "Please wait 4 seconds and try again")
    assert format_appointment_time("2026-03-04T09:30:00") == "09:30"  # already site time


def _centre(screen: KioskScreen, action: str, value: str = "") -> tuple[int, int]:
    x, y, w, h = next(b.rect for b in screen.buttons() if b.action == action and b.value == value)
    return x + w // 2, y + h // 2
