"""Per-device config TOMLs, made from the role examples so their comments travel along.

Each generated file is the role's example (``firmware_config/examples/<role>.toml``)
with the device's own values put in place, so an installer reading it on the Pi sees
the same explanations as in the documentation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from queue_server.domain.site_spec import DeviceSpec

EXAMPLES = Path(__file__).resolve().parent / "examples"
ROLES = ("server", "kiosk", "display", "counter")
_TABLE = re.compile(r"^\s*\[")


def toml_value(value: Any) -> str:
    """A TOML literal for a str, bool, int or float (JSON escapes are valid TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"no TOML form for {value!r}")


def device_values(
    device: DeviceSpec,
    *,
    site: str,
    centre_name: str,
    mqtt_url: str,
    server_url: str,
    token: str | None,
    ca_file: str | None = None,
) -> dict[str, Any]:
    """The top-level keys of one device's config: what its role reads, nothing more.

    The generator and the server's /admin both write device configs through this, so a
    device set up either way reads the same keys.
    """
    values: dict[str, Any] = {"site": site, "device_id": device.id, "mqtt_url": mqtt_url}
    if ca_file:
        values["ca_file"] = ca_file
    if device.kind == "kiosk":
        values["server_url"] = server_url
        if token:
            values["device_token"] = token
    elif device.kind == "display":
        values["centre_name"] = centre_name
    else:
        values["counter"] = device.counter or ""
        if ca_file:
            # the counter station reads its CA under this name
            values["mqtt_ca_file"] = ca_file
    return values


def render_config(
    role: str,
    values: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """The example for ``role`` with top-level ``values`` set and, if given, its tables replaced.

    Keys the example lacks are added after its last top-level key. ``tables`` (name
    -> key -> value) replace every table of the example when given.
    """
    template = (EXAMPLES / f"{role}.toml").read_text(encoding="utf-8").splitlines()
    first_table = next((i for i, ln in enumerate(template) if _TABLE.match(ln)), len(template))
    head, tail = template[:first_table], template[first_table:]
    remaining = dict(values)
    last_key = 0
    for i, line in enumerate(head):
        m = re.match(r"^(\s*)([A-Za-z0-9_]+)(\s*=\s*)", line)
        if not m:
            continue
        last_key = i + 1
        if m.group(2) in remaining:
            head[i] = f"{m.group(1)}{m.group(2)}{m.group(3)}{toml_value(remaining.pop(m.group(2)))}"
    extra = [f"{key} = {toml_value(value)}" for key, value in remaining.items()]
    head[last_key:last_key] = extra
    if tables is not None:
        tail = ["# BCM GPIO numbers; buttons wired between the pin and ground (internal pull-up)."]
        for name, entries in tables.items():
            if not isinstance(entries, Mapping):
                tail.insert(0, f"{name} = {toml_value(entries)}")
                continue
            tail.append("")
            tail.append(f"[{name}]")
            tail.extend(f"{_key(k)} = {toml_value(v)}" for k, v in entries.items())
        while head and not head[-1].strip():
            head.pop()
        head.append("")
    return "\n".join(head + tail).rstrip("\n") + "\n"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)
