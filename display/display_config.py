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
from protocol.config_file import ConfigError, load_config, optional, optional_ca_file, require

LANGUAGES = ("vi", "en")
MODES = ("board", "counter")
NUMBER_STYLES = ("number", "digits")
READINGS = ("north", "south")
DEFAULT_DATA_DIR = "/var/lib/motcua"


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
    #: seconds after connecting without the retained board: the server does not serve
    #: this site (or is not running), said on the screen and in the log
    board_timeout_s: float = 10.0
    #: the clock's time zone; a Pi without a real-time clock often runs in UTC
    timezone: str = "Asia/Ho_Chi_Minh"
    #: CA certificate for mqtts:// brokers with a local CA
    ca_file: str | None = None
    #: "board": the hall board; "counter": one counter's number, for a screen above it
    mode: str = "board"
    #: the counter shown in counter mode
    counter: str | None = None
    #: speak calls (a second board in the same hall, or a counter screen, stays quiet)
    announce: bool = True
    #: where this device keeps what it makes (the generated voice clips)
    data_dir: str = DEFAULT_DATA_DIR
    #: clip folder; None = ``{data_dir}/voice``, generated there on first start
    voice_dir: str | None = None
    voice_english: bool = False
    #: 0.0..1.0
    volume: float = 1.0
    #: "number" (A012 → "a, mười hai") or "digits" ("a, không một hai")
    voice_numbers: str = "number"
    #: "north" ("linh", "nghìn") or "south" ("lẻ", "ngàn")
    voice_reading: str = "north"
    #: metres from the screen to the farthest seat that must read it; 0 = no minimum
    viewing_distance_m: float = 4.0
    #: physical height of the picture as mounted (the long side for a portrait screen)
    screen_height_cm: float | None = None
    #: pixels per inch of the screen, instead of screen_height_cm
    screen_dpi: float | None = None
    #: diagonal in inches, used when neither of the above is set (a 55-inch TV by default)
    screen_diagonal_in: float = 55.0

    @property
    def clip_dir(self) -> Path:
        """The folder the voice clips are read from (and generated into)."""
        return Path(self.voice_dir) if self.voice_dir else Path(self.data_dir) / "voice"

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
        board_timeout_s = float(optional(data, "board_timeout_s", 10.0, (int, float)))
        if not 1 <= board_timeout_s <= 300:
            raise ConfigError(
                f"config key 'board_timeout_s' must be 1..300 seconds, got {board_timeout_s}"
            )
        timezone = optional(data, "timezone", "Asia/Ho_Chi_Minh")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"config key 'timezone': unknown time zone {timezone!r}") from None
        ca_file = optional_ca_file(data, "ca_file")
        mode = optional(data, "mode", "board")
        if mode not in MODES:
            raise ConfigError(f"config key 'mode' must be one of {', '.join(MODES)}, got {mode!r}")
        counter = optional(data, "counter", None, (str, int))
        if counter is not None:
            counter = str(counter)
            if not counter or any(c in counter for c in "/+#"):
                raise ConfigError("config key 'counter' must be a counter name like \"5\"")
        if mode == "counter" and counter is None:
            raise ConfigError("config key 'counter' is missing (needed by mode = \"counter\")")
        volume = float(optional(data, "volume", 1.0, (int, float)))
        if not 0 <= volume <= 1:
            raise ConfigError(f"config key 'volume' must be 0.0..1.0, got {volume}")
        voice_numbers = optional(data, "voice_numbers", "number")
        if voice_numbers not in NUMBER_STYLES:
            raise ConfigError(
                f"config key 'voice_numbers' must be one of {', '.join(NUMBER_STYLES)}, "
                f"got {voice_numbers!r}"
            )
        voice_reading = optional(data, "voice_reading", "north")
        if voice_reading not in READINGS:
            raise ConfigError(
                f"config key 'voice_reading' must be one of {', '.join(READINGS)}, "
                f"got {voice_reading!r}"
            )
        distance = float(optional(data, "viewing_distance_m", 4.0, (int, float)))
        if not 0 <= distance <= 100:
            raise ConfigError(f"config key 'viewing_distance_m' must be 0..100, got {distance}")
        physical: dict[str, float | None] = {}
        for key, low, high in (("screen_height_cm", 5, 1000), ("screen_dpi", 10, 2000),
                               ("screen_diagonal_in", 3, 400)):
            value = optional(data, key, None, (int, float))
            if value is not None and not low <= value <= high:
                raise ConfigError(f"config key '{key}' must be {low}..{high}, got {value}")
            physical[key] = None if value is None else float(value)
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
            board_timeout_s=board_timeout_s,
            timezone=timezone,
            ca_file=ca_file,
            mode=mode,
            counter=counter,
            announce=optional(data, "announce", mode == "board", bool),
            data_dir=optional(data, "data_dir", DEFAULT_DATA_DIR),
            voice_dir=optional(data, "voice_dir", None),
            voice_english=optional(data, "voice_english", False, bool),
            volume=volume,
            voice_numbers=voice_numbers,
            voice_reading=voice_reading,
            viewing_distance_m=distance,
            screen_height_cm=physical["screen_height_cm"],
            screen_dpi=physical["screen_dpi"],
            screen_diagonal_in=physical["screen_diagonal_in"] or 55.0,
        )


def load_display_config(
    path: str | Path | None, env: Mapping[str, str] | None = None
) -> DisplayConfig:
    """Read and validate the display config file (with MOTCUA_* overrides)."""
    return DisplayConfig.from_mapping(load_config(path, env))
