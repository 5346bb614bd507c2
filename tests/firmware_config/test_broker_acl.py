"""The generated broker files, run by a real Mosquitto: every device stays in its role."""

from __future__ import annotations

import ssl
import tomllib
import uuid
from pathlib import Path

import pytest

from firmware_config.hall_generator import generate
from tests.firmware_config.broker_account import BrokerAccount
from tests.firmware_config.hall_broker import HallBroker

SITE = Path(__file__).resolve().parents[2] / "firmware_config" / "examples" / "site.toml"
ROOT = "motcua/camau-hcc"


def _url(hall: Path, device: str) -> str:
    return tomllib.loads((hall / f"{device}.toml").read_text())["mqtt_url"]


@pytest.fixture(params=[False, True], ids=["mqtt", "mqtts"])
def hall(request, tmp_path):
    """A generated hall and its running broker; yields a login factory."""
    tls = request.param
    out = tmp_path / "hall"
    generate(SITE, out, tls=tls, server_host="127.0.0.1")
    broker = HallBroker(out)
    broker.start()
    accounts: list[BrokerAccount] = []

    def login(device: str, password: str | None = None, url: str | None = None) -> BrokerAccount:
        text = url or _url(out, device)
        if password is not None:
            text = text.replace(text.split("@")[0].split(":")[-1], password, 1)
        account = BrokerAccount(
            text, ca_file=str(out / "ca.crt") if tls else None, host="127.0.0.1", port=broker.port
        )
        accounts.append(account)
        return account

    login.tls = tls
    login.out = out
    login.port = broker.port
    yield login
    for account in accounts:
        account.close()
    broker.stop()


def _token() -> bytes:
    return uuid.uuid4().hex.encode()


def _online(login, device: str) -> BrokerAccount:
    account = login(device)
    assert account.connect(), f"{device} was refused"
    return account


def test_anonymous_and_wrong_password_are_refused(hall):
    scheme = "mqtts" if hall.tls else "mqtt"
    assert not hall("x", url=f"{scheme}://127.0.0.1:{hall.port}").connect()
    assert not hall("counter-1", password="not-the-password").connect()
    assert not hall("x", url=f"{scheme}://nobody:secret@127.0.0.1:{hall.port}").connect()


def test_counter_sends_only_its_own_commands(hall):
    server = _online(hall, "server")
    server.subscribe(f"{ROOT}/#")
    counter = _online(hall, "counter-1")
    foreign, own = _token(), _token()
    counter.publish(f"{ROOT}/counter/2/cmd", foreign)
    counter.publish(f"{ROOT}/counter/1/cmd", own)
    assert server.wait_for(own) == f"{ROOT}/counter/1/cmd"
    # same connection, QoS 1, in order: had the broker passed the first, it came first
    assert not server.received(foreign)


def test_counter_reads_only_its_own_state(hall):
    server = _online(hall, "server")
    counter = _online(hall, "counter-1")
    counter.subscribe(f"{ROOT}/counter/2/state")
    counter.subscribe(f"{ROOT}/counter/1/state")
    foreign, own = _token(), _token()
    server.publish(f"{ROOT}/counter/2/state", foreign)
    server.publish(f"{ROOT}/counter/1/state", own)
    assert counter.wait_for(own) == f"{ROOT}/counter/1/state"
    assert not counter.received(foreign)


def test_display_reads_the_board_but_cannot_send_commands(hall):
    server = _online(hall, "server")
    server.subscribe(f"{ROOT}/#")
    display = _online(hall, "display-1")
    display.subscribe(f"{ROOT}/board", f"{ROOT}/calls")
    board = _token()
    server.publish(f"{ROOT}/board", board)
    assert display.wait_for(board) == f"{ROOT}/board"
    command, status = _token(), _token()
    display.publish(f"{ROOT}/counter/1/cmd", command)
    display.publish(f"{ROOT}/device/display-1/status", status)
    assert server.wait_for(status) == f"{ROOT}/device/display-1/status"
    assert not server.received(command)


def test_kiosk_writes_only_its_own_status(hall):
    server = _online(hall, "server")
    server.subscribe(f"{ROOT}/#")
    kiosk = _online(hall, "kiosk-1")
    forged, command, own = _token(), _token(), _token()
    kiosk.publish(f"{ROOT}/device/display-1/status", forged)
    kiosk.publish(f"{ROOT}/counter/1/cmd", command)
    kiosk.publish(f"{ROOT}/device/kiosk-1/status", own)
    assert server.wait_for(own) == f"{ROOT}/device/kiosk-1/status"
    assert not server.received(forged)
    assert not server.received(command)


def test_tls_broker_is_trusted_only_through_the_hall_ca(hall):
    if not hall.tls:
        pytest.skip("plain listener")
    assert _url(hall.out, "counter-1").startswith("mqtts://")
    stranger = BrokerAccount(_url(hall.out, "counter-1"), ca_file=None, host="127.0.0.1",
                             port=hall.port)
    with pytest.raises(ssl.SSLError):
        stranger.connect(timeout=5)
