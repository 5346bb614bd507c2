"""A Dummy ESC/POS printer that notes when a ticket's last byte (the cut) arrived.

The kiosk benchmarks time a touch or a scan to that moment: the citizen has the paper.
"""

from __future__ import annotations

import time

from escpos.constants import PAPER_FULL_CUT
from escpos.printer import Dummy


class TimedDummy(Dummy):
    """``done_at`` is the ``perf_counter()`` of the newest full cut."""

    done_at = 0.0

    def _raw(self, msg: bytes) -> None:
        super()._raw(msg)
        if msg.endswith(PAPER_FULL_CUT):
            self.done_at = time.perf_counter()
