"""The kiosk's settings, checked once at start (keys of firmware_config/examples/kiosk.toml).

A wrong value stops the kiosk with a ConfigError naming the key, instead of a
screen that fails later in front of a citizen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.printer_spec import DEFAULT_PROFILE, check_profile, parse_printer_spec
from protocol.broker_url import BrokerUrl
from protocol.config_file import ConfigError, optional, require

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class KioskConfig:
    site: str
    device_id: str
    server_url: str
    device_token: str
    mqtt_url: str | None
    printer: str | None
    profile: str
    language: str
    fullscreen: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, printer_needed: bool = True) -> KioskConfig:
        """Validate a loaded config; ``printer_needed`` False when a printer is injected."""
        site = require(data, "site")
        device_id = require(data, "device_id")
        server_url = require(data, "server_url")
        if not server_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"config key 'server_url' must start with http:// or https://, got {server_url!r}"
            )
        token = require(data, "device_token")
        if not token.strip():
            raise ConfigError(
                "config key 'device_token' is empty: use the token printed by "
                "'python -m queue_server load-site' (or MOTCUA_DEVICE_TOKEN)"
            )
        mqtt_url = optional(data, "mqtt_url", None, str) or None
        if mqtt_url is not None:
            try:
                BrokerUrl.parse(mqtt_url)
            except ValueError as exc:
                raise ConfigError(f"config key 'mqtt_url': {exc}") from None
        printer = optional(data, "printer", None, str) if not printer_needed else None
        if printer_needed:
            printer = require(data, "printer")
        if printer is not None:
            try:
                parse_printer_spec(printer)
            except ValueError as exc:
                raise ConfigError(f"config key 'printer': {exc}") from None
        profile = optional(data, "profile", DEFAULT_PROFILE, str)
        try:
            check_profile(profile)
        except ValueError as exc:
            raise ConfigError(f"config key 'profile': {exc}") from None
        language = optional(data, "language", "vi", str)
        if language not in LANGUAGES:
            raise ConfigError(f"config key 'language' must be 'vi' or 'en', got {language!r}")
        fullscreen = optional(data, "fullscreen", False, bool)
        for key, value in (("site", site), ("device_id", device_id)):
            if not value or "/" in value or "+" in value or "#" in value:
                raise ConfigError(f"config key '{key}' must be a plain name, got {value!r}")
        return cls(
            site=site,
            device_id=device_id,
            server_url=server_url.rstrip("/"),
            device_token=token.strip(),
            mqtt_url=mqtt_url,
            printer=printer,
            profile=profile,
            language=language,
            fullscreen=fullscreen,
        )
