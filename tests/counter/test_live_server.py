"""The call station against the real queue server (subprocess) and the real broker."""

from __future__ import annotations

from protocol import Call, Command, Topics, decode
from tests.counter.conftest import BUZZER_PIN, LED_PINS, station_config, wait_until


def test_next_calls_the_ticket_issued_over_http(live_server, mqtt_probe, make_station) -> None:
    topics = Topics(live_server.site)
    probe = mqtt_probe(live_server.mqtt_url, [topics.cmd("5"), topics.calls])
    ticket = live_server.take_ticket("C")  # counter 5 serves field C in the example site

    cfg = station_config(live_server.mqtt_url, site=live_server.site)
    station, pins = make_station(cfg)

    assert station.press("next") == "sent"
    _, payload = probe.wait_for(lambda t, p: t == topics.cmd("5"))
    command = decode(payload, Command)
    wait_until(
        lambda: station.last_state is not None and station.last_state.last_cmd == command.id,
        timeout=20,
        what="the server's answer to the press",
    )
    assert station.last_state.result == "ok"
    assert station.current_ticket == ticket["number"]
    assert pins.pin(LED_PINS["busy"]).state
    _, payload = probe.wait_for(lambda t, p: t == topics.calls)
    call = decode(payload, Call)
    assert (call.ticket, call.counter) == (ticket["number"], "5")

    # nothing else waits for field C: the next press completes it and finds no one
    assert station.press("next") == "sent"
    wait_until(
        lambda: station.last_state.last_cmd != command.id, timeout=20, what="second answer"
    )
    assert station.last_state.result == "empty"
    assert station.current_ticket is None
    buzzer = pins.pin(BUZZER_PIN)
    wait_until(lambda: sum(s.state for s in buzzer.states) >= 2, what="the 'empty' beeps")
