"""The counter config: the example loads, and every mistake names its key."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from counter.station_config import StationConfig, load_station_config
from firmware_config.local_ca import CA_CERT, ensure_certificates
from protocol.config_file import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "firmware_config" / "examples" / "counter.toml"


def base(**overrides: object) -> dict:
    cfg: dict = {
        "site": "camau-hcc",
        "device_id": "counter-1",
        "counter": "1",
        "mqtt_url": "mqtt://127.0.0.1:1883",
        "buttons": {"next": 17, "recall": 27, "skip": 22},
        "leds": {"online": 5, "busy": 6},
    }
    cfg.update(overrides)
    return cfg


def test_example_file_loads() -> None:
    cfg = load_station_config(EXAMPLE, env={})
    assert cfg.site == "camau-hcc"
    assert cfg.counter == "1"
    assert cfg.buttons == {"next": 17, "recall": 27, "skip": 22}
    assert cfg.leds == {"online": 5, "busy": 6}
    assert cfg.buzzer is None
    assert cfg.debounce_s == pytest.approx(0.3)
    assert cfg.mqtt_url.username == "counter-1"


def test_environment_overrides_the_file() -> None:
    cfg = load_station_config(
        EXAMPLE, env={"MOTCUA_MQTT_URL": "mqtt://10.0.0.2:1884", "MOTCUA_SITE": "other"}
    )
    assert (cfg.mqtt_url.host, cfg.mqtt_url.port, cfg.site) == ("10.0.0.2", 1884, "other")


def test_optional_buttons_leds_and_buzzer() -> None:
    cfg = StationConfig.from_dict(
        base(
            counter=6,
            buttons={"next": 17, "complete": 23, "pause": 24, "resume": 25},
            leds={"paused": 12, "empty": 16},
            buzzer=26,
        )
    )
    assert cfg.counter == "6"
    assert set(cfg.buttons) == {"next", "complete", "pause", "resume"}
    assert cfg.leds == {"paused": 12, "empty": 16}
    assert cfg.buzzer == 26


@pytest.mark.parametrize(
    ("cfg", "key"),
    [
        (base(counter=None), "counter"),
        (base(buttons={"next": 17, "call": 18}), "buttons.call"),
        (base(leds={"online": 5, "red": 6}), "leds.red"),
        (base(buttons={"next": "17"}), "buttons.next"),
        (base(buttons={"next": 28}), "buttons.next"),
        (base(buttons={"next": -1}), "buttons.next"),
        (base(buttons={"next": 4.0}), "buttons.next"),
        (base(buttons={"next": True}), "buttons.next"),
        (base(buttons={"next": 17, "recall": 17}), "buttons.recall"),
        (base(leds={"online": 27}), "leds.online"),
        (base(buzzer=17), "buzzer"),
        (base(buzzer=40), "buzzer"),
        (base(buttons={"recall": 27}), "buttons.next"),
        (base(buttons=None), "buttons"),
        (base(buttons=[17]), "buttons"),
        (base(mqtt_url="http://broker"), "mqtt_url"),
        (base(mqtt_url=None), "mqtt_url"),
        (base(site=None), "site"),
        (base(device_id=None), "device_id"),
        (base(debounce_s="fast"), "debounce_s"),
        (base(debounce_s=-1), "debounce_s"),
        (base(counter="5/cmd"), "counter"),
        (base(rating={"1": 12, "2": 25, "3": 26, "5": 19}), "rating.5"),
        (base(rating={"1": 12, "2": 25, "3": 26, "4": 17}), "rating.4"),
        (base(rating_window_s=600), "rating_window_s"),
        (base(skip_hold_s=-1), "skip_hold_s"),
        (base(transfer_hold_s=0), "transfer_hold_s"),
        (base(transfer_timeout_s="10"), "transfer_timeout_s"),
        (base(buttons={"next": 17, "transfer": 23}), "transfer_targets"),
        (base(transfer_targets="B"), "transfer_targets"),
        (base(transfer_targets=["B", "B"]), "transfer_targets"),
        (base(transfer_targets=[]), "transfer_targets"),
        (base(server_url="192.168.1.10:8080"), "server_url"),
    ],
)
def test_errors_name_the_key(cfg: dict, key: str) -> None:
    cfg = {k: v for k, v in cfg.items() if v is not None}
    with pytest.raises(ConfigError) as info:
        StationConfig.from_dict(cfg)
    assert f"'{key}'" in str(info.value)


def test_transfer_rating_and_hold_keys() -> None:
    cfg = StationConfig.from_dict(
        base(
            buttons={"next": 17, "skip": 22, "transfer": 23, "pause": 24},
            leds={"paused": 16, "transfer": 20, "rate": 21},
            rating={"4": 12, "3": 25, "2": 26, "1": 19},
            rating_window_s=90,
            skip_hold_s=0,
            transfer_targets=["B", "D"],
        )
    )
    assert cfg.rating == {"4": 12, "3": 25, "2": 26, "1": 19}
    assert cfg.rating_window_s == 90.0
    assert cfg.skip_hold_s == 0.0
    assert cfg.transfer_hold_s == pytest.approx(1.5)
    assert cfg.transfer_timeout_s == pytest.approx(10.0)
    assert cfg.transfer_targets == ("B", "D")
    assert cfg.server_url is None

    remote = StationConfig.from_dict(
        base(buttons={"next": 17, "transfer": 23}, server_url="http://10.0.0.1:8080/")
    )
    assert remote.transfer_targets is None
    assert remote.server_url == "http://10.0.0.1:8080"
    defaults = StationConfig.from_dict(base())
    assert (defaults.rating, defaults.rating_window_s, defaults.skip_hold_s) == ({}, 60.0, 1.0)


def test_example_with_every_optional_key_uncommented(tmp_path: Path) -> None:
    setting = re.compile(r"^# ((?:[A-Za-z0-9_]+ = .+)|(?:\[[a-z]+\]))$")
    lines = [
        m.group(1) if (m := setting.match(line)) else line
        for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
    ]
    ensure_certificates(tmp_path, "camau-hcc", "127.0.0.1")  # mqtt_ca_file is read at start
    ca = tmp_path / CA_CERT
    path = tmp_path / "counter.toml"
    text = "\n".join(lines).replace('"/etc/motcua/ca.crt"', f'"{ca}"')
    path.write_text(text + "\n", encoding="utf-8")
    cfg = load_station_config(path, env={})
    assert cfg.mqtt_ca_file == str(ca)
    assert cfg.buttons["transfer"] == 23 and cfg.buttons["pause"] == 24
    assert cfg.leds["paused"] == 16 and cfg.buzzer == 13
    assert cfg.rating == {"4": 12, "3": 25, "2": 26, "1": 19}
    assert cfg.transfer_targets is not None and cfg.server_url is not None


def test_duplicate_pin_names_both_keys() -> None:
    with pytest.raises(ConfigError) as info:
        StationConfig.from_dict(base(leds={"online": 17}))
    assert "'leds.online'" in str(info.value)
    assert "buttons.next" in str(info.value)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "counter", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_config_error_exits_2_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "counter.toml"
    path.write_text(
        'site = "camau-hcc"\ndevice_id = "counter-1"\nmqtt_url = "mqtt://127.0.0.1:1"\n'
        "[buttons]\nnext = 17\nrecal = 27\n",
        encoding="utf-8",
    )
    result = run_cli("run", "--config", str(path), "--mock-pins")
    assert result.returncode == 2
    assert "'counter'" in result.stderr
    assert "Traceback" not in result.stderr

    path.write_text('counter = "1"\n' + path.read_text(), encoding="utf-8")
    result = run_cli("run", "--config", str(path), "--mock-pins")
    assert result.returncode == 2
    assert "'buttons.recal'" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("run", "--config", str(tmp_path / "absent.toml"))
    assert result.returncode == 2
    assert "not found" in result.stderr


def test_cli_help() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "run" in result.stdout
    result = run_cli("run", "--help")
    assert result.returncode == 0
    assert "--mock-pins" in result.stdout
