from __future__ import annotations

import pytest
from escpos.printer import Dummy, Network

from kiosk.printer_spec import (
    AppendingFile,
    PrinterSpec,
    open_printer,
    parse_printer_spec,
    profile_width,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("usb:0x04b8:0x0202", PrinterSpec("usb", vendor_id=0x04B8, product_id=0x0202)),
        ("usb:04b8:0e15", PrinterSpec("usb", vendor_id=0x04B8, product_id=0x0E15)),
        ("USB:0X0416:0X5011", PrinterSpec("usb", vendor_id=0x0416, product_id=0x5011)),
        ("serial:/dev/ttyUSB0", PrinterSpec("serial", device="/dev/ttyUSB0", baudrate=9600)),
        ("serial:/dev/ttyS0:115200", PrinterSpec("serial", device="/dev/ttyS0", baudrate=115200)),
        ("net:192.168.1.50", PrinterSpec("net", host="192.168.1.50", port=9100)),
        ("net:printer.local:9101", PrinterSpec("net", host="printer.local", port=9101)),
        ("file:/tmp/tickets.bin", PrinterSpec("file", path="/tmp/tickets.bin")),
        ("dummy", PrinterSpec("dummy")),
        ("  dummy ", PrinterSpec("dummy")),
    ],
)
def test_parses_every_kind(spec: str, expected: PrinterSpec) -> None:
    assert parse_printer_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ("", "empty"),
        ("lp:/dev/usb/lp0", "'lp'"),
        ("usb:0x04b8", "usb:VID:PID"),
        ("usb:0x04zz:0x0202", "vendor id '0x04zz'"),
        ("usb:0x04b8:12345", "product id '12345'"),
        ("serial:", "needs a device"),
        ("serial:/dev/ttyUSB0:0", "baud rate 0"),
        ("net:", "needs a host"),
        ("net:host:99999", "port 99999"),
        ("net:host:abc", "port 'abc'"),
        ("file:", "needs a path"),
        ("dummy:x", "no arguments"),
    ],
)
def test_bad_specs_name_the_bad_part(spec: str, names: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        parse_printer_spec(spec)
    assert names in str(info.value)


def test_widths_come_from_the_profile() -> None:
    assert profile_width("TM-T20II") == 576
    assert profile_width("TM-T88V") == 512
    assert profile_width("POS-5890") == 384
    assert profile_width(Dummy(profile="POS-5890")) == 384


def test_open_printer_builds_escpos_objects(tmp_path) -> None:
    dummy = open_printer("dummy")
    assert isinstance(dummy, Dummy)
    assert profile_width(dummy) == 576  # the default profile is TM-T20II
    net = open_printer("net:127.0.0.1:9101", profile="TM-T88V")
    assert isinstance(net, Network) and (net.host, net.port) == ("127.0.0.1", 9101)
    assert profile_width(net) == 512
    spool = open_printer(f"file:{tmp_path / 'spool.bin'}", profile="POS-5890")
    assert isinstance(spool, AppendingFile) and profile_width(spool) == 384


def test_unknown_or_widthless_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="TM-T99"):
        open_printer("dummy", profile="TM-T99")
    with pytest.raises(ValueError, match="no known paper width"):
        open_printer("dummy", profile="default")
