"""The call station against the real queue server (subprocess) and the real broker."""

from __future__ import annotations

import requests

from protocol import Call, Command, CounterState, Topics, decode
from tests.counter.conftest import (
    BUZZER_PIN,
    EXTRA_LED_PINS,
    LED_PINS,
    full_config,
    station_config,
    wait_until,
)


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
    chirps = pins.pin(BUZZER_PIN)
    wait_until(lambda: sum(s.state for s in chirps.states) == 1, what="the one 'done' chirp")
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
    # the chirp, then the three short 'empty' beeps (the first may merge into the chirp)
    wait_until(lambda: sum(s.state for s in buzzer.states) >= 3, what="the 'empty' beeps")


def ticket_status(server, ticket: dict) -> dict:
    reply = requests.get(f"{server.url}/api/v1/tickets/{ticket['id']}", timeout=10)
    reply.raise_for_status()
    return reply.json()


def answered(station, command_id: str, timeout: float = 20) -> CounterState:
    """The server's answer to ``command_id`` on the station's state topic."""
    wait_until(
        lambda: station.last_state is not None and station.last_state.last_cmd == command_id,
        timeout=timeout,
        what=f"the server's answer to {command_id}",
    )
    return station.last_state


class CommandLog:
    """The station's commands as a probe saw them, each handed out once, in order."""

    def __init__(self, probe, topic: str) -> None:
        self.probe, self.topic = probe, topic
        self.taken: set[str] = set()

    def next(self, action: str) -> Command:
        def unseen(t: str, p: bytes) -> bool:
            if t != self.topic:
                return False
            command = decode(p, Command)
            return command.action == action and command.id not in self.taken

        _, payload = self.probe.wait_for(unseen)
        command = decode(payload, Command)
        self.taken.add(command.id)
        return command

    def actions(self) -> list[str]:
        return [decode(p, Command).action for t, p, _ in list(self.probe.messages)
                if t == self.topic]


def test_every_button_reaches_the_server(live_server, mqtt_probe, make_station) -> None:
    topics = Topics(live_server.site)
    cmd = topics.cmd("5")
    probe = mqtt_probe(live_server.mqtt_url, [cmd, topics.calls])
    first, second, third = (live_server.take_ticket("C") for _ in range(3))
    # the fields come from the server (A..E, U): C's own is skipped, so A = 1, B = 2 blinks
    cfg = full_config(
        live_server.mqtt_url, site=live_server.site, server_url=live_server.url
    )
    del cfg["transfer_targets"]
    station, pins = make_station(cfg)
    sent = CommandLog(probe, cmd)
    wait_until(lambda: station.buttons.directory.codes(), what="the fields from the server")

    # next calls the first ticket
    assert station.press("next") == "sent"
    state = answered(station, sent.next("next").id)
    assert (state.result, state.ticket) == ("ok", first["number"])
    assert ticket_status(live_server, first)["status"] == "called"
    assert station.rate(4) == "ignored"  # nothing completed yet

    # recall calls it again
    assert station.press("recall") == "sent"
    assert answered(station, sent.next("recall").id).result == "ok"
    probe.wait_for(lambda t, p: t == topics.calls and decode(p, Call).recall)

    # skip: a tap does nothing, a hold marks the no-show
    assert station.press("skip") == "ignored"
    assert station.hold("skip") == "sent"
    state = answered(station, sent.next("skip").id)
    assert (state.result, state.ticket) == ("ok", None)
    assert ticket_status(live_server, first)["status"] == "no_show"
    assert station.rate(4) == "ignored"  # a no-show is not rated

    # transfer: two taps choose B, a hold sends it; the ticket waits again in B
    assert station.press("next") == "sent"
    assert answered(station, sent.next("next").id).ticket == second["number"]
    assert station.press("transfer") == "selected"
    assert station.press("transfer") == "selected"
    assert station.lights.code("transfer") == 2
    assert station.hold("transfer") == "sent"
    command = sent.next("transfer")
    assert command.service == "B"
    state = answered(station, command.id)
    assert (state.result, state.ticket) == ("ok", None)
    moved = ticket_status(live_server, second)
    assert (moved["status"], moved["service"], moved["number"]) == (
        "waiting", "B", second["number"]
    )

    # the last one is completed by the next press that finds nobody: then it is rated
    assert station.press("next") == "sent"
    assert answered(station, sent.next("next").id).ticket == third["number"]
    assert station.rate(4) == "ignored"
    assert station.press("next") == "sent"
    state = answered(station, sent.next("next").id)
    assert (state.result, state.ticket) == ("empty", None)
    assert ticket_status(live_server, third)["status"] == "done"
    wait_until(lambda: pins.pin(EXTRA_LED_PINS["rate"]).state, what="the please-rate LED")
    assert station.rate(4) == "sent"
    rating = sent.next("rate")
    assert rating.rating == 4
    assert answered(station, rating.id).result == "ok"
    assert station.rate(1) == "ignored"  # one rating per ticket

    # pause toggles: the counter is paused, next is refused, pause again resumes
    assert station.press("pause") == "sent"
    state = answered(station, sent.next("pause").id)
    assert state.paused and state.result == "ok"
    wait_until(lambda: pins.pin(LED_PINS["paused"]).state, what="paused LED lit")
    live_server.take_ticket("C")
    assert station.press("next") == "sent"
    state = answered(station, sent.next("next").id)
    assert state.result == "rejected" and state.ticket is None
    assert station.press("pause") == "sent"
    state = answered(station, sent.next("resume").id)
    assert not state.paused
    wait_until(lambda: not pins.pin(LED_PINS["paused"]).state, what="paused LED dark")

    assert sent.actions().count("rate") == 1


def test_double_press_within_debounce_calls_one_ticket(
    live_server, mqtt_probe, make_station
) -> None:
    topics = Topics(live_server.site)
    cmd = topics.cmd("5")
    probe = mqtt_probe(live_server.mqtt_url, [cmd])
    first, second = live_server.take_ticket("C"), live_server.take_ticket("C")
    cfg = station_config(live_server.mqtt_url, site=live_server.site, debounce_s=5.0)
    station, _ = make_station(cfg)
    sent = CommandLog(probe, cmd)

    assert station.press("next") == "sent"
    assert station.press("next") == "debounced"
    assert answered(station, sent.next("next").id).ticket == first["number"]
    assert station.press("recall") == "sent"  # later on the same link: the next arrived first
    answered(station, sent.next("recall").id)
    assert sent.actions() == ["next", "recall"]
    assert ticket_status(live_server, first)["status"] == "called"
    assert ticket_status(live_server, second)["status"] == "waiting"


def test_station_keeps_working_across_a_server_restart(
    live_server, mqtt_probe, make_station
) -> None:
    topics = Topics(live_server.site)
    cmd, state_topic = topics.cmd("5"), topics.state("5")
    probe = mqtt_probe(live_server.mqtt_url, [cmd, state_topic])
    first, second = live_server.take_ticket("C"), live_server.take_ticket("C")
    station, pins = make_station(station_config(live_server.mqtt_url, site=live_server.site))
    sent = CommandLog(probe, cmd)
    assert station.press("next") == "sent"
    assert answered(station, sent.next("next").id).ticket == first["number"]

    seen = len(probe.messages)
    live_server.restart()
    # the restarted server republishes the counter's state from its database: from
    # then on it listens to commands again
    wait_until(
        lambda: any(t == state_topic for t, _, _ in probe.messages[seen:]),
        timeout=30,
        what="the state republished by the restarted server",
    )
    assert station.connected and station.current_ticket == first["number"]
    assert station.press("next") == "sent"
    state = answered(station, sent.next("next").id)
    assert (state.result, state.ticket) == ("ok", second["number"])
    assert ticket_status(live_server, first)["status"] == "done"
    assert pins.pin(LED_PINS["online"]).state and pins.pin(LED_PINS["busy"]).state
