"""``python -m display`` as a real process: screenshots, clean stops, last will, bad config."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from display.board_view import HIGHLIGHT_OFF, HIGHLIGHT_ON, PANEL_IDLE, Layout
from display.video_driver import video_driver_for
from protocol import DeviceStatus, Topics, decode, encode
from tests.display.board_testkit import a_call, is_status, snapshot, wait_until, write_config
from tests.support.cli_output import assert_one_line_error, run_module
from voice.audio_devices import playback_device_present

ROOT = Path(__file__).resolve().parents[2]


def start_display(config: Path, *args: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    for key in ("MOTCUA_MQTT_URL", "MOTCUA_SITE", "MOTCUA_DEVICE_ID"):
        env.pop(key, None)
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "display", "run", "--config", str(config), *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def probe_colour(png: Path) -> tuple[int, int, int] | None:
    """The colour of the newest-call panel's probe point in a 1280×720 screenshot."""
    if not png.exists():
        return None
    image = pygame.image.load(str(png))
    assert image.get_size() == (1280, 720)
    return tuple(image.get_at(Layout.for_size(1280, 720).highlight_probe))[:3]


@pytest.fixture
def running(tmp_path):
    procs: list[subprocess.Popen] = []

    def run(config: Path, *args: str) -> subprocess.Popen:
        proc = start_display(config, *args, log=tmp_path / f"display-{len(procs)}.log")
        procs.append(proc)
        return proc

    yield run
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_help_lists_the_run_options():
    out = subprocess.run(
        [sys.executable, "-m", "display", "run", "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 0
    for option in ("--config", "--screenshot", "--exit-after", "--windowed"):
        assert option in out.stdout


def test_a_call_reaches_the_screenshot_and_sigterm_stops_cleanly(
    mosquitto, mqtt_probe, running, site, device_id, tmp_path
):
    topics = Topics(site)
    probe = mqtt_probe(mosquitto.url, [topics.status(device_id)])
    probe.publish(topics.board, encode(snapshot()), retain=True)
    shot = tmp_path / "frames" / "board.png"
    shot.parent.mkdir()
    config = write_config(tmp_path / "display.toml", mosquitto.url, site, device_id)
    proc = running(config, "--screenshot", str(shot), "--exit-after", "120")

    probe.wait_for(is_status(device_id, True), timeout=20)
    wait_until(lambda: probe_colour(shot) == PANEL_IDLE, 20, "a screenshot of the board")

    probe.publish(topics.calls, encode(a_call(11)))
    wait_until(
        lambda: probe_colour(shot) in (HIGHLIGHT_ON, HIGHLIGHT_OFF), 20, "the highlighted call"
    )

    # first start: the voice clips are generated into the data dir, then the call spoken
    log = tmp_path / "display-0.log"
    wait_until(lambda: "announced A012 to counter 5" in log.read_text(errors="replace"), 60,
               "the announcement")
    assert (tmp_path / "voice" / "manifest.json").is_file()
    assert log.read_text().count("announced A012") == 1

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    # a clean stop says so itself (no last will is sent on a clean disconnect)
    _, payload = probe.wait_for(is_status(device_id, False))
    assert decode(payload, DeviceStatus).online is False
    assert probe_colour(shot) in (HIGHLIGHT_ON, HIGHLIGHT_OFF)
    assert [p.name for p in shot.parent.iterdir()] == ["board.png"]


def test_the_last_will_marks_a_killed_display_offline(
    mosquitto, mqtt_probe, running, site, device_id, tmp_path
):
    topics = Topics(site)
    probe = mqtt_probe(mosquitto.url, [topics.status(device_id)])
    config = write_config(tmp_path / "display.toml", mosquitto.url, site, device_id)
    proc = running(config, "--exit-after", "120")
    probe.wait_for(is_status(device_id, True), timeout=20)

    proc.kill()
    proc.wait(10)
    probe.wait_for(is_status(device_id, False), timeout=20)
    late = mqtt_probe(mosquitto.url, [topics.status(device_id)])
    _, payload = late.wait_for(lambda t, p: True)
    assert decode(payload, DeviceStatus).online is False


def test_exit_after_stops_and_leaves_a_screenshot_even_without_a_broker(
    running, site, device_id, tmp_path
):
    from tests.support.mosquitto import free_port

    shot = tmp_path / "board.png"
    url = f"mqtt://127.0.0.1:{free_port()}"
    config = write_config(tmp_path / "display.toml", url, site, device_id)
    proc = running(config, "--screenshot", str(shot), "--exit-after", "1")
    assert proc.wait(30) == 0
    assert probe_colour(shot) == PANEL_IDLE


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"recent_count": 0}, "recent_count"),
        ({"mqtt_url": "http://broker:1883"}, "mqtt_url"),
        ({"language": "fr"}, "language"),
        ({"width": "wide"}, "width"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_a_bad_config_names_the_key_and_exits_2(extra, key, site, device_id, tmp_path):
    config = write_config(
        tmp_path / "display.toml", extra.pop("mqtt_url", "mqtt://127.0.0.1:1"), site,
        device_id, **extra,
    )
    out = subprocess.run(
        [sys.executable, "-m", "display", "run", "--config", str(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 2
    assert f"'{key}'" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_missing_key_or_file_exits_2(tmp_path):
    config = tmp_path / "display.toml"
    config.write_text('site = "x"\ndevice_id = "d"\nmqtt_url = "mqtt://127.0.0.1:1"\n')
    out = subprocess.run(
        [sys.executable, "-m", "display", "run", "--config", str(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 2 and "'centre_name'" in out.stderr
    out = subprocess.run(
        [sys.executable, "-m", "display", "run", "--config", str(tmp_path / "nope.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 2 and "not found" in out.stderr


def test_a_board_without_screen_or_sound_logs_two_clear_lines_and_no_library_noise(tmp_path):
    """A console-only machine: no DISPLAY, no /dev/dri, no sound card, nothing set by hand."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER", "DISPLAY", "WAYLAND_DISPLAY",
                        "XDG_RUNTIME_DIR", "PULSE_SERVER")}
    if video_driver_for(env) != "offscreen" or playback_device_present(env):
        pytest.skip("this machine has a screen or a sound device")
    config = write_config(tmp_path / "display.toml", "mqtt://127.0.0.1:9", "camau-hcc",
                          "display-1")
    shot = tmp_path / "board.png"
    out = subprocess.run(
        [sys.executable, "-m", "display", "run", "--config", str(config),
         "--screenshot", str(shot), "--exit-after", "2"],
        cwd=ROOT, env=env | {"PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    noise = [ln for ln in out.stderr.splitlines() if "ALSA" in ln or "XDG_RUNTIME_DIR" in ln]
    assert not noise, noise
    assert "no screen" in out.stderr and "no audio device" in out.stderr
    assert shot.exists()


def test_an_output_folder_that_does_not_exist_is_one_line(tmp_path):
    config = write_config(tmp_path / "display.toml", "mqtt://127.0.0.1:1", "camau-hcc",
                          "display-1")
    missing = tmp_path / "no-such-folder" / "board.png"
    out = run_module("display", "run", "--config", str(config), "--exit-after", "5",
                     "--screenshot", str(missing))
    assert_one_line_error(out, "--screenshot", str(missing.parent))
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    out = run_module("display", "screenshots", "--out", str(blocked / "shots"))
    assert_one_line_error(out, "--out", str(blocked))
