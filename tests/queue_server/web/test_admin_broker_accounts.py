"""Devices added in /admin get their broker account at once, or nothing changes at all."""

from __future__ import annotations

import shutil
import threading
import tomllib
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from firmware_config.broker_acl import SERVER_USER
from firmware_config.hall_generator import generate
from firmware_config.mosquitto_passwd import parse_passwd, verify_password
from protocol.broker_url import BrokerUrl
from queue_server.storage.tables import Device
from tests.queue_server.web.conftest import SITE_FILE, build_hall, close_hall


def _between(page: str, start: str) -> str:
    return page.split(start)[1].split("<")[0]


def _kept_hall(tmp_path, **config):
    folder = tmp_path / "broker"
    generate(SITE_FILE, folder, server_host="127.0.0.1")
    server_url = tomllib.loads((folder / "server.toml").read_text())["mqtt_url"]
    h = build_hall(tmp_path, mqtt_url=server_url, broker_accounts_dir=folder,
                   public_url="http://127.0.0.1:8080", **config)
    h.folder = folder
    h.server_password = BrokerUrl.parse(server_url).password
    return h


@pytest.fixture
def kept(tmp_path):
    """A hall whose server keeps the broker files of a generated hall folder."""
    h = _kept_hall(tmp_path)
    yield h
    close_hall(h)


@pytest.fixture
def kept_any_db(tmp_path, database_url):
    h = _kept_hall(tmp_path, database_url=database_url)
    yield h
    close_hall(h)


def _hashes(folder) -> dict[str, str]:
    return {u: h for u, (_, h) in parse_passwd((folder / "passwd").read_text()).items()}


def test_new_counter_device_gets_its_own_account_and_rules(kept):
    before = _hashes(kept.folder)
    admin = kept.login("admin")
    r = admin.post("/admin/devices/new", data={"code": "counter-6b", "kind": "counter",
                                               "counter": "6"})
    assert r.status_code == 200, r.get_data(as_text=True)
    page = r.get_data(as_text=True)
    password = _between(page, 'id="broker-password">')
    url = _between(page, 'id="mqtt-url">')
    assert url == f"mqtt://counter-6b:{password}@127.0.0.1:1883"
    assert "Thông tin đăng nhập của thiết bị counter-6b" in page
    # the whole config file, ready for /etc/motcua/counter.toml
    config = tomllib.loads(_between(page, 'id="device-config">').replace("&#34;", '"'))
    assert (config["device_id"], config["counter"], config["mqtt_url"]) == (
        "counter-6b", "6", url)
    assert 'download="counter-6b.toml"' in page

    hashes = _hashes(kept.folder)
    assert verify_password(password, hashes["counter-6b"])
    # every account the generated folder held is still there, unchanged
    assert {u: hashes[u] for u in before} == before
    assert verify_password(kept.server_password, hashes[SERVER_USER])
    acl = (kept.folder / "acl").read_text()
    block = acl.split("user counter-6b\n")[1].split("\n\n")[0]
    assert block.splitlines() == [
        "topic write motcua/camau-hcc/counter/6/cmd",
        "topic read motcua/camau-hcc/counter/6/state",
        "topic write motcua/camau-hcc/device/counter-6b/status",
    ]
    assert (kept.folder / "passwd").stat().st_mode & 0o777 == 0o640
    with kept.runtime.hall.transaction() as db:
        stored = db.scalar(select(Device.broker_password_hash).where(Device.code == "counter-6b"))
    assert stored == hashes["counter-6b"]
    listing = admin.get("/admin/devices").get_data(as_text=True)
    assert password not in listing
    row = listing.split('data-device="counter-6b"')[1].split("</tr>")[0]
    assert 'data-broker-account="yes"' in row


def test_a_new_broker_password_replaces_the_old_one(kept):
    admin = kept.login("admin")
    old_hash = _hashes(kept.folder)["display-1"]
    r = admin.post("/admin/devices/display-1/broker-password")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    password = _between(page, 'id="broker-password">')
    new_hash = _hashes(kept.folder)["display-1"]
    assert new_hash != old_hash and verify_password(password, new_hash)
    assert 'id="device-token"' not in page  # the token was not touched
    assert admin.post("/admin/devices/nobody/broker-password").status_code == 404


def test_files_that_cannot_be_written_change_nothing(kept):
    admin = kept.login("admin")
    shutil.rmtree(kept.folder)
    r = admin.post("/admin/devices/new", data={"code": "display-2", "kind": "display",
                                               "counter": ""})
    assert r.status_code == 503
    assert "Không ghi được tệp tài khoản của broker MQTT" in r.get_data(as_text=True)
    with kept.runtime.hall.transaction() as db:
        assert db.scalar(select(Device).where(Device.code == "display-2")) is None
    assert not kept.published


def test_a_server_that_does_not_keep_the_accounts_says_so(hall):
    admin = hall.login("admin")
    assert admin.post("/admin/devices/display-1/broker-password").status_code == 409
    r = admin.post("/admin/devices/new", data={"code": "display-2", "kind": "display",
                                               "counter": ""})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="broker-password"' not in page
    assert "firmware_config generate" in page
    assert "Cấp mật khẩu MQTT mới" not in admin.get("/admin/devices").get_data(as_text=True)


def test_at_start_the_files_follow_the_database(kept, caplog):
    admin = kept.login("admin")
    page = admin.post("/admin/devices/new", data={"code": "display-2", "kind": "display",
                                                  "counter": ""}).get_data(as_text=True)
    password = _between(page, 'id="broker-password">')
    assert (kept.folder / "reload-request").exists()  # what the path unit on a Pi watches
    (kept.folder / "passwd").unlink()  # a restored card, an overwritten file…
    kept.runtime.sync_broker_accounts()
    hashes = _hashes(kept.folder)
    assert verify_password(password, hashes["display-2"])
    assert verify_password(kept.server_password, hashes[SERVER_USER])
    shutil.rmtree(kept.folder)
    kept.runtime.sync_broker_accounts()  # logged, never fatal: the hall keeps running
    assert "config key 'broker_accounts_dir'" in caplog.text


def test_admins_adding_devices_at_once_lose_no_account(kept_any_db):
    hall = kept_any_db
    clients = [hall.login("admin") for _ in range(6)]
    start = threading.Barrier(len(clients))

    def add(n: int) -> int:
        start.wait()
        return clients[n].post("/admin/devices/new", data={
            "code": f"display-{n + 10}", "kind": "display", "counter": ""}).status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        assert list(pool.map(add, range(len(clients)))) == [200] * len(clients)
    users = set(_hashes(hall.folder))
    assert {f"display-{n + 10}" for n in range(len(clients))} <= users


def test_a_retired_device_loses_token_account_and_dashboard_place(kept):
    admin = kept.login("admin")
    page = admin.post("/admin/devices/new", data={"code": "kiosk-2", "kind": "kiosk",
                                                  "counter": ""}).get_data(as_text=True)
    token = _between(page, 'id="device-token">')
    kiosk = kept.client()
    headers = {"Authorization": f"Bearer {token}"}
    assert kiosk.post("/api/v1/tickets", json={"service": "B"}, headers=headers,
                      ).status_code == 201
    assert "kiosk-2" in admin.get("/dashboard").get_data(as_text=True)
    confirm = admin.get("/admin/devices/kiosk-2/retire")
    assert confirm.status_code == 200
    assert "Ngừng dùng thiết bị kiosk-2?" in confirm.get_data(as_text=True)
    assert "kiosk-2" in _hashes(kept.folder)  # asking is not doing
    r = admin.post("/admin/devices/kiosk-2/retire")
    assert r.status_code == 302
    # at once, not when the token cache runs out
    r = kiosk.post("/api/v1/tickets", json={"service": "B"}, headers=headers)
    assert r.status_code == 401
    assert "kiosk-2" not in _hashes(kept.folder)
    assert "user kiosk-2" not in (kept.folder / "acl").read_text()
    listing = admin.get("/admin/devices").get_data(as_text=True)
    assert '<p class="flash ok" role="status">Thiết bị kiosk-2 đã ngừng dùng' in listing
    row = listing.split('data-device="kiosk-2"')[1].split("</tr>")[0]
    assert 'data-in-use="no"' in row and "Đã ngừng dùng" in row
    assert "kiosk-2" not in admin.get("/dashboard").get_data(as_text=True)
    for action in ("token", "broker-password", "retire"):
        assert admin.post(f"/admin/devices/kiosk-2/{action}").status_code == 409, action

    page = admin.post("/admin/devices/kiosk-2/reinstate").get_data(as_text=True)
    new_token = _between(page, 'id="device-token">')
    password = _between(page, 'id="broker-password">')
    assert new_token != token
    assert verify_password(password, _hashes(kept.folder)["kiosk-2"])
    assert kiosk.post("/api/v1/tickets", json={"service": "B"}, headers=headers,
                      ).status_code == 401  # the old token is not trusted again
    assert kiosk.post("/api/v1/tickets", json={"service": "B"},
                      headers={"Authorization": f"Bearer {new_token}"}).status_code == 201


def test_a_new_token_replaces_the_old_one_at_once(hall):
    admin = hall.login("admin")
    page = admin.post("/admin/devices/new", data={"code": "kiosk-2", "kind": "kiosk",
                                                  "counter": ""}).get_data(as_text=True)
    old = {"Authorization": "Bearer " + _between(page, 'id="device-token">')}
    kiosk = hall.client()
    assert kiosk.post("/api/v1/tickets", json={"service": "B"}, headers=old).status_code == 201
    admin.post("/admin/devices/kiosk-2/token")
    assert kiosk.post("/api/v1/tickets", json={"service": "B"}, headers=old).status_code == 401
