"""Telling a USB barcode scanner in keyboard mode from a person at a keyboard.

A scanner in keyboard (HID) mode "types" its whole text within a few milliseconds
per character and presses Enter; a person takes a tenth of a second or more per
key. The collector gathers characters, and on Enter hands over the text only when
it came as such a burst. A pause mid-way drops what was gathered (a partial burst,
or someone poking at a keyboard), and a text longer than the cap is handed over as
over-long so the screen can say it was not readable. Times come from the caller:
the collector has no clock and no pygame in it.
"""

from __future__ import annotations

from kiosk.scan_router import MAX_SCAN_CHARS

#: a pause longer than this between two characters ends (and drops) a burst
MAX_GAP_S = 0.3
#: the mean time per character of a burst; people type far slower than this
MAX_MEAN_GAP_S = 0.05


class ScanBurst:
    """Characters in, one scanned text out on Enter (or nothing)."""

    def __init__(self, max_gap: float = MAX_GAP_S, max_mean_gap: float = MAX_MEAN_GAP_S,
                 cap: int = MAX_SCAN_CHARS) -> None:
        self.max_gap = max_gap
        self.max_mean_gap = max_mean_gap
        self.cap = cap
        self._chars: list[str] = []
        self._count = 0
        self._first = 0.0
        self._last = 0.0

    @property
    def pending(self) -> bool:
        return self._count > 0

    def _drop(self) -> None:
        self._chars = []
        self._count = 0

    def text(self, chars: str, now: float) -> None:
        """Characters typed (a TEXTINPUT event) at ``now``."""
        if not chars:
            return
        if self._count and now - self._last > self.max_gap:
            self._drop()
        if not self._count:
            self._first = now
        self._last = now
        room = self.cap + 1 - len(self._chars)  # keep one more than the cap: "too long"
        if room > 0:
            self._chars.extend(chars[:room])
        self._count += len(chars)

    def enter(self, now: float) -> str | None:
        """Enter pressed at ``now``: the burst's text, or None when it was no scan."""
        if not self._count or now - self._last > self.max_gap:
            self._drop()
            return None
        count = self._count
        text = "".join(self._chars)
        mean_gap = (now - self._first) / count
        self._drop()
        if mean_gap > self.max_mean_gap:
            return None  # typed by a person, not scanned
        return text

    def expire(self, now: float) -> None:
        """Drop a burst that stopped without its Enter."""
        if self._count and now - self._last > self.max_gap:
            self._drop()
