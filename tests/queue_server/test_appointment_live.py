"""A booking checked in at the kiosk reaches the board and a counter like any ticket.

The real server process, real HTTP and a real Mosquitto, on the real clock: the site
file gives field A appointment slots all day, every day, so the next slot always
begins within 15 minutes and check-in (from 30 minutes before) is open.
"""

import json

import pytest
import requests

from tests.support.live_server import EXAMPLE_SITE, LiveServer

ALL_DAY = ('appointments = { slot_min = 15, per_slot = 2, days_ahead = 14, prefix = "H", '
           'hours = ["00:00-24:00"], weekdays = [1, 2, 3, 4, 5, 6, 7], max_share = 0.5 }')


@pytest.fixture
def server(tmp_path, mosquitto):
    text = EXAMPLE_SITE.read_text(encoding="utf-8")
    start = text.index('appointments = { slot_min = 15')
    site = tmp_path / "site.toml"
    site.write_text(text[:start] + ALL_DAY + text[text.index("\n", start):], encoding="utf-8")
    live = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url, site_file=site)
    live.prepare()
    live.start()
    yield live
    live.stop()


def next_slot(server: LiveServer) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    for days in (0, 1):
        day = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().toordinal() + days
        iso = datetime.fromordinal(day).date().isoformat()
        slots = requests.get(f"{server.url}/api/v1/appointments/slots",
                             params={"service": "A", "day": iso}, timeout=5).json()["slots"]
        if slots:
            return slots[0]["start"]
    raise AssertionError("no slot")


def test_checked_in_booking_is_on_the_board_and_called_at_a_counter(server, mqtt_probe):
    probe = mqtt_probe(server.mqtt_url, [f"motcua/{server.site}/#"])
    r = requests.post(f"{server.url}/api/v1/appointments", timeout=5, json={
        "service": "A", "start": next_slot(server), "name": "Võ Thị Thu",
        "phone": "0912345678"})
    assert r.status_code == 201
    code = r.json()["code"]
    kiosk = {"Authorization": f"Bearer {server.tokens['kiosk-1']}"}
    r = requests.post(f"{server.url}/api/v1/appointments/{code}/check-in", headers=kiosk,
                      timeout=5)
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert ticket["number"] == "H001" and ticket["appointment_start"]
    _, payload = probe.wait_for(
        lambda t, p: t.endswith("/board") and json.loads(p)["waiting"].get("A") == 1)
    probe.publish(f"motcua/{server.site}/counter/1/cmd", b'{"v":1,"id":"cmd-h","action":"next"}')
    _, payload = probe.wait_for(lambda t, p: t.endswith("/calls"))
    call = json.loads(payload)
    assert (call["ticket"], call["counter"], call["service"]) == ("H001", "1", "A")
    status = requests.get(f"{server.url}/api/v1/tickets/{ticket['id']}", timeout=5).json()
    assert status["status"] == "called" and status["appointment_start"] == ticket[
        "appointment_start"]
