"""Wiring the server's parts together from its config: database, hall, publisher, bridge."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from protocol.broker_url import BrokerUrl
from queue_server.broker_accounts import BrokerAccounts
from queue_server.day_rollover import DayRollover
from queue_server.device_setup import DeviceSetup
from queue_server.domain.queue_error import QueueError
from queue_server.dossier_lookup import DossierConnector, NoConnector
from queue_server.hall import Clock, Hall, system_clock
from queue_server.hall_publisher import HallPublisher
from queue_server.mqtt_bridge import MqttBridge
from queue_server.server_config import ServerConfig
from queue_server.storage.database import make_engine, make_session_factory
from queue_server.webhook_delivery import FeedDelivery
from queue_server.webhook_endpoints import sync_config_endpoints

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    config: ServerConfig
    engine: Engine
    hall: Hall
    publisher: HallPublisher
    bridge: MqttBridge | None = None
    rollover: DayRollover | None = None
    #: set when the server keeps the broker's account files (``broker_accounts_dir``)
    broker_accounts: BrokerAccounts | None = None
    #: sends the event feed to the webhook endpoints (DESIGN.md section 11)
    feed: FeedDelivery | None = None
    #: the province's dossier system (``[dossier]`` in the config)
    dossiers: DossierConnector = field(default_factory=NoConnector)

    @property
    def device_setup(self) -> DeviceSetup:
        return DeviceSetup(self.config.site, self.config.public_url, self.config.mqtt_url)

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
        accounts = None
        if config.broker_accounts_dir is not None:
            accounts = BrokerAccounts(
                config.broker_accounts_dir,
                config.site,
                BrokerUrl.parse(config.mqtt_url).password if config.mqtt_url else None,
                config.broker_pid_file,
            )
        return cls(config, engine, hall, publisher, bridge, DayRollover(publisher), accounts,
                   FeedDelivery(hall, config.event_feed), config.dossier.make_connector())

    def start(self) -> None:
        if self.broker_accounts is not None:
            self.sync_broker_accounts()
        self.publisher.start()
        if self.rollover is not None:
            self.rollover.check()
            self.rollover.start()
        if self.bridge is not None:
            self.bridge.start()
        if self.feed is not None:
            sync_config_endpoints(self.hall, self.config.webhooks)
            self.feed.start()

    def sync_broker_accounts(self) -> None:
        """The broker's files follow the database; a failure is logged, the hall still runs."""
        try:
            with self.broker_accounts.lock, self.hall.transaction() as db:
                self.broker_accounts.sync(db, self.hall.site(db))
        except (QueueError, OSError) as exc:
            log.error("config key 'broker_accounts_dir' (%s): the broker's accounts are not "
                      "up to date: %s", self.broker_accounts.folder, exc)

    def stop(self) -> None:
        if self.feed is not None:
            self.feed.stop()
        if self.bridge is not None:
            self.bridge.stop()
        if self.rollover is not None:
            self.rollover.stop()
        self.publisher.stop()
        self.engine.dispose()
