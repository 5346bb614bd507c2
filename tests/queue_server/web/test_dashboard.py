"""The managers' dashboard: figures of the hall now and today, alerts, live events."""

import json
import threading

from sqlalchemy import select

from queue_server.hall_dashboard import dashboard_snapshot
from queue_server.storage.tables import Device


def _snapshot(hall):
    rt = hall.runtime
    with rt.hall.transaction() as db:
        return dashboard_snapshot(rt.hall, db)


def _field(snap, code):
    return next(f for f in snap.fields if f.code == code)


def test_figures_per_field_now_and_today(hall):
    # counter 5 serves only C (target 15 min)
    for _ in range(3):
        hall.take("C")
    hall.clock.advance(minutes=10)
    hall.command("5", "next")          # C001 waited 10 min
    hall.clock.advance(minutes=4)
    hall.command("5", "next")          # C001 done, C002 waited 14 min
    hall.clock.advance(minutes=6)
    hall.command("5", "next")          # C002 done, C003 waited 20 min (over target)
    hall.take("C")
    hall.clock.advance(minutes=3)
    c = _field(_snapshot(hall), "C")
    assert c.waiting == 1
    assert c.longest_wait_s == 3 * 60
    assert c.served_today == 2
    assert c.called_today == 3
    assert c.mean_wait_today_s == (10 + 14 + 20) * 60 / 3
    assert round(c.service_level_pct, 1) == 66.7
    assert c.open_counters == 1
    counters = {k.number: k for k in _snapshot(hall).counters}
    assert counters["5"].state == "serving" and counters["5"].ticket == "C003"
    assert counters["1"].state == "idle" and counters["1"].ticket is None
    hall.command("1", "pause")
    snap = _snapshot(hall)
    assert {k.number: k.state for k in snap.counters}["1"] == "paused"
    assert _field(snap, "A").open_counters == 1  # counter 2 still serves A


def test_alerts_for_paper_offline_devices_and_long_waits(hall):
    with hall.runtime.hall.transaction() as db:
        for device in db.scalars(select(Device)):
            device.online = True
        kiosk = db.scalar(select(Device).where(Device.code == "kiosk-1"))
        kiosk.printer = "paper_out"
        db.scalar(select(Device).where(Device.code == "display-1")).online = False
    assert [(a.kind, a.subject) for a in _snapshot(hall).alerts] == [
        ("paper_out", "kiosk-1"), ("device_offline", "display-1")]
    hall.take("U")  # target 10 min
    hall.clock.advance(minutes=11)
    alerts = _snapshot(hall).alerts
    assert alerts[-1].kind == "wait_over_target" and alerts[-1].subject == "U"
    assert alerts[-1].minutes == 11 and alerts[-1].target_minutes == 10
    page = hall.login("manager").get("/dashboard").get_data(as_text=True)
    assert "Máy in của kiosk-1 đã hết giấy" in page
    assert "Thiết bị display-1 mất kết nối" in page
    assert "Lĩnh vực U: chờ lâu nhất 11 phút, mục tiêu 10 phút" in page


def _events(response):
    """Parse an SSE body chunk by chunk: yields (event name, data dict) or ('comment', text)."""
    buffer = ""
    for chunk in response.response:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            name, data = None, []
            for line in block.splitlines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line.startswith(":"):
                    name, data = "comment", [json.dumps(line)]
            if name:
                yield name, json.loads("\n".join(data))


def test_event_stream_pushes_a_snapshot_when_a_ticket_is_issued(hall):
    client = hall.login("manager")
    response = client.get("/dashboard/events", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    stream = _events(response)
    name, first = next(stream)
    assert name == "snapshot" and 'data-figure="waiting">0<' in first["parts"]["fields"]
    threading.Timer(0.2, lambda: hall.take("B")).start()
    name, second = next(stream)
    while name != "snapshot":
        name, second = next(stream)
    assert second["seq"] > first["seq"]
    assert 'data-field="B"' in second["parts"]["fields"]
    row = second["parts"]["fields"].split('data-field="B"')[1]
    assert 'data-figure="waiting">1<' in row
    response.close()


def test_event_stream_sends_keepalives_and_ends(hall):
    hall.app.config.update(LIVE_KEEPALIVE_SECONDS=0.2, LIVE_STREAM_SECONDS=1.0,
                           LIVE_REFRESH_SECONDS=60)
    client = hall.login("admin")
    kinds = [name for name, _ in _events(client.get("/dashboard/events", buffered=False))]
    assert kinds[0] == "snapshot" and "comment" in kinds and kinds[-1] == "bye"
    assert hall.app.extensions["live_watcher"].listeners == 0


def test_streams_beyond_the_cap_are_told_to_retry_later(hall):
    slots = hall.app.extensions["live_slots"]
    taken = 0
    while slots.take():
        taken += 1
    try:
        body = hall.login("manager").get("/dashboard/events").get_data(as_text=True)
        assert body.startswith("retry: 10000")
        assert "event:" not in body
    finally:
        for _ in range(taken):
            slots.give_back()

