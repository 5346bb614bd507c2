"""The kiosk the kiosk benchmarks drive: the real UI loop offscreen, and a Dummy ESC/POS
printer that notes when a ticket's last byte (the cut) arrived.

The benchmarks time a touch or a scan to that moment: the citizen has the paper.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from escpos.constants import PAPER_FULL_CUT
from escpos.printer import Dummy


class TimedDummy(Dummy):
    """``done_at`` is the ``perf_counter()`` of the newest full cut."""

    done_at = 0.0

    def _raw(self, msg: bytes) -> None:
        super()._raw(msg)
        if msg.endswith(PAPER_FULL_CUT):
            self.done_at = time.perf_counter()


def open_kiosk(config: dict[str, Any], ready: Callable[[Any], bool] | None = None,
               what: str = "its start page"):
    """(ui, printer) of a kiosk on ``config`` whose loop has reached ``ready(screen)``
    (the start page by default); shut ``ui`` and ``ui.station`` afterwards."""
    from kiosk.station import KioskStation
    from kiosk.touch_ui import TouchUI

    printer = TimedDummy(profile="TM-T20II")
    station = KioskStation.from_config({"profile": "TM-T20II", **config}, printer=printer)
    ui = TouchUI(station, lockout=0.0)
    ui.open(size=(1024, 600))
    ready = ready or (lambda screen: screen.page == "start")
    deadline = time.monotonic() + 30
    while not ready(ui.screen):
        if time.monotonic() > deadline:
            ui.shut()
            station.close()
            raise AssertionError(f"the kiosk never showed {what}")
        ui.step()
    return ui, printer
