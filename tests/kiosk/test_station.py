from __future__ import annotations

import json
import socket
import uuid

import pytest
from escpos.constants import PAPER_FULL_CUT
from escpos.printer import Dummy

from kiosk.kiosk_error import KioskError
from kiosk.printer_spec import open_printer
from kiosk.station import KioskStation
from protocol import DeviceStatus, Topics, decode
from protocol.config_file import ConfigError
from tests.kiosk.network_printer import PAPER_OUT, NetworkPrinter


def _status(payload: bytes) -> DeviceStatus:
    return decode(payload, DeviceStatus)


def test_take_ticket_prints_through_an_injected_printer(kiosk_cfg, contract_server) -> None:
    dummy = Dummy(profile="POS-5890")
    cfg = {k: v for k, v in kiosk_cfg.items() if k != "printer"}
    station = KioskStation.from_config(cfg, printer=dummy)
    try:
        ticket = station.take_ticket("A")
        assert ticket["number"] == "A001"
        assert station.site_name == "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"
        assert station.last_image.width == 384 and station.last_image.mode == "1"
        assert b"\x1dv0" in dummy.output
        second = station.take_ticket("A", priority=True)
        assert (second["number"], second["ahead"], second["priority"]) == ("A002", 1, True)
        services = station.services()
        assert [s["waiting"] for s in services if s["code"] == "A"] == [2]
    finally:
        station.close()


def test_configured_file_printer(kiosk_cfg, tmp_path) -> None:
    spool = tmp_path / "kiosk.bin"
    station = KioskStation.from_config({**kiosk_cfg, "printer": f"file:{spool}"})
    try:
        station.take_ticket("B")
        station.take_ticket("C")
    finally:
        station.close()
    assert spool.read_bytes().count(PAPER_FULL_CUT) == 2


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"server_url": None}, "server_url"),
        ({"server_url": "192.168.1.10:8080"}, "server_url"),
        ({"device_token": ""}, "device_token"),
        ({"device_id": None}, "device_id"),
        ({"printer": "usb:0x04b8"}, "printer"),
        ({"printer": None}, "printer"),
        ({"profile": "TM-T99"}, "profile"),
        ({"language": "fr"}, "language"),
        ({"mqtt_url": "http://broker"}, "mqtt_url"),
    ],
)
def test_bad_config_names_the_key(kiosk_cfg, change, key) -> None:
    cfg = dict(kiosk_cfg)
    for k, v in change.items():
        if v is None:
            cfg.pop(k)
        else:
            cfg[k] = v
    with pytest.raises(ConfigError, match=f"'{key}'"):
        KioskStation.from_config(cfg)


def test_no_number_is_taken_when_the_printer_is_out_of_paper(kiosk_cfg, contract_server,
                                                             mosquitto, mqtt_probe) -> None:
    device = NetworkPrinter(paper=PAPER_OUT)
    device_id = f"kiosk-{uuid.uuid4().hex[:8]}"
    topic = Topics("camau-hcc").status(device_id)
    probe = mqtt_probe(mosquitto.url, [topic])
    cfg = {**kiosk_cfg, "device_id": device_id, "mqtt_url": mosquitto.url}
    station = KioskStation.from_config(cfg, printer=open_printer(device.spec))
    try:
        with pytest.raises(KioskError) as info:
            station.take_ticket("A")
        assert info.value.code == "paper_out"
        assert info.value.message == "Máy in hết giấy — vui lòng liên hệ cán bộ"
        assert contract_server.posts() == []
        probe.wait_for(lambda t, p: _status(p).online and _status(p).printer == "paper_out")
    finally:
        station.close()
        device.close()


def test_status_is_retained_with_a_last_will(kiosk_cfg, mosquitto, mqtt_probe) -> None:
    device_id = f"kiosk-{uuid.uuid4().hex[:8]}"
    topic = Topics("camau-hcc").status(device_id)
    probe = mqtt_probe(mosquitto.url, [topic])
    cfg = {**kiosk_cfg, "device_id": device_id, "mqtt_url": mosquitto.url}
    station = KioskStation.from_config(cfg)
    try:
        _, payload = probe.wait_for(lambda t, p: _status(p).online)
        status = _status(payload)
        assert (status.device, status.kind, status.printer) == (device_id, "kiosk", "ok")
        assert json.loads(payload)["v"] == 1

        # the kiosk vanishes without a DISCONNECT (power cut): the broker sends the will
        client = station.status.client
        client.loop_stop()
        client.socket().shutdown(socket.SHUT_RDWR)
        _, payload = probe.wait_for(lambda t, p: not _status(p).online)
        assert _status(payload).kind == "kiosk"

        late = mqtt_probe(mosquitto.url, [topic])
        _, payload = late.wait_for(lambda t, p: True)
        assert not _status(payload).online
        assert late.messages[0][2] is True  # retained
    finally:
        station.close()


def test_status_comes_back_after_a_broker_restart(kiosk_cfg, private_mosquitto,
                                                  mqtt_probe) -> None:
    device_id = "kiosk-restart"
    topic = Topics("camau-hcc").status(device_id)
    cfg = {**kiosk_cfg, "device_id": device_id, "mqtt_url": private_mosquitto.url}
    station = KioskStation.from_config(cfg)
    try:
        probe = mqtt_probe(private_mosquitto.url, [topic])
        probe.wait_for(lambda t, p: _status(p).online)
        probe.close()
        private_mosquitto.restart(0.3)  # no persistence: the retained status is gone
        fresh = mqtt_probe(private_mosquitto.url, [topic])
        fresh.wait_for(lambda t, p: _status(p).online, timeout=15)
    finally:
        station.close()
    # a clean shutdown says goodbye itself
    fresh.wait_for(lambda t, p: not _status(p).online)


def test_no_check_in_when_the_printer_is_out_of_paper(kiosk_cfg, contract_server) -> None:
    contract_server.bookings["K7M2Q9XA"] = {"service": "A", "start": "2026-03-04T09:30:00+07:00"}
    device = NetworkPrinter(paper=PAPER_OUT)
    station = KioskStation.from_config(kiosk_cfg, printer=open_printer(device.spec))
    try:
        with pytest.raises(KioskError) as info:
            station.check_in("K7M2Q9XA")
        assert info.value.code == "paper_out"
        assert contract_server.posts() == [] and contract_server.checked_in == {}
    finally:
        station.close()
        device.close()
