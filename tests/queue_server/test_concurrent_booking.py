"""Many citizens booking at once through the real server: a slot never takes more than it holds.

On SQLite and on PostgreSQL, against ``python -m queue_server run`` over HTTP.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from threading import Barrier
from zoneinfo import ZoneInfo

import pytest
import requests

from queue_server.domain.site_spec import parse_site
from tests.support.live_server import EXAMPLE_SITE, LiveServer

PER_SLOT = 5
SLOTS = 10
BOOKINGS = 500


def booking_day() -> str:
    """A weekday after today (the server's real clock) that is not a closed day."""
    spec = parse_site(EXAMPLE_SITE.read_text(encoding="utf-8"))
    day = datetime.now(ZoneInfo(spec.timezone)).date() + timedelta(days=1)
    while day.isoweekday() > 5 or day in spec.closed_days:
        day += timedelta(days=1)
    return day.isoformat()


@pytest.fixture
def booking_server(tmp_path, mosquitto, database_url):
    text = EXAMPLE_SITE.read_text(encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(text.replace("per_slot = 2", f"per_slot = {PER_SLOT}", 1), encoding="utf-8")
    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url, database_url=database_url,
                        site_file=site, extra_config="booking_limit_per_address = 0\n")
    server.prepare()
    server.start()
    yield server
    server.stop()


def slots(server: LiveServer, day: str) -> list[dict]:
    r = requests.get(f"{server.url}/api/v1/appointments/slots",
                     params={"service": "A", "day": day}, timeout=10)
    r.raise_for_status()
    return r.json()["slots"]


def book(session: requests.Session, server: LiveServer, start: str, n: int) -> int:
    r = session.post(f"{server.url}/api/v1/appointments", timeout=60, json={
        "service": "A", "start": start, "name": f"Công dân {n}", "phone": f"09{n:08d}"})
    assert r.status_code in (201, 409), r.text
    if r.status_code == 409:
        assert r.json()["error"]["code"] == "slot_full"
    return r.status_code


def test_500_bookings_for_10_slots_of_5_places_accept_exactly_50(booking_server):
    server = booking_server
    day = booking_day()
    starts = [s["start"] for s in slots(server, day)[:SLOTS]]
    local = __import__("threading").local()

    def attempt(n: int) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return book(local.session, server, starts[n % SLOTS], n)

    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(attempt, range(BOOKINGS)))
    assert codes.count(201) == SLOTS * PER_SLOT
    assert codes.count(409) == BOOKINGS - SLOTS * PER_SLOT
    after = {s["start"]: s["free"] for s in slots(server, day)}
    assert [after[s] for s in starts] == [0] * SLOTS


def test_threads_racing_for_the_last_places_never_overbook(booking_server):
    server = booking_server
    day = booking_day()
    start = slots(server, day)[3]["start"]
    with requests.Session() as s:
        for n in range(PER_SLOT - 2):
            assert book(s, server, start, 900 + n) == 201
    racers = 24
    barrier = Barrier(racers)

    def race(n: int) -> int:
        barrier.wait()
        with requests.Session() as s:
            return book(s, server, start, n)

    with ThreadPoolExecutor(racers) as pool:
        codes = list(pool.map(race, range(racers)))
    assert codes.count(201) == 2
    assert next(x["free"] for x in slots(server, day) if x["start"] == start) == 0


def csrf(html: str) -> str:
    import re

    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def integrator_key(server: LiveServer) -> str:
    """A booking system's key, made the way an admin does: log in, fill the form."""
    from tests.support.live_server import create_user

    create_user(server, "admin", "quantri", "quan-tri-mat-khau-1")
    with requests.Session() as admin:
        page = admin.get(f"{server.url}/login", timeout=10).text
        r = admin.post(f"{server.url}/login", timeout=10, data={
            "username": "quantri", "password": "quan-tri-mat-khau-1", "csrf_token": csrf(page)})
        assert r.status_code == 200, r.text
        form = admin.get(f"{server.url}/admin/integrators", timeout=10).text
        r = admin.post(f"{server.url}/admin/integrators", timeout=10, data={
            "name": "Cổng dịch vụ công tỉnh", "csrf_token": csrf(form)})
        assert r.status_code == 200
        return r.text.split('id="integrator-key">')[1].split("<")[0]


def test_a_booking_system_repeating_at_once_gets_one_booking(booking_server):
    server = booking_server
    key = integrator_key(server)
    start = slots(server, booking_day())[5]["start"]
    racers = 12
    barrier = Barrier(racers)

    def repeat(_: int) -> tuple[int, str]:
        barrier.wait()
        r = requests.post(f"{server.url}/api/v1/appointments", timeout=30,
                          headers={"Authorization": f"Bearer {key}"}, json={
                              "service": "A", "start": start, "name": "Đặng Văn Hùng",
                              "phone": "0912345678", "external_id": "HS-2026-000123"})
        assert r.status_code in (200, 201), r.text
        return r.status_code, r.json()["code"]

    with ThreadPoolExecutor(racers) as pool:
        answers = list(pool.map(repeat, range(racers)))
    assert [status for status, _ in answers].count(201) == 1
    assert len({code for _, code in answers}) == 1
    free = next(x["free"] for x in slots(server, booking_day()) if x["start"] == start)
    assert free == PER_SLOT - 1
