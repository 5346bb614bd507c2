"""A counter set up wrongly says so on its LEDs and in its log, against the real server."""

from __future__ import annotations

import logging
import time

from counter.status_lights import BROKEN_LINK_CODE, UNKNOWN_COUNTER_CODE
from protocol import DeviceStatus, Topics, decode
from tests.counter.conftest import LED_PINS, station_config, wait_until


def blinks(pins, pin: int, within: float = 3.0) -> bool:
    """Whether the LED on ``pin`` is seen both lit and dark within ``within`` seconds."""
    seen: set[bool] = set()
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and len(seen) < 2:
        seen.add(bool(pins.pin(pin).state))
        time.sleep(0.02)
    return len(seen) == 2


def test_pointed_at_the_http_port_it_is_not_online(live_server, make_station, mqtt_probe, caplog):
    caplog.set_level(logging.INFO)
    status = Topics(live_server.site).status("counter-5")
    probe = mqtt_probe(live_server.mqtt_url, [status])
    cfg = station_config(f"mqtt://127.0.0.1:{live_server.port}", site=live_server.site)
    station, pins = make_station(cfg, connect=False)

    wait_until(lambda: station.lights.link_code == BROKEN_LINK_CODE, 15, "the broken-link code")
    assert not station.connected
    assert station.press("next") == "refused"
    assert blinks(pins, LED_PINS["online"])
    [line] = [r.getMessage() for r in caplog.records if "not as an MQTT broker" in r.getMessage()]
    assert f"cannot reach the broker at mqtt://127.0.0.1:{live_server.port}" in line
    assert not any(decode(p, DeviceStatus).online for _, p, _ in probe.messages)


def test_a_counter_number_the_server_does_not_know(live_server, make_station, caplog):
    caplog.set_level(logging.INFO)
    cfg = station_config(live_server.mqtt_url, site=live_server.site, counter="99",
                         device_id="counter-99", state_timeout_s=1)
    station, pins = make_station(cfg)

    wait_until(lambda: station.unknown_counter, 10, "the unknown counter")
    assert station.lights.link_code == UNKNOWN_COUNTER_CODE
    assert blinks(pins, LED_PINS["online"])
    assert any("does not know this counter" in r.getMessage() for r in caplog.records)
    # a press is answered by the server itself: rejected, unknown counter
    assert station.press("next") == "sent"
    wait_until(lambda: station.last_state is not None, 10, "the server's answer")
    assert station.last_state.reason == "unknown_counter"
    assert station.unknown_counter and station.lights.link_code == UNKNOWN_COUNTER_CODE


def test_a_site_the_server_does_not_know(live_server, make_station):
    cfg = station_config(live_server.mqtt_url, site="camau-hc", counter="5", state_timeout_s=1)
    station, _ = make_station(cfg)
    wait_until(lambda: station.unknown_counter, 10, "the unknown site")
    assert station.lights.link_code == UNKNOWN_COUNTER_CODE


def test_a_known_counter_shows_no_fault(live_server, make_station):
    cfg = station_config(live_server.mqtt_url, site=live_server.site, counter="5",
                         state_timeout_s=1)
    station, pins = make_station(cfg)
    wait_until(lambda: station.last_state is not None, 10, "the retained state")
    time.sleep(1.5)  # past the timeout
    assert not station.unknown_counter and station.lights.link_code is None
    assert pins.pin(LED_PINS["online"]).state
