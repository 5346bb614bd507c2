"""GPIO pins of a counter or kiosk Pi, checked before anyone drills a panel.

Pins may be given per device in the site file (``buttons``, ``leds``, ``buzzer`` and a
four-key ``rating`` table for counters; ``buttons`` keyed by service code for kiosks)
and end up in the device's own config. The same checks run on both, so an installer
learns about a pin used twice at the desk, not at the counter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from counter.station_config import BUTTON_NAMES, LED_NAMES

#: BCM numbers an installer may wire: 0 and 1 hold the HAT ID EEPROM bus
MIN_BCM, MAX_BCM = 2, 27
#: keys of the counter's rating keypad, the rating each key sends
RATING_KEYS: tuple[str, ...] = ("1", "2", "3", "4")
#: the pin tables (and the single buzzer pin) a device may carry
PIN_KEYS: tuple[str, ...] = ("buttons", "leds", "rating", "buzzer")

Problem = tuple[str, str]


def check_pins(
    kind: str, device: Mapping[str, Any], service_codes: tuple[str, ...] = ()
) -> list[Problem]:
    """Problems as ``(key, message)``, e.g. ``("leds.busy", "GPIO 6 is already used…")``.

    ``kind`` is ``counter`` or ``kiosk``; a display has no pins. ``service_codes``
    are the site's services, the names a kiosk's buttons must carry.
    """
    problems: list[Problem] = []
    used: dict[int, str] = {}
    if kind == "counter":
        allowed = {"buttons": BUTTON_NAMES, "leds": LED_NAMES, "rating": RATING_KEYS}
    elif kind == "kiosk":
        allowed = {"buttons": service_codes}
    else:
        allowed = {}
    for key in PIN_KEYS:
        if key not in device:
            continue
        value = device[key]
        if key == "buzzer":
            if kind != "counter":
                problems.append((key, f"a {kind} has no buzzer"))
            else:
                _check_one(key, value, used, problems)
            continue
        if key not in allowed:
            problems.append((key, f"a {kind} has no '{key}' pins"))
            continue
        if not isinstance(value, Mapping):
            problems.append((key, f"'{key}' must be a table of name = BCM pin"))
            continue
        for name, pin in value.items():
            full = f"{key}.{name}"
            if str(name) not in allowed[key]:
                known = ", ".join(allowed[key]) or "none"
                problems.append((full, f"unknown {key} name {name!r} (known: {known})"))
            _check_one(full, pin, used, problems)
    return problems


def _check_one(key: str, pin: Any, used: dict[int, str], problems: list[Problem]) -> None:
    if not isinstance(pin, int) or isinstance(pin, bool) or not MIN_BCM <= pin <= MAX_BCM:
        problems.append((key, f"'{key}' must be a BCM GPIO number {MIN_BCM}..{MAX_BCM}, "
                              f"got {pin!r}"))
        return
    if pin in used:
        problems.append((key, f"GPIO {pin} of '{key}' is already used by '{used[pin]}'"))
        return
    used[pin] = key
