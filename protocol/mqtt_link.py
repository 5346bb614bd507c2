"""One way to open an MQTT connection, used by every process.

paho-mqtt 2 with ``CallbackAPIVersion.VERSION2``, ``TCP_NODELAY`` on the socket (a
quiet link otherwise delays the next message ~40 ms for a delayed ACK), automatic
reconnection, and an optional retained last will for device status.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from protocol.broker_url import BrokerUrl


def _set_nodelay(client: mqtt.Client, userdata: object, sock: object) -> None:
    # not a TCP socket (e.g. a websocket wrapper): nothing to tune
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[attr-defined]


def make_client(
    url: BrokerUrl,
    client_id: str,
    *,
    will: tuple[str, bytes] | None = None,
    ca_file: str | None = None,
    on_connect: Callable[[mqtt.Client], None] | None = None,
    on_disconnect: Callable[[mqtt.Client], None] | None = None,
) -> mqtt.Client:
    """A configured but not yet connected client.

    ``will`` is a (topic, payload) pair published retained at QoS 1 by the broker if
    this client vanishes. ``on_connect`` runs after every (re)connection: subscribe
    and publish the online status there, so a reconnect restores everything.
    """
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    client.on_socket_open = _set_nodelay
    if url.username:
        client.username_pw_set(url.username, url.password)
    if url.tls:
        client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
    if will is not None:
        client.will_set(will[0], will[1], qos=1, retain=True)
    client.reconnect_delay_set(min_delay=1, max_delay=5)

    def _connected(c: mqtt.Client, userdata, flags, reason_code, properties) -> None:
        if not reason_code.is_failure and on_connect is not None:
            on_connect(c)

    def _disconnected(c: mqtt.Client, userdata, flags, reason_code, properties) -> None:
        if on_disconnect is not None:
            on_disconnect(c)

    client.on_connect = _connected
    client.on_disconnect = _disconnected
    return client


def start(client: mqtt.Client, url: BrokerUrl) -> None:
    """Connect in the background and keep reconnecting, even if the broker is down now."""
    client.connect_async(url.host, url.port, keepalive=15)
    client.loop_start()
