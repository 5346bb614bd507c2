"""A citizen, an officer and a display board meet through the real parts.

A ticket is taken over HTTP by the real kiosk code (printing to a file), an officer
presses the mock-GPIO "next" button of the real counter station, a separate MQTT
client sees the call, and the real display process shows it in its screenshot.
"""

import json
import subprocess
import sys
import time

from gpiozero.pins.mock import MockFactory
from PIL import Image, ImageChops

from counter.station import CounterStation
from kiosk.station import KioskStation
from tests.support.live_server import ROOT


def wait_until(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_ticket_button_call_display(live_server, mqtt_probe, tmp_path):
    site = live_server.site
    probe = mqtt_probe(live_server.mqtt_url, [f"motcua/{site}/calls"])
    screenshot = tmp_path / "board.png"
    display_cfg = tmp_path / "display.toml"
    display_cfg.write_text(
        f'site = "{site}"\ndevice_id = "display-1"\nmqtt_url = "{live_server.mqtt_url}"\n'
        'centre_name = "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"\n'
        "fullscreen = false\nwidth = 1280\nheight = 720\nrecent_count = 8\n"
        f'data_dir = "{tmp_path}"\n',
        encoding="utf-8")
    display = subprocess.Popen(
        [sys.executable, "-m", "display", "run", "--config", str(display_cfg),
         "--screenshot", str(screenshot), "--exit-after", "60"],
        cwd=ROOT, env={"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
                       "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tickets_file = tmp_path / "tickets.bin"
    kiosk = KioskStation.from_config({
        "site": site, "device_id": "kiosk-1", "server_url": live_server.url,
        "device_token": live_server.tokens["kiosk-1"], "printer": f"file:{tickets_file}",
        "profile": "TM-T20II", "data_dir": str(tmp_path / "kiosk-data"),
    })
    station = CounterStation.from_config({
        "site": site, "device_id": "counter-5", "counter": "5",
        "mqtt_url": live_server.mqtt_url, "buttons": {"next": 17, "recall": 27, "skip": 22},
    }, pin_factory=MockFactory())
    try:
        wait_until(screenshot.exists, what="the first screenshot")
        before = Image.open(screenshot).convert("RGB")

        ticket = kiosk.take_ticket("C")
        assert ticket["number"] == "C001"
        assert tickets_file.stat().st_size > 1000  # the ESC/POS raster of the printed ticket

        station.start()
        wait_until(lambda: station.connected, what="the counter to connect")
        station.press("next")
        _, payload = probe.wait_for(lambda t, p: json.loads(p)["ticket"] == "C001")
        call = json.loads(payload)
        assert call["counter"] == "5" and call["recall"] is False
        wait_until(lambda: station.current_ticket == "C001", what="the counter's state")

        def board_changed():
            try:
                after = Image.open(screenshot).convert("RGB")
            except OSError:  # caught mid-replace: try again
                return False
            return ImageChops.difference(before, after).getbbox() is not None

        wait_until(board_changed, what="the call on the display")
    finally:
        station.close()
        kiosk.close()
        display.terminate()
        display.wait(10)
