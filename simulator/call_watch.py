"""Watches the ``calls`` topic like a display would, to measure button → call delay."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable

from protocol import Call, ProtocolError, Topics, decode
from protocol.broker_url import BrokerUrl
from protocol.mqtt_link import make_client, start


class CallWatch:
    def __init__(self, mqtt_url: str, site: str, press_time: Callable[[str], float | None]):
        self.topics = Topics(site)
        self.press_time = press_time
        self.delays_ms: list[float] = []
        self.calls = 0
        self.last: Call | None = None
        self._lock = threading.Lock()
        self.url = BrokerUrl.parse(mqtt_url)
        self.client = make_client(self.url, f"call-watch-{site}", on_connect=self._subscribe)
        self.client.on_message = self._on_message

    def _subscribe(self, client) -> None:
        client.subscribe(self.topics.calls, qos=1)

    def _on_message(self, client, userdata, msg) -> None:
        now = time.monotonic()
        try:
            call = decode(msg.payload, Call)
        except ProtocolError:
            return
        pressed = self.press_time(call.counter)
        with self._lock:
            self.calls += 1
            self.last = call
            if pressed is not None and 0 <= now - pressed < 5:
                self.delays_ms.append((now - pressed) * 1000)

    def start(self) -> None:
        start(self.client, self.url)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def percentiles(self) -> tuple[float, float] | None:
        """(p50, p99) of button → call delay in milliseconds, once there are samples."""
        with self._lock:
            data = sorted(self.delays_ms)
        if len(data) < 2:
            return None
        cuts = statistics.quantiles(data, n=100, method="inclusive")
        return cuts[49], cuts[98]
