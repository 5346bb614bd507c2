"""An in-process server (Runtime + Flask test client) with a settable clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from protocol import Command
from queue_server.accounts import create_user
from queue_server.domain.site_spec import parse_site
from queue_server.runtime import Runtime
from queue_server.server_config import ServerConfig
from queue_server.site_loader import load_site
from queue_server.storage.migrate import upgrade
from queue_server.ticket_issuer import issue_ticket
from queue_server.web import create_app

ROOT = Path(__file__).resolve().parents[3]
SITE_FILE = ROOT / "firmware_config" / "examples" / "site.toml"
STAFF = {
    "admin": ("quantri", "quan-tri-mat-khau-1"),
    "manager": ("lanhdao", "lanh-dao-mat-khau-1"),
    "officer": ("canbo1", "can-bo-mat-khau-1"),
}


@dataclass
class Clock:
    """A hall clock the test moves by hand (a Monday, 09:00 in Cà Mau)."""

    now: datetime = field(default_factory=lambda: datetime(2025, 3, 3, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@dataclass
class Hall:
    runtime: Runtime
    app: object
    clock: Clock
    published: list = field(default_factory=list)

    def client(self, csrf: bool = False):
        self.app.config["WTF_CSRF_ENABLED"] = csrf
        return self.app.test_client()

    def login(self, role: str, client=None, lang: str = "vi"):
        client = client or self.client()
        username, password = STAFF[role]
        r = client.post(f"/login?lang={lang}", data={"username": username, "password": password})
        assert r.status_code == 302, r.data
        return client

    def take(self, service: str, **kw) -> dict:
        ticket, _ = issue_ticket(self.runtime.hall, service_code=service, **kw)
        return ticket

    def command(self, counter: str, action: str, **kw):
        n = len(self.published)
        return self.runtime.publisher.run_command(
            counter, Command(id=f"t{n}-{action}-{counter}-{self.clock.now.timestamp()}",
                             action=action, **kw)
        )

    def published_on(self, suffix: str) -> list[bytes]:
        return [payload for topic, payload, _ in self.published if topic.endswith(suffix)]


def build_hall(tmp_path: Path, **config) -> Hall:
    """The example site with staff accounts; ``config`` overrides ServerConfig fields."""
    clock = Clock()
    config = ServerConfig(**{
        "site": "camau-hcc", "database_url": f"sqlite:///{tmp_path / 'motcua.db'}",
        "mqtt_url": None, "data_dir": tmp_path, "secret_key": "k" * 32, **config,
    })
    runtime = Runtime.build(config, clock=clock)
    upgrade(runtime.engine)
    with runtime.hall.transaction() as db:
        load_site(db, parse_site(SITE_FILE.read_text(encoding="utf-8"), str(SITE_FILE)))
        for role, (username, password) in STAFF.items():
            create_user(db, username, password, role, full_name=f"Nguyễn Văn {role}")
    app = create_app(runtime, testing=True)
    app.config.update(LIVE_POLL_SECONDS=0.05, LIVE_KEEPALIVE_SECONDS=0.5,
                      LIVE_STREAM_SECONDS=5.0)
    h = Hall(runtime, app, clock)
    runtime.publisher.attach(lambda topic, payload, retain: h.published.append(
        (topic, payload, retain)))
    return h


def close_hall(h: Hall) -> None:
    h.app.extensions["live_watcher"].stop()
    h.runtime.engine.dispose()


@pytest.fixture
def hall(tmp_path) -> Hall:
    h = build_hall(tmp_path)
    yield h
    close_hall(h)


def csrf_token_of(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)
