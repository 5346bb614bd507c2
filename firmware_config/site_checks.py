"""``validate``: everything wrong with a site file and its generated folder, with lines.

Problems are collected rather than raised one at a time, so an installer fixes the
whole list in one go. Each names the file and line to open.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware_config.broker_acl import SERVER_USER, expected_acl, parse_acl
from firmware_config.device_pins import check_pins
from firmware_config.hall_generator import RESERVED_IDS, read_tokens
from firmware_config.local_ca import CA_CERT
from firmware_config.mosquitto_passwd import parse_passwd, verify_password
from firmware_config.site_source import SiteFileError, SiteSource
from protocol.broker_url import BrokerUrl
from queue_server.domain.site_spec import DeviceSpec, SiteSpecError, parse_site


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _from_located(text: str) -> Problem:
    """A Problem from a ``file:line: message`` text."""
    m = re.match(r"^(.*?):(\d+): (.*)$", text, re.S)
    return Problem(m.group(1), int(m.group(2)), m.group(3)) if m else Problem("?", 1, text)


def check_site(path: str | Path) -> tuple[SiteSource | None, list[Problem], list[Problem]]:
    """The parsed site (None if unreadable), its problems, and warnings."""
    try:
        source = SiteSource.read(path)
    except SiteFileError as exc:
        return None, [_from_located(str(exc))], []
    name = str(source.path)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    codes = tuple(s.code for s in source.spec.services)
    for index, raw in enumerate(source.raw_devices):
        device = source.spec.devices[index]
        if device.id in RESERVED_IDS:
            line = source.device_key_line(index, "id")
            problems.append(Problem(name, line, f"device id {device.id!r} is reserved"))
        for key, message in check_pins(device.kind, raw, codes):
            line = source.device_key_line(index, key)
            problems.append(Problem(name, line, f"device {device.id}: {message}"))
    served = {code for c in source.spec.counters for code in c.services}
    for index, service in enumerate(source.spec.services):
        if service.code not in served:
            line = source.lines.key("services", index, "code")
            warnings.append(Problem(name, line, f"no counter serves service {service.code}"))
    for index, service in enumerate(source.spec.services):
        outside = _appointment_hours_outside(service)
        if outside:
            line = source.lines.key("services", index, "appointments.hours", "appointments")
            warnings.append(Problem(
                name, line, f"service {service.code}: appointment slots {', '.join(outside)} "
                "fall outside the field's opening hours (kiosks cannot issue walk-in "
                "tickets then)"))
    return source, problems, warnings


def _appointment_hours_outside(service) -> list[str]:
    """The appointment spans of a field not inside any of its opening spans."""
    rules = service.appointments
    if rules is None or not service.hours.spans:
        return []
    return [
        f"{span.start:%H:%M}-{span.end:%H:%M}"
        for span in rules.hours.spans
        if not any(o.start <= span.start and span.end <= o.end for o in service.hours.spans)
    ]


def _key_line(text: str, key: str) -> int:
    table, _, name = key.rpartition(".")
    lines = text.splitlines()
    start = 0
    if table:
        start = next((i for i, ln in enumerate(lines) if ln.strip() == f"[{table}]"), 0)
    for no in range(start, len(lines)):
        if re.match(rf"^\s*{re.escape(name)}\s*=", lines[no]):
            return no + 1
    return start + 1 if table else 1


class _Folder:
    """Collects problems about the files of one generated folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.problems: list[Problem] = []

    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(str(self.out / file), line, message))

    def text(self, file: str) -> str | None:
        path = self.out / file
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.add(file, 1, "missing (run `python -m firmware_config generate`)")
        except (OSError, UnicodeDecodeError) as exc:
            self.add(file, 1, f"cannot read: {exc}")
        return None

    def secret_mode(self, file: str) -> None:
        path = self.out / file
        if path.exists() and path.stat().st_mode & 0o077:
            self.add(file, 1, f"holds secrets but is readable by others (chmod 600 {path})")


def _broker_settings(folder: _Folder) -> tuple[list[int], bool]:
    """Listener ports and whether TLS is on, checking the security settings on the way."""
    text = folder.text("mosquitto.conf")
    if text is None:
        return [], False
    ports: list[int] = []
    settings: dict[str, str] = {}
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        settings[key] = value.strip()
        if key == "listener":
            port_text = value.split()[0] if value.split() else ""
            if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
                message = f"listener port must be 1..65535, got {port_text!r}"
                folder.add("mosquitto.conf", no, message)
            else:
                ports.append(int(port_text))
        if key in ("cafile", "certfile", "keyfile"):
            local = folder.out / Path(value.strip()).name
            if not local.exists():
                folder.add("mosquitto.conf", no, f"{key} {Path(value).name} is not in the folder")
    for key, wanted in (("allow_anonymous", "false"), ("per_listener_settings", "false")):
        if settings.get(key) != wanted:
            folder.add("mosquitto.conf", 1, f"'{key} {wanted}' is missing")
    for key in ("password_file", "acl_file"):
        if key not in settings:
            folder.add("mosquitto.conf", 1, f"'{key}' is missing")
    if not ports:
        folder.add("mosquitto.conf", 1, "no listener")
    if len(ports) != len(set(ports)):
        folder.add("mosquitto.conf", 1, "a listener port is used twice")
    return ports, "certfile" in settings


def check_folder(source: SiteSource, out: str | Path) -> list[Problem]:
    """Problems of the generated folder ``out`` against the site it was made from."""
    folder = _Folder(Path(out))
    spec = source.spec
    ports, tls = _broker_settings(folder)
    passwd_text = folder.text("passwd")
    hashes = parse_passwd(passwd_text) if passwd_text is not None else {}
    folder.secret_mode("passwd")

    acl_text = folder.text("acl")
    if acl_text is not None:
        rules, unread = parse_acl(acl_text)
        for line, message in unread:
            folder.add("acl", line, message)
        for user, wanted in expected_acl(spec.id, spec.devices).items():
            have = rules.get(user)
            if have is None:
                folder.add("acl", 1, f"no 'user {user}' section: {user} can do nothing")
                continue
            for line, rule in have:
                if rule not in wanted:
                    folder.add("acl", line, f"{user} must not have '{rule.line()}'")
            got = {rule for _, rule in have}
            for rule in wanted:
                if rule not in got:
                    folder.add("acl", 1, f"{user} lacks '{rule.line()}'")
        for user in set(rules) - {SERVER_USER, *(d.id for d in spec.devices)}:
            folder.add("acl", rules[user][0][0] if rules[user] else 1, f"unknown user {user}")

    tokens = read_tokens(folder.out / "tokens.txt")
    if folder.text("tokens.txt") is not None:
        folder.secret_mode("tokens.txt")
    copy_text = folder.text("site.toml")
    if copy_text is not None:
        folder.secret_mode("site.toml")
        try:
            copy = parse_site(copy_text, source=str(folder.out / "site.toml"))
            copied = {d.id: d.token for d in copy.devices}
            for device in spec.devices:
                if not copied.get(device.id):
                    folder.add("site.toml", 1, f"device {device.id} has no token")
                elif tokens and copied[device.id] != tokens.get(device.id):
                    folder.add("tokens.txt", 1, f"token of {device.id} differs from site.toml")
        except SiteSpecError as exc:
            folder.problems.append(_from_located(str(exc)))

    accounts: list[tuple[str, str, DeviceSpec | None]] = [(SERVER_USER, "server.toml", None)]
    accounts += [(d.id, f"{d.id}.toml", d) for d in spec.devices]
    codes = tuple(s.code for s in spec.services)
    for user, file, device in accounts:
        text = folder.text(file)
        if user not in hashes and passwd_text is not None:
            folder.add("passwd", 1, f"no password entry for {user}")
        if text is None:
            continue
        folder.secret_mode(file)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            folder.add(file, int(m.group(1)) if m else 1, f"not valid TOML: {exc}")
            continue
        _check_config(folder, file, text, data, user, device, hashes, ports, tls, tokens, codes)
        if data.get("site") != spec.id:
            folder.add(file, _key_line(text, "site"), f"site must be {spec.id!r}")
    return folder.problems


def _check_config(
    folder: _Folder,
    file: str,
    text: str,
    data: dict[str, Any],
    user: str,
    device: DeviceSpec | None,
    hashes: dict[str, tuple[int, str]],
    ports: list[int],
    tls: bool,
    tokens: dict[str, str],
    codes: tuple[str, ...],
) -> None:
    def add(key: str, message: str) -> None:
        folder.add(file, _key_line(text, key), message)

    try:
        url = BrokerUrl.parse(str(data.get("mqtt_url", "")))
    except ValueError as exc:
        add("mqtt_url", str(exc))
        return
    if url.username != user:
        add("mqtt_url", f"broker user must be {user!r}, got {url.username!r}")
    if user in hashes and not (url.password and verify_password(url.password, hashes[user][1])):
        add("mqtt_url", f"password does not match the passwd entry of {user}")
    if ports and url.port not in ports:
        add("mqtt_url", f"port {url.port} is not a broker listener ({ports})")
    if url.tls != tls:
        add("mqtt_url", "mqtts:// needed: the broker uses TLS" if tls else "broker has no TLS")
    if tls and "ca_file" not in data:
        add("ca_file", "ca_file is missing (mqtts:// needs the hall's CA)")
    if tls and not (folder.out / CA_CERT).exists():
        folder.add(CA_CERT, 1, "missing: devices cannot check the broker")
    if "port" in data and (
        not isinstance(data["port"], int) or not 1 <= data["port"] <= 65535
    ):
        add("port", f"port must be 1..65535, got {data['port']!r}")
    if device is None:
        return
    if data.get("device_id") != device.id:
        add("device_id", f"device_id must be {device.id!r}")
    if device.kind == "kiosk":
        token = data.get("device_token")
        if not isinstance(token, str) or len(token) < 16:
            add("device_token", "device_token is missing or shorter than 16 characters")
        elif tokens and tokens.get(device.id) != token:
            add("device_token", "device_token differs from tokens.txt")
    if device.kind == "counter" and str(data.get("counter")) != device.counter:
        add("counter", f"counter must be {device.counter!r}")
    for key, message in check_pins(device.kind, data, codes):
        add(key, message)
