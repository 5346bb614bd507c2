"""Wiring the server's parts together from its config: database, hall, publisher, bridge."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from protocol.broker_url import BrokerUrl
from queue_server.day_rollover import DayRollover
from queue_server.hall import Clock, Hall, system_clock
from queue_server.hall_publisher import HallPublisher
from queue_server.mqtt_bridge import MqttBridge
from queue_server.server_config import ServerConfig
from queue_server.storage.database import make_engine, make_session_factory


@dataclass
class Runtime:
    config: ServerConfig
    engine: Engine
    hall: Hall
    publisher: HallPublisher
    bridge: MqttBridge | None = None
    rollover: DayRollover | None = None

    @classmethod
    def build(cls, config: ServerConfig, clock: Clock = system_clock) -> Runtime:
        config.prepare_storage()
        engine = make_engine(config.database_url)
        hall = Hall(
            make_session_factory(engine),
            config.site,
            clock,
            config.public_url,
            read_sessions=make_session_factory(engine, read_only=True),
            write_lock=threading.RLock() if engine.dialect.name == "sqlite" else None,
        )
        publisher = HallPublisher(hall)
        bridge = None
        if config.mqtt_url:
            bridge = MqttBridge(
                publisher,
                BrokerUrl.parse(config.mqtt_url),
                client_id=f"queue-server-{config.site}",
                ca_file=config.ca_file,
            )
        return cls(config, engine, hall, publisher, bridge, DayRollover(publisher))

    def start(self) -> None:
        self.publisher.start()
        if self.rollover is not None:
            self.rollover.check()
            self.rollover.start()
        if self.bridge is not None:
            self.bridge.start()

    def stop(self) -> None:
        if self.bridge is not None:
            self.bridge.stop()
        if self.rollover is not None:
            self.rollover.stop()
        self.publisher.stop()
        self.engine.dispose()
