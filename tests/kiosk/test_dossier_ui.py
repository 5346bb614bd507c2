"""Results pickup at the kiosk through the real pygame loop against the contract server:
a scanned dossier receipt (keyboard-mode burst and a serial scanner on a pseudo-terminal),
the "Nhập mã hồ sơ" keyboard, every dossier status, and the printed ticket's code."""

from __future__ import annotations

import json
import os
import pty

import pytest
from escpos.printer import Dummy
from PIL import ImageChops

from kiosk.barcode_scanner import SerialScanner
from kiosk.screen_model import DOSSIER_SECONDS
from kiosk.station import KioskStation
from kiosk.ticket_image import render_ticket
from kiosk.touch_ui import TouchUI
from kiosk.ui_text import dossier_text
from tests.kiosk.escpos_raster import decode_raster
from tests.kiosk.ui_driver import (
    SIZE,
    FakeClock,
    button_rect,
    centre,
    finger_tap,
    run_until,
    scanner_burst,
)

READY = "000.00.12.H12-261204-0001"
WORKING = "000.00.12.H12-261204-0002"
RECEIPT = json.dumps({"MaHoSo": READY, "MaTTHC": "1.004227", "NgayHenTra": "04/12/2026"})
TZ = "Asia/Ho_Chi_Minh"


@pytest.fixture
def station(kiosk_cfg, contract_server):
    contract_server.services.append({"code": "R", "name_vi": "Trả kết quả",
                                     "name_en": "Results pickup", "prefix": "R"})
    contract_server.results_services = {"R"}
    contract_server.dossiers = {
        READY: {"status": "ready", "return_date": "2026-12-04"},
        WORKING: {"status": "in_progress", "return_date": "2026-12-11"},
        "CM-2026-9": {"status": "returned", "return_date": "2026-11-20"},
    }
    station = KioskStation.from_config(kiosk_cfg, printer=Dummy(profile="TM-T20II"))
    station.client.retry_pause = 0.01
    station.client.timeout = 2.0
    yield station
    station.close()


@pytest.fixture
def ui(station):
    clock = FakeClock()
    kiosk = TouchUI(station, SIZE, clock=clock)
    kiosk.clock_control = clock
    kiosk.open(size=SIZE)
    run_until(kiosk, lambda: kiosk.screen.page == "start")
    yield kiosk
    kiosk.shut()


def _printed(ui: TouchUI) -> bytes:
    return ui.station.printer.printer.output


def _tickets(server) -> list[dict]:
    return [body for method, path, _, body in server.requests
            if method == "POST" and path == "/api/v1/tickets"]


def test_a_scanned_receipt_shows_ready_and_prints_a_results_ticket_with_its_code(
        ui, contract_server):
    scanner_burst(RECEIPT)
    run_until(ui, lambda: ui.screen.page == "dossier")
    assert ui.screen.dossier["status"] == "ready"
    headline, _ = dossier_text(ui.screen.dossier, "vi")
    assert headline == "Đã có kết quả, hẹn trả ngày 04/12/2026"
    finger_tap(ui, *centre(button_rect(ui, "collect", "R")))
    run_until(ui, lambda: ui.screen.page == "confirm")
    ticket = ui.screen.ticket
    assert ticket["number"] == "R001" and ticket["dossier_codes"] == [READY]
    # the raw receipt text went to the server, which reads it (one parser)
    assert _tickets(contract_server)[-1]["dossier"] == RECEIPT
    printed = decode_raster(_printed(ui))
    expected = render_ticket(ticket, 576, "vi", TZ, ticket["site_name"])
    assert ImageChops.difference(printed.convert("L"), expected.convert("L")).getbbox() is None
    without = render_ticket({**ticket, "dossier_codes": []}, 576, "vi", TZ)
    assert expected.height > without.height  # "Mã hồ sơ" and the code are on the paper


def test_not_ready_tells_the_return_date_and_issues_nothing(ui, contract_server):
    scanner_burst(WORKING)
    run_until(ui, lambda: ui.screen.page == "dossier")
    assert dossier_text(ui.screen.dossier, "vi")[0] == "Đang giải quyết, hẹn trả ngày 11/12/2026"
    assert [b.action for b in ui.screen.buttons()] == ["done", "language"]
    assert _tickets(contract_server) == []
    ui.clock_control.now += DOSSIER_SECONDS + 0.1
    run_until(ui, lambda: ui.screen.page == "start")


def test_not_ready_gets_a_ticket_where_the_site_allows_it(ui, contract_server):
    contract_server.results_when_not_ready = True
    ui.refresh()
    run_until(ui, lambda: ui.screen.results_service.get("results_when_not_ready"))
    scanner_burst(WORKING)
    run_until(ui, lambda: ui.screen.page == "dossier")
    finger_tap(ui, *centre(button_rect(ui, "collect", "R")))
    run_until(ui, lambda: ui.screen.page == "confirm")
    assert ui.screen.ticket["dossier_codes"] == [WORKING]


def test_a_returned_or_unknown_dossier_gets_no_ticket(ui, contract_server):
    for code, words in (("CM-2026-9", "Đã trả kết quả"), ("CM-404", "Không tìm thấy hồ sơ này")):
        scanner_burst(code)
        run_until(ui, lambda: ui.screen.page == "dossier")
        assert dossier_text(ui.screen.dossier, "vi")[0].startswith(words)
        assert "collect" not in [b.action for b in ui.screen.buttons()]
        finger_tap(ui, *centre(button_rect(ui, "done")))
        run_until(ui, lambda: ui.screen.page == "start")
    assert _tickets(contract_server) == []


def test_when_nothing_can_be_checked_the_kiosk_says_so_and_still_issues(ui, contract_server):
    contract_server.dossier_system_down = True  # no connector, or it did not answer in time
    scanner_burst(WORKING)
    run_until(ui, lambda: ui.screen.page == "dossier")
    assert dossier_text(ui.screen.dossier, "vi")[0] == "Hiện không kiểm tra được tình trạng hồ sơ"
    finger_tap(ui, *centre(button_rect(ui, "collect", "R")))
    run_until(ui, lambda: ui.screen.page == "confirm")
    assert ui.screen.ticket["dossier_codes"] == [WORKING]
    assert b"\x1dv0" in _printed(ui)


def test_the_dossier_keyboard(ui, contract_server):
    finger_tap(ui, *centre(button_rect(ui, "dossier_entry")))
    run_until(ui, lambda: ui.screen.page == "dossier_code")
    submit = next(b for b in ui.screen.buttons() if b.action == "dossier_submit")
    assert not submit.enabled
    for ch in READY + "9":
        finger_tap(ui, *centre(button_rect(ui, "dossier_key", ch)))
        ui.step()
    finger_tap(ui, *centre(button_rect(ui, "dossier_delete")))
    ui.step()
    assert ui.screen.dossier_typed == READY
    finger_tap(ui, *centre(button_rect(ui, "dossier_submit")))
    run_until(ui, lambda: ui.screen.page == "dossier")
    finger_tap(ui, *centre(button_rect(ui, "collect", "R")))
    run_until(ui, lambda: ui.screen.page == "confirm")
    assert ui.screen.ticket["dossier_codes"] == [READY]


@pytest.mark.parametrize("text", [
    "https://example.com/pay?x=1",
    "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA5303704"
    "5802VN6304ABCD",
    "Xin chào quý khách",
])
def test_garbage_is_unreadable_and_issues_nothing(ui, contract_server, text):
    scanner_burst(text)
    run_until(ui, lambda: ui.screen.page == "notice")
    assert ui.screen.notice.code in ("unreadable", "bad_dossier")
    assert _tickets(contract_server) == []


def test_without_a_results_field_a_receipt_is_unreadable(station, contract_server):
    contract_server.results_services = set()
    clock = FakeClock()
    kiosk = TouchUI(station, SIZE, clock=clock)
    kiosk.open(size=SIZE)
    try:
        run_until(kiosk, lambda: kiosk.screen.page == "start")
        assert "dossier_entry" not in [b.action for b in kiosk.screen.buttons()]
        scanner_burst(READY)
        run_until(kiosk, lambda: kiosk.screen.page == "notice")
        assert kiosk.screen.notice.code == "unreadable"
    finally:
        kiosk.shut()


def test_a_serial_scanner_on_a_pseudo_terminal(ui, contract_server):
    master, slave = pty.openpty()
    reader = SerialScanner(os.ttyname(slave), ui.scan, baudrate=9600).start()
    try:
        assert reader.connected.wait(5)
        os.write(master, f"MaHoSo={READY};NgayHenTra=04/12/2026\r\n".encode())
        run_until(ui, lambda: ui.screen.page == "dossier")
        finger_tap(ui, *centre(button_rect(ui, "collect", "R")))
        run_until(ui, lambda: ui.screen.page == "confirm")
        assert ui.screen.ticket["dossier_codes"] == [READY]
    finally:
        reader.stop()
        os.close(master)
        os.close(slave)
