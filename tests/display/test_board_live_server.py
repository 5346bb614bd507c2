"""The real server calls a ticket; the board shows it, highlights it and queues it once."""

from __future__ import annotations

import json

from display.board_view import HIGHLIGHT_OFF, HIGHLIGHT_ON
from protocol import Topics
from tests.display.board_testkit import pump_until


def test_a_call_from_the_server_reaches_the_board(live_server, mqtt_probe, board_app_factory):
    topics = Topics(live_server.site)
    app = board_app_factory(live_server.mqtt_url, site=live_server.site)
    # the server republishes its retained board at start: that is the board's first view
    pump_until(app, lambda: app.state.connected and app.state.last_seq is not None, 20)

    ticket = live_server.take_ticket("C")
    probe = mqtt_probe(live_server.mqtt_url, [topics.calls])
    probe.publish(topics.cmd("5"), b'{"v":1,"id":"display-e2e-1","action":"next"}')
    _, payload = probe.wait_for(lambda t, p: json.loads(p)["ticket"] == ticket["number"])
    seq = json.loads(payload)["seq"]

    pump_until(app, lambda: app.state.newest is not None
               and app.state.newest.ticket == ticket["number"], 20)
    assert app.state.newest.counter == "5"
    assert app.state.recent[0].ticket == ticket["number"]
    frame = app.render()
    assert tuple(frame.get_at(app.view.layout.highlight_probe))[:3] in (
        HIGHLIGHT_ON, HIGHLIGHT_OFF)
    # the board the server publishes after the call neither re-announces nor stops the blink
    pump_until(app, lambda: (app.state.last_seq or 0) >= seq, 20)
    app.pump(0.5)
    assert [(a.ticket, a.counter) for a in app.state.take_announcements()] == [
        (ticket["number"], "5")]
    assert app.state.is_highlighted()
