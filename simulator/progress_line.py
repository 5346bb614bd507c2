"""A one-line progress bar for long runs (simulations, replays, benchmarks).

On a terminal it redraws one line; in a log file it writes a line every 10 %, so
the output of ``make bench`` stays readable when captured.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressLine:
    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._last_decile = -1
        self._last_draw = 0.0

    def update(self, done: float, total: float, note: str = "") -> None:
        fraction = 0.0 if total <= 0 else max(0.0, min(1.0, done / total))
        now = time.monotonic()
        if self.tty:
            if fraction < 1 and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            filled = round(WIDTH * fraction)
            bar = "█" * filled + "·" * (WIDTH - filled)
            text = f"\r{self.label} [{bar}] {fraction * 100:3.0f} % {note} "
            self.stream.write(text[:160])
            self.stream.flush()
            return
        decile = int(fraction * 10)
        if decile > self._last_decile:
            self._last_decile = decile
            self.stream.write(
                f"{self.label}: {fraction * 100:3.0f} % ({now - self.started:.0f} s) {note}\n"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
