"""Devices the server does not know, reporting to its broker: listed with a warning."""

from __future__ import annotations

import re

import requests
from gpiozero.pins.mock import MockFactory

from counter.station import CounterStation
from kiosk.status_publisher import StatusPublisher
from tests.conftest import STAFF
from tests.counter.conftest import station_config, wait_until


def manager_session(server) -> requests.Session:
    session = requests.Session()
    session.headers["Accept-Language"] = "vi"
    page = session.get(f"{server.url}/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    username, password = STAFF["manager"]
    r = session.post(f"{server.url}/login", timeout=10, data={
        "username": username, "password": password, "csrf_token": token})
    assert r.ok
    return session


def alerts(session: requests.Session, server) -> str:
    html = session.get(f"{server.url}/dashboard", timeout=10).text
    return html[html.index('class="alerts"'):] if 'class="alerts"' in html else ""


def test_unknown_device_ids_and_sites_are_listed_on_the_dashboard(staffed_server):
    server = staffed_server
    session = manager_session(server)
    cfg = station_config(server.mqtt_url, site=server.site, device_id="counter-77", counter="5")
    station = CounterStation.from_config(cfg, pin_factory=MockFactory())
    kiosk = StatusPublisher(server.mqtt_url, "camau-hc", "kiosk-9")
    try:
        station.start()
        kiosk.start()
        wait_until(lambda: 'data-subject="counter-77"' in alerts(session, server), 10,
                   "the unknown device on the dashboard")
        wait_until(lambda: 'data-subject="kiosk-9"' in alerts(session, server), 10,
                   "the device of another site on the dashboard")
        shown = alerts(session, server)
        assert ("Thiết bị counter-77 gửi trạng thái nhưng máy chủ không biết thiết bị này"
                in shown)
        assert ("Thiết bị kiosk-9 gửi trạng thái cho điểm giao dịch camau-hc mà máy chủ "
                "không biết" in shown)
        assert 'data-alert="unknown_device"' in shown and 'class="alert warning"' in shown
        log = server.log_text()
        assert "status from unknown or retired device 'counter-77'" in log
        assert "device 'kiosk-9' reports for site 'camau-hc'" in log

        station.close()  # offline: no longer reporting, no longer listed
        wait_until(lambda: 'data-subject="counter-77"' not in alerts(session, server), 10,
                   "the device gone from the dashboard")
    finally:
        station.close()
        kiosk.close()
    wait_until(lambda: 'data-subject="kiosk-9"' not in alerts(session, server), 10,
               "the other site's device gone")
