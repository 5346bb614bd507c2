"""Button sequences on mock pins against a real Mosquitto; the test plays the server.

Pause toggles from the latest state, skip and transfer need holds, the transfer
choice blinks its position, and the rating keypad listens only after one of this
station's own presses has finished a ticket.
"""

from __future__ import annotations

import uuid

from protocol import Command, CounterState, Topics, decode, encode
from tests.counter.conftest import BUTTON_PINS, EXTRA_LED_PINS, LED_PINS, full_config, wait_until


def commands_on(probe, topic: str) -> list[Command]:
    return [decode(p, Command) for t, p, _ in list(probe.messages) if t == topic]


class FakeServer:
    """Publishes the counter's state the way the server does, and reads its commands."""

    def __init__(self, probe, site: str) -> None:
        self.probe = probe
        self.topics = Topics(site)
        self.seq = 0
        self.taken: set[str] = set()

    def command(self, action: str) -> Command:
        """The first command of ``action`` not handed out before."""
        cmd = self.topics.cmd("5")

        def unseen(t: str, p: bytes) -> bool:
            if t != cmd:
                return False
            command = decode(p, Command)
            return command.action == action and command.id not in self.taken

        _, payload = self.probe.wait_for(unseen)
        command = decode(payload, Command)
        self.taken.add(command.id)
        return command

    def state(self, station, **fields: object) -> CounterState:
        self.seq += 1
        state = CounterState(counter="5", seq=self.seq, **fields)
        self.probe.publish(self.topics.state("5"), encode(state), retain=True)
        wait_until(
            lambda: station.last_state is not None and station.last_state.seq == self.seq,
            what=f"state seq {self.seq}",
        )
        return state

    def answer(self, station, action: str, **fields: object) -> Command:
        command = self.command(action)
        self.state(station, last_cmd=command.id, **fields)
        return command


def setup(mosquitto, mqtt_probe, make_station, **overrides):
    cfg = full_config(mosquitto.url, **overrides)
    topics = Topics(cfg["site"])
    probe = mqtt_probe(mosquitto.url, [topics.cmd("5")])
    station, pins = make_station(cfg)
    return station, pins, FakeServer(probe, cfg["site"]), topics.cmd("5")


def test_pause_button_toggles_from_the_latest_state(mosquitto, mqtt_probe, make_station) -> None:
    station, pins, server, cmd = setup(mosquitto, mqtt_probe, make_station)
    paused_led = pins.pin(LED_PINS["paused"])

    assert station.press("pause") == "sent"
    server.answer(station, "pause", paused=True, waiting=3, result="ok")
    wait_until(lambda: paused_led.state, what="paused LED lit")

    assert station.press("pause") == "sent"
    server.answer(station, "resume", paused=False, waiting=3, result="ok")
    wait_until(lambda: not paused_led.state, what="paused LED dark")
    assert [c.action for c in commands_on(server.probe, cmd)] == ["pause", "resume"]


def test_skip_tap_sends_nothing_and_hold_sends_skip(mosquitto, mqtt_probe, make_station) -> None:
    station, _, server, cmd = setup(mosquitto, mqtt_probe, make_station)
    assert station.press("skip") == "ignored"
    assert station.hold("skip") == "sent"
    server.command("skip")
    assert station.press("recall") == "sent"  # later on the same link: all before it arrived
    server.command("recall")
    assert [c.action for c in commands_on(server.probe, cmd)] == ["skip", "recall"]


def test_skip_hold_zero_is_a_plain_press(mosquitto, mqtt_probe, make_station) -> None:
    station, _, server, _ = setup(mosquitto, mqtt_probe, make_station, skip_hold_s=0)
    assert station.press("skip") == "sent"
    server.command("skip")


def test_transfer_taps_cycle_blink_codes_and_a_hold_sends(
    mosquitto, mqtt_probe, make_station
) -> None:
    station, pins, server, cmd = setup(mosquitto, mqtt_probe, make_station)
    lights = station.lights
    transfer_led = pins.pin(EXTRA_LED_PINS["transfer"])

    assert station.press("transfer") == "ignored"  # nothing served: nothing to transfer
    assert station.hold("transfer") == "ignored"

    server.state(station, ticket="A012", service="A", waiting=2)
    codes = []
    for _ in range(3):
        assert station.press("transfer") == "selected"
        codes.append(lights.code("transfer"))
    # targets A, B, D: the ticket is in A, so B (2 blinks), D (3 blinks), B again
    assert codes == [2, 3, 2]
    before = len(transfer_led.states)
    wait_until(lambda: len(transfer_led.states) >= before + 4, what="the LED blinking")

    assert station.hold("transfer") == "sent"
    command = server.command("transfer")
    assert command.service == "B"
    assert lights.code("transfer") is None
    # a hold with no choice pending sends nothing
    assert station.hold("transfer") == "ignored"
    assert station.press("recall") == "sent"
    server.command("recall")
    assert [c.action for c in commands_on(server.probe, cmd)] == ["transfer", "recall"]


def test_transfer_choice_times_out_or_ends_with_the_ticket(
    mosquitto, mqtt_probe, make_station
) -> None:
    station, _, server, cmd = setup(
        mosquitto, mqtt_probe, make_station, transfer_timeout_s=2, leds=dict(LED_PINS)
    )
    server.state(station, ticket="B003", service="B", waiting=1)
    assert station.press("transfer") == "selected"
    assert station.lights.code("busy") == 1  # no transfer LED: busy blinks the code
    wait_until(lambda: station.lights.code("busy") is None, what="the choice timing out")
    assert station.hold("transfer") == "ignored"

    assert station.press("transfer") == "selected"
    server.state(station, ticket=None, waiting=1)  # served elsewhere (console)
    assert station.lights.code("busy") is None
    assert station.lights.pattern("busy") == "off"
    assert station.hold("transfer") == "ignored"
    assert station.press("recall") == "sent"
    server.command("recall")
    assert [c.action for c in commands_on(server.probe, cmd)] == ["recall"]


def test_rating_only_after_this_stations_completion(mosquitto, mqtt_probe, make_station) -> None:
    station, pins, server, cmd = setup(mosquitto, mqtt_probe, make_station)
    rate_led = pins.pin(EXTRA_LED_PINS["rate"])
    server.state(station, ticket="C001", service="C", waiting=1)

    assert station.rate(4) == "ignored"  # still being served
    # the console completes it: not this station's press, the keypad stays off
    server.state(station, ticket=None, waiting=1, last_cmd=str(uuid.uuid4()), result="ok")
    assert station.rate(4) == "ignored"

    server.state(station, ticket="C002", service="C", waiting=0)
    assert station.hold("skip") == "sent"
    server.answer(station, "skip", ticket=None, waiting=0, result="ok")
    assert station.rate(2) == "ignored"  # a no-show is not rated

    server.state(station, ticket="C003", service="C", waiting=0)
    assert station.press("next") == "sent"
    server.answer(station, "next", ticket=None, waiting=0, result="empty")
    wait_until(lambda: rate_led.state, what="the please-rate LED")
    assert station.keypad.window.ticket == "C003"
    assert station.rate(4) == "sent"
    command = server.command("rate")
    assert command.rating == 4
    assert station.rate(3) == "ignored"  # one rating per ticket
    wait_until(lambda: not rate_led.state, what="the please-rate LED off")

    assert station.press("recall") == "sent"
    server.command("recall")
    assert [c.action for c in commands_on(server.probe, cmd)] == [
        "skip", "next", "rate", "recall"
    ]


def test_rating_window_closes_by_itself(mosquitto, mqtt_probe, make_station) -> None:
    buttons = {**BUTTON_PINS, "complete": 7}
    station, pins, server, _ = setup(
        mosquitto, mqtt_probe, make_station, rating_window_s=1, buttons=buttons
    )
    rate_led = pins.pin(EXTRA_LED_PINS["rate"])
    server.state(station, ticket="D004", service="D", waiting=0)
    assert station.press("complete") == "sent"
    server.answer(station, "complete", ticket=None, waiting=0, result="ok")
    wait_until(lambda: rate_led.state, what="the please-rate LED")
    wait_until(lambda: not rate_led.state, what="the keypad closing")
    assert station.rate(1) == "ignored"


def test_rating_press_while_offline_can_be_repeated(
    private_mosquitto, mqtt_probe, make_station
) -> None:
    station, _, server, cmd = setup(private_mosquitto, mqtt_probe, make_station)
    server.state(station, ticket="E005", service="E", waiting=0)
    assert station.press("next") == "sent"
    server.answer(station, "next", ticket=None, waiting=0, result="empty")
    wait_until(lambda: station.keypad.enabled, what="keypad on")

    private_mosquitto.stop()
    wait_until(lambda: not station.connected, what="the link down")
    assert station.rate(4) == "refused"
    assert station.keypad.enabled  # the citizen may press again
    private_mosquitto.start()
    assert station.wait_connected(20)
    probe = mqtt_probe(private_mosquitto.url, [cmd])
    assert station.rate(4) == "sent"
    _, payload = probe.wait_for(lambda t, p: decode(p, Command).action == "rate")
    assert decode(payload, Command).rating == 4
