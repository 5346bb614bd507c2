"""A booking's QR code as inline SVG: one path of dark modules, crisp at any size.

Drawn from the ``qrcode`` library's module matrix (error correction M, a four-module
quiet zone), so a phone's screen shows it sharp and a kiosk scanner reads it off the
screen or a print-out.
"""

from __future__ import annotations

import qrcode
from markupsafe import Markup, escape

QUIET_ZONE = 4


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of ``text`` as rows of dark (True) and light modules, quiet zone included."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def qr_svg(text: str, label: str) -> Markup:
    """An ``<svg>`` element drawing the QR code of ``text``; ``label`` is its accessible name."""
    matrix = qr_matrix(text)
    size = len(matrix)
    steps = "".join(
        f"M{x} {y}h1v1h-1z"
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    )
    return Markup(
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{escape(label)}" data-text="{escape(text)}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{steps}"/></svg>'
    )
