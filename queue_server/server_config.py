"""The server's configuration (``/etc/motcua/server.toml`` + ``MOTCUA_*`` overrides)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from protocol.broker_url import BrokerUrl
from protocol.config_file import ConfigError, hide_password, load_config, optional, optional_ca_file
from queue_server.dossier_lookup import DossierConfig, dossier_config
from queue_server.storage.database_url import check_database_url
from queue_server.webhook_delivery import DeliverySettings
from queue_server.webhook_endpoints import WebhookSpec, secret_problem, url_problem

DEFAULT_CONFIG = Path("/etc/motcua/server.toml")


@dataclass(frozen=True)
class ServerConfig:
    site: str
    database_url: str
    mqtt_url: str | None
    data_dir: Path
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    #: the hall CA certificate for an ``mqtts://`` broker (made by firmware_config --tls)
    ca_file: str | None = None
    #: "text" for people reading the journal, "json" for a log collector
    log_format: str = "text"
    #: the broker's passwd/acl folder, kept from the device table (None: not touched)
    broker_accounts_dir: Path | None = None
    #: Mosquitto's pid file, signalled after an account change (None: a path unit reloads)
    broker_pid_file: Path | None = None
    #: the file the config was read from (None: defaults and environment only)
    config_file: Path | None = None
    #: where ``database_url`` came from: ``MOTCUA_DATABASE_URL``, the config file,
    #: or "" for the default SQLite file in ``data_dir``
    database_url_origin: str = ""
    #: public bookings a phone number may make in a day (0: no limit)
    booking_limit_per_phone: int = 3
    #: public bookings one client address may make in a day (0: no limit)
    booking_limit_per_address: int = 20
    #: receivers of the event feed (``[[webhooks]]``)
    webhooks: tuple[WebhookSpec, ...] = ()
    #: retries and dead letters of the event feed (``[event_feed]``)
    event_feed: DeliverySettings = DeliverySettings()
    #: the ``[dossier]`` table: the dossier system's connector and the receipt QR format
    dossier: DossierConfig = DossierConfig()

    @classmethod
    def load(cls, path: str | Path | None, env=None) -> ServerConfig:
        """Read and check the config; a ConfigError names the key at fault."""
        if path is None and DEFAULT_CONFIG.exists():
            path = DEFAULT_CONFIG
        data = load_config(path, env)
        env = os.environ if env is None else env
        site = optional(data, "site", "", str)
        if not site and path is None:
            raise ConfigError(
                f"no config file: give --config PATH ({DEFAULT_CONFIG} does not exist) "
                "or set MOTCUA_SITE"
            )
        if not site:
            raise ConfigError("config key 'site' is missing (or set MOTCUA_SITE)")
        data_dir = Path(optional(data, "data_dir", "var", str))
        database_url = optional(data, "database_url", "", str)
        if env.get("MOTCUA_DATABASE_URL"):
            origin = "MOTCUA_DATABASE_URL"
        elif database_url:
            origin = str(path)
        else:
            origin, database_url = "", f"sqlite:///{data_dir / 'motcua.db'}"
        try:
            check_database_url(database_url)
        except ValueError as exc:
            raise ConfigError(f"{_database_label(database_url, origin)} {exc}") from None
        mqtt_url = optional(data, "mqtt_url", "", str) or None
        if mqtt_url:
            try:
                BrokerUrl.parse(mqtt_url)
            except ValueError as exc:
                raise ConfigError(f"config key 'mqtt_url': {exc}") from None
        port = optional(data, "port", 8080, int)
        if not 1 <= port <= 65535:
            raise ConfigError(f"config key 'port' must be 1..65535, got {port}")
        host = optional(data, "host", "127.0.0.1", str)
        ca_file = optional_ca_file(data, "ca_file")
        log_format = optional(data, "log_format", "text", str)
        if log_format not in ("text", "json"):
            raise ConfigError(
                f"config key 'log_format' must be \"text\" or \"json\", got {log_format!r}"
            )
        # the folder is checked when the server starts: commands such as create-user
        # read this config on machines that have no broker
        broker_accounts_dir = optional(data, "broker_accounts_dir", "", str) or None
        if broker_accounts_dir and not mqtt_url:
            raise ConfigError("config key 'broker_accounts_dir' needs 'mqtt_url' (the broker)")
        broker_pid_file = optional(data, "broker_pid_file", "", str) or None
        if broker_pid_file and not broker_accounts_dir:
            raise ConfigError("config key 'broker_pid_file' needs 'broker_accounts_dir'")
        limits = {}
        for key, default in (("booking_limit_per_phone", 3), ("booking_limit_per_address", 20)):
            value = optional(data, key, default, int)
            if not 0 <= value <= 100_000:
                raise ConfigError(f"config key {key!r} must be 0..100000 (0: no limit), "
                                  f"got {value}")
            limits[key] = value
        dossier = dossier_config(data.get("dossier"))
        webhooks = _webhooks(data)
        receiver = dossier.events_receiver()
        if receiver is not None and all(w.url != receiver.url for w in webhooks):
            webhooks += (receiver,)  # the dossier system takes the feed like any receiver
        return cls(
            site=site,
            database_url=database_url,
            mqtt_url=mqtt_url,
            data_dir=data_dir,
            secret_key=optional(data, "secret_key", "", str) or "",
            host=host,
            port=port,
            public_url=optional(data, "public_url", "", str) or f"http://{host}:{port}",
            ca_file=ca_file,
            log_format=log_format,
            broker_accounts_dir=Path(broker_accounts_dir) if broker_accounts_dir else None,
            broker_pid_file=Path(broker_pid_file) if broker_pid_file else None,
            config_file=Path(path) if path is not None else None,
            database_url_origin=origin,
            webhooks=webhooks,
            event_feed=_event_feed(data),
            dossier=dossier,
            **limits,
        )

    @property
    def database_label(self) -> str:
        """The database as an installer finds it: the key, where it is set, the URL."""
        return _database_label(self.database_url, self.database_url_origin)

    def ensure_secret_key(self) -> str:
        """The configured secret key, or one generated once into the data folder."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        try:
            if path.exists():
                return path.read_text().strip()
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key = secrets.token_hex(32)
            path.write_text(key)
            path.chmod(0o600)
        except OSError as exc:
            raise ConfigError(
                f"config key 'data_dir' ({self.data_dir}): cannot keep the session secret in "
                f"{path}: {_folder_problem(self.data_dir, exc)}; fix the folder or set "
                "'secret_key' (or MOTCUA_SECRET_KEY)"
            ) from None
        return key

    def prepare_storage(self) -> None:
        """Make the SQLite folder exist, so a fresh install just works."""
        if self.database_url.startswith("sqlite:///"):
            db_path = Path(self.database_url.removeprefix("sqlite:///"))
            if str(db_path) != ":memory:":
                try:
                    db_path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise ConfigError(
                        f"{self.database_label} cannot make the folder {db_path.parent}: "
                        f"{_folder_problem(db_path.parent, exc)}"
                    ) from None


_WEBHOOK_KEYS = ("url", "secret")

#: ``[event_feed]`` key → (DeliverySettings field, kind, lowest, highest)
_FEED_KEYS = {
    "retry_first_s": ("retry_first_s", (int, float), 0.1, 3600),
    "retry_max_s": ("retry_max_s", (int, float), 1, 86_400),
    "timeout_s": ("timeout_s", (int, float), 0.5, 300),
    "dead_letter_after_attempts": ("dead_letter_attempts", int, 0, 1_000_000),
    "dead_letter_after_hours": ("dead_letter_age_h", (int, float), 1, 24 * 365),
    "keep_days": ("keep_days", int, 0, 3650),
}


def _webhooks(data: dict) -> tuple[WebhookSpec, ...]:
    """The ``[[webhooks]]`` tables; a problem names the entry and key, never the secret."""
    entries = data.get("webhooks", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError("config key 'webhooks' must be a list of tables ([[webhooks]])")
    specs: list[WebhookSpec] = []
    for n, entry in enumerate(entries, 1):
        where = f"config key 'webhooks' (entry {n})"
        unknown = sorted(set(entry) - set(_WEBHOOK_KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: url, secret)")
        for key in _WEBHOOK_KEYS:
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise ConfigError(f"{where}: '{key}' is missing or not a string")
        problem = url_problem(entry["url"])
        if problem:
            raise ConfigError(f"{where}: 'url' {problem}")
        problem = secret_problem(entry["secret"])
        if problem:
            raise ConfigError(f"{where}: 'secret' {problem}")
        if any(s.url == entry["url"] for s in specs):
            raise ConfigError(f"{where}: 'url' is already used by an earlier entry")
        specs.append(WebhookSpec(entry["url"], entry["secret"]))
    return tuple(specs)


def _event_feed(data: dict) -> DeliverySettings:
    table = data.get("event_feed", {})
    if not isinstance(table, dict):
        raise ConfigError("config key 'event_feed' must be a table ([event_feed])")
    values = {}
    for key, value in table.items():
        if key not in _FEED_KEYS:
            raise ConfigError(f"config key 'event_feed.{key}' is unknown "
                              f"(known: {', '.join(_FEED_KEYS)})")
        name, kind, low, high = _FEED_KEYS[key]
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            raise ConfigError(f"config key 'event_feed.{key}' must be a number "
                              f"{low}..{high}, got {value!r}")
        values[name] = value
    settings = DeliverySettings(**values)
    if settings.retry_first_s > settings.retry_max_s:
        raise ConfigError("config key 'event_feed.retry_first_s' must not exceed 'retry_max_s'")
    return settings


def _folder_problem(folder: Path, exc: OSError) -> str:
    """What is wrong with a folder the server needs, as an installer would say it."""
    blocker = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        return f"{blocker} is a file, not a folder"
    return str(exc.strerror or exc)


def _database_label(url: str, origin: str) -> str:
    """The setting that chose the database, ending in ':' for the problem that follows."""
    if not origin:
        return f"config key 'data_dir' (database {url}):"
    where = "from MOTCUA_DATABASE_URL" if origin == "MOTCUA_DATABASE_URL" else f"in {origin}"
    return f"config key 'database_url' ({where}, {hide_password(url)}):"
