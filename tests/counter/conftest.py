"""Fixtures for the counter station: stations on gpiozero mock pins, on a real broker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from gpiozero.pins.mock import MockFactory

from counter.station import CounterStation

#: pins of the test station (BCM numbers, as an installer would wire them)
BUTTON_PINS = {"next": 17, "recall": 27, "skip": 22, "pause": 23}
LED_PINS = {"online": 5, "busy": 6, "paused": 13, "empty": 19}
BUZZER_PIN = 26
#: the optional parts: transfer button, its LED, the "please rate" LED, the keypad
TRANSFER_PIN = 24
EXTRA_LED_PINS = {"transfer": 21, "rate": 18}
RATING_PINS = {"4": 12, "3": 25, "2": 16, "1": 20}


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Poll ``predicate`` until it holds; fail the test (naming ``what``) if it never does."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.01)


def station_config(url: str, **overrides: object) -> dict:
    """A complete counter config dict on a site of its own (no retained leftovers)."""
    cfg: dict = {
        "site": f"test-{uuid.uuid4().hex[:8]}",
        "device_id": "counter-5",
        "counter": "5",
        "mqtt_url": url,
        "debounce_s": 0.0,
        # short holds keep the tests quick; the defaults are 1.0 s and 1.5 s
        "skip_hold_s": 0.2,
        "transfer_hold_s": 0.2,
        "buttons": dict(BUTTON_PINS),
        "leds": dict(LED_PINS),
        "buzzer": BUZZER_PIN,
    }
    cfg.update(overrides)
    return cfg


def full_config(url: str, **overrides: object) -> dict:
    """``station_config`` with transfer, pause, the keypad and their LEDs wired too."""
    cfg = station_config(
        url,
        buttons={**BUTTON_PINS, "transfer": TRANSFER_PIN},
        leds={**LED_PINS, **EXTRA_LED_PINS},
        rating=dict(RATING_PINS),
        transfer_targets=["A", "B", "D"],
    )
    cfg.update(overrides)
    return cfg


@pytest.fixture
def make_station():
    """Factory: ``station, pins = make_station(cfg)``; started, connected, closed after."""
    stations: list[CounterStation] = []

    def make(cfg: dict, *, connect: bool = True) -> tuple[CounterStation, MockFactory]:
        pins = MockFactory()
        station = CounterStation.from_config(cfg, pin_factory=pins)
        stations.append(station)
        station.start()
        if connect:
            assert station.wait_connected(10), "station did not connect to the broker"
        return station, pins

    yield make
    for station in stations:
        station.close()
