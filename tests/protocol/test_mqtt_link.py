"""The shared MQTT link says in the log what became of the broker, on a real Mosquitto."""

from __future__ import annotations

import logging
import threading

import pytest
import waitress

from firmware_config.mosquitto_passwd import hash_password, render_passwd
from protocol.broker_url import BrokerUrl
from protocol.mqtt_link import make_client, start
from tests.counter.conftest import wait_until
from tests.support.mosquitto import MosquittoBroker, free_port

SECRET = "mat-khau-bi-mat"


class Link:
    """A real client on ``url``; remembers every problem it was told about."""

    def __init__(self, url: str, **options: object) -> None:
        self.url = BrokerUrl.parse(url)
        self.problems: list[str | None] = []
        self.client = make_client(self.url, "link-test", on_link_problem=self.problems.append,
                                  **options)
        start(self.client, self.url)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def link():
    links: list[Link] = []

    def make(url: str, **options: object) -> Link:
        made = Link(url, **options)
        links.append(made)
        return made

    yield make
    for made in links:
        made.close()


def lines(caplog, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def test_closed_port_is_logged_at_once_repeated_and_the_return_once(tmp_path, caplog, link):
    caplog.set_level(logging.INFO, logger="protocol.mqtt_link")
    port = free_port()
    made = link(f"mqtt://quay-5:{SECRET}@127.0.0.1:{port}", report_every_s=0.5)
    refused = f"cannot reach the broker at mqtt://quay-5@127.0.0.1:{port}: connection refused"

    wait_until(lambda: lines(caplog, refused), 5, "the first unreachable line")
    assert made.problems == ["unreachable"]
    wait_until(lambda: len(lines(caplog, refused)) >= 2, 10, "the repeated line")

    broker = MosquittoBroker(tmp_path, port=port)
    broker.start()
    try:
        wait_until(made.client.is_connected, 10, "the connection")
        again = f"connected to the broker at mqtt://quay-5@127.0.0.1:{port} again"
        wait_until(lambda: lines(caplog, again), 5, "the reconnection line")
        assert made.problems == ["unreachable", None]

        broker.restart()
        wait_until(lambda: len(lines(caplog, again)) == 2, 15, "the second reconnection")
        assert lines(caplog, f"lost the link to the broker at mqtt://quay-5@127.0.0.1:{port}")
    finally:
        broker.stop()
    assert not [r for r in caplog.records if SECRET in r.getMessage()], "a password was logged"


def test_a_refused_login_is_told_apart(tmp_path, caplog, link):
    caplog.set_level(logging.INFO, logger="protocol.mqtt_link")
    passwd = tmp_path / "passwd"
    passwd.write_text(render_passwd({"quay-5": hash_password("dung-mat-khau")}))
    broker = MosquittoBroker(tmp_path, extra_conf=f"user root\npassword_file {passwd}\n")
    broker.start()
    try:
        made = link(f"mqtt://quay-5:{SECRET}@127.0.0.1:{broker.port}")
        wait_until(lambda: lines(caplog, "the broker refused the connection"), 10,
                   "the refused login line")
        assert made.problems == ["refused"]
        assert not made.client.is_connected()
    finally:
        broker.stop()
    assert not [r for r in caplog.records if SECRET in r.getMessage()]


def test_a_port_that_is_no_broker_is_named(caplog, link):
    """An HTTP server takes the connection and never answers MQTT."""
    caplog.set_level(logging.INFO, logger="protocol.mqtt_link")
    port = free_port()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = waitress.create_server(app, host="127.0.0.1", port=port)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        made = link(f"mqtt://127.0.0.1:{port}", answer_timeout_s=1)
        wait_until(lambda: made.problems, 10, "a problem")
        assert made.problems == ["not_broker"]
        [line] = lines(caplog, f"cannot reach the broker at mqtt://127.0.0.1:{port}")
        assert "not as an MQTT broker" in line
    finally:
        server.close()
