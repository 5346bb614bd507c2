"""``/metrics`` for Prometheus, JSON logs, the public pages, the login throttle."""

import io
import json
import logging
import re

from queue_server.json_logging import JsonFormatter, configure_logging
from queue_server.web.health import wait_histogram
from queue_server.web.login_throttle import LoginThrottle


def _value(text: str, series: str) -> float:
    m = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    assert m, series
    return float(m.group(1))


def test_metrics_count_tickets_calls_waiting_and_todays_waits(hall):
    for _ in range(3):
        hall.take("C")
    hall.clock.advance(minutes=1)
    hall.command("5", "next")          # waited 60 s
    hall.clock.advance(minutes=9)
    hall.command("5", "next")          # waited 600 s
    hall.command("5", "recall")
    text = hall.client().get("/metrics").get_data(as_text=True)
    assert _value(text, 'motcua_tickets_issued_total{service="C"}') == 3
    assert _value(text, 'motcua_calls_total{service="C"}') == 3
    assert _value(text, 'motcua_waiting{service="C"}') == 1
    assert _value(text, 'motcua_wait_seconds_bucket{service="C",le="60"}') == 1
    assert _value(text, 'motcua_wait_seconds_bucket{service="C",le="300"}') == 1
    assert _value(text, 'motcua_wait_seconds_bucket{service="C",le="600"}') == 2
    assert _value(text, 'motcua_wait_seconds_bucket{service="C",le="+Inf"}') == 2
    assert _value(text, 'motcua_wait_seconds_sum{service="C"}') == 660
    assert _value(text, 'motcua_wait_seconds_count{service="C"}') == 2
    assert _value(text, "motcua_mqtt_connected") == 0
    assert "# TYPE motcua_wait_seconds histogram" in text
    # tomorrow's histogram starts empty, the totals keep counting
    hall.clock.advance(days=1)
    text = hall.client().get("/metrics").get_data(as_text=True)
    assert _value(text, 'motcua_wait_seconds_count{service="C"}') == 0
    assert _value(text, 'motcua_tickets_issued_total{service="C"}') == 3


def test_histogram_buckets_are_cumulative():
    assert wait_histogram([30, 90, 100000])[:2] == [("60", 1), ("120", 2)]
    assert wait_histogram([30, 90, 100000])[-1] == ("+Inf", 3)


def test_json_log_lines_carry_level_logger_message_and_extras():
    record = logging.LogRecord("queue_server.web", logging.WARNING, __file__, 1,
                               "quầy %s tạm dừng", ("3",), None)
    record.site = "camau-hcc"
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "warning" and line["logger"] == "queue_server.web"
    assert line["message"] == "quầy 3 tạm dừng" and line["site"] == "camau-hcc"
    assert line["ts"].endswith("+00:00")


def test_configure_logging_switches_the_root_handler(monkeypatch):
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        configure_logging("json")
        stream = io.StringIO()
        root.handlers[0].setStream(stream)
        logging.getLogger("x").info("xin chào")
        assert json.loads(stream.getvalue())["message"] == "xin chào"
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_throttle_window_slides():
    throttle = LoginThrottle(max_failures=3, window_s=60)
    key = LoginThrottle.key(" QuanTri ", "10.0.0.5")
    assert key == ("quantri", "10.0.0.5")
    for t in (0, 10, 20):
        throttle.failed(key, t)
    assert throttle.retry_after(key, 21) == 39
    assert throttle.retry_after(key, 60.5) == 0
    throttle.failed(key, 61)
    assert throttle.retry_after(key, 62) > 0
    throttle.succeeded(key)
    assert throttle.retry_after(key, 62) == 0


def test_public_pages_show_the_queue_without_personal_data(hall):
    first, second = hall.take("C"), hall.take("C", priority=False)
    client = hall.client()
    page = client.get(f"/t/{second['id']}").get_data(as_text=True)
    assert "Còn <strong>1</strong> người trước bạn" in page
    assert 'id="live"' in page and "?part=1" in page
    hall.command("5", "next")
    part = client.get(f"/t/{first['id']}?part=1").get_data(as_text=True)
    assert "Mời bạn đến <strong>quầy 5</strong>" in part and "<html" not in part
    en = client.get(f"/t/{first['id']}?lang=en").get_data(as_text=True)
    assert "Please go to <strong>counter 5</strong>" in en and "Business registration" in en
    home = client.get("/?part=1").get_data(as_text=True)
    assert "C001" in home and "<html" not in home
    assert client.get("/t/khong-co").status_code == 404


def test_a_closed_field_promises_no_wait_on_the_api_or_the_public_page(hall):
    for _ in range(3):
        hall.take("A")
    hall.clock.advance(hours=3, minutes=30)  # 12:30 in Cà Mau: field A is closed at lunch
    services = {s["code"]: s for s in hall.client().get("/api/v1/services").get_json()["services"]}
    assert services["A"]["open"] is False and services["A"]["waiting"] == 3
    assert services["A"]["estimated_wait_s"] is None
    assert services["B"]["open"] is True and services["B"]["estimated_wait_s"] is not None
    page = hall.client().get("/").get_data(as_text=True)
    row = re.search(r'<tr data-service="A">(.*?)</tr>', page, re.S).group(1)
    assert "—" in row and "phút" not in row
