"""Sending ticket images to an ESC/POS printer, and asking it how it is.

The printer object is injected (python-escpos Usb, Serial, Network, File or Dummy),
so tests print through ``Dummy`` and read the bytes. Paper health comes from the
printer's real-time status query where the connection can answer it; a printer
that cannot be reached is reported "offline" rather than crashing the kiosk.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Literal

from escpos.escpos import Escpos
from escpos.printer import Dummy, File, Network
from PIL import Image

from kiosk.printer_spec import DEFAULT_PROFILE, has_cutter, profile_width
from kiosk.ticket_image import DEFAULT_TIMEZONE, render_ticket

log = logging.getLogger(__name__)

Health = Literal["ok", "paper_low", "paper_out", "offline"]
#: python-escpos paper_status() value → the health word of the status message
PAPER_STATUS: dict[int, Health] = {2: "ok", 1: "paper_low", 0: "paper_out"}


class PrinterError(RuntimeError):
    """The ticket could not be printed; the message says why."""


class TicketPrinter:
    """Prints 1-bit ticket images on one printer; one job at a time."""

    def __init__(self, printer: Escpos) -> None:
        self.printer = printer
        try:
            self.width = profile_width(printer)
        except ValueError:
            # an injected printer built without a profile (e.g. a bare Dummy)
            self.width = profile_width(DEFAULT_PROFILE)
            log.warning("printer profile has no paper width; assuming %d dots", self.width)
        self.cuts = has_cutter(printer)
        self._lock = threading.Lock()

    def _reset_connection(self) -> None:
        """Forget a broken connection so the next job opens a fresh one.

        python-escpos keeps ``_device`` None after a failed open and never retries;
        False is its documented "not opened yet" state, which makes it reconnect.
        """
        with contextlib.suppress(Exception):
            self.printer.close()
        self.printer._device = False

    def print_image(self, image: Image.Image) -> None:
        """Print one image and cut (or feed, on printers without a cutter)."""
        if image.width > self.width:
            raise PrinterError(f"image is {image.width} dots wide, the printer takes {self.width}")
        with self._lock:
            try:
                self.printer.image(image, impl="bitImageRaster", center=image.width < self.width)
                if self.cuts:
                    self.printer.cut()
                else:
                    self.printer.print_and_feed(6)
            except Exception as exc:
                log.warning("printing failed: %s", exc)
                self._reset_connection()
                raise PrinterError(f"printing failed: {exc}") from exc
            if isinstance(self.printer, Network):
                # a fresh connection per ticket survives the printer's idle timeouts
                self._reset_connection()

    def print_ticket(
        self,
        ticket: dict,
        language: str = "vi",
        timezone: str = DEFAULT_TIMEZONE,
        site_name: str | None = None,
    ) -> Image.Image:
        """Render and print one ticket; returns the image that was printed."""
        image = render_ticket(ticket, self.width, language, timezone, site_name)
        self.print_image(image)
        return image

    def health(self) -> Health:
        """"ok", "paper_low", "paper_out" or "offline" (printer unreachable or silent)."""
        if isinstance(self.printer, (Dummy, File)):
            return "ok"  # nothing to ask: bytes go to memory or a file
        with self._lock:
            try:
                status = self.printer.paper_status()
            except Exception as exc:
                log.info("printer status query failed: %s", exc)
                self._reset_connection()
                return "offline"
            if isinstance(self.printer, Network):
                self._reset_connection()
            return PAPER_STATUS.get(status, "paper_out")
