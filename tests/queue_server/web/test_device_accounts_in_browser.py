"""An admin sets up a new counter in Chromium; its call station logs in to the locked broker.

The real server keeps the passwd and ACL of a generated hall folder, the real Mosquitto
runs from that folder with ``allow_anonymous false``, and the credentials are read off
the page exactly as an installer would copy them.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from firmware_config.hall_generator import generate
from protocol.broker_url import BrokerUrl
from protocol.codec import encode
from protocol.messages import Command, new_command_id, now_utc
from tests.conftest import STAFF
from tests.firmware_config.broker_account import BrokerAccount
from tests.firmware_config.hall_broker import HallBroker
from tests.support.live_server import LiveServer, create_user
from tests.support.screenshots import screenshot_dir

SITE = Path(__file__).resolve().parents[3] / "firmware_config" / "examples" / "site.toml"
ROOT = "motcua/camau-hcc"
DOCS = screenshot_dir("admin")


@pytest.fixture
def locked_hall(tmp_path):
    out = tmp_path / "hall"
    generate(SITE, out, server_host="127.0.0.1")
    pid_file = out / "mosquitto.pid"
    broker = HallBroker(out, extra_conf=f"pid_file {pid_file}\n")
    broker.start()
    own_url = tomllib.loads((out / "server.toml").read_text())["mqtt_url"]
    own_url = own_url.replace(":1883", f":{broker.port}")
    server = LiveServer(
        workdir=tmp_path, mqtt_url=own_url, site_file=out / "site.toml",
        extra_config=f'broker_accounts_dir = "{out}"\nbroker_pid_file = "{pid_file}"\n',
    )
    server.prepare()
    username, password = STAFF["admin"]
    create_user(server, "admin", username, password)
    server.start()
    accounts: list[BrokerAccount] = []

    def login(url: str) -> BrokerAccount:
        account = BrokerAccount(url, host="127.0.0.1", port=broker.port)
        accounts.append(account)
        return account

    yield out, server, login, own_url
    for account in accounts:
        account.close()
    server.stop()
    broker.stop()


def _logs_in(login, url: str, within: float = 5.0) -> bool:
    """Whether the broker accepts ``url``'s login; it reloads its files asynchronously."""
    deadline = time.monotonic() + within
    while True:
        ok = login(url).connect()
        if ok or time.monotonic() > deadline:
            return ok
        time.sleep(0.2)


def _refused(login, url: str, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while True:
        if not login(url).connect():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def test_new_counter_and_its_call_station_from_the_admin_pages(locked_hall, page):
    out, server, login, own_url = locked_hall
    username, password = STAFF["admin"]
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{server.url}/admin/counters/new")
    page.fill("input[name=number]", "9")
    page.check("input[name=services][value=A]")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/admin/counters")

    page.goto(f"{server.url}/admin/devices/new")
    page.fill("input[name=code]", "counter-9")
    page.select_option("select[name=kind]", "counter")
    page.select_option("select[name=counter]", "9")
    page.click("main button[type=submit]")
    page.locator("#broker-password").wait_for()
    broker_password = page.locator("#broker-password").inner_text()
    url = page.locator("#mqtt-url").inner_text()
    assert url == f"mqtt://counter-9:{broker_password}@127.0.0.1:{BrokerUrl.parse(own_url).port}"
    assert "Đã báo broker MQTT nạp tài khoản mới" in page.locator("#broker-state").inner_text()
    config = tomllib.loads(page.locator("#device-config").inner_text())
    assert (config["device_id"], config["counter"], config["mqtt_url"]) == ("counter-9", "9", url)
    assert page.get_attribute("#config-download", "download") == "counter-9.toml"
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=str(DOCS / "device-credentials.png"), full_page=True)

    # the call station logs in with exactly what the page showed, and is heard
    observer = login(own_url)
    assert observer.connect()
    observer.subscribe(f"{ROOT}/counter/+/cmd")
    assert _logs_in(login, url), "the broker did not take the new account"
    station = login(url)
    assert station.connect()
    station.subscribe(f"{ROOT}/counter/9/state")
    foreign = Command(action="next", id=new_command_id(), ts=now_utc())
    own = Command(action="next", id=new_command_id(), ts=now_utc())
    station.publish(f"{ROOT}/counter/1/cmd", encode(foreign))
    station.publish(f"{ROOT}/counter/9/cmd", encode(own))
    state = station.wait_json(lambda m: m.get("last_cmd") == own.id)
    assert state["counter"] == "9" and state["result"] in ("ok", "empty")
    assert observer.wait_for(encode(own)) == f"{ROOT}/counter/9/cmd"
    assert not observer.received(encode(foreign)), "the ACL let counter-9 press counter 1"
    # the devices of the generated folder still log in as before
    display_url = tomllib.loads((out / "display-1.toml").read_text())["mqtt_url"]
    assert login(display_url).connect()

    # a new broker password: the old one stops working, the new one works
    page.goto(f"{server.url}/admin/devices")
    row = page.locator('tr[data-device="counter-9"]')
    assert row.locator("td[data-broker-account]").get_attribute("data-broker-account") == "yes"
    row.locator("form[action$='/broker-password'] button").click()
    page.locator("#broker-password").wait_for()
    new_url = page.locator("#mqtt-url").inner_text()
    assert new_url != url
    assert _refused(login, url), "the old broker password still works"
    assert _logs_in(login, new_url)

    # retired: the broker refuses the station, the dashboard forgets it
    page.goto(f"{server.url}/admin/devices")
    page.locator('tr[data-device="counter-9"] a[href$="/retire"]').click()
    page.locator("main button.danger").click()
    page.wait_for_load_state()
    assert page.locator('tr[data-device="counter-9"] td[data-in-use]').get_attribute(
        "data-in-use") == "no"
    page.set_viewport_size({"width": 1360, "height": 900})
    page.screenshot(path=str(DOCS / "devices.png"), full_page=True)
    assert _refused(login, new_url), "a retired device still logs in"
