"""The kiosk against the real queue server (subprocess) and the real broker."""

from __future__ import annotations

import uuid

import pytest
from escpos.constants import PAPER_FULL_CUT

from kiosk.kiosk_error import KioskError
from kiosk.server_client import ServerClient
from kiosk.station import KioskStation
from protocol import DeviceStatus, Topics, decode
from tests.kiosk.test_cli import kiosk


def test_kiosk_issues_prints_and_reports_against_the_real_server(live_server, mqtt_probe,
                                                                 tmp_path) -> None:
    spool = tmp_path / "e2e.bin"
    topic = Topics(live_server.site).status("kiosk-1")
    probe = mqtt_probe(live_server.mqtt_url, [topic])
    station = KioskStation.from_config({
        "site": live_server.site,
        "device_id": "kiosk-1",
        "server_url": live_server.url,
        "device_token": live_server.tokens["kiosk-1"],
        "mqtt_url": live_server.mqtt_url,
        "printer": f"file:{spool}",
        "profile": "TM-T20II",
        "data_dir": str(tmp_path / "kiosk-data"),
    })
    try:
        services = {s["code"]: s for s in station.services()}
        assert {"A", "B", "C", "D", "E", "U"} <= set(services)
        assert station.site_name

        first = station.take_ticket("B")
        second = station.take_ticket("B", priority=True)
        assert first["number"].startswith(services["B"]["prefix"])
        assert first["number"] != second["number"]
        assert second["priority"] is True
        assert first["status_url"].startswith(("http://", "https://"))
        assert station.last_image.width == 576
        assert spool.read_bytes().count(PAPER_FULL_CUT) == 2

        _, payload = probe.wait_for(lambda t, p: decode(p, DeviceStatus).online)
        status = decode(payload, DeviceStatus)
        assert (status.kind, status.printer) == ("kiosk", "ok")

        with pytest.raises(KioskError) as info:
            station.take_ticket("Z")
        assert info.value.code == "unknown_service" and info.value.message
    finally:
        station.close()


def test_same_idempotency_key_gives_the_same_ticket(live_server) -> None:
    client = ServerClient(live_server.url, live_server.tokens["kiosk-1"])
    key = str(uuid.uuid4())
    once = client.take_ticket("C", idempotency_key=key)
    again = client.take_ticket("C", idempotency_key=key)
    assert once["id"] == again["id"] and once["number"] == again["number"]
    with pytest.raises(KioskError) as info:
        ServerClient(live_server.url, "not-a-token").take_ticket("C")
    assert info.value.code == "unauthorized"


def test_print_ticket_command_against_the_real_server(live_server, tmp_path) -> None:
    spool = tmp_path / "installer.bin"
    result = kiosk("print-ticket", "--service", "U", "--server", live_server.url,
                   "--token", live_server.tokens["kiosk-1"], "--printer", f"file:{spool}")
    assert result.returncode == 0, result.stderr
    assert "Ticket taken:" in result.stdout
    assert spool.read_bytes().endswith(PAPER_FULL_CUT)
