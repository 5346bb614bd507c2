"""Fixtures for the board tests: a config per test (own site, own device id), a running
in-process board."""

from __future__ import annotations

import uuid

import pytest

from display.board_app import BoardApp
from display.display_config import DisplayConfig
from tests.display.board_testkit import CENTRE


@pytest.fixture
def site() -> str:
    """A site of the test's own, so retained messages of other tests never show up."""
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def device_id() -> str:
    return f"display-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def board_app_factory(site: str, device_id: str):
    """``board_app_factory(url)`` → a connected, headless BoardApp closed after the test."""
    apps: list[BoardApp] = []

    def make(url: str, **extra: object) -> BoardApp:
        config = DisplayConfig.from_mapping(
            {
                "site": site,
                "device_id": device_id,
                "mqtt_url": url,
                "centre_name": CENTRE,
                "width": 1280,
                "height": 720,
                "recent_count": 6,
                "highlight_s": 60,
                **extra,
            }
        )
        app = BoardApp(config, headless=True)
        app.connect()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()
