"""An independent MQTT client for tests: subscribes and waits for matching messages."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from protocol.broker_url import BrokerUrl


class MqttProbe:
    def __init__(self, url: str, topics: list[str]) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        broker = BrokerUrl.parse(url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password)
        self.client.on_connect = lambda c, *a: c.subscribe([(t, 1) for t in topics])
        self.client.on_subscribe = lambda *a: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        if not self._subscribed.wait(5):
            raise RuntimeError("probe could not subscribe")

    def _on_message(self, client, userdata, msg) -> None:
        with self._cond:
            self.messages.append((msg.topic, msg.payload, bool(msg.retain)))
            self._cond.notify_all()

    def wait_for(
        self, predicate: Callable[[str, bytes], bool], timeout: float = 10.0
    ) -> tuple[str, bytes]:
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for topic, payload, _ in self.messages[seen:]:
                    if predicate(topic, payload):
                        return topic, payload
                seen = len(self.messages)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching message; got {self.messages[-5:]}")
                self._cond.wait(left)

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
