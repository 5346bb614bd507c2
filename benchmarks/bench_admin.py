"""Admin: a device added in /admin, and how soon the locked broker accepts its login.

A real waitress server (in this process, SQLite, the example site) keeps the broker's
passwd and ACL of a generated hall folder; a real Mosquitto runs from that folder with
``allow_anonymous false`` and a pid file the server signals. An admin's session adds
display devices one at a time through the form (CSRF and all); each time, a fresh MQTT
client tries the credentials read off the page until the broker lets it in.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
import tomllib
from pathlib import Path

import requests

from benchmarks.figures import Figure, percentile

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 20
ADMIN = ("quantri", "quan-tri-mat-khau-1")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _accepted(url: str, port: int) -> bool:
    from tests.firmware_config.broker_account import BrokerAccount

    account = BrokerAccount(url, host="127.0.0.1", port=port)
    try:
        return account.connect(timeout=5)
    finally:
        account.close()


def run(progress) -> list[Figure]:
    from waitress.server import create_server

    from firmware_config.hall_generator import generate
    from queue_server.accounts import create_user
    from queue_server.domain.site_spec import parse_site
    from queue_server.runtime import Runtime
    from queue_server.server_config import ServerConfig
    from queue_server.site_loader import load_site
    from queue_server.storage.migrate import upgrade
    from queue_server.web import create_app
    from tests.firmware_config.hall_broker import HallBroker
    from tests.support.mosquitto import free_port

    work = Path(tempfile.mkdtemp(prefix="bench-admin-"))
    hall = work / "hall"
    site_file = ROOT / "firmware_config" / "examples" / "site.toml"
    generate(site_file, hall, server_host="127.0.0.1")
    broker = HallBroker(hall, extra_conf=f"pid_file {hall / 'mosquitto.pid'}\n")
    broker.start()
    broker_port, port = broker.port, free_port()
    own_url = tomllib.loads((hall / "server.toml").read_text())["mqtt_url"]
    config = ServerConfig(
        site="camau-hcc", database_url=f"sqlite:///{work / 'motcua.db'}",
        mqtt_url=own_url.replace(":1883", f":{broker_port}"), data_dir=work,
        secret_key="a" * 32, port=port, public_url=f"http://127.0.0.1:{port}",
        broker_accounts_dir=hall, broker_pid_file=hall / "mosquitto.pid",
    )
    runtime = Runtime.build(config)
    upgrade(runtime.engine)
    with runtime.hall.transaction() as db:
        load_site(db, parse_site((hall / "site.toml").read_text(encoding="utf-8")))
        create_user(db, *ADMIN, "admin")
    server = create_server(create_app(runtime), host="127.0.0.1", port=port, threads=8)
    runtime.start()
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    page_ms: list[float] = []
    login_ms: list[float] = []
    try:
        admin = requests.Session()
        token = _csrf(admin.get(f"{base}/login", timeout=10).text)
        admin.post(f"{base}/login", data={"username": ADMIN[0], "password": ADMIN[1],
                                          "csrf_token": token}, timeout=10).raise_for_status()
        for n in range(SAMPLES):
            token = _csrf(admin.get(f"{base}/admin/devices/new", timeout=10).text)
            t0 = time.perf_counter()
            r = admin.post(f"{base}/admin/devices/new", data={
                "code": f"display-{n + 10}", "kind": "display", "counter": "",
                "csrf_token": token}, timeout=10)
            page_ms.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
            url = re.search(r'id="mqtt-url">([^<]+)<', r.text).group(1)
            while not _accepted(url, broker_port):
                if time.perf_counter() - t0 > 10:
                    raise RuntimeError("the broker never accepted the new account")
                time.sleep(0.005)
            login_ms.append((time.perf_counter() - t0) * 1000)
            progress(f"{n + 1}/{SAMPLES} devices added")
    finally:
        server.close()
        runtime.stop()
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)
    method = (f"{SAMPLES} displays added one at a time through the /admin form (waitress "
              "in-process, SQLite, broker files of a generated hall folder, Mosquitto "
              "signalled through its pid file); ")
    return [
        Figure("admin: new device page, median", percentile(page_ms, 50), "ms", "-",
               method + "time from POST to the credentials page"),
        Figure("admin: new device → broker accepts its login, median",
               percentile(login_ms, 50), "ms", "< 2000 ms",
               method + "time from POST until a new MQTT client logs in with the "
               "password on the page"),
        Figure("admin: new device → broker accepts its login, max", max(login_ms), "ms",
               "< 2000 ms", method + "the slowest of them"),
    ]
