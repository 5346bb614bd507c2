"""A test MQTT client logged in as one broker account, over plain TCP or TLS."""

from __future__ import annotations

import json
import ssl
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from protocol.broker_url import BrokerUrl


class BrokerAccount:
    """Connects as the account of ``url``; records messages of its subscriptions."""

    def __init__(self, url: str, ca_file: str | None = None, host: str | None = None,
                 port: int | None = None) -> None:
        self.url = BrokerUrl.parse(url)
        self.host = host or self.url.host
        self.port = port or self.url.port
        self.messages: list[tuple[str, bytes]] = []
        self._cond = threading.Condition()
        self._connack = threading.Event()
        self.reason: mqtt.ReasonCode | None = None
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        if self.url.username:
            self.client.username_pw_set(self.url.username, self.url.password)
        if self.url.tls:
            self.client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self.reason = reason_code
        self._connack.set()

    def _on_message(self, client, userdata, msg) -> None:
        with self._cond:
            self.messages.append((msg.topic, msg.payload))
            self._cond.notify_all()

    def connect(self, timeout: float = 10) -> bool:
        """True when the broker accepted the login."""
        self.client.connect(self.host, self.port, keepalive=15)
        self.client.loop_start()
        if not self._connack.wait(timeout):
            raise TimeoutError("no CONNACK")
        return not self.reason.is_failure

    def subscribe(self, *topics: str) -> None:
        done = threading.Event()
        self.client.on_subscribe = lambda *a: done.set()
        self.client.subscribe([(t, 1) for t in topics])
        assert done.wait(10), "no SUBACK"

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(10)

    def wait_for(self, payload: bytes, timeout: float = 10) -> str:
        """The topic on which ``payload`` arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for topic, got in self.messages:
                    if got == payload:
                        return topic
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{payload!r} never arrived; got {self.messages[-5:]}")
                self._cond.wait(left)

    def wait_json(self, predicate, timeout: float = 15) -> dict:
        """The first JSON message for which ``predicate(message)`` holds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for _, payload in self.messages:
                    try:
                        message = json.loads(payload)
                    except ValueError:
                        continue
                    if predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching message; got {self.messages[-5:]}")
                self._cond.wait(left)

    def received(self, payload: bytes) -> bool:
        with self._cond:
            return any(got == payload for _, got in self.messages)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
