"""The udev rule for USB printers parses as udev rules and covers the common vendors."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "firmware_config" / "udev" / "99-motcua-printers.rules"
VENDORS = {"04b8", "0416", "0483", "0fe6", "20d1"}

# KEY, KEY{attr} with an operator and a double-quoted value (udev(7) rule syntax)
PAIR = re.compile(r'\s*([A-Z_]+)(?:\{([A-Za-z0-9_]+)\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*')
MATCH_KEYS = {"SUBSYSTEM", "SUBSYSTEMS", "ENV", "ATTR", "ATTRS", "ACTION", "KERNEL", "DRIVER"}
ASSIGN_KEYS = {"MODE", "GROUP", "OWNER", "TAG", "ENV", "SYMLINK"}


def _pairs(line: str) -> list[tuple[str, str | None, str, str]]:
    parts = []
    for chunk in line.split(","):
        found = PAIR.fullmatch(chunk)
        assert found, f"not a udev key/operator/value: {chunk!r} in {line!r}"
        parts.append(found.groups())
    return parts


def _rules() -> list[str]:
    text = RULES.read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_every_line_is_a_valid_looking_rule() -> None:
    rules = _rules()
    assert rules
    for line in rules:
        assert not line.endswith("\\"), "no continued lines"
        pairs = _pairs(line)
        matches = [p for p in pairs if p[2] in ("==", "!=")]
        assigns = [p for p in pairs if p[2] not in ("==", "!=")]
        assert matches and assigns, line
        assert {p[0] for p in matches} <= MATCH_KEYS, line
        assert {p[0] for p in assigns} <= ASSIGN_KEYS, line
        values = {(p[0], p[1]): p[3] for p in pairs}
        assert values[("SUBSYSTEM", None)] == "usb"
        assert re.fullmatch(r"[0-9a-f]{4}", values[("ATTR", "idVendor")]), line
        assert values[("GROUP", None)] == "lp"
        mode = values[("MODE", None)]
        assert re.fullmatch(r"0[0-7]{3}", mode) and mode[3] == "0", "no access for others"


def test_common_printer_vendors_are_covered_once() -> None:
    vendors = [dict(((p[0], p[1]), p[3]) for p in _pairs(line))[("ATTR", "idVendor")]
               for line in _rules()]
    assert sorted(vendors) == sorted(VENDORS)


def test_install_instructions_are_in_the_file() -> None:
    text = RULES.read_text(encoding="utf-8")
    assert "/etc/udev/rules.d/" in text and "udevadm control --reload-rules" in text
    assert "usermod -aG lp" in text
