"""The display's TOML config (firmware_config/examples/display.toml), checked at start.

A wrong value must stop the board when it is installed, with the key named, rather
than leave a blank screen in the hall.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from protocol.broker_url import BrokerUrl
from protocol.config_file import ConfigError, load_config, optional, require

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class DisplayConfig:
    site: str
    device_id: str
    mqtt_url: BrokerUrl
    centre_name: str
    fullscreen: bool = True
    width: int = 1920
    height: int = 1080
    recent_count: int = 8
    language: str = "vi"
    #: seconds a new call blinks
    highlight_s: float = 10.0
    #: the clock's time zone; a Pi without a real-time clock often runs in UTC
    timezone: str = "Asia/Ho_Chi_Minh"
    #: CA certificate for mqtts:// brokers with a local CA
    ca_file: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DisplayConfig:
        """Validate a loaded config; a ConfigError names the first key at fault."""
        site = require(data, "site")
        device_id = require(data, "device_id")
        for key, value in (("site", site), ("device_id", device_id)):
            if not value or any(c in value for c in "/+#"):
                raise ConfigError(f"config key '{key}' must be a non-empty name without / + #")
        raw_url = require(data, "mqtt_url")
        try:
            url = BrokerUrl.parse(raw_url)
        except ValueError as exc:
            raise ConfigError(f"config key 'mqtt_url': {exc}") from None
        width = optional(data, "width", 1920, int)
        height = optional(data, "height", 1080, int)
        for key, value in (("width", width), ("height", height)):
            if not 200 <= value <= 8192:
                raise ConfigError(f"config key '{key}' must be 200..8192 pixels, got {value}")
        recent_count = optional(data, "recent_count", 8, int)
        if not 1 <= recent_count <= 30:
            raise ConfigError(f"config key 'recent_count' must be 1..30, got {recent_count}")
        language = optional(data, "language", "vi")
        if language not in LANGUAGES:
            raise ConfigError(
                f"config key 'language' must be one of {', '.join(LANGUAGES)}, got {language!r}"
            )
        highlight_s = float(optional(data, "highlight_s", 10.0, (int, float)))
        if not 0 <= highlight_s <= 600:
            raise ConfigError(f"config key 'highlight_s' must be 0..600, got {highlight_s}")
        timezone = optional(data, "timezone", "Asia/Ho_Chi_Minh")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"config key 'timezone': unknown time zone {timezone!r}") from None
        ca_file = optional(data, "ca_file", None)
        if ca_file is not None and not Path(ca_file).is_file():
            raise ConfigError(f"config key 'ca_file': no such file {ca_file!r}")
        return cls(
            site=site,
            device_id=device_id,
            mqtt_url=url,
            centre_name=require(data, "centre_name"),
            fullscreen=optional(data, "fullscreen", True, bool),
            width=width,
            height=height,
            recent_count=recent_count,
            language=language,
            highlight_s=highlight_s,
            timezone=timezone,
            ca_file=ca_file,
        )


def load_display_config(
    path: str | Path | None, env: Mapping[str, str] | None = None
) -> DisplayConfig:
    """Read and validate the display config file (with MOTCUA_* overrides)."""
    return DisplayConfig.from_mapping(load_config(path, env))
