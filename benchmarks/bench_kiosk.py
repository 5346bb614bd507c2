"""Kiosk: how fast a touch becomes printer bytes, and how much memory the kiosk needs.

Both figures use the real pieces: the pygame UI loop offscreen (SDL dummy driver),
the real queue server on its own SQLite file with the example site, and a private
Mosquitto, started the way the tests start them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.figures import Figure, percentile

ROOT = Path(__file__).resolve().parents[1]
TAPS = 200
RSS_SECONDS = 20.0
TAP_EVERY_S = 0.5
#: services without opening hours in the example site, so the run works at any time
SERVICES = ("B", "C", "D", "E")


def _env() -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def _tap_latencies(server_url: str, token: str, data_dir: Path,
                   progress: Callable[[str], None]) -> list[float]:
    import pygame

    from benchmarks.timed_kiosk import open_kiosk

    ui, printer = open_kiosk({
        "site": "camau-hcc", "device_id": "kiosk-1", "server_url": server_url,
        "device_token": token, "data_dir": str(data_dir),
    })
    station = ui.station
    samples: list[float] = []
    try:
        for i in range(TAPS):
            code = SERVICES[i % len(SERVICES)]
            ui.screen.back_to_start(time.monotonic())
            rect = next(b.rect for b in ui.screen.buttons() if b.value == code)
            before = printer.done_at
            started = time.perf_counter()
            pygame.event.post(pygame.event.Event(
                pygame.MOUSEBUTTONDOWN, pos=(rect[0] + rect[2] // 2, rect[1] + rect[3] // 2),
                button=1))
            while printer.done_at == before:
                assert ui.step(), "the kiosk loop stopped"
                ui.pace()  # the loop's own frame rate, as in `python -m kiosk run`
                assert ui.screen.page != "error", f"ticket failed: {ui.screen.error}"
                assert time.perf_counter() - started < 30, "no ticket within 30 s"
            samples.append((printer.done_at - started) * 1000)
            while ui.screen.page != "confirm":  # let the loop show the confirmation
                ui.step()
                ui.pace()
            if (i + 1) % 50 == 0:
                progress(f"{i + 1}/{TAPS} taps")
    finally:
        ui.shut()
        station.close()
    return samples


def _peak_rss(server_url: str, token: str, mqtt_url: str, work: Path,
              progress: Callable[[str], None]) -> tuple[int, int]:
    """(VmHWM in kB, tickets printed) of ``python -m kiosk run`` soaked for RSS_SECONDS."""
    spool = work / "spool.bin"
    config = work / "kiosk.toml"
    config.write_text(
        'site = "camau-hcc"\ndevice_id = "kiosk-1"\n'
        f'server_url = "{server_url}"\ndevice_token = "{token}"\nmqtt_url = "{mqtt_url}"\n'
        f'printer = "file:{spool}"\nprofile = "TM-T20II"\n'
        f'data_dir = "{work / "kiosk-rss"}"\nlockout_s = 0.2\n', encoding="utf-8")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config), "--windowed",
         "--exit-after", str(RSS_SECONDS), "--tap-every", str(TAP_EVERY_S)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    status = Path(f"/proc/{proc.pid}/status")
    progress(f"kiosk process {proc.pid} running for {RSS_SECONDS:.0f} s")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.25)
    if proc.returncode != 0:
        raise RuntimeError(f"kiosk exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
    from escpos.constants import PAPER_FULL_CUT

    return peak, spool.read_bytes().count(PAPER_FULL_CUT) if spool.exists() else 0


def run(progress: Callable[[str], None]) -> list[Figure]:
    _env()
    sys.path.insert(0, str(ROOT))
    from tests.support.live_server import LiveServer
    from tests.support.mosquitto import MosquittoBroker

    with tempfile.TemporaryDirectory(prefix="bench-kiosk-") as tmp:
        work = Path(tmp)
        (work / "broker").mkdir()
        broker = MosquittoBroker(work / "broker")
        broker.start()
        server = LiveServer(workdir=work, mqtt_url=broker.url)
        try:
            server.prepare()
            server.start()
            token = server.tokens["kiosk-1"]
            progress("server up; tapping")
            samples = _tap_latencies(server.url, token, work / "kiosk-data", progress)
            peak_kb, printed = _peak_rss(server.url, token, broker.url, work, progress)
        finally:
            server.stop()
            broker.stop()
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    how = (f"{len(samples)} synthesized taps posted to pygame's event queue of the real UI "
           "loop (offscreen) → last ESC/POS byte (cut) in a Dummy printer; real queue "
           "server (SQLite) over HTTP on loopback")
    return [
        Figure("kiosk touch → printer bytes p50", round(p50, 1), "ms", "p99 < 300 ms", how),
        Figure("kiosk touch → printer bytes p99", round(p99, 1), "ms", "p99 < 300 ms", how),
        Figure("kiosk process peak RSS", round(peak_kb / 1024, 1), "MiB", "reported (no goal)",
               f"VmHWM of `python -m kiosk run` (offscreen, file printer, MQTT on) over "
               f"{RSS_SECONDS:.0f} s with a tap every {TAP_EVERY_S} s ({printed} tickets)"),
    ]
