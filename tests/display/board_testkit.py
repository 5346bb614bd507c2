"""Shared pieces of the board tests: contract messages to publish, waiting helpers and
config files."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from display.board_app import BoardApp
from protocol import Board, BoardEntry, Call, DeviceStatus, decode

CENTRE = "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"
T0 = datetime(2026, 11, 25, 8, 15, tzinfo=UTC)


def wait_until(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> object:
    """Poll ``condition`` until it is truthy; fail with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)


def pump_until(app: BoardApp, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Apply the board's incoming messages until ``condition`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the board")
        app.pump(0.1)


def write_config(path: Path, url: str, site: str, device_id: str, **extra: object) -> Path:
    values = {
        "site": site,
        "device_id": device_id,
        "mqtt_url": url,
        "centre_name": CENTRE,
        "fullscreen": False,
        "width": 1280,
        "height": 720,
        "recent_count": 6,
        "language": "vi",
        "highlight_s": 60,
        # the first start generates the voice clips here, not in /var/lib/motcua
        "data_dir": str(path.parent),
        **extra,
    }
    lines = []
    for key, value in values.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int | float):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f'{key} = "{value}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(seq: int = 10) -> Board:
    return Board(
        seq=seq,
        recent=[
            BoardEntry(ticket="B007", counter="2", service="B", ts=T0),
            BoardEntry(ticket="A011", counter="1", service="A", ts=T0),
        ],
        waiting={"A": 4, "B": 1},
        message="Xin kính chào quý khách",
    )


def a_call(seq: int, ticket: str = "A012", counter: str = "5", recall: bool = False) -> Call:
    return Call(
        seq=seq,
        ticket=ticket,
        counter=counter,
        service=ticket[0],
        recall=recall,
        ts=T0 + timedelta(seconds=seq),
    )


def is_status(device_id: str, online: bool):
    def check(topic: str, payload: bytes) -> bool:
        if not topic.endswith(f"/device/{device_id}/status"):
            return False
        status = decode(payload, DeviceStatus)
        return status.online is online and status.kind == "display"

    return check
