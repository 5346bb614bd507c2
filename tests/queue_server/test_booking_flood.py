"""10,000 booking requests from one address at the real server: the day's limit holds,
every refusal is a clear 429 with Retry-After, no slot goes over capacity, and the server
keeps answering."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.queue_server.test_concurrent_booking import booking_day
from tests.support.live_server import LiveServer

REQUESTS = 10_000
PER_ADDRESS = 20  # the server config's default booking_limit_per_address


def test_ten_thousand_bookings_from_one_address(tmp_path, mosquitto):
    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url)
    server.prepare()
    server.start()
    try:
        day = booking_day()
        slots = requests.get(f"{server.url}/api/v1/appointments/slots",
                             params={"service": "A", "day": day}, timeout=10).json()["slots"]
        starts = [s["start"] for s in slots]
        local = threading.local()
        refusals: Counter[str] = Counter()

        def attempt(n: int) -> int:
            if not hasattr(local, "session"):
                local.session = requests.Session()
            r = local.session.post(f"{server.url}/api/v1/appointments", timeout=60, json={
                "service": "A", "start": starts[n % len(starts)], "name": f"Người {n}",
                "phone": f"09{n:08d}"})
            if r.status_code == 429:
                assert int(r.headers["Retry-After"]) > 0
                refusals[r.json()["error"]["code"]] += 1
            return r.status_code

        with ThreadPoolExecutor(8) as pool:
            codes = Counter(pool.map(attempt, range(REQUESTS)))
        assert codes[201] == PER_ADDRESS
        assert codes[429] == REQUESTS - PER_ADDRESS, codes
        assert len(refusals) == 1  # one reason, said the same way every time
        after = requests.get(f"{server.url}/api/v1/appointments/slots",
                             params={"service": "A", "day": day}, timeout=10).json()["slots"]
        assert all(s["free"] >= 0 for s in after)
        assert sum(2 - s["free"] for s in after) == PER_ADDRESS  # 2 places per slot
        assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
    finally:
        server.stop()
