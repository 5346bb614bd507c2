"""The two-tone chime before every call, synthesised so no sound file has to ship.

A falling major third (E5 then C5) like a door chime: it turns heads without startling,
and it tells the hall a number follows.
"""

from __future__ import annotations

import math
from array import array

from voice.pcm_audio import RATE, TARGET_PEAK

#: (frequency Hz, start s, length s) of each tone
TONES = ((659.25, 0.0, 0.9), (523.25, 0.45, 1.1))


def chime(tones: tuple[tuple[float, float, float], ...] = TONES) -> array:
    """The chime as samples at ``RATE``: decaying bell-like tones with a soft attack."""
    total = max(start + length for _, start, length in tones)
    mix = [0.0] * round(total * RATE)
    for freq, start, length in tones:
        first = round(start * RATE)
        count = round(length * RATE)
        for i in range(count):
            t = i / RATE
            attack = min(1.0, t / 0.01)
            decay = math.exp(-3.5 * t / length)
            # a little of the second and third partial makes it sound like a bell
            wave_value = (
                math.sin(2 * math.pi * freq * t)
                + 0.3 * math.sin(2 * math.pi * 2 * freq * t)
                + 0.1 * math.sin(2 * math.pi * 3 * freq * t)
            )
            mix[first + i] += attack * decay * wave_value
    loudest = max(abs(v) for v in mix) or 1.0
    scale = TARGET_PEAK * 32767 / loudest
    return array("h", (round(v * scale) for v in mix))
