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
from protocol.config_file import ConfigError, load_config, optional, optional_ca_file, require

#: buttons a counter may have; each sends the command of the same name, except
#: ``pause`` (toggles pause/resume) and ``transfer`` (chooses a field, then a hold sends)
BUTTON_NAMES: tuple[str, ...] = (
    "next", "recall", "skip", "complete", "pause", "resume", "transfer"
)
#: buttons without which a call station makes no sense
REQUIRED_BUTTONS: tuple[str, ...] = ("next",)
#: status LEDs a counter may have: ``transfer`` blinks the chosen field's position,
#: ``rate`` asks the citizen to rate, ``rate_1``..``rate_4`` light under each rating key
LED_NAMES: tuple[str, ...] = (
    "online", "busy", "paused", "empty", "transfer", "rate", "rate_1", "rate_2", "rate_3",
    "rate_4",
)
#: keys of the citizen's rating keypad, each the rating it sends
#: (4 Rất hài lòng, 3 Hài lòng, 2 Bình thường, 1 Không hài lòng)
RATING_KEYS: tuple[str, ...] = ("1", "2", "3", "4")
#: BCM GPIO numbers usable on the 40-pin header
MIN_PIN, MAX_PIN = 0, 27
DEFAULT_DEBOUNCE_S = 0.3
DEFAULT_SKIP_HOLD_S = 1.0
DEFAULT_TRANSFER_HOLD_S = 1.5
DEFAULT_TRANSFER_TIMEOUT_S = 10.0
#: a server that knows this counter sends its retained state at once on subscribing
DEFAULT_STATE_TIMEOUT_S = 10.0
#: the server accepts a rating for 5 minutes after the completion
DEFAULT_RATING_WINDOW_S, MAX_RATING_WINDOW_S = 60.0, 300.0


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
    #: rating key ("1".."4") -> pin; empty when the counter has no keypad
    rating: dict[str, int] = field(default_factory=dict)
    rating_window_s: float = DEFAULT_RATING_WINDOW_S
    #: seconds skip must be held to send; 0 sends on a plain press
    skip_hold_s: float = DEFAULT_SKIP_HOLD_S
    transfer_hold_s: float = DEFAULT_TRANSFER_HOLD_S
    transfer_timeout_s: float = DEFAULT_TRANSFER_TIMEOUT_S
    #: fields a ticket may be transferred to, in blink order; None: ask ``server_url``
    transfer_targets: tuple[str, ...] | None = None
    server_url: str | None = None
    #: seconds after connecting without any state for this counter: "unknown counter"
    state_timeout_s: float = DEFAULT_STATE_TIMEOUT_S

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
        ca_file = optional_ca_file(data, "mqtt_ca_file")

        used: dict[int, str] = {}
        buttons = _pin_table(data, "buttons", BUTTON_NAMES, used, required=True)
        for name in REQUIRED_BUTTONS:
            if name not in buttons:
                raise ConfigError(f"config key 'buttons.{name}' is missing")
        leds = _pin_table(data, "leds", LED_NAMES, used, required=False)
        buzzer = None
        if "buzzer" in data:
            buzzer = _pin(data["buzzer"], "buzzer", used)
        # a keypad may have fewer keys (two: satisfied / not satisfied)
        rating = _pin_table(data, "rating", RATING_KEYS, used, required=False)
        targets = _transfer_targets(data)
        server_url = _server_url(data)
        if "transfer" in buttons and targets is None and server_url is None:
            raise ConfigError(
                "config key 'transfer_targets' is missing: the transfer button needs the "
                "fields to offer (transfer_targets = [\"B\", \"D\"]) or server_url to ask"
            )
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
            rating=rating,
            rating_window_s=_seconds(
                data, "rating_window_s", DEFAULT_RATING_WINDOW_S, 1, MAX_RATING_WINDOW_S
            ),
            skip_hold_s=_seconds(data, "skip_hold_s", DEFAULT_SKIP_HOLD_S, 0, 5),
            transfer_hold_s=_seconds(
                data, "transfer_hold_s", DEFAULT_TRANSFER_HOLD_S, 0.1, 5
            ),
            transfer_timeout_s=_seconds(
                data, "transfer_timeout_s", DEFAULT_TRANSFER_TIMEOUT_S, 2, 120
            ),
            transfer_targets=targets,
            server_url=server_url,
            state_timeout_s=_seconds(
                data, "state_timeout_s", DEFAULT_STATE_TIMEOUT_S, 1, 300
            ),
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


def _seconds(
    data: Mapping[str, Any], key: str, default: float, low: float, high: float
) -> float:
    value = optional(data, key, default, (int, float))
    if isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(
            f"config key '{key}' must be a number of seconds {low:g}..{high:g}, got {value!r}"
        )
    return float(value)


def _transfer_targets(data: Mapping[str, Any]) -> tuple[str, ...] | None:
    if "transfer_targets" not in data:
        return None
    value = data["transfer_targets"]
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(code, str) and code.strip() for code in value)
    ):
        raise ConfigError(
            "config key 'transfer_targets' must be a list of field codes like "
            f"[\"B\", \"D\"], got {value!r}"
        )
    codes = tuple(code.strip() for code in value)
    if len(set(codes)) != len(codes):
        raise ConfigError(f"config key 'transfer_targets' lists a field twice: {value!r}")
    return codes


def _server_url(data: Mapping[str, Any]) -> str | None:
    value = optional(data, "server_url", None)
    if value is None:
        return None
    text = value.strip().rstrip("/")
    if not text.startswith(("http://", "https://")):
        raise ConfigError(
            f"config key 'server_url' must be like \"http://192.168.1.10:8080\", got {value!r}"
        )
    return text


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


_ITEM = {"buttons": "button", "leds": "LED", "rating": "rating key"}


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
                f"config key '{key}': unknown {_ITEM.get(section, section)} name {name!r} "
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
