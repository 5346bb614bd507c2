"""A dossier receipt scanned at the real kiosk loop, read and looked up by the real server
process, which asks the dossier system process (tests/support/dossier_system.py) — and
the same with no dossier system configured (connector "none")."""

from __future__ import annotations

import json

import pytest
import requests
from escpos.printer import Dummy

from kiosk.station import KioskStation
from kiosk.touch_ui import TouchUI
from tests.kiosk.ui_driver import (
    SIZE,
    FakeClock,
    button_rect,
    centre,
    finger_tap,
    run_until,
    scanner_burst,
)
from tests.support.dossier_process import dossier_system
from tests.support.live_server import LiveServer

READY = "000.00.12.H12-261204-0001"
WORKING = "000.00.12.H12-261204-0002"


def _kiosk(server: LiveServer, folder) -> TouchUI:
    station = KioskStation.from_config({
        "site": server.site, "device_id": "kiosk-1", "server_url": server.url,
        "device_token": server.tokens["kiosk-1"], "profile": "TM-T20II",
        "data_dir": str(folder / "kiosk-data"),
    }, printer=Dummy(profile="TM-T20II"))
    ui = TouchUI(station, SIZE, clock=FakeClock())
    ui.open(size=SIZE)
    run_until(ui, lambda: ui.screen.page == "start" and ui.screen.results_service is not None)
    return ui


@pytest.fixture
def connected(tmp_path, mosquitto):
    with dossier_system(tmp_path) as url:
        server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url, extra_config=(
            f'\n[dossier]\nconnector = "http"\nurl = "{url}"\ntimeout_s = 1\n'))
        server.prepare()
        server.start()
        yield server
        server.stop()


def test_a_ready_dossier_gets_a_results_ticket_with_its_code(connected, tmp_path):
    ui = _kiosk(connected, tmp_path)
    try:
        scanner_burst(json.dumps({"MaHoSo": READY, "NgayHenTra": "04/12/2026"}))
        run_until(ui, lambda: ui.screen.page == "dossier")
        assert ui.screen.dossier == {"code": READY, "status": "ready",
                                     "return_date": "2026-12-04", "checked": True}
        finger_tap(ui, *centre(button_rect(ui, "collect", "R")))
        run_until(ui, lambda: ui.screen.page == "confirm")
        ticket = ui.screen.ticket
        assert ticket["service"] == "R" and ticket["dossier_codes"] == [READY]
        assert len(ui.station.printer.printer.output) > 1000
        stored = requests.get(f"{connected.url}/api/v1/tickets/{ticket['id']}", timeout=5)
        assert stored.json()["dossier_codes"] == [READY]
        # not ready: the return date, and the server would refuse the ticket too
        ui.clock.now += ui.lockout + 0.1  # past the lockout after a ticket
        ui.screen.back_to_start(ui.clock())
        scanner_burst(WORKING)
        run_until(ui, lambda: ui.screen.page == "dossier")
        assert ui.screen.dossier["status"] == "in_progress"
        assert "collect" not in [b.action for b in ui.screen.buttons()]
        refused = requests.post(f"{connected.url}/api/v1/tickets", timeout=5, json={
            "service": "R", "dossier": WORKING},
            headers={"Authorization": f"Bearer {connected.tokens['kiosk-1']}"})
        assert refused.status_code == 409
        assert refused.json()["error"]["return_date"] == "2026-12-11"
    finally:
        ui.shut()
        ui.station.close()


def test_a_slow_dossier_system_is_not_checked_and_still_gets_a_ticket(connected, tmp_path):
    ui = _kiosk(connected, tmp_path)
    try:
        scanner_burst("HANG-2026-1")
        run_until(ui, lambda: ui.screen.page == "dossier")
        assert ui.screen.dossier["checked"] is False
        finger_tap(ui, *centre(button_rect(ui, "collect", "R")))
        run_until(ui, lambda: ui.screen.page == "confirm")
        assert ui.screen.ticket["dossier_codes"] == ["HANG-2026-1"]
    finally:
        ui.shut()
        ui.station.close()


def test_without_a_dossier_system_a_results_ticket_carries_the_code(live_server, tmp_path):
    ui = _kiosk(live_server, tmp_path)
    try:
        scanner_burst(WORKING)
        run_until(ui, lambda: ui.screen.page == "dossier")
        assert ui.screen.dossier["checked"] is False
        finger_tap(ui, *centre(button_rect(ui, "collect", "R")))
        run_until(ui, lambda: ui.screen.page == "confirm")
        assert ui.screen.ticket["dossier_codes"] == [WORKING]
    finally:
        ui.shut()
        ui.station.close()
