"""Printer spec strings (``usb:VID:PID``, ``serial:DEV[:BAUD]``, ``net:HOST[:PORT]``,
``file:PATH``, ``dummy``) turned into python-escpos printer objects.

Installers write one short string in the kiosk config or on the ``print-ticket``
command line; parsing is kept apart from opening so a bad string is reported at
start, naming the part at fault, before any hardware is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from escpos.capabilities import CAPABILITIES, get_profile
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, File, Network

DEFAULT_PROFILE = "TM-T20II"
DEFAULT_NET_PORT = 9100
DEFAULT_BAUD = 9600
#: seconds a network printer may take to accept a connection or a write
NET_TIMEOUT_S = 10.0

KINDS = ("usb", "serial", "net", "file", "dummy")


@dataclass(frozen=True)
class PrinterSpec:
    """One parsed printer spec; only the fields of its ``kind`` are set."""

    kind: str
    vendor_id: int | None = None
    product_id: int | None = None
    device: str | None = None
    baudrate: int | None = None
    host: str | None = None
    port: int | None = None
    path: str | None = None


def _hex_id(text: str, what: str, spec: str) -> int:
    raw = text.strip().lower()
    digits = raw[2:] if raw.startswith("0x") else raw
    if not digits or len(digits) > 4:
        raise ValueError(f"printer spec {spec!r}: {what} {text!r} must be 1-4 hex digits")
    try:
        return int(digits, 16)
    except ValueError:
        raise ValueError(
            f"printer spec {spec!r}: {what} {text!r} is not hexadecimal (e.g. 0x04b8)"
        ) from None


def _number(text: str, what: str, spec: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"printer spec {spec!r}: {what} {text!r} is not a number") from None
    if not low <= value <= high:
        raise ValueError(f"printer spec {spec!r}: {what} {value} is out of range {low}-{high}")
    return value


def parse_printer_spec(spec: str) -> PrinterSpec:
    """Parse a spec string; a ValueError names the part that is wrong."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("printer spec is empty; use usb:VID:PID, serial:DEV[:BAUD], "
                         "net:HOST[:PORT], file:PATH or dummy")
    spec = spec.strip()
    kind, _, rest = spec.partition(":")
    kind = kind.lower()
    if kind not in KINDS:
        raise ValueError(f"printer spec {spec!r}: unknown kind {kind!r}; use one of "
                         + ", ".join(KINDS))
    if kind == "dummy":
        if rest:
            raise ValueError(f"printer spec {spec!r}: 'dummy' takes no arguments")
        return PrinterSpec(kind="dummy")
    if kind == "usb":
        parts = rest.split(":")
        if len(parts) != 2:
            raise ValueError(
                f"printer spec {spec!r}: usb needs usb:VID:PID (e.g. usb:0x04b8:0x0202)"
            )
        return PrinterSpec(
            kind="usb",
            vendor_id=_hex_id(parts[0], "vendor id", spec),
            product_id=_hex_id(parts[1], "product id", spec),
        )
    if kind == "serial":
        device, sep, baud = rest.rpartition(":")
        if not sep or not baud.isdigit():
            device, baud = rest, ""
        if not device:
            raise ValueError(f"printer spec {spec!r}: serial needs a device (serial:/dev/ttyUSB0)")
        baudrate = _number(baud, "baud rate", spec, 300, 4_000_000) if baud else DEFAULT_BAUD
        return PrinterSpec(kind="serial", device=device, baudrate=baudrate)
    if kind == "net":
        host, sep, port = rest.rpartition(":")
        if not sep:
            host, port = rest, ""
        if not host:
            raise ValueError(f"printer spec {spec!r}: net needs a host (net:192.168.1.50[:9100])")
        number = _number(port, "port", spec, 1, 65535) if port else DEFAULT_NET_PORT
        return PrinterSpec(kind="net", host=host, port=number)
    # file
    if not rest:
        raise ValueError(f"printer spec {spec!r}: file needs a path (file:/tmp/tickets.bin)")
    return PrinterSpec(kind="file", path=rest)


def check_profile(profile: str) -> str:
    """The profile name if python-escpos knows it, else a ValueError naming it."""
    if profile not in CAPABILITIES["profiles"]:
        raise ValueError(f"unknown printer profile {profile!r} (e.g. TM-T20II, TM-T88V, POS-5890)")
    width = CAPABILITIES["profiles"][profile].get("media", {}).get("width", {}).get("pixels")
    if not isinstance(width, int):
        raise ValueError(f"printer profile {profile!r} has no known paper width; "
                         "pick a profile of your printer model (e.g. TM-T20II or POS-5890)")
    return profile


def profile_width(printer_or_profile: Escpos | str) -> int:
    """Printable width in dots: tickets are rendered exactly this wide."""
    if isinstance(printer_or_profile, str):
        profile = get_profile(check_profile(printer_or_profile))
    else:
        profile = printer_or_profile.profile
    width = profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    if not isinstance(width, int):
        raise ValueError("the printer's profile has no known paper width")
    return width


def has_cutter(printer: Escpos) -> bool:
    """Whether the profile says the printer can cut the paper."""
    profile = printer.profile
    return bool(profile.supports("paperFullCut") or profile.supports("paperPartCut"))


class AppendingFile(File):
    """A file printer that appends instead of truncating.

    escpos.printer.File opens its file with "wb", which would erase every earlier
    ticket each time the kiosk starts; a spool file or a test capture must keep them.
    """

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = open(self.devfile, "ab")  # noqa: SIM115 - kept open by the printer
        except OSError as exc:
            self.device = None
            if raise_not_found:
                raise DeviceNotFoundError(f"Could not open {self.devfile}: {exc}") from exc


def open_printer(spec: str | PrinterSpec, profile: str = DEFAULT_PROFILE) -> Escpos:
    """A python-escpos printer for ``spec`` with ``profile``; connects lazily on first use."""
    parsed = parse_printer_spec(spec) if isinstance(spec, str) else spec
    check_profile(profile)
    common: dict[str, Any] = {"profile": profile}
    if parsed.kind == "dummy":
        return Dummy(**common)
    if parsed.kind == "file":
        return AppendingFile(devfile=parsed.path, **common)
    if parsed.kind == "net":
        return Network(host=parsed.host, port=parsed.port, timeout=NET_TIMEOUT_S, **common)
    if parsed.kind == "usb":
        from escpos.printer import usb as usb_module

        if not usb_module.is_usable():
            raise RuntimeError("USB printers need the pyusb package (pip install pyusb)")
        return usb_module.Usb(parsed.vendor_id, parsed.product_id, timeout=5000, **common)
    from escpos.printer import serial as serial_module

    if not serial_module.is_usable():
        raise RuntimeError("serial printers need the pyserial package (pip install pyserial)")
    return serial_module.Serial(devfile=parsed.device, baudrate=parsed.baudrate, **common)
