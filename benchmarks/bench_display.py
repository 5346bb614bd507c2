"""Hall board figures: call → frame latency, frame render time, idle CPU and RSS.

Runs against a private Mosquitto. The call → frame time is measured in process: a
call is published and the clock stops when the board's loop has drawn a frame whose
state includes it (``BoardApp.on_frame``). CPU and memory are those of a real
``python -m display run`` process, offscreen, with the voice on (dummy audio driver).
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.figures import Figure, percentile

ROOT = Path(__file__).resolve().parents[1]
CALLS = 200
IDLE_S = 20.0


def run(progress: Callable[[str], None]) -> list[Figure]:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from tests.support.mosquitto import MosquittoBroker
    from voice.clip_set import generate_clip_set

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-display-") as tmp:
        work = Path(tmp)
        broker = MosquittoBroker(work)
        broker.start()
        try:
            progress("generating the voice clips")
            clips = work / "voice"
            generate_clip_set(clips)
            progress(f"call → frame, {CALLS} calls")
            figures += call_to_frame(broker.url, clips)
            progress("frame render time at 1080p and 4K")
            figures += render_times()
            progress(f"idle CPU and RSS of python -m display run ({IDLE_S:.0f} s idle)")
            figures += process_figures(broker.url, work, clips)
        finally:
            broker.stop()
    return figures


def _config(url: str, site: str, **extra: object):
    from display.display_config import DisplayConfig

    return DisplayConfig.from_mapping({
        "site": site, "device_id": "display-bench", "mqtt_url": url,
        "centre_name": "Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
        "width": 1920, "height": 1080, **extra,
    })


def _publisher(url: str):
    from protocol.broker_url import BrokerUrl
    from protocol.mqtt_link import make_client, start

    connected = threading.Event()
    client = make_client(BrokerUrl.parse(url), f"bench-pub-{os.getpid()}",
                         on_connect=lambda c: connected.set())
    start(client, BrokerUrl.parse(url))
    if not connected.wait(10):
        raise RuntimeError("the benchmark publisher could not connect")
    return client


def call_to_frame(url: str, clips: Path) -> list[Figure]:
    from display.announcer import Announcer, RecordingSink
    from display.board_app import BoardApp
    from protocol import Board, Call, Topics, encode
    from voice.clip_set import ClipSet
    from voice.phrase import PhraseBuilder

    # the backlog of 200 calls to speak is expected here: keep the report readable
    logging.getLogger("display").setLevel(logging.ERROR)
    site = f"bench-{os.getpid()}"
    topics = Topics(site)
    drawn: dict[int, float] = {}
    shown = threading.Condition()

    def on_frame(state) -> None:
        with shown:
            drawn.setdefault(state.last_seq or 0, time.perf_counter())
            shown.notify_all()

    announcer = Announcer(RecordingSink(), PhraseBuilder(ClipSet(clips)))
    app = BoardApp(_config(url, site), headless=True, announcer=announcer, on_frame=on_frame)
    loop = threading.Thread(target=app.run, daemon=True)
    loop.start()
    pub = _publisher(url)
    pub.publish(topics.board, encode(Board(seq=0, recent=[], waiting={"A": 5})), qos=1,
                retain=True).wait_for_publish(5)
    deadline = time.monotonic() + 20
    while app.state.last_seq != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    latencies: list[float] = []
    rng = random.Random(7)
    for seq in range(1, CALLS + 1):
        call = Call(seq=seq, ticket=f"A{seq:03d}", counter=str(seq % 6 + 1), service="A",
                    ts=datetime.now(UTC))
        payload = encode(call)
        t0 = time.perf_counter()
        pub.publish(topics.calls, payload, qos=1)
        with shown:
            shown.wait_for(lambda s=seq: any(k >= s for k in drawn), timeout=5)
            done = min((t for k, t in drawn.items() if k >= seq), default=None)
        if done is not None:
            latencies.append((done - t0) * 1000)
        time.sleep(0.04 + rng.random() * 0.06)
    app.stop()
    loop.join(10)
    pub.disconnect()
    pub.loop_stop()
    method = (f"{CALLS} calls published on a local Mosquitto, 10-25 per second, to the frame "
              "callback of an offscreen 1920×1080 board that has drawn them")
    missing = CALLS - len(latencies)
    return [
        Figure("display: call → frame p50", percentile(latencies, 50), "ms", "-", method),
        Figure("display: call → frame p99", percentile(latencies, 99), "ms", "p99 < 100 ms",
               method + (f"; {missing} not seen within 5 s" if missing else "")),
    ]


def render_times() -> list[Figure]:
    import pygame

    from display.board_view import BoardView, FontCache
    from display.legibility import Legibility
    from display.sample_frames import SAMPLE_CENTRE, SAMPLE_WALL, sample_state
    from protocol import Call

    pygame.font.init()
    figures = []
    for width, height, label in ((1920, 1080, "1080p"), (3840, 2160, "4K")):
        view = BoardView((width, height), SAMPLE_CENTRE, fonts=FontCache(),
                         legibility=Legibility.for_screen(width, height, 4))
        state = sample_state()
        target = pygame.Surface((width, height))
        times = []
        for i in range(60):
            state.apply_call(Call(seq=100 + i, ticket=f"B{i:03d}", counter=str(i % 6 + 1),
                                  service="B", ts=datetime.now(UTC)))
            t0 = time.perf_counter()
            view.render(state, 1000.0 + i * 0.25, SAMPLE_WALL, target=target)
            times.append((time.perf_counter() - t0) * 1000)
        figures.append(Figure(
            f"display: full frame render {label}", statistics.median(times[5:]), "ms", "-",
            f"median of 55 full redraws after a new call each, {width}×{height}, "
            "pygame software surface",
        ))
    return figures


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def process_figures(url: str, work: Path, clips: Path) -> list[Figure]:
    from display.sample_frames import SAMPLE_MESSAGE
    from protocol import Board, BoardEntry, Call, Topics, encode

    site = f"bench-proc-{os.getpid()}"
    topics = Topics(site)
    config = work / "display.toml"
    config.write_text(
        f'site = "{site}"\ndevice_id = "display-bench"\nmqtt_url = "{url}"\n'
        'centre_name = "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"\n'
        f'fullscreen = false\nwidth = 1920\nheight = 1080\nvoice_dir = "{clips}"\n'
        "highlight_s = 5\n",
        encoding="utf-8",
    )
    t0 = datetime.now(UTC)
    pub = _publisher(url)
    pub.publish(topics.board, encode(Board(
        seq=1, recent=[BoardEntry(ticket="A001", counter="1", service="A", ts=t0)],
        waiting={"A": 4, "B": 2},
        message=SAMPLE_MESSAGE,
    )), qos=1, retain=True).wait_for_publish(5)
    log = (work / "display-process.log").open("wb")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "display", "run", "--config", str(config), "--windowed"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(6)  # start, connect, load the clips, draw the first frames
        if proc.poll() is not None:
            raise RuntimeError(f"the display exited: {(work / 'display-process.log').read_text()}")
        hz = os.sysconf("SC_CLK_TCK")
        before, t_before = _cpu_ticks(proc.pid), time.monotonic()
        time.sleep(IDLE_S)
        idle = (_cpu_ticks(proc.pid) - before) / hz / (time.monotonic() - t_before) * 100
        for seq in range(2, 12):  # some traffic, with announcements, for the peak RSS
            pub.publish(topics.calls, encode(Call(
                seq=seq, ticket=f"B{seq:03d}", counter=str(seq % 6 + 1), service="B",
                ts=datetime.now(UTC))), qos=1)
            time.sleep(0.8)
        time.sleep(2)
        rss = _peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        pub.disconnect()
        pub.loop_stop()
    scrolling = "the message line scrolls"
    return [
        Figure("display: idle CPU", idle, "% of one core", "< 5 %",
               f"utime+stime of python -m display run over {IDLE_S:.0f} s without calls "
               f"(1920×1080 offscreen, {scrolling}), /proc/PID/stat"),
        Figure("display: peak RSS", rss, "MB", "-",
               "VmHWM of python -m display run after start, 20 s idle and 10 calls "
               "spoken (voice clips loaded)"),
    ]
