"""Physical field buttons (gpiozero, MockFactory pins) driving the kiosk on the real server."""

from __future__ import annotations

import pytest
import requests
from escpos.printer import Dummy
from gpiozero.pins.mock import MockFactory

from kiosk.kiosk_config import KioskConfig, parse_buttons
from kiosk.service_buttons import ServiceButtons
from kiosk.station import KioskStation
from kiosk.touch_ui import TouchUI
from protocol.config_file import ConfigError
from tests.kiosk.ui_driver import SIZE, FakeClock, run_until

PINS = {"B": 17, "C": 27, "priority": 22}


def _press(buttons: ServiceButtons, name: str) -> None:
    pin = buttons.buttons[name].pin
    pin.drive_low()   # pressed: the switch pulls the pin to ground
    pin.drive_high()  # released


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"A": 28}, "buttons.A"),
        ({"A": -1}, "buttons.A"),
        ({"A": "17"}, "buttons.A"),
        ({"A": True}, "buttons.A"),
        ({"A": 17, "B": 17}, "buttons.B"),
        ({"A": 5, "priority": 5}, "buttons.priority"),
    ],
)
def test_bad_button_config_names_the_key(table, key) -> None:
    with pytest.raises(ConfigError, match=f"'{key}'"):
        parse_buttons(table)


def test_button_config_from_the_kiosk_toml(kiosk_cfg) -> None:
    config = KioskConfig.from_dict({**kiosk_cfg, "buttons": {"A": 0, "B": 27, "priority": 4}})
    assert config.buttons == {"A": 0, "B": 27, "priority": 4}
    assert KioskConfig.from_dict(kiosk_cfg).buttons == {}
    with pytest.raises(ConfigError, match="'buttons'"):
        KioskConfig.from_dict({**kiosk_cfg, "buttons": [17, 27]})
    with pytest.raises(ConfigError, match="'lockout_s'"):
        KioskConfig.from_dict({**kiosk_cfg, "lockout_s": -1})


def test_buttons_take_tickets_on_the_real_server(live_server, tmp_path) -> None:
    station = KioskStation.from_config({
        "site": live_server.site, "device_id": "kiosk-1", "server_url": live_server.url,
        "device_token": live_server.tokens["kiosk-1"], "profile": "TM-T20II",
        "data_dir": str(tmp_path / "kiosk-data"), "buttons": PINS,
    }, printer=Dummy(profile="TM-T20II"))
    clock = FakeClock()
    ui = TouchUI(station, SIZE, clock=clock, lockout=station.config.lockout_s)
    ui.open(size=SIZE)
    buttons = ServiceButtons(station.config.buttons, ui.press_service, ui.press_priority,
                             pin_factory=MockFactory(), bounce_time=None)
    try:
        run_until(ui, lambda: ui.screen.page == "start")
        _press(buttons, "priority")
        _press(buttons, "B")
        _press(buttons, "B")  # a second press at once: no second ticket
        run_until(ui, lambda: ui.screen.page == "confirm")
        first = ui.screen.ticket
        assert first["number"].startswith("B") and first["priority"] is True
        for _ in range(5):
            ui.step()

        # within the lockout nothing happens, even on the confirmation page
        _press(buttons, "C")
        for _ in range(5):
            ui.step()
        assert ui.screen.ticket is first

        # the next citizen, a few seconds later, presses C on the confirmation page
        clock.now += station.config.lockout_s + 0.1
        _press(buttons, "C")
        run_until(ui, lambda: ui.screen.ticket is not None and ui.screen.ticket is not first)
        second = ui.screen.ticket
        assert second["number"].startswith("C") and second["priority"] is False

        body = requests.get(f"{live_server.url}/api/v1/services", timeout=5).json()
        waiting = {s["code"]: s["waiting"] for s in body["services"]}
        assert (waiting["B"], waiting["C"]) == (1, 1)
        assert station.printer.printer.output.count(b"\x1dv0") >= 2
    finally:
        buttons.close()
        ui.shut()
        station.close()
