"""Appointments: the booking page under load, capacity under a rush of bookings, and
check-in at the kiosk to paper.

Real pieces only: ``python -m queue_server run`` on SQLite (and PostgreSQL when one
answers), HTTP on loopback, a private Mosquitto, and the kiosk's pygame loop offscreen
with a keyboard-mode scanner's keystrokes posted to its event queue.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.figures import Figure, percentile

ROOT = Path(__file__).resolve().parents[1]
PER_SLOT, SLOTS, BOOKINGS, CLIENTS = 5, 10, 500, 40
CHECK_INS = 100
PAGE_USERS, PAGE_VIEWS, THINK_S = 20, 600, 0.5
#: field A bookable all day, every day, with room for every check-in in the next slot
ALL_DAY = ('appointments = { slot_min = 15, per_slot = 200, days_ahead = 14, prefix = "H", '
           'hours = ["00:00-24:00"], weekdays = [1, 2, 3, 4, 5, 6, 7] }')


def _site(work: Path, example: Path, per_slot: int | None = None) -> Path:
    text = example.read_text(encoding="utf-8")
    if per_slot is not None:
        text = text.replace("per_slot = 2", f"per_slot = {per_slot}", 1)
    else:
        start = text.index("appointments = { slot_min = 15")
        text = text[:start] + ALL_DAY + text[text.index("\n", start):]
    path = work / f"site-{per_slot or 'all-day'}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _rush(server, progress: Callable[[str], None]) -> tuple[int, int, float]:
    """(accepted, refused, seconds) of BOOKINGS requests at once for SLOTS slots."""
    import requests

    from tests.queue_server.test_concurrent_booking import booking_day

    day = booking_day()
    slots = requests.get(f"{server.url}/api/v1/appointments/slots",
                         params={"service": "A", "day": day}, timeout=10).json()["slots"]
    starts = [s["start"] for s in slots[:SLOTS]]
    local = threading.local()

    def attempt(n: int) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        r = local.session.post(f"{server.url}/api/v1/appointments", timeout=60, json={
            "service": "A", "start": starts[n % SLOTS], "name": f"Công dân {n}",
            "phone": f"09{n:08d}"})
        return r.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        codes = list(pool.map(attempt, range(BOOKINGS)))
    seconds = time.perf_counter() - started
    progress(f"{codes.count(201)} accepted, {codes.count(409)} refused in {seconds:.1f} s")
    return codes.count(201), codes.count(409), seconds


def _page_latencies(server, progress: Callable[[str], None]) -> tuple[list[float], float]:
    """Latencies (ms) of the booking page's steps with PAGE_USERS phones using it at once.

    Each user opens the three steps in turn (fields, days of field A, free slots of a
    day), reading each for THINK_S (±50 %) before the next tap, as a person does.
    """
    import random

    import requests

    from tests.queue_server.test_concurrent_booking import booking_day

    day = booking_day()
    steps = ["/booking", "/booking?service=A", f"/booking?service=A&day={day}"]

    def user(n: int) -> list[float]:
        rng = random.Random(n)
        samples = []
        with requests.Session() as session:
            session.get(server.url + steps[0], timeout=30)  # the phone's first connection
            for i in range(PAGE_VIEWS // PAGE_USERS):
                time.sleep(THINK_S * rng.uniform(0.5, 1.5))
                started = time.perf_counter()
                r = session.get(server.url + steps[i % len(steps)], timeout=30)
                samples.append((time.perf_counter() - started) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{steps[i % len(steps)]} answered {r.status_code}")
        return samples

    started = time.perf_counter()
    with ThreadPoolExecutor(PAGE_USERS) as pool:
        samples = [ms for user_samples in pool.map(user, range(PAGE_USERS))
                   for ms in user_samples]
    seconds = time.perf_counter() - started
    progress(f"{len(samples)} booking page views by {PAGE_USERS} users in {seconds:.1f} s")
    return samples, len(samples) / seconds


def _check_in_latencies(server, progress: Callable[[str], None]) -> list[float]:
    import pygame
    import requests

    from benchmarks.timed_kiosk import open_kiosk
    from tests.kiosk.ui_driver import scanner_burst
    from tests.queue_server.test_appointment_live import next_slot


    start = next_slot(server)
    slips = []
    with requests.Session() as session:
        for n in range(CHECK_INS):
            r = session.post(f"{server.url}/api/v1/appointments", timeout=10, json={
                "service": "A", "start": start, "name": f"Người hẹn {n}",
                "phone": f"08{n:08d}"})
            r.raise_for_status()
            slips.append(r.json()["cancel_url"])
    progress(f"{len(slips)} bookings made; scanning their slips")
    ui, printer = open_kiosk({
        "site": server.site, "device_id": "kiosk-1", "server_url": server.url,
        "device_token": server.tokens["kiosk-1"],
        "data_dir": str(server.workdir / "kiosk-data"), "public_url": server.url,
    })
    station = ui.station
    samples: list[float] = []
    try:
        for slip in slips:
            ui.screen.back_to_start(time.monotonic())
            before = printer.done_at
            started = time.perf_counter()
            scanner_burst(slip)
            while printer.done_at == before:
                assert ui.step(), "the kiosk loop stopped"
                ui.pace()
                assert ui.screen.page not in ("error", "notice"), ui.screen.page
                assert time.perf_counter() - started < 30, "no ticket within 30 s"
            samples.append((printer.done_at - started) * 1000)
            while ui.screen.page != "confirm":
                ui.step()
                ui.pace()
            pygame.event.clear()
    finally:
        ui.shut()
        station.close()
    return samples


def run(progress: Callable[[str], None]) -> list[Figure]:
    for key, value in (("SDL_VIDEODRIVER", "dummy"), ("SDL_AUDIODRIVER", "dummy"),
                       ("PYGAME_HIDE_SUPPORT_PROMPT", "1")):
        os.environ.setdefault(key, value)
    sys.path.insert(0, str(ROOT))
    from tests.support.live_server import EXAMPLE_SITE, LiveServer
    from tests.support.mosquitto import MosquittoBroker
    from tests.support.postgres import create_schema, drop_schema

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-appointments-") as tmp:
        work = Path(tmp)
        (work / "broker").mkdir()
        broker = MosquittoBroker(work / "broker")
        broker.start()
        try:
            databases: list[tuple[str, str | None, str | None]] = [("SQLite", None, None)]
            try:
                schema, url = create_schema()
                databases.append(("PostgreSQL", url, schema))
            except ConnectionError as exc:
                progress(f"PostgreSQL skipped: {exc}")
            for label, url, schema in databases:
                folder = work / label
                folder.mkdir()
                server = LiveServer(workdir=folder, mqtt_url=broker.url, database_url=url,
                                    site_file=_site(work, EXAMPLE_SITE, PER_SLOT),
                                    extra_config="booking_limit_per_address = 0\n")
                try:
                    server.prepare()
                    server.start()
                    if url is None:  # the example site's fields, as a centre has them
                        pages, page_rate = _page_latencies(server, progress)
                    accepted, refused, seconds = _rush(server, progress)
                finally:
                    server.stop()
                    if schema:
                        drop_schema(schema)
                figures.append(Figure(
                    f"bookings accepted of {BOOKINGS} at once for {SLOTS} slots × {PER_SLOT} "
                    f"places ({label})", accepted, "", f"exactly {SLOTS * PER_SLOT}",
                    f"{CLIENTS} HTTP clients posting {BOOKINGS} bookings spread over {SLOTS} "
                    f"slots of one day to the real server; {refused} got 409 slot_full; "
                    f"all answered in {seconds:.1f} s"))
            folder = work / "check-in"
            folder.mkdir()
            server = LiveServer(workdir=folder, mqtt_url=broker.url,
                                site_file=_site(work, EXAMPLE_SITE),
                                extra_config="booking_limit_per_address = 0\n")
            try:
                server.prepare()
                server.start()
                samples = _check_in_latencies(server, progress)
            finally:
                server.stop()
        finally:
            broker.stop()
    how = (f"{len(samples)} booking slips (their QR text, the booking page URL) typed into "
           "the real kiosk loop as a keyboard-mode scanner does → last ESC/POS byte (cut) of "
           "the appointment ticket in a Dummy printer; real server (SQLite) over HTTP")
    page_how = (f"{PAGE_USERS} phones using the booking page at once, each opening its three "
                "steps in turn (fields, days of field A, free slots of the example site's "
                f"day) {THINK_S} s ± 50 % apart; {len(pages)} views at {page_rate:.0f} "
                "views/s; real server (SQLite, waitress) on loopback, clients on the same "
                "cores")
    figures += [
        Figure(f"booking page p50 at {PAGE_USERS} concurrent users",
               round(percentile(pages, 50), 1), "ms", "p99 < 50 ms", page_how),
        Figure(f"booking page p99 at {PAGE_USERS} concurrent users",
               round(percentile(pages, 99), 1), "ms", "p99 < 50 ms", page_how),
        Figure("check-in scan → printed ticket p50", round(percentile(samples, 50), 1), "ms",
               "p99 < 300 ms", how),
        Figure("check-in scan → printed ticket p99", round(percentile(samples, 99), 1), "ms",
               "p99 < 300 ms", how),
    ]
    return figures
