from __future__ import annotations

import time

import pytest
from escpos.constants import GS, PAPER_FULL_CUT
from escpos.printer import Dummy
from PIL import Image

from kiosk.printer_spec import open_printer
from kiosk.ticket_printer import PrinterError, TicketPrinter
from tests.kiosk.network_printer import PAPER_LOW, PAPER_OK, PAPER_OUT, NetworkPrinter
from tests.kiosk.test_ticket_image import TICKET

RASTER = GS + b"v0"


def _raster_header(width: int) -> bytes:
    """GS v 0, normal density, width in bytes (low, high)."""
    return RASTER + b"\x00" + (width // 8).to_bytes(2, "little")


def test_dummy_receives_raster_image_and_cut() -> None:
    dummy = Dummy(profile="TM-T20II")
    image = TicketPrinter(dummy).print_ticket(TICKET)
    out = dummy.output
    assert image.width == 576
    assert out.count(_raster_header(576)) >= 1
    assert out.endswith(PAPER_FULL_CUT)
    # every image row is there: 72 bytes per row
    assert len(out) > 72 * image.height


def test_58mm_printer_without_cutter_gets_384_dots_and_no_cut() -> None:
    dummy = Dummy(profile="POS-5890")
    image = TicketPrinter(dummy).print_ticket(TICKET)
    assert image.width == 384
    assert _raster_header(384) in dummy.output
    assert GS + b"V" not in dummy.output


def test_image_wider_than_the_paper_is_refused() -> None:
    printer = TicketPrinter(Dummy(profile="POS-5890"))
    with pytest.raises(PrinterError, match="576"):
        printer.print_image(Image.new("1", (576, 100), 1))


def test_file_printer_appends_tickets(tmp_path) -> None:
    spool = tmp_path / "tickets.bin"
    spool.write_bytes(b"earlier-ticket")
    first = TicketPrinter(open_printer(f"file:{spool}", "TM-T20II"))
    first.print_ticket(TICKET)
    first.printer.close()
    # a new printer object, as after a kiosk restart, must not truncate the file
    second = TicketPrinter(open_printer(f"file:{spool}", "TM-T20II"))
    second.print_ticket({**TICKET, "number": "A013"})
    second.printer.close()
    data = spool.read_bytes()
    assert data.startswith(b"earlier-ticket")
    assert data.count(_raster_header(576)) == 2
    assert data.count(PAPER_FULL_CUT) == 2


def test_dummy_and_file_printers_are_healthy(tmp_path) -> None:
    assert TicketPrinter(Dummy()).health() == "ok"
    assert TicketPrinter(open_printer(f"file:{tmp_path / 'x.bin'}")).health() == "ok"


@pytest.mark.parametrize(
    ("status", "health"), [(PAPER_OK, "ok"), (PAPER_LOW, "paper_low"), (PAPER_OUT, "paper_out")]
)
def test_network_printer_paper_status(status: int, health: str) -> None:
    device = NetworkPrinter(paper=status)
    try:
        assert TicketPrinter(open_printer(device.spec)).health() == health
    finally:
        device.close()


def test_network_printer_prints_and_unreachable_one_is_offline() -> None:
    device = NetworkPrinter()
    printer = TicketPrinter(open_printer(device.spec, "TM-T88V"))
    try:
        printer.print_ticket(TICKET)
        deadline = time.monotonic() + 5
        while PAPER_FULL_CUT not in device.data() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _raster_header(512) in device.data()
        assert device.data().endswith(PAPER_FULL_CUT)
    finally:
        device.close()
    # the printer is gone now: the status query says offline, printing raises
    assert printer.health() == "offline"
    with pytest.raises(PrinterError):
        printer.print_ticket(TICKET)
