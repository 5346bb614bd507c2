"""The counter station's configuration, validated at start (DESIGN.md sections 7 and 9).

A wrong pin on a counter Pi is found by an installer standing at the counter, so every
error names the key at fault (``buttons.recall``, ``leds.busy``, ``counter``) instead
of failing later inside gpiozero with a pin number and no context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocol.broker_url import BrokerUrl
from protocol.config_file import ConfigError, load_config, optional, require

#: buttons a counter may have, each sending the command of the same name
BUTTON_NAMES: tuple[str, ...] = ("next", "recall", "skip", "complete", "pause", "resume")
#: buttons without which a call station makes no sense
REQUIRED_BUTTONS: tuple[str, ...] = ("next",)
#: status LEDs a counter may have
LED_NAMES: tuple[str, ...] = ("online", "busy", "paused", "empty")
#: BCM GPIO numbers usable on the 40-pin header
MIN_PIN, MAX_PIN = 0, 27
DEFAULT_DEBOUNCE_S = 0.3


@dataclass(frozen=True)
class StationConfig:
    """Everything a counter station needs to run, already checked."""

    site: str
    device_id: str
    counter: str
    mqtt_url: BrokerUrl
    debounce_s: float = DEFAULT_DEBOUNCE_S
    buttons: dict[str, int] = field(default_factory=dict)
    leds: dict[str, int] = field(default_factory=dict)
    buzzer: int | None = None
    mqtt_ca_file: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StationConfig:
        """Validate a config dict (as read from TOML); a ConfigError names the bad key."""
        site = _non_empty(data, "site")
        device_id = _non_empty(data, "device_id")
        counter = _counter_number(data)
        url_text = require(data, "mqtt_url")
        try:
            url = BrokerUrl.parse(url_text)
        except ValueError as exc:
            raise ConfigError(f"config key 'mqtt_url': {exc}") from None
        debounce = optional(data, "debounce_s", DEFAULT_DEBOUNCE_S, (int, float))
        if isinstance(debounce, bool) or not 0 <= debounce <= 10:
            raise ConfigError(
                f"config key 'debounce_s' must be a number of seconds 0..10, got {debounce!r}"
            )
        ca_file = optional(data, "mqtt_ca_file", None)

        used: dict[int, str] = {}
        buttons = _pin_table(data, "buttons", BUTTON_NAMES, used, required=True)
        for name in REQUIRED_BUTTONS:
            if name not in buttons:
                raise ConfigError(f"config key 'buttons.{name}' is missing")
        leds = _pin_table(data, "leds", LED_NAMES, used, required=False)
        buzzer = None
        if "buzzer" in data:
            buzzer = _pin(data["buzzer"], "buzzer", used)
        return cls(
            site=site,
            device_id=device_id,
            counter=counter,
            mqtt_url=url,
            debounce_s=float(debounce),
            buttons=buttons,
            leds=leds,
            buzzer=buzzer,
            mqtt_ca_file=ca_file,
        )


def load_station_config(
    path: str | Path | None, env: Mapping[str, str] | None = None
) -> StationConfig:
    """Read the counter TOML (with MOTCUA_* overrides) and validate it."""
    return StationConfig.from_dict(load_config(path, env))


def _non_empty(data: Mapping[str, Any], key: str) -> str:
    value = require(data, key).strip()
    if not value:
        raise ConfigError(f"config key '{key}' must not be empty")
    return value


def _counter_number(data: Mapping[str, Any]) -> str:
    # TOML writers often type `counter = 5`; the contract carries it as text
    value = require(data, "counter", (str, int))
    if isinstance(value, bool):
        raise ConfigError(f"config key 'counter' must be str, got {value!r}")
    text = str(value).strip()
    if not text or "/" in text or "+" in text or "#" in text:
        raise ConfigError(
            f"config key 'counter' must be a counter number like \"5\", got {value!r}"
        )
    return text


def _pin_table(
    data: Mapping[str, Any],
    section: str,
    allowed: tuple[str, ...],
    used: dict[int, str],
    *,
    required: bool,
) -> dict[str, int]:
    if section not in data:
        if required:
            raise ConfigError(f"config key '{section}' is missing")
        return {}
    table = data[section]
    if not isinstance(table, Mapping):
        raise ConfigError(f"config key '{section}' must be a table like [{section}]")
    pins: dict[str, int] = {}
    for name, value in table.items():
        key = f"{section}.{name}"
        if name not in allowed:
            raise ConfigError(
                f"config key '{key}': unknown {section[:-1]} name {name!r} "
                f"(known: {', '.join(allowed)})"
            )
        pins[name] = _pin(value, key, used)
    return pins


def _pin(value: Any, key: str, used: dict[int, str]) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not MIN_PIN <= value <= MAX_PIN:
        raise ConfigError(
            f"config key '{key}' must be a BCM GPIO number {MIN_PIN}..{MAX_PIN}, got {value!r}"
        )
    if value in used:
        raise ConfigError(f"config key '{key}': GPIO {value} is already used by '{used[value]}'")
    used[value] = key
    return value
