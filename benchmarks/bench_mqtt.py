"""Button press → call message at a display client, through Mosquitto, 30 counters active.

Thirty real counter stations (``counter.station.CounterStation`` on gpiozero mock
pins) are connected to the real server and Mosquitto; a display-like client
subscribes to ``calls``. Presses of "next" come from random counters that have no
answer pending, about 40 a second in all, until 1,000 calls have been timed.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from benchmarks.figures import Figure, percentile
from benchmarks.load_hall import kiosk_token, running_hall, thirty_counter_profile
from protocol import Call, ProtocolError, Topics, decode
from protocol.broker_url import BrokerUrl
from protocol.mqtt_link import make_client, start

PRESSES = 1000
COUNTERS = 30
PRESSES_PER_S = 40.0


def _issue(url: str, token: str, services: list[str], n: int) -> None:
    def take(i: int) -> None:
        session = getattr(local, "s", None) or requests.Session()
        local.s = session
        r = session.post(f"{url}/api/v1/tickets", json={"service": services[i % len(services)]},
                         headers={"Authorization": f"Bearer {token}",
                                  "Idempotency-Key": f"mqtt-bench-{i}"}, timeout=30)
        r.raise_for_status()

    local = threading.local()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(take, range(n)))


def run(progress) -> list[Figure]:
    from gpiozero.pins.mock import MockFactory

    from counter.station import CounterStation

    profile = thirty_counter_profile()
    with running_hall(profile) as stack:
        progress(f"issuing {PRESSES + 100} tickets to call")
        _issue(stack.server_url, kiosk_token(stack), [f.code for f in profile.fields],
               PRESSES + 100)
        stations = {}
        for n in range(1, COUNTERS + 1):
            station = CounterStation.from_config(
                {"site": stack.site, "device_id": f"counter-{n}", "counter": str(n),
                 "mqtt_url": stack.mqtt_url, "debounce_s": 0.05,
                 "buttons": {"next": 17, "recall": 27}},
                pin_factory=MockFactory(),  # one board per counter, as in the hall
            )
            station.start()
            stations[str(n)] = station
        pressed_at: dict[str, float] = {}
        delays: list[float] = []
        lock = threading.Lock()
        answered = threading.Condition(lock)
        topics = Topics(stack.site)

        def on_call(client, userdata, msg) -> None:
            now = time.perf_counter()
            try:
                call = decode(msg.payload, Call)
            except ProtocolError:
                return
            with answered:
                t = pressed_at.pop(call.counter, None)
                if t is not None:
                    delays.append((now - t) * 1000)
                answered.notify_all()

        url = BrokerUrl.parse(stack.mqtt_url)
        ready = threading.Event()
        display = make_client(url, "bench-display",
                              on_connect=lambda c: (c.subscribe(topics.calls, qos=1), ready.set()))
        display.on_message = on_call
        start(display, url)
        try:
            ready.wait(10)
            for s in stations.values():
                s.wait_connected(10)
            time.sleep(0.5)
            rng = random.Random(1)
            progress(f"{PRESSES} presses from {COUNTERS} counters")
            deadline = time.monotonic() + 120
            presses = 0
            while len(delays) < PRESSES and time.monotonic() < deadline:
                time.sleep(rng.expovariate(PRESSES_PER_S))
                with lock:
                    free = [n for n in stations if n not in pressed_at]
                    # a press whose call never came (should not happen) is forgotten after 5 s
                    for n, t in list(pressed_at.items()):
                        if time.perf_counter() - t > 5:
                            del pressed_at[n]
                    if not free or presses >= PRESSES + 50:
                        answered.wait(0.1)
                        continue
                    counter = rng.choice(free)
                    pressed_at[counter] = time.perf_counter()
                if stations[counter].press("next") in ("debounced", "refused"):
                    with lock:
                        pressed_at.pop(counter, None)
                    continue
                presses += 1
                if presses % 200 == 0:
                    progress(f"{presses} presses, {len(delays)} calls timed")
            with answered:
                answered.wait_for(lambda: not pressed_at, timeout=5)
        finally:
            display.disconnect()
            display.loop_stop()
            for s in stations.values():
                s.close()
    how = (f"{len(delays)} presses of 'next' on {COUNTERS} CounterStation objects (mock GPIO), "
           f"~{PRESSES_PER_S:g}/s from random idle counters → server subprocess → Mosquitto → "
           "a subscriber of motcua/{site}/calls; time from the press to the call message")
    return [
        Figure("Button → call message p50, 30 counters", percentile(delays, 50), "ms", "-", how),
        Figure("Button → call message p99, 30 counters", percentile(delays, 99), "ms", "< 50 ms",
               how),
    ]
