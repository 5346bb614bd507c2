"""The serial scanner reader on a real pseudo-terminal: lines in, texts out, never a crash."""

from __future__ import annotations

import contextlib
import logging
import os
import pty
import queue
import time

import pytest

from kiosk.barcode_scanner import ScannerSpec, SerialScanner, parse_scanner_spec
from kiosk.kiosk_config import KioskConfig
from protocol.config_file import ConfigError


@pytest.fixture
def terminal():
    master, slave = pty.openpty()
    path = os.ttyname(slave)
    yield master, path
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)


def _texts(got: queue.SimpleQueue, n: int, timeout: float = 5.0) -> list[str]:
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n:
        out.append(got.get(timeout=max(0.01, deadline - time.monotonic())))
    return out


def test_lines_from_the_port_are_handed_over(terminal) -> None:
    master, path = terminal
    got: queue.SimpleQueue[str] = queue.SimpleQueue()
    reader = SerialScanner(path, got.put, baudrate=115200).start()
    try:
        assert reader.connected.wait(5)
        os.write(master, b"https://hcc.camau.gov.vn/booking/K7M2-Q9XA\r\n")
        os.write(master, b"K7M2Q9XA\rABCD")
        os.write(master, "-EFGH\nĐất đai\n".encode())
        assert _texts(got, 4) == ["https://hcc.camau.gov.vn/booking/K7M2-Q9XA", "K7M2Q9XA",
                                  "ABCD-EFGH", "Đất đai"]
    finally:
        reader.stop()


def test_garbage_and_too_long_lines_are_handed_over_as_such(terminal) -> None:
    master, path = terminal
    got: queue.SimpleQueue[str] = queue.SimpleQueue()
    reader = SerialScanner(path, got.put, cap=100).start()
    try:
        assert reader.connected.wait(5)
        os.write(master, b"\xff\xfe\x00abc\n" + b"x" * 1000 + b"\n")
        bad, long = _texts(got, 2)
        assert "\ufffd" in bad
        assert len(long) == 101
    finally:
        reader.stop()


def test_a_missing_port_is_logged_once_and_retried(tmp_path, caplog, terminal) -> None:
    master, path = terminal
    link = tmp_path / "ttyACM0"
    got: queue.SimpleQueue[str] = queue.SimpleQueue()
    caplog.set_level(logging.WARNING, logger="kiosk.barcode_scanner")
    reader = SerialScanner(str(link), got.put, reopen_s=0.05).start()
    try:
        time.sleep(0.4)  # several attempts
        assert not reader.connected.is_set()
        assert len([r for r in caplog.records if "not available" in r.message]) == 1
        link.symlink_to(path)  # the scanner is plugged in
        assert reader.connected.wait(5)
        os.write(master, b"K7M2Q9XA\n")
        assert _texts(got, 1) == ["K7M2Q9XA"]
    finally:
        reader.stop()


def test_an_unplugged_scanner_is_reopened(tmp_path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.barcode_scanner")
    got: queue.SimpleQueue[str] = queue.SimpleQueue()
    link = tmp_path / "ttyACM0"
    master, slave = pty.openpty()
    link.symlink_to(os.ttyname(slave))
    reader = SerialScanner(str(link), got.put, reopen_s=0.05).start()
    try:
        assert reader.connected.wait(5)
        os.close(master)  # unplugged: the reader's port fails
        os.close(slave)
        deadline = time.monotonic() + 5
        while reader.connected.is_set():
            assert time.monotonic() < deadline, "the lost port was not noticed"
            time.sleep(0.02)
        master, slave = pty.openpty()  # plugged in again (a new device node)
        link.unlink()
        link.symlink_to(os.ttyname(slave))
        assert reader.connected.wait(5)
        os.write(master, b"ABCD1234\n")
        assert _texts(got, 1) == ["ABCD1234"]
        assert reader._thread is not None and reader._thread.is_alive()
    finally:
        reader.stop()
        for fd in (master, slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.mark.parametrize(("text", "spec"), [
    ("keyboard", ScannerSpec("keyboard")), ("none", ScannerSpec("none")),
    ("serial:/dev/ttyACM0", ScannerSpec("serial", "/dev/ttyACM0", 9600)),
    ("serial:/dev/ttyACM0:115200", ScannerSpec("serial", "/dev/ttyACM0", 115200)),
])
def test_scanner_specs(text: str, spec: ScannerSpec) -> None:
    assert parse_scanner_spec(text) == spec


@pytest.mark.parametrize("value", ["", "usb", "serial:", "serial:/dev/ttyACM0:1234", 5,
                                   "keyboard:1"])
def test_a_bad_scanner_value_names_the_key(kiosk_cfg, value) -> None:
    with pytest.raises(ConfigError, match="'scanner'"):
        KioskConfig.from_dict({**kiosk_cfg, "scanner": value})


def test_scanner_defaults_to_keyboard_and_appointments_follow_the_server(kiosk_cfg) -> None:
    config = KioskConfig.from_dict(kiosk_cfg)
    assert config.scanner == ScannerSpec("keyboard")
    assert config.appointments is None and config.public_url is None
    with pytest.raises(ConfigError, match="'appointments'"):
        KioskConfig.from_dict({**kiosk_cfg, "appointments": "yes"})
    with pytest.raises(ConfigError, match="'public_url'"):
        KioskConfig.from_dict({**kiosk_cfg, "public_url": "hcc.camau.gov.vn"})
