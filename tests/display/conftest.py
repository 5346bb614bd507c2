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
def board_app_factory(site: str, device_id: str, tmp_path):
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
                # voice clips, if the app makes them, go to the test's folder
                "data_dir": str(tmp_path),
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


@pytest.fixture(scope="session")
def voice_clips(tmp_path_factory):
    """A clip set made once per session by the real espeak-ng (English included)."""
    import shutil

    from voice.clip_set import generate_clip_set

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("voice")
    generate_clip_set(folder, english=True)
    return folder


@pytest.fixture
def running_board(site: str, device_id: str, voice_clips):
    """``running_board(url, **config)`` → a BoardApp whose real loop runs in a thread,
    headless, speaking into a RecordingSink; stopped after the test."""
    import threading

    from display.announcer import Announcer, RecordingSink
    from voice.clip_set import ClipSet
    from voice.phrase import PhraseBuilder

    started: list[tuple[BoardApp, threading.Thread]] = []

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
        announcer = Announcer(RecordingSink(), PhraseBuilder(ClipSet(voice_clips)), gap_s=0.0)
        app = BoardApp(config, headless=True, announcer=announcer)
        thread = threading.Thread(target=app.run, name="board-loop", daemon=True)
        thread.start()
        started.append((app, thread))
        return app

    yield make
    for app, thread in started:
        app.stop()
        thread.join(20)
        assert not thread.is_alive(), "the board loop did not stop"
