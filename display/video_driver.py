"""Which SDL video driver a board should use when the operator has not said.

Left to itself, SDL tries X11, then Wayland (whose client library prints
"XDG_RUNTIME_DIR is invalid or not set" on a console-only Pi), then KMS/DRM. A board
either has a desktop session (DISPLAY or WAYLAND_DISPLAY), or drives the HDMI output
itself through /dev/dri, or has no screen at all and only draws offscreen frames.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping


def video_driver_for(environ: Mapping[str, str], dri: str = "/dev/dri") -> str | None:
    """The driver to set, or None to leave SDL's own choice (or the operator's)."""
    if environ.get("SDL_VIDEODRIVER") or environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    if glob.glob(os.path.join(dri, "card*")):
        return "kmsdrm"
    return "offscreen"  # draws at the configured size, unlike the "dummy" driver
