"""The station against a real Mosquitto, with gpiozero mock pins at the hardware edge."""

from __future__ import annotations

import uuid

import pytest

from counter.station import CounterStation
from protocol import Command, CounterState, DeviceStatus, Topics, decode, encode
from protocol.config_file import ConfigError
from tests.counter.conftest import BUZZER_PIN, LED_PINS, station_config, wait_until


def commands_on(probe, topic: str) -> list[Command]:
    return [decode(p, Command) for t, p, _ in list(probe.messages) if t == topic]


def is_action(topic: str, action: str):
    return lambda t, p: t == topic and decode(p, Command).action == action


def test_each_button_sends_one_command(mosquitto, mqtt_probe, make_station) -> None:
    cfg = station_config(mosquitto.url)
    cmd = Topics(cfg["site"]).cmd("5")
    probe = mqtt_probe(mosquitto.url, [cmd])
    station, _ = make_station(cfg)

    for action in ("next", "recall"):
        assert station.press(action) == "sent"
        probe.wait_for(is_action(cmd, action))
    assert station.hold("skip") == "sent"  # skip needs a hold (skip_hold_s)
    probe.wait_for(is_action(cmd, "skip"))

    commands = commands_on(probe, cmd)
    assert [c.action for c in commands] == ["next", "recall", "skip"]
    assert len({c.id for c in commands}) == 3
    assert all(c.ts is not None for c in commands)
    assert cmd == f"motcua/{cfg['site']}/counter/5/cmd"


def test_second_press_within_debounce_sends_nothing(mosquitto, mqtt_probe, make_station) -> None:
    cfg = station_config(mosquitto.url, debounce_s=5.0)
    cmd = Topics(cfg["site"]).cmd("5")
    probe = mqtt_probe(mosquitto.url, [cmd])
    station, _ = make_station(cfg)

    assert station.press("next") == "sent"
    assert station.press("next") == "debounced"
    # a different button is not debounced; being later on the same link, its
    # arrival proves that anything sent before it has arrived too
    assert station.press("recall") == "sent"
    probe.wait_for(is_action(cmd, "recall"))
    assert [c.action for c in commands_on(probe, cmd)] == ["next", "recall"]


def test_retained_status_online_then_offline_after_close(
    mosquitto, mqtt_probe, make_station
) -> None:
    cfg = station_config(mosquitto.url)
    status = Topics(cfg["site"]).status("counter-5")
    early = mqtt_probe(mosquitto.url, [status])
    station, _ = make_station(cfg)
    early.wait_for(lambda t, p: decode(p, DeviceStatus).online)

    late = mqtt_probe(mosquitto.url, [status])  # subscribes after: sees the retained copy
    _, payload = late.wait_for(lambda t, p: decode(p, DeviceStatus).online)
    online = decode(payload, DeviceStatus)
    assert (online.device, online.kind) == ("counter-5", "counter")
    assert late.messages[0][2], "status must be retained"

    station.close()
    late.wait_for(lambda t, p: not decode(p, DeviceStatus).online)
    after = mqtt_probe(mosquitto.url, [status])
    _, payload = after.wait_for(lambda t, p: True)
    assert decode(payload, DeviceStatus).online is False


def test_state_updates_ticket_and_lights(mosquitto, mqtt_probe, make_station) -> None:
    cfg = station_config(mosquitto.url)
    state_topic = Topics(cfg["site"]).state("5")
    probe = mqtt_probe(mosquitto.url, [state_topic])
    station, pins = make_station(cfg)
    busy = pins.pin(LED_PINS["busy"])
    empty = pins.pin(LED_PINS["empty"])
    paused = pins.pin(LED_PINS["paused"])
    online = pins.pin(LED_PINS["online"])

    assert station.current_ticket is None
    assert not busy.state
    assert online.state and station.lights.pattern("online") == "on"

    state = CounterState(counter="5", ticket="A012", service="A", waiting=0, seq=1)
    probe.publish(state_topic, encode(state), retain=True)
    wait_until(lambda: station.current_ticket == "A012", what="ticket A012")
    assert busy.state and empty.state and not paused.state
    assert station.last_state.seq == 1

    state = CounterState(counter="5", ticket=None, paused=True, waiting=4, seq=2)
    probe.publish(state_topic, encode(state), retain=True)
    wait_until(lambda: station.last_state.seq == 2, what="state seq 2")
    assert station.current_ticket is None
    assert not busy.state and not empty.state and paused.state


def test_retained_state_is_picked_up_at_start(mosquitto, mqtt_probe, make_station) -> None:
    cfg = station_config(mosquitto.url)
    state_topic = Topics(cfg["site"]).state("5")
    probe = mqtt_probe(mosquitto.url, [state_topic])
    probe.publish(
        state_topic,
        encode(CounterState(counter="5", ticket="B007", waiting=2, result="empty",
                            last_cmd=str(uuid.uuid4()), seq=9)),
        retain=True,
    )
    station, pins = make_station(cfg)
    wait_until(lambda: station.current_ticket == "B007", what="retained ticket")
    assert pins.pin(LED_PINS["busy"]).state
    # an old answer replayed by the broker is not a new failure: no buzz for it
    probe.publish(state_topic, encode(CounterState(counter="5", ticket="B007", seq=10)))
    wait_until(lambda: station.last_state.seq == 10, what="state seq 10")
    assert not any(s.state for s in pins.pin(BUZZER_PIN).states)


def test_malformed_states_are_dropped(mosquitto, mqtt_probe, make_station) -> None:
    cfg = station_config(mosquitto.url)
    state_topic = Topics(cfg["site"]).state("5")
    probe = mqtt_probe(mosquitto.url, [state_topic])
    station, _ = make_station(cfg)

    for bad in (
        b"not json",
        b"\xff\xfe",
        b'{"v": 2, "counter": "5", "ticket": "X1"}',
        b'{"v": 1, "ticket": "X2"}',
        b'{"v": 1, "counter": "5", "ticket": "X3", "result": "maybe"}',
        encode(CounterState(counter="4", ticket="X4")),  # another counter's state
    ):
        probe.publish(state_topic, bad)
    probe.publish(state_topic, encode(CounterState(counter="5", ticket="A001", seq=3)))
    wait_until(lambda: station.current_ticket == "A001", what="the good state")
    assert station.connected


def test_rejected_or_empty_answer_buzzes(mosquitto, mqtt_probe, make_station) -> None:
    cfg = station_config(mosquitto.url)
    topics = Topics(cfg["site"])
    probe = mqtt_probe(mosquitto.url, [topics.cmd("5")])
    station, pins = make_station(cfg)
    buzzer = pins.pin(BUZZER_PIN)

    assert station.press("next") == "sent"
    _, payload = probe.wait_for(is_action(topics.cmd("5"), "next"))
    command = decode(payload, Command)
    answer = CounterState(
        counter="5", ticket=None, waiting=0, last_cmd=command.id, result="empty", seq=4
    )
    probe.publish(topics.state("5"), encode(answer), retain=True)
    wait_until(lambda: sum(s.state for s in buzzer.states) >= 2, what="the buzzer beeping")
    assert station.last_state.result == "empty"


def test_press_while_broker_down_is_refused_and_never_sent(
    private_mosquitto, mqtt_probe, make_station
) -> None:
    cfg = station_config(private_mosquitto.url)
    topics = Topics(cfg["site"])
    cmd, status = topics.cmd("5"), topics.status("counter-5")
    station, pins = make_station(cfg)
    online = pins.pin(LED_PINS["online"])
    buzzer = pins.pin(BUZZER_PIN)

    # The station announces itself (status) on reconnect before paho would resend
    # anything left over, so a probe that gets that status live, not as a retained
    # copy, was listening early enough to see a late command. Retry in the rare case
    # the station got back before the probe did.
    for _ in range(3):
        private_mosquitto.stop()
        wait_until(
            lambda: station.lights.pattern("online") == "blink", what="online light blinking"
        )
        assert not station.connected
        beeps = sum(s.state for s in buzzer.states)
        assert station.press("next") == "refused"
        wait_until(
            lambda before=beeps: sum(s.state for s in buzzer.states) > before, what="a beep"
        )

        private_mosquitto.start()
        probe = mqtt_probe(private_mosquitto.url, [cmd, status])
        assert station.wait_connected(20), "station did not reconnect by itself"
        probe.wait_for(lambda t, p: t == status and decode(p, DeviceStatus).online)
        if not any(t == status and retained for t, _, retained in probe.messages):
            break
    else:
        pytest.fail("the probe never subscribed before the station reconnected")

    wait_until(lambda: station.lights.pattern("online") == "on", what="online light steady")
    wait_until(lambda: online.state, what="online LED lit")
    assert station.press("recall") == "sent"
    probe.wait_for(is_action(cmd, "recall"))
    assert [c.action for c in commands_on(probe, cmd)] == ["recall"]


def test_station_reconnects_after_broker_restart(
    private_mosquitto, mqtt_probe, make_station
) -> None:
    cfg = station_config(private_mosquitto.url)
    status = Topics(cfg["site"]).status("counter-5")
    station, pins = make_station(cfg)

    private_mosquitto.restart(0.5)  # no persistence: the retained status is gone
    probe = mqtt_probe(private_mosquitto.url, [status])
    probe.wait_for(lambda t, p: decode(p, DeviceStatus).online, timeout=20)
    assert station.wait_connected(5)
    wait_until(lambda: pins.pin(LED_PINS["online"]).state, what="online LED lit")
    assert station.lights.pattern("online") == "on"


def test_station_starts_while_broker_is_down(private_mosquitto, make_station) -> None:
    cfg = station_config(private_mosquitto.url)
    private_mosquitto.stop()
    station, _ = make_station(cfg, connect=False)
    assert station.lights.pattern("online") == "blink"
    assert station.press("next") == "refused"
    private_mosquitto.start()
    assert station.wait_connected(20)


def test_from_config_rejects_bad_config() -> None:
    with pytest.raises(ConfigError, match="'buttons.call'"):
        CounterStation.from_config(station_config("mqtt://127.0.0.1:1", buttons={"call": 3}))
