"""How big text must be to be read from the back of the hall.

A common signage rule: a letter can be read from about 0.84 cm of letter height per
metre of distance (one inch per ten feet); for a citizen glancing up from a seat,
twice that is comfortable. Turning centimetres into pixels needs the screen's
physical size: its picture height in cm, or its DPI, or else its diagonal in inches
(55-inch TV by default) together with the pixel size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: letter height per metre of viewing distance at which text is just legible
LETTER_CM_PER_M = 0.84
#: extra factor for comfortable reading of what matters most (the called number)
COMFORT_FACTOR = 2.0
#: capital-letter height of DejaVu Sans as a share of the font size in pixels
CAP_HEIGHT_RATIO = 0.73


@dataclass(frozen=True)
class Legibility:
    """Minimum text sizes, in pixels, for one screen at one viewing distance."""

    px_per_cm: float
    viewing_distance_m: float

    @classmethod
    def for_screen(
        cls,
        width_px: int,
        height_px: int,
        viewing_distance_m: float,
        *,
        screen_height_cm: float | None = None,
        screen_dpi: float | None = None,
        screen_diagonal_in: float = 55.0,
    ) -> Legibility:
        """From whichever physical measure is known (height, else DPI, else diagonal)."""
        if screen_height_cm:
            px_per_cm = height_px / screen_height_cm
        elif screen_dpi:
            px_per_cm = screen_dpi / 2.54
        else:
            px_per_cm = math.hypot(width_px, height_px) / (screen_diagonal_in * 2.54)
        return cls(px_per_cm, viewing_distance_m)

    def letter_cm(self, comfort: bool = False) -> float:
        """Minimum capital-letter height in cm."""
        factor = COMFORT_FACTOR if comfort else 1.0
        return LETTER_CM_PER_M * self.viewing_distance_m * factor

    def letter_px(self, comfort: bool = False) -> float:
        """Minimum capital-letter height in pixels."""
        return self.letter_cm(comfort) * self.px_per_cm

    def font_px(self, comfort: bool = False) -> int:
        """Smallest font size (pixels) whose capitals are tall enough; 0 = no minimum."""
        if self.viewing_distance_m <= 0:
            return 0
        return math.ceil(self.letter_px(comfort) / CAP_HEIGHT_RATIO)
