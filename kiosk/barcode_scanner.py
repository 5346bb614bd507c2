"""Where scanned texts come from: the ``scanner`` config key, and the serial reader.

``scanner = "keyboard"`` (a USB scanner in keyboard mode; its bursts are picked
out of the pygame events by ``ScanBurst``), ``"serial:/dev/ttyACM0[:BAUD]"`` (a
scanner in serial / USB-CDC mode, read here on its own thread) or ``"none"``.

The serial reader hands every CR/LF-terminated line to a callback (the touch UI's
thread-safe ``scan``). A port that is missing or gets unplugged is logged once
and opened again every few seconds: a scanner must never take the kiosk down.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import serial

from kiosk.scan_router import MAX_SCAN_CHARS

log = logging.getLogger(__name__)

DEFAULT_BAUD = 9600
#: seconds between attempts to open a missing or unplugged port
REOPEN_S = 2.0
#: how long one read waits, so ``stop()`` is noticed quickly
READ_TIMEOUT_S = 0.2
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)


@dataclass(frozen=True)
class ScannerSpec:
    """``kind`` "keyboard", "serial" (with ``device`` and ``baudrate``) or "none"."""

    kind: str
    device: str | None = None
    baudrate: int = DEFAULT_BAUD


def parse_scanner_spec(spec: str) -> ScannerSpec:
    """Parse the ``scanner`` value; a ValueError says what is wrong with it."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError('use "keyboard", "serial:/dev/ttyACM0[:BAUD]" or "none"')
    text = spec.strip()
    if text in ("keyboard", "none"):
        return ScannerSpec(text)
    kind, _, rest = text.partition(":")
    if kind != "serial":
        raise ValueError(f'{spec!r}: use "keyboard", "serial:/dev/ttyACM0[:BAUD]" or "none"')
    device, baud_text = rest, ""
    head, sep, tail = rest.rpartition(":")
    if sep and tail.isdigit():
        device, baud_text = head, tail
    if not device.strip():
        raise ValueError(f"{spec!r}: the serial device is missing, e.g. serial:/dev/ttyACM0")
    baudrate = DEFAULT_BAUD
    if baud_text:
        baudrate = int(baud_text)
        if baudrate not in BAUD_RATES:
            raise ValueError(f"{spec!r}: baud rate {baudrate} is not one of "
                             + ", ".join(map(str, BAUD_RATES)))
    return ScannerSpec("serial", device.strip(), baudrate)


class SerialScanner:
    """Reads lines from a serial scanner on a daemon thread and passes each one on."""

    def __init__(self, device: str, on_text: Callable[[str], None], *,
                 baudrate: int = DEFAULT_BAUD, reopen_s: float = REOPEN_S,
                 cap: int = MAX_SCAN_CHARS) -> None:
        self.device = device
        self.baudrate = baudrate
        self.on_text = on_text
        self.reopen_s = reopen_s
        self.cap = cap
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> SerialScanner:
        self._thread = threading.Thread(target=self._run, name="kiosk-scanner", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        complained = False
        while not self._stop.is_set():
            try:
                port = serial.Serial(self.device, self.baudrate, timeout=READ_TIMEOUT_S)
            except (serial.SerialException, OSError, ValueError) as exc:
                if not complained:
                    log.warning("barcode scanner %s not available (retrying every %.0f s): %s",
                                self.device, self.reopen_s, exc)
                    complained = True
                self._stop.wait(self.reopen_s)
                continue
            log.info("barcode scanner on %s", self.device)
            complained = False
            self.connected.set()
            try:
                self._read(port)
            except (serial.SerialException, OSError) as exc:
                log.warning("barcode scanner %s lost (retrying every %.0f s): %s",
                            self.device, self.reopen_s, exc)
                complained = True
            finally:
                self.connected.clear()
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()
            self._stop.wait(self.reopen_s)

    def _read(self, port: serial.Serial) -> None:
        line = bytearray()
        too_long = False
        while not self._stop.is_set():
            chunk = port.read(256)
            if not chunk:
                continue
            for byte in chunk:
                if byte in (0x0A, 0x0D):  # CR, LF or CR LF end a scan
                    if line or too_long:
                        self._hand_over(bytes(line), too_long)
                    line.clear()
                    too_long = False
                elif len(line) <= self.cap * 4:  # at most 4 UTF-8 bytes a character
                    line.append(byte)
                else:
                    too_long = True

    def _hand_over(self, raw: bytes, too_long: bool) -> None:
        text = raw.decode("utf-8", errors="replace")
        if too_long or len(text) > self.cap:
            text = text[: self.cap + 1].ljust(self.cap + 1, "\ufffd")  # refused as too long
        try:
            self.on_text(text)
        except Exception:  # the screen's problem must not stop the reader
            log.exception("a scanned text could not be handed over")
