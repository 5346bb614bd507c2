"""generate: the files of a hall, usable by every role, idempotent and secret-safe."""

from __future__ import annotations

import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from counter.station_config import load_station_config
from display.display_config import DisplayConfig
from firmware_config.cli import main
from firmware_config.hall_generator import generate
from firmware_config.mosquitto_passwd import parse_passwd, verify_password
from kiosk.kiosk_config import KioskConfig
from protocol.broker_url import BrokerUrl
from queue_server.domain.site_spec import parse_site
from queue_server.server_config import ServerConfig
from tests.support.cli_output import assert_one_line_error, run_module

SITE = Path(__file__).resolve().parents[2] / "firmware_config" / "examples" / "site.toml"
DEVICES = ["kiosk-1", "display-1", *(f"counter-{n}" for n in range(1, 7))]


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    return {
        p.name: (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    }


@pytest.fixture
def hall(tmp_path, capsys):
    out = tmp_path / "hall"
    assert main(["generate", str(SITE), "--out", str(out)]) == 0
    return out


def test_writes_every_file_with_secrets_only_in_private_files(hall, capsys):
    names = {p.name for p in hall.iterdir()}
    assert {"mosquitto.conf", "passwd", "acl", "tokens.txt", "site.toml", "server.toml"} <= names
    assert {f"{d}.toml" for d in DEVICES} <= names
    private = ["passwd", "tokens.txt", "site.toml", "server.toml"]
    for name in private + [f"{d}.toml" for d in DEVICES]:
        assert stat.S_IMODE((hall / name).stat().st_mode) == 0o600, name
    conf = (hall / "mosquitto.conf").read_text().splitlines()
    for line in ["per_listener_settings false", "allow_anonymous false", "set_tcp_nodelay true",
                 "persistence true", "listener 1883"]:
        assert line in conf
    # nothing secret reached the screen
    printed = capsys.readouterr()
    tokens = [ln.split()[1] for ln in (hall / "tokens.txt").read_text().splitlines()[1:]]
    passwords = [BrokerUrl.parse(tomllib.loads((hall / f"{d}.toml").read_text())["mqtt_url"])
                 .password for d in DEVICES]
    for secret in tokens + passwords:
        assert secret not in printed.out + printed.err


def test_every_account_logs_in_with_its_own_password(hall):
    hashes = parse_passwd((hall / "passwd").read_text())
    for name in ["server", *DEVICES]:
        url = BrokerUrl.parse(tomllib.loads((hall / f"{name}.toml").read_text())["mqtt_url"])
        user = "queue-server" if name == "server" else name
        assert url.username == user
        assert verify_password(url.password, hashes[user][1])


def test_site_copy_carries_the_tokens_the_kiosk_uses(hall):
    spec = parse_site((hall / "site.toml").read_text())
    tokens = dict(ln.split() for ln in (hall / "tokens.txt").read_text().splitlines()[1:])
    assert {d.id: d.token for d in spec.devices} == tokens
    assert all(len(t) >= 16 for t in tokens.values())
    kiosk = tomllib.loads((hall / "kiosk-1.toml").read_text())
    assert kiosk["device_token"] == tokens["kiosk-1"]


def test_configs_load_in_their_own_programs(hall):
    counter = load_station_config(hall / "counter-3.toml", env={})
    assert (counter.counter, counter.device_id, counter.buttons["next"]) == ("3", "counter-3", 17)
    display = DisplayConfig.from_mapping(tomllib.loads((hall / "display-1.toml").read_text()))
    assert display.centre_name.startswith("Trung tâm")
    kiosk = KioskConfig.from_dict(tomllib.loads((hall / "kiosk-1.toml").read_text()))
    assert kiosk.server_url == "http://192.168.1.10:8080"
    server = ServerConfig.load(hall / "server.toml", env={})
    assert BrokerUrl.parse(server.mqtt_url).host == "127.0.0.1"


def test_running_again_changes_nothing(hall):
    before = _snapshot(hall)
    assert main(["generate", str(SITE), "--out", str(hall)]) == 0
    assert _snapshot(hall) == before


def test_tls_adds_a_ca_and_mqtts_urls_and_keeps_them(tmp_path):
    out = tmp_path / "hall"
    assert main(["generate", str(SITE), "--out", str(out), "--tls",
                 "--server-host", "192.168.1.10"]) == 0
    counter = tomllib.loads((out / "counter-1.toml").read_text())
    assert counter["mqtt_url"].startswith("mqtts://") and counter["mqtt_url"].endswith(":8883")
    assert counter["ca_file"] == counter["mqtt_ca_file"] == "/etc/motcua/ca.crt"
    conf = (out / "mosquitto.conf").read_text()
    assert "listener 8883" in conf and "certfile /etc/mosquitto/motcua/server.crt" in conf
    assert stat.S_IMODE((out / "server.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "ca.key").stat().st_mode) == 0o600
    before = _snapshot(out)
    assert main(["generate", str(SITE), "--out", str(out), "--tls",
                 "--server-host", "192.168.1.10"]) == 0
    assert _snapshot(out) == before


def test_pins_from_the_site_file_reach_the_counter(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text(SITE.read_text().replace(
        'counter = "1"\n',
        'counter = "1"\nbuzzer = 13\n\n[devices.buttons]\nnext = 4\nrecall = 27\n\n'
        '[devices.rating]\n4 = 12\n1 = 19\n', 1))
    out = tmp_path / "hall"
    assert main(["generate", str(site), "--out", str(out)]) == 0
    data = tomllib.loads((out / "counter-1.toml").read_text())
    assert data["buttons"] == {"next": 4, "recall": 27}
    assert data["rating"] == {"4": 12, "1": 19}
    assert load_station_config(out / "counter-1.toml", env={}).buzzer == 13


def test_a_rehearsal_keeps_every_path_and_address_on_this_machine(tmp_path):
    out = tmp_path / "hall"
    generate(SITE, out, rehearsal=True, mqtt_port=18831, http_port=18081)
    for path in out.glob("*.toml"):
        text = "\n".join(
            ln for ln in path.read_text().splitlines() if not ln.lstrip().startswith("#")
        )
        assert "/var/lib" not in text, path.name
        assert "192.168." not in text, path.name
    conf = (out / "mosquitto.conf").read_text()
    assert f"password_file {out}/passwd" in conf
    assert "listener 18831 127.0.0.1" in conf
    server = tomllib.loads((out / "server.toml").read_text())
    assert server["port"] == 18081 and server["host"] == "127.0.0.1"
    assert server["broker_pid_file"] == str(out / "mosquitto.pid")
    kiosk = tomllib.loads((out / "kiosk-1.toml").read_text())
    assert kiosk["server_url"] == "http://127.0.0.1:18081"
    assert kiosk["mqtt_url"].endswith("@127.0.0.1:18831")
    assert (out / "data" / "mosquitto").is_dir()


def test_a_port_out_of_range_is_refused_with_its_option(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "firmware_config", "generate", str(SITE),
         "--out", str(tmp_path / "hall"), "--http-port", "70000"],
        capture_output=True, text=True,
    )
    assert done.returncode == 2
    assert "--http-port" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "hall").exists()


def test_a_bad_server_host_or_out_folder_is_one_line(tmp_path):
    out = run_module("firmware_config", "generate", str(SITE), "--out", str(tmp_path / "hall"),
                     "--server-host", "192.168.1.10/24")
    assert_one_line_error(out, "--server-host", "'192.168.1.10/24'")
    assert not (tmp_path / "hall").exists()
    taken = tmp_path / "a-file"
    taken.write_text("", encoding="utf-8")
    out = run_module("firmware_config", "generate", str(SITE), "--out", str(taken))
    assert_one_line_error(out, str(taken), "exists")
