"""The board against a real Mosquitto: snapshot, calls, duplicates, bad payloads, restarts."""

from __future__ import annotations

import msgspec

from display.board_view import HIGHLIGHT_OFF, HIGHLIGHT_ON, PANEL_IDLE
from protocol import Board, BoardEntry, DeviceStatus, Topics, decode, encode
from tests.display.board_testkit import T0, a_call, is_status, pump_until, snapshot


def test_retained_board_then_a_call_changes_the_highlight(
    mosquitto, mqtt_probe, board_app_factory, site, device_id
):
    topics = Topics(site)
    probe = mqtt_probe(mosquitto.url, [topics.status(device_id)])
    probe.publish(topics.board, encode(snapshot()), retain=True)

    app = board_app_factory(mosquitto.url)
    pump_until(app, lambda: app.state.last_seq == 10 and app.state.connected)
    assert app.state.newest.ticket == "B007"
    assert app.state.waiting == {"A": 4, "B": 1}
    _, payload = probe.wait_for(is_status(device_id, True))
    assert decode(payload, DeviceStatus).version
    # a latecomer (the server after its restart) still finds the status: it is retained
    late = mqtt_probe(mosquitto.url, [topics.status(device_id)])
    late.wait_for(is_status(device_id, True))
    assert late.messages[0][2] is True
    probe_point = app.view.layout.highlight_probe
    before = app.render().copy()
    assert tuple(before.get_at(probe_point))[:3] == PANEL_IDLE

    probe.publish(topics.calls, encode(a_call(11)))
    pump_until(app, lambda: app.state.last_seq == 11)
    after = app.render()
    assert app.state.newest.ticket == "A012"
    assert tuple(after.get_at(probe_point))[:3] in (HIGHLIGHT_ON, HIGHLIGHT_OFF)
    assert [a.ticket for a in app.state.take_announcements()] == ["A012"]


def test_a_call_published_twice_is_announced_once(
    mosquitto, mqtt_probe, board_app_factory, site
):
    topics = Topics(site)
    probe = mqtt_probe(mosquitto.url, [topics.calls])
    probe.publish(topics.board, encode(snapshot()), retain=True)
    app = board_app_factory(mosquitto.url)
    pump_until(app, lambda: app.state.last_seq == 10)

    probe.publish(topics.calls, encode(a_call(11)))
    probe.publish(topics.calls, encode(a_call(11)))
    probe.publish(topics.calls, encode(a_call(12, "C001", "3")))
    pump_until(app, lambda: app.state.last_seq == 12)
    probe.wait_for(lambda t, p: len(probe.messages) >= 3)
    app.pump(0.2)
    assert [(a.seq, a.ticket) for a in app.state.take_announcements()] == [
        (11, "A012"),
        (12, "C001"),
    ]
    assert [line.ticket for line in app.state.recent] == ["C001", "A012", "B007", "A011"]


def test_malformed_payloads_are_dropped_and_the_board_keeps_going(
    mosquitto, mqtt_probe, board_app_factory, site
):
    topics = Topics(site)
    probe = mqtt_probe(mosquitto.url, [topics.calls])
    probe.publish(topics.board, encode(snapshot()), retain=True)
    app = board_app_factory(mosquitto.url)
    pump_until(app, lambda: app.state.last_seq == 10)

    good = msgspec.json.decode(encode(a_call(11)))
    bad_payloads = [
        (topics.calls, b"\xff\xfe not utf-8"),
        (topics.calls, b"{not json"),
        (topics.calls, msgspec.json.encode({**good, "v": 2})),
        (topics.calls, msgspec.json.encode({**good, "seq": "eleven"})),
        (topics.calls, msgspec.json.encode({k: v for k, v in good.items() if k != "ticket"})),
        (topics.board, b"[]"),
        (topics.board, msgspec.json.encode({"v": 1, "recent": []})),
    ]
    for topic, payload in bad_payloads:
        probe.publish(topic, payload)
    probe.publish(topics.calls, encode(a_call(11)))
    pump_until(app, lambda: app.state.last_seq == 11)
    assert app.dropped == len(bad_payloads)
    assert app.state.newest.ticket == "A012"
    assert app.state.waiting == {"A": 4, "B": 1}
    app.render()


def test_after_a_broker_restart_the_board_resubscribes_and_shows_new_calls(
    private_mosquitto, mqtt_probe, board_app_factory, site, device_id
):
    topics = Topics(site)
    url = private_mosquitto.url
    probe = mqtt_probe(url, [topics.calls])
    probe.publish(topics.board, encode(snapshot()), retain=True)
    app = board_app_factory(url)
    pump_until(app, lambda: app.state.last_seq == 10 and app.state.connected)
    probe.close()

    private_mosquitto.restart(0.5)
    pump_until(app, lambda: app.connections >= 2 and app.state.connected, timeout=20)

    # the restarted broker kept nothing; the server would republish the board and the
    # board must be listening again: both a fresh status and a new call prove it
    # (the status is published after subscribing, so once it is seen the board listens)
    probe = mqtt_probe(url, [topics.status(device_id)])
    probe.wait_for(is_status(device_id, True))
    probe.publish(topics.board, encode(snapshot(12)), retain=True)
    probe.publish(topics.calls, encode(a_call(13, "D002", "6")))
    pump_until(app, lambda: app.state.last_seq == 13)
    assert app.state.newest.ticket == "D002"
    assert app.state.is_highlighted()
    assert [a.ticket for a in app.state.take_announcements()] == ["D002"]


def test_a_resync_snapshot_after_reconnect_does_not_reannounce(
    private_mosquitto, mqtt_probe, board_app_factory, site, device_id
):
    topics = Topics(site)
    url = private_mosquitto.url
    probe = mqtt_probe(url, [topics.status(device_id)])
    app = board_app_factory(url)
    probe.wait_for(is_status(device_id, True))
    probe.publish(topics.calls, encode(a_call(11)))
    probe.publish(topics.board, encode(_board_after_call()), retain=True)
    pump_until(app, lambda: app.state.last_seq == 11 and app.state.waiting == {"A": 3})
    assert [a.ticket for a in app.state.take_announcements()] == ["A012"]
    probe.close()

    private_mosquitto.restart(0.5)
    probe = mqtt_probe(url, [topics.status(device_id)])
    probe.publish(topics.board, encode(_board_after_call()), retain=True)
    pump_until(app, lambda: app.connections >= 2 and app.state.connected, timeout=20)
    probe.wait_for(is_status(device_id, True))
    # the retained board arrives again on resubscription, and changes nothing
    version = app.state.version
    probe.publish(topics.calls, encode(a_call(12, "B008", "2")))
    pump_until(app, lambda: app.state.last_seq == 12)
    assert app.state.version > version
    assert [a.ticket for a in app.state.take_announcements()] == ["B008"]


def _board_after_call() -> Board:
    board = snapshot(11)
    return Board(
        seq=11,
        recent=[BoardEntry(ticket="A012", counter="5", service="A", ts=T0), *board.recent],
        waiting={"A": 3},
        message=board.message,
    )
