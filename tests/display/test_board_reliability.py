"""The running board (its real loop, in a thread) against a real Mosquitto and the real
server: calls spoken once and in order, the link lost and found, a server restart."""

from __future__ import annotations

import json

from protocol import Topics, encode
from tests.display.board_testkit import a_call, is_status, pump_until, snapshot, wait_until


def spoken(app) -> list[tuple[str, str, bool]]:
    return [(p.announcement.ticket, p.announcement.counter, p.announcement.recall)
            for p in app.announcer.history]


def test_calls_arriving_together_are_announced_in_order_each_once(
    mosquitto, mqtt_probe, running_board, site, device_id
):
    topics = Topics(site)
    probe = mqtt_probe(mosquitto.url, [topics.status(device_id)])
    probe.publish(topics.board, encode(snapshot()), retain=True)
    app = running_board(mosquitto.url)
    probe.wait_for(is_status(device_id, True), timeout=20)
    wait_until(lambda: app.state.last_seq == 10, 20, "the retained board")

    probe.publish(topics.calls, encode(a_call(11, "A012", "5")))
    probe.publish(topics.calls, encode(a_call(12, "C001", "3")))
    probe.publish(topics.calls, encode(a_call(11, "A012", "5")))  # a repeat
    probe.publish(topics.calls, encode(a_call(13, "A012", "5", recall=True)))
    wait_until(lambda: len(app.announcer.history) >= 3, 30, "three announcements")
    assert spoken(app) == [("A012", "5", False), ("C001", "3", False), ("A012", "5", True)]
    first, second, third = app.announcer.history
    # never two at once: each starts after the previous one's WAV has ended
    assert second.started >= first.started + first.phrase.duration_s
    assert third.started >= second.started + second.phrase.duration_s
    assert app.announcer.sink.played == [p.phrase.wav for p in app.announcer.history]
    # the retained board again (as after a resync) says nothing new
    probe.publish(topics.board, encode(snapshot(13)), retain=True)
    probe.publish(topics.calls, encode(a_call(14, "B001", "2")))
    wait_until(lambda: len(app.announcer.history) >= 4, 30, "the next call")
    assert spoken(app)[3:] == [("B001", "2", False)]


def test_while_disconnected_the_board_keeps_its_content_and_shows_the_indicator(
    private_mosquitto, mqtt_probe, board_app_factory, site, device_id
):
    topics = Topics(site)
    url = private_mosquitto.url
    probe = mqtt_probe(url, [topics.calls])
    probe.publish(topics.board, encode(snapshot()), retain=True)
    app = board_app_factory(url)
    pump_until(app, lambda: app.state.last_seq == 10 and app.state.connected)
    probe.publish(topics.calls, encode(a_call(11)))
    pump_until(app, lambda: app.state.last_seq == 11)
    probe.close()
    online = app.render().copy()
    recent = list(app.state.recent)

    private_mosquitto.stop()
    pump_until(app, lambda: not app.state.connected, timeout=20)
    offline = app.render().copy()
    layout = app.view.layout
    assert app.state.recent == recent and app.state.newest.ticket == "A012"
    assert app.state.waiting == {"A": 4, "B": 1}
    header = layout.header
    assert online.subsurface(header).copy().get_view("2").raw != \
        offline.subsurface(header).copy().get_view("2").raw
    # the rest of the board is untouched: the indicator is small and in the header
    for rect in (layout.recent_panel, layout.waiting_strip):
        assert online.subsurface(rect).copy().get_view("2").raw == \
            offline.subsurface(rect).copy().get_view("2").raw

    private_mosquitto.start()
    pump_until(app, lambda: app.state.connected, timeout=30)
    # the server republishes its board on reconnect: the board resyncs from it
    probe = mqtt_probe(url, [topics.status(device_id)])
    probe.wait_for(is_status(device_id, True), timeout=20)
    later = snapshot(15)
    probe.publish(topics.board, encode(later), retain=True)
    pump_until(app, lambda: app.state.last_seq == 15, timeout=20)
    assert [line.ticket for line in app.state.recent] == ["B007", "A011"]
    # only the call made before the outage was ever queued to be spoken
    assert [a.ticket for a in app.state.take_announcements()] == ["A012"]


def test_a_server_restart_is_survived(live_server, mqtt_probe, running_board):
    topics = Topics(live_server.site)
    app = running_board(live_server.mqtt_url, site=live_server.site)
    wait_until(lambda: app.state.connected and app.state.last_seq is not None, 30,
               "the server's retained board")
    probe = mqtt_probe(live_server.mqtt_url, [topics.calls])

    first = live_server.take_ticket("C")
    probe.publish(topics.cmd("5"), b'{"v":1,"id":"restart-1","action":"next"}')
    probe.wait_for(lambda t, p: json.loads(p)["ticket"] == first["number"], timeout=20)
    wait_until(lambda: spoken(app) == [(first["number"], "5", False)], 30, "the first call")
    wait_until(lambda: app.state.newest and app.state.newest.ticket == first["number"], 20)

    live_server.restart()
    # the restarted server republishes the retained board: same content, nothing re-spoken
    second = live_server.take_ticket("D")
    assert app.state.newest.ticket == first["number"]
    assert app.state.recent[0].ticket == first["number"]
    probe.publish(topics.cmd("2"), b'{"v":1,"id":"restart-2","action":"next"}')
    probe.wait_for(lambda t, p: json.loads(p)["ticket"] == second["number"], timeout=20)
    wait_until(lambda: len(app.announcer.history) >= 2, 30, "the call after the restart")
    wait_until(lambda: app.state.newest.ticket == second["number"], 20, "the new call")
    assert spoken(app) == [(first["number"], "5", False), (second["number"], "2", False)]
    assert [line.ticket for line in app.state.recent[:2]] == [second["number"],
                                                              first["number"]]
    assert app.state.serving["5"].ticket == first["number"]
    assert app.state.serving["2"].ticket == second["number"]
    assert app.state.is_highlighted()
