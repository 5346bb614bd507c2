"""The spoken number: once per printed ticket, never in the way of the screen or the ticket."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pygame
import pytest
from escpos.printer import Dummy

from kiosk.kiosk_config import KioskConfig
from kiosk.screen_model import CONFIRM_SECONDS
from kiosk.station import KioskStation
from kiosk.ticket_voice import TicketVoice, start_ticket_voice
from kiosk.touch_ui import TouchUI
from protocol.config_file import ConfigError
from tests.kiosk.ui_driver import SIZE, FakeClock, button_rect, centre, finger_tap, run_until
from voice.clip_set import ClipSet, generate_clip_set
from voice.mixer_output import MixerOutput
from voice.phrase import PhraseBuilder, ticket_prompt_clips

ROOT = Path(__file__).resolve().parents[2]


class RecordingOut:
    """An audio output that keeps what it is given."""

    def __init__(self) -> None:
        self.played: list[bytes] = []

    def open(self) -> bool:
        return True

    def play(self, wav: bytes, volume: float) -> None:
        self.played.append(wav)


class HeldOut(RecordingOut):
    """An audio output whose first ``play`` does not return until the test releases it."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def play(self, wav: bytes, volume: float) -> None:
        self.entered.set()
        assert self.release.wait(60)
        super().play(wav, volume)


@pytest.fixture(scope="module")
def generated_vi_clips(tmp_path_factory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("kiosk-voice")
    generate_clip_set(folder)
    return folder


@pytest.fixture
def vi_clips(generated_vi_clips, tmp_path) -> Path:
    """A copy of the Vietnamese clip set the test may change."""
    folder = tmp_path / "voice"
    shutil.copytree(generated_vi_clips, folder)
    return folder


@pytest.fixture
def make_station(kiosk_cfg):
    stations: list[KioskStation] = []

    def make(**extra: object) -> KioskStation:
        station = KioskStation.from_config({**kiosk_cfg, **extra},
                                           printer=Dummy(profile="TM-T20II"))
        stations.append(station)
        return station

    yield make
    for station in stations:
        station.close()


def _open_ui(station: KioskStation, voice: TicketVoice | None) -> tuple[TouchUI, FakeClock]:
    clock = FakeClock()
    ui = TouchUI(station, SIZE, clock=clock, voice=voice)
    ui.open(size=SIZE)
    run_until(ui, lambda: ui.screen.page == "start")
    return ui, clock


def _take(ui: TouchUI, clock: FakeClock, service: str) -> str:
    """Tap a field on the start page and wait for the confirmation; the ticket number."""
    if ui.screen.page != "start":
        clock.now += CONFIRM_SECONDS + 0.1
        run_until(ui, lambda: ui.screen.page == "start")
    finger_tap(ui, *centre(button_rect(ui, "service", service)))
    run_until(ui, lambda: ui.screen.page == "confirm" and ui.screen.ticket is not None
              and ui.screen.ticket["service"] == service)
    return ui.screen.ticket["number"]


def test_the_real_touch_ui_speaks_each_printed_ticket_once(make_station, vi_clips) -> None:
    assert os.environ.get("SDL_AUDIODRIVER") == "dummy"
    station = make_station(speak=True, voice_dir=str(vi_clips), volume=0.8)
    voice = start_ticket_voice(station.config)
    assert isinstance(voice.out, MixerOutput) and voice.volume == 0.8
    voice.stale_s = 120  # a slow machine must not turn this into a test of timing
    ui, clock = _open_ui(station, voice)
    try:
        first = _take(ui, clock, "A")
        second = _take(ui, clock, "B")
        assert (first, second) == ("A001", "B001")
        assert voice.wait_handled(2, timeout=60)
        assert pygame.mixer.get_init() == (22050, -16, 1)  # the real mixer played them
        for _ in range(5):
            ui.step()
    finally:
        ui.shut()
    assert [s.number for s in voice.spoken] == ["A001", "B001"]
    assert voice.spoken[0].clips == tuple(ticket_prompt_clips("A001"))
    assert voice.handled == 2


def test_the_confirmation_does_not_wait_for_speech(make_station, vi_clips) -> None:
    station = make_station()
    out = HeldOut()
    voice = TicketVoice(vi_clips, out=out, stale_s=120).start()
    ui, clock = _open_ui(station, voice)
    try:
        assert _take(ui, clock, "A") == "A001"
        assert out.entered.wait(30)  # the first prompt is "playing" and does not end
        # the screen and the next citizen's ticket go on regardless
        assert _take(ui, clock, "C") == "C001"
        assert b"\x1dv0" in station.printer.printer.output
        assert out.played == []
        out.release.set()
        assert voice.wait_handled(2, timeout=60)
    finally:
        out.release.set()
        ui.shut()
    assert [s.number for s in voice.spoken] == ["A001", "C001"]
    assert len(out.played) == 2


def test_a_missing_clip_is_logged_once_and_tickets_go_on(
    make_station, vi_clips, contract_server, caplog
) -> None:
    (vi_clips / "so-cua-ban-la.wav").unlink()
    out = RecordingOut()
    voice = TicketVoice(vi_clips, out=out, generate=False).start()
    clock = FakeClock()
    ui = TouchUI(make_station(), SIZE, background=False, clock=clock, voice=voice)
    try:
        with caplog.at_level(logging.INFO, logger="kiosk.ticket_voice"):
            ui.refresh()
            for service in ("A", "B"):
                clock.now += CONFIRM_SECONDS + 0.1
                ui.tick()
                ui.click(*centre(button_rect(ui, "service", service)))
                assert ui.screen.page == "confirm"
            assert voice.wait_handled(2, timeout=30)
    finally:
        voice.close()
    assert [p[3]["service"] for p in contract_server.posts()] == ["A", "B"]
    assert contract_server.cancelled() == []
    assert out.played == [] and voice.spoken == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("1 missing" in r.getMessage() for r in warnings)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "so-cua-ban-la" in errors[0] and "Số của bạn là" in errors[0]


def test_missing_clips_are_generated_in_the_background(tmp_path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path / "voice"
    out = RecordingOut()
    voice = TicketVoice(folder, out=out, stale_s=120).start()
    voice.speak("U003")  # accepted at once, spoken once the clips are there
    try:
        assert voice.ready.wait(60)
        assert ClipSet(folder).is_complete()
        assert voice.wait_handled(1, timeout=30)
    finally:
        voice.close()
    expected = PhraseBuilder(ClipSet(folder)).ticket_prompt("U003")
    assert out.played == [expected.wav]


def test_speak_false_opens_no_audio_and_plays_nothing(make_station, kiosk_cfg) -> None:
    config = KioskConfig.from_dict({**kiosk_cfg, "speak": False}, printer_needed=False)
    assert start_ticket_voice(config, out=RecordingOut()) is None
    default = KioskConfig.from_dict(kiosk_cfg, printer_needed=False)
    assert default.speak is False and start_ticket_voice(default) is None

    pygame.mixer.quit()
    station = make_station(speak=False)
    ui, clock = _open_ui(station, start_ticket_voice(station.config))
    try:
        assert _take(ui, clock, "A") == "A001"
        assert pygame.mixer.get_init() is None  # no audio device was even opened
    finally:
        ui.shut()


def test_voice_config_keys(kiosk_cfg, tmp_path) -> None:
    config = KioskConfig.from_dict(kiosk_cfg, printer_needed=False)
    assert config.clip_dir == Path(kiosk_cfg["data_dir"]) / "voice"
    assert config.volume == 1.0
    config = KioskConfig.from_dict({**kiosk_cfg, "speak": True, "voice_dir": str(tmp_path),
                                    "volume": 0}, printer_needed=False)
    assert (config.speak, config.clip_dir, config.volume) == (True, tmp_path, 0.0)
    for key, value in (("speak", "yes"), ("volume", 1.5), ("volume", True),
                       ("voice_dir", " "), ("voice_dir", 3)):
        with pytest.raises(ConfigError, match=f"'{key}'"):
            KioskConfig.from_dict({**kiosk_cfg, key: value}, printer_needed=False)


def test_without_an_audio_device_the_kiosk_logs_once_and_stays_silent(vi_clips) -> None:
    code = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
        "from kiosk.ticket_voice import TicketVoice\n"
        f"voice = TicketVoice({str(vi_clips)!r}).start()\n"
        "voice.speak('A001'); voice.speak('A002')\n"
        "assert voice.wait_handled(2, 30)\n"
        "voice.close()\n"
        "print('spoken', len(voice.spoken))\n"
    )
    env = {**os.environ, "SDL_AUDIODRIVER": "no-such-driver"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("no audio device") == 1
    assert "spoken 0" in out.stdout


def test_kiosk_run_speaks_with_speak_true(contract_server, vi_clips, tmp_path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'site = "camau-hcc"\ndevice_id = "kiosk-voice"\nserver_url = "{contract_server.url}"\n'
        f'device_token = "{contract_server.token}"\nprinter = "file:{tmp_path / "t.bin"}"\n'
        f'data_dir = "{tmp_path / "data"}"\nspeak = true\nvoice_dir = "{vi_clips}"\n'
        "volume = 0.5\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config), "--windowed",
         "--exit-after", "6", "--tap-every", "1.5"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "kiosk voice ready" in out.stderr
    assert "spoke ticket A001" in out.stderr, out.stderr

    text = config.read_text(encoding="utf-8").replace("volume = 0.5", "volume = 2")
    config.write_text(text, encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(config)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert "'volume'" in bad.stderr and "Traceback" not in bad.stderr
