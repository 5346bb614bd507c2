"""A number that was not printed is never called: it is cancelled, now or later."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable

import pytest
import requests
from escpos.printer import Dummy

from kiosk.kiosk_error import KioskError
from kiosk.pending_cancels import FILE_NAME, PendingCancels
from kiosk.station import KioskStation


class JammedPrinter(Dummy):
    """A printer that reports paper but jams on the ticket (the hardware edge)."""

    def __init__(self, before_jam: Callable[[], None] | None = None) -> None:
        super().__init__(profile="TM-T20II")
        self.before_jam = before_jam

    def _raw(self, msg: bytes) -> None:
        if self.before_jam is not None:
            self.before_jam()
        raise OSError("paper jam")


def _wait(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def _pending_file(cfg: dict) -> list:
    path = f"{cfg['data_dir']}/{FILE_NAME}"
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return []


@pytest.fixture
def fast_cfg(kiosk_cfg) -> dict:
    return {**kiosk_cfg, "cancel_retry_s": 0.1}


def test_unprinted_ticket_is_cancelled_and_the_citizen_told(fast_cfg, contract_server) -> None:
    station = KioskStation.from_config(fast_cfg, printer=JammedPrinter())
    try:
        with pytest.raises(KioskError) as info:
            station.take_ticket("A")
        assert info.value.code == "print_failed"
        assert info.value.ticket["number"] == "A001"
        assert contract_server.cancelled() == ["A001"]
        cancel = [r for r in contract_server.posts() if r[1].endswith("/cancel")]
        assert cancel[0][3] == {"reason": "print_failed"}
        assert len(station.pending) == 0
    finally:
        station.close()


def test_cancel_waits_on_disk_while_the_server_is_away(fast_cfg, contract_server) -> None:
    def server_goes_down() -> None:
        contract_server.unavailable = True

    station = KioskStation.from_config(fast_cfg, printer=JammedPrinter(server_goes_down))
    station.client.retry_pause = 0.01
    try:
        with pytest.raises(KioskError):
            station.take_ticket("B")
        entries = _pending_file(fast_cfg)
        assert [(e["kind"], e["number"]) for e in entries] == [("cancel", "B001")]
        assert contract_server.cancelled() == []
        contract_server.unavailable = False
        _wait(lambda: contract_server.cancelled() == ["B001"])
        _wait(lambda: _pending_file(fast_cfg) == [])
    finally:
        station.close()


def test_pending_cancel_survives_a_kiosk_restart(fast_cfg, contract_server) -> None:
    def server_goes_down() -> None:
        contract_server.unavailable = True

    first = KioskStation.from_config({**fast_cfg, "cancel_retry_s": 3600},
                                     printer=JammedPrinter(server_goes_down))
    first.client.retry_pause = 0.01
    with pytest.raises(KioskError):
        first.take_ticket("C")
    first.close()  # power cut: only the file remembers
    assert len(_pending_file(fast_cfg)) == 1
    contract_server.unavailable = False
    second = KioskStation.from_config(fast_cfg, printer=Dummy(profile="TM-T20II"))
    try:
        _wait(lambda: contract_server.cancelled() == ["C001"])
        _wait(lambda: len(second.pending) == 0)
    finally:
        second.close()


def test_a_ticket_whose_answer_was_lost_is_found_and_cancelled(fast_cfg,
                                                               contract_server) -> None:
    station = KioskStation.from_config(fast_cfg, printer=Dummy(profile="TM-T20II"))
    station.client.retries = 0  # the lost answer is not retried at once
    contract_server.drop_answers = 1
    try:
        with pytest.raises(KioskError) as info:
            station.take_ticket("A", idempotency_key="lost-answer-1")
        assert info.value.code == "unreachable" and info.value.uncertain
        # the server issued A001 but the kiosk never printed it
        _wait(lambda: contract_server.cancelled() == ["A001"])
        _wait(lambda: len(station.pending) == 0)
        keys = {r[2]["Idempotency-Key"] for r in contract_server.posts()
                if r[1] == "/api/v1/tickets"}
        assert keys == {"lost-answer-1"}
        assert station.printer.printer.output == b""
    finally:
        station.close()


def test_refused_connection_leaves_nothing_to_cancel(fast_cfg) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    station = KioskStation.from_config({**fast_cfg, "server_url": f"http://127.0.0.1:{port}"},
                                       printer=Dummy(profile="TM-T20II"))
    station.client.retry_pause = 0.01
    try:
        with pytest.raises(KioskError) as info:
            station.take_ticket("A")
        assert info.value.code == "unreachable" and not info.value.uncertain
        assert len(station.pending) == 0
        assert station.printer.printer.output == b""  # no number, nothing printed
    finally:
        station.close()


def test_repeat_of_the_same_choice_returns_the_same_ticket(fast_cfg, contract_server) -> None:
    station = KioskStation.from_config(fast_cfg, printer=Dummy(profile="TM-T20II"))
    try:
        first = station.take_ticket("A", idempotency_key="one-citizen")
        again = station.take_ticket("A", idempotency_key="one-citizen")
        assert first["number"] == again["number"] == "A001"
        assert len(contract_server.tickets) == 1
    finally:
        station.close()


def test_corrupt_pending_file_is_kept_aside(tmp_path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text("{not json")
    pending = PendingCancels(path)
    assert len(pending) == 0
    assert (tmp_path / "pending_cancels.bad").exists()
    pending.add_cancel({"id": "x", "number": "A009"})
    assert json.loads(path.read_text())[0]["ticket_id"] == "x"


# -- against the real server -------------------------------------------------------


def _live_cfg(live_server, tmp_path) -> dict:
    return {
        "site": live_server.site, "device_id": "kiosk-1", "server_url": live_server.url,
        "device_token": live_server.tokens["kiosk-1"], "profile": "TM-T20II",
        "data_dir": str(tmp_path / "kiosk-data"), "cancel_retry_s": 0.2,
    }


def _status(live_server, ticket_id: str) -> str:
    answer = requests.get(f"{live_server.url}/api/v1/tickets/{ticket_id}", timeout=5)
    answer.raise_for_status()
    return answer.json()["status"]


def test_real_server_cancels_the_unprinted_ticket(live_server, tmp_path) -> None:
    station = KioskStation.from_config(_live_cfg(live_server, tmp_path), printer=JammedPrinter())
    try:
        with pytest.raises(KioskError) as info:
            station.take_ticket("C")
        ticket = info.value.ticket
        assert _status(live_server, ticket["id"]) == "cancelled"
        # the next citizen has nobody "ahead" who will never come
        assert live_server.take_ticket("C")["ahead"] == 0
    finally:
        station.close()


def test_real_server_gets_the_cancel_after_it_comes_back(live_server, tmp_path) -> None:
    station = KioskStation.from_config(_live_cfg(live_server, tmp_path),
                                       printer=JammedPrinter(live_server.stop))
    station.client.retry_pause = 0.01
    try:
        with pytest.raises(KioskError) as info:
            station.take_ticket("B")
        assert len(station.pending) == 1
        live_server.start()
        _wait(lambda: len(station.pending) == 0, timeout=30)
        assert _status(live_server, info.value.ticket["id"]) == "cancelled"
    finally:
        station.close()


def test_an_unprinted_appointment_ticket_is_cancelled(fast_cfg, contract_server) -> None:
    contract_server.bookings["K7M2Q9XA"] = {"service": "A", "start": "2026-03-04T09:30:00+07:00"}
    station = KioskStation.from_config(fast_cfg, printer=JammedPrinter())
    try:
        with pytest.raises(KioskError) as info:
            station.check_in("K7M2Q9XA")
        assert info.value.code == "print_failed"
        assert info.value.ticket["number"] == "H001"
        assert contract_server.cancelled() == ["H001"]
    finally:
        station.close()
