"""The real server with its broker down: it says so in the log and on ``/healthz``."""

from __future__ import annotations

import requests

from tests.counter.conftest import wait_until
from tests.support.live_server import LiveServer
from tests.support.mosquitto import MosquittoBroker, free_port

SECRET = "mat-khau-may-chu"


def health(server: LiveServer) -> tuple[int, dict]:
    r = requests.get(f"{server.url}/healthz", timeout=5)
    return r.status_code, r.json()


def test_a_missing_broker_is_logged_and_degrades_healthz(tmp_path):
    port = free_port()
    server = LiveServer(workdir=tmp_path, mqtt_url=f"mqtt://queue-server:{SECRET}@127.0.0.1:{port}")
    server.prepare()
    server.start(broker_up=False)
    broker = MosquittoBroker(tmp_path, port=port)
    shown = f"mqtt://queue-server@127.0.0.1:{port}"
    try:
        wait_until(lambda: f"cannot reach the broker at {shown}: connection refused"
                   in server.log_text(), 10, "the unreachable line")
        status, body = health(server)
        assert status == 503
        assert body["status"] == "degraded" and body["broker"] == "disconnected"
        assert body["database"] == "ok"

        broker.start()
        wait_until(lambda: health(server)[0] == 200, 15, "healthz ok")
        assert health(server)[1] == {"status": "ok", "database": "ok", "broker": "connected",
                                     "site": server.site}
        wait_until(lambda: f"connected to the broker at {shown} again" in server.log_text(), 5,
                   "the reconnection line")

        broker.stop()
        wait_until(lambda: health(server)[0] == 503, 15, "healthz degraded again")
        wait_until(lambda: f"lost the link to the broker at {shown}" in server.log_text(), 5,
                   "the lost-link line")
    finally:
        server.stop()
        broker.stop()
    assert SECRET not in server.log_text()
