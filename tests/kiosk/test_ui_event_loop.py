"""The real pygame kiosk loop, offscreen, with synthesized touches, against the real server."""

from __future__ import annotations

import uuid

import pytest
import requests
from escpos.printer import Dummy

from kiosk.printer_spec import open_printer
from kiosk.screen_model import CONFIRM_SECONDS
from kiosk.station import KioskStation
from kiosk.touch_ui import RETRY_SECONDS, TouchUI
from protocol import DeviceStatus, Topics, decode
from tests.kiosk.network_printer import PAPER_OK, PAPER_OUT, NetworkPrinter
from tests.kiosk.ui_driver import (
    SIZE,
    FakeClock,
    button_rect,
    centre,
    finger_tap,
    mouse_click,
    run_until,
)


def _cfg(live_server, tmp_path, **extra) -> dict:
    return {
        "site": live_server.site, "device_id": "kiosk-1", "server_url": live_server.url,
        "device_token": live_server.tokens["kiosk-1"], "profile": "TM-T20II",
        "data_dir": str(tmp_path / "kiosk-data"), **extra,
    }


def _waiting(live_server, code: str) -> int:
    body = requests.get(f"{live_server.url}/api/v1/services", timeout=5).json()
    return next(s["waiting"] for s in body["services"] if s["code"] == code)


@pytest.fixture
def kiosk_ui(live_server, tmp_path):
    """A kiosk (Dummy printer) on the real server, its display open offscreen."""
    station = KioskStation.from_config(_cfg(live_server, tmp_path),
                                       printer=Dummy(profile="TM-T20II"))
    station.client.retry_pause = 0.01
    clock = FakeClock()
    ui = TouchUI(station, SIZE, clock=clock)
    ui.clock_control = clock
    ui.open(size=SIZE)
    run_until(ui, lambda: ui.screen.page == "start")
    yield ui
    ui.shut()
    station.close()


def test_choose_priority_and_a_field_then_back_to_start(kiosk_ui, live_server) -> None:
    ui, clock = kiosk_ui, kiosk_ui.clock_control
    output = ui.station.printer.printer
    assert {"B", "C", "E"} <= {b.value for b in ui.screen.buttons() if b.action == "service"}

    finger_tap(ui, *centre(button_rect(ui, "priority")))
    run_until(ui, lambda: ui.screen.priority)
    ui.step()
    assert ui.screen.priority  # the emulated mouse click of the same touch did not undo it

    finger_tap(ui, *centre(button_rect(ui, "service", "C")))
    run_until(ui, lambda: ui.screen.page == "confirm")
    ticket = ui.screen.ticket
    assert ticket["number"].startswith("C") and ticket["priority"] is True
    assert b"\x1dv0" in output.output  # the raster reached the printer
    assert _waiting(live_server, "C") == 1

    clock.now += CONFIRM_SECONDS + 0.1
    run_until(ui, lambda: ui.screen.page == "start")
    assert not ui.screen.priority and ui.screen.ticket is None


def test_repeated_taps_give_one_ticket(kiosk_ui, live_server) -> None:
    ui, clock = kiosk_ui, kiosk_ui.clock_control
    target = centre(button_rect(ui, "service", "E"))
    for _ in range(5):  # an impatient finger
        mouse_click(*target)
    run_until(ui, lambda: ui.screen.page == "confirm")
    for _ in range(3):
        ui.step()
    assert _waiting(live_server, "E") == 1
    # "Xong" after the tap guard, then taps within the lockout are ignored
    clock.now += 1.0
    mouse_click(*centre(button_rect(ui, "done")))
    run_until(ui, lambda: ui.screen.page == "start")
    mouse_click(*centre(button_rect(ui, "service", "E")))
    for _ in range(5):
        ui.step()
    assert ui.screen.page == "start" and _waiting(live_server, "E") == 1
    clock.now += ui.lockout
    mouse_click(*centre(button_rect(ui, "service", "E")))
    run_until(ui, lambda: ui.screen.page == "confirm")
    assert _waiting(live_server, "E") == 2


def test_server_down_says_so_prints_nothing_and_recovers(kiosk_ui, live_server) -> None:
    ui, clock = kiosk_ui, kiosk_ui.clock_control
    output = ui.station.printer.printer
    live_server.stop()
    finger_tap(ui, *centre(button_rect(ui, "service", "B")))
    run_until(ui, lambda: ui.screen.page == "error")
    assert ui.screen.error.code == "unreachable"
    assert ui.screen.error.message.startswith("Không kết nối được máy chủ")
    assert output.output == b""
    assert not [b for b in ui.screen.buttons() if b.action == "service"]
    # it keeps trying on its own; once the server is back, tickets are offered again
    live_server.start()
    clock.now += RETRY_SECONDS + 0.1
    run_until(ui, lambda: ui.screen.page == "start", timeout=30)
    assert ui.screen.blocking is None


def test_paper_out_stops_tickets_and_is_published(live_server, mosquitto, mqtt_probe,
                                                 tmp_path) -> None:
    device = NetworkPrinter(paper=PAPER_OUT)
    device_id = f"kiosk-{uuid.uuid4().hex[:8]}"
    probe = mqtt_probe(mosquitto.url, [Topics(live_server.site).status(device_id)])
    station = KioskStation.from_config(
        _cfg(live_server, tmp_path, device_id=device_id, mqtt_url=mosquitto.url),
        printer=open_printer(device.spec, "TM-T20II"),
    )
    clock = FakeClock()
    ui = TouchUI(station, SIZE, clock=clock)
    ui.open(size=SIZE)
    try:
        run_until(ui, lambda: ui.screen.page == "error")
        assert ui.screen.error.message == "Máy in hết giấy — vui lòng liên hệ cán bộ"
        assert not [b for b in ui.screen.buttons() if b.action == "service"]
        probe.wait_for(lambda t, p: decode(p, DeviceStatus).printer == "paper_out")
        mouse_click(SIZE[0] // 4, SIZE[1] // 3)  # where a field button was
        for _ in range(5):
            ui.step()
        assert _waiting(live_server, "B") == 0

        device.paper = PAPER_OK
        clock.now += RETRY_SECONDS + 0.1
        run_until(ui, lambda: ui.screen.page == "start")
        probe.wait_for(lambda t, p: decode(p, DeviceStatus).printer == "ok")
        finger_tap(ui, *centre(button_rect(ui, "service", "B")))
        run_until(ui, lambda: ui.screen.page == "confirm")
        assert ui.screen.ticket["number"].startswith("B")
    finally:
        ui.shut()
        station.close()
        device.close()
