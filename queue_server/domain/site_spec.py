"""The site description file (DESIGN.md section 9), parsed and checked as a whole.

A file with any error loads nothing: ``parse_site`` either returns a complete
``SiteSpec`` or raises ``SiteSpecError`` whose message names the file and the line
of the key holding the bad value (``SiteLines``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from queue_server.domain.appointment_slots import DEFAULT_MAX_SHARE, AppointmentRules
from queue_server.domain.opening_hours import OpeningHours

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,3}$")
SITE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
DEVICE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
COUNTER_PATTERN = re.compile(r"^[A-Za-z0-9]{1,8}$")
DEVICE_KINDS = ("kiosk", "display", "counter")


class SiteSpecError(ValueError):
    """A problem in a site file; the message starts with ``file:line:``."""


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name_vi: str
    name_en: str
    prefix: str
    first_number: int = 1
    number_width: int = 3
    daily_limit: int | None = None
    target_wait_min: int = 15
    hours: OpeningHours = field(default_factory=OpeningHours)
    #: None: the field takes no appointments
    appointments: AppointmentRules | None = None
    #: the results-pickup field (trả kết quả): the kiosk offers it to a scanned receipt
    results: bool = False


@dataclass(frozen=True)
class CounterSpec:
    number: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class DeviceSpec:
    id: str
    kind: str
    counter: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class SiteSpec:
    id: str
    name: str
    timezone: str
    board_message: str
    services: tuple[ServiceSpec, ...]
    counters: tuple[CounterSpec, ...]
    devices: tuple[DeviceSpec, ...]
    priority_mode: str = "strict"
    max_priority_in_row: int = 3
    no_show_grace_min: int = 10
    #: days the centre is closed (holidays): no appointment slots
    closed_days: tuple[date, ...] = ()
    check_in_before_min: int = 30
    check_in_after_min: int = 15
    #: a booking's name and phone are erased this many days after its slot
    appointment_retention_days: int = 90
    #: a dossier not ready yet may still get a results ticket
    results_when_not_ready: bool = False


APPOINTMENT_KEYS = ("slot_min", "per_slot", "days_ahead", "prefix", "hours", "weekdays",
                    "max_share")


_HEADER = re.compile(r'^\s*(\[\[?)\s*([A-Za-z0-9_.\-"]+)\s*\]\]?')


class SiteLines:
    """Where each table of a site file and each key inside it sits, for error messages.

    A problem is reported on the line of the key that holds the bad value, so that an
    installer opens the file at the right place; the table's header is only the
    fallback for a key that is missing.
    """

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        #: (bracket, name, line number) of every table header, in file order
        self._headers: list[tuple[str, str, int]] = []
        for no, line in enumerate(self._lines, start=1):
            m = _HEADER.match(line)
            if m:
                self._headers.append((m.group(1), m.group(2).replace('"', ""), no))

    def block(self, table: str, index: int = 0) -> tuple[int, int]:
        """First and last line of the ``index``-th ``[table]`` or ``[[table]]``, its
        ``[table.sub]`` tables included (the whole file if there is no such table)."""
        starts = [(pos, no) for pos, (_, name, no) in enumerate(self._headers) if name == table]
        if index >= len(starts):
            return 1, len(self._lines)
        pos, start = starts[index]
        for bracket, name, no in self._headers[pos + 1:]:
            if not (bracket == "[" and name.startswith(f"{table}.")):
                return start, no - 1
        return start, len(self._lines)

    def key(self, table: str, index: int, *keys: str) -> int:
        """Line of the first of ``keys`` found in the table (``"buttons.next"`` reaches
        into ``[table.buttons]`` or an inline ``buttons = {…}``); else the header line."""
        start, end = self.block(table, index)
        for key in keys:
            line = self._key_in(start, end, table, key)
            if line is not None:
                return line
        return start

    def _key_in(self, start: int, end: int, table: str, key: str) -> int | None:
        sub, _, name = key.rpartition(".")
        if sub:
            for no in range(start, end + 1):
                m = _HEADER.match(self._lines[no - 1])
                if m and m.group(1) == "[" and m.group(2).replace('"', "") == f"{table}.{sub}":
                    inner = self._assignment(no + 1, end, name)
                    return inner if inner is not None else no
            name = sub  # an inline table: the line of its key
        first = start + 1 if self._is_header(start) else start
        line = self._assignment(first, end, name)
        if line is None:
            # a sub-table written as its own header: ``[services.appointments]``
            for no in range(first, end + 1):
                m = _HEADER.match(self._lines[no - 1])
                if m and m.group(1) == "[" and m.group(2).replace('"', "") == f"{table}.{name}":
                    return no
        return line

    def top_level(self, key: str) -> int:
        """Line of a key set before the first table header (1 if there is none)."""
        return self._assignment(1, len(self._lines), key) or 1

    def _is_header(self, no: int) -> bool:
        return 1 <= no <= len(self._lines) and bool(_HEADER.match(self._lines[no - 1]))

    def _assignment(self, first: int, last: int, name: str) -> int | None:
        """The line assigning ``name`` from ``first`` up to the next header."""
        pattern = re.compile(rf'^\s*"?{re.escape(name)}"?\s*=')
        for no in range(first, last + 1):
            line = self._lines[no - 1]
            if _HEADER.match(line):
                return None
            if pattern.match(line):
                return no
        return None



def parse_site(text: str, source: str = "site.toml") -> SiteSpec:
    """Parse and check a whole site file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise SiteSpecError(f"{source}:{m.group(1) if m else 1}: not valid TOML: {exc}") from None
    lines = SiteLines(text)

    def fail(table: str, index: int, message: str, *keys: str) -> SiteSpecError:
        """An error on the line of the first of ``keys`` present in the table."""
        return SiteSpecError(f"{source}:{lines.key(table, index, *keys)}: {message}")

    def first_at(table: str, index: int, key: str) -> str:
        return f" (first on line {lines.key(table, index, key)})"

    site = data.get("site")
    if not isinstance(site, dict):
        raise SiteSpecError(f"{source}:1: the [site] table is missing")
    site_id = site.get("id")
    if not isinstance(site_id, str) or not SITE_ID_PATTERN.match(site_id):
        raise fail(
            "site", 0, f"site.id must be lowercase letters, digits and '-', got {site_id!r}", "id"
        )
    name = site.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("site", 0, "site.name is missing", "name")
    timezone = site.get("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise fail(
            "site", 0, f"site.timezone {timezone!r} is not a known time zone", "timezone"
        ) from None
    board_message = site.get("board_message", "")
    if not isinstance(board_message, str):
        raise fail("site", 0, "site.board_message must be text", "board_message")

    priority_mode = site.get("priority_mode", "strict")
    if priority_mode not in ("strict", "interleave"):
        raise fail(
            "site", 0,
            f"site.priority_mode must be 'strict' or 'interleave', got {priority_mode!r}",
            "priority_mode",
        )
    rules: dict[str, int] = {}
    for key, (default, high) in SITE_RULE_LIMITS.items():
        value = site.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
            raise fail(
                "site", 0, f"site.{key} must be a whole number 0..{high}, got {value!r}", key
            )
        rules[key] = value
    results_when_not_ready = site.get("results_when_not_ready", False)
    if not isinstance(results_when_not_ready, bool):
        raise fail("site", 0, "site.results_when_not_ready must be true or false, got "
                   f"{results_when_not_ready!r}", "results_when_not_ready")
    closed_days = _closed_days(
        site.get("closed_days", []),
        lambda msg: SiteSpecError(f"{source}:{lines.key('site', 0, 'closed_days')}: {msg}"),
    )

    tables = {
        name: _tables(data, name, source, lines) for name in ("services", "counters", "devices")
    }
    services: list[ServiceSpec] = []
    for i, raw in enumerate(tables["services"]):
        services.append(
            _service(
                raw,
                lambda msg, *keys, i=i: fail("services", i, msg, *keys),
                lambda msg, _key=None, i=i: fail("services", i, msg, "appointments"),
            )
        )
    if not services:
        raise SiteSpecError(f"{source}:1: at least one [[services]] is needed")
    codes = [s.code for s in services]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise fail("services", i, f"duplicate service code {code!r}"
                       + first_at("services", codes.index(code), "code"), "code")
    prefixes = [s.prefix for s in services]
    for i, prefix in enumerate(prefixes):
        if prefix in prefixes[:i]:
            first = prefixes.index(prefix)
            raise fail("services", i, f"duplicate ticket prefix {prefix!r}"
                       + first_at("services", first, "prefix" if "prefix" in
                                  tables["services"][first] else "code"), "prefix", "code")
    taken = set(prefixes)
    for i, svc in enumerate(services):
        if svc.appointments is None:
            continue
        prefix = svc.appointments.prefix
        if prefix in taken:
            raise fail("services", i, f"service {svc.code}: appointments.prefix {prefix!r} "
                       "is already a ticket prefix", "appointments.prefix", "appointments")
        taken.add(prefix)
    results_fields = [i for i, svc in enumerate(services) if svc.results]
    if len(results_fields) > 1:
        raise fail("services", results_fields[1], "only one field may have results = true"
                   + first_at("services", results_fields[0], "results"), "results")

    counters: list[CounterSpec] = []
    for i, raw in enumerate(tables["counters"]):
        number = str(raw.get("number", "")).strip()
        if not COUNTER_PATTERN.match(number):
            raise fail(
                "counters", i, f"counter number must be 1-8 letters or digits, got {number!r}",
                "number",
            )
        if any(c.number == number for c in counters):
            first = next(j for j, c in enumerate(counters) if c.number == number)
            raise fail("counters", i, f"duplicate counter number {number!r}"
                       + first_at("counters", first, "number"), "number")
        served = raw.get("services")
        if not isinstance(served, list) or not served:
            raise fail("counters", i, f"counter {number} needs a non-empty services list",
                       "services")
        for code in served:
            if code not in codes:
                raise fail("counters", i, f"counter {number} serves unknown service {code!r}",
                           "services")
        counters.append(CounterSpec(number, tuple(dict.fromkeys(served))))

    devices: list[DeviceSpec] = []
    numbers = {c.number for c in counters}
    for i, raw in enumerate(tables["devices"]):
        dev_id, kind = raw.get("id"), raw.get("kind")
        if not isinstance(dev_id, str) or not DEVICE_ID_PATTERN.match(dev_id):
            raise fail(
                "devices", i, f"device id must be letters, digits, '-' or '_', got {dev_id!r}",
                "id",
            )
        if any(d.id == dev_id for d in devices):
            first = next(j for j, d in enumerate(devices) if d.id == dev_id)
            raise fail("devices", i, f"duplicate device id {dev_id!r}"
                       + first_at("devices", first, "id"), "id")
        if kind not in DEVICE_KINDS:
            raise fail("devices", i, f"device {dev_id}: kind must be one of {DEVICE_KINDS}",
                       "kind")
        counter = raw.get("counter")
        if kind == "counter":
            counter = str(counter) if counter is not None else None
            if counter not in numbers:
                raise fail("devices", i, f"device {dev_id}: counter {counter!r} is not a counter",
                           "counter")
        elif counter is not None:
            raise fail("devices", i, f"device {dev_id}: only counter devices have 'counter'",
                       "counter")
        token = raw.get("token")
        if token is not None and (not isinstance(token, str) or len(token) < 16):
            raise fail("devices", i, f"device {dev_id}: token must be at least 16 characters",
                       "token")
        devices.append(DeviceSpec(dev_id, kind, counter, token))

    return SiteSpec(
        id=site_id,
        name=name.strip(),
        timezone=timezone,
        board_message=board_message,
        services=tuple(services),
        counters=tuple(counters),
        devices=tuple(devices),
        priority_mode=priority_mode,
        closed_days=closed_days,
        results_when_not_ready=results_when_not_ready,
        **rules,
    )


def _tables(data: dict, name: str, source: str, lines: SiteLines) -> list[dict]:
    """The ``[[name]]`` tables of the file (none when absent)."""
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise SiteSpecError(
            f"{source}:{lines.top_level(name)}: '{name}' must be [[{name}]] tables"
        )
    return value


def _closed_days(raw: object, fail) -> tuple[date, ...]:
    """``closed_days = ["2026-01-01", …]`` (TOML dates without quotes are fine too)."""
    if not isinstance(raw, list):
        raise fail(f"site.closed_days must be a list of dates, got {raw!r}")
    days: list[date] = []
    for item in raw:
        if isinstance(item, date) and not isinstance(item, datetime):
            days.append(item)
            continue
        try:
            days.append(date.fromisoformat(item) if isinstance(item, str) else None)
        except ValueError:
            days.append(None)
        if days[-1] is None:
            raise fail(f"site.closed_days: {item!r} is not a date YYYY-MM-DD")
    return tuple(sorted(set(days)))


#: allowed whole-number range of each ``appointments`` key
APPOINTMENT_LIMITS = {"slot_min": (5, 240), "per_slot": (1, 500), "days_ahead": (0, 366)}
#: the site's whole-number rules: (default, highest value); the lowest is 0
SITE_RULE_LIMITS = {
    "max_priority_in_row": (3, 100),
    "no_show_grace_min": (10, 240),
    "check_in_before_min": (30, 240),
    "check_in_after_min": (15, 240),
    "appointment_retention_days": (90, 3650),
}


class SettingError(ValueError):
    """A bad value of one setting; ``key`` names it (``slot_min``, ``closed_days``…)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def parse_appointments(raw: object, code: str, hours: OpeningHours) -> AppointmentRules | None:
    """A field's appointment settings checked as in a site file; ``SettingError`` names
    the bad key (``hours`` and ``weekdays`` problems name ``hours``)."""

    def fail(message: str, key: str = "appointments") -> SettingError:
        return SettingError(key, message)

    return _appointments(raw, code, hours, fail)


def parse_closed_days(raw: object) -> tuple[date, ...]:
    """``closed_days`` checked as in a site file (a ``SettingError`` on a bad one)."""
    return _closed_days(raw, lambda message: SettingError("closed_days", message))


def check_site_rule(key: str, value: object) -> int:
    """One of the site's whole-number rules (``SITE_RULE_LIMITS``), as in a site file."""
    _, high = SITE_RULE_LIMITS[key]
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
        raise SettingError(key, f"site.{key} must be a whole number 0..{high}, got {value!r}")
    return value


def _appointments(raw: object, code: str, hours: OpeningHours, fail) -> AppointmentRules | None:
    """The field's ``appointments`` table; its hours and weekdays default to the field's.

    ``fail(message, key)`` makes the error; ``key`` names the appointments key at fault.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail(f"service {code}: appointments must be a table like "
                   "{slot_min = 15, per_slot = 2, days_ahead = 14, prefix = \"H\"}")
    unknown = sorted(set(raw) - set(APPOINTMENT_KEYS))
    if unknown:
        raise fail(f"service {code}: unknown appointments key {unknown[0]!r} "
                   f"(known: {', '.join(APPOINTMENT_KEYS)})")
    values: dict[str, int] = {}
    for key, (low, high) in APPOINTMENT_LIMITS.items():
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise fail(f"service {code}: appointments.{key} must be a whole number "
                       f"{low}..{high}, got {value!r}", key)
        values[key] = value
    prefix = raw.get("prefix")
    if not isinstance(prefix, str) or not CODE_PATTERN.match(prefix):
        raise fail(f"service {code}: appointments.prefix must be 1-4 capital letters/digits, "
                   f"got {prefix!r}", "prefix")
    share = raw.get("max_share", DEFAULT_MAX_SHARE)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise fail(f"service {code}: appointments.max_share must be a number 0..1, "
                   f"got {share!r}", "max_share")
    try:
        own = OpeningHours.parse(raw.get("hours"), raw.get("weekdays"))
    except (ValueError, TypeError, AttributeError) as exc:
        raise fail(f"service {code}: appointments: {exc}", "hours") from None
    slot_hours = OpeningHours(own.spans or hours.spans, own.weekdays or hours.weekdays)
    if not slot_hours.spans:
        raise fail(f"service {code}: appointments need hours (the field has no opening hours)",
                   "hours")
    return AppointmentRules(
        slot_min=values["slot_min"],
        per_slot=values["per_slot"],
        days_ahead=values["days_ahead"],
        prefix=prefix,
        hours=slot_hours,
        max_share=float(share),
    )


def _service(raw: dict, fail, fail_appointments) -> ServiceSpec:
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise fail(f"service code must be 1-4 capital letters/digits, got {code!r}", "code")
    name_vi = raw.get("name_vi")
    if not isinstance(name_vi, str) or not name_vi.strip():
        raise fail(f"service {code}: name_vi is missing", "name_vi")
    name_en = raw.get("name_en", name_vi)
    if not isinstance(name_en, str):
        raise fail(f"service {code}: name_en must be text, got {name_en!r}", "name_en")
    prefix = raw.get("prefix", code)
    if not isinstance(prefix, str) or not CODE_PATTERN.match(prefix):
        raise fail(f"service {code}: prefix must be 1-4 capital letters/digits, got {prefix!r}",
                   "prefix")

    def integer(key: str, default: int | None, low: int, high: int) -> int | None:
        value = raw.get(key, default)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise fail(f"service {code}: {key} must be a whole number {low}..{high}, got {value!r}",
                       key)
        return value

    spans, weekdays = raw.get("hours"), raw.get("weekdays")
    if spans is not None and (
        not isinstance(spans, list) or not all(isinstance(x, str) for x in spans)
    ):
        raise fail(f'service {code}: hours must be a list like ["07:00-11:30", "13:30-17:00"], '
                   f"got {spans!r}", "hours")
    if weekdays is not None and (
        not isinstance(weekdays, list)
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in weekdays)
    ):
        raise fail(f"service {code}: weekdays must be a list like [1, 2, 3, 4, 5] (Monday=1), "
                   f"got {weekdays!r}", "weekdays")
    try:
        OpeningHours.parse(None, weekdays)
    except ValueError as exc:
        raise fail(f"service {code}: {exc}", "weekdays") from None
    try:
        hours = OpeningHours.parse(spans, weekdays)
    except ValueError as exc:
        raise fail(f"service {code}: {exc}", "hours") from None
    results = raw.get("results", False)
    if not isinstance(results, bool):
        raise fail(f"service {code}: results must be true or false, got {results!r}", "results")
    return ServiceSpec(
        code=code,
        name_vi=name_vi.strip(),
        name_en=name_en.strip(),
        prefix=prefix,
        first_number=integer("first_number", 1, 0, 99999),
        number_width=integer("number_width", 3, 1, 6),
        daily_limit=integer("daily_limit", None, 1, 99999),
        target_wait_min=integer("target_wait_min", 15, 1, 600),
        hours=hours,
        appointments=_appointments(raw.get("appointments"), code, hours, fail_appointments),
        results=results,
    )
