"""The kiosk's retained DeviceStatus on ``device/{device}/status``.

The server and the manager dashboard learn from it that the kiosk is up and
whether its printer has paper. The broker publishes the retained ``online: false``
last will if the kiosk vanishes without saying goodbye (power cut, cable pulled).
"""

from __future__ import annotations

import logging
import threading
from importlib import metadata

import paho.mqtt.client as mqtt

from protocol import DeviceStatus, Topics, encode
from protocol.broker_url import BrokerUrl
from protocol.messages import now_utc
from protocol.mqtt_link import make_client, start

log = logging.getLogger(__name__)


def software_version() -> str:
    try:
        return metadata.version("motcua-queue")
    except metadata.PackageNotFoundError:
        return "dev"


class StatusPublisher:
    """Publishes the kiosk's status on every (re)connection and whenever it changes."""

    def __init__(self, mqtt_url: str, site: str, device_id: str, printer: str = "ok") -> None:
        self.url = BrokerUrl.parse(mqtt_url)
        self.device_id = device_id
        self.topic = Topics(site).status(device_id)
        self.version = software_version()
        self._printer = printer
        self._lock = threading.Lock()
        self._closed = False
        will = DeviceStatus(device=device_id, kind="kiosk", online=False, version=self.version)
        self.client = make_client(
            self.url, device_id, will=(self.topic, encode(will)), on_connect=self._connected
        )

    def start(self) -> None:
        """Connect in the background; the broker may come up later."""
        start(self.client, self.url)

    def _message(self, online: bool) -> bytes:
        return encode(
            DeviceStatus(
                device=self.device_id,
                kind="kiosk",
                online=online,
                version=self.version,
                printer=self._printer,
                ts=now_utc(),
            )
        )

    def _connected(self, client: mqtt.Client) -> None:
        log.info("connected to broker %s", self.url)
        with self._lock:
            payload = self._message(True)
        client.publish(self.topic, payload, qos=1, retain=True)

    @property
    def printer(self) -> str:
        return self._printer

    def update(self, printer: str) -> None:
        """Record the printer health; publishes only when it changed."""
        with self._lock:
            if printer == self._printer or self._closed:
                return
            self._printer = printer
            payload = self._message(True)
        self.client.publish(self.topic, payload, qos=1, retain=True)

    def close(self, timeout: float = 2.0) -> None:
        """Say goodbye: a clean disconnect does not fire the will, so publish it ourselves."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            payload = self._message(False)
        if self.client.is_connected():
            info = self.client.publish(self.topic, payload, qos=1, retain=True)
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError) as exc:
                log.info("offline status not sent: %s", exc)
        self.client.disconnect()
        self.client.loop_stop()
