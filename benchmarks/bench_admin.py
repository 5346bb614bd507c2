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
import socket
import subprocess
import tempfile
import threading
import time
import tomllib
from pathlib import Path

import paho.mqtt.client as mqtt
import requests
from paho.mqtt.enums import CallbackAPIVersion

from benchmarks.figures import Figure, percentile

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 20
ADMIN = ("quantri", "quan-tri-mat-khau-1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _accepted(username: str, password: str, port: int) -> bool:
    result: list[bool] = []
    done = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.username_pw_set(username, password)

    def on_connect(client, userdata, flags, reason_code, properties):
        result.append(not reason_code.is_failure)
        done.set()

    client.on_connect = on_connect
    client.connect("127.0.0.1", port)
    client.loop_start()
    done.wait(5)
    client.loop_stop()
    client.disconnect()
    return bool(result and result[0])


def _start_broker(hall: Path, port: int) -> subprocess.Popen:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    conf = hall / "bench-mosquitto.conf"
    conf.write_text(
        f"user root\nlistener {port} 127.0.0.1\nallow_anonymous false\n"
        f"password_file {hall / 'passwd'}\nacl_file {hall / 'acl'}\n"
        f"pid_file {hall / 'mosquitto.pid'}\nset_tcp_nodelay true\npersistence false\n"
    )
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if (hall / "mosquitto.pid").exists():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc
            except OSError:
                pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("mosquitto did not start")


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

    work = Path(tempfile.mkdtemp(prefix="bench-admin-"))
    hall = work / "hall"
    site_file = ROOT / "firmware_config" / "examples" / "site.toml"
    generate(site_file, hall, server_host="127.0.0.1")
    broker_port, port = _free_port(), _free_port()
    broker = _start_broker(hall, broker_port)
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
            password = re.search(r'id="broker-password">([^<]+)<', r.text).group(1)
            while not _accepted(f"display-{n + 10}", password, broker_port):
                if time.perf_counter() - t0 > 10:
                    raise RuntimeError("the broker never accepted the new account")
                time.sleep(0.005)
            login_ms.append((time.perf_counter() - t0) * 1000)
            progress(f"{n + 1}/{SAMPLES} devices added")
    finally:
        server.close()
        runtime.stop()
        broker.terminate()
        broker.wait(5)
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
