"""Appointment check-in through the real pygame loop against the contract server: a
keyboard-mode scanner's burst, the on-screen keyboard, a serial scanner on a
pseudo-terminal, every answer of the check-in endpoint, and the printed ticket."""

from __future__ import annotations

import os
import pty

import pygame
import pytest
from escpos.printer import Dummy
from PIL import ImageChops

from kiosk.barcode_scanner import SerialScanner
from kiosk.screen_model import NOTICE_SECONDS
from kiosk.station import KioskStation
from kiosk.ticket_image import render_ticket
from kiosk.touch_ui import TouchUI
from kiosk.ui_text import notice_text
from tests.kiosk.escpos_raster import decode_raster
from tests.kiosk.ui_driver import (
    SIZE,
    FakeClock,
    button_rect,
    centre,
    finger_tap,
    run_until,
    scanner_burst,
    type_slowly,
)

PUBLIC = "https://hcc.camau.gov.vn"
CODE = "K7M2Q9XA"
START = "2026-03-04T09:30:00+07:00"
TZ = "Asia/Ho_Chi_Minh"


def _ui(station, **kwargs) -> TouchUI:
    clock = FakeClock()
    ui = TouchUI(station, SIZE, clock=clock, **kwargs)
    ui.clock_control = clock
    ui.open(size=SIZE)
    run_until(ui, lambda: ui.screen.page == "start")
    return ui


@pytest.fixture
def station(kiosk_cfg, contract_server):
    contract_server.bookings[CODE] = {"service": "A", "start": START, "outcome": "ok"}
    station = KioskStation.from_config({**kiosk_cfg, "public_url": PUBLIC},
                                       printer=Dummy(profile="TM-T20II"))
    station.client.retry_pause = 0.01
    station.client.timeout = 1.0
    yield station
    station.close()


@pytest.fixture
def kiosk_ui(station):
    ui = _ui(station)
    yield ui
    ui.shut()


def _check_ins(server) -> list[tuple[str, dict]]:
    return [(path, headers) for method, path, headers, _ in server.requests
            if method == "POST" and "/appointments/" in path]


def _printed(ui: TouchUI) -> bytes:
    return ui.station.printer.printer.output


def test_a_scanned_booking_slip_checks_in_and_prints_the_appointment_time(
        kiosk_ui, contract_server) -> None:
    ui = kiosk_ui
    scanner_burst(f"{PUBLIC}/booking/K7M2-Q9XA")
    run_until(ui, lambda: ui.screen.page == "confirm")
    ticket = ui.screen.ticket
    assert ticket["number"] == "H001" and ticket["appointment_start"] == START
    ((path, headers),) = _check_ins(contract_server)
    assert path == f"/api/v1/appointments/{CODE}/check-in"
    assert headers["Authorization"] == f"Bearer {contract_server.token}"

    # the paper: exactly the appointment ticket, and the booked time is on it
    printed = decode_raster(_printed(ui))
    expected = render_ticket(ticket, 576, "vi", TZ, ticket["site_name"])
    assert ImageChops.difference(printed.convert("L"), expected.convert("L")).getbbox() is None
    other_time = render_ticket({**ticket, "appointment_start": "2026-03-04T10:45:00+07:00"},
                               576, "vi", TZ)
    assert ImageChops.difference(other_time.convert("L"), expected.convert("L")).getbbox()
    without = render_ticket({**ticket, "appointment_start": None}, 576, "vi", TZ)
    assert expected.height > without.height  # the "LỊCH HẸN" mark and "Giờ hẹn: 09:30"

    # back to the start page on its own
    ui.clock_control.now += 10.1
    run_until(ui, lambda: ui.screen.page == "start")


def test_a_repeat_scan_after_the_lockout_prints_the_same_ticket(kiosk_ui, contract_server):
    ui = kiosk_ui
    scanner_burst(CODE.lower())
    run_until(ui, lambda: ui.screen.page == "confirm")
    scanner_burst(CODE)  # the same slip again at once: the lockout swallows it
    for _ in range(5):
        ui.step()
    assert len(_check_ins(contract_server)) == 1
    ui.clock_control.now += ui.lockout + 0.1
    scanner_burst("k7m2-q9xa")
    run_until(ui, lambda: len(_check_ins(contract_server)) == 2
              and ui.screen.page == "confirm")
    assert ui.screen.ticket["number"] == "H001"
    assert [t["number"] for t in contract_server.tickets] == ["H001"]


def test_a_person_typing_on_a_keyboard_is_not_a_scan(kiosk_ui, contract_server) -> None:
    ui = kiosk_ui
    type_slowly(ui, ui.clock_control, CODE, gap=0.15)
    for _ in range(3):
        ui.step()
    assert ui.screen.page == "start" and _check_ins(contract_server) == []


def test_a_partial_burst_times_out(kiosk_ui, contract_server) -> None:
    ui = kiosk_ui
    scanner_burst(CODE[:5], enter=False)
    ui.step()
    assert ui.burst.pending
    ui.clock_control.now += 0.5
    ui.step()
    assert not ui.burst.pending
    scanner_burst(CODE[5:])  # the rest of it, alone, is no code
    run_until(ui, lambda: ui.screen.page == "notice")
    assert ui.screen.notice.code == "unreadable" and _check_ins(contract_server) == []


@pytest.mark.parametrize("text", [
    "https://example.com/booking/K7M2-Q9XA",
    "00020101021238570010A000000727012700069704220113VQRQ0001234567",
    "~~\x1b[2J~\x7f",
    "x" * 10_000,
])
def test_garbage_scans_say_unreadable_and_issue_nothing(kiosk_ui, contract_server,
                                                       text) -> None:
    ui = kiosk_ui
    scanner_burst(text, keydown=len(text) < 1000)
    run_until(ui, lambda: ui.screen.page == "notice")
    assert ui.screen.notice.code == "unreadable"
    assert notice_text("unreadable", "vi") == ("Không đọc được mã này", "")
    assert notice_text("unreadable", "en") == ("This code cannot be read", "")
    assert _check_ins(contract_server) == [] and _printed(ui) == b""
    assert contract_server.tickets == []
    ui.clock_control.now += NOTICE_SECONDS + 0.1
    run_until(ui, lambda: ui.screen.page == "start")


def test_the_on_screen_keyboard(station, contract_server) -> None:
    contract_server.appointment_services = {"A"}  # the server lists a field with bookings
    ui = _ui(station)
    try:
        finger_tap(ui, *centre(button_rect(ui, "appointment")))
        run_until(ui, lambda: ui.screen.page == "code")
        submit = next(b for b in ui.screen.buttons() if b.action == "submit")
        assert not submit.enabled
        for ch in "K7M2Q9XZ":
            finger_tap(ui, *centre(button_rect(ui, "key", ch)))
            ui.step()
        assert ui.screen.code == "K7M2Q9XZ"
        for ch in "B":  # the code is full: more keys do nothing
            finger_tap(ui, *centre(button_rect(ui, "key", ch)))
            ui.step()
        assert ui.screen.code == "K7M2Q9XZ"
        finger_tap(ui, *centre(next(b.rect for b in ui.screen.buttons()
                                    if b.action == "delete")))
        ui.step()
        finger_tap(ui, *centre(button_rect(ui, "key", "A")))
        ui.step()
        assert ui.screen.code == CODE
        finger_tap(ui, *centre(next(b.rect for b in ui.screen.buttons()
                                    if b.action == "submit")))
        run_until(ui, lambda: ui.screen.page == "confirm")
        assert ui.screen.ticket["appointment_start"] == START
        assert b"\x1dv0" in _printed(ui)
    finally:
        ui.shut()


def test_the_code_page_cancels_and_times_out(station, contract_server) -> None:
    ui = _ui(station, appointments=True)
    try:
        finger_tap(ui, *centre(button_rect(ui, "appointment")))
        run_until(ui, lambda: ui.screen.page == "code")
        finger_tap(ui, *centre(next(b.rect for b in ui.screen.buttons()
                                    if b.action == "cancel")))
        run_until(ui, lambda: ui.screen.page == "start")
        finger_tap(ui, *centre(button_rect(ui, "appointment")))
        run_until(ui, lambda: ui.screen.page == "code")
        finger_tap(ui, *centre(button_rect(ui, "key", "7")))
        ui.step()
        ui.clock_control.now += 61
        run_until(ui, lambda: ui.screen.page == "start")
        assert ui.screen.code == "" and _check_ins(contract_server) == []
    finally:
        ui.shut()


def test_no_appointment_button_unless_the_server_or_the_config_says_so(station) -> None:
    for appointments, shown in ((None, False), (True, True), (False, False)):
        ui = _ui(station, appointments=appointments)
        try:
            assert any(b.action == "appointment" for b in ui.screen.buttons()) is shown
        finally:
            ui.shut()


@pytest.mark.parametrize(("outcome", "code", "vi"), [
    ("too_early", "too_early", "Bạn đến sớm. Vui lòng quay lại lúc 09:15"),
    ("cancelled", "cancelled", "Lịch hẹn này đã bị huỷ"),
    ("unknown", "unknown_booking", "Không tìm thấy lịch hẹn"),
])
def test_refusals_are_explained_and_print_nothing(kiosk_ui, contract_server, outcome, code,
                                                  vi) -> None:
    ui = kiosk_ui
    if outcome == "unknown":
        contract_server.bookings.clear()
    else:  # the server's time is UTC: the screen says the site's wall-clock time
        contract_server.bookings[CODE].update(outcome=outcome,
                                              come_back_at="2026-03-04T02:15:00+00:00")
    scanner_burst(f"{PUBLIC}/booking/K7M2-Q9XA")
    run_until(ui, lambda: ui.screen.page == "notice")
    notice = ui.screen.notice
    assert notice.code == code
    headline, _ = notice_text(notice.code, "vi", come_back_at=notice.details.get("come_back_at"),
                              timezone=ui.screen.timezone)
    assert headline == vi
    assert not any(b.action == "walk_in" for b in ui.screen.buttons())
    assert _printed(ui) == b"" and contract_server.tickets == []
    ui.clock_control.now += NOTICE_SECONDS + 0.1
    run_until(ui, lambda: ui.screen.page == "start")


def test_too_late_offers_a_walk_in_ticket_for_the_field(kiosk_ui, contract_server) -> None:
    ui = kiosk_ui
    contract_server.bookings[CODE]["outcome"] = "too_late"
    scanner_burst(CODE)
    run_until(ui, lambda: ui.screen.page == "notice")
    assert ui.screen.notice.code == "too_late"
    assert notice_text("too_late", "vi", walk_in="Đất đai") == (
        "Đã quá giờ hẹn", "Bạn có thể lấy số thường cho lĩnh vực Đất đai")
    assert _printed(ui) == b""
    finger_tap(ui, *centre(button_rect(ui, "walk_in", "A")))
    run_until(ui, lambda: ui.screen.page == "confirm")
    ticket = ui.screen.ticket
    assert ticket["number"] == "A001" and not ticket.get("appointment_start")
    assert b"\x1dv0" in _printed(ui)


def test_too_many_codes_asks_to_wait(kiosk_ui, contract_server) -> None:
    ui = kiosk_ui
    contract_server.throttle_s = 30
    scanner_burst(CODE)
    run_until(ui, lambda: ui.screen.page == "notice")
    notice = ui.screen.notice
    assert notice.code == "too_many_attempts" and notice.retry_after == 30
    assert notice_text(notice.code, "vi", retry_after=notice.retry_after) == (
        "Vui lòng chờ giây lát rồi thử lại", "Vui lòng chờ 30 giây rồi thử lại")
    assert _printed(ui) == b""
    ui.clock_control.now += NOTICE_SECONDS + 0.1
    run_until(ui, lambda: ui.screen.page == "start")


@pytest.mark.parametrize("fault", ["stopped", "silent"])
def test_server_away_shows_the_offline_message(kiosk_ui, contract_server, fault) -> None:
    ui = kiosk_ui
    if fault == "stopped":
        contract_server.stop()
        ui.station.client.session.close()  # its kept-alive connections died with it
    else:
        contract_server.stall_s = 1.5  # longer than the kiosk waits for an answer
    scanner_burst(CODE)
    run_until(ui, lambda: ui.screen.page == "error")
    assert ui.screen.error.code == "unreachable"
    assert ui.screen.error.message.startswith("Không kết nối được máy chủ")
    assert _printed(ui) == b""


def test_a_serial_scanner_on_a_pseudo_terminal(station, contract_server) -> None:
    master, slave = pty.openpty()
    ui = _ui(station)
    reader = SerialScanner(os.ttyname(slave), ui.scan, baudrate=9600).start()
    try:
        assert reader.connected.wait(5)
        os.write(master, f"{PUBLIC}/booking/K7M2-Q9XA\r\n".encode())
        run_until(ui, lambda: ui.screen.page == "confirm")
        assert ui.screen.ticket["appointment_start"] == START
        assert b"\x1dv0" in _printed(ui)
        ui.clock_control.now += ui.lockout + 0.1
        os.write(master, b"\xff\xfe garbage\n")
        run_until(ui, lambda: ui.screen.page == "notice")
        assert ui.screen.notice.code == "unreadable"
    finally:
        reader.stop()
        ui.shut()
        os.close(master)
        os.close(slave)


def test_without_a_keyboard_scanner_key_bursts_are_ignored(station, contract_server) -> None:
    ui = _ui(station, keyboard_scanner=False)
    try:
        scanner_burst(CODE)
        for _ in range(5):
            ui.step()
        assert ui.screen.page == "start" and _check_ins(contract_server) == []
    finally:
        ui.shut()
        pygame.key.start_text_input()
