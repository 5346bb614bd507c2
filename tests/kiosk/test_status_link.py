"""The kiosk's status link logs an unreachable broker, and its return."""

from __future__ import annotations

import logging

from kiosk.status_publisher import StatusPublisher
from protocol import DeviceStatus, Topics, decode
from tests.counter.conftest import wait_until
from tests.support.mosquitto import MosquittoBroker, free_port

SECRET = "mat-khau-kiosk"


def test_an_unreachable_broker_is_logged_then_its_return(tmp_path, caplog, mqtt_probe):
    caplog.set_level(logging.INFO)
    port = free_port()
    publisher = StatusPublisher(f"mqtt://kiosk-1:{SECRET}@127.0.0.1:{port}", "test-kiosk-link",
                                "kiosk-1")
    publisher.start()
    broker = MosquittoBroker(tmp_path, port=port)
    shown = f"mqtt://kiosk-1@127.0.0.1:{port}"
    messages = lambda: [r.getMessage() for r in caplog.records]  # noqa: E731
    try:
        wait_until(lambda: f"cannot reach the broker at {shown}: connection refused"
                   in "\n".join(messages()), 10, "the unreachable line")
        broker.start()
        probe = mqtt_probe(broker.url, [Topics("test-kiosk-link").status("kiosk-1")])
        probe.wait_for(lambda t, p: decode(p, DeviceStatus).online, timeout=15)
        wait_until(lambda: f"connected to the broker at {shown} again" in "\n".join(messages()),
                   5, "the reconnection line")
    finally:
        publisher.close()
        broker.stop()
    assert not [m for m in messages() if SECRET in m]
