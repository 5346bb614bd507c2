"""Where the kiosk's fonts live: DejaVu Sans covers every Vietnamese letter.

Printer code pages and many screen fonts have no glyphs for letters such as "ư",
"Đ" or "ệ"; DejaVu Sans (Debian package fonts-dejavu-core) has them all, so the
ticket and the touch screen both use it, and a missing file stops the kiosk with a
message naming the file instead of printing boxes.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"


class MissingFontError(RuntimeError):
    """A font file the kiosk needs is not installed."""


def font_path(bold: bool = False, font_dir: Path = FONT_DIR) -> Path:
    """The path of DejaVu Sans (Bold), or MissingFontError naming the file."""
    path = Path(font_dir) / (BOLD if bold else REGULAR)
    if not path.is_file():
        raise MissingFontError(
            f"font file {path} not found; install the Debian package fonts-dejavu-core"
        )
    return path


@functools.lru_cache(maxsize=64)
def pil_font(size: int, bold: bool = False, font_dir: Path = FONT_DIR) -> ImageFont.FreeTypeFont:
    """A cached Pillow font: rendering many tickets must not reload files each time."""
    return ImageFont.truetype(str(font_path(bold, font_dir)), size)
