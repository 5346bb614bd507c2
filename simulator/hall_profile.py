"""What a simulated day looks like: fields, arrivals per hour, service times, counters.

A profile is read from TOML (``--profile``) or learned from real tickets
(``simulator.ticket_history``). Every error names the key at fault, like every other
config file of the product.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocol.config_file import ConfigError

_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class FieldProfile:
    """One field (lĩnh vực): how many come each hour and how long they take."""

    code: str
    name: str = ""
    #: hour of day (0-23) → mean arrivals during that hour
    arrivals_per_hour: dict[int, float] = field(default_factory=dict)
    service_mean_s: float = 600.0
    service_cv: float = 0.6
    #: measured service times; when present they are drawn from instead of the lognormal
    service_samples: tuple[float, ...] = ()
    target_wait_s: float = 900.0

    @property
    def daily_arrivals(self) -> float:
        return sum(self.arrivals_per_hour.values())


@dataclass(frozen=True)
class CounterProfile:
    number: str
    fields: tuple[str, ...]
    #: (start, end) in seconds after midnight, local time
    shifts: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class HallProfile:
    fields: tuple[FieldProfile, ...]
    counters: tuple[CounterProfile, ...]
    name: str = "Sảnh mô phỏng"
    site: str = "camau-hcc"
    #: share of citizens who are not there when called
    no_show_share: float = 0.05
    #: how long an officer waits (and recalls) before marking a no-show
    no_show_wait_s: float = 120.0
    priority_share: float = 0.08
    priority_mode: str = "strict"
    max_priority_in_row: int = 3
    #: share of citizens who book ahead (a slot through the booking API, then check-in
    #: at the kiosk) instead of taking a walk-in ticket
    booking_share: float = 0.0

    def field(self, code: str) -> FieldProfile:
        for f in self.fields:
            if f.code == code:
                return f
        raise KeyError(code)

    @property
    def daily_arrivals(self) -> float:
        return sum(f.daily_arrivals for f in self.fields)


def parse_span(text: str) -> tuple[float, float]:
    """``"07:00-11:30"`` → (25200.0, 41400.0) seconds after midnight."""
    m = _SPAN.match(text.strip())
    if not m:
        raise ValueError(f"a time span looks like 07:00-11:30, got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if not (0 <= start < end <= 24 * 3600 and m1 < 60 and m2 < 60):
        raise ValueError(f"the span {text!r} must start before it ends, within one day")
    return float(start), float(end)


def _number(raw: dict, key: str, where: str, default: Any, low: float, high: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(
            f"config key '{where}{key}' must be a number {low}..{high}, got {value!r}"
        )
    return float(value)


def _arrivals(raw: Any, where: str) -> dict[int, float]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(
            f"config key '{where}arrivals' must be a table of hour = arrivals, e.g. {{8 = 30}}"
        )
    out: dict[int, float] = {}
    for hour, count in raw.items():
        if not str(hour).isdigit() or not 0 <= int(hour) <= 23:
            raise ConfigError(f"config key '{where}arrivals': hour {hour!r} is not 0..23")
        if isinstance(count, bool) or not isinstance(count, int | float) or count < 0:
            raise ConfigError(f"config key '{where}arrivals.{hour}' must be a number ≥ 0")
        out[int(hour)] = float(count)
    return dict(sorted(out.items()))


def profile_from_dict(data: dict[str, Any]) -> HallProfile:
    """Check and build a profile from parsed TOML."""
    hall = data.get("hall", {})
    if not isinstance(hall, dict):
        raise ConfigError("config key 'hall' must be a table")
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise ConfigError("config key 'fields' is missing: add at least one [[fields]]")
    fields: list[FieldProfile] = []
    for i, raw in enumerate(raw_fields):
        where = f"fields[{i}]."
        code = raw.get("code")
        if not isinstance(code, str) or not code:
            raise ConfigError(f"config key '{where}code' is missing")
        if any(f.code == code for f in fields):
            raise ConfigError(f"config key '{where}code': duplicate field {code!r}")
        samples = raw.get("service_samples_s", [])
        if not isinstance(samples, list) or any(
            isinstance(s, bool) or not isinstance(s, int | float) or s <= 0 for s in samples
        ):
            raise ConfigError(f"config key '{where}service_samples_s' must be positive numbers")
        fields.append(
            FieldProfile(
                code=code,
                name=str(raw.get("name", code)),
                arrivals_per_hour=_arrivals(raw.get("arrivals"), where),
                service_mean_s=60 * _number(raw, "service_mean_min", where, 10, 0.05, 600),
                service_cv=_number(raw, "service_cv", where, 0.6, 0, 5),
                service_samples=tuple(float(s) for s in samples),
                target_wait_s=60 * _number(raw, "target_wait_min", where, 15, 0, 600),
            )
        )
    codes = {f.code for f in fields}
    default_shift = hall.get("day", "07:00-17:00")
    raw_counters = data.get("counters")
    if not isinstance(raw_counters, list) or not raw_counters:
        raise ConfigError("config key 'counters' is missing: add at least one [[counters]]")
    counters: list[CounterProfile] = []
    for i, raw in enumerate(raw_counters):
        where = f"counters[{i}]."
        number = str(raw.get("number", "")).strip()
        if not number or any(c.number == number for c in counters):
            raise ConfigError(f"config key '{where}number' is missing or repeated: {number!r}")
        served = raw.get("fields")
        if not isinstance(served, list) or not served or not set(served) <= codes:
            raise ConfigError(
                f"config key '{where}fields' must list field codes among {sorted(codes)}"
            )
        spans = raw.get("shifts", [default_shift])
        try:
            shifts = tuple(parse_span(s) for s in spans)
        except (ValueError, AttributeError) as exc:
            raise ConfigError(f"config key '{where}shifts': {exc}") from None
        counters.append(CounterProfile(number, tuple(served), shifts))
    mode = hall.get("priority_mode", "strict")
    if mode not in ("strict", "interleave"):
        raise ConfigError("config key 'hall.priority_mode' must be 'strict' or 'interleave'")
    return HallProfile(
        fields=tuple(fields),
        counters=tuple(counters),
        name=str(hall.get("name", "Sảnh mô phỏng")),
        site=str(hall.get("site", "camau-hcc")),
        no_show_share=_number(hall, "no_show_share", "hall.", 0.05, 0, 1),
        no_show_wait_s=_number(hall, "no_show_wait_s", "hall.", 120, 0, 3600),
        priority_share=_number(hall, "priority_share", "hall.", 0.08, 0, 1),
        priority_mode=mode,
        max_priority_in_row=int(_number(hall, "max_priority_in_row", "hall.", 3, 0, 100)),
        booking_share=_number(hall, "booking_share", "hall.", 0, 0, 1),
    )


def load_profile(path: str | Path) -> HallProfile:
    """Read a profile TOML file; a ConfigError names the file or the key."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{p}: profile file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    try:
        return profile_from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None


PROFILES = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = PROFILES / "camau.toml"
