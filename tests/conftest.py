"""Shared fixtures: a private Mosquitto per test session, MQTT probes."""

from __future__ import annotations

import os

import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory) -> MosquittoBroker:
    """A private Mosquitto on a free loopback port, shared by the session's tests."""
    broker = MosquittoBroker(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def private_mosquitto(tmp_path) -> MosquittoBroker:
    """A broker of the test's own, for tests that stop and restart it."""
    broker = MosquittoBroker(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def mqtt_probe():
    """Factory: ``probe = mqtt_probe(url, ["motcua/x/#"])``; closed after the test."""
    probes: list[MqttProbe] = []

    def make(url: str, topics: list[str]) -> MqttProbe:
        probe = MqttProbe(url, topics)
        probes.append(probe)
        return probe

    yield make
    for p in probes:
        p.close()


@pytest.fixture
def live_server(tmp_path, mosquitto):
    """The real server (subprocess) on a fresh SQLite file with the example site loaded.

    Attributes: ``url``, ``mqtt_url``, ``site``, ``tokens`` (device id → token),
    ``take_ticket(service, priority=False, key=None)``, ``restart()``, ``log_text()``.
    """
    from tests.support.live_server import LiveServer

    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url)
    server.prepare()
    server.start()
    yield server
    server.stop()
