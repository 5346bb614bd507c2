"""A site file as text, parsed data and checked ``SiteSpec``, with line numbers for keys.

The site format and its checks belong to the server (``parse_site``); this module only
adds what the installer tools need on top: where a device's key sits in the file, so
that every problem found later can name its line, and a copy with tokens filled in.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from queue_server.domain.site_spec import SiteLines, SiteSpec, SiteSpecError, parse_site


class SiteFileError(ValueError):
    """The site file cannot be read or parsed; the message starts with ``file:line:``."""


@dataclass(frozen=True)
class SiteSource:
    """One site file: ``text``, raw TOML ``data`` and the checked ``spec``."""

    path: Path
    text: str
    data: dict[str, Any]
    spec: SiteSpec

    @classmethod
    def read(cls, path: str | Path) -> SiteSource:
        """Read and check ``path``; a SiteFileError names the file and line at fault."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SiteFileError(f"{p}:1: cannot read the site file: {exc}") from None
        try:
            spec = parse_site(text, source=str(p))
        except SiteSpecError as exc:
            raise SiteFileError(str(exc)) from None
        return cls(p, text, tomllib.loads(text), spec)

    @property
    def raw_devices(self) -> list[dict[str, Any]]:
        return list(self.data.get("devices", []))

    @cached_property
    def lines(self) -> SiteLines:
        return SiteLines(self.text)

    def device_key_line(self, index: int, key: str) -> int:
        """Line of ``key`` (``"buzzer"`` or ``"buttons.next"``) in the index-th device."""
        return self.lines.key("devices", index, key)

    def with_tokens(self, tokens: dict[str, str]) -> str:
        """The site text with a ``token = "…"`` line added to devices that have none."""
        lines = self.text.splitlines()
        inserts: list[tuple[int, str]] = []
        for index, device in enumerate(self.spec.devices):
            if device.token or device.id not in tokens:
                continue
            after = self.device_key_line(index, "id")
            inserts.append((after, f"token = {json.dumps(tokens[device.id])}"))
        for after, line in sorted(inserts, reverse=True):
            lines.insert(after, line)
        return "\n".join(lines) + "\n"
