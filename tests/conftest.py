"""Shared fixtures: a private Mosquitto per test session, MQTT probes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")

#: places a run of the tests must leave as it found them (a device's defaults point there)
OUTSIDE = (Path("/var/lib/motcua"), Path(__file__).resolve().parents[1] / "var" / "kiosk")


@pytest.fixture(scope="session", autouse=True)
def machine_left_as_found():
    """Fails the run if a test wrote into the machine's or the checkout's data folders."""
    absent = [p for p in OUTSIDE if not p.exists()]
    yield
    created = [str(p) for p in absent if p.exists()]
    assert not created, f"the tests created {created}: keep test files in tmp folders"


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory) -> MosquittoBroker:
    """A private Mosquitto on a free loopback port, shared by the session's tests."""
    broker = MosquittoBroker(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def private_mosquitto(tmp_path) -> MosquittoBroker:
    """A broker of the test's own, for tests that stop and restart it."""
    broker = MosquittoBroker(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def mqtt_probe():
    """Factory: ``probe = mqtt_probe(url, ["motcua/x/#"])``; closed after the test."""
    probes: list[MqttProbe] = []

    def make(url: str, topics: list[str]) -> MqttProbe:
        probe = MqttProbe(url, topics)
        probes.append(probe)
        return probe

    yield make
    for p in probes:
        p.close()


@pytest.fixture
def live_server(tmp_path, mosquitto):
    """The real server (subprocess) on a fresh SQLite file with the example site loaded.

    Attributes: ``url``, ``mqtt_url``, ``site``, ``tokens`` (device id → token),
    ``take_ticket(service, priority=False, key=None)``, ``restart()``, ``log_text()``.
    """
    from tests.support.live_server import LiveServer

    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url)
    server.prepare()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url():
    """URL of a fresh PostgreSQL schema, dropped afterwards; skips when no server answers."""
    from tests.support.postgres import create_schema, drop_schema

    try:
        schema, url = create_schema()
    except ConnectionError as exc:
        pytest.skip(str(exc))
    yield url
    drop_schema(schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each test using it runs twice: on a SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'motcua.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def live_server_any_db(tmp_path, mosquitto, database_url):
    """``live_server`` on SQLite and on PostgreSQL."""
    from tests.support.live_server import LiveServer

    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url, database_url=database_url)
    server.prepare()
    server.start()
    yield server
    server.stop()


#: accounts the ``staffed_server`` fixture creates: role → (username, password)
STAFF = {
    "admin": ("quantri", "quan-tri-mat-khau-1"),
    "manager": ("lanhdao", "lanh-dao-mat-khau-1"),
    "officer": ("canbo1", "can-bo-mat-khau-1"),
}


@pytest.fixture
def staffed_server(live_server):
    """``live_server`` with an admin, a manager and an officer account (see ``STAFF``)."""
    from tests.support.live_server import create_user

    for role, (username, password) in STAFF.items():
        create_user(live_server, role, username, password)
    live_server.staff = STAFF
    return live_server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download needed)."""
    import shutil

    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("chromium is not installed (apt-get install chromium); make test installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page per test (own cookies), Vietnamese by default."""
    context = browser.new_context(locale="vi-VN")
    pg = context.new_page()
    pg.set_default_timeout(10000)
    yield pg
    context.close()


@pytest.fixture
def in_process_hall(database_url):
    """The service layer on SQLite and on PostgreSQL, example site loaded, fake clock."""
    from tests.support.in_process import build_hall

    hall = build_hall(database_url)
    yield hall
    hall.hall.sessions.kw["bind"].dispose()
