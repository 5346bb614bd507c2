"""Reads ESC/POS bytes back into the picture a printer would put on paper.

Only the raster command the kiosk uses is understood: GS v 0 m xL xH yL yH data,
with (xL + 256·xH) bytes per row, (yL + 256·yH) rows, bit 7 of each byte the
leftmost dot and a set bit a black dot. Consecutive blocks (python-escpos splits
tall images) are stacked top to bottom.
"""

from __future__ import annotations

from PIL import Image

GS_V0 = b"\x1dv0"


def raster_blocks(data: bytes) -> list[tuple[int, int, bytes]]:
    """(width in bytes, height in rows, raster data) of every GS v 0 block, in order."""
    blocks = []
    index = data.find(GS_V0)
    while index >= 0:
        header = data[index + 3:index + 8]
        if len(header) < 5:
            raise ValueError("truncated GS v 0 header")
        width_bytes = header[1] + 256 * header[2]
        height = header[3] + 256 * header[4]
        start = index + 8
        end = start + width_bytes * height
        if end > len(data):
            raise ValueError(f"GS v 0 block needs {width_bytes * height} bytes, "
                             f"has {len(data) - start}")
        blocks.append((width_bytes, height, data[start:end]))
        index = data.find(GS_V0, end)
    return blocks


def decode_raster(data: bytes) -> Image.Image:
    """The printed picture as a mode "1" image (white paper, black dots)."""
    blocks = raster_blocks(data)
    if not blocks:
        raise ValueError("no GS v 0 raster image in the data")
    widths = {w for w, _, _ in blocks}
    if len(widths) != 1:
        raise ValueError(f"raster blocks of different widths: {sorted(widths)}")
    width_bytes = widths.pop()
    height = sum(h for _, h, _ in blocks)
    raw = b"".join(d for _, _, d in blocks)
    # PIL's "1" raw decoder takes 1 as white: invert the printer's "1 = black" bits
    inverted = bytes(b ^ 0xFF for b in raw)
    return Image.frombytes("1", (width_bytes * 8, height), inverted)
