"""Devices the server does not know, reporting to its broker: listed live with a warning."""

from __future__ import annotations

from gpiozero.pins.mock import MockFactory

from counter.station import CounterStation
from kiosk.status_publisher import StatusPublisher
from tests.counter.conftest import station_config


def _log_in(page, server, role):
    username, password = server.staff[role]
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_unknown_device_ids_and_sites_are_listed_on_the_dashboard(staffed_server, page):
    server = staffed_server
    _log_in(page, server, "manager")
    assert page.url.endswith("/dashboard")
    page.wait_for_function(  # the stream is open once the first snapshot set the seq
        "document.getElementById('totals').dataset.seq !== undefined")
    cfg = station_config(server.mqtt_url, site=server.site, device_id="counter-77", counter="5")
    station = CounterStation.from_config(cfg, pin_factory=MockFactory())
    kiosk = StatusPublisher(server.mqtt_url, "camau-hc", "kiosk-9")
    unknown = page.locator('li.warning[data-alert="unknown_device"][data-subject="counter-77"]')
    other_site = page.locator('li.warning[data-alert="unknown_site_device"]'
                              '[data-subject="kiosk-9"][data-site="camau-hc"]')
    try:
        station.start()
        kiosk.start()
        unknown.wait_for()  # pushed by the live stream, no reload
        other_site.wait_for()
        assert unknown.inner_text().startswith(
            "Thiết bị counter-77 gửi trạng thái nhưng máy chủ không biết thiết bị này")
        assert other_site.inner_text().startswith(
            "Thiết bị kiosk-9 gửi trạng thái cho điểm giao dịch camau-hc mà máy chủ không biết")
        log = server.log_text()
        assert "status from unknown or retired device 'counter-77'" in log
        assert "device 'kiosk-9' reports for site 'camau-hc'" in log

        station.close()  # offline: no longer reporting, no longer listed
        unknown.wait_for(state="detached")
    finally:
        station.close()
        kiosk.close()
    other_site.wait_for(state="detached")
