"""The HTTP dossier adapter against a real dossier system process: answers, failures, time-outs."""

from __future__ import annotations

import time
from datetime import date

import pytest
import requests

from protocol.config_file import ConfigError
from queue_server.dossier_lookup import HttpJsonConnector, NoConnector, dossier_config
from queue_server.server_config import ServerConfig
from tests.support.dossier_process import dossier_system


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    with dossier_system(tmp_path_factory.mktemp("dossiers"), token="s3cret") as url:
        yield url


def test_known_dossiers_are_checked(system):
    lookup = HttpJsonConnector(system, token="s3cret", timeout_s=2)
    ready = lookup.look_up("000.00.12.H12-261204-0001")
    assert ready.as_json() == {"code": "000.00.12.H12-261204-0001", "status": "ready",
                               "return_date": "2026-12-04", "checked": True}
    assert lookup.look_up("000.00.12.H12-261204-0002").status == "in_progress"
    assert lookup.look_up("000.00.12.H12-261101-0009").status == "returned"
    # a code with '/' travels as one path segment
    missing = lookup.look_up("CM/2026/404")
    assert (missing.status, missing.checked) == ("unknown", True)


@pytest.mark.parametrize("code", ["SLOW-1", "HANG-1", "DRIP-1", "ERR-1", "BAD-1", "ODD-1"])
def test_a_failing_dossier_system_is_not_checked_within_the_timeout(system, code):
    lookup = HttpJsonConnector(system, token="s3cret", timeout_s=0.5)
    started = time.monotonic()
    answer = lookup.look_up(code)
    assert time.monotonic() - started < 0.8
    assert (answer.code, answer.status, answer.checked) == (code, "unknown", False)


def test_a_wrong_token_or_no_system_is_not_checked(system, tmp_path):
    assert not HttpJsonConnector(system, token="wrong").look_up("000.00.12.H12-261204-0001").checked
    from tests.support.live_server import free_port
    nobody = HttpJsonConnector(f"http://127.0.0.1:{free_port()}/d", timeout_s=0.5)
    assert nobody.look_up("X1").checked is False


def test_hmac_signed_lookups(tmp_path):
    with dossier_system(tmp_path, hmac_key="k3y") as url:
        good = HttpJsonConnector(url, hmac_key="k3y").look_up("000.00.12.H12-261204-0003")
        assert (good.status, good.return_date, good.checked) == (
            "received", date(2026, 12, 18), True)
        assert not HttpJsonConnector(url, hmac_key="other").look_up("X1").checked


def test_connector_none_never_checks():
    assert NoConnector().look_up("A-1").as_json() == {
        "code": "A-1", "status": "unknown", "return_date": None, "checked": False}


def test_dossier_config_refuses_unknown_keys_by_name(tmp_path):
    with pytest.raises(ConfigError, match="'dossier.timeout'"):
        dossier_config({"connector": "none", "timeout": 3})
    with pytest.raises(ConfigError, match="'dossier.qr.separator'"):
        dossier_config({"qr": {"separator": "|"}})
    with pytest.raises(ConfigError, match="'dossier.url'"):
        dossier_config({"connector": "http"})
    with pytest.raises(ConfigError, match="'dossier.connector'"):
        dossier_config({"connector": "soap"})
    with pytest.raises(ConfigError, match="'dossier.timeout_s'"):
        dossier_config({"timeout_s": 0})
    with pytest.raises(ConfigError, match="field_order"):
        dossier_config({"qr": {"kind": "fields"}})
    config = tmp_path / "server.toml"
    config.write_text('site = "camau-hcc"\n[dossier]\nconnector = "http"\n'
                      'url = "http://127.0.0.1:9/dossiers"\ntoken = "t"\n'
                      '[dossier.qr]\nkind = "fields"\nfield_order = ["code", "", "return_date"]\n'
                      'field_separator = "#"\n')
    loaded = ServerConfig.load(config, env={}).dossier
    assert (loaded.connector, loaded.timeout_s, loaded.receipt.field_order) == (
        "http", 2.0, ("code", "", "return_date"))
    assert ServerConfig.load(None, env={"MOTCUA_SITE": "x"}).dossier.connector == "none"


def test_answers_dribbled_out_do_not_use_up_the_lookups(system):
    from concurrent.futures import ThreadPoolExecutor

    lookup = HttpJsonConnector(system, token="s3cret", timeout_s=0.5)
    with ThreadPoolExecutor(max_workers=10) as callers:
        answers = list(callers.map(lookup.look_up, ["DRIP-1"] * 10))
    assert not any(a.checked for a in answers)
    time.sleep(0.6)  # the workers give up at their deadline, not byte by byte
    lookup.timeout_s = 2
    assert lookup.look_up("000.00.12.H12-261204-0001").checked


def test_the_dossier_system_takes_the_event_feed_from_its_own_table(tmp_path):
    config = tmp_path / "server.toml"
    secret = "bi-mat-he-thong-mot-cua-tinh"
    config.write_text('site = "camau-hcc"\n[dossier]\nconnector = "http"\n'
                      'url = "http://127.0.0.1:9/dossiers"\n'
                      'events_url = "http://127.0.0.1:9/queue-events"\n'
                      f'events_secret = "{secret}"\n')
    loaded = ServerConfig.load(config, env={})
    assert [(w.url, w.secret) for w in loaded.webhooks] == [
        ("http://127.0.0.1:9/queue-events", secret)]
    with pytest.raises(ConfigError, match="'dossier.events_secret' is missing"):
        dossier_config({"events_url": "http://127.0.0.1:9/e"})
    with pytest.raises(ConfigError, match="'dossier.events_secret' must be at least"):
        dossier_config({"events_url": "http://127.0.0.1:9/e", "events_secret": "short"})
    with pytest.raises(ConfigError, match="'dossier.events_url'"):
        dossier_config({"events_url": "ftp://x", "events_secret": secret})


def test_a_ticket_taken_for_a_dossier_reaches_the_dossier_systems_event_feed(tmp_path,
                                                                              mosquitto):
    from tests.support.live_server import LiveServer, free_port
    from tests.support.webhook_receiver import WebhookReceiver

    secret = "bi-mat-he-thong-mot-cua-tinh"
    receiver = WebhookReceiver(free_port(), secret, tmp_path / "received.jsonl")
    receiver.start()
    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url, extra_config=(
        f'\n[dossier]\nevents_url = "{receiver.url}"\nevents_secret = "{secret}"\n'))
    try:
        server.prepare()
        server.start()
        r = requests.post(f"{server.url}/api/v1/tickets", timeout=10,
                          headers={"Authorization": f"Bearer {server.tokens['kiosk-1']}"},
                          json={"service": "R", "dossier": "000.00.12.H12-261204-0007"})
        assert r.status_code == 201, r.text
        [event] = receiver.wait_for(1)  # signed with the dossier table's secret
        assert (event["type"], event["ticket"], event["number"]) == (
            "ticket.issued", r.json()["id"], r.json()["number"])
        assert r.json()["dossier_codes"] == ["000.00.12.H12-261204-0007"]
    finally:
        server.stop()
        receiver.stop()
