"""A booking made over the real API, its slip scanned at the real kiosk loop, checked in
by the real server process: the kiosk offers check-in because the server says field A
takes appointments, and the paper carries the appointment number and time."""

from __future__ import annotations

import pytest
import requests
from escpos.printer import Dummy

from kiosk.screen_model import CONFIRM_SECONDS
from kiosk.station import KioskStation
from kiosk.touch_ui import TouchUI
from tests.kiosk.ui_driver import SIZE, FakeClock, run_until, scanner_burst
from tests.queue_server.test_appointment_live import next_slot
from tests.queue_server.test_appointment_live import server as all_day_server  # noqa: F401


@pytest.fixture
def kiosk_ui(all_day_server, tmp_path):  # noqa: F811
    station = KioskStation.from_config({
        "site": all_day_server.site, "device_id": "kiosk-1",
        "server_url": all_day_server.url, "device_token": all_day_server.tokens["kiosk-1"],
        "profile": "TM-T20II", "data_dir": str(tmp_path / "kiosk-data"),
        "public_url": all_day_server.url,
    }, printer=Dummy(profile="TM-T20II"))
    clock = FakeClock()
    ui = TouchUI(station, SIZE, clock=clock)
    ui.clock_control = clock
    ui.open(size=SIZE)
    run_until(ui, lambda: ui.screen.page == "start")
    yield ui
    ui.shut()
    station.close()


def test_a_scanned_booking_is_checked_in_by_the_server_and_printed(kiosk_ui, all_day_server):  # noqa: F811
    ui = kiosk_ui
    assert ui.screen.appointments_shown  # from the server's services list, not a kiosk setting
    booked = requests.post(f"{all_day_server.url}/api/v1/appointments", timeout=5, json={
        "service": "A", "start": next_slot(all_day_server), "name": "Trần Văn Bình",
        "phone": "0987654321"})
    assert booked.status_code == 201, booked.text
    slip = booked.json()["cancel_url"]  # what the booking QR holds
    assert "/booking/" in slip
    scanner_burst(slip)
    run_until(ui, lambda: ui.screen.page == "confirm")
    ticket = ui.screen.ticket
    assert ticket["number"].startswith("H") and ticket["appointment_start"]
    assert len(ui.station.printer.printer.output) > 1000
    status = requests.get(f"{all_day_server.url}/api/v1/appointments/{booked.json()['code']}",
                          timeout=5).json()
    assert status["status"] == "checked_in"
    # the same slip again later: the server answers with the same ticket
    ui.clock_control.now += CONFIRM_SECONDS + 1
    run_until(ui, lambda: ui.screen.page == "start")
    scanner_burst(slip)
    run_until(ui, lambda: ui.screen.page == "confirm")
    assert ui.screen.ticket["id"] == ticket["id"]
