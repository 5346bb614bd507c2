"""The kiosk's settings, checked once at start (keys of firmware_config/examples/kiosk.toml).

A wrong value stops the kiosk with a ConfigError naming the key, instead of a
screen that fails later in front of a citizen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.barcode_scanner import ScannerSpec, parse_scanner_spec
from kiosk.printer_spec import DEFAULT_PROFILE, check_profile, parse_printer_spec
from protocol.broker_url import BrokerUrl
from protocol.config_file import ConfigError, optional, require

LANGUAGES = ("vi", "en")
DEFAULT_DATA_DIR = "var/kiosk"
#: seconds after a ticket during which service taps and presses are ignored
DEFAULT_LOCKOUT_S = 3.0
DEFAULT_CANCEL_RETRY_S = 10.0
#: BCM numbers of the GPIO pins on the Raspberry Pi header
GPIO_PINS = range(0, 28)
PRIORITY_BUTTON = "priority"


def parse_buttons(table: object) -> dict[str, int]:
    """``[buttons]``: service code (or "priority") → BCM pin, each pin used once.

    Errors name the key, e.g. ``buttons.A``, so an installer knows which wire.
    """
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ConfigError("config key 'buttons' must be a table: [buttons] A = 17")
    pins: dict[str, int] = {}
    used: dict[int, str] = {}
    for name, pin in table.items():
        key = f"buttons.{name}"
        if not isinstance(name, str) or not name.strip() or any(c in name for c in "/+#"):
            raise ConfigError(f"config key '{key}': a service code like A, or 'priority'")
        if isinstance(pin, bool) or not isinstance(pin, int):
            raise ConfigError(f"config key '{key}' must be a BCM pin number, got {pin!r}")
        if pin not in GPIO_PINS:
            raise ConfigError(f"config key '{key}' must be a BCM pin 0..27, got {pin}")
        if pin in used:
            raise ConfigError(
                f"config key '{key}': pin {pin} is already used by 'buttons.{used[pin]}'"
            )
        used[pin] = name
        pins[name] = pin
    return pins


def _seconds(data: dict[str, Any], key: str, default: float) -> float:
    value = optional(data, key, default, (int, float))
    if isinstance(value, bool) or not math.isfinite(value) or not 0 <= value <= 3600:
        raise ConfigError(f"config key '{key}' must be seconds between 0 and 3600, got {value!r}")
    return float(value)


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
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    lockout_s: float = DEFAULT_LOCKOUT_S
    cancel_retry_s: float = DEFAULT_CANCEL_RETRY_S
    buttons: dict[str, int] = field(default_factory=dict)
    #: say the issued number aloud after printing (for citizens who cannot read the screen)
    speak: bool = False
    #: clip folder; None = ``{data_dir}/voice``, generated there on first start
    voice_dir: Path | None = None
    volume: float = 1.0
    #: where scanned texts come from (config key ``scanner``)
    scanner: ScannerSpec = field(default_factory=lambda: ScannerSpec("keyboard"))
    #: the "Đã đặt lịch hẹn" button: True always, False never, None when the server
    #: lists a field taking appointments
    appointments: bool | None = None
    #: the address booking QR codes point to (the server's public URL), besides server_url
    public_url: str | None = None

    @property
    def clip_dir(self) -> Path:
        """The folder the voice clips are read from (and generated into)."""
        return self.voice_dir if self.voice_dir is not None else self.data_dir / "voice"

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
        data_dir = optional(data, "data_dir", DEFAULT_DATA_DIR, str)
        if not data_dir.strip():
            raise ConfigError("config key 'data_dir' is empty; e.g. data_dir = \"var/kiosk\"")
        lockout_s = _seconds(data, "lockout_s", DEFAULT_LOCKOUT_S)
        cancel_retry_s = _seconds(data, "cancel_retry_s", DEFAULT_CANCEL_RETRY_S)
        if cancel_retry_s < 0.05:
            raise ConfigError("config key 'cancel_retry_s' must be at least 0.05 seconds")
        buttons = parse_buttons(data.get("buttons"))
        speak = optional(data, "speak", False, bool)
        voice_dir = optional(data, "voice_dir", None, str)
        if voice_dir is not None and not voice_dir.strip():
            raise ConfigError("config key 'voice_dir' is empty; leave it out for data_dir/voice")
        volume = optional(data, "volume", 1.0, (int, float))
        if isinstance(volume, bool) or not (math.isfinite(volume) and 0 <= volume <= 1):
            raise ConfigError(f"config key 'volume' must be 0.0..1.0, got {volume!r}")
        scanner_text = optional(data, "scanner", "keyboard", str)
        try:
            scanner = parse_scanner_spec(scanner_text)
        except ValueError as exc:
            raise ConfigError(f"config key 'scanner': {exc}") from None
        appointments = optional(data, "appointments", None, bool)
        public_url = optional(data, "public_url", None, str)
        if public_url is not None and not public_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"config key 'public_url' must start with http:// or https://, got {public_url!r}"
            )
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
            data_dir=Path(data_dir),
            lockout_s=lockout_s,
            cancel_retry_s=cancel_retry_s,
            buttons=buttons,
            speak=speak,
            voice_dir=Path(voice_dir) if voice_dir is not None else None,
            volume=float(volume),
            scanner=scanner,
            appointments=appointments,
            public_url=public_url.rstrip("/") if public_url else None,
        )
