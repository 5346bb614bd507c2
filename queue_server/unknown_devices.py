"""Devices that report status to this server's broker but that the server does not know.

A device set up with a ``device_id`` the server has no row for (or a retired one), or
with another ``site``, still publishes its retained status. The MQTT bridge notes each
one here so the dashboard can warn, instead of a log line nobody reads. Kept in memory
only: the broker hands every retained status over again when the server reconnects.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class UnknownDevice:
    site: str
    device: str
    kind: str
    #: True when the device reports for another site than the server's
    other_site: bool
    last_seen: datetime


class UnknownDevices:
    """Thread-safe: the bridge writes, the web pages read; ``version`` moves on changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._devices: dict[tuple[str, str], UnknownDevice] = {}
        self.version = 0

    def seen(self, device: UnknownDevice) -> bool:
        """Record an online report; True the first time this device is seen."""
        key = (device.site, device.device)
        with self._lock:
            new = key not in self._devices
            self._devices[key] = device
            if new:
                self.version += 1
            return new

    def forget(self, site: str, device: str) -> None:
        """The device went offline, or the server knows it now."""
        with self._lock:
            if self._devices.pop((site, device), None) is not None:
                self.version += 1

    def forget_site(self, site: str) -> None:
        """Another server serves ``site``: its devices are not unknown, just not ours."""
        with self._lock:
            gone = [key for key in self._devices if key[0] == site]
            for key in gone:
                del self._devices[key]
            if gone:
                self.version += 1

    def listed(self, known: set[str] = frozenset()) -> list[UnknownDevice]:
        """Every unknown device, this site's first; ``known`` device ids are left out
        (added in /admin since they reported)."""
        with self._lock:
            devices = list(self._devices.values())
        return sorted(
            (d for d in devices if d.other_site or d.device not in known),
            key=lambda d: (d.other_site, d.site, d.device),
        )
