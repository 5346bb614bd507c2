"""The server's MQTT shell: counter commands in, device status in; publishing via HallPublisher.

Statuses from devices the server does not know (a wrong ``device_id``, or a ``site``
that no server serves: no board is retained for it) are noted in the hall's
``unknown_devices`` for the dashboard, and logged once per device.

Messages are handled one at a time on a worker thread, in arrival order, so the paho
network loop is never blocked by the database. Malformed payloads are logged and
dropped; nothing a device sends can stop the server.
"""

from __future__ import annotations

import logging
import queue
import threading

import paho.mqtt.client as mqtt
from sqlalchemy import select

from protocol import Command, DeviceStatus, ProtocolError, Topics, decode
from protocol.broker_url import BrokerUrl
from protocol.mqtt_link import make_client, start
from protocol.topics import ANY_SITE_BOARD, ANY_SITE_STATUS, site_and_device, site_of_board
from queue_server.hall_publisher import HallPublisher
from queue_server.storage.tables import Device
from queue_server.unknown_devices import UnknownDevice

log = logging.getLogger(__name__)


class MqttBridge:
    def __init__(
        self,
        publisher: HallPublisher,
        url: BrokerUrl,
        client_id: str = "queue-server",
        ca_file: str | None = None,
    ):
        self.publisher = publisher
        self.hall = publisher.hall
        self.topics = Topics(self.hall.site_code)
        self.url = url
        self._inbox: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self.client = make_client(url, client_id, on_connect=self._on_connect, ca_file=ca_file)
        self.client.on_message = self._on_message
        self._worker = threading.Thread(target=self._work, name="mqtt-inbox", daemon=True)
        self.dropped = 0
        self.handled = 0
        #: other sites whose board is retained on the broker: another server serves them
        self._served_elsewhere: set[str] = set()

    @property
    def connected(self) -> bool:
        return self.client.is_connected()

    def start(self) -> None:
        self.publisher.attach(self._publish)
        self._worker.start()
        start(self.client, self.url)

    def stop(self) -> None:
        self._inbox.put(None)
        self._worker.join(5)
        self.client.disconnect()
        self.client.loop_stop()

    def _publish(self, topic: str, payload: bytes, retain: bool) -> None:
        result = self.client.publish(topic, payload, qos=1, retain=retain)
        if result.rc != mqtt.MQTT_ERR_SUCCESS:
            # paho keeps QoS 1 messages queued while disconnected; retained ones are
            # rebuilt from the database on the next connect anyway
            log.warning("publish to %s queued while the broker is unreachable", topic)

    def _on_connect(self, client: mqtt.Client) -> None:
        log.info("connected to broker %s", self.url)
        # boards before statuses: the broker hands over the retained ones in this order,
        # so a site served by another server is known before its devices report
        client.subscribe([
            (self.topics.all_cmds, 1),
            (ANY_SITE_BOARD, 1),
            (self.topics.all_status, 1),
            (ANY_SITE_STATUS, 1),
        ])
        self._inbox.put(("$republish", b""))

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        if message.topic == self.topics.board:
            return  # our own board, back from the any-site subscription
        self._inbox.put((message.topic, message.payload))

    def _work(self) -> None:
        while True:
            item = self._inbox.get()
            if item is None:
                return
            topic, payload = item
            try:
                self._handle(topic, payload)
                self.handled += 1
            except ProtocolError as exc:
                self.dropped += 1
                log.warning("dropped malformed message on %s: %s", topic, exc)
            except Exception:
                self.dropped += 1
                log.exception("failed to handle message on %s; dropped", topic)

    def _handle(self, topic: str, payload: bytes) -> None:
        if topic == "$republish":
            self.publisher.republish_all()
            return
        counter = self.topics.counter_of(topic)
        if counter is not None:
            self.publisher.run_command(counter, decode(payload, Command))
            return
        board_site = site_of_board(topic)
        if board_site is not None:
            if board_site != self.topics.site and board_site not in self._served_elsewhere:
                self._served_elsewhere.add(board_site)
                self.hall.unknown_devices.forget_site(board_site)
            return
        device = self.topics.device_of(topic)
        if device is not None:
            self._record_status(device, decode(payload, DeviceStatus))
            return
        other = site_and_device(topic)
        if other is not None and other[0] not in self._served_elsewhere:
            self._record_other_site(*other, decode(payload, DeviceStatus))

    def _record_other_site(self, site: str, device_code: str, status: DeviceStatus) -> None:
        if status.device != device_code:
            raise ProtocolError(f"status of {status.device!r} published on {device_code!r}'s topic")
        unknown = self.hall.unknown_devices
        if not status.online:
            unknown.forget(site, device_code)
            return
        if unknown.seen(UnknownDevice(site, device_code, status.kind, True, self.hall.now())):
            log.warning(
                "device %r reports for site %r, which this server (site %r) does not serve: "
                "correct 'site' in its config", device_code, site, self.topics.site,
            )

    def _record_status(self, device_code: str, status: DeviceStatus) -> None:
        if status.device != device_code:
            raise ProtocolError(f"status of {status.device!r} published on {device_code!r}'s topic")
        with self.hall.transaction() as session:
            site = self.hall.site(session)
            device = session.scalar(
                select(Device).where(Device.site_id == site.id, Device.code == device_code)
            )
            unknown = self.hall.unknown_devices
            if device is None or not device.active:
                if not status.online:
                    unknown.forget(self.topics.site, device_code)
                elif unknown.seen(UnknownDevice(self.topics.site, device_code, status.kind,
                                                False, self.hall.now())):
                    log.warning(
                        "status from unknown or retired device %r (%s) ignored: add it in "
                        "/admin, or correct 'device_id' in its config", device_code, status.kind,
                    )
                return
            unknown.forget(self.topics.site, device_code)
            device.online = status.online
            device.printer = status.printer
            device.version = status.version
            device.last_seen = self.hall.now()
