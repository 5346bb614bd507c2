"""A whole hall from generated files: the real server behind the locked-down broker."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from firmware_config.hall_generator import generate
from protocol.codec import encode
from protocol.messages import Command, new_command_id, now_utc
from tests.firmware_config.broker_account import BrokerAccount
from tests.firmware_config.hall_broker import HallBroker
from tests.support.live_server import LiveServer

SITE = Path(__file__).resolve().parents[2] / "firmware_config" / "examples" / "site.toml"
ROOT = "motcua/camau-hcc"


@pytest.fixture
def hall(tmp_path):
    out = tmp_path / "hall"
    generate(SITE, out, server_host="127.0.0.1")
    broker = HallBroker(out)
    broker.start()
    server_url = tomllib.loads((out / "server.toml").read_text())["mqtt_url"]
    server = LiveServer(
        workdir=tmp_path,
        mqtt_url=server_url.replace(":1883", f":{broker.port}"),
        site_file=out / "site.toml",
    )
    server.prepare()
    server.start()
    yield out, broker, server
    server.stop()
    broker.stop()


def _login(out: Path, device: str, port: int) -> BrokerAccount:
    url = tomllib.loads((out / f"{device}.toml").read_text())["mqtt_url"]
    account = BrokerAccount(url, host="127.0.0.1", port=port)
    assert account.connect()
    return account


def test_kiosk_token_and_counter_account_work_against_the_real_server(hall):
    out, broker, server = hall
    kiosk = tomllib.loads((out / "kiosk-1.toml").read_text())
    # load-site stored the tokens of the generated site copy: the kiosk's token works
    server.tokens["kiosk-1"] = kiosk["device_token"]
    ticket = server.take_ticket("B")  # counter 3 serves B, open all day

    display = _login(out, "display-1", broker.port)
    display.subscribe(f"{ROOT}/calls")
    counter = _login(out, "counter-3", broker.port)
    counter.subscribe(f"{ROOT}/counter/3/state")
    try:
        command = Command(action="next", id=new_command_id(), ts=now_utc())
        counter.publish(f"{ROOT}/counter/3/cmd", encode(command))
        state = counter.wait_json(lambda m: m.get("last_cmd") == command.id)
        assert (state["result"], state["ticket"]) == ("ok", ticket["number"])
        call = display.wait_json(lambda m: m.get("ticket") == ticket["number"])
        assert call["counter"] == "3"
    finally:
        counter.close()
        display.close()
